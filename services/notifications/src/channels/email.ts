/**
 * Email through an SMTP server (SMTP_URL), with nodemailer's pooled transport: a few connections kept
 * open and shared by every send, so a burst of notifications does not open a connection per message.
 *
 * Each message carries the delivery's deterministic Message-ID, so a resend after a crash (the server
 * accepted, the process died before recording it) is recognisable as the same mail. A failure is
 * classified for the dispatcher: an SMTP 4xx reply (and 503, a session out of step) may succeed later;
 * any other 5xx reply is the server refusing this message for good; a refused, reset or timed-out
 * connection, a missing greeting or a socket error is transient. The error text kept in the delivery log
 * is the server's reply (or the error code and message), short and without credentials.
 */
import type { Logger } from "@ministry/platform";
import nodemailer from "nodemailer";
import type { EmailMessage } from "../store/documents.js";
import type { EmailSender, SendOutcome } from "./types.js";

export const MAX_ERROR_LENGTH = 500;

export interface EmailSenderOptions {
  /** "smtp://host:port", "smtps://user:pass@host:465"... */
  url: string;
  /** The From header, e.g. '"Bộ Nội vụ - Hệ thống thông báo" <thongbao@moha.gov.vn>'. */
  from: string;
  /** Connections in the pool. */
  maxConnections: number;
  log: Logger;
  /**
   * Waits, in ms: to connect (default 10 s), for the greeting (10 s), and for any answer once connected
   * (60 s). Together they bound one send, which the dispatcher's lease must outlast.
   */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

/** What nodemailer attaches to its errors (see nodemailer's NodemailerError). */
interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
  command?: string;
}

/** Failures without an SMTP reply that no retry of the same message fixes. */
const PERMANENT_CODES = new Set([
  "ECONFIG",
  "EENVELOPE",
  "EMESSAGE",
  "EMAXRECIPIENTS",
  "ENOAUTH",
  "EFILEACCESS",
  "EURLACCESS",
  "EREQUIRETLS",
]);

/** The parts of the URL that must never reach a log or the delivery log. */
function secretsOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.password, decodeURIComponent(u.password), u.username, decodeURIComponent(u.username)].filter((s) => s.length >= 3);
  } catch {
    return [];
  }
}

/** Short, single-line and free of credentials: what the delivery log and the failed event keep. */
export function scrubError(text: string, secrets: readonly string[] = []): string {
  let t = text
    .replace(/[\r\n\t]+/g, " ")
    // credentials in any URL ("smtps://user:pass@host")
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, "$1***@")
    // an AUTH exchange echoed back ("AUTH PLAIN dXNlcjpwYXNz")
    .replace(/\b(AUTH\s+(?:PLAIN|LOGIN|XOAUTH2|CRAM-MD5))\s+\S+/gi, "$1 ***");
  for (const s of secrets) t = t.split(s).join("***");
  t = t.trim();
  return t.length > MAX_ERROR_LENGTH ? `${t.slice(0, MAX_ERROR_LENGTH - 1)}…` : t;
}

/** Whether nodemailer's error means the message itself was refused for good. */
export function isPermanentSmtpError(err: SmtpError): boolean {
  if (typeof err.responseCode === "number" && err.responseCode >= 400) {
    if (typeof err.permanent === "boolean") return err.permanent;
    return err.responseCode >= 500 && err.responseCode !== 503;
  }
  return err.code !== undefined && PERMANENT_CODES.has(err.code);
}

function describe(err: SmtpError): string {
  // The server's own reply says it best ("550 5.1.1 <an@…>: mailbox unavailable").
  if (err.response) return err.command ? `${err.response} (${err.command.split(" ")[0] === "AUTH" ? "AUTH" : err.command})` : err.response;
  return err.code ? `${err.code}: ${err.message}` : err.message || String(err);
}

export function createEmailSender(opts: EmailSenderOptions): EmailSender {
  const secrets = secretsOf(opts.url);
  const transport = nodemailer.createTransport({
    pool: true,
    url: opts.url,
    maxConnections: opts.maxConnections,
    // A pooled connection the server dropped while idle is retried once on a fresh one; anything more is
    // the dispatcher's retry, with back-off and a record of each attempt.
    maxRequeues: 1,
    connectionTimeout: opts.connectionTimeoutMs ?? 10_000,
    greetingTimeout: opts.greetingTimeoutMs ?? 10_000,
    socketTimeout: opts.socketTimeoutMs ?? 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  const log = opts.log.child({ component: "email" });

  return {
    async send(message: EmailMessage): Promise<SendOutcome> {
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: { name: message.toName, address: message.to },
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
          // RFC 3834: out-of-office replies and the like are not sent back to a machine.
          headers: { "Auto-Submitted": "auto-generated" },
        });
        return { ok: true, detail: scrubError(info.response ?? "accepted", secrets) };
      } catch (e) {
        const err = e as SmtpError;
        const permanent = isPermanentSmtpError(err);
        const error = scrubError(describe(err), secrets);
        log.debug({ code: err.code, responseCode: err.responseCode, permanent, error }, "email not accepted");
        return { ok: false, permanent, error };
      }
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
