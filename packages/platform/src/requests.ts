/**
 * Idempotent mutations: a caller may retry a command with the same `request_id` (a timeout, a dropped
 * connection) and must get the first answer without the command running twice. The answer is stored in
 * the command's own transaction, so it exists exactly when the change does.
 *
 * A record binds its request id to what it was used for: the caller (part of its key), the method, the
 * target (the task, programme... it acted on) and a fingerprint of the request. A retry matches all of
 * them; the same id used for anything else is refused (FAILED_PRECONDITION, REQUEST_ID_REUSED) rather
 * than answered with another request's result. Callers check permission before asking the log, so a
 * refusal never stands in for a permission check.
 */
import { createHash, type Hash } from "node:crypto";
import type { ClientSession, Collection, Db, Document, MongoClient } from "mongodb";
import { systemClock, type Clock } from "./clock.js";
import { FailedPrecondition } from "./errors.js";
import { isDuplicateKeyError } from "./events/util.js";
import { inTransaction, type CollectionIndexes } from "./mongo.js";
import { FieldChecks, type FieldName } from "./validation.js";

export const REQUESTS_COLLECTION = "requests";
export const DEFAULT_REQUEST_RETENTION_MS = 24 * 3600_000;
/** A request id is an id like any other the services take: at most this many characters. */
export const MAX_REQUEST_ID_LENGTH = 128;
const REQUEST_ID: FieldName = { vi: "Mã yêu cầu", en: "Request id" };

/** What a mutation says about itself to the request log: its request id (if any), target and content. */
export interface RequestTarget {
  requestId?: string;
  /** What the request acts on, e.g. "task:<id>". */
  target: string;
  /** The request's content, fingerprinted. */
  body: unknown;
}

/** One use of a request id: who sent it, what for, and (when the caller gives one) the request's fingerprint. */
export interface RequestKey {
  method: string;
  /** The caller's user id: one caller's request id never answers another caller. */
  caller: string;
  requestId: string;
  /** What the request acts on, e.g. "task:<id>", "programme:<id>". */
  target: string;
  /** RequestLog.fingerprint of the request; a retry must carry the same. */
  fingerprint?: string;
}

interface RequestRecord {
  /** RequestLog.recordId: the caller and the request id. */
  _id: string;
  method: string;
  target: string;
  fingerprint: string | null;
  result: Document;
  /**
   * When the record was stored, by the system's real time: the TTL index expires records by it. Never a
   * service's injected clock: a test clock set in 2020 would have every record expire at the TTL
   * monitor's first pass, and retries would silently run twice.
   */
  at: Date;
  /** When the request was made, by the service's clock (what the request means, not when it expires). */
  requestedAt: Date;
}

/** How a command's result is kept: to and from a BSON document. */
export interface ResultCodec<T> {
  toDocument(result: T): Document;
  fromDocument(doc: Document): T;
}

export function requestsIndexes(retentionMs = DEFAULT_REQUEST_RETENTION_MS): CollectionIndexes[] {
  return [
    {
      collection: REQUESTS_COLLECTION,
      indexes: [{ key: { at: 1 }, name: "at_ttl", expireAfterSeconds: Math.max(1, Math.round(retentionMs / 1000)) }],
    },
  ];
}

/** Feeds a value to a hash unambiguously: every value says its type and length before its content. */
function feed(hash: Hash, value: unknown): void {
  if (value === undefined || value === null) hash.update("n;");
  else if (typeof value === "string") hash.update(`s${Buffer.byteLength(value)}:`).update(value);
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") hash.update(`${typeof value}:${value};`);
  else if (value instanceof Date) hash.update(`d${value.getTime()};`);
  else if (value instanceof Uint8Array) hash.update(`b${value.byteLength}:`).update(value);
  else if (Array.isArray(value)) {
    hash.update(`a${value.length}:`);
    for (const item of value) feed(hash, item);
  } else if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash.update(`o${entries.length}:`);
    for (const [k, v] of entries) {
      feed(hash, k);
      feed(hash, v);
    }
  } else hash.update(`?${String(value)};`);
}

/** `once` prepares nothing: one function for every call, not a closure per call. */
const NOTHING_TO_PREPARE = async (): Promise<undefined> => undefined;

