/**
 * The meetings service's notices, as this service reads them, and who is told of each. The meetings
 * service names the people itself (`recipient_ids`, at most 500 per event: a large audience gets several
 * events, part 1 of n...), so these rules resolve no audience of their own: each id is a person selector.
 *
 * | event              | recipients                                                     | category | critical                      |
 * |--------------------|----------------------------------------------------------------|----------|-------------------------------|
 * | notice.invited     | the notice's people                                            | meeting  | no                            |
 * | notice.rescheduled | the notice's people                                            | meeting  | old or new start within 24 h  |
 * | notice.cancelled   | the notice's people                                            | meeting  | start within 24 h             |
 * | notice.reminder    | the notice's people                                            | meeting  | no                            |
 * | notice.concluded   | the notice's people; with part 1, the lead units' heads        | meeting  | no                            |
 *
 * Whoever caused a notice (its actor) is left out of its recipients. The stream's other events
 * (meetings.meeting.*, .attendance.*, .invitation.*) have no rule: the consumer acknowledges and ignores them.
 */
import { defineEvent } from "@ministry/platform";
import type { UnitRef } from "@ministry/proto/ministry/common/v1/common";
import { MeetingNotice, type MeetingSummary } from "@ministry/proto/ministry/meetings/v1/events";
import { MeetingKind, MeetingMode, MeetingStatus, type PersonRef } from "@ministry/proto/ministry/meetings/v1/meetings";
import type { Selector } from "../domain/model.js";
import type { NotificationRule, RuleSet, TemplateData } from "./types.js";

const notice = { service: "meetings", aggregate: "notice" } as const;

/** The meetings service's notices this service consumes (subjects `meetings.notice.<kind>`). */
export const MeetingEvents = {
  invited: defineEvent({ ...notice, event: "invited", message: MeetingNotice }),
  rescheduled: defineEvent({ ...notice, event: "rescheduled", message: MeetingNotice }),
  cancelled: defineEvent({ ...notice, event: "cancelled", message: MeetingNotice }),
  reminder: defineEvent({ ...notice, event: "reminder", message: MeetingNotice }),
  concluded: defineEvent({ ...notice, event: "concluded", message: MeetingNotice }),
};

/** A change this close to the start must reach people at once, whatever their preferences and quiet hours. */
export const URGENT_CHANGE_MS = 24 * 3600_000;

// ------------------------------------------------------------------------------------------ selectors

/** Each distinct, non-empty id once, as a person. */
function people(ids: readonly string[]): Selector[] {
  const distinct = new Set(ids.map((id) => id.trim()).filter((id) => id !== ""));
  return [...distinct].map((value) => ({ kind: "person", value }));
}

/** The heads of the directives' lead units: told once, with part 1, however many parts the audience takes. */
function leadUnitHeads(e: MeetingNotice): Selector[] {
  if (e.part > 1) return [];
  const distinct = new Set(e.leadUnits.map((u) => u.id.trim()).filter((id) => id !== ""));
  return [...distinct].map((value) => ({ kind: "unit_head", value }));
}

// ------------------------------------------------------------------------------------------- critical

/**
 * Whether a change made at `at` comes within 24 hours of the meeting's start (for a reschedule: of the
 * old start or the new one, whichever is sooner; one already past counts too). Without the time of the
 * change the notice is treated as urgent: a meeting change told at night is better than one missed.
 */
export function isUrgentChange(e: MeetingNotice, at: Date | undefined): boolean {
  if (!at) return true;
  const starts = [e.previousStart, e.meeting?.start].filter((d): d is Date => d instanceof Date);
  if (starts.length === 0) return true;
  const soonest = Math.min(...starts.map((d) => d.getTime()));
  return soonest - at.getTime() <= URGENT_CHANGE_MS;
}

// ----------------------------------------------------------------------------------------------- data

const KIND_LABELS: Record<MeetingKind, { vi: string; en: string }> = {
  [MeetingKind.MEETING_KIND_WEEKLY_BRIEFING]: { vi: "Giao ban tuần", en: "Weekly briefing" },
  [MeetingKind.MEETING_KIND_MONTHLY_BRIEFING]: { vi: "Giao ban tháng", en: "Monthly briefing" },
  [MeetingKind.MEETING_KIND_QUARTERLY_BRIEFING]: { vi: "Giao ban quý", en: "Quarterly briefing" },
  [MeetingKind.MEETING_KIND_THEMATIC]: { vi: "Họp chuyên đề", en: "Thematic meeting" },
  [MeetingKind.MEETING_KIND_NATIONAL_CONFERENCE]: { vi: "Hội nghị trực tuyến toàn quốc", en: "National online conference" },
  [MeetingKind.MEETING_KIND_OTHER]: { vi: "Cuộc họp", en: "Meeting" },
  [MeetingKind.MEETING_KIND_UNSPECIFIED]: { vi: "Cuộc họp", en: "Meeting" },
  [MeetingKind.UNRECOGNIZED]: { vi: "Cuộc họp", en: "Meeting" },
};

