/**
 * The meetings service's notices end to end: an invitation reaches each person it names in the inbox and
 * by email, in Vietnamese, with the meeting's time in Vietnam; a reschedule within 24 hours of the start
 * goes out during quiet hours (critical); the stream's events that have no rule (meetings.meeting.started)
 * are consumed and acknowledged, with no dead letter and nothing sent.
 */
import { defineEvent } from "@ministry/platform";
import { type MeetingNotice, MeetingStarted, type MeetingSummary } from "@ministry/proto/ministry/meetings/v1/events";
import { MeetingKind, MeetingMode, MeetingStatus } from "@ministry/proto/ministry/meetings/v1/meetings";
import { Channel, DeliveryStatus } from "@ministry/proto/ministry/notifications/v1/notifications";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeetingEvents } from "../../src/rules/meetings.js";
import { startNotificationsHarness, type NotificationsHarness } from "../harness.js";

let h: NotificationsHarness;

beforeAll(async () => {
  h = await startNotificationsHarness();
});

afterAll(async () => {
  await h?.stop();
});

const mailsTo = (person: string) => h.mail.messages().filter((m) => m.to.some((t) => t.startsWith(`${person}@`)));

async function notificationOf(person: string, eventId: string) {
  const client = await h.as({ sub: person });
  return h.until(async () => {
    const r = await client.notifications.listNotifications({ page: { pageSize: 100, pageToken: "" }, view: 4, category: "" });
    return r.notifications.find((n) => n.eventId === eventId);
  }, `${person}'s notification of ${eventId}`);
}

let counter = 0;

function meeting(over: Partial<MeetingSummary> = {}): MeetingSummary {
  counter += 1;
  return {
    meetingId: `m-test-${counter}`,
    title: `Giao ban công tác tháng 3 năm 2020 (lần ${counter})`,
    kind: MeetingKind.MEETING_KIND_MONTHLY_BRIEFING,
    start: new Date("2020-03-31T01:30:00Z"), // 08:30 on 31 March in Hà Nội
    plannedEnd: new Date("2020-03-31T04:30:00Z"),
    mode: MeetingMode.MEETING_MODE_HYBRID,
    place: "Phòng họp tầng 3, trụ sở Bộ Nội vụ",
    chair: { personId: "minister", fullName: "Trịnh Quốc Khánh", position: "Bộ trưởng", unit: undefined },
    secretary: undefined,
    organizerUnit: { id: "VP", name: "Văn phòng Bộ" },
    status: MeetingStatus.MEETING_STATUS_SCHEDULED,
    sequence: 0,
    videoUrl: "https://hop.moha.gov.vn/giao-ban-thang-3",
    siteCount: 1,
    participantCount: 2,
    ...over,
  };
}

const secretary = { userId: "vp-staff", displayName: "Thư ký cuộc họp", roles: [], unit: { id: "VP", name: "Văn phòng Bộ" } };

function notice(m: MeetingSummary, recipientIds: string[], over: Partial<MeetingNotice> = {}): MeetingNotice {
  return {
    meeting: m,
    recipientIds,
    part: 1,
    parts: 1,
    actor: secretary,
    previousStart: undefined,
    reason: "",
    minutesBefore: 0,
    leadUnits: [],
    conclusionCount: 0,
    directiveCount: 0,
    ...over,
  };
}

describe("an invitation to a meeting", () => {
  it("reaches each person it names in the inbox and by email, in Vietnamese, with the time in Vietnam", async () => {
    const m = meeting({ title: "Giao ban công tác tháng 3 năm 2020 của Bộ Nội vụ" });
    const event = MeetingEvents.invited.of(m.meetingId, notice(m, ["tccb-head", "vp-head"]));
    await h.publish(event);

    for (const person of ["tccb-head", "vp-head"]) {
      const n = await notificationOf(person, event.id);
      expect(n).toMatchObject({ recipientId: person, eventType: "meetings.notice.invited", category: "meeting", critical: false });
      expect(n.subject).toEqual({ type: "meeting", id: m.meetingId });
      expect(n.title).toBe("Mời họp: Giao ban công tác tháng 3 năm 2020 của Bộ Nội vụ");
      expect(n.body).toContain("lúc 08:30 31/03/2020 tại Phòng họp tầng 3, trụ sở Bộ Nội vụ");
      expect(n.body).toContain("do Bộ trưởng Trịnh Quốc Khánh chủ trì");
    }

    const mail = await h.until(() => mailsTo("tccb-head").find((x) => x.subject.includes("của Bộ Nội vụ")), "the invitation's email");
    expect(mail.subject).toBe("Mời họp: Giao ban công tác tháng 3 năm 2020 của Bộ Nội vụ");
    expect(mail.text).toContain("Thời gian: 08:30 31/03/2020");
    expect(mail.text).toContain("Dự kiến kết thúc: 11:30 31/03/2020");
    expect(mail.text).toContain("Địa điểm: Phòng họp tầng 3, trụ sở Bộ Nội vụ");
    expect(mail.text).toContain("Chủ trì: Bộ trưởng Trịnh Quốc Khánh");
    expect(mail.text).toContain("https://hop.moha.gov.vn/giao-ban-thang-3");
    expect(mail.html).toContain("Giao ban công tác tháng 3 năm 2020 của Bộ Nội vụ");
    expect(mail.html).toContain("08:30 31/03/2020");
    await h.until(() => mailsTo("vp-head").find((x) => x.subject.includes("của Bộ Nội vụ")), "the Chief of Office's email");
  });
});

