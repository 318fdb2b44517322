/**
 * The events this service publishes (NOTIFICATIONS stream).
 */
import { defineEvent } from "@ministry/platform";
import { NotificationDelivered, NotificationFailed, NotificationRead } from "@ministry/proto/ministry/notifications/v1/events";

const notification = { service: "notifications", aggregate: "notification" } as const;

export const NotificationEvents = {
  delivered: defineEvent({ ...notification, event: "delivered", message: NotificationDelivered }),
  failed: defineEvent({ ...notification, event: "failed", message: NotificationFailed }),
  read: defineEvent({ ...notification, event: "read", message: NotificationRead }),
};
