/**
 * NotificationAdminService's webhook and delivery-log calls: proto ↔ use case. The role check, input
 * bounds and errors live in the use cases (app/webhooks.ts); filters given as enums are mapped here.
 */
import { requireIdentity, type FieldViolation } from "@ministry/platform";
import { Channel, DeliveryStatus, type NotificationAdminServiceServer } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { WebhookAdmin } from "../app/webhooks.js";
import { deliveryStatusFromProto, toProtoDeliveryRecord, toProtoWebhook } from "./delivery-mapping.js";
import { channelFromProto } from "./notification-mapping.js";

function pageResponse(p: { nextPageToken: string; totalSize: number }) {
  return { nextPageToken: p.nextPageToken, totalSize: String(p.totalSize) };
}

export function webhookAdminHandlers(
  w: WebhookAdmin,
): Pick<NotificationAdminServiceServer, "createWebhook" | "listWebhooks" | "disableWebhook" | "listDeliveries"> {
  return {
    createWebhook: async (call) => {
      const r = call.request;
      const { webhook, secret } = await w.create(requireIdentity(), {
        requestId: r.requestId,
        url: r.url,
        eventTypes: r.eventTypes,
        description: r.description,
      });
      return { webhook: toProtoWebhook(webhook), secret };
    },
    listWebhooks: async (call) => {
      const page = await w.list(requireIdentity(), call.request.page ?? {});
      return { webhooks: page.items.map(toProtoWebhook), page: pageResponse(page) };
    },
    disableWebhook: async (call) => {
      const webhook = await w.disable(requireIdentity(), { requestId: call.request.requestId, id: call.request.id });
      return { webhook: toProtoWebhook(webhook) };
    },
    listDeliveries: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const channel = r.channel === Channel.CHANNEL_UNSPECIFIED ? undefined : channelFromProto(r.channel);
      const status = r.status === DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED ? undefined : deliveryStatusFromProto(r.status);
      const violations: FieldViolation[] = [];
      if (r.channel !== Channel.CHANNEL_UNSPECIFIED && !channel)
        violations.push({ field: "channel", description: "Kênh không hợp lệ / Unknown channel" });
      if (r.status !== DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED && !status)
        violations.push({ field: "status", description: "Trạng thái không hợp lệ / Unknown status" });
      const page = await w.deliveries(
        identity,
        { webhookId: r.webhookId, recipientId: r.recipientId, eventId: r.eventId, channel, status },
        r.page ?? {},
        violations,
      );
      return { deliveries: page.items.map(toProtoDeliveryRecord), page: pageResponse(page) };
    },
  };
}