describe("a meeting moved within 24 hours of its start", () => {
  it("is critical: its email goes out during the person's quiet hours", async () => {
    const head = await h.as({ sub: "pc-head" });
    await head.notifications.updatePreferences({
      requestId: "",
      preferences: { channels: [], quietHours: { enabled: true, start: "22:00", end: "06:30" }, digestTime: "", version: 0 },
    });
    h.clock.set("2020-03-30T16:00:00Z"); // 23:00 in Hà Nội; the meeting was to be at 08:30 tomorrow
    const m = meeting({
      title: "Họp chuyên đề về tinh giản biên chế",
      kind: MeetingKind.MEETING_KIND_THEMATIC,
      start: new Date("2020-03-31T07:00:00Z"),
    });
    const event = MeetingEvents.rescheduled.of(
      m.meetingId,
      notice(m, ["pc-head"], { previousStart: new Date("2020-03-31T01:30:00Z"), reason: "Bộ trưởng dự họp Chính phủ" }),
    );
    await h.publish(event);

    const mail = await h.until(() => mailsTo("pc-head").find((x) => x.subject.includes("tinh giản biên chế")), "the critical email");
    expect(mail.subject).toBe("Dời lịch họp: Họp chuyên đề về tinh giản biên chế");
    expect(mail.text).toContain("từ 08:30 31/03/2020 sang 14:00 31/03/2020");
    expect(mail.text).toContain("Lý do: Bộ trưởng dự họp Chính phủ");

    const n = await notificationOf("pc-head", event.id);
    expect(n).toMatchObject({ category: "meeting", critical: true });
    const got = await head.notifications.getNotification({ id: n.id });
    const email = got.notification?.deliveries.find((d) => d.channel === Channel.CHANNEL_EMAIL);
    expect(email?.status).toBe(DeliveryStatus.DELIVERY_STATUS_SENT);
  });
});

describe("the MEETINGS stream's events without a rule", () => {
  it("are acknowledged and ignored: no dead letter, no notification, and the consumer goes on", async () => {
    const MeetingStartedEvent = defineEvent({ service: "meetings", aggregate: "meeting", event: "started", message: MeetingStarted });
    const m = meeting();
    const started = MeetingStartedEvent.of(m.meetingId, {
      meeting: { ...m, status: MeetingStatus.MEETING_STATUS_IN_PROGRESS },
      actor: secretary,
    });
    await h.publish(started);
    const jsm = await h.svc.ctx.bus.jsm();
    const startedSeq = (await jsm.streams.info("MEETINGS")).state.last_seq;

    // A later notice to the same person: it arrives, so the consumer did not stop at the one before.
    const marker = MeetingEvents.reminder.of(m.meetingId, notice(m, ["tccb-staff"], { actor: undefined, minutesBefore: 30 }));
    await h.publish(marker);
    const n = await notificationOf("tccb-staff", marker.id);
    expect(n.title).toContain("(còn 30 phút)");

    await h.until(async () => {
      const info = await jsm.consumers.info("MEETINGS", "notifications-MEETINGS");
      return info.ack_floor.stream_seq >= startedSeq && info.num_ack_pending === 0 ? info : undefined;
    }, "the consumer to acknowledge the started event");
    const db = h.svc.ctx.mongo.db;
    expect(await db.collection("deadletters").countDocuments({})).toBe(0);
    expect(await db.collection("notifications").countDocuments({ eventId: started.id })).toBe(0);
    expect(await db.collection("deliveries").countDocuments({ eventId: started.id })).toBe(0);
  });
});
