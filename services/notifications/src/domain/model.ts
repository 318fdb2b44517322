/**
 * The words the service works in: channels, delivery states, locales, a person's standing in a unit, and
 * the selectors recipients are named by. Pure types; the proto enums map to these in grpc/mapping.ts.
 */

export type ChannelName = "inbox" | "email" | "webhook";

/**
 * pending → sent | failed (retries with back-off in between); deferred (quiet hours, until notBefore) →
 * pending; digest (waits for the daily digest) → digested; skipped (channel off, no address).
 */
export type DeliveryStatusName = "pending" | "sent" | "deferred" | "digest" | "digested" | "failed" | "skipped";

export type Locale = "vi" | "en";
export const LOCALES: readonly Locale[] = ["vi", "en"];
export const DEFAULT_LOCALE: Locale = "vi";
export const DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh";

export type UnitRoleName = "head" | "deputy" | "member";

/** How a rule or a caller names recipients; the directory turns them into people. */
export type SelectorKind = "person" | "unit_leaders" | "unit_head" | "role" | "unit_members";
export interface Selector {
  kind: SelectorKind;
  value: string;
}

/** Email delivery of a category, per person: at once, in the daily digest, or not at all. */
export type DeliveryModeName = "immediate" | "digest" | "off";

/** What a notification is about, for a link in the portal. */
export interface SubjectRef {
  type: string;
  id: string;
}
