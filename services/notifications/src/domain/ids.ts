/**
 * Ids derived from what they stand for, so the same event, person and channel always give the same id:
 * a redelivered event finds its notification and deliveries already there instead of making new ones.
 * A SHA-256 prefix of 128 bits keeps ids short and collisions out of reach; the parts are joined with a
 * separator no id contains (NUL), so the derivation is injective.
 */
import { createHash } from "node:crypto";
import type { ChannelName } from "./model.js";

function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 22);
}

export function notificationId(eventId: string, recipientId: string): string {
  return `n-${digest("notification", eventId, recipientId)}`;
}

export function deliveryId(eventId: string, recipientId: string, channel: ChannelName): string {
  return `d-${digest("delivery", eventId, recipientId, channel)}`;
}

/** A person's digest of one local day ("2020-03-30"). */
export function digestId(personId: string, localDate: string): string {
  return `g-${digest("digest", personId, localDate)}`;
}

/**
 * An email's Message-ID: the delivery's id at the sender's domain, so a resend of one delivery (after a
 * crash between the SMTP server's acceptance and its record) carries the same id and mail systems can
 * recognise it.
 */
export function mailMessageId(deliveryIdValue: string, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? "notifications.local";
  return `<${deliveryIdValue}@${domain}>`;
}
