/**
 * A new delivery document: what the fan-out, the digest (and tests) say of it, with the fields every new
 * delivery starts with filled in — no attempt yet, not leased, not sent, no error, in no digest, due
 * from its creation unless told otherwise.
 */
import type { DeliveryDoc } from "./documents.js";

type StartingFields =
  | "attempts"
  | "notBefore"
  | "retryAt"
  | "leaseUntil"
  | "sentAt"
  | "lastError"
  | "responseStatus"
  | "digestId"
  | "createdAt"
  | "updatedAt";

export type NewDelivery = Omit<DeliveryDoc, StartingFields> & Partial<Pick<DeliveryDoc, StartingFields>>;

export function newDelivery(fields: NewDelivery, now: Date): DeliveryDoc {
  return {
    attempts: 0,
    notBefore: now,
    retryAt: null,
    leaseUntil: null,
    sentAt: null,
    lastError: null,
    responseStatus: null,
    digestId: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}
