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
