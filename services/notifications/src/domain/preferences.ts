/**
 * What a person's preferences decide for one notification: whether it goes to the inbox, and how and
 * when the email goes. Critical notifications ignore preferences and quiet hours.
 */
import type { ChannelPreferenceDoc, PreferencesDoc } from "../store/documents.js";
import { quietHoursEnd } from "./local-time.js";
import type { DeliveryModeName } from "./model.js";

export const DEFAULT_QUIET_HOURS = { enabled: false, start: "22:00", end: "06:30" } as const;

export interface EmailPlan {
  status: "pending" | "deferred" | "digest" | "skipped";
  notBefore: Date;
  /** Why it is skipped or deferred, for the delivery log. */
  reason?: string;
}

export function modeOf(
  prefs: PreferencesDoc | undefined,
  category: string,
  channel: ChannelPreferenceDoc["channel"],
): DeliveryModeName | undefined {
  return prefs?.channels.find((c) => c.category === category && c.channel === channel)?.mode;
}

export function inboxWanted(prefs: PreferencesDoc | undefined, category: string, critical: boolean): boolean {
  return critical || modeOf(prefs, category, "inbox") !== "off";
}

export function planEmail(opts: {
  prefs: PreferencesDoc | undefined;
  category: string;
  defaultMode: Exclude<DeliveryModeName, "off">;
  critical: boolean;
  hasAddress: boolean;
  now: Date;
  timeZone: string;
}): EmailPlan {
  const { prefs, now } = opts;
  if (!opts.hasAddress) return { status: "skipped", notBefore: now, reason: "Không có địa chỉ thư / no email address" };
  if (opts.critical) return { status: "pending", notBefore: now };
  const mode = modeOf(prefs, opts.category, "email") ?? opts.defaultMode;
  if (mode === "off")
    return { status: "skipped", notBefore: now, reason: "Người nhận đã tắt thư cho nhóm này / turned off by the recipient" };
  if (mode === "digest") return { status: "digest", notBefore: now };
  const quiet = prefs?.quietHours;
  const until = quiet?.enabled ? quietHoursEnd(now, opts.timeZone, quiet.start, quiet.end) : undefined;
  if (until) return { status: "deferred", notBefore: until, reason: "Giờ yên lặng / quiet hours" };
  return { status: "pending", notBefore: now };
}
