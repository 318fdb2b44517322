/**
 * Proto forms of deliveries and webhook subscriptions (the secret never has one: it is returned by
 * CreateWebhook alone, beside the webhook).
 */
import { DeliveryStatus, type Delivery, type DeliveryRecord, type Webhook } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { DeliveryStatusName } from "../domain/model.js";
import type { DeliveryDoc, WebhookDoc } from "../store/documents.js";
import { channelToProto } from "./notification-mapping.js";

const STATUSES: [DeliveryStatus, DeliveryStatusName][] = [
  [DeliveryStatus.DELIVERY_STATUS_PENDING, "pending"],
  [DeliveryStatus.DELIVERY_STATUS_SENT, "sent"],
  [DeliveryStatus.DELIVERY_STATUS_DEFERRED, "deferred"],
  [DeliveryStatus.DELIVERY_STATUS_DIGEST, "digest"],
  [DeliveryStatus.DELIVERY_STATUS_DIGESTED, "digested"],
  [DeliveryStatus.DELIVERY_STATUS_FAILED, "failed"],
  [DeliveryStatus.DELIVERY_STATUS_SKIPPED, "skipped"],
];

export function deliveryStatusToProto(status: DeliveryStatusName): DeliveryStatus {
  return STATUSES.find(([, s]) => s === status)?.[0] ?? DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED;
}

export function deliveryStatusFromProto(status: DeliveryStatus): DeliveryStatusName | undefined {
  return STATUSES.find(([p]) => p === status)?.[1];
}

export function toProtoDelivery(d: DeliveryDoc): Delivery {
  return {
    id: d._id,
    channel: channelToProto(d.channel),
    status: deliveryStatusToProto(d.status),
    attempts: d.attempts,
    notBefore: d.notBefore ?? undefined,
    sentAt: d.sentAt ?? undefined,
    lastError: d.lastError ?? "",
    digestId: d.digestId ?? "",
    createdAt: d.createdAt ?? undefined,
    updatedAt: d.updatedAt ?? undefined,
    target: d.target ?? "",
    responseStatus: d.responseStatus ?? 0,
  };
}

export function toProtoDeliveryRecord(d: DeliveryDoc): DeliveryRecord {
  return {
    delivery: toProtoDelivery(d),
    recipientId: d.recipientId,
    eventId: d.eventId,
    eventType: d.eventType,
    notificationId: d.notificationId ?? "",
    webhookId: d.webhookId ?? "",
  };
}

export function toProtoWebhook(w: Omit<WebhookDoc, "secret">): Webhook {
  return {
    id: w._id,
    url: w.url,
    eventTypes: [...w.eventTypes],
    description: w.description,
    active: w.active,
    createdAt: w.createdAt,
    createdBy: w.createdBy,
  };
}
