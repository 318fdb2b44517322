/**
 * The default run's seed, end to end over real gRPC, NATS and the embedded MongoDB: the 30 March 2020
 * quarterly briefing is scheduled, the invitations reach inboxes and mail, the people answer and check in
 * from their sites on different devices, the agenda runs with the Q1 report frozen in it, the sites
 * comment, and the Minister's conclusions become tasks in the tasks service.
 */
import { AttendanceState, DeviceKind, InvitationResponse, MeetingStatus } from "@ministry/proto/ministry/meetings/v1/meetings";
import { ListNotificationsRequest } from "@ministry/proto/ministry/notifications/v1/notifications";
import { CreateTaskRequest, GetReportRequest, ListTasksRequest } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedBriefing2020, SEED_MEETING_ID } from "../../src/seed/index.js";
import { startMeetingsHarness, type MeetingsHarness } from "../harness.js";

let h: MeetingsHarness;

beforeAll(async () => {
  h = await startMeetingsHarness();
  await seedBriefing2020(h.runtime, h.meetings.ctx.authority, h.meetings.ctx.log, { retryMs: 100 });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe("the seed briefing of 30 March 2020", () => {
  it("is concluded, chaired by the Minister, with the central site and a site per unit", async () => {
    const c = await h.as("vp-head");
    const { meeting } = await c.meetings.getMeeting({ id: SEED_MEETING_ID });
    expect(meeting?.status).toBe(MeetingStatus.MEETING_STATUS_CONCLUDED);
    expect(meeting?.title).toContain("Quý I năm 2020");
    expect(meeting?.chair?.personId).toBe("minister");
    expect(meeting?.chair?.position).toBe("Bộ trưởng");
    expect(meeting?.siteCount).toBe(16);
    expect(meeting?.start?.toISOString()).toBe("2020-03-30T01:30:00.000Z");
    expect(meeting?.agenda.map((a) => a.plannedStart?.toISOString())).toEqual([
      "2020-03-30T01:30:00.000Z",
      "2020-03-30T01:35:00.000Z",
      "2020-03-30T02:05:00.000Z",
      "2020-03-30T03:35:00.000Z",
    ]);
    const report = meeting?.agenda[1]?.report;
    expect(report?.snapshotId).not.toBe("");
    expect(report?.report?.totals?.total).toBeGreaterThan(0);
    expect(meeting?.agenda[1]?.presenter?.personId).toBe("vp-head");
    expect(meeting?.agenda[2]?.elapsedSeconds).not.toBe("0");
    expect(meeting?.conclusions.map((x) => x.number)).toEqual([1, 2, 3, 4, 5]);
    expect(meeting?.minutes).toContain("BIÊN BẢN");
  });

  it("keeps who answered how, and who checked in where, on which device", async () => {
    const c = await h.as("vp-head");
    const sheet = await c.meetings.getAttendanceSheet({ meetingId: SEED_MEETING_ID, siteId: "", page: { pageSize: 500, pageToken: "" } });
    const byId = new Map(sheet.rows.map((r) => [r.person?.personId, r]));
    expect(byId.get("minister")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_PRESENT);
    expect(byId.get("minister")?.sessions[0]?.device).toBe(DeviceKind.DEVICE_KIND_ROOM_SYSTEM);
    expect(byId.get("minister")?.sessions[0]?.checkedInBy?.userId).toBe("vp-deputy");
    expect(byId.get("htqt-head")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_ABSENT_WITH_LEAVE);
    expect(byId.get("htqt-head")?.responseReason).toContain("Covid-19");
    expect(byId.get("tgcp-head")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_DELEGATED);
    expect(byId.get("tgcp-deputy")?.delegatedBy?.personId).toBe("tgcp-head");
    expect(byId.get("tgcp-deputy")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_PRESENT);
    expect(byId.get("pc-head")?.response).toBe(InvitationResponse.INVITATION_RESPONSE_ACCEPTED);
    const devices = new Set(sheet.rows.flatMap((r) => r.sessions.map((s) => s.device)));
    expect(devices).toEqual(
      new Set([
        DeviceKind.DEVICE_KIND_ROOM_SYSTEM,
        DeviceKind.DEVICE_KIND_COMPUTER,
        DeviceKind.DEVICE_KIND_PHONE,
        DeviceKind.DEVICE_KIND_TABLET,
      ]),
    );
    // Presence is kept after leaving: the Inspectorate's head left early and still counts as present.
    expect(byId.get("ttr-head")?.presentNow).toBe(false);
    expect(byId.get("ttr-head")?.attendance).toBe(AttendanceState.ATTENDANCE_STATE_PRESENT);
    expect(sheet.total).toMatchObject({ invited: 24, present: 22, absentWithLeave: 1, delegated: 1, absentWithoutLeave: 0 });
    const present = sheet.rows.filter((r) => r.attendance === AttendanceState.ATTENDANCE_STATE_PRESENT).length;
    expect(present).toBe(sheet.total?.present);
  });

  it("has the sites' comments on the discussion item", async () => {
    const c = await h.as("minister");
    const { comments } = await c.meetings.listComments({ meetingId: SEED_MEETING_ID, itemId: "3", page: undefined });
    expect(comments.map((x) => x.author?.personId)).toEqual(["pc-head", "cchc-head", "vtlt-head", "tgcp-deputy"]);
    expect(comments[0]?.siteId).toBe("PC");
  });

  it("told the invitees, and its directives became tasks of the 2020 programme", async () => {
    const pc = await h.as("pc-head");
    const inbox = await h.until(async () => {
      const r = await pc.notifications.listNotifications(ListNotificationsRequest.fromPartial({}));
      return r.notifications.some((n) => n.title.includes("Quý I năm 2020")) ? r : undefined;
    }, "the invitation in the PC head's inbox");
    expect(inbox.notifications.length).toBeGreaterThan(0);
    const mail = await h.until(
      () => h.mail.messages().find((m) => m.to.includes("pc-head@bnv.gov.example") && m.subject.includes("Mời họp")),
      "the invitation's email to the PC head",
    );
    expect(mail.text).toContain("30/03/2020");
    // Each invitee gets the video link of his or her own site.
    expect(mail.text).toContain("https://hop.bnv.gov.example/giao-ban-2020-q1/pc");
    const vp = await h.as("vp-head");
    const tasks = await h.until(async () => {
      const r = await vp.tasks.listTasks(
        ListTasksRequest.fromPartial({ programmeId: "bnv-2020", text: "trực tuyến", page: { pageSize: 50, pageToken: "" } }),
      );
      return r.tasks.some((t) => t.source?.ref?.startsWith(SEED_MEETING_ID)) ? r : undefined;
    }, "the conclusions' tasks");
    expect(tasks.tasks.find((t) => t.source?.ref?.startsWith(SEED_MEETING_ID))?.leadUnit).toBe("CCHC");
  });

  it("keeps the Q1 figures as they were frozen, whatever the tasks service counts later", async () => {
    const vp = await h.as("vp-head");
    const q1 = {
      period: { period: { $case: "quarter" as const, value: { year: 2020, quarter: 1 } } },
      programmeId: "bnv-2020",
      omitLines: true,
    };
    const frozen = (await vp.meetings.getMeeting({ id: SEED_MEETING_ID })).meeting?.agenda[1]?.report?.report?.totals?.total as number;
    const before = (await vp.reports.getReport(GetReportRequest.fromPartial(q1))).report?.totals?.total;
    expect(before).toBe(frozen);
    await vp.tasks.createTask(
      CreateTaskRequest.fromPartial({
        programmeId: "bnv-2020",
        title: "Báo cáo bổ sung Quý I",
        kind: "BAO_CAO",
        leadUnit: "VP",
        deadline: { spec: { $case: "date", value: "2020-03-31" } },
      }),
    );
    const after = (await vp.reports.getReport(GetReportRequest.fromPartial(q1))).report?.totals?.total;
    expect(after).toBe(frozen + 1);
    const still = (await vp.meetings.getMeeting({ id: SEED_MEETING_ID })).meeting?.agenda[1]?.report?.report?.totals?.total;
    expect(still).toBe(frozen);
  });
});
