import type { MeetingNotice, MeetingSummary } from "@ministry/proto/ministry/meetings/v1/events";
import { MeetingKind } from "@ministry/proto/ministry/meetings/v1/meetings";
import type { Db } from "mongodb";
import { describe, expect, it } from "vitest";
import { categoryById, RULE_SETS, ruleFor, sampleFor } from "../../src/rules/index.js";
import {
  chairLabel,
  isUrgentChange,
  leadTimeLabel,
  MEETING_RULES,
  MEETING_SAMPLES,
  MeetingEvents,
  meetingKindLabel,
} from "../../src/rules/meetings.js";
import type { NotificationRule } from "../../src/rules/types.js";
import { HandlebarsRenderer, sampleTemplateData } from "../../src/templates/index.js";

const env = { officeUnitId: "VP" };

const EVENT_TYPES = [
  "meetings.notice.invited",
  "meetings.notice.rescheduled",
  "meetings.notice.cancelled",
  "meetings.notice.reminder",
  "meetings.notice.concluded",
];

/** A meeting rule: `critical` takes the time of the change as well. */
type MeetingRule = Omit<NotificationRule<MeetingNotice>, "critical"> & { critical(e: MeetingNotice, at?: Date): boolean };

function rule(type: string): MeetingRule {
  const r = ruleFor(type);
  if (!r) throw new Error(`no rule for ${type}`);
  return r as MeetingRule;
}

function sample(type: string): MeetingNotice {
  return structuredClone(sampleFor(type)) as MeetingNotice;
}

const HOUR = 3600_000;

describe("the meetings rules table", () => {
  it("has a rule and a sample for every notice kind, read from the MEETINGS stream, and no rule for the stream's other events", () => {
    expect(MEETING_RULES.producer).toBe("meetings");
    expect(MEETING_RULES.rules.map((r) => r.event.subject).sort()).toEqual([...EVENT_TYPES].sort());
    expect(Object.keys(MEETING_SAMPLES).sort()).toEqual([...EVENT_TYPES].sort());
    expect(RULE_SETS).toContain(MEETING_RULES);
    expect(Object.values(MeetingEvents).map((e) => e.subject)).toEqual(EVENT_TYPES);
    for (const other of [
      "meetings.meeting.started",
      "meetings.meeting.concluded",
      "meetings.attendance.recorded",
      "meetings.invitation.responded",
    ])
      expect(ruleFor(other), other).toBeUndefined();
  });

  it("files every notice under the meeting category, immediate by email, with critical notices", () => {
    for (const t of EVENT_TYPES) expect(rule(t).category, t).toBe("meeting");
    expect(categoryById("meeting")).toEqual({
      id: "meeting",
      name: { vi: "Họp, hội nghị", en: "Meetings" },
      defaultEmailMode: "immediate",
      hasCritical: true,
    });
  });

  it("samples are valid MeetingNotice messages (they survive the protobuf round trip)", () => {
    for (const r of MEETING_RULES.rules) {
      const s = sampleFor(r.event.subject);
      const bytes = r.event.codec.encode(s).finish();
      expect(r.event.codec.decode(bytes), r.event.subject).toEqual(s);
    }
  });

  it("every notice is about its meeting", () => {
    for (const t of EVENT_TYPES) expect(rule(t).subject(sample(t)), t).toEqual({ type: "meeting", id: "m-2020-03-gbt" });
  });
});

