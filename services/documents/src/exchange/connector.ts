/**
 * The connector to the Government Office's exchange endpoint (the protocol is in
 * exchange-simulator/README.md). It is stateless: the service keeps its outbox and inbox and calls
 * `send`, `sendStatus`, `poll` and `ack`; the connector retries what is worth retrying and makes a
 * retry safe.
 *
 * - Network errors, timeouts, 408, 429 and 5xx are retried with exponential back-off and jitter; a
 *   Retry-After is honoured (a longer wait than `maxRetryAfterMs` is handed back to the caller as
 *   ExchangeUnavailable with `retryAfterMs`, for its outbox to schedule). Other 4xx are never retried.
 * - Every post carries an Idempotency-Key derived from the document (DocumentId + recipients, or the
 *   status's identity), so a retry after a lost response is answered with the same id and stores nothing.
 * - Polled items are parsed one by one: a malformed item is reported in its place, never thrown for the
 *   whole batch, so one bad packet does not hold up the others.
 */
import type { FieldViolation } from "@ministry/platform";
import { DEFAULT_EDXML_LIMITS, DEFAULT_STATUS_MAX_BYTES, type EdxmlLimits, type EdxmlPackage, type EdxmlStatus } from "./edxml/index.js";
import { EdxmlInvalid, parsePackage, parseStatus } from "./edxml/index.js";
import {
  type AcceptedBody,
  acceptedBody,
  IDEMPOTENCY_HEADER,
  INBOX_PATH,
  inboxPageBody,
  PACKAGES_PATH,
  packageIdempotencyKey,
  problemBody,
  STATUSES_PATH,
  statusIdempotencyKey,
} from "./protocol.js";

/** Basic (user and password) or a bearer token, as the Government Office issued them. */
export type ExchangeCredentials = { username: string; password: string } | { token: string };

export interface RetryPolicy {
  /** Attempts in all, the first included (default 6). */
  maxAttempts: number;
  /** The first back-off (default 500 ms), doubled each attempt up to `maxDelayMs` (default 30 s). */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for here (default 2 min). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, initialDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** Why the connector is about to wait before another attempt (for logs and tests). */
export interface RetryEvent {
  operation: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** The Retry-After the endpoint asked for, in ms. */
  retryAfterMs?: number;
  error: string;
}

export interface ExchangeConnectorOptions {
  /** e.g. "https://lienthong.chinhphu.vn/api" or the simulator's url; paths are appended. */
  baseUrl: string;
  credentials?: ExchangeCredentials;
  /** One HTTP request, connection to last byte (default 30 s). */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Limits for the packages polled (configuration; defaults: the codec's). */
  limits?: EdxmlLimits;
  statusMaxBytes?: number;
  /** Stops retries and requests in flight (the service's shutdown). */
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
  /** How to wait between attempts; the default is a timer that `signal` cuts short. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0 ≤ r < 1 for the jitter (default Math.random). */
  random?: () => number;
}

export interface SendOptions {
  /** The package's DocumentId and the recipients' OrganIds: the idempotency key is derived from them. */
  documentId: string;
  to: string | readonly string[];
  /**
   * A key of the caller's own, for a second send of the same DocumentId to the same recipients that is
   * a different delivery (an update or replacement package).
   */
  idempotencyKey?: string;
}

export interface Delivery {
  /** The Government Office's id of the packet. */
  id: string;
  /** True when it had been stored already (by an earlier attempt or call). */
  duplicate: boolean;
  attempts: number;
}

interface PolledBase {
  id: string;
  cursor: string;
  deliveredAt: string;
  bytes: Buffer;
}

export type PolledItem =
  | (PolledBase & { kind: "package"; package: EdxmlPackage })
  | (PolledBase & { kind: "status"; status: EdxmlStatus })
  /** The item could not be read as what it claims to be; `error` says why (EdxmlInvalid lists each problem). */
  | (PolledBase & { kind: "invalid"; declaredKind: string; error: Error });

export interface PollResult {
  items: PolledItem[];
  /** The cursor to poll after next time (keep it once the items are stored). */
  next: string | undefined;
}

/** Base of the connector's errors: `retryable` tells the outbox whether to try again later. */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly attempts: number,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The endpoint refused the request (a 4xx other than 408/429): sending it again will not help. */
export class ExchangeRefused extends ExchangeError {
  constructor(
    message: string,
    attempts: number,
    status: number,
    readonly violations: readonly FieldViolation[] = [],
  ) {
    super(message, false, attempts, status);
  }
}

/** The endpoint could not be reached or stayed unavailable: try again later (after `retryAfterMs` if set). */
export class ExchangeUnavailable extends ExchangeError {
  constructor(
    message: string,
    attempts: number,
    status?: number,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, true, attempts, status, options);
  }
}

/** The delay of a Retry-After header (seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const RETRYABLE_STATUSES = new Set([408, 429]);

function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status) || status >= 500;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = cause && typeof cause === "object" ? (cause as { code?: unknown }).code : undefined;
  return code ? `${err.message} (${String(code)})` : err.message;
}

interface Call {
  operation: string;
  method: "GET" | "POST";
  path: string;
  body?: Buffer;
  contentType?: string;
  idempotencyKey?: string;
}

interface Answer {
  status: number;
  body: unknown;
  attempts: number;
}

export class ExchangeConnector {
  private readonly baseUrl: string;
  private readonly authorization: string | undefined;
  private readonly requestTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly limits: EdxmlLimits;
  private readonly statusMaxBytes: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: ExchangeConnectorOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.authorization = authorizationOf(options.credentials);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.limits = options.limits ?? DEFAULT_EDXML_LIMITS;
    this.statusMaxBytes = options.statusMaxBytes ?? DEFAULT_STATUS_MAX_BYTES;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  /** Sends a package (the bytes buildPackage made); delivered once however many attempts it takes. */
  async send(pkg: Buffer, opts: SendOptions): Promise<Delivery> {
    const to = typeof opts.to === "string" ? [opts.to] : opts.to;
    const answer = await this.call({
      operation: "send",
      method: "POST",
      path: PACKAGES_PATH,
      body: pkg,
      contentType: "application/xml",
      idempotencyKey: opts.idempotencyKey ?? packageIdempotencyKey(opts.documentId, to),
    });
    return this.delivery(answer);
  }

