/**
 * The agenda's own rules of the meeting's life, beside those of lifecycle.ts and with the same
 * refusals: FAILED_PRECONDITION with a stable reason (MEETING_CANCELLED for a cancelled meeting) and
 * both languages.
 */
import { FailedPrecondition } from "@ministry/platform";
import { STATUS_WORDS } from "./lifecycle.js";
import type { Meeting } from "./model.js";

function refusal(m: Pick<Meeting, "status">, vi: string, en: string, reason: string): FailedPrecondition {
  return new FailedPrecondition(`${vi} / ${en}`, m.status === "cancelled" ? "MEETING_CANCELLED" : reason, { status: m.status });
}

/** Which item is under discussion: only while the meeting runs. */
export function assertInProgress(m: Pick<Meeting, "status">): void {
  if (m.status === "in_progress") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(
    m,
    `Cuộc họp ${s.vi}: không có mục đang thảo luận`,
    `The meeting is ${s.en}: no item is under discussion`,
    "MEETING_NOT_IN_PROGRESS",
  );
}

/**
 * A report frozen into an item: while the meeting is prepared, held or awaits its conclusions; never
 * once concluded (the record is final) or cancelled.
 */
export function assertReportAttachable(m: Pick<Meeting, "status">): void {
  if (m.status !== "concluded" && m.status !== "cancelled") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(m, `Cuộc họp ${s.vi}: không thể gắn báo cáo`, `The meeting is ${s.en}: no report can be attached`, "MEETING_CLOSED");
}
