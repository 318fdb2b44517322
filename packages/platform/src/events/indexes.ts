/**
 * Indexes of the event collections, declared here and created at start-up with `ensureIndexes`.
 * TTL values are part of an index's definition: changing a retention later needs the old index dropped
 * first (MongoDB refuses to redefine an index under the same name).
 */
import type { CollectionIndexes } from "../mongo.js";
import { AUDIT_COLLECTION } from "./audit.js";

export const OUTBOX_COLLECTION = "outbox";
export const OUTBOX_SEQUENCE_COLLECTION = "outbox_sequence";
export const INBOX_COLLECTION = "inbox";
export const DEADLETTERS_COLLECTION = "deadletters";

export interface EventsRetention {
  /** How long sent outbox records stay for `republish`. Default 7 days. */
  outboxRetentionMs?: number;
  /**
   * How long a consumer remembers an event it handled. Keep it longer than the stream's max age plus the
   * outbox retention, so anything that can still be redelivered or re-published is recognised. Default 30 days.
   */
  inboxRetentionMs?: number;
}

export const DEFAULT_OUTBOX_RETENTION_MS = 7 * 24 * 3600_000;
export const DEFAULT_INBOX_RETENTION_MS = 30 * 24 * 3600_000;

export function eventsIndexes(retention: EventsRetention = {}): CollectionIndexes[] {
  const outboxTtl = Math.max(1, Math.round((retention.outboxRetentionMs ?? DEFAULT_OUTBOX_RETENTION_MS) / 1000));
  const inboxTtl = Math.max(1, Math.round((retention.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS) / 1000));
  return [
    {
      collection: OUTBOX_COLLECTION,
      indexes: [
        { key: { seq: 1 }, name: "seq_unique", unique: true },
        // the relay's query: unsent records in sequence order
        { key: { sentAt: 1, seq: 1 }, name: "unsent_by_seq" },
        { key: { sentAt: 1 }, name: "sentAt_ttl", expireAfterSeconds: outboxTtl },
        { key: { createdAt: 1 }, name: "createdAt" },
      ],
    },
    {
      collection: INBOX_COLLECTION,
      indexes: [
        { key: { consumer: 1, eventId: 1 }, name: "consumer_eventId_unique", unique: true },
        { key: { processedAt: 1 }, name: "processedAt_ttl", expireAfterSeconds: inboxTtl },
      ],
    },
    {
      collection: DEADLETTERS_COLLECTION,
      indexes: [
        { key: { consumer: 1, eventId: 1 }, name: "consumer_eventId_unique", unique: true },
        { key: { consumer: 1, _id: -1 }, name: "consumer_newest_first" },
      ],
    },
    {
      collection: AUDIT_COLLECTION,
      indexes: [
        { key: { "target.type": 1, "target.id": 1, at: -1 }, name: "target_at" },
        { key: { "actor.userId": 1, at: -1 }, name: "actor_at" },
        { key: { at: -1 }, name: "at" },
      ],
    },
  ];
}

/** The declared indexes with default retentions. */
export const EVENTS_INDEXES: CollectionIndexes[] = eventsIndexes();
