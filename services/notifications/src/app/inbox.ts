/**
 * A person's own inbox: list, unread count, read/unread, archive, snooze. Every call acts on the caller's
 * notifications only; an id of someone else's answers NOT_FOUND exactly as a missing one, and a call
 * naming one changes nothing at all.
 */
import { FieldChecks, NotFound, keysetPage, type Identity, type KeysetPage, type PageRequest } from "@ministry/platform";
import type { ClientSession, Filter } from "mongodb";
import { MAX_CATEGORY_LENGTH, MAX_ID_LENGTH, MAX_IDS_PER_CALL, MAX_SNOOZE_DAYS, FIELDS } from "../domain/limits.js";
import { NotificationEvents } from "../events/definitions.js";
import { NOT_SNOOZED, type DeliveryDoc, type NotificationDoc } from "../store/documents.js";
import { DELIVERIES } from "../store/indexes.js";
import { NotificationStore } from "../store/notification-store.js";
import { plainCodec, type AppContext } from "./context.js";

export type InboxViewName = "inbox" | "unread" | "archived" | "snoozed" | "all";

export interface Changed {
  changed: number;
  unreadCount: number;
}

/** Notifications marked per transaction by MarkAllRead (a person back from leave may have thousands). */
const MARK_ALL_BATCH = 500;

function notFound(): NotFound {
  return new NotFound("Không tìm thấy thông báo / Notification not found");
}

export class Inbox {
  readonly store: NotificationStore;

  constructor(private readonly app: AppContext) {
    this.store = new NotificationStore(app.db);
  }

  async list(
    identity: Identity,
    query: { view: InboxViewName; category?: string },
    page: PageRequest,
  ): Promise<KeysetPage<NotificationDoc> & { unreadCount: number }> {
    const checks = new FieldChecks();
    checks.length("category", query.category, MAX_CATEGORY_LENGTH, FIELDS.category);
    checks.check();
    const now = this.app.clock.now();
    const me = identity.userId;
    const byView: Record<InboxViewName, Filter<NotificationDoc>> = {
      inbox: { recipientId: me, archived: false, snoozedUntil: { $lte: now } },
      unread: this.store.unreadFilter(me, now),
      archived: { recipientId: me, archived: true },
      snoozed: { recipientId: me, archived: false, snoozedUntil: { $gt: now } },
      all: { recipientId: me },
    };
    const filter: Filter<NotificationDoc> = query.category ? { ...byView[query.view], category: query.category } : byView[query.view];
    const [result, unreadCount] = await Promise.all([
      keysetPage(
        this.store.collection,
        {
          list: "notifications",
          filter: filter as Filter<import("mongodb").Document>,
          sort: [["seq", -1]],
          // "now" moves between pages; the view is what the caller asked for
          fingerprint: { me, view: query.view, category: query.category ?? "" },
          count: true,
        },
        page,
        { now },
      ),
      this.store.unreadCount(me, now),
    ]);
    return { ...result, unreadCount };
  }

  unreadCount(identity: Identity): Promise<number> {
    return this.store.unreadCount(identity.userId, this.app.clock.now());
  }

  async get(identity: Identity, id: string): Promise<{ notification: NotificationDoc; deliveries: DeliveryDoc[] }> {
    const notification = await this.store.own(identity.userId, id);
    if (!notification) throw notFound();
    const deliveries = await this.app.db.collection<DeliveryDoc>(DELIVERIES).find({ notificationId: id }).toArray();
    return { notification, deliveries };
  }

  markRead(identity: Identity, ids: string[], requestId?: string): Promise<Changed> {
    return this.change("MarkRead", identity, ids, requestId, { read: false }, (now) => ({ read: true, readAt: now }), true);
  }

  markUnread(identity: Identity, ids: string[], requestId?: string): Promise<Changed> {
    return this.change("MarkUnread", identity, ids, requestId, { read: true }, () => ({ read: false, readAt: null }), false);
  }

  archive(identity: Identity, ids: string[], requestId?: string): Promise<Changed> {
    return this.change("Archive", identity, ids, requestId, { archived: false }, (now) => ({ archived: true, archivedAt: now }), false);
  }

  unarchive(identity: Identity, ids: string[], requestId?: string): Promise<Changed> {
    return this.change("Unarchive", identity, ids, requestId, { archived: true }, () => ({ archived: false, archivedAt: null }), false);
  }

