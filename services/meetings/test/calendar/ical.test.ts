import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { CALENDAR_TIME_ZONE, eventUid, renderCalendar, UID_DOMAIN } from "../../src/calendar/ical.js";
import type { Meeting } from "../../src/domain/model.js";

function meeting(over: Partial<Meeting> = {}): Meeting {
  const at = new Date("2020-03-20T02:00:00Z");
  return {
    _id: "m-2020-q1",
    kind: "quarterly_briefing",
    title: "Hội nghị giao ban quý I/2020 — Bộ Nội vụ",
    chair: { personId: "bt", fullName: "Lê Vĩnh Tân", position: "Bộ trưởng" },
    secretary: { personId: "cvp", fullName: "Nguyễn Thị Hà", position: "Chánh Văn phòng" },
    organizerUnit: { id: "VP", name: "Văn phòng Bộ" },
    // 08:00-11:30 on 30 March 2020 in Hà Nội
    start: new Date("2020-03-30T01:00:00Z"),
    plannedEnd: new Date("2020-03-30T04:30:00Z"),
    mode: "hybrid",
    place: "Phòng họp tầng 3, số 8 Tôn Thất Thuyết, Hà Nội",
    status: "scheduled",
    sequence: 2,
    reschedules: [],
    cancelReason: "",
    agenda: [
      { id: "a1", title: "Báo cáo kết quả công tác quý I", description: "", plannedMinutes: 30, documents: [], elapsedSeconds: 0 },
      { id: "a2", title: "Ý kiến các đơn vị; phương hướng quý II", description: "", plannedMinutes: 60, documents: [], elapsedSeconds: 0 },
    ],
    currentItemId: "",
    minutes: "",
    conclusions: [],
    centralSiteId: "central",
    siteCount: 1,
    participantCount: 0,
    version: 3,
    createdAt: at,
    updatedAt: new Date("2020-03-25T09:15:00Z"),
    createdBy: { userId: "cvp", displayName: "Nguyễn Thị Hà", roles: [], unit: undefined },
    ...over,
  };
}

function parse(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  return { cal, events: cal.getAllSubcomponents("vevent") };
}