describe("recipients", () => {
  it("each of the notice's people once, as a person; the actor left out", () => {
    for (const t of ["meetings.notice.invited", "meetings.notice.rescheduled", "meetings.notice.cancelled", "meetings.notice.reminder"]) {
      const e = sample(t);
      e.recipientIds = ["tccb-head", " vp-head ", "", "tccb-head", "pc-staff"];
      expect(rule(t).recipients(e, env), t).toEqual([
        { kind: "person", value: "tccb-head" },
        { kind: "person", value: "vp-head" },
        { kind: "person", value: "pc-staff" },
      ]);
    }
    expect(rule("meetings.notice.invited").actorId(sample("meetings.notice.invited"))).toBe("vp-deputy");
  });

  it("a notice without an actor (the reminder) leaves nobody out", () => {
    expect(rule("meetings.notice.reminder").actorId(sample("meetings.notice.reminder"))).toBeUndefined();
  });

  it("concluded: the people and, with part 1 only, the heads of the directives' lead units", () => {
    const e = sample("meetings.notice.concluded");
    e.leadUnits.push({ id: "TCCB", name: "Vụ Tổ chức cán bộ" }, { id: " ", name: "" });
    e.parts = 3;
    expect(rule("meetings.notice.concluded").recipients(e, env)).toEqual([
      { kind: "person", value: "tccb-head" },
      { kind: "person", value: "pc-head" },
      { kind: "person", value: "khtc-head" },
      { kind: "unit_head", value: "TCCB" },
      { kind: "unit_head", value: "PC" },
    ]);
    e.part = 2;
    e.recipientIds = ["vp-staff"];
    expect(rule("meetings.notice.concluded").recipients(e, env)).toEqual([{ kind: "person", value: "vp-staff" }]);
  });

  it("the heads of lead units are told of a conclusion only", () => {
    const e = sample("meetings.notice.invited");
    e.leadUnits = [{ id: "PC", name: "Vụ Pháp chế" }];
    expect(rule("meetings.notice.invited").recipients(e, env)).not.toContainEqual({ kind: "unit_head", value: "PC" });
  });
});

describe("critical: a cancellation or a reschedule within 24 hours of the start", () => {
  const start = new Date("2020-03-30T01:30:00Z");
  function notice(type: string, over: Partial<MeetingNotice> = {}, meeting: Partial<MeetingSummary> = {}): MeetingNotice {
    const e = sample(type);
    return { ...e, ...over, meeting: { ...(e.meeting as MeetingSummary), start, ...meeting } };
  }

  it("cancelled: critical from 24 hours before the start on, not before", () => {
    const r = rule("meetings.notice.cancelled");
    expect(r.critical(notice("meetings.notice.cancelled"), new Date(start.getTime() - 24 * HOUR))).toBe(true);
    expect(r.critical(notice("meetings.notice.cancelled"), new Date(start.getTime() - 2 * HOUR))).toBe(true);
    expect(r.critical(notice("meetings.notice.cancelled"), new Date(start.getTime() - 24 * HOUR - 1))).toBe(false);
    expect(r.critical(notice("meetings.notice.cancelled"), new Date(start.getTime() - 7 * 24 * HOUR))).toBe(false);
    // Cancelled once it has begun: all the more urgent.
    expect(r.critical(notice("meetings.notice.cancelled"), new Date(start.getTime() + HOUR))).toBe(true);
  });

  it("rescheduled: critical when the old start or the new one is within 24 hours", () => {
    const r = rule("meetings.notice.rescheduled");
    const at = new Date(start.getTime() - 7 * 24 * HOUR);
    const later = new Date(start.getTime() + 7 * 24 * HOUR);
    // Next week's meeting moved to the week after: nothing urgent.
    expect(
      r.critical(notice("meetings.notice.rescheduled", { previousStart: new Date(start.getTime() + HOUR) }, { start: later }), at),
    ).toBe(false);
    // Tomorrow morning's meeting moved to next week: those expecting it tomorrow must know tonight.
    expect(
      r.critical(notice("meetings.notice.rescheduled", { previousStart: start }, { start: later }), new Date(start.getTime() - 10 * HOUR)),
    ).toBe(true);
    // Next week's meeting brought forward to tomorrow.
    expect(
      r.critical(notice("meetings.notice.rescheduled", { previousStart: later }, { start }), new Date(start.getTime() - 20 * HOUR)),
    ).toBe(true);
  });

  it("without the time of the change a cancellation or reschedule counts as urgent", () => {
    expect(rule("meetings.notice.cancelled").critical(sample("meetings.notice.cancelled"))).toBe(true);
    expect(isUrgentChange(sample("meetings.notice.rescheduled"), undefined)).toBe(true);
  });

  it("an invitation and the conclusions are never critical; a reminder always is (held past quiet hours, it would come after the start)", () => {
    for (const t of ["meetings.notice.invited", "meetings.notice.concluded"])
      expect(rule(t).critical(notice(t), new Date(start.getTime() - HOUR)), t).toBe(false);
    expect(rule("meetings.notice.reminder").critical(notice("meetings.notice.reminder"), new Date(start.getTime() - HOUR))).toBe(true);
  });
});