  async markAllRead(identity: Identity, category: string | undefined, requestId?: string): Promise<Changed> {
    const checks = new FieldChecks();
    checks.length("category", category, MAX_CATEGORY_LENGTH, FIELDS.category);
    checks.check();
    const me = identity.userId;
    return this.app.once("MarkAllRead", identity, { requestId, target: me, body: { category } }, plainCodec<Changed>(), async (session) => {
      const now = this.app.clock.now();
      const filter: Filter<NotificationDoc> = { recipientId: me, read: false, ...(category ? { category } : {}) };
      let changed = 0;
      // Bounded work per call: what is left (more than a few thousand) is marked by calling again.
      for (let round = 0; round < 10; round++) {
        const batch = await this.store.collection.find(filter, { session, limit: MARK_ALL_BATCH, projection: { _id: 1 } }).toArray();
        if (batch.length === 0) break;
        changed += await this.apply(
          session,
          me,
          batch.map((d) => d._id),
          { read: false },
          { read: true, readAt: now },
          true,
          now,
        );
        if (batch.length < MARK_ALL_BATCH) break;
      }
      return { changed, unreadCount: await this.store.unreadCount(me, now, session) };
    });
  }

  async snooze(
    identity: Identity,
    id: string,
    until: Date | undefined,
    requestId?: string,
  ): Promise<{ notification: NotificationDoc; unreadCount: number }> {
    const checks = new FieldChecks();
    checks.length("id", id, MAX_ID_LENGTH, FIELDS.id);
    const now = this.app.clock.now();
    if (id === "") checks.add("id", "Bắt buộc", "Required");
    if (until && until.getTime() <= now.getTime()) checks.add("until", "Phải là thời điểm sau hiện tại", "Must be later than now");
    if (until && until.getTime() > now.getTime() + MAX_SNOOZE_DAYS * 86_400_000) {
      checks.add("until", `Tối đa ${MAX_SNOOZE_DAYS} ngày`, `At most ${MAX_SNOOZE_DAYS} days ahead`);
    }
    checks.check();
    const me = identity.userId;
    const codec = {
      toDocument: (v: { notification: NotificationDoc; unreadCount: number }) => v as unknown as import("mongodb").Document,
      fromDocument: (d: import("mongodb").Document) => d as { notification: NotificationDoc; unreadCount: number },
    };
    return this.app.once(
      "Snooze",
      identity,
      { requestId, target: id, body: { until: until?.toISOString() ?? null } },
      codec,
      async (session) => {
        const updated = await this.store.collection.findOneAndUpdate(
          { _id: id, recipientId: me },
          { $set: { snoozedUntil: until ?? NOT_SNOOZED } },
          { session, returnDocument: "after" },
        );
        if (!updated) throw notFound();
        return { notification: updated, unreadCount: await this.store.unreadCount(me, now, session) };
      },
    );
  }

  private async change(
    method: string,
    identity: Identity,
    rawIds: string[],
    requestId: string | undefined,
    unchanged: Filter<NotificationDoc>,
    set: (now: Date) => Partial<NotificationDoc>,
    publishRead: boolean,
  ): Promise<Changed> {
    const ids = [...new Set(rawIds.map((i) => i.trim()))];
    const checks = new FieldChecks();
    if (ids.length === 0 || ids.includes(""))
      checks.add("ids", "Cần ít nhất một mã thông báo, không để trống", "At least one id, none empty");
    if (checks.count("ids", ids, MAX_IDS_PER_CALL, FIELDS.ids)) {
      for (const [i, id] of ids.entries()) checks.length(`ids[${i}]`, id, MAX_ID_LENGTH, FIELDS.id);
    }
    checks.check();
    const me = identity.userId;
    return this.app.once(method, identity, { requestId, target: me, body: { ids } }, plainCodec<Changed>(), async (session) => {
      const now = this.app.clock.now();
      const mine = await this.store.collection.countDocuments({ _id: { $in: ids }, recipientId: me }, { session });
      if (mine !== ids.length) throw notFound();
      const changed = await this.apply(session, me, ids, unchanged, set(now), publishRead, now);
      return { changed, unreadCount: await this.store.unreadCount(me, now, session) };
    });
  }

  /** Changes those of `ids` still in the `unchanged` state; a read publishes `notifications.notification.read` for each. */
  private async apply(
    session: ClientSession,
    me: string,
    ids: string[],
    unchanged: Filter<NotificationDoc>,
    set: Partial<NotificationDoc>,
    publishRead: boolean,
    now: Date,
  ): Promise<number> {
    const filter: Filter<NotificationDoc> = { _id: { $in: ids }, recipientId: me, ...unchanged };
    const changing = publishRead ? await this.store.collection.find(filter, { session }).toArray() : [];
    const result = await this.store.collection.updateMany(filter, { $set: set }, { session });
    if (publishRead && changing.length > 0) {
      await this.app.deps.outbox.add(
        session,
        changing.map((n) =>
          NotificationEvents.read.of(n._id, {
            notificationId: n._id,
            recipientId: me,
            eventId: n.eventId,
            eventType: n.eventType,
            category: n.category,
            readAt: now,
          }),
        ),
      );
    }
    return result.modifiedCount;
  }
}
