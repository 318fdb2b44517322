/**
 * A local SMTP server that accepts every message and keeps it: in memory (for tests to look at) and,
 * with a directory, as files (the raw .eml and a .txt a person can read in a terminal, since mail
 * clients encode Vietnamese as quoted-printable or base64). For the default run, the tests and the
 * benchmarks only: no authentication, no TLS, loopback by default. It can refuse the next messages
 * with a chosen SMTP reply, so senders' retry paths can be tested against a real server.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import mailparser, { type AddressObject, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError, type SMTPServerSession } from "smtp-server";

const { simpleParser } = mailparser;

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const DEFAULT_WAIT_MS = 10_000;

export interface MailSinkOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: nothing outside this machine should be able to drop mail here. */
  host?: string;
  /** When set, every message is stored there (created if missing). */
  dir?: string;
  /** One line per message received or refused. */
  log?: (line: string) => void;
  /** Larger messages are refused with 552 (default 10 MiB). */
  maxMessageBytes?: number;
  /** Messages kept in memory for `messages()` (the oldest are dropped beyond it); default all. */
  keep?: number;
}

export interface ReceivedMail {
  /** 1, 2, 3... in the order the sink accepted them. */
  seq: number;
  receivedAt: Date;
  /** The From header's address (and its display name, decoded). */
  from: string;
  fromName: string;
  /** The To header's addresses. */
  to: string[];
  /** What the client said in MAIL FROM / RCPT TO. */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  html: string;
  /** As in the header, with its angle brackets: "<id@domain>". */
  messageId: string;
  date: Date | undefined;
  /** Decoded headers, lower-case names. */
  headers: Map<string, unknown>;
  raw: Buffer;
  /** The stored .eml and .txt (with `dir` only). */
  path?: string;
  textPath?: string;
}

export interface MailSink {
  readonly port: number;
  readonly host: string;
  /** "smtp://host:port", what a sender's SMTP_URL is set to. */
  readonly url: string;
  /** Where messages are stored (absolute), when they are. */
  readonly dir: string | undefined;
  /** Messages accepted so far (the last `keep` of them), oldest first. */
  messages(): ReceivedMail[];
  /** How many messages were accepted since the start. */
  readonly received: number;
  /** Resolves with the messages once `count` have been accepted; rejects after `timeoutMs` (default 10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /**
   * The next `n` messages are refused at RCPT TO with `code` (default 451, transient; a 5xx is permanent)
   * and `message`. Each refused transaction counts once, whatever its number of recipients.
   */
  refuseNext(n: number, code?: number, message?: string): void;
  /** Messages refused so far by `refuseNext`. */
  readonly refused: number;
  /** Stops listening; connections still open (a sender's pool) are closed within a second. */
  close(): Promise<void>;
}

interface Refusal {
  code: number;
  message: string;
}

interface Waiter {
  count: number;
  resolve: (messages: ReceivedMail[]) => void;
}

function smtpError(code: number, message: string): SMTPServerError {
  const err: SMTPServerError = new Error(message);
  err.responseCode = code;
  return err;
}