describe("renderCalendar", () => {
  const video = "https://meet.bnv.gov.example/q1-2020";
  const text = renderCalendar("Lịch họp của Lê Vĩnh Tân", [
    { meeting: meeting(), videoUrl: video },
    {
      meeting: meeting({ _id: "m-cancelled", status: "cancelled", cancelReason: "Dịch COVID-19", sequence: 4, title: "Họp chuyên đề" }),
      videoUrl: "",
    },
  ]);
  const { cal, events } = parse(text);
  const [first, cancelled] = events;

  it("is a calendar with its name, time zone and one VEVENT per meeting", () => {
    expect(cal.getFirstPropertyValue("version")).toBe("2.0");
    expect(cal.getFirstPropertyValue("x-wr-calname")).toBe("Lịch họp của Lê Vĩnh Tân");
    expect(cal.getFirstPropertyValue("x-wr-timezone")).toBe(CALENDAR_TIME_ZONE);
    expect(events).toHaveLength(2);
    const zones = cal.getAllSubcomponents("vtimezone");
    expect(zones.map((z) => z.getFirstPropertyValue("tzid"))).toEqual([CALENDAR_TIME_ZONE]);
    const standard = zones[0].getFirstSubcomponent("standard");
    expect(standard?.getFirstPropertyValue("tzoffsetto")?.toString()).toBe("+07:00");
  });

  it("has a stable UID and the meeting's SEQUENCE", () => {
    expect(first.getFirstPropertyValue("uid")).toBe(`m-2020-q1@${UID_DOMAIN}`);
    expect(eventUid("m-2020-q1")).toBe(`m-2020-q1@${UID_DOMAIN}`);
    expect(first.getFirstPropertyValue("sequence")).toBe(2);
    expect(cancelled.getFirstPropertyValue("sequence")).toBe(4);
  });

  it("writes DTSTART and DTEND on Vietnam's clock with TZID, naming the right instants", () => {
    const dtstart = first.getFirstProperty("dtstart");
    expect(dtstart?.getParameter("tzid")).toBe(CALENDAR_TIME_ZONE);
    expect(text).toContain(`DTSTART;TZID=${CALENDAR_TIME_ZONE}:20200330T080000`);
    expect(text).toContain(`DTEND;TZID=${CALENDAR_TIME_ZONE}:20200330T113000`);
    // Resolved through the feed's own VTIMEZONE, not this process's zone.
    const zone = new ICAL.Timezone(cal.getFirstSubcomponent("vtimezone") as ICAL.Component);
    const event = new ICAL.Event(first);
    event.startDate.zone = zone;
    event.endDate.zone = zone;
    expect(event.startDate.toJSDate().toISOString()).toBe("2020-03-30T01:00:00.000Z");
    expect(event.endDate.toJSDate().toISOString()).toBe("2020-03-30T04:30:00.000Z");
  });

  it("writes DTSTAMP and LAST-MODIFIED in UTC", () => {
    expect(text).toContain("DTSTAMP:20200325T091500Z");
    expect(text).toContain("LAST-MODIFIED:20200325T091500Z");
    const stamp = first.getFirstPropertyValue("dtstamp") as ICAL.Time;
    expect(stamp.zone?.tzid).toBe("UTC");
  });

  it("round-trips Vietnamese text: summary, location, description", () => {
    expect(first.getFirstPropertyValue("summary")).toBe("Hội nghị giao ban quý I/2020 — Bộ Nội vụ");
    expect(first.getFirstPropertyValue("location")).toBe("Phòng họp tầng 3, số 8 Tôn Thất Thuyết, Hà Nội");
    const description = String(first.getFirstPropertyValue("description"));
    expect(description).toContain("Giao ban quý");
    expect(description).toContain("Chủ trì / Chair: Lê Vĩnh Tân (Bộ trưởng)");
    expect(description).toContain(video);
    expect(description).toContain("1. Báo cáo kết quả công tác quý I");
    expect(description).toContain("2. Ý kiến các đơn vị; phương hướng quý II");
    // Folded lines never split a character: every line is valid UTF-8 of at most 75 octets.
    for (const line of text.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  });

  it("links the video call and says the status: CONFIRMED, or CANCELLED so calendars remove it", () => {
    expect(first.getFirstPropertyValue("url")).toBe(video);
    expect(first.getFirstPropertyValue("status")).toBe("CONFIRMED");
    expect(cancelled.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(cancelled.getFirstPropertyValue("url")).toBeNull();
    expect(String(cancelled.getFirstPropertyValue("description"))).toContain("Đã hủy / Cancelled: Dịch COVID-19");
  });

  it("marks a draft TENTATIVE", () => {
    const {
      events: [draft],
    } = parse(renderCalendar("x", [{ meeting: meeting({ status: "draft" }), videoUrl: "" }]));
    expect(draft.getFirstPropertyValue("status")).toBe("TENTATIVE");
  });

  it("gives the same text for the same meetings (so the ETag is stable) and a new one after a reschedule", () => {
    const again = renderCalendar("Lịch họp của Lê Vĩnh Tân", [
      { meeting: meeting(), videoUrl: video },
      {
        meeting: meeting({ _id: "m-cancelled", status: "cancelled", cancelReason: "Dịch COVID-19", sequence: 4, title: "Họp chuyên đề" }),
        videoUrl: "",
      },
    ]);
    expect(again).toBe(text);
    const moved = renderCalendar("x", [
      {
        meeting: meeting({ start: new Date("2020-03-31T01:00:00Z"), plannedEnd: new Date("2020-03-31T04:00:00Z"), sequence: 3 }),
        videoUrl: "",
      },
    ]);
    const {
      events: [e],
    } = parse(moved);
    expect(e.getFirstPropertyValue("sequence")).toBe(3);
    expect(moved).toContain(`DTSTART;TZID=${CALENDAR_TIME_ZONE}:20200331T080000`);
  });

  it("is a valid empty calendar without meetings", () => {
    const { cal: empty, events: none } = parse(renderCalendar("Trống", []));
    expect(none).toHaveLength(0);
    expect(empty.getFirstPropertyValue("x-wr-calname")).toBe("Trống");
  });
});