  /** Sends a status packet (the bytes buildStatus made); it is checked here first, so a bad one costs no request. */
  async sendStatus(status: Buffer): Promise<Delivery> {
    const parsed = parseStatus(status, this.statusMaxBytes);
    const answer = await this.call({
      operation: "sendStatus",
      method: "POST",
      path: STATUSES_PATH,
      body: status,
      contentType: "application/xml",
      idempotencyKey: statusIdempotencyKey(parsed),
    });
    return this.delivery(answer);
  }

  /**
   * The packets waiting for `organ` after `cursor` (from the start when absent), each parsed: store them
   * (the id deduplicates), then `ack` each and keep `next` as the cursor.
   */
  async poll(organ: string, cursor?: string, opts: { limit?: number } = {}): Promise<PollResult> {
    const query = new URLSearchParams({ organ });
    if (cursor !== undefined) query.set("after", cursor);
    if (opts.limit !== undefined) query.set("limit", String(opts.limit));
    const answer = await this.call({ operation: "poll", method: "GET", path: `${INBOX_PATH}?${query}` });
    const page = inboxPageBody.safeParse(answer.body);
    if (!page.success) throw new ExchangeError(`Unexpected inbox answer: ${page.error.message}`, false, answer.attempts, answer.status);
    return { items: page.data.items.map((item) => this.readItem(item)), next: page.data.next };
  }

  /** Takes an item out of the organ's inbox (acknowledging one already taken is fine). */
  async ack(id: string): Promise<void> {
    await this.call({ operation: "ack", method: "POST", path: `${INBOX_PATH}/${encodeURIComponent(id)}/ack` });
  }