describe("template data", () => {
  it("carries the meeting: title, kind in both languages, times as Dates, place, chair, video link, link", () => {
    const data = rule("meetings.notice.invited").data(sample("meetings.notice.invited"), env);
    expect(data).toMatchObject({
      meeting: {
        id: "m-2020-03-gbt",
        title: "Giao ban công tác tháng 3 năm 2020",
        kind: { vi: "Giao ban tháng", en: "Monthly briefing" },
        mode: { vi: "Trực tiếp kết hợp trực tuyến", en: "In person and online" },
        place: expect.stringContaining("8 Tôn Thất Thuyết"),
        chair: { vi: "Bộ trưởng Trịnh Quốc Khánh", en: "Trịnh Quốc Khánh (Bộ trưởng)" },
        chairName: "Trịnh Quốc Khánh",
        chairPosition: "Bộ trưởng",
        organizerUnitName: "Văn phòng Bộ",
        videoUrl: "https://hop.moha.gov.vn/giao-ban-thang-3-2020",
      },
      actorName: "Phó Chánh Văn phòng",
      link: "/meetings/m-2020-03-gbt",
    });
    const meeting = data.meeting as { start: Date; plannedEnd: Date };
    expect(meeting.start).toBeInstanceOf(Date);
    expect(meeting.start.toISOString()).toBe("2020-03-30T01:30:00.000Z");
    expect(meeting.plannedEnd.toISOString()).toBe("2020-03-30T04:30:00.000Z");
  });

  it("rescheduled and cancelled: the previous start and the reason; reminder: the minutes; concluded: the counts", () => {
    const moved = rule("meetings.notice.rescheduled").data(sample("meetings.notice.rescheduled"), env);
    expect((moved.previousStart as Date).toISOString()).toBe("2020-03-30T01:30:00.000Z");
    expect(moved.reason).toContain("họp Chính phủ");
    expect(rule("meetings.notice.cancelled").data(sample("meetings.notice.cancelled"), env).reason).toContain("Quý I");
    expect(rule("meetings.notice.reminder").data(sample("meetings.notice.reminder"), env)).toMatchObject({
      minutesBefore: 60,
      leadTime: { vi: "60 phút", en: "60 minutes" },
    });
    expect(rule("meetings.notice.concluded").data(sample("meetings.notice.concluded"), env)).toMatchObject({
      conclusionCount: 5,
      directiveCount: 2,
      leadUnitNames: ["Vụ Tổ chức cán bộ", "Vụ Pháp chế"],
    });
  });

  it("labels every kind in both languages, and a reminder's lead time in words", () => {
    expect(meetingKindLabel(MeetingKind.MEETING_KIND_WEEKLY_BRIEFING)).toEqual({ vi: "Giao ban tuần", en: "Weekly briefing" });
    expect(meetingKindLabel(MeetingKind.MEETING_KIND_QUARTERLY_BRIEFING)).toEqual({ vi: "Giao ban quý", en: "Quarterly briefing" });
    expect(meetingKindLabel(MeetingKind.MEETING_KIND_THEMATIC).vi).toBe("Họp chuyên đề");
    expect(meetingKindLabel(MeetingKind.MEETING_KIND_NATIONAL_CONFERENCE).vi).toBe("Hội nghị trực tuyến toàn quốc");
    expect(meetingKindLabel(MeetingKind.UNRECOGNIZED)).toEqual({ vi: "Cuộc họp", en: "Meeting" });
    expect(leadTimeLabel(15)).toEqual({ vi: "15 phút", en: "15 minutes" });
    expect(leadTimeLabel(1)).toEqual({ vi: "1 phút", en: "1 minute" });
    expect(leadTimeLabel(180)).toEqual({ vi: "3 giờ", en: "3 hours" });
    expect(leadTimeLabel(150)).toEqual({ vi: "2 giờ 30 phút", en: "2 hours 30 minutes" });
    expect(leadTimeLabel(1440)).toEqual({ vi: "1 ngày", en: "1 day" });
    expect(chairLabel(undefined)).toEqual({ vi: "", en: "" });
    expect(chairLabel({ personId: "x", fullName: "Trần Văn Hùng", position: "", unit: undefined })).toEqual({
      vi: "Trần Văn Hùng",
      en: "Trần Văn Hùng",
    });
  });
});

