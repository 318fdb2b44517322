import type { ClientSession, Collection, Db, Filter } from "mongodb";
import type { NotificationDoc, StreamCounterDoc } from "./documents.js";
import { NOTIFICATIONS, STREAM_COUNTERS } from "./indexes.js";

export class NotificationStore {
  readonly collection: Collection<NotificationDoc>;
  readonly counters: Collection<StreamCounterDoc>;

  constructor(db: Db) {
    this.collection = db.collection<NotificationDoc>(NOTIFICATIONS);
    this.counters = db.collection<StreamCounterDoc>(STREAM_COUNTERS);
  }

  /** The person's own notification; someone else's is answered as a missing one. */
  own(recipientId: string, id: string, session?: ClientSession): Promise<NotificationDoc | null> {
    return this.collection.findOne({ _id: id, recipientId }, { session });
  }

  /** Unread, not archived, and not snoozed past `now`: what the inbox's badge counts. */
  unreadFilter(recipientId: string, now: Date): Filter<NotificationDoc> {
    return { recipientId, read: false, archived: false, snoozedUntil: { $lte: now } };
  }

  unreadCount(recipientId: string, now: Date, session?: ClientSession): Promise<number> {
    return this.collection.countDocuments(this.unreadFilter(recipientId, now), { session });
  }

  /** The person's last stream sequence (0 before the first notification). */
  async lastSeq(recipientId: string): Promise<number> {
    return (await this.counters.findOne({ _id: recipientId }))?.seq ?? 0;
  }

  /** The person's notifications after a sequence, in order: what a live stream sends next. */
  after(recipientId: string, seq: number, limit: number): Promise<NotificationDoc[]> {
    return this.collection
      .find({ recipientId, seq: { $gt: seq } })
      .sort({ seq: 1 })
      .limit(limit)
      .toArray();
  }
}
