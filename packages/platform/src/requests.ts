/**
 * Idempotent mutations: a caller may retry a command with the same `request_id` (a timeout, a dropped
 * connection) and must get the first answer without the command running twice. The answer is stored in
 * the command's own transaction, so it exists exactly when the change does.
 */
import type { ClientSession, Collection, Db, Document, MongoClient } from "mongodb";
import { systemClock, type Clock } from "./clock.js";
import { isDuplicateKeyError } from "./events/util.js";
import { inTransaction, type CollectionIndexes } from "./mongo.js";

export const REQUESTS_COLLECTION = "requests";
export const DEFAULT_REQUEST_RETENTION_MS = 24 * 3600_000;

interface RequestRecord {
  /** `<method>:<caller>:<request id>`: one caller's id never answers another caller or method. */
  _id: string;
  result: Document;
  at: Date;
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

  static key(method: string, caller: string, requestId: string): string {
    return `${method}:${caller}:${requestId}`;
  }

  /**
   * Runs `work` in a transaction once per key: with no key, every call runs; with a key already
   * answered, the stored answer comes back and nothing runs. Two concurrent calls with one key: one
   * commits, the other's transaction fails on the key and returns the first one's answer.
   */
  async once<T>(key: string | undefined, codec: ResultCodec<T>, work: (session: ClientSession) => Promise<T>): Promise<T> {
    if (!key) return inTransaction(this.client, work);
    const prior = await this.recall(key, codec);
    if (prior !== undefined) return prior;
    try {
      return await inTransaction(this.client, async (session) => {
        const result = await work(session);
        await this.collection.insertOne({ _id: key, result: codec.toDocument(result), at: this.clock.now() }, { session });
        return result;
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const first = await this.recall(key, codec);
      if (first === undefined) throw err;
      return first;
    }
  }

  private async recall<T>(key: string, codec: ResultCodec<T>): Promise<T | undefined> {
    const record = await this.collection.findOne({ _id: key });
    return record ? codec.fromDocument(record.result) : undefined;
  }
}
