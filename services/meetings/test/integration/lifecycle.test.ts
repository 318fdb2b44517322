/**
 * A meeting's life over real gRPC, NATS and the embedded MongoDB, with the directory and the tasks
 * service running: draft → scheduled → in progress → ended → concluded; the conclusion published once
 * even when ConcludeMeeting is retried; illegal transitions and the check-in window refused with
 * FAILED_PRECONDITION; rescheduling kept in the history and told to the invitees; the attendance sheet
 * and its XLSX and PDF files matching the check-ins.
 */
import { status } from "@grpc/grpc-js";
import * as P from "@ministry/proto/ministry/meetings/v1/meetings";
import {
  AttendanceState,
  ConclusionKind,
  DeviceKind,
  ExportFormat,
  InvitationResponse,
  MeetingKind,
  MeetingMode,
  MeetingStatus,
  type Meeting,
} from "@ministry/proto/ministry/meetings/v1/meetings";
import { ListNotificationsRequest } from "@ministry/proto/ministry/notifications/v1/notifications";
import { ListTasksRequest } from "@ministry/proto/ministry/tasks/v1/tasks";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusal, startMeetingsHarness, type Clients, type MeetingsHarness } from "../harness.js";

let h: MeetingsHarness;
let office: Clients;
const HOUR = 3600_000;

