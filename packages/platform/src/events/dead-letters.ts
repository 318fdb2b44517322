/**
 * Dead letters: events a consumer gave up on (undecodable, permanently invalid, or still failing after
 * its maximum deliveries), kept with the error so an operator can see, replay or discard them.
 */
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { ObjectId, type Binary, type ClientSession, type Collection, type Db, type Filter, type MongoClient } from "mongodb";
import { InvalidArgument, NotFound } from "../errors.js";
import { inTransaction } from "../mongo.js";
import type { AuditLog } from "./audit.js";
import { DEADLETTERS_COLLECTION } from "./indexes.js";

export interface DeadLetterRecord {
  _id?: ObjectId;
  consumer: string;
  stream: string;
  streamSequence?: number;
  subject: string;
  /** `ce-id`, or `nats:<stream>:<sequence>` when the message had none. */
  eventId: string;
  eventType: string;
  headers: Record<string, string>;
  data: Uint8Array | Binary;
  error: string;
  deliveries: number;
  failedAt: Date;
  firstFailedAt: Date;
}

export type NewDeadLetter = Omit<DeadLetterRecord, "_id" | "firstFailedAt">;

export interface DeadLetterPage {
  items: (DeadLetterRecord & { _id: ObjectId })[];
  nextPageToken: string;
  totalSize: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Parses a dead letter's id; a malformed one is the caller's mistake. */
export function parseDeadLetterId(id: string, field = "id"): ObjectId {
  if (!id) throw new InvalidArgument([{ field, description: "is required" }]);
  if (!/^[0-9a-f]{24}$/i.test(id)) throw new InvalidArgument([{ field, description: "is not a dead letter id" }]);
  return new ObjectId(id);
}

export class DeadLetterStore {
  readonly collection: Collection<DeadLetterRecord>;

  constructor(db: Db) {
    this.collection = db.collection<DeadLetterRecord>(DEADLETTERS_COLLECTION);
  }

  /** One record per (consumer, event): an event that fails again updates its record. */
  async record(entry: NewDeadLetter): Promise<void> {
    const { consumer, eventId, ...rest } = entry;
    await this.collection.updateOne(
      { consumer, eventId },
      { $set: rest, $setOnInsert: { consumer, eventId, firstFailedAt: entry.failedAt } },
      { upsert: true },
    );
  }

  async get(id: string): Promise<(DeadLetterRecord & { _id: ObjectId }) | null> {
    return this.collection.findOne({ _id: parseDeadLetterId(id) });
  }

  /** Newest first; the page token is the id of the last record of the previous page. */
  async list(opts: { consumer?: string; pageSize?: number; pageToken?: string } = {}): Promise<DeadLetterPage> {
    const pageSize = opts.pageSize ?? 0;
    if (!Number.isInteger(pageSize) || pageSize < 0)
      throw new InvalidArgument([{ field: "page.page_size", description: "must not be negative" }]);
    const limit = Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const filter: Filter<DeadLetterRecord> = opts.consumer ? { consumer: opts.consumer } : {};
    const pageFilter: Filter<DeadLetterRecord> = { ...filter };
    if (opts.pageToken) {
      let after: ObjectId;
      try {
        after = parseDeadLetterId(Buffer.from(opts.pageToken, "base64url").toString("utf8"), "page.page_token");
      } catch {
        throw new InvalidArgument([{ field: "page.page_token", description: "is not a token this service issued" }]);
      }
      pageFilter._id = { $lt: after };
    }
    const items = (await this.collection
      .find(pageFilter)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .toArray()) as (DeadLetterRecord & { _id: ObjectId })[];
    const more = items.length > limit;
    if (more) items.length = limit;
    const totalSize = await this.collection.countDocuments(filter);
    const nextPageToken = more ? Buffer.from(items[items.length - 1]!._id.toHexString(), "utf8").toString("base64url") : "";
    return { items, nextPageToken, totalSize };
  }

  async count(consumer?: string): Promise<number> {
    return this.collection.countDocuments(consumer ? { consumer } : {});
  }

  async remove(id: ObjectId, session?: ClientSession): Promise<boolean> {
    const result = await this.collection.deleteOne({ _id: id }, { session });
    return result.deletedCount === 1;
  }

  async markFailed(id: ObjectId, error: string, failedAt: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { error, failedAt }, $inc: { deliveries: 1 } });
  }

  /** Removes the dead letter with an audit record of who discarded it and why, in one transaction. */
  async discard(client: MongoClient, audit: AuditLog, id: string, reason: string, actor: Actor): Promise<void> {
    const objectId = parseDeadLetterId(id);
    if (!reason.trim()) throw new InvalidArgument([{ field: "reason", description: "is required: say why the event is discarded" }]);
    await inTransaction(client, async (session) => {
      const record = await this.collection.findOne({ _id: objectId }, { session });
      if (!record) throw new NotFound(`dead letter ${id} not found`);
      await this.collection.deleteOne({ _id: objectId }, { session });
      await audit.record(session, {
        actor,
        action: "deadletter.discarded",
        target: { type: "deadletter", id },
        change: {
          reason,
          consumer: record.consumer,
          subject: record.subject,
          eventId: record.eventId,
          eventType: record.eventType,
          error: record.error,
        },
      });
    });
  }
}