  private readItem(item: { id: string; cursor: string; kind: "package" | "status"; deliveredAt: string; data: string }): PolledItem {
    const base: PolledBase = { id: item.id, cursor: item.cursor, deliveredAt: item.deliveredAt, bytes: Buffer.from(item.data, "base64") };
    try {
      if (item.kind === "status") return { ...base, kind: "status", status: parseStatus(base.bytes, this.statusMaxBytes) };
      return { ...base, kind: "package", package: parsePackage(base.bytes, this.limits) };
    } catch (err) {
      const error = err instanceof EdxmlInvalid || err instanceof Error ? err : new Error(String(err));
      return { ...base, kind: "invalid", declaredKind: item.kind, error };
    }
  }

  private delivery(answer: Answer): Delivery {
    const body = acceptedBody.safeParse(answer.body);
    if (!body.success) throw new ExchangeError(`Unexpected answer: ${body.error.message}`, false, answer.attempts, answer.status);
    const accepted: AcceptedBody = body.data;
    return { id: accepted.id, duplicate: accepted.duplicate, attempts: answer.attempts };
  }

  /** One call with its retries. */
  private async call(call: Call): Promise<Answer> {
    const { maxAttempts } = this.retry;
    for (let attempt = 1; ; attempt++) {
      this.options.signal?.throwIfAborted();
      let response: Response;
      let body: unknown;
      try {
        response = await this.request(call);
        body = await readBody(response);
      } catch (err) {
        this.options.signal?.throwIfAborted();
        const message = `${call.operation}: ${describe(err)}`;
        if (attempt >= maxAttempts) throw new ExchangeUnavailable(message, attempt, undefined, undefined, { cause: err });
        await this.wait({ operation: call.operation, attempt, delayMs: this.backoff(attempt), error: message });
        continue;
      }
      if (response.ok) return { status: response.status, body, attempts: attempt };
      const message = `${call.operation}: HTTP ${response.status} ${problemTitle(body) ?? response.statusText}`;
      if (!isRetryableStatus(response.status)) {
        throw new ExchangeRefused(message, attempt, response.status, problemViolations(body));
      }
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs) {
        throw new ExchangeUnavailable(message, attempt, response.status, retryAfterMs);
      }
      if (attempt >= maxAttempts) throw new ExchangeUnavailable(message, attempt, response.status, retryAfterMs);
      // The endpoint's own wait wins over ours: it knows when it will be back.
      const delayMs = retryAfterMs ?? this.backoff(attempt);
      await this.wait({ operation: call.operation, attempt, delayMs, status: response.status, retryAfterMs, error: message });
    }
  }

  private async request(call: Call): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.authorization) headers.authorization = this.authorization;
    if (call.contentType) headers["content-type"] = call.contentType;
    if (call.idempotencyKey) headers[IDEMPOTENCY_HEADER] = call.idempotencyKey;
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    const response = await fetch(`${this.baseUrl}${call.path}`, {
      method: call.method,
      headers,
      body: call.body && bytesOf(call.body),
      signal,
    });
    return response;
  }

  /** Exponential back-off for the n-th failed attempt with up to 20 % jitter, so many senders spread out. */
  private backoff(attempt: number): number {
    const base = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
    return Math.min(this.retry.maxDelayMs, Math.round(base * (1 + this.random() * 0.2)));
  }

  private async wait(event: RetryEvent): Promise<void> {
    this.options.onRetry?.(event);
    await this.sleep(event.delayMs, this.options.signal);
  }
}

/** A view of the buffer's bytes, as fetch's types want (no copy: a package can be tens of MB). */
function bytesOf(buffer: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}

function authorizationOf(credentials: ExchangeCredentials | undefined): string | undefined {
  if (!credentials) return undefined;
  if ("token" in credentials) return `Bearer ${credentials.token}`;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
}

/** The body as JSON when it is JSON, else its text (always read, so the connection is freed). */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function problemTitle(body: unknown): string | undefined {
  const problem = problemBody.safeParse(body);
  if (!problem.success) return typeof body === "string" ? body.slice(0, 200) : undefined;
  return problem.data.detail ? `${problem.data.title}: ${problem.data.detail}` : problem.data.title;
}

function problemViolations(body: unknown): FieldViolation[] {
  const problem = problemBody.safeParse(body);
  return problem.success ? (problem.data.violations ?? []) : [];
}