const MODE_LABELS: Record<MeetingMode, { vi: string; en: string }> = {
  [MeetingMode.MEETING_MODE_IN_PERSON]: { vi: "Trực tiếp", en: "In person" },
  [MeetingMode.MEETING_MODE_ONLINE]: { vi: "Trực tuyến", en: "Online" },
  [MeetingMode.MEETING_MODE_HYBRID]: { vi: "Trực tiếp kết hợp trực tuyến", en: "In person and online" },
  [MeetingMode.MEETING_MODE_UNSPECIFIED]: { vi: "", en: "" },
  [MeetingMode.UNRECOGNIZED]: { vi: "", en: "" },
};

export function meetingKindLabel(kind: MeetingKind | undefined): { vi: string; en: string } {
  return KIND_LABELS[kind ?? MeetingKind.MEETING_KIND_UNSPECIFIED] ?? KIND_LABELS[MeetingKind.MEETING_KIND_OTHER];
}

/** How long before the start a reminder comes, in words: "60 phút", "2 giờ", "1 ngày" / "60 minutes", "2 hours", "1 day". */
export function leadTimeLabel(minutes: number): { vi: string; en: string } {
  const n = Math.max(0, Math.round(minutes));
  const plural = (k: number, one: string) => `${k} ${one}${k === 1 ? "" : "s"}`;
  if (n >= 1440 && n % 1440 === 0) return { vi: `${n / 1440} ngày`, en: plural(n / 1440, "day") };
  if (n >= 120 && n % 60 === 0) return { vi: `${n / 60} giờ`, en: plural(n / 60, "hour") };
  if (n >= 120) {
    const h = Math.floor(n / 60);
    const m = n % 60;
    return { vi: `${h} giờ ${m} phút`, en: `${plural(h, "hour")} ${plural(m, "minute")}` };
  }
  return { vi: `${n} phút`, en: plural(n, "minute") };
}

/** Who chairs, as each language writes it: "Bộ trưởng Trịnh Quốc Khánh" / "Trịnh Quốc Khánh (Bộ trưởng)". */
export function chairLabel(chair: PersonRef | undefined): { vi: string; en: string } {
  const name = chair?.fullName?.trim() ?? "";
  const position = chair?.position?.trim() ?? "";
  if (!name) return { vi: position, en: position };
  if (!position) return { vi: name, en: name };
  return { vi: `${position} ${name}`, en: `${name} (${position})` };
}

/** What every meeting message shows: the meeting, when and where it is, who chairs it, and where it is in the portal. */
function meetingData(m: MeetingSummary | undefined): TemplateData {
  const id = m?.meetingId ?? "";
  return {
    meeting: {
      id,
      title: m?.title ?? "",
      kind: meetingKindLabel(m?.kind),
      mode: MODE_LABELS[m?.mode ?? MeetingMode.MEETING_MODE_UNSPECIFIED] ?? { vi: "", en: "" },
      start: m?.start ?? null,
      plannedEnd: m?.plannedEnd ?? null,
      place: m?.place ?? "",
      chair: chairLabel(m?.chair),
      chairName: m?.chair?.fullName ?? "",
      chairPosition: m?.chair?.position ?? "",
      organizerUnitName: m?.organizerUnit?.name || m?.organizerUnit?.id || "",
      videoUrl: m?.videoUrl ?? "",
    },
    link: `/meetings/${encodeURIComponent(id)}`,
  };
}

function noticeData(e: MeetingNotice): TemplateData {
  return {
    ...meetingData(e.meeting),
    actorName: e.actor?.displayName || e.actor?.userId || "",
    previousStart: e.previousStart ?? null,
    reason: e.reason,
    minutesBefore: e.minutesBefore,
    leadTime: leadTimeLabel(e.minutesBefore),
    conclusionCount: e.conclusionCount,
    directiveCount: e.directiveCount,
    leadUnitNames: e.leadUnits.map((u: UnitRef) => u.name || u.id),
  };
}

// ---------------------------------------------------------------------------------------------- rules

type MeetingRule = NotificationRule<MeetingNotice>;

