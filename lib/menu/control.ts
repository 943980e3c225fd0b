/**
 * Control-flow signals of the menu. They are not errors: a prompt throws them to leave the
 * current screen (`MenuBack`), the whole menu (`MenuQuit`), or to stop because input ended
 * (`MenuEof`); the runner turns each into the right move and exit code.
 *
 * @module
 */

/** The user asked to go back (0), or three invalid answers in a row sent them back. */
export class MenuBack extends Error {
  /**
   * `reason`: `back` (0 typed), `cancelled` (Ctrl-C in a secret), `invalid` (three invalid answers)
   * or `done` (the action finished and needs no closing pause).
   */
  constructor(reason = "back") {
    super(reason);
    this.name = "MenuBack";
  }
}

/** The user typed q (or quit/exit): leave the menu with exit code 0. */
export class MenuQuit extends Error {
  constructor() {
    super("quit");
    this.name = "MenuQuit";
  }
}

/** Input ended (Ctrl-D on a terminal, a closed pipe): leave the menu with exit code 0. */
export class MenuEof extends Error {
  constructor() {
    super("end of input");
    this.name = "MenuEof";
  }
}

/** A running operation was interrupted with Ctrl-C (SIGINT): return to the menu. */
export class OperationCancelled extends Error {
  constructor() {
    super("operation cancelled");
    this.name = "OperationCancelled";
  }
}

/** Ctrl-C at a prompt (no operation running): leave the menu (exit code 130, like a shell). */
export class MenuInterrupt extends Error {
  constructor() {
    super("interrupted");
    this.name = "MenuInterrupt";
  }
}
