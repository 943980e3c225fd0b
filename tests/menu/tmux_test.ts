/**
 * The menu on a real terminal: tmux gives it a pseudo-terminal, the test types keys and reads the
 * screen. Checks the status bar, breadcrumbs, that a typed secret is not shown (raw mode), the
 * terminal progress bar, that Ctrl-C (sent by the terminal to the process group) stops a running
 * virtual trading session cleanly, and that Ctrl-D at a prompt exits with 0.
 *
 * Needs tmux (Debian package `tmux`): skipped with a loud message when it is missing, a failure
 * when CI=true.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { childEnv, menuCommand, ROOT, SAMPLE } from "./_helpers.ts";

const CI = Deno.env.get("CI") === "true";

function findTmux(): string | null {
  for (const p of ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* next */ }
  }
  return null;
}

const TMUX = findTmux();
if (!TMUX && !CI) {
  console.error(
    "\n" + "!".repeat(78) +
      "\n!! SKIPPED tests/menu/tmux_test.ts: tmux is not installed (apt-get install tmux).\n" +
      "!! The menu was NOT tested on a real terminal. Under CI=true this is a failure.\n" + "!".repeat(78) +
      "\n",
  );
}

async function tmux(socket: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(TMUX!, {
    args: ["-L", socket, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

async function screen(socket: string): Promise<string> {
  return await tmux(socket, "capture-pane", "-p", "-J", "-S", "-200", "-t", "menu");
}

/** Wait until the screen matches, or fail with what it shows. */
async function waitFor(socket: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < end) {
    text = await screen(socket);
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never showed ${re}; it shows:\n${text}`);
}

Deno.test({
  name:
    "on a terminal (tmux): status bar, breadcrumbs, hidden secret, progress bar, Ctrl-C stops a run, Ctrl-D exits 0",
  ignore: !TMUX && !CI,
  async fn() {
    assert.ok(TMUX, "tmux is required under CI=true (apt-get install tmux)");
    const work = await Deno.makeTempDir({ prefix: "kinetra-menu-tmux-" });
    const socket = `kinetra-menu-test-${crypto.randomUUID().slice(0, 8)}`;
    const secret = `tty-secret-${crypto.randomUUID().slice(0, 8)}`;
    const args = menuCommand([
      "--data-dir",
      SAMPLE,
      "--prepared-dir",
      join(work, "prepared"),
      "--logs-dir",
      join(work, "logs"),
      "--config",
      join(work, "config.json"),
    ]);
    const quoted = [Deno.execPath(), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const env = childEnv();
    const envArgs = ["NO_COLOR=1", `HOME=${env.HOME ?? "/tmp"}`, `PATH=${env.PATH ?? "/usr/bin:/bin"}`];
    if (env.DENO_DIR) envArgs.push(`DENO_DIR=${env.DENO_DIR}`);
    const shell = `env -u RUST_BACKTRACE ${envArgs.join(" ")} ${quoted}; echo "MENU_EXIT=$?"; sleep 60`;
    await tmux(socket, "new-session", "-d", "-s", "menu", "-c", ROOT, "-x", "160", "-y", "50", shell);
    try {
      let text = await waitFor(socket, /Choose 1-6, 0=exit, q=quit:/);
      assert.match(
        text,
        /Data: 6 files \(.*sample\), none prepared\s+MT5 bridge: not configured\s+Credentials: missing/,
      );
      assert.match(text, /^ {2}Main Menu$/m);

      // Login and Authentication > Configure MT5 Bridge, with a secret typed on the terminal.
      await tmux(socket, "send-keys", "-t", "menu", "1", "Enter");
      await waitFor(socket, /Main Menu > Login and Authentication\n/);
      await tmux(socket, "send-keys", "-t", "menu", "1", "Enter");
      await waitFor(socket, /Bridge address .*\[127\.0\.0\.1\]:/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /Bridge port .*\[18812\]:/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /input hidden/);
      await tmux(socket, "send-keys", "-t", "menu", "-l", secret);
      await new Promise((r) => setTimeout(r, 300));
      text = await screen(socket);
      assert.ok(
        !text.includes(secret) && !text.includes("tty-secret"),
        "the secret is not shown while typed",
      );
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      text = await waitFor(socket, /Saved to .*mode 0600/);
      assert.ok(!text.includes(secret), "the secret is not shown after Enter");
      assert.match(text, /Main Menu > Login and Authentication > Configure MT5 Bridge/);
      const saved = JSON.parse(await Deno.readTextFile(join(work, "config.json")));
      assert.equal(saved.bridge.secret, secret, "the secret typed in raw mode was read exactly");

      // Back to the main screen, then Exploration > Data Summary by Asset Class (a progress bar).
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /Choose 1-5, 0=back, q=quit:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "0", "Enter");
      await tmux(socket, "send-keys", "-t", "menu", "2", "Enter");
      await waitFor(socket, /Main Menu > Exploration\n/);
      await tmux(socket, "send-keys", "-t", "menu", "1", "Enter");
      text = await waitFor(socket, /6 files, \d+ bars in/);
      assert.match(text, /\[#{24}\] 6\/6 100%/);
      assert.match(text, /Main Menu > Exploration > Data Summary by Asset Class/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /Choose 1-3, 0=back, q=quit:\s*$/);

      // Ctrl-C on the terminal while virtual trading replays slowly: the runner halts cleanly.
      await tmux(socket, "send-keys", "-t", "menu", "0", "Enter");
      await tmux(socket, "send-keys", "-t", "menu", "4", "Enter");
      await waitFor(socket, /Main Menu > Live Testing\n/);
      await tmux(socket, "send-keys", "-t", "menu", "1", "Enter");
      await waitFor(socket, /Strategy \(1-\d+, 0=back, q=quit\) \[1\]:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "1", "Enter");
      await waitFor(socket, /Symbol \(1-6, 0=back, q=quit\) \[1\]:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "1", "Enter");
      await waitFor(socket, /Maximum trades .*\[50\]:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /CHS threshold .*\[0\.55\]:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /Replay speed .*\[0\]:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "20", "Enter");
      await waitFor(socket, /in virtual mode\? \[Y\/n\]:\s*$/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /Virtual trading\.\.\. \(Ctrl-C cancels\)/);
      await new Promise((r) => setTimeout(r, 500));
      await tmux(socket, "send-keys", "-t", "menu", "C-c");
      text = await waitFor(socket, /Ctrl-C: stopping cleanly[\s\S]*Press Enter to return to the menu/);
      assert.match(text, /status halted \(kill_switch/);
      await tmux(socket, "send-keys", "-t", "menu", "Enter");
      await waitFor(socket, /Choose 1-5, 0=back, q=quit:\s*$/);

      // Ctrl-D at a prompt: end of input, exit code 0.
      await tmux(socket, "send-keys", "-t", "menu", "C-d");
      text = await waitFor(socket, /MENU_EXIT=\d+/);
      assert.match(text, /End of input: leaving the menu\./);
      assert.match(text, /MENU_EXIT=0/);
      assert.ok(!/^\s+at .*:\d+:\d+/m.test(text), "no stack trace on screen");
    } finally {
      await tmux(socket, "kill-server").catch(() => "");
      await Deno.remove(work, { recursive: true });
    }
  },
});
