/**
 * Proto ↔ stored forms of notifications and preferences.
 */
import {
  Channel,
  DeliveryMode,
  type Notification,
  type Preferences as ProtoPreferences,
} from "@ministry/proto/ministry/notifications/v1/notifications";
import type { DeliveryModeName } from "../domain/model.js";
import { NOT_SNOOZED, type ChannelPreferenceDoc, type NotificationDoc, type PreferencesDoc } from "../store/documents.js";

export function toProtoNotification(n: NotificationDoc): Notification {
  return {
    id: n._id,
    recipientId: n.recipientId,
    eventId: n.eventId,
    eventType: n.eventType,
    category: n.category,
    critical: n.critical,
    title: n.title,
    body: n.body,
    subject: n.subject ?? undefined,
    createdAt: n.createdAt,
    readAt: n.readAt ?? undefined,
    archivedAt: n.archivedAt ?? undefined,
    snoozedUntil: n.snoozedUntil.getTime() > NOT_SNOOZED.getTime() ? n.snoozedUntil : undefined,
    deliveries: [],
  };
}

const MODES: [DeliveryMode, DeliveryModeName][] = [
  [DeliveryMode.DELIVERY_MODE_IMMEDIATE, "immediate"],
  [DeliveryMode.DELIVERY_MODE_DIGEST, "digest"],
  [DeliveryMode.DELIVERY_MODE_OFF, "off"],
];

export function modeToProto(mode: DeliveryModeName): DeliveryMode {
  return MODES.find(([, m]) => m === mode)?.[0] ?? DeliveryMode.DELIVERY_MODE_UNSPECIFIED;
}

export function modeFromProto(mode: DeliveryMode): DeliveryModeName | undefined {
  return MODES.find(([p]) => p === mode)?.[1];
}

export function channelToProto(channel: string): Channel {
  switch (channel) {
    case "inbox":
      return Channel.CHANNEL_INBOX;
    case "email":
      return Channel.CHANNEL_EMAIL;
    case "webhook":
      return Channel.CHANNEL_WEBHOOK;
    default:
      return Channel.CHANNEL_UNSPECIFIED;
  }
}

export function channelFromProto(channel: Channel): "inbox" | "email" | "webhook" | undefined {
  switch (channel) {
    case Channel.CHANNEL_INBOX:
      return "inbox";
    case Channel.CHANNEL_EMAIL:
      return "email";
    case Channel.CHANNEL_WEBHOOK:
      return "webhook";
    default:
      return undefined;
  }
}

export function toProtoPreferences(p: PreferencesDoc, digestTime: string): ProtoPreferences {
  return {
    channels: p.channels.map((c) => ({ category: c.category, channel: channelToProto(c.channel), mode: modeToProto(c.mode) })),
    quietHours: { ...p.quietHours },
    digestTime,
    version: p.version,
  };
}

/**
 * A channel preference as asked for; an unknown channel or mode is kept as a marker the use case
 * refuses with a field violation (so every problem is reported at once).
 */
export function channelPreferenceFromProto(c: { category: string; channel: Channel; mode: DeliveryMode }): ChannelPreferenceDoc {
  return {
    category: c.category,
    channel: (channelFromProto(c.channel) ?? "unknown") as ChannelPreferenceDoc["channel"],
    mode: modeFromProto(c.mode) ?? "immediate",
  };
}
