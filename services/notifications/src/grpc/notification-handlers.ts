/**
 * The gRPC handlers of NotificationService: every call acts on the caller (requireIdentity), request
 * checks, proto ↔ stored mapping, and the call into the use case.
 */
import { FieldChecks, InvalidArgument, requireIdentity } from "@ministry/platform";
import {
  Channel,
  DeliveryMode,
  DeliveryStatus,
  InboxView,
  type NotificationServiceServer,
  type StreamNotificationsRequest,
  type StreamNotificationsResponse,
} from "@ministry/proto/ministry/notifications/v1/notifications";
import type { ServerWritableStream } from "@grpc/grpc-js";
import type { Inbox, InboxViewName } from "../app/inbox.js";
import type { LiveHub } from "../app/live.js";
import type { Preferences } from "../app/preferences.js";
import { FIELDS, MAX_ID_LENGTH } from "../domain/limits.js";
import { CATEGORIES } from "../rules/index.js";
import { toProtoDelivery } from "./delivery-mapping.js";
import { channelPreferenceFromProto, modeToProto, toProtoNotification, toProtoPreferences } from "./notification-mapping.js";

const VIEWS: Record<InboxView, InboxViewName> = {
  [InboxView.INBOX_VIEW_UNSPECIFIED]: "inbox",
  [InboxView.INBOX_VIEW_UNREAD]: "unread",
  [InboxView.INBOX_VIEW_ARCHIVED]: "archived",
  [InboxView.INBOX_VIEW_SNOOZED]: "snoozed",
  [InboxView.INBOX_VIEW_ALL]: "all",
  [InboxView.UNRECOGNIZED]: "inbox",
};

function requireId(value: string | undefined, field = "id"): string {
  const v = (value ?? "").trim();
  const checks = new FieldChecks();
  if (v === "") checks.add(field, "Bắt buộc", "Required");
  else checks.length(field, v, MAX_ID_LENGTH, FIELDS.id);
  checks.check();
  return v;
}

export interface NotificationParts {
  inbox: Inbox;
  live: LiveHub;
  preferences: Preferences;
  digestTime: string;
}

export function notificationHandlers(p: NotificationParts): NotificationServiceServer {
  const { inbox, live, preferences } = p;
  return {
    listNotifications: async (call) => {
      const r = call.request;
      const view = VIEWS[r.view];
      if (!view) throw new InvalidArgument([{ field: "view", description: "Không rõ cách xem / Unknown view" }]);
      const result = await inbox.list(requireIdentity(), { view, category: r.category.trim() || undefined }, r.page ?? {});
      return {
        notifications: result.items.map(toProtoNotification),
        page: { nextPageToken: result.nextPageToken, totalSize: String(result.totalSize) },
        unreadCount: String(result.unreadCount),
      };
    },
    getUnreadCount: async () => ({ unreadCount: String(await inbox.unreadCount(requireIdentity())) }),
    getNotification: async (call) => {
      const { notification, deliveries } = await inbox.get(requireIdentity(), requireId(call.request.id));
      // The inbox's own delivery is the notification itself, made with the event's transaction.
      const inboxDelivery = {
        id: notification._id,
        channel: Channel.CHANNEL_INBOX,
        status: DeliveryStatus.DELIVERY_STATUS_SENT,
        attempts: 1,
        notBefore: undefined,
        sentAt: notification.createdAt,
        lastError: "",
        digestId: "",
        createdAt: notification.createdAt,
        updatedAt: notification.createdAt,
        target: notification.recipientId,
        responseStatus: 0,
      };
      return { notification: { ...toProtoNotification(notification), deliveries: [inboxDelivery, ...deliveries.map(toProtoDelivery)] } };
    },
    markRead: async (call) => {
      const r = await inbox.markRead(requireIdentity(), call.request.ids, call.request.requestId);
      return { changed: r.changed, unreadCount: String(r.unreadCount) };
    },
    markUnread: async (call) => {
      const r = await inbox.markUnread(requireIdentity(), call.request.ids, call.request.requestId);
      return { changed: r.changed, unreadCount: String(r.unreadCount) };
    },
    markAllRead: async (call) => {
      const r = await inbox.markAllRead(requireIdentity(), call.request.category.trim() || undefined, call.request.requestId);
      return { changed: r.changed, unreadCount: String(r.unreadCount) };
    },
    archive: async (call) => {
      const r = await inbox.archive(requireIdentity(), call.request.ids, call.request.requestId);
      return { changed: r.changed, unreadCount: String(r.unreadCount) };
    },
    unarchive: async (call) => {
      const r = await inbox.unarchive(requireIdentity(), call.request.ids, call.request.requestId);
      return { changed: r.changed, unreadCount: String(r.unreadCount) };
    },
    snooze: async (call) => {
      const r = await inbox.snooze(requireIdentity(), requireId(call.request.id), call.request.until, call.request.requestId);
      return { notification: toProtoNotification(r.notification), unreadCount: String(r.unreadCount) };
    },
    streamNotifications: async (call: ServerWritableStream<StreamNotificationsRequest, StreamNotificationsResponse>) => {
      const identity = requireIdentity();
      const afterId = call.request.afterId.trim() ? requireId(call.request.afterId, "after_id") : undefined;
      let closed = false;
      const sink = {
        get closed() {
          return closed || call.cancelled || call.destroyed;
        },
        send: (n: Parameters<typeof toProtoNotification>[0], unread: number) =>
          new Promise<void>((resolve) => {
            // back-pressure: wait for the transport when its buffer is full
            if (call.write({ notification: toProtoNotification(n), unreadCount: String(unread) })) resolve();
            else call.once("drain", () => resolve());
          }),
      };
      const close = await live.open(identity.userId, afterId, sink);
      const end = () => {
        if (closed) return;
        closed = true;
        close();
      };
      call.on("cancelled", end);
      call.on("close", end);
      call.on("error", end);
      // A client that left while the stream was being opened (its catch-up read) fired those events
      // before they were listened to: close now, or its registration would stay forever.
      if (call.cancelled || call.destroyed) end();
    },
    getPreferences: async () => ({ preferences: toProtoPreferences(await preferences.get(requireIdentity()), p.digestTime) }),
    updatePreferences: async (call) => {
      const r = call.request;
      const prefs = r.preferences;
      const updated = await preferences.update(
        requireIdentity(),
        {
          // a mode left unspecified means the category's default: no entry
          channels: (prefs?.channels ?? [])
            .filter((c) => c.mode !== DeliveryMode.DELIVERY_MODE_UNSPECIFIED)
            .map(channelPreferenceFromProto),
          quietHours: {
            enabled: prefs?.quietHours?.enabled ?? false,
            start: prefs?.quietHours?.start ?? "",
            end: prefs?.quietHours?.end ?? "",
          },
          expectedVersion: r.expectedVersion,
        },
        r.requestId,
      );
      return { preferences: toProtoPreferences(updated, p.digestTime) };
    },
    listCategories: async () => {
      requireIdentity();
      return {
        categories: CATEGORIES.map((c) => ({
          id: c.id,
          name: { vi: c.name.vi, en: c.name.en },
          hasCritical: c.hasCritical,
          defaultEmailMode: modeToProto(c.defaultEmailMode) ?? DeliveryMode.DELIVERY_MODE_IMMEDIATE,
        })),
      };
    },
  };
}