beforeAll(async () => {
  h = await startMeetingsHarness();
  office = await h.as("vp-head");
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

/** A draft thematic meeting two hours from the test clock, with a site for PC and one for CCHC, and invitees. */
async function draftMeeting(title: string): Promise<Meeting> {
  const start = new Date(h.clock.now().getTime() + 2 * HOUR);
  const { meeting } = await office.meetings.createMeeting({
    requestId: "",
    kind: MeetingKind.MEETING_KIND_THEMATIC,
    title,
    chairId: "deputy-minister-1",
    secretaryId: "vp-staff",
    organizerUnitId: "",
    start,
    plannedEnd: new Date(start.getTime() + 2 * HOUR),
    mode: MeetingMode.MEETING_MODE_HYBRID,
    place: "Phòng họp số 1, Trụ sở Bộ",
    centralSiteName: "",
    centralVideoUrl: "https://hop.bnv.gov.example/p1",
  });
  const id = meeting?.id as string;
  await office.meetings.addSites({
    requestId: "",
    meetingId: id,
    sites: [
      { id: "", name: "Điểm cầu Vụ Pháp chế", unitId: "PC", unitName: "Vụ Pháp chế", hostId: "pc-head", hostName: "", videoUrl: "" },
      { id: "", name: "Điểm cầu Vụ Cải cách hành chính", unitId: "CCHC", unitName: "", hostId: "cchc-head", hostName: "", videoUrl: "" },
    ],
  });
  const invited = await office.meetings.inviteParticipants({
    requestId: "",
    meetingId: id,
    invitees: [
      { who: { $case: "unitHead", value: "PC" }, siteId: "" },
      { who: { $case: "personId", value: "pc-staff" }, siteId: "" },
      { who: { $case: "unitHead", value: "CCHC" }, siteId: "" },
      { who: { $case: "personId", value: "cchc-staff" }, siteId: "" },
      { who: { $case: "personId", value: "deputy-minister-1" }, siteId: "central" },
      { who: { $case: "unitHead", value: "NO-SUCH-UNIT" }, siteId: "" },
      {
        who: {
          $case: "guest",
          value: { id: "guest-1", fullName: "Phạm Thị Thanh Trà", position: "Chủ tịch", organisation: "UBND tỉnh Yên Bái" },
        },
        siteId: "central",
      },
    ],
  });
  expect(invited).toMatchObject({ invited: 6, alreadyInvited: 0, unresolved: ["unit_head:NO-SUCH-UNIT"], participantCount: 6 });
  return (await office.meetings.getMeeting({ id })).meeting as Meeting;
}

async function streamCount(subject: string): Promise<number> {
  const jsm = await h.meetings.ctx.bus.jsm();
  const info = await jsm.streams.info("MEETINGS", { subjects_filter: subject });
  return (info.state.subjects as Record<string, number> | undefined)?.[subject] ?? 0;
}

describe("a meeting from draft to concluded", () => {
  it("runs through every state; its conclusion is published once, even when ConcludeMeeting is retried", async () => {
    const m = await draftMeeting("Họp chuyên đề về cải cách hành chính");
    expect(m.status).toBe(MeetingStatus.MEETING_STATUS_DRAFT);
    expect(m.siteCount).toBe(3);
    const scheduled = (await office.meetings.scheduleMeeting({ requestId: "", id: m.id, expectedVersion: m.version })).meeting;
    expect(scheduled?.status).toBe(MeetingStatus.MEETING_STATUS_SCHEDULED);

    // The invitation reaches the PC head's inbox and mail, in Vietnamese.
    const pc = await h.as("pc-head");
    await h.until(async () => {
      const r = await pc.notifications.listNotifications(ListNotificationsRequest.fromPartial({}));
      return r.notifications.find((n) => n.title.includes("cải cách hành chính"));
    }, "the invitation in the inbox");
    const mail = await h.until(
      () => h.mail.messages().find((x) => x.to.includes("pc-head@bnv.gov.example") && x.subject.includes("cải cách hành chính")),
      "the invitation's email",
    );
    expect(mail.subject).toContain("Mời họp");

    await pc.meetings.respondToInvitation({
      requestId: "",
      meetingId: m.id,
      personId: "",
      response: InvitationResponse.INVITATION_RESPONSE_ACCEPTED,
      reason: "",
      delegateId: "",
    });
    const cchcStaff = await h.as("cchc-staff");
    await cchcStaff.meetings.respondToInvitation({
      requestId: "",
      meetingId: m.id,
      personId: "",
      response: InvitationResponse.INVITATION_RESPONSE_DECLINED,
      reason: "Đi công tác tại tỉnh Lào Cai",
      delegateId: "",
    });

    h.clock.advance(90 * 60_000); // 30 minutes before the start: check-in is open
    await pc.meetings.checkIn({ requestId: "", meetingId: m.id, personId: "", siteId: "", device: DeviceKind.DEVICE_KIND_TABLET });
    const cchcHead = await h.as("cchc-head");
    await cchcHead.meetings.checkIn({ requestId: "", meetingId: m.id, personId: "", siteId: "", device: DeviceKind.DEVICE_KIND_PHONE });
    // The PC staff member attends from the CCHC site, checked in by its host in the room.
    const byHost = await cchcHead.meetings.checkIn({
      requestId: "",
      meetingId: m.id,
      personId: "pc-staff",
      siteId: "CCHC",
      device: DeviceKind.DEVICE_KIND_UNSPECIFIED,
    });
    expect(byHost.participant?.sessions[0]).toMatchObject({ siteId: "CCHC", device: DeviceKind.DEVICE_KIND_ROOM_SYSTEM });
    expect(byHost.participant?.sessions[0]?.checkedInBy?.userId).toBe("cchc-head");
    const again = await pc.meetings.checkIn({
      requestId: "",
      meetingId: m.id,
      personId: "",
      siteId: "",
      device: DeviceKind.DEVICE_KIND_TABLET,
    });
    expect(again.alreadyPresent).toBe(true);

    h.clock.advance(30 * 60_000);
    await office.meetings.startMeeting({ requestId: "", id: m.id });
    await office.meetings.setAgenda({
      requestId: "",
      meetingId: m.id,
      items: [
        { id: "", title: "Báo cáo tình hình", presenterId: "cchc-head", plannedMinutes: 20, documents: [], description: "" },
        { id: "", title: "Thảo luận", presenterId: "", plannedMinutes: 40, documents: [], description: "" },
      ],
    });
    await office.meetings.setCurrentItem({ requestId: "", meetingId: m.id, itemId: "2" });
    const comment = await pc.meetings.addComment({
      requestId: "",
      meetingId: m.id,
      itemId: "2",
      siteId: "",
      text: "Vụ Pháp chế thống nhất với báo cáo.",
    });
    expect(comment.comment?.siteId).toBe("PC");
    await pc.meetings.checkOut({ requestId: "", meetingId: m.id, personId: "" });
    h.clock.advance(45 * 60_000);
    await office.meetings.endMeeting({ requestId: "", id: m.id });
    const chair = await h.as("deputy-minister-1");
    await chair.meetings.setConclusions({
      requestId: "",
      meetingId: m.id,
      conclusions: [
        {
          kind: ConclusionKind.CONCLUSION_KIND_INFORMATION,
          content: "Hội nghị thống nhất nội dung báo cáo.",
          leadUnitId: "",
          coordinatingUnitIds: [],
          assignee: "",
          taskKind: "",
        },
        {
          kind: ConclusionKind.CONCLUSION_KIND_DIRECTIVE,
          content: "Vụ Cải cách hành chính hoàn thiện đề án chuyển đổi số trong công tác họp",
          leadUnitId: "CCHC",
          coordinatingUnitIds: ["PC"],
          deadline: { spec: { $case: "date", value: "2020-06-30" } },
          assignee: "",
          taskKind: "",
        },
      ],
    });

    const first = await chair.meetings.concludeMeeting({ requestId: "conclude-1", id: m.id });
    const retried = await chair.meetings.concludeMeeting({ requestId: "conclude-1", id: m.id });
    expect(first.meeting?.status).toBe(MeetingStatus.MEETING_STATUS_CONCLUDED);
    expect(retried.meeting?.version).toBe(first.meeting?.version);
    expect((await refusal(chair.meetings.concludeMeeting({ requestId: "conclude-2", id: m.id }))).code).toBe(status.FAILED_PRECONDITION);

    const outbox = h.meetings.ctx.mongo.db.collection("outbox");
    await h.until(
      async () =>
        (await outbox.countDocuments({ subject: "meetings.meeting.concluded", aggregateId: m.id, sentAt: { $ne: null } })) === 1
          ? true
          : undefined,
      "the conclusion published",
    );
    expect(await outbox.countDocuments({ subject: "meetings.meeting.concluded", aggregateId: m.id })).toBe(1);
    expect(await streamCount("meetings.meeting.concluded")).toBe(1);
    // The tasks service made the directive a task of CCHC, once.
    const tasks = await h.until(async () => {
      const r = await office.tasks.listTasks(
        ListTasksRequest.fromPartial({ programmeId: "bnv-2020", text: "chuyển đổi số", page: { pageSize: 50, pageToken: "" } }),
      );
      const mine = r.tasks.filter((t) => t.source?.ref?.startsWith(`${m.id}#`));
      return mine.length > 0 ? mine : undefined;
    }, "the directive's task");
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.leadUnit).toBe("CCHC");

    const sheet = await office.meetings.getAttendanceSheet({ meetingId: m.id, siteId: "", page: undefined });
    expect(sheet.total).toMatchObject({ invited: 6, present: 3, absentWithLeave: 1, absentWithoutLeave: 2, delegated: 0 });
    const rows = new Map(sheet.rows.map((r) => [r.person?.personId, r]));
    expect(rows.get("pc-head")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_PRESENT);
    expect(rows.get("pc-head")?.presentNow).toBe(false);
    expect(rows.get("pc-head")?.sessions[0]?.checkedOutAt).toBeDefined();
    expect(rows.get("cchc-head")?.sessions[0]?.device).toBe(DeviceKind.DEVICE_KIND_PHONE);
    expect(rows.get("cchc-staff")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_ABSENT_WITH_LEAVE);
    expect(rows.get("guest-1")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_ABSENT_WITHOUT_LEAVE);
    // Leaving at the end closes every open session.
    expect(rows.get("cchc-head")?.presentNow).toBe(false);
    expect(sheet.sites.find((s) => s.site?.id === "PC")).toMatchObject({ invited: 2, present: 2 });

    const xlsx = await office.meetings.exportAttendanceSheet({
      meetingId: m.id,
      siteId: "",
      format: ExportFormat.EXPORT_FORMAT_XLSX,
      locale: "",
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.content as never);
    // The second sheet lists the people, one row each.
    const cells: string[] = [];
    wb.worksheets[1]?.eachRow((row) => row.eachCell((c) => cells.push(String(c.value))));
    expect(cells).toContain("Phạm Thị Thanh Trà");
    expect(cells.filter((c) => c === "Có mặt")).toHaveLength(3);
    expect(cells.filter((c) => c === "Vắng có phép")).toHaveLength(1);
    const pdf = await office.meetings.exportAttendanceSheet({
      meetingId: m.id,
      siteId: "PC",
      format: ExportFormat.EXPORT_FORMAT_PDF,
      locale: "",
    });
    expect(pdf.contentType).toBe("application/pdf");
    expect(Buffer.from(pdf.content).subarray(0, 5).toString()).toBe("%PDF-");
  });
});

describe("illegal transitions and the check-in window", () => {
  it("refuses to conclude a cancelled meeting, and check-in to a draft or cancelled one", async () => {
    const m = await draftMeeting("Họp sẽ bị hủy");
    const pc = await h.as("pc-head");
    const draft = await refusal(pc.meetings.checkIn({ requestId: "", meetingId: m.id, personId: "", siteId: "", device: 0 }));
    expect(draft).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "CHECK_IN_CLOSED" });
    await office.meetings.cancelMeeting({ requestId: "", id: m.id, reason: "Trùng lịch làm việc với Chính phủ" });
    const conclude = await refusal(office.meetings.concludeMeeting({ requestId: "", id: m.id }));
    expect(conclude).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "MEETING_CANCELLED" });
    expect(conclude.message).toContain("đã hủy");
    const cancelled = await refusal(pc.meetings.checkIn({ requestId: "", meetingId: m.id, personId: "", siteId: "", device: 0 }));
    expect(cancelled).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "MEETING_CANCELLED" });
    expect((await refusal(office.meetings.startMeeting({ requestId: "", id: m.id }))).code).toBe(status.FAILED_PRECONDITION);
  });

  it("opens check-in 60 minutes before the start, not earlier", async () => {
    const m = await draftMeeting("Họp kiểm tra giờ điểm danh");
    await office.meetings.scheduleMeeting({ requestId: "", id: m.id });
    const pc = await h.as("pc-head");
    h.clock.set(new Date((m.start as Date).getTime() - 61 * 60_000));
    const early = await refusal(pc.meetings.checkIn({ requestId: "", meetingId: m.id, personId: "", siteId: "", device: 0 }));
    expect(early).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "CHECK_IN_NOT_OPEN" });
    expect(early.metadata.opens_at).toBe(new Date((m.start as Date).getTime() - HOUR).toISOString());
    h.clock.set(new Date((m.start as Date).getTime() - HOUR));
    const ok = await pc.meetings.checkIn({
      requestId: "",
      meetingId: m.id,
      personId: "",
      siteId: "",
      device: DeviceKind.DEVICE_KIND_COMPUTER,
    });
    expect(ok.participant?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_PRESENT);
  });

  it("reschedules with history, a new SEQUENCE and notices to the invitees", async () => {
    const m = await draftMeeting("Họp về tiền lương");
    const scheduled = (await office.meetings.scheduleMeeting({ requestId: "", id: m.id })).meeting as Meeting;
    const newStart = new Date((m.start as Date).getTime() + 24 * HOUR);
    const moved = (
      await office.meetings.rescheduleMeeting({
        requestId: "",
        id: m.id,
        expectedVersion: scheduled.version,
        start: newStart,
        plannedEnd: new Date(newStart.getTime() + HOUR),
        reason: "Lãnh đạo Bộ đi công tác",
      })
    ).meeting as Meeting;
    expect(moved.sequence).toBe(scheduled.sequence + 1);
    expect(moved.reschedules).toHaveLength(1);
    expect(moved.reschedules[0]).toMatchObject({ previousStart: m.start, start: newStart, reason: "Lãnh đạo Bộ đi công tác" });
    const stale = await refusal(
      office.meetings.rescheduleMeeting({
        requestId: "",
        id: m.id,
        expectedVersion: scheduled.version,
        start: newStart,
        plannedEnd: new Date(newStart.getTime() + HOUR),
        reason: "x",
      }),
    );
    expect(stale).toMatchObject({ code: status.ABORTED, reason: "VERSION_CONFLICT" });
    const cchc = await h.as("cchc-head");
    await h.until(async () => {
      const r = await cchc.notifications.listNotifications(ListNotificationsRequest.fromPartial({}));
      return r.notifications.find((n) => n.title.includes("Họp về tiền lương") && n.title.includes("Dời lịch"));
    }, "the reschedule notice");
  });

  it("answers bad input with every field violation and changes nothing", async () => {
    const bad = await refusal(
      office.meetings.createMeeting({
        requestId: "",
        kind: 99 as MeetingKind,
        title: "",
        chairId: "",
        secretaryId: "",
        organizerUnitId: "",
        start: undefined,
        plannedEnd: undefined,
        mode: 0,
        place: "x".repeat(501),
        centralSiteName: "",
        centralVideoUrl: "javascript:alert(1)",
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fields).toEqual(["kind"]);
    const bad2 = await refusal(
      office.meetings.createMeeting({
        requestId: "",
        kind: 0,
        title: "",
        chairId: "",
        secretaryId: "no-such-person",
        organizerUnitId: "",
        start: new Date("2020-04-02T01:00:00Z"),
        plannedEnd: new Date("2020-04-01T01:00:00Z"),
        mode: 0,
        place: "x".repeat(501),
        centralSiteName: "",
        centralVideoUrl: "javascript:alert(1)",
      }),
    );
    expect(bad2.code).toBe(status.INVALID_ARGUMENT);
    expect(new Set(bad2.fields)).toEqual(new Set(["title", "place", "planned_end", "central_video_url", "chair_id", "secretary_id"]));
  });

  it("reminds the invitees once per start, an hour before it, and again after a reschedule", async () => {
    const m = await draftMeeting("Họp nhắc lịch");
    await office.meetings.scheduleMeeting({ requestId: "", id: m.id });
    // One reminder per start: a pass that reminds writes one audit record (and a notice per site).
    const audit = h.meetings.ctx.mongo.db.collection("audit");
    const reminders = () => audit.countDocuments({ action: "meeting.reminded", "target.id": m.id });
    const notices = () =>
      h.meetings.ctx.mongo.db.collection("outbox").countDocuments({ subject: "meetings.notice.reminder", aggregateId: m.id });
    await h.runtime.reminders.runOnce();
    expect(await reminders()).toBe(0); // two hours ahead: not yet
    h.clock.set(new Date((m.start as Date).getTime() - 59 * 60_000));
    await h.runtime.reminders.runOnce();
    expect(await reminders()).toBe(1);
    // The invitees attend from three sites (PC, CCHC, the central one): a notice for each site.
    expect(await notices()).toBe(3);
    await h.runtime.reminders.runOnce();
    expect(await reminders()).toBe(1);
    const later = new Date((m.start as Date).getTime() + 30 * 60_000);
    await office.meetings.rescheduleMeeting({
      requestId: "",
      id: m.id,
      start: later,
      plannedEnd: new Date(later.getTime() + HOUR),
      reason: "Lùi 30 phút",
    });
    await h.runtime.reminders.runOnce();
    expect(await reminders()).toBe(1); // the new start is 89 minutes away
    h.clock.set(new Date(later.getTime() - 59 * 60_000));
    await h.runtime.reminders.runOnce();
    expect(await reminders()).toBe(2);
    const pc = await h.as("pc-head");
    const notice = await h.until(async () => {
      const r = await pc.notifications.listNotifications(ListNotificationsRequest.fromPartial({}));
      return r.notifications.find((n) => n.title.includes("Họp nhắc lịch") && n.title.includes("Sắp đến giờ họp"));
    }, "the reminder in the inbox");
    expect(notice.title).toContain("Sắp đến giờ họp");
  });

  it("a guest site host (a token without a unit) checks in a guest, and the sheet shows it", async () => {
    const start = new Date(h.clock.now().getTime() + 30 * 60_000);
    const { meeting } = await office.meetings.createMeeting(
      P.CreateMeetingRequest.fromPartial({
        title: "Hội nghị trực tuyến với các tỉnh",
        chairId: "minister",
        start,
        plannedEnd: new Date(start.getTime() + HOUR),
      }),
    );
    const id = meeting?.id as string;
    await office.meetings.addSites(
      P.AddSitesRequest.fromPartial({
        meetingId: id,
        sites: [
          { id: "yen-bai", name: "Điểm cầu tỉnh Yên Bái", unitName: "UBND tỉnh Yên Bái", hostId: "yb-host", hostName: "Hoàng Văn Sơn" },
        ],
      }),
    );
    await office.meetings.inviteParticipants(
      P.InviteParticipantsRequest.fromPartial({
        meetingId: id,
        invitees: [
          {
            who: {
              $case: "guest",
              value: { id: "yb-1", fullName: "Đỗ Thị Ngọc Ánh", position: "Giám đốc Sở Nội vụ", organisation: "Sở Nội vụ tỉnh Yên Bái" },
            },
            siteId: "yen-bai",
          },
        ],
      }),
    );
    await office.meetings.scheduleMeeting(P.ScheduleMeetingRequest.fromPartial({ id }));
    // A guest's id may not be a directory person's: the guest would be that person.
    const impostor = await refusal(
      office.meetings.inviteParticipants(
        P.InviteParticipantsRequest.fromPartial({
          meetingId: id,
          invitees: [{ who: { $case: "guest", value: { id: "pc-head", fullName: "Khách" } } }],
        }),
      ),
    );
    expect(impostor).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["invitees[0].guest.id"] });
    const host = await h.as({ sub: "yb-host", name: "Hoàng Văn Sơn", roles: [], unit: undefined });
    const done = await host.meetings.checkIn(P.CheckInRequest.fromPartial({ meetingId: id, personId: "yb-1" }));
    expect(done.participant?.sessions[0]?.checkedInBy).toMatchObject({ userId: "yb-host", unit: undefined });
    const sheet = await host.meetings.getAttendanceSheet(P.GetAttendanceSheetRequest.fromPartial({ meetingId: id, siteId: "yen-bai" }));
    expect(sheet.total).toMatchObject({ invited: 1, present: 1 });
    expect(sheet.rows[0]?.person?.fullName).toBe("Đỗ Thị Ngọc Ánh");
    // The host reads his own site's sheet only.
    expect((await refusal(host.meetings.getAttendanceSheet(P.GetAttendanceSheetRequest.fromPartial({ meetingId: id })))).code).toBe(
      status.PERMISSION_DENIED,
    );
    const list = await office.meetings.listParticipants(P.ListParticipantsRequest.fromPartial({ meetingId: id }));
    expect(list.participants[0]?.sessions[0]?.checkedInBy?.userId).toBe("yb-host");
  });

  it("a draft's time moves with its history kept and nobody told; a started meeting's details no longer change", async () => {
    const m = await draftMeeting("Họp dự thảo dời giờ");
    const later = new Date((m.start as Date).getTime() + HOUR);
    const moved = (
      await office.meetings.rescheduleMeeting({
        requestId: "",
        id: m.id,
        start: later,
        plannedEnd: new Date(later.getTime() + HOUR),
        reason: "Đổi giờ",
      })
    ).meeting as Meeting;
    expect(moved.status).toBe(MeetingStatus.MEETING_STATUS_DRAFT);
    expect(moved.reschedules).toHaveLength(1);
    const outbox = h.meetings.ctx.mongo.db.collection("outbox");
    expect(await outbox.countDocuments({ aggregateId: m.id })).toBe(0);
    await office.meetings.scheduleMeeting({ requestId: "", id: m.id });
    await office.meetings.startMeeting({ requestId: "", id: m.id });
    const edit = await refusal(office.meetings.updateMeeting(P.UpdateMeetingRequest.fromPartial({ id: m.id, title: "Tên mới" })));
    expect(edit).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "MEETING_STARTED" });
  });
});
