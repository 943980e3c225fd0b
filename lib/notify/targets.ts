/**
 * Where notifications go, from the URLs given with `--notify` (or `notify` in the config file):
 *
 * - `https://hooks.slack.com/services/…` — a Slack incoming webhook (`{ text }`);
 * - `https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<ID>` — the Telegram Bot API
 *   (`{ chat_id, text }`), or the short form `telegram://<TOKEN>@<CHAT_ID>`;
 * - any other `http(s)://` URL — a generic JSON webhook (`{ source, event, run_id, time, text, data }`);
 * - `slack+http(s)://…`, `telegram+http(s)://…`, `webhook+http(s)://…` force the format for another address
 *   (a relay, or a local receiver in tests);
 * - `smtp://[USER:PASSWORD@]HOST[:PORT]?from=ADDR&to=ADDR[,ADDR]` (STARTTLS when the server offers it) or
 *   `smtps://…` (TLS from the start, port 465) — e-mail through the npm package nodemailer; the user and
 *   password may also come from `KINETRA_SMTP_USER` / `KINETRA_SMTP_PASSWORD`.
 *
 * The URLs carry secrets (webhook paths, bot tokens, chat ids): only {@link NotifyTarget.label}
 * (format and host) is ever printed.
 *
 * @example
 * ```ts
 * import { parseNotifyUrl } from "./targets.ts";
 * const t = parseNotifyUrl("https://hooks.slack.com/services/T0/B0/secret");
 * console.log(t.kind, t.label); // "slack" "slack (hooks.slack.com)"
 * ```
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** The message formats. */
export type NotifyKind = "slack" | "telegram" | "webhook" | "email";

/** An SMTP destination. */
export interface SmtpSettings {
  /** SMTP server host. */
  host: string;
  /** SMTP server port. */
  port: number;
  /** TLS from the start (smtps); otherwise STARTTLS when offered. */
  secure: boolean;
  /** Login user, when the server wants one. */
  user?: string;
  /** Login password (secret). */
  pass?: string;
  /** Sender address. */
  from: string;
  /** Recipient addresses. */
  to: string[];
}

/** One destination. */
export interface NotifyTarget {
  /** The message format. */
  kind: NotifyKind;
  /** Where the request goes (secret: never printed). */
  url: string;
  /** Telegram: the chat id (secret). */
  chatId?: string;
  /** E-mail: the server and addresses (the password is secret). */
  smtp?: SmtpSettings;
  /** What may be printed: the format and the host, nothing else. */
  label: string;
  /** host:port, for the permission check. */
  host: string;
  /** Strings that must never appear in output (the URL, its path, the token, the chat id). */
  secrets: string[];
}

function bad(raw: string, why: string): never {
  // The raw URL may hold a secret: name only its scheme.
  const scheme = /^([a-z+]+):/i.exec(raw)?.[1] ?? "?";
  throw new KinetraError("bad_option", `--notify: a ${scheme}: URL ${why}`);
}

const EMAIL = /^[^\s@,<>]+@[^\s@,<>]+$/;

function parseSmtp(s: string, env: (name: string) => string | undefined): NotifyTarget {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return bad(s, "is not a valid URL");
  }
  const secure = u.protocol === "smtps:";
  const from = u.searchParams.get("from") ?? "";
  const to = (u.searchParams.get("to") ?? "").split(",").map((x) => x.trim()).filter(Boolean);
  if (!u.hostname) return bad(s, "needs a host");
  if (!EMAIL.test(from)) return bad(s, "needs ?from=ADDRESS");
  if (!to.length || !to.every((x) => EMAIL.test(x))) return bad(s, "needs ?to=ADDRESS[,ADDRESS]");
  const port = u.port ? Number(u.port) : secure ? 465 : 587;
  const user = u.username ? decodeURIComponent(u.username) : env("KINETRA_SMTP_USER");
  const pass = u.password ? decodeURIComponent(u.password) : env("KINETRA_SMTP_PASSWORD");
  const secrets = [s, u.username, u.password, pass ?? "", ...to].filter((x) => x && x.length > 1);
  return {
    kind: "email",
    url: `${u.protocol}//${u.hostname}:${port}`,
    label: `email (${u.hostname})`,
    host: `${u.hostname}:${port}`,
    smtp: { host: u.hostname, port, secure, user: user || undefined, pass: pass || undefined, from, to },
    secrets: [...new Set(secrets as string[])].sort((a, b) => b.length - a.length),
  };
}

/** Parse one `--notify` URL. Throws KinetraError (exit 2) without echoing the URL. */
export function parseNotifyUrl(
  raw: string,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): NotifyTarget {
  const s = raw.trim();
  if (/^smtps?:\/\//i.test(s)) return parseSmtp(s, env);
  let forced: NotifyKind | null = null;
  let rest = s;
  const m = /^(slack|telegram|webhook)\+(https?:\/\/.*)$/i.exec(s);
  if (m) {
    forced = m[1].toLowerCase() as NotifyKind;
    rest = m[2];
  }
  const tg = /^telegram:\/\/([^@/\s]+)@([^/\s?#]+)\/?$/i.exec(s);
  if (tg) rest = `https://api.telegram.org/bot${tg[1]}/sendMessage?chat_id=${tg[2]}`;
  let u: URL;
  try {
    u = new URL(rest);
  } catch {
    return bad(s, "is not a valid URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    return bad(s, "is not supported (http, https, telegram, smtp, smtps)");
  }
  if (u.username || u.password) return bad(s, "must not carry a user name or password");
  const kind: NotifyKind = forced ??
    (tg || u.hostname === "api.telegram.org"
      ? "telegram"
      : u.hostname === "hooks.slack.com"
      ? "slack"
      : "webhook");
  const host = u.port ? `${u.hostname}:${u.port}` : u.hostname;
  const secrets = [s, rest, u.pathname + u.search, u.search].filter((x) => x.length > 1);
  for (const seg of u.pathname.split("/")) if (seg.length >= 6) secrets.push(seg);
  let chatId: string | undefined;
  if (kind === "telegram") {
    chatId = u.searchParams.get("chat_id") ?? undefined;
    if (!chatId) return bad(s, "for Telegram needs ?chat_id=… (or telegram://TOKEN@CHAT_ID)");
    if (!/\/bot[^/]+\/sendMessage$/.test(u.pathname)) {
      return bad(s, "for Telegram must end in /bot<TOKEN>/sendMessage");
    }
    secrets.push(chatId);
    u.searchParams.delete("chat_id");
    const token = /\/bot([^/]+)\//.exec(u.pathname)?.[1];
    if (token) secrets.push(token);
  }
  return {
    kind,
    url: u.toString(),
    chatId,
    label: `${kind} (${u.hostname})`,
    host,
    secrets: [...new Set(secrets)].sort((a, b) => b.length - a.length),
  };
}

/** Replace every secret of the targets in `text` with `…` (for anything that could be printed). */
export function redact(text: string, targets: readonly NotifyTarget[]): string {
  let out = text;
  for (const t of targets) for (const s of t.secrets) if (s) out = out.split(s).join("…");
  return out;
}
