/**
 * A quick, permission-checked reachability probe for the bridge address (used by the menu's status
 * bar). It lives here because all of Kinetra's networking lives in lib/mt5.
 *
 * @module
 */

/** True when this process may connect to host:port (never prompts). */
export async function netPermitted(host: string, port: number): Promise<boolean> {
  try {
    const st = await Deno.permissions.query({ name: "net", host: `${host}:${port}` });
    return st.state === "granted";
  } catch {
    return false;
  }
}

/**
 * Try a TCP connection to host:port for at most `timeoutMs`; true when something accepts it (a
 * running Kinetra bridge session). Returns false without connecting when the permission is
 * missing, so the user never sees a permission prompt.
 */
export async function probeTcp(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  if (!(await netPermitted(host, port))) return false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = Deno.connect({ hostname: host, port }).then((conn) => {
    conn.close();
    return true;
  }, () => false);
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a connection attempt to host:port found: `listening` (something accepted it), `refused`
 * (nothing listens: no runner is running, the normal state), `timeout` (no answer within
 * `timeoutMs`: on loopback a sign that something is wrong), `error` (another failure, with its
 * message) or `not_permitted` (no --allow-net for it; nothing was tried).
 */
export async function probeTcpState(
  host: string,
  port: number,
  timeoutMs = 300,
): Promise<{ state: "listening" | "refused" | "timeout" | "error" | "not_permitted"; message?: string }> {
  if (!(await netPermitted(host, port))) return { state: "not_permitted" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  type Found = { state: "listening" | "refused" | "timeout" | "error"; message?: string };
  const attempt: Promise<Found> = Deno.connect({ hostname: host, port }).then(
    (conn) => {
      conn.close();
      return { state: "listening" };
    },
    (e: Error) =>
      e instanceof Deno.errors.ConnectionRefused
        ? { state: "refused" }
        : { state: "error", message: e.message.split("\n")[0] },
  );
  const timeout = new Promise<Found>((resolve) => {
    timer = setTimeout(() => resolve({ state: "timeout" }), timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
