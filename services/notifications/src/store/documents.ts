/**
 * The documents this service keeps, one interface per collection (names in indexes.ts).
 */
import type { ChannelName, DeliveryModeName, DeliveryStatusName, Locale, SubjectRef, UnitRoleName } from "../domain/model.js";

export interface PersonDoc {
  /** The token's `sub`. */
  _id: string;
  fullName: string;
  position: string;
  /** null for the ministry's leadership (Minister, Deputy Ministers). */
  unitId: string | null;
  unitRole: UnitRoleName;
  roles: string[];
  email: string;
  phone: string;
  locale: Locale;
  timeZone: string;
  active: boolean;
  /** normalizeForSearch(fullName): the name search's field. */
  nameSearch: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface UnitDoc {
  _id: string;
  name: string;
  nameEn: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A notification's snoozedUntil when it is not snoozed: every "now" is after it. */
export const NOT_SNOOZED = new Date(0);

export interface NotificationDoc {
  /** notificationId(eventId, recipientId): one per event and person. */
  _id: string;
  recipientId: string;
  /** The recipient's own sequence (streams.seq), in commit order: what a live stream resumes from. */
  seq: number;
  eventId: string;
  eventType: string;
  category: string;
  critical: boolean;
  /** In the recipient's locale, rendered when it was made. */
  title: string;
  body: string;
  subject: SubjectRef | null;
  createdAt: Date;
  /**
   * The inbox's states as booleans and a date: the unread count and the inbox's lists are then equality
   * and one date range on one index, which the store answers from the index alone (no document read).
   */
  read: boolean;
  readAt: Date | null;
  archived: boolean;
  archivedAt: Date | null;
  /** Hidden from the inbox until then; NOT_SNOOZED (the epoch) when not snoozed. */
  snoozedUntil: Date;
}

/** Per person, the last notification sequence allocated (allocated inside the fan-out's transaction). */
export interface StreamCounterDoc {
  _id: string;
  seq: number;
}

export interface EmailMessage {
  to: string;
  toName: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic ("<delivery id>@<domain>"), so a resend after a crash is recognisable as the same mail. */
  messageId: string;
}

export interface WebhookMessage {
  url: string;
  /** The JSON body, as sent (signed at each attempt with a fresh timestamp). */
  body: string;
}

export interface DeliveryDoc {
  /** deliveryId(eventId, recipientId, channel), or digestDeliveryId(digest): one per (event, recipient, channel). */
  _id: string;
  channel: Exclude<ChannelName, "inbox">;
  /** A notification's own delivery, or a person's daily digest. */
  kind: "notification" | "digest";
  status: DeliveryStatusName;
  eventId: string;
  eventType: string;
  category: string;
  critical: boolean;
  /** The person; for a webhook, the subscription's id. */
  recipientId: string;
  notificationId: string | null;
  webhookId: string | null;
  /** The address or the URL, for the delivery log. */
  target: string;
  email: EmailMessage | null;
  webhook: WebhookMessage | null;
  attempts: number;
  /** The service's clock: not sent before (quiet hours end; the creation time otherwise). */
  notBefore: Date;
  /** Real time: the next attempt after a transient failure (null: as soon as notBefore allows). */
  retryAt: Date | null;
  /** Real time: a dispatcher holds it until then (a crashed one's lease runs out). */
  leaseUntil: Date | null;
  sentAt: Date | null;
  lastError: string | null;
  responseStatus: number | null;
  /** Set when gathered into a digest (status digested), and on the digest's own delivery. */
  digestId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ChannelPreferenceDoc {
  category: string;
  channel: "inbox" | "email";
  mode: DeliveryModeName;
}

export interface PreferencesDoc {
  /** The person's id. */
  _id: string;
  channels: ChannelPreferenceDoc[];
  quietHours: { enabled: boolean; start: string; end: string };
  version: number;
  updatedAt: Date;
}

/** One per person and local day: the digest already gathered (the next run of the job skips the day). */
export interface DigestDoc {
  /** "<person>|<yyyy-MM-dd>" in the person's time zone. */
  _id: string;
  personId: string;
  localDate: string;
  deliveryIds: string[];
  createdAt: Date;
}

export interface WebhookDoc {
  _id: string;
  url: string;
  eventTypes: string[];
  description: string;
  /** The HMAC key's base64 (the secret is "whsec_" + this). Readable by the service only: it signs with it. */
  secret: string;
  active: boolean;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export interface TemplateDoc {
  /** "<event type>|<channel>|<locale>". */
  _id: string;
  eventType: string;
  channel: "inbox" | "email";
  locale: Locale;
  subject: string;
  text: string;
  html: string;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}
