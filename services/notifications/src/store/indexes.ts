import type { CollectionIndexes } from "@ministry/platform";

export const PEOPLE = "people";
export const UNITS = "units";
export const NOTIFICATIONS = "notifications";
export const STREAM_COUNTERS = "stream_counters";
export const DELIVERIES = "deliveries";
export const PREFERENCES = "preferences";
export const DIGESTS = "digests";
export const WEBHOOKS = "webhooks";
export const TEMPLATES = "templates";

export const NOTIFICATIONS_INDEXES: CollectionIndexes[] = [
  {
    collection: PEOPLE,
    indexes: [
      { key: { unitId: 1, unitRole: 1, active: 1 }, name: "unit_role" },
      { key: { roles: 1, active: 1 }, name: "roles" },
      // lists in name order (the keyset's tie-breaker is _id)
      { key: { nameSearch: 1, _id: 1 }, name: "name" },
    ],
  },
  {
    collection: NOTIFICATIONS,
    indexes: [
      // the inbox, newest first, and a live stream's resumption (seq > the last one seen)
      { key: { recipientId: 1, seq: -1 }, name: "recipient_seq", unique: true },
      // the unread count, counted on the index alone (equalities and one date range)
      { key: { recipientId: 1, read: 1, archived: 1, snoozedUntil: 1 }, name: "recipient_unread" },
      // the inbox's total, likewise
      { key: { recipientId: 1, archived: 1, snoozedUntil: 1 }, name: "recipient_inbox" },
      { key: { eventId: 1 }, name: "event" },
    ],
  },
  {
    collection: DELIVERIES,
    indexes: [
      // the dispatcher's queue
      { key: { status: 1, notBefore: 1 }, name: "status_not_before" },
      // the digest: a person's waiting items
      { key: { recipientId: 1, status: 1, createdAt: 1 }, name: "recipient_status" },
      { key: { notificationId: 1 }, name: "notification", sparse: true },
      { key: { webhookId: 1, createdAt: -1 }, name: "webhook_created", sparse: true },
      { key: { eventId: 1 }, name: "event" },
      { key: { createdAt: -1, _id: 1 }, name: "created" },
    ],
  },
  { collection: DIGESTS, indexes: [{ key: { personId: 1, localDate: -1 }, name: "person_day" }] },
  { collection: WEBHOOKS, indexes: [{ key: { active: 1 }, name: "active" }] },
];