function rule(event: (typeof MeetingEvents)[keyof typeof MeetingEvents], over: Partial<MeetingRule> = {}): MeetingRule {
  return {
    event,
    category: "meeting",
    critical: () => false,
    recipients: (e) => people(e.recipientIds),
    actorId: (e) => e.actor?.userId?.trim() || undefined,
    subject: (e) => ({ type: "meeting", id: e.meeting?.meetingId ?? "" }),
    data: (e) => noticeData(e),
    ...over,
  };
}

export const MEETING_RULES: RuleSet = {
  producer: "meetings",
  rules: [
    rule(MeetingEvents.invited),
    rule(MeetingEvents.rescheduled, { critical: (e, at) => isUrgentChange(e, at) }),
    rule(MeetingEvents.cancelled, { critical: (e, at) => isUrgentChange(e, at) }),
    // A reminder held until quiet hours end would arrive after the meeting began: it is never held.
    rule(MeetingEvents.reminder, { critical: () => true }),
    rule(MeetingEvents.concluded, { recipients: (e) => [...people(e.recipientIds), ...leadUnitHeads(e)] }),
  ],
};

// -------------------------------------------------------------------------------------------- samples

/** The Ministry's monthly briefing as the seeded directory would have it: what previews and tests render. */
function sampleMeeting(over: Partial<MeetingSummary> = {}): MeetingSummary {
  return {
    meetingId: "m-2020-03-gbt",
    title: "Giao ban công tác tháng 3 năm 2020",
    kind: MeetingKind.MEETING_KIND_MONTHLY_BRIEFING,
    start: new Date("2020-03-30T01:30:00Z"),
    plannedEnd: new Date("2020-03-30T04:30:00Z"),
    mode: MeetingMode.MEETING_MODE_HYBRID,
    place: "Phòng họp tầng 3, trụ sở Bộ Nội vụ, 8 Tôn Thất Thuyết, Hà Nội",
    chair: { personId: "minister", fullName: "Trịnh Quốc Khánh", position: "Bộ trưởng", unit: undefined },
    secretary: { personId: "vp-staff", fullName: "Nguyễn Thu Trang", position: "Chuyên viên", unit: { id: "VP", name: "Văn phòng Bộ" } },
    organizerUnit: { id: "VP", name: "Văn phòng Bộ" },
    status: MeetingStatus.MEETING_STATUS_SCHEDULED,
    sequence: 0,
    videoUrl: "https://hop.moha.gov.vn/giao-ban-thang-3-2020",
    siteCount: 1,
    participantCount: 40,
    ...over,
  };
}

const office = {
  userId: "vp-deputy",
  displayName: "Phó Chánh Văn phòng",
  roles: ["office_staff"],
  unit: { id: "VP", name: "Văn phòng Bộ" },
};

function sampleNotice(over: Partial<MeetingNotice> = {}): MeetingNotice {
  return {
    meeting: sampleMeeting(),
    recipientIds: ["tccb-head", "pc-head", "khtc-head"],
    part: 1,
    parts: 1,
    actor: office,
    previousStart: undefined,
    reason: "",
    minutesBefore: 0,
    leadUnits: [],
    conclusionCount: 0,
    directiveCount: 0,
    ...over,
  };
}

/** One realistic notice per rule's subject (event type). */
export const MEETING_SAMPLES: Record<string, unknown> = {
  [MeetingEvents.invited.subject]: sampleNotice(),
  [MeetingEvents.rescheduled.subject]: sampleNotice({
    meeting: sampleMeeting({ start: new Date("2020-03-31T07:00:00Z"), plannedEnd: new Date("2020-03-31T09:30:00Z"), sequence: 1 }),
    previousStart: new Date("2020-03-30T01:30:00Z"),
    reason: "Bộ trưởng dự họp Chính phủ sáng 30/3",
  }),
  [MeetingEvents.cancelled.subject]: sampleNotice({
    meeting: sampleMeeting({ status: MeetingStatus.MEETING_STATUS_CANCELLED, sequence: 1 }),
    reason: "Nội dung giao ban được lồng ghép vào Hội nghị sơ kết Quý I",
  }),
  [MeetingEvents.reminder.subject]: sampleNotice({ actor: undefined, minutesBefore: 60 }),
  [MeetingEvents.concluded.subject]: sampleNotice({
    meeting: sampleMeeting({ status: MeetingStatus.MEETING_STATUS_CONCLUDED }),
    actor: { userId: "minister", displayName: "Trịnh Quốc Khánh", roles: ["minister"], unit: undefined },
    leadUnits: [
      { id: "TCCB", name: "Vụ Tổ chức cán bộ" },
      { id: "PC", name: "Vụ Pháp chế" },
    ],
    conclusionCount: 5,
    directiveCount: 2,
  }),
};
