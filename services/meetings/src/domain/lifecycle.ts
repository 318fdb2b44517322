/**
 * The meeting's life: draft → scheduled → in progress → ended → concluded, or cancelled from draft or
 * scheduled. An illegal step is FAILED_PRECONDITION with a stable reason and both languages.
 */
import { FailedPrecondition } from "@ministry/platform";
import type { Meeting, MeetingStatus } from "./model.js";

export const STATUS_WORDS: Record<MeetingStatus, { vi: string; en: string }> = {
  draft: { vi: "dự thảo", en: "draft" },
  scheduled: { vi: "đã lên lịch", en: "scheduled" },
  in_progress: { vi: "đang họp", en: "in progress" },
  ended: { vi: "đã kết thúc", en: "ended" },
  concluded: { vi: "đã kết luận", en: "concluded" },
  cancelled: { vi: "đã hủy", en: "cancelled" },
};

const NEXT: Record<string, { from: readonly MeetingStatus[]; reason: string }> = {
  schedule: { from: ["draft"], reason: "MEETING_NOT_DRAFT" },
  reschedule: { from: ["draft", "scheduled"], reason: "MEETING_NOT_SCHEDULED" },
  cancel: { from: ["draft", "scheduled"], reason: "MEETING_NOT_CANCELLABLE" },
  start: { from: ["scheduled"], reason: "MEETING_NOT_SCHEDULED" },
  end: { from: ["in_progress"], reason: "MEETING_NOT_IN_PROGRESS" },
  conclude: { from: ["ended"], reason: "MEETING_NOT_ENDED" },
};

export type Transition = keyof typeof NEXT;

const ACTIONS: Record<Transition, { vi: string; en: string }> = {
  schedule: { vi: "lên lịch", en: "scheduled" },
  reschedule: { vi: "dời lịch", en: "rescheduled" },
  cancel: { vi: "hủy", en: "cancelled" },
  start: { vi: "bắt đầu", en: "started" },
  end: { vi: "kết thúc", en: "ended" },
  conclude: { vi: "kết luận", en: "concluded" },
};

function refusal(m: Pick<Meeting, "status">, vi: string, en: string, reason: string): FailedPrecondition {
  return new FailedPrecondition(`${vi} / ${en}`, m.status === "cancelled" ? "MEETING_CANCELLED" : reason, { status: m.status });
}

export function assertTransition(m: Pick<Meeting, "status">, t: Transition): void {
  const rule = NEXT[t];
  if (!rule || rule.from.includes(m.status)) return;
  const s = STATUS_WORDS[m.status];
  throw refusal(m, `Cuộc họp ${s.vi} không thể ${ACTIONS[t].vi}`, `A meeting that is ${s.en} cannot be ${ACTIONS[t].en}`, rule.reason);
}

/** Changing what the meeting is (title, agenda, sites, invitations): before it has ended. */
export function assertPlannable(m: Pick<Meeting, "status">, what: { vi: string; en: string }): void {
  if (m.status === "draft" || m.status === "scheduled" || m.status === "in_progress") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(m, `Cuộc họp ${s.vi}: không thể thay đổi ${what.vi}`, `The meeting is ${s.en}: ${what.en} cannot change`, "MEETING_CLOSED");
}

/** The meeting's details (title, place, chair...): before it starts. */
export function assertEditable(m: Pick<Meeting, "status">): void {
  if (m.status === "draft" || m.status === "scheduled") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(
    m,
    `Cuộc họp ${s.vi}: không thể sửa thông tin cuộc họp`,
    `The meeting is ${s.en}: its details cannot change`,
    m.status === "in_progress" ? "MEETING_STARTED" : "MEETING_CLOSED",
  );
}

/** Minutes and conclusions: while the meeting runs or after it ended, until it is concluded. */
export function assertRecordable(m: Pick<Meeting, "status">, what: { vi: string; en: string }): void {
  if (m.status === "in_progress" || m.status === "ended") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(
    m,
    `Cuộc họp ${s.vi}: chưa thể hoặc không còn ghi ${what.vi}`,
    `The meeting is ${s.en}: ${what.en} cannot be recorded`,
    m.status === "concluded" ? "MEETING_CONCLUDED" : "MEETING_NOT_HELD",
  );
}

/** Discussion: while the meeting runs (comments may be sent ahead too, once it is scheduled). */
export function assertDiscussable(m: Pick<Meeting, "status">): void {
  if (m.status === "scheduled" || m.status === "in_progress") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(m, `Cuộc họp ${s.vi}: không nhận ý kiến`, `The meeting is ${s.en}: it takes no comments`, "MEETING_NOT_OPEN");
}

/**
 * Check-in and check-out: a scheduled meeting from `opensBeforeMin` minutes before its start, or one in
 * progress; never a draft, cancelled, ended or concluded one.
 */
export function assertCheckInOpen(m: Pick<Meeting, "status" | "start">, now: Date, opensBeforeMin: number): void {
  if (m.status === "in_progress") return;
  if (m.status === "scheduled") {
    const opens = new Date(m.start.getTime() - opensBeforeMin * 60_000);
    if (now.getTime() >= opens.getTime()) return;
    throw new FailedPrecondition(
      `Chưa đến giờ điểm danh: mở lúc ${vietnamTime(opens)} (${opensBeforeMin} phút trước giờ họp) / Check-in is not open yet: it opens at ${opens.toISOString()} (${opensBeforeMin} minutes before the start)`,
      "CHECK_IN_NOT_OPEN",
      { opens_at: opens.toISOString() },
    );
  }
  const s = STATUS_WORDS[m.status];
  throw refusal(m, `Cuộc họp ${s.vi}: không điểm danh`, `The meeting is ${s.en}: no check-in`, "CHECK_IN_CLOSED");
}

/** Answering an invitation: before the meeting starts. */
export function assertRespondable(m: Pick<Meeting, "status">): void {
  if (m.status === "draft" || m.status === "scheduled") return;
  const s = STATUS_WORDS[m.status];
  throw refusal(
    m,
    `Cuộc họp ${s.vi}: không thể trả lời lời mời`,
    `The meeting is ${s.en}: invitations can no longer be answered`,
    "MEETING_STARTED",
  );
}

const VN_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Ho_Chi_Minh",
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** "08:30 30/03/2020", Vietnam time. */
export function vietnamTime(d: Date): string {
  const parts = Object.fromEntries(VN_TIME.formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}/${parts.year}`;
}