function reused(key: RequestKey): FailedPrecondition {
  return new FailedPrecondition(
    "Mã yêu cầu đã được dùng cho một yêu cầu khác; hãy dùng mã mới / The request_id was already used for another request; use a new one",
    "REQUEST_ID_REUSED",
    { request_id: key.requestId },
  );
}

export class RequestLog {
  private readonly collection: Collection<RequestRecord>;
  private readonly clock: Clock;

  constructor(
    private readonly client: MongoClient,
    db: Db,
    opts: { clock?: Clock } = {},
  ) {
    this.collection = db.collection<RequestRecord>(REQUESTS_COLLECTION);
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * A fingerprint of a request's content (SHA-256, base64url): member order and absent members do not
   * change it; strings, numbers, dates and bytes do. Cheap next to the command it guards: one pass over
   * the request, bytes hashed in place.
   */
  static fingerprint(request: unknown): string {
    const hash = createHash("sha256");
    feed(hash, request);
    return hash.digest("base64url");
  }

  /**
   * The log's key of a request: with a request id (trimmed; INVALID_ARGUMENT on `request_id` past
   * MAX_REQUEST_ID_LENGTH), the method, caller, target and the body's fingerprint; none without one
   * (every call runs).
   */
  static keyOf(method: string, caller: string, request: RequestTarget): RequestKey | undefined {
    const requestId = request.requestId?.trim();
    if (!requestId) return undefined;
    const checks = new FieldChecks();
    checks.length("request_id", requestId, MAX_REQUEST_ID_LENGTH, REQUEST_ID);
    checks.check();
    return { method, caller, requestId, target: request.target, fingerprint: RequestLog.fingerprint(request.body) };
  }

  /** The record's id: the caller and the request id, written so that neither can run into the other. */
  static recordId(key: Pick<RequestKey, "caller" | "requestId">): string {
    return JSON.stringify([key.caller, key.requestId]);
  }

  /**
   * Runs `work` in a transaction once per request: with no key, every call runs; with a key already
   * answered, the stored answer comes back and nothing runs — or, if the key's request id was used for
   * another method, target or request, REQUEST_ID_REUSED. Two concurrent calls with one key: one
   * commits, the other's transaction fails on the key and answers as a retry would.
   */
  async once<T>(key: RequestKey | undefined, codec: ResultCodec<T>, work: (session: ClientSession) => Promise<T>): Promise<T> {
    return this.oncePrepared(key, codec, NOTHING_TO_PREPARE, work);
  }

  /**
   * As `once`, with `prepare` run first, outside the transaction, and its result handed to `work`: what
   * needs no transaction (a read whose answer the transaction would not hold anyway, a number from a
   * counter kept outside transactions) costs no round trip inside it, and a retry answered from the log
   * runs neither. A transaction the driver runs again gets the same prepared value.
   */
  async oncePrepared<P, T>(
    key: RequestKey | undefined,
    codec: ResultCodec<T>,
    prepare: () => Promise<P>,
    work: (session: ClientSession, prepared: P) => Promise<T>,
  ): Promise<T> {
    if (!key) {
      const prepared = await prepare();
      return inTransaction(this.client, (session) => work(session, prepared));
    }
    const prior = await this.recall(key, codec);
    if (prior.found) return prior.result;
    const prepared = await prepare();
    try {
      return await inTransaction(this.client, async (session) => {
        const result = await work(session, prepared);
        await this.collection.insertOne(
          {
            _id: RequestLog.recordId(key),
            method: key.method,
            target: key.target,
            fingerprint: key.fingerprint ?? null,
            result: codec.toDocument(result),
            at: new Date(),
            requestedAt: this.clock.now(),
          },
          { session },
        );
        return result;
      });
    } catch (err) {
      // The record's key, taken by a concurrent call with this request: answer as it did. A duplicate key
      // of work's own finds no record and stands.
      if (!isDuplicateKeyError(err)) throw err;
      const first = await this.recall(key, codec);
      if (!first.found) throw err;
      return first.result;
    }
  }

  private async recall<T>(key: RequestKey, codec: ResultCodec<T>): Promise<{ found: true; result: T } | { found: false }> {
    const record = await this.collection.findOne({ _id: RequestLog.recordId(key) });
    if (!record) return { found: false };
    if (record.method !== key.method || record.target !== key.target || record.fingerprint !== (key.fingerprint ?? null)) throw reused(key);
    return { found: true, result: codec.fromDocument(record.result) };
  }
}
