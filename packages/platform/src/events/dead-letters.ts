/**
 * Dead letters: events a consumer gave up on (undecodable, permanently invalid, or still failing after
 * its maximum deliveries), kept with the error so an operator can see, replay or discard them. A dead
 * letter belongs to one durable consumer on one stream; its first error is the reason it is here and is
 * never overwritten: every later failure (a redelivery of the same event, a failed replay) is added to
 * its attempts.
 */
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { ObjectId, type Binary, type ClientSession, type Collection, type Db, type Filter, type MongoClient } from "mongodb";
import { InvalidArgument, NotFound } from "../errors.js";
import { inTransaction } from "../mongo.js";
import type { AuditLog } from "./audit.js";
import { DEADLETTERS_COLLECTION } from "./indexes.js";

/** One failure of a dead-lettered event. */
export interface DeadLetterAttempt {
  at: Date;
  error: string;
  /** An operator's replay (true) or a delivery from the stream (false). */
  replay: boolean;
  /** The operator who replayed it. */
  by?: string;
}

/** Attempts kept per dead letter: the newest ones, so a letter replayed in a loop stays bounded. */
export const MAX_DEAD_LETTER_ATTEMPTS = 50;

export interface DeadLetterRecord {
  _id?: ObjectId;
  /** The durable consumer, `<service>-<STREAM>`. */
  consumer: string;
  stream: string;
  streamSequence?: number;
  subject: string;
  /** `ce-id`, or `nats:<stream>:<sequence>` when the message had none. */
  eventId: string;
  eventType: string;
  headers: Record<string, string>;
  data: Uint8Array | Binary;
  /** The first failure's error: why the event became a dead letter. */
  error: string;
  deliveries: number;
  /** The latest failure. */
  failedAt: Date;
  firstFailedAt: Date;
  /** Every failure, oldest first (the newest MAX_DEAD_LETTER_ATTEMPTS). Missing on letters stored before attempts were kept. */
  attempts?: DeadLetterAttempt[];
}

export type NewDeadLetter = Omit<DeadLetterRecord, "_id" | "firstFailedAt" | "attempts">;

export interface DeadLetterFilter {
  stream?: string;
  consumer?: string;
}

export interface DeadLetterPage {
  items: (DeadLetterRecord & { _id: ObjectId })[];
  nextPageToken: string;
  totalSize: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Parses a dead letter's id; a malformed one is the caller's mistake. */
export function parseDeadLetterId(id: string, field = "id"): ObjectId {
  if (!id) throw new InvalidArgument([{ field, description: "Bắt buộc / Required" }]);
  if (!/^[0-9a-f]{24}$/i.test(id))
    throw new InvalidArgument([{ field, description: "Không phải mã của một sự kiện lỗi / Not a dead letter id" }]);
  return new ObjectId(id);
}

export class DeadLetterStore {
  readonly collection: Collection<DeadLetterRecord>;

  constructor(db: Db) {
    this.collection = db.collection<DeadLetterRecord>(DEADLETTERS_COLLECTION);
  }

  /**
   * One record per (consumer, event) (a durable consumer reads one stream): an event that fails again
   * keeps its first error and adds the attempt.
   */
  async record(entry: NewDeadLetter): Promise<void> {
    const { consumer, eventId, error, failedAt, ...rest } = entry;
    await this.collection.updateOne(
      { consumer, eventId },
      {
        $set: { ...rest, failedAt },
        $setOnInsert: { consumer, eventId, error, firstFailedAt: failedAt },
        $push: { attempts: { $each: [{ at: failedAt, error, replay: false }], $slice: -MAX_DEAD_LETTER_ATTEMPTS } },
      },
      { upsert: true },
    );
  }

  async get(id: string): Promise<(DeadLetterRecord & { _id: ObjectId }) | null> {
    return this.collection.findOne({ _id: parseDeadLetterId(id) });
  }

  /** Newest first; the page token is the id of the last record of the previous page. */
  async list(opts: DeadLetterFilter & { pageSize?: number; pageToken?: string } = {}): Promise<DeadLetterPage> {
    const pageSize = opts.pageSize ?? 0;
    if (!Number.isInteger(pageSize) || pageSize < 0)
      throw new InvalidArgument([{ field: "page.page_size", description: "Kích thước trang không được âm / Must not be negative" }]);
    const limit = Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const filter = toFilter(opts);
    const pageFilter: Filter<DeadLetterRecord> = { ...filter };
    if (opts.pageToken) {
      let after: ObjectId;
      try {
        after = parseDeadLetterId(Buffer.from(opts.pageToken, "base64url").toString("utf8"), "page.page_token");
      } catch {
        throw new InvalidArgument([
          { field: "page.page_token", description: "Mã trang không hợp lệ / Not a page token this service issued" },
        ]);
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

  async count(filter: DeadLetterFilter = {}): Promise<number> {
    return this.collection.countDocuments(toFilter(filter));
  }

  async remove(id: ObjectId, session?: ClientSession): Promise<boolean> {
    const result = await this.collection.deleteOne({ _id: id }, { session });
    return result.deletedCount === 1;
  }

  /** A failed replay: the attempt is added beside the original error, which stays. */
  async markFailed(id: ObjectId, attempt: DeadLetterAttempt): Promise<void> {
    await this.collection.updateOne(
      { _id: id },
      {
        $set: { failedAt: attempt.at },
        $inc: { deliveries: 1 },
        $push: { attempts: { $each: [attempt], $slice: -MAX_DEAD_LETTER_ATTEMPTS } },
      },
    );
  }

  /** Removes the dead letter with an audit record of who discarded it and why, in one transaction. */
  async discard(client: MongoClient, audit: AuditLog, id: string, reason: string, actor: Actor): Promise<void> {
    const objectId = parseDeadLetterId(id);
    checkReason(reason);
    await inTransaction(client, async (session) => {
      const record = await this.collection.findOne({ _id: objectId }, { session });
      if (!record) throw new NotFound(`Không tìm thấy sự kiện lỗi ${id} / Dead letter ${id} not found`);
      await this.collection.deleteOne({ _id: objectId }, { session });
      await audit.record(session, {
        actor,
        action: "deadletter.discarded",
        target: { type: "deadletter", id },
        change: {
          reason,
          consumer: record.consumer,
          stream: record.stream,
          subject: record.subject,
          eventId: record.eventId,
          eventType: record.eventType,
          error: record.error,
        },
      });
    });
  }
}

function toFilter(f: DeadLetterFilter): Filter<DeadLetterRecord> {
  const filter: Filter<DeadLetterRecord> = {};
  if (f.stream) filter.stream = f.stream;
  if (f.consumer) filter.consumer = f.consumer;
  return filter;
}

/** An operator's reason for removing something for good: required, and bounded like any input. */
export const MAX_REASON_LENGTH = 2_000;

export function checkReason(reason: string): void {
  if (!reason.trim())
    throw new InvalidArgument([{ field: "reason", description: "Phải nêu lý do loại bỏ / Required: say why it is discarded" }]);
  if (reason.length > MAX_REASON_LENGTH)
    throw new InvalidArgument([
      { field: "reason", description: `Lý do dài quá ${MAX_REASON_LENGTH} ký tự / At most ${MAX_REASON_LENGTH} characters` },
    ]);
}
