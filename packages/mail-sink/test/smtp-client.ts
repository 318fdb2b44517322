/**
 * A minimal SMTP client over node:net for the sink's own tests (nodemailer is not a dependency here):
 * one command at a time, each reply read whole (multi-line replies end with "NNN ").
 */
import net from "node:net";

export interface Reply {
  code: number;
  text: string;
}

export class SmtpConversation {
  private buffer = "";
  private lines: string[] = [];
  private wanted?: () => void;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let at = this.buffer.indexOf("\r\n");
      while (at >= 0) {
        this.lines.push(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + 2);
        at = this.buffer.indexOf("\r\n");
      }
      this.wanted?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wanted?.();
    });
  }

  static async open(port: number, host = "127.0.0.1"): Promise<{ smtp: SmtpConversation; greeting: Reply }> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const smtp = new SmtpConversation(socket);
    return { smtp, greeting: await smtp.reply() };
  }

  /** The next whole reply. */
  reply(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const end = this.lines.findIndex((l) => /^\d{3}( |$)/.test(l));
        if (end >= 0) {
          const lines = this.lines.splice(0, end + 1);
          this.wanted = undefined;
          resolve({ code: Number(lines[end].slice(0, 3)), text: lines.map((l) => l.slice(4)).join("\n") });
        } else if (this.closed) {
          this.wanted = undefined;
          reject(new Error("connection closed before a reply"));
        }
      };
      this.wanted = check;
      check();
    });
  }

  async command(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** DATA, the message (dot-stuffed) and its end; the reply to the end of data (or to DATA when refused). */
  async data(message: string): Promise<Reply> {
    const go = await this.command("DATA");
    if (go.code !== 354) return go;
    const stuffed = message
      .replace(/\r?\n/g, "\r\n")
      .split("\r\n")
      .map((l) => (l.startsWith(".") ? `.${l}` : l))
      .join("\r\n");
    this.socket.write(`${stuffed}\r\n.\r\n`);
    return this.reply();
  }

  async quit(): Promise<void> {
    if (!this.closed) await this.command("QUIT").catch(() => undefined);
    this.socket.destroy();
  }
}

/** One message in one connection; every reply on the way, and the first refusal ends it. */
export async function sendMail(
  port: number,
  envelope: { from: string; to: string[] },
  message: string,
): Promise<{ ok: boolean; replies: Reply[]; last: Reply }> {
  const { smtp, greeting } = await SmtpConversation.open(port);
  const replies: Reply[] = [greeting];
  try {
    const steps = [() => smtp.command("EHLO test.local"), () => smtp.command(`MAIL FROM:<${envelope.from}>`)];
    for (const to of envelope.to) steps.push(() => smtp.command(`RCPT TO:<${to}>`));
    for (const step of steps) {
      const r = await step();
      replies.push(r);
      if (r.code >= 400) return { ok: false, replies, last: r };
    }
    const r = await smtp.data(message);
    replies.push(r);
    return { ok: r.code === 250, replies, last: r };
  } finally {
    await smtp.quit();
  }
}

/** A message as a mail program writes Vietnamese: encoded-word headers, a base64 text part and a quoted-printable HTML part. */
export function vietnameseMessage(opts: { to: string; subject: string; text: string; html: string; messageId: string }): string {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const qp = (s: string) => {
    // Soft line breaks between encoded bytes, never inside one ("=C3").
    const lines: string[] = [""];
    for (const b of Buffer.from(s, "utf8")) {
      const token = b >= 33 && b <= 126 && b !== 61 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
      if (lines[lines.length - 1].length + token.length > 72) lines.push("");
      lines[lines.length - 1] += token;
    }
    return lines.join("=\r\n");
  };
  const boundary = "b-test-boundary";
  return [
    `From: =?UTF-8?B?${b64("Hệ thống thông báo")}?= <thongbao@moha.gov.vn>`,
    `To: =?UTF-8?B?${b64("Nguyễn Văn An")}?= <${opts.to}>`,
    `Subject: =?UTF-8?B?${b64(opts.subject)}?=`,
    `Message-ID: ${opts.messageId}`,
    "Date: Mon, 30 Mar 2020 08:00:00 +0700",
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    b64(opts.text).replace(/(.{76})/g, "$1\r\n"),
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    qp(opts.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

/** Resolves once `condition` holds (polled), or fails after the timeout naming what did not happen: the one place these tests wait. */
export async function until(condition: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what()} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