describe("the built-in messages", () => {
  // render() never touches the database: only refresh() does.
  const renderer = new HandlebarsRenderer({} as Db);
  const reader = {
    locale: "vi" as const,
    timeZone: "Asia/Ho_Chi_Minh",
    recipientName: "Nguyễn Văn An",
    portalUrl: "https://congthongtin.moha.gov.vn",
  };
  const render = (eventType: string, channel: "inbox" | "email", locale: "vi" | "en" = "vi") =>
    renderer.render({ eventType, channel }, sampleTemplateData(eventType, env) ?? {}, { ...reader, locale });

  it("invited: Vietnamese first, the time in Vietnam, the place and the chair", () => {
    const mail = render("meetings.notice.invited", "email");
    expect(mail.subject).toBe("Mời họp: Giao ban công tác tháng 3 năm 2020");
    expect(mail.text).toContain("Thời gian: 08:30 30/03/2020");
    expect(mail.text).toContain("Dự kiến kết thúc: 11:30 30/03/2020");
    expect(mail.text).toContain("Địa điểm: Phòng họp tầng 3");
    expect(mail.text).toContain("Chủ trì: Bộ trưởng Trịnh Quốc Khánh");
    expect(mail.text).toContain("Đường dẫn họp trực tuyến: https://hop.moha.gov.vn/giao-ban-thang-3-2020");
    expect(mail.text).toContain("https://congthongtin.moha.gov.vn/meetings/m-2020-03-gbt");
    expect(render("meetings.notice.invited", "inbox", "en").subject).toBe("Meeting invitation: Giao ban công tác tháng 3 năm 2020");
  });

  it("rescheduled: the old and the new time and the reason; cancelled: the reason", () => {
    const moved = render("meetings.notice.rescheduled", "inbox");
    expect(moved.subject).toBe("Dời lịch họp: Giao ban công tác tháng 3 năm 2020");
    expect(moved.text).toContain("từ 08:30 30/03/2020 sang 14:00 31/03/2020");
    expect(moved.text).toContain("Lý do: Bộ trưởng dự họp Chính phủ sáng 30/3");
    const cancelled = render("meetings.notice.cancelled", "email");
    expect(cancelled.subject).toBe("Hủy cuộc họp: Giao ban công tác tháng 3 năm 2020");
    expect(cancelled.text).toContain("Lý do: Nội dung giao ban được lồng ghép vào Hội nghị sơ kết Quý I");
    expect(render("meetings.notice.cancelled", "inbox", "en").text).toContain("has been cancelled");
  });

  it("reminder: how long until the start; concluded: how many conclusions and directives", () => {
    expect(render("meetings.notice.reminder", "inbox").subject).toBe("Sắp đến giờ họp (còn 60 phút): Giao ban công tác tháng 3 năm 2020");
    expect(render("meetings.notice.reminder", "inbox", "en").subject).toBe(
      "Meeting soon (in 60 minutes): Giao ban công tác tháng 3 năm 2020",
    );
    const concluded = render("meetings.notice.concluded", "inbox");
    expect(concluded.subject).toBe("Kết luận cuộc họp: Giao ban công tác tháng 3 năm 2020");
    expect(concluded.text).toContain("5 nội dung kết luận, trong đó 2 nội dung chỉ đạo");
    expect(render("meetings.notice.concluded", "inbox", "en").text).toContain("5 conclusions, 2 of them directives");
  });

  it("a notice with nothing optional still reads whole: no place, chair, reason or video link", () => {
    const e = sample("meetings.notice.rescheduled");
    e.meeting = { ...(e.meeting as MeetingSummary), place: "", chair: undefined, videoUrl: "" };
    e.previousStart = undefined;
    e.reason = "";
    const data = rule("meetings.notice.rescheduled").data(e, env);
    const m = renderer.render({ eventType: "meetings.notice.rescheduled", channel: "email" }, data, reader);
    expect(m.text).toContain("đã được dời sang 14:00 31/03/2020.");
    expect(m.text).not.toMatch(/Địa điểm|Chủ trì|Lý do|undefined|\{\{/);
  });
});
