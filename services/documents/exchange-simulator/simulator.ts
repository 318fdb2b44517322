/**
 * A small stand-in for the Government Office's exchange endpoint (the national document exchange), for
 * the default run and the tests; never for production. It speaks the protocol in README.md: the
 * ministry posts packages and status packets, polls its inbox and acknowledges what it took; an admin
 * surface (unauthenticated: the simulator listens on loopback) puts packets in an organ's inbox as the
 * Government Office would, shows what the ministry sent, and stages outages so retries can be proven
 * against a real server, including "stored, but the answer was lost".
 */
import { timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExchangeCredentials } from "../src/exchange/connector.js";
import {
  buildStatus,
  DEFAULT_EDXML_LIMITS,
  DEFAULT_STATUS_MAX_BYTES,
  type EdxmlLimits,
  type EdxmlPackage,
  type EdxmlStatus,
  EdxmlInvalid,
  formatEdxmlDateTime,
  isOrganId,
  looksLikeStatus,
  parsePackage,
  parseStatus,
  STATUS_CODES,
} from "../src/exchange/edxml/index.js";
import {
  DEFAULT_POLL_LIMIT,
  IDEMPOTENCY_HEADER,
  INBOX_PATH,
  type InboxPageBody,
  isCursor,
  MAX_POLL_LIMIT,
  PACKAGES_PATH,
  type ProblemBody,
  packageIdempotencyKey,
  STATUSES_PATH,
  statusIdempotencyKey,
} from "../src/exchange/protocol.js";
import { type InboxEntry, type PacketKind, type ReceivedPacket, SimulatorState } from "./state.js";

export type { InboxEntry, ReceivedPacket } from "./state.js";

/** The Government Office's (Văn phòng Chính phủ) organ identifier, the usual sender of what it delivers. */
export const GOVERNMENT_OFFICE_ORGAN_ID = "000.00.00.G22";

export interface ExchangeSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the admin surface has no authentication. */
  host?: string;
  /** When set, the state is kept in `<dataDir>/exchange-simulator.json` and read back at start. */
  dataDir?: string;
  /** What the ministry must present on /edxml/*; none: no authentication. */
  credentials?: ExchangeCredentials;
  limits?: EdxmlLimits;
  statusMaxBytes?: number;
  /**
   * Answer each package received with a status 01 ("Đã đến") from each recipient, put in the sender's
   * inbox, as a recipient's system would (default false).
   */
  arrivedStatus?: boolean;
  /** One line per request handled and per packet delivered. */
  log?: (line: string) => void;
}

/**
 * A staged outage of the /edxml/* endpoints (the admin surface keeps answering).
 * - "unavailable": refuse with `status` (default 503, or 429...) and Retry-After when given; nothing stored.
 * - "lost-response": store the packet (or take the ack), then fail the answer: the connection is dropped
 *   (`drop`, the default) or answered with `status`.
 */
export interface Outage {
  mode: "unavailable" | "lost-response";
  /** How many requests it lasts; absent: until it is ended. */
  requests?: number;
  status?: number;
  retryAfterSeconds?: number;
  drop?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  /** "stored", "duplicate", "refused", "outage", "dropped", "ok"... */
  outcome: string;
  at: string;
}

export interface DeliverOptions {
  /** The organs whose inbox gets it; default: the package's recipients, or the organ a status answers. */
  organs?: string[];
  /** Read it as this; default: whatever it parses as. */
  kind?: PacketKind;
  /** Deliver it even when it does not parse (to test a receiver's handling); needs `organs`. */
  force?: boolean;
}

export interface DeliverResult {
  kind: PacketKind;
  /** False when forced in although it does not parse; `problems` says why. */
  valid: boolean;
  problems?: { field: string; description: string }[];
  documentId?: string;
  from?: string;
  subject?: string;
  statusCode?: string;
  delivered: { organ: string; id: string; cursor: string }[];
}

