// E-mail notifications through the npm package nodemailer against a local SMTP server on 127.0.0.1
// (a minimal one written here): the message arrives with its subject and text, the login is used,
// a temporary refusal (451) is retried, a permanent one (550) is not, and the password never shows.
import assert from "node:assert/strict";
import net from "node:net";
import { Notifier, parseNotifyUrl, redact } from "../../lib/notify/mod.ts";

interface Smtp {
  port: number;
  mails: { from: string; to: string[]; data: string; auth: string | null }[];
  close(): Promise<void>;
}

/** A plain SMTP server: `rcptReply` answers RCPT TO (e.g. "451 try later" once, then 250). */
async function smtpServer(rcptReplies: string[] = []): Promise<Smtp> {
  const mails: Smtp["mails"] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    let buf = "", inData = false, data = "", from = "", auth: string | null = null;
    let to: string[] = [];
    sock.write("220 localhost ESMTP kinetra-test\r\n");
    sock.on("data", (d) => {
      buf += d.toString("utf8");
      let k;
      while ((k = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            mails.push({ from, to, data, auth });
            sock.write("250 2.0.0 queued\r\n");
          } else data += line.replace(/^\./, "") + "\n";
          continue;
        }
        const cmd = line.split(" ")[0].toUpperCase();
        if (cmd === "EHLO" || cmd === "HELO") sock.write("250-localhost\r\n250 AUTH PLAIN LOGIN\r\n");
        else if (cmd === "AUTH") {
          auth = atob(line.split(" ")[2] ?? "");
          sock.write("235 2.7.0 ok\r\n");
        } else if (cmd === "MAIL") {
          from = line.slice(10).replace(/[<>]/g, "").split(" ")[0];
          to = [];
          data = "";
          sock.write("250 ok\r\n");
        } else if (cmd === "RCPT") {
          const reply = rcptReplies.shift() ?? "250 ok";
          if (reply.startsWith("250")) to.push(line.slice(8).replace(/[<>]/g, ""));
          sock.write(reply + "\r\n");
        } else if (cmd === "DATA") {
          inData = true;
          sock.write("354 go on\r\n");
        } else if (cmd === "RSET" || cmd === "NOOP") sock.write("250 ok\r\n");
        else if (cmd === "QUIT") {
          sock.write("221 bye\r\n");
          sock.end();
        } else sock.write("502 unknown\r\n");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    mails,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

Deno.test({
  name: "notify: e-mail through nodemailer reaches a local SMTP server with subject, text and login",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const srv = await smtpServer();
    const log: string[] = [];
    try {
      const url =
        `smtp://kinetra:PASSWORDSECRET@127.0.0.1:${srv.port}?from=bot@kinetra.test&to=me@kinetra.test`;
      const t = parseNotifyUrl(url);
      assert.equal(t.kind, "email");
      assert.equal(t.label, "email (127.0.0.1)");
      const n = new Notifier([t], { backoffMs: 10, log: (l) => log.push(l) });
      n.notify({
        event: "breaker_tripped",
        title: "⚠️ circuit breaker TRIPPED — run1",
        text: "CHS 0.278 < 0.55",
      });
      const st = await n.close(15_000);
      assert.equal(st["email (127.0.0.1)"].sent, 1);
      assert.equal(srv.mails.length, 1);
      const mail = srv.mails[0];
      assert.equal(mail.from, "bot@kinetra.test");
      assert.deepEqual(mail.to, ["me@kinetra.test"]);
      assert.equal(mail.auth, "\0kinetra\0PASSWORDSECRET", "AUTH PLAIN with the URL's login");
      assert.match(mail.data, /^Subject: .*Kinetra/m);
      assert.match(mail.data, /CHS 0\.278 < 0\.55/);
      assert.deepEqual(log, []);
      assert.ok(!redact(`x ${url} y`, [t]).includes("PASSWORDSECRET"));
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: "notify: e-mail retries a temporary refusal (451) and gives up at once on a permanent one (550)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const temp = await smtpServer(["451 4.3.0 try later"]);
    const perm = await smtpServer(["550 5.1.1 no such user"]);
    const log: string[] = [];
    try {
      const mk = (port: number) =>
        parseNotifyUrl(`smtp://127.0.0.1:${port}?from=bot@kinetra.test&to=me@kinetra.test`, () => undefined);
      const a = new Notifier([mk(temp.port)], { backoffMs: 10, attempts: 3, log: (l) => log.push(l) });
      const b = new Notifier([mk(perm.port)], { backoffMs: 10, attempts: 3, log: (l) => log.push(l) });
      a.notify({ event: "halt", title: "halted", text: "kill switch" });
      b.notify({ event: "halt", title: "halted", text: "kill switch" });
      const sa = (await a.close(15_000))["email (127.0.0.1)"],
        sb = (await b.close(15_000))["email (127.0.0.1)"];
      assert.equal(sa.sent, 1);
      assert.equal(sa.attempts, 2, "451 then delivered");
      assert.equal(temp.mails.length, 1);
      assert.equal(sb.failed, 1);
      assert.equal(sb.attempts, 1, "550 is final");
      assert.equal(perm.mails.length, 0);
      assert.ok(log.some((l) => /email \(127\.0\.0\.1\): "halted" not delivered: SMTP 550/.test(l)));
      assert.ok(!log.join("\n").includes("me@kinetra.test"), "addresses are not printed");
    } finally {
      await temp.close();
      await perm.close();
    }
  },
});