function addresses(value: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => ({ address: v.address ?? "", name: v.name ?? "" })));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** "20261206-185002" in UTC: files sort in arrival order. */
function stamp(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

function readable(mail: ParsedMail, received: Date): string {
  const lines = [
    `From:       ${mail.from?.text ?? ""}`,
    `To:         ${addresses(mail.to)
      .map((a) => (a.name ? `${a.name} <${a.address}>` : a.address))
      .join(", ")}`,
  ];
  const cc = addresses(mail.cc);
  if (cc.length > 0) lines.push(`Cc:         ${cc.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(", ")}`);
  lines.push(
    `Date:       ${mail.date ? mail.date.toISOString() : "(none)"}`,
    `Received:   ${received.toISOString()}`,
    `Subject:    ${mail.subject ?? ""}`,
    `Message-ID: ${mail.messageId ?? ""}`,
  );
  if (mail.attachments.length > 0)
    lines.push(
      `Attachments: ${mail.attachments.map((a) => `${a.filename ?? "(unnamed)"} (${a.contentType}, ${a.size} bytes)`).join("; ")}`,
    );
  // mailparser derives the text from the HTML when a message has no text part.
  return `${lines.join("\n")}\n\n${mail.text ?? ""}\n`;
}

export async function startMailSink(opts: MailSinkOptions = {}): Promise<MailSink> {
  const host = opts.host ?? "127.0.0.1";
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const keep = opts.keep ?? Number.POSITIVE_INFINITY;
  const dir = opts.dir ? path.resolve(opts.dir) : undefined;
  if (dir) await mkdir(dir, { recursive: true });
  const log = opts.log ?? (() => {});

  const kept: ReceivedMail[] = [];
  const waiters = new Set<Waiter>();
  let received = 0;
  let refusedCount = 0;
  let refusals: Refusal[] = [];
  // The refusal decided for each connection's current transaction (at MAIL FROM), so every RCPT of that
  // transaction gets the same answer and the transaction counts once.
  const transactionRefusal = new Map<string, Refusal | undefined>();

  const settleWaiters = () => {
    for (const w of [...waiters]) {
      if (received >= w.count) {
        waiters.delete(w);
        w.resolve([...kept]);
      }
    }
  };

  async function accept(raw: Buffer, session: SMTPServerSession): Promise<ReceivedMail> {
    const receivedAt = new Date();
    const parsed = await simpleParser(raw);
    const seq = received + 1;
    received = seq;
    const from = addresses(parsed.from)[0];
    const mail: ReceivedMail = {
      seq,
      receivedAt,
      from: from?.address ?? "",
      fromName: from?.name ?? "",
      to: addresses(parsed.to).map((a) => a.address),
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      subject: parsed.subject ?? "",
      text: parsed.text ?? "",
      html: typeof parsed.html === "string" ? parsed.html : "",
      messageId: parsed.messageId ?? "",
      date: parsed.date,
      headers: parsed.headers,
      raw,
    };
    if (dir) {
      const base = `${stamp(receivedAt)}-${pad(seq, 4)}-${randomBytes(3).toString("hex")}`;
      mail.path = path.join(dir, `${base}.eml`);
      mail.textPath = path.join(dir, `${base}.txt`);
      await writeFile(mail.path, raw);
      await writeFile(mail.textPath, readable(parsed, receivedAt), "utf8");
    }
    kept.push(mail);
    if (kept.length > keep) kept.splice(0, kept.length - keep);
    log(
      `mail-sink: #${seq} to ${mail.envelope.to.join(", ") || mail.to.join(", ")} "${mail.subject}"${mail.path ? ` → ${mail.path}` : ""}`,
    );
    settleWaiters();
    return mail;
  }

  const server = new SMTPServer({
    name: "mail-sink.local",
    banner: "mail-sink (local development and tests only)",
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: maxBytes,
    disableReverseLookup: true,
    logger: false,
    // A sender's pool keeps connections open: do not wait long for them when closing.
    closeTimeout: 1_000,
    onMailFrom(_address, session, callback) {
      const refusal = refusals.shift();
      transactionRefusal.set(session.id, refusal);
      if (refusal) {
        refusedCount += 1;
        log(`mail-sink: refusing a message with ${refusal.code} ${refusal.message}`);
      }
      callback();
    },
    onRcptTo(_address, session, callback) {
      const refusal = transactionRefusal.get(session.id);
      callback(refusal ? smtpError(refusal.code, refusal.message) : undefined);
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", (err) => callback(err));
      stream.on("end", () => {
        if (stream.sizeExceeded) {
          callback(smtpError(552, `Message exceeds the fixed maximum message size of ${maxBytes} bytes`));
          return;
        }
        accept(Buffer.concat(chunks), session).then(
          (mail) => callback(null, `Stored as #${mail.seq}`),
          (err: Error) => callback(smtpError(451, `Could not store the message: ${err.message}`)),
        );
      });
    },
    onClose(session) {
      transactionRefusal.delete(session.id);
    },
  });
  // A client's protocol error (a dropped connection) must not bring the process down.
  server.on("error", (err) => log(`mail-sink: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once("error", onError);
    server.listen(opts.port ?? 0, host, () => {
      server.server.off("error", onError);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : (opts.port ?? 0);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    port,
    host,
    url: `smtp://${urlHost}:${port}`,
    dir,
    messages: () => [...kept],
    get received() {
      return received;
    },
    get refused() {
      return refusedCount;
    },
    waitFor(count, timeoutMs = DEFAULT_WAIT_MS) {
      if (received >= count) return Promise.resolve([...kept]);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          count,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`mail-sink: ${received} of ${count} messages arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    refuseNext(n, code = 451, message) {
      if (!Number.isInteger(n) || n < 0) throw new Error("refuseNext: n must be a whole number, not negative");
      if (!Number.isInteger(code) || code < 400 || code > 599) throw new Error("refuseNext: code must be a 4xx or 5xx SMTP reply code");
      const text = message ?? (code < 500 ? "Mailbox temporarily unavailable, try again later" : "Mailbox unavailable");
      refusals = [...refusals, ...Array.from({ length: n }, () => ({ code, message: text }))];
    },
    close() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}