export interface ExchangeSimulator {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** What the ministry sent, each packet once, oldest first. */
  received(): ReceivedPacket[];
  /** Inbox items (acknowledged ones included, with `ackedAt`). */
  inbox(organ?: string): InboxEntry[];
  deliver(bytes: Buffer, opts?: DeliverOptions): Promise<DeliverResult>;
  /** Starts an outage, or ends it (undefined). */
  setOutage(outage: Outage | undefined): void;
  outage(): Outage | undefined;
  /** Requests to /edxml/* so far, oldest first (the last 1,000). */
  requests(): RequestRecord[];
  reset(): Promise<void>;
  stop(): Promise<void>;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly vi: string,
    readonly en: string,
    readonly violations?: { field: string; description: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${vi} / ${en}`);
  }
}

function invalidProblem(err: EdxmlInvalid): HttpProblem {
  const tooLarge = err.problems.some((p) => /exceeds the limit/.test(p.description));
  return new HttpProblem(
    tooLarge ? 413 : 400,
    tooLarge ? "Gói tin quá lớn" : "Gói tin không hợp lệ",
    tooLarge ? "Packet too large" : "Invalid edXML packet",
    [...err.problems],
  );
}

const KEEP_REQUESTS = 1000;

export async function startExchangeSimulator(opts: ExchangeSimulatorOptions = {}): Promise<ExchangeSimulator> {
  const host = opts.host ?? "127.0.0.1";
  const limits = opts.limits ?? DEFAULT_EDXML_LIMITS;
  const statusMaxBytes = opts.statusMaxBytes ?? DEFAULT_STATUS_MAX_BYTES;
  const log = opts.log ?? (() => {});
  const state = await SimulatorState.open(opts.dataDir);
  const expectedAuthorization = authorizationOf(opts.credentials);
  let outage: (Outage & { left?: number }) | undefined;
  const requestLog: RequestRecord[] = [];

  function record(req: IncomingMessage, path: string, status: number, outcome: string): void {
    requestLog.push({ method: req.method ?? "", path, status, outcome, at: new Date().toISOString() });
    if (requestLog.length > KEEP_REQUESTS) requestLog.splice(0, requestLog.length - KEEP_REQUESTS);
    // A poll that found the inbox as it was is the ministry's heartbeat, not news: left out of the log.
    if (!(req.method === "GET" && status === 200 && outcome === "ok"))
      log(`exchange-simulator: ${req.method} ${path} → ${status} ${outcome}`);
  }

  /** The outage this request falls into, counted against its length. */
  function outageFor(): Outage | undefined {
    if (!outage) return undefined;
    const current = outage;
    if (current.left !== undefined) {
      current.left -= 1;
      if (current.left <= 0) outage = undefined;
    }
    return current;
  }

  function checkAuthorization(req: IncomingMessage): void {
    if (!expectedAuthorization) return;
    const given = Buffer.from(req.headers.authorization ?? "", "utf8");
    const expected = Buffer.from(expectedAuthorization, "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      const scheme = opts.credentials && "token" in opts.credentials ? "Bearer" : "Basic";
      throw new HttpProblem(401, "Sai thông tin xác thực", "Wrong or missing credentials", undefined, {
        "www-authenticate": `${scheme} realm="edxml"`,
      });
    }
  }

  // ------------------------------------------------------------------------------------ /edxml/*

  async function receivePackage(req: IncomingMessage, body: Buffer): Promise<{ status: number; json: unknown; outcome: string }> {
    const pkg = parseOrProblem(() => parsePackage(body, limits));
    const to = pkg.header.to.map((o) => o.organId);
    const key = headerText(req, IDEMPOTENCY_HEADER) ?? packageIdempotencyKey(pkg.header.documentId, to);
    const recorded = await state.record(
      {
        kind: "package",
        idempotencyKey: key,
        documentId: pkg.header.documentId,
        from: pkg.header.from.organId,
        to,
        subject: pkg.header.subject,
      },
      body,
    );
    if (recorded.outcome === "conflict") throw keyConflict(recorded.packet);
    if (recorded.outcome === "stored" && opts.arrivedStatus) await replyArrived(pkg);
    return answerOf(recorded.outcome, recorded.packet);
  }

  async function receiveStatus(req: IncomingMessage, body: Buffer): Promise<{ status: number; json: unknown; outcome: string }> {
    const status = parseOrProblem(() => parseStatus(body, statusMaxBytes));
    const key = headerText(req, IDEMPOTENCY_HEADER) ?? statusIdempotencyKey(status);
    const recorded = await state.record(
      {
        kind: "status",
        idempotencyKey: key,
        documentId: status.responseFor.documentId,
        from: status.from.organId,
        to: [status.responseFor.organId],
        statusCode: status.statusCode,
      },
      body,
    );
    if (recorded.outcome === "conflict") throw keyConflict(recorded.packet);
    return answerOf(recorded.outcome, recorded.packet);
  }

  /** Each recipient's "01 Đã đến" about a package, in the sender's inbox. */
  async function replyArrived(pkg: EdxmlPackage): Promise<void> {
    const h = pkg.header;
    const timestamp = formatEdxmlDateTime(new Date());
    const replies = h.to.map((recipient) => {
      const status: EdxmlStatus = {
        responseFor: {
          organId: h.from.organId,
          code: `${h.code.codeNumber}/${h.code.codeNotation}`,
          promulgationDate: h.promulgationInfo.promulgationDate,
          documentId: h.documentId,
        },
        from: { organId: recipient.organId, ...(recipient.organName ? { organName: recipient.organName } : {}) },
        statusCode: "01",
        description: STATUS_CODES["01"].vi,
        timestamp,
      };
      return {
        organ: h.from.organId,
        kind: "status" as const,
        source: "reply" as const,
        documentId: h.documentId,
        statusCode: "01",
        data: buildStatus(status).toString("base64"),
      };
    });
    await state.deliver(replies);
  }

  function poll(url: URL): InboxPageBody {
    const organ = url.searchParams.get("organ") ?? "";
    if (!isOrganId(organ)) throw new HttpProblem(400, "Thiếu hoặc sai mã định danh cơ quan", `organ must be an OrganId, got "${organ}"`);
    const after = url.searchParams.get("after") ?? "0";
    if (!isCursor(after)) throw new HttpProblem(400, "Con trỏ không hợp lệ", `after must be a cursor, got "${after}"`);
    const limitText = url.searchParams.get("limit") ?? String(DEFAULT_POLL_LIMIT);
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_POLL_LIMIT) {
      throw new HttpProblem(400, "Giới hạn không hợp lệ", `limit must be 1..${MAX_POLL_LIMIT}, got "${limitText}"`);
    }
    const items = state.waiting(organ, Number(after), limit);
    return {
      items: items.map((e) => ({ id: e.id, cursor: String(e.cursor), kind: e.kind, deliveredAt: e.deliveredAt, data: e.data })),
      next: items.length ? String(items[items.length - 1].cursor) : after,
    };
  }

  async function ack(id: string): Promise<unknown> {
    const entry = await state.ack(id);
    if (!entry) throw new HttpProblem(404, "Không có gói tin này trong hộp thư", `No inbox item ${id}`);
    return { id: entry.id, ackedAt: entry.ackedAt };
  }

  // ------------------------------------------------------------------------------------ admin

  async function deliver(bytes: Buffer, d: DeliverOptions = {}): Promise<DeliverResult> {
    const read = readPacket(bytes, d.kind, limits, statusMaxBytes);
    if (!read.ok && !d.force) throw invalidProblem(read.error);
    const organs = d.organs?.length ? d.organs : read.ok ? read.organs : [];
    if (organs.length === 0) throw new HttpProblem(400, "Cần chỉ rõ cơ quan nhận", "organ is required for a packet that does not parse");
    const bad = organs.find((o) => !isOrganId(o));
    if (bad) throw new HttpProblem(400, "Mã định danh cơ quan không hợp lệ", `Not an OrganId: "${bad}"`);
    const about = read.ok ? read.summary : {};
    const entries = await state.deliver(
      organs.map((organ) => ({ organ, kind: read.kind, source: "admin" as const, ...about, data: bytes.toString("base64") })),
    );
    for (const e of entries) {
      log(`exchange-simulator: delivered ${e.kind} ${e.documentId ?? "(unreadable)"} to ${e.organ} (id ${e.id}, cursor ${e.cursor})`);
    }
    return {
      kind: read.kind,
      valid: read.ok,
      ...(read.ok ? {} : { problems: [...read.error.problems] }),
      ...about,
      delivered: entries.map((e) => ({ organ: e.organ, id: e.id, cursor: String(e.cursor) })),
    };
  }

  async function admin(req: IncomingMessage, url: URL, body: Buffer): Promise<unknown> {
    const route = `${req.method} ${url.pathname}`;
    if (route === "POST /admin/deliver") {
      const organ = url.searchParams.get("organ");
      const kind = url.searchParams.get("kind");
      if (kind !== null && kind !== "package" && kind !== "status")
        throw new HttpProblem(400, "Loại gói tin không hợp lệ", `kind must be package or status`);
      return deliver(body, {
        organs: organ ? organ.split(",") : undefined,
        kind: kind ?? undefined,
        force: url.searchParams.get("force") === "1",
      });
    }
    if (route === "GET /admin/received") {
      const documentId = url.searchParams.get("documentId");
      const kind = url.searchParams.get("kind");
      return {
        items: state.received().filter((p) => (documentId === null || p.documentId === documentId) && (kind === null || p.kind === kind)),
      };
    }
    if (route === "GET /admin/inbox") {
      return { items: state.inbox(url.searchParams.get("organ") ?? undefined).map(({ data: _data, ...rest }) => rest) };
    }
    const item = /^GET \/admin\/inbox\/([^/]+)$/.exec(route);
    if (item) {
      const entry = state.entry(decodeURIComponent(item[1]));
      if (!entry) throw new HttpProblem(404, "Không có gói tin này", `No inbox item ${item[1]}`);
      const { data: _data, ...rest } = entry;
      return rest;
    }
    if (route === "POST /admin/outage") {
      const asked = body.length ? (JSON.parse(body.toString("utf8")) as Outage | { mode: "off" }) : { mode: "off" as const };
      if (asked.mode === "off") setOutage(undefined);
      else if (asked.mode === "unavailable" || asked.mode === "lost-response") setOutage(asked);
      else throw new HttpProblem(400, "Chế độ không hợp lệ", `mode must be unavailable, lost-response or off`);
      return { outage: outage ?? null };
    }
    if (route === "GET /admin/outage") return { outage: outage ?? null };
    if (route === "GET /admin/requests") return { items: requestLog };
    if (route === "POST /admin/reset") {
      await reset();
      return { reset: true };
    }
    throw new HttpProblem(404, "Không có đường dẫn này", `No route ${route}`);
  }

  function setOutage(next: Outage | undefined): void {
    outage = next ? { ...next, left: next.requests } : undefined;
    log(`exchange-simulator: outage ${next ? JSON.stringify(next) : "ended"}`);
  }

  async function reset(): Promise<void> {
    outage = undefined;
    requestLog.length = 0;
    await state.reset();
  }

  // ------------------------------------------------------------------------------------ dispatch

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator");
    const path = url.pathname;
    if (req.method === "GET" && path === "/healthz") return send(res, 200, { ok: true });
    const isExchange = path.startsWith("/edxml/");
    try {
      const body = await readBody(req, limits.maxPackageBytes + 1);
      if (!isExchange) return send(res, 200, await admin(req, url, body));
      checkAuthorization(req);
      const staged = outageFor();
      if (staged?.mode === "unavailable") {
        const status = staged.status ?? 503;
        record(req, path, status, "outage");
        const headers: Record<string, string> =
          staged.retryAfterSeconds !== undefined ? { "retry-after": String(staged.retryAfterSeconds) } : {};
        return sendProblem(
          res,
          new HttpProblem(status, "Hệ thống tạm thời không phục vụ", "Service temporarily unavailable", undefined, headers),
        );
      }
      const answer = await exchange(req, url, body);
      if (staged?.mode === "lost-response") {
        // Stored (or taken) already: the caller never learns it, and must retry safely.
        if (staged.drop ?? staged.status === undefined) {
          record(req, path, 0, `${answer.outcome}, answer dropped`);
          res.socket?.destroy();
          return;
        }
        record(req, path, staged.status!, `${answer.outcome}, answer failed`);
        return sendProblem(res, new HttpProblem(staged.status!, "Lỗi hệ thống", "Internal error"));
      }
      record(req, path, answer.status, answer.outcome);
      return send(res, answer.status, answer.json);
    } catch (err) {
      const problem =
        err instanceof HttpProblem ? err : err instanceof SyntaxError ? new HttpProblem(400, "JSON không hợp lệ", err.message) : undefined;
      if (!problem) {
        log(`exchange-simulator: ${req.method} ${path} failed: ${(err as Error).stack ?? String(err)}`);
        if (isExchange) record(req, path, 500, "error");
        return sendProblem(res, new HttpProblem(500, "Lỗi hệ thống", "Internal error"));
      }
      if (isExchange) record(req, path, problem.status, "refused");
      return sendProblem(res, problem);
    }
  }

  async function exchange(req: IncomingMessage, url: URL, body: Buffer): Promise<{ status: number; json: unknown; outcome: string }> {
    const route = `${req.method} ${url.pathname}`;
    if (route === `POST ${PACKAGES_PATH}`) return receivePackage(req, body);
    if (route === `POST ${STATUSES_PATH}`) return receiveStatus(req, body);
    if (route === `GET ${INBOX_PATH}`) return { status: 200, json: poll(url), outcome: "ok" };
    const acking = new RegExp(`^POST ${INBOX_PATH}/([^/]+)/ack$`).exec(route);
    if (acking) return { status: 200, json: await ack(decodeURIComponent(acking[1])), outcome: "acked" };
    throw new HttpProblem(404, "Không có đường dẫn này", `No route ${route}`);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`exchange-simulator: ${String(err)}`);
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    host,
    received: () => state.received(),
    inbox: (organ) => state.inbox(organ),
    deliver,
    setOutage,
    outage: () => (outage ? { ...outage } : undefined),
    requests: () => [...requestLog],
    reset,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await state.flushed();
    },
  };
}

// ------------------------------------------------------------------------------------ helpers

type ReadPacket =
  | {
      ok: true;
      kind: PacketKind;
      organs: string[];
      summary: { documentId: string; from: string; subject?: string; statusCode?: string };
    }
  | { ok: false; kind: PacketKind; error: EdxmlInvalid };

/** Reads an .edxml file as a package or a status packet (as `kind` says, or whichever it looks like). */
export function readPacket(bytes: Buffer, kind: PacketKind | undefined, limits: EdxmlLimits, statusMaxBytes: number): ReadPacket {
  const as = kind ?? (looksLikeStatus(bytes) ? "status" : "package");
  try {
    if (as === "status") {
      const s = parseStatus(bytes, statusMaxBytes);
      return {
        ok: true,
        kind: "status",
        organs: [s.responseFor.organId],
        summary: { documentId: s.responseFor.documentId, from: s.from.organId, statusCode: s.statusCode },
      };
    }
    const p = parsePackage(bytes, limits);
    return {
      ok: true,
      kind: "package",
      organs: p.header.to.map((o) => o.organId),
      summary: { documentId: p.header.documentId, from: p.header.from.organId, subject: p.header.subject },
    };
  } catch (err) {
    if (err instanceof EdxmlInvalid) return { ok: false, kind: as, error: err };
    throw err;
  }
}

function parseOrProblem<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof EdxmlInvalid) throw invalidProblem(err);
    throw err;
  }
}

function keyConflict(known: ReceivedPacket): HttpProblem {
  return new HttpProblem(
    409,
    "Khóa chống trùng đã dùng cho một gói tin khác",
    `${IDEMPOTENCY_HEADER} already used for different content (stored as ${known.id})`,
  );
}

function answerOf(outcome: "stored" | "duplicate", packet: ReceivedPacket): { status: number; json: unknown; outcome: string } {
  return { status: outcome === "stored" ? 202 : 200, json: { id: packet.id, duplicate: outcome === "duplicate" }, outcome };
}

function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() ? text.trim() : undefined;
}

function authorizationOf(credentials: ExchangeCredentials | undefined): string | undefined {
  if (!credentials) return undefined;
  if ("token" in credentials) return `Bearer ${credentials.token}`;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
}

/** The request body, refused with 413 beyond `maxBytes` (the connection is then closed). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpProblem(413, "Gói tin quá lớn", `Body exceeds ${maxBytes - 1} bytes`, undefined, { connection: "close" }));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendProblem(res: ServerResponse, problem: HttpProblem): void {
  const body: ProblemBody = {
    type: "about:blank",
    title: `${problem.vi} / ${problem.en}`,
    status: problem.status,
    ...(problem.violations ? { violations: problem.violations } : {}),
  };
  const text = JSON.stringify(body);
  res.writeHead(problem.status, {
    "content-type": "application/problem+json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...problem.headers,
  });
  res.end(text);
}
