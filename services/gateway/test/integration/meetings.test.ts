/**
 * The meetings routes over HTTP against the real system: a meeting of our own taken through its whole
 * life (create → sites → invite → schedule → reschedule → answer → check in → agenda and its frozen
 * report → start → current item → comments and speakers → check out → end → minutes and conclusions →
 * conclude; and a cancelled one), each route with its happy path and a validation failure. Also: an
 * outsider gets 404, a participant doing a manager's work 403, a stale If-Match 412, and a repeated
 * Idempotency-Key the same answer. The seed briefing, series and feeds: meetings-reads.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type HttpAnswer, type SystemHarness } from "../harness.js";
import { expectOk, expectViolation } from "../problems.js";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

const MINUTE = 60_000;

describe("a meeting's whole life over HTTP", () => {
  let id = "";
  let version = 0;
  let speakerId = "";
  const start = () => new Date(sys.clock.now().getTime() + 30 * MINUTE);
  const remember = (res: HttpAnswer) => {
    version = res.json.meeting.version;
    return res.json.meeting;
  };
  /** The meeting's version now (sites and invitations change it too), for If-Match. */
  const versionNow = async () => {
    const res = await sys.http("GET", `/v1/meetings/${id}`, { as: "vp-head" });
    expectOk(res);
    return remember(res).version as number;
  };

  it("POST /v1/meetings creates a draft (201); a repeated Idempotency-Key answers the same meeting", async () => {
    const s = start();
    const body = {
      kind: "MEETING_KIND_THEMATIC",
      title: "Họp chuyên đề về chuyển đổi số",
      chairId: "deputy-minister-1",
      secretaryId: "vp-staff",
      start: s.toISOString(),
      plannedEnd: new Date(s.getTime() + 120 * MINUTE).toISOString(),
      mode: "MEETING_MODE_HYBRID",
      place: "Phòng họp số 1, Trụ sở Bộ",
      centralVideoUrl: "https://hop.bnv.gov.example/p1",
    };
    const headers = { "idempotency-key": "create-digital-1" };
    const res = await sys.http("POST", "/v1/meetings", { as: "vp-head", body, headers });
    expectOk(res, 201);
    expect(res.json.meeting).toMatchObject({ title: body.title, status: "MEETING_STATUS_DRAFT", siteCount: 1 });
    expect(res.json.meeting.chair.personId).toBe("deputy-minister-1");
    id = remember(res).id;
    const again = await sys.http("POST", "/v1/meetings", { as: "vp-head", body, headers });
    expectOk(again, 201);
    expect(again.json.meeting.id).toBe(id);
    expect(again.json.meeting.version).toBe(version);

    const bad = await sys.http("POST", "/v1/meetings", {
      as: "vp-head",
      body: { ...body, title: "", plannedEnd: new Date(s.getTime() - MINUTE).toISOString() },
    });
    expectViolation(bad, "plannedEnd");
    expectViolation(bad, "title");
  });

  it("PATCH /v1/meetings/:id changes only what is given", async () => {
    const res = await sys.http("PATCH", `/v1/meetings/${id}`, {
      as: "vp-head",
      body: { place: "Phòng họp số 2, Trụ sở Bộ" },
      headers: { "if-match": `"${version}"` },
    });
    expectOk(res);
    expect(res.json.meeting).toMatchObject({ place: "Phòng họp số 2, Trụ sở Bộ", title: "Họp chuyên đề về chuyển đổi số" });
    remember(res);
    expectViolation(await sys.http("PATCH", `/v1/meetings/${id}`, { as: "vp-head", body: { kind: "MEETING_KIND_PARTY" } }), "kind");
  });

  it("POST /v1/meetings/:meetingId/sites adds sites (201); GET lists them; PATCH one changes it", async () => {
    const res = await sys.http("POST", `/v1/meetings/${id}/sites`, {
      as: "vp-head",
      body: {
        sites: [
          { name: "Điểm cầu Vụ Pháp chế", unitId: "PC", hostId: "pc-head" },
          { name: "Điểm cầu Vụ Cải cách hành chính", unitId: "CCHC", hostId: "cchc-head" },
        ],
      },
    });
    expectOk(res, 201);
    expect(res.json.siteCount).toBe(3);
    expect(res.json.sites.map((s: { id: string }) => s.id)).toEqual(["PC", "CCHC"]);
    expectViolation(
      await sys.http("POST", `/v1/meetings/${id}/sites`, { as: "vp-head", body: { sites: [{ name: "x", colour: "red" }] } }),
      "sites[0].colour",
    );

    const list = await sys.http("GET", `/v1/meetings/${id}/sites`, { as: "vp-head" });
    expectOk(list);
    expect(list.json.sites.map((s: { id: string }) => s.id)).toEqual(["central", "PC", "CCHC"]);

    const patched = await sys.http("PATCH", `/v1/meetings/${id}/sites/PC`, {
      as: "vp-head",
      body: { videoUrl: "https://hop.bnv.gov.example/pc" },
    });
    expectOk(patched);
    expect(patched.json.site).toMatchObject({ id: "PC", videoUrl: "https://hop.bnv.gov.example/pc", name: "Điểm cầu Vụ Pháp chế" });
    expectViolation(
      await sys.http("PATCH", `/v1/meetings/${id}/sites/PC`, { as: "vp-head", body: { videoUrl: "javascript:alert(1)" } }),
      "videoUrl",
    );
  });

  it("POST /v1/meetings/:meetingId/participants invites people, unit heads and guests; GET lists them", async () => {
    const res = await sys.http("POST", `/v1/meetings/${id}/participants`, {
      as: "vp-head",
      body: {
        invitees: [
          { unitHead: "PC" },
          { personId: "pc-staff" },
          { unitHead: "CCHC" },
          { personId: "cchc-staff" },
          { personId: "deputy-minister-1", siteId: "central" },
          { unitHead: "NO-SUCH-UNIT" },
          {
            guest: { id: "guest-1", fullName: "Phạm Thị Thanh Trà", position: "Chủ tịch", organisation: "UBND tỉnh Yên Bái" },
            siteId: "central",
          },
        ],
      },
    });
    expectOk(res);
    expect(res.json).toMatchObject({ invited: 6, alreadyInvited: 0, unresolved: ["unit_head:NO-SUCH-UNIT"], participantCount: 6 });
    const impostor = await sys.http("POST", `/v1/meetings/${id}/participants`, {
      as: "vp-head",
      body: { invitees: [{ guest: { id: "pc-head", fullName: "Khách" } }] },
    });
    expectViolation(impostor, "invitees[0].guest.id");

    const all = await sys.http("GET", `/v1/meetings/${id}/participants`, { as: "vp-head" });
    expectOk(all);
    expect(all.json.participants).toHaveLength(6);
    const pc = await sys.http("GET", `/v1/meetings/${id}/participants`, { as: "vp-head", query: { site: "PC" } });
    expect(pc.json.participants.map((p: { person: { personId: string } }) => p.person.personId).sort()).toEqual(["pc-head", "pc-staff"]);
    expectViolation(await sys.http("GET", `/v1/meetings/${id}/participants`, { as: "vp-head", query: { pageSize: "all" } }), "pageSize");
  });

  it("POST /v1/meetings/:id/schedule schedules; a participant may not (403); an outsider learns nothing (404)", async () => {
    expectViolation(
      await sys.http("POST", `/v1/meetings/${id}/schedule`, { as: "vp-head", body: { expectedVersion: "latest" } }),
      "expectedVersion",
    );
    const denied = await sys.http("POST", `/v1/meetings/${id}/schedule`, { as: "pc-head", body: {} });
    expect(denied.status, denied.text).toBe(403);
    expect(denied.json.grpcStatus).toBe("PERMISSION_DENIED");
    const hidden = await sys.http("POST", `/v1/meetings/${id}/schedule`, { as: "ttr-staff", body: {} });
    expect(hidden.status).toBe(404);
    const res = await sys.http("POST", `/v1/meetings/${id}/schedule`, {
      as: "vp-head",
      body: {},
      headers: { "if-match": `"${await versionNow()}"` },
    });
    expectOk(res);
    expect(remember(res).status).toBe("MEETING_STATUS_SCHEDULED");
  });

  it("POST /v1/meetings/:id/reschedule moves it; a stale If-Match is 412", async () => {
    const stale = await versionNow();
    const s = new Date(start().getTime() + 15 * MINUTE);
    const body = {
      start: s.toISOString(),
      plannedEnd: new Date(s.getTime() + 2 * 60 * MINUTE).toISOString(),
      reason: "Lãnh đạo Bộ bận việc đột xuất",
    };
    const res = await sys.http("POST", `/v1/meetings/${id}/reschedule`, { as: "vp-head", body, headers: { "if-match": `"${stale}"` } });
    expectOk(res);
    const m = remember(res);
    expect(m.reschedules).toHaveLength(1);
    expect(m.reschedules[0].reason).toBe(body.reason);
    expect(m.start).toBe(s.toISOString().replace(".000Z", "Z"));
    const conflict = await sys.http("POST", `/v1/meetings/${id}/reschedule`, {
      as: "vp-head",
      body,
      headers: { "if-match": `"${stale}"` },
    });
    expect(conflict.status, conflict.text).toBe(412);
    expect(conflict.json.reason).toBe("VERSION_CONFLICT");
    expectViolation(await sys.http("POST", `/v1/meetings/${id}/reschedule`, { as: "vp-head", body: { ...body, reason: "" } }), "reason");
  });

  it("POST /v1/meetings/:meetingId/invitation/response: accept, decline with a reason", async () => {
    const accepted = await sys.http("POST", `/v1/meetings/${id}/invitation/response`, {
      as: "pc-head",
      body: { response: "INVITATION_RESPONSE_ACCEPTED" },
    });
    expectOk(accepted);
    expect(accepted.json.participant).toMatchObject({ response: "INVITATION_RESPONSE_ACCEPTED" });
    expect(accepted.json.participant.person.personId).toBe("pc-head");
    const noReason = await sys.http("POST", `/v1/meetings/${id}/invitation/response`, {
      as: "cchc-staff",
      body: { response: "INVITATION_RESPONSE_DECLINED" },
    });
    expectViolation(noReason, "reason");
    const declined = await sys.http("POST", `/v1/meetings/${id}/invitation/response`, {
      as: "cchc-staff",
      body: { response: "INVITATION_RESPONSE_DECLINED", reason: "Đi công tác tại tỉnh Lào Cai" },
    });
    expectOk(declined);
    expect(declined.json.participant).toMatchObject({
      response: "INVITATION_RESPONSE_DECLINED",
      responseReason: "Đi công tác tại tỉnh Lào Cai",
    });
  });

  it("POST /v1/meetings/:meetingId/check-ins checks in, by oneself or by the site host", async () => {
    const res = await sys.http("POST", `/v1/meetings/${id}/check-ins`, { as: "pc-head", body: { device: "DEVICE_KIND_TABLET" } });
    expectOk(res);
    expect(res.json).toMatchObject({ alreadyPresent: false, participant: { attendance: "ATTENDANCE_STATE_PRESENT", presentNow: true } });
    const byHost = await sys.http("POST", `/v1/meetings/${id}/check-ins`, {
      as: "cchc-head",
      body: { personId: "pc-staff", siteId: "CCHC" },
    });
    expectOk(byHost);
    expect(byHost.json.participant.sessions[0]).toMatchObject({ siteId: "CCHC", device: "DEVICE_KIND_ROOM_SYSTEM" });
    const again = await sys.http("POST", `/v1/meetings/${id}/check-ins`, { as: "pc-head", body: {} });
    expect(again.json.alreadyPresent).toBe(true);
    expectViolation(
      await sys.http("POST", `/v1/meetings/${id}/check-ins`, { as: "pc-head", body: { device: "DEVICE_KIND_TOASTER" } }),
      "device",
    );
  });

  it("PUT /v1/meetings/:meetingId/agenda sets the agenda; POST .../agenda/:itemId/report-snapshot freezes the Q1 report", async () => {
    const res = await sys.http("PUT", `/v1/meetings/${id}/agenda`, {
      as: "vp-head",
      body: {
        items: [
          { title: "Báo cáo tình hình thực hiện Quý I", presenterId: "vp-head", plannedMinutes: 20 },
          { title: "Thảo luận", plannedMinutes: 40 },
        ],
      },
    });
    expectOk(res);
    expect(remember(res).agenda.map((a: { id: string; title: string }) => a.id)).toEqual(["1", "2"]);
    expectViolation(
      await sys.http("PUT", `/v1/meetings/${id}/agenda`, { as: "vp-head", body: { items: [{ title: "Mục", plannedMinutes: 0 }] } }),
      "items[0].plannedMinutes",
    );

    const frozen = await sys.http("POST", `/v1/meetings/${id}/agenda/1/report-snapshot`, {
      as: "vp-head",
      body: { report: { period: { quarter: { year: 2020, quarter: 1 } } }, title: "Báo cáo Quý I năm 2020" },
    });
    expectOk(frozen);
    const item = remember(frozen).agenda[0];
    expect(item.report.snapshotId).not.toBe("");
    expect(item.report.title).toBe("Báo cáo Quý I năm 2020");
    expect(item.report.report.totals.total).toBeGreaterThan(0);
    expectViolation(
      await sys.http("POST", `/v1/meetings/${id}/agenda/1/report-snapshot`, {
        as: "vp-head",
        body: { report: { period: { quarter: { year: 2020, quarter: "I" } } } },
      }),
      "report.period.quarter.quarter",
    );
  });

  it("POST /v1/meetings/:id/start starts it; POST .../agenda/current-item sets the item under discussion", async () => {
    expectViolation(await sys.http("POST", `/v1/meetings/${id}/start`, { as: "vp-head", body: { now: true } }), "now");
    const res = await sys.http("POST", `/v1/meetings/${id}/start`, { as: "vp-head", body: {} });
    expectOk(res);
    expect(remember(res).status).toBe("MEETING_STATUS_IN_PROGRESS");
    const current = await sys.http("POST", `/v1/meetings/${id}/agenda/current-item`, { as: "vp-head", body: { itemId: "2" } });
    expectOk(current);
    expect(remember(current).currentItemId).toBe("2");
    expectViolation(await sys.http("POST", `/v1/meetings/${id}/agenda/current-item`, { as: "vp-head", body: { itemId: 2 } }), "itemId");
  });

  it("POST/GET /v1/meetings/:meetingId/comments: a participant comments from his or her site", async () => {
    const res = await sys.http("POST", `/v1/meetings/${id}/comments`, {
      as: "pc-head",
      body: { itemId: "2", text: "Vụ Pháp chế thống nhất với báo cáo." },
    });
    expectOk(res, 201);
    expect(res.json.comment).toMatchObject({ itemId: "2", siteId: "PC", text: "Vụ Pháp chế thống nhất với báo cáo." });
    expectViolation(await sys.http("POST", `/v1/meetings/${id}/comments`, { as: "pc-head", body: { itemId: "2", text: "" } }), "text");
    const list = await sys.http("GET", `/v1/meetings/${id}/comments`, { as: "vp-head", query: { item: "2" } });
    expectOk(list);
    expect(list.json.comments).toHaveLength(1);
    expectViolation(await sys.http("GET", `/v1/meetings/${id}/comments`, { as: "vp-head", query: { author: "pc-head" } }), "author");
  });

  it("POST/GET/PATCH /v1/meetings/:meetingId/speakers: ask to speak, list in order, a manager marks done", async () => {
    const res = await sys.http("POST", `/v1/meetings/${id}/speakers`, {
      as: "pc-head",
      body: { itemId: "2", topic: "Văn bản quy phạm pháp luật" },
    });
    expectOk(res, 201);
    expect(res.json.speaker).toMatchObject({
      itemId: "2",
      status: "SPEAKER_STATUS_REQUESTED",
      position: 1,
      topic: "Văn bản quy phạm pháp luật",
    });
    speakerId = res.json.speaker.id;
    expectViolation(
      await sys.http("POST", `/v1/meetings/${id}/speakers`, { as: "pc-head", body: { itemId: "2", topic: "x".repeat(501) } }),
      "topic",
    );

    const list = await sys.http("GET", `/v1/meetings/${id}/speakers`, { as: "vp-head", query: { item: "2" } });
    expectOk(list);
    expect(list.json.speakers.map((s: { id: string }) => s.id)).toEqual([speakerId]);
    expectViolation(await sys.http("GET", `/v1/meetings/${id}/speakers`, { as: "vp-head", query: { status: "done" } }), "status");

    const denied = await sys.http("PATCH", `/v1/meetings/${id}/speakers/${speakerId}`, {
      as: "pc-staff",
      body: { status: "SPEAKER_STATUS_DONE" },
    });
    expect(denied.status, denied.text).toBe(403);
    const done = await sys.http("PATCH", `/v1/meetings/${id}/speakers/${speakerId}`, {
      as: "vp-head",
      body: { status: "SPEAKER_STATUS_DONE" },
    });
    expectOk(done);
    expect(done.json.speaker.status).toBe("SPEAKER_STATUS_DONE");
    expectViolation(
      await sys.http("PATCH", `/v1/meetings/${id}/speakers/${speakerId}`, { as: "vp-head", body: { status: "SPEAKER_STATUS_SHOUTING" } }),
      "status",
    );
  });

  it("POST /v1/meetings/:meetingId/check-outs, then GET /v1/meetings/:meetingId/attendance counts it", async () => {
    expectViolation(await sys.http("POST", `/v1/meetings/${id}/check-outs`, { as: "pc-head", body: { personId: 7 } }), "personId");
    const res = await sys.http("POST", `/v1/meetings/${id}/check-outs`, { as: "pc-head", body: {} });
    expectOk(res);
    expect(res.json.participant).toMatchObject({ presentNow: false, attendance: "ATTENDANCE_STATE_PRESENT" });
    const sheet = await sys.http("GET", `/v1/meetings/${id}/attendance`, { as: "vp-head" });
    expectOk(sheet);
    expect(sheet.json.total).toMatchObject({ invited: 6, present: 2, absentWithLeave: 1 });
    const pc = await sys.http("GET", `/v1/meetings/${id}/attendance`, { as: "vp-head", query: { site: "PC" } });
    expect(pc.json.sites).toHaveLength(1);
    expect(pc.json.sites[0].site.id).toBe("PC");
  });

  it("POST /v1/meetings/:id/end ends it; PUT minutes and conclusions; POST conclude freezes them", async () => {
    expectViolation(await sys.http("POST", `/v1/meetings/${id}/end`, { as: "vp-head", body: { at: "now" } }), "at");
    const ended = await sys.http("POST", `/v1/meetings/${id}/end`, { as: "vp-head", body: {} });
    expectOk(ended);
    expect(remember(ended).status).toBe("MEETING_STATUS_ENDED");

    const denied = await sys.http("PUT", `/v1/meetings/${id}/minutes`, { as: "pc-head", body: { minutes: "Biên bản của tôi" } });
    expect(denied.status, denied.text).toBe(403);
    const minutes = await sys.http("PUT", `/v1/meetings/${id}/minutes`, {
      as: "vp-staff",
      body: { minutes: "BIÊN BẢN HỌP CHUYÊN ĐỀ\n1. Báo cáo.\n2. Thảo luận." },
    });
    expectOk(minutes);
    expect(remember(minutes).minutes).toContain("BIÊN BẢN HỌP CHUYÊN ĐỀ");
    expectViolation(await sys.http("PUT", `/v1/meetings/${id}/minutes`, { as: "vp-staff", body: { minutes: ["a", "b"] } }), "minutes");

    const conclusions = await sys.http("PUT", `/v1/meetings/${id}/conclusions`, {
      as: "deputy-minister-1",
      body: {
        conclusions: [
          { kind: "CONCLUSION_KIND_INFORMATION", content: "Hội nghị thống nhất nội dung báo cáo." },
          {
            kind: "CONCLUSION_KIND_DIRECTIVE",
            content: "Vụ Cải cách hành chính hoàn thiện đề án họp trực tuyến",
            leadUnitId: "CCHC",
            coordinatingUnitIds: ["PC"],
            deadline: { date: "2020-06-30" },
          },
        ],
      },
    });
    expectOk(conclusions);
    expect(remember(conclusions).conclusions.map((c: { number: number; kind: string }) => [c.number, c.kind])).toEqual([
      [1, "CONCLUSION_KIND_INFORMATION"],
      [2, "CONCLUSION_KIND_DIRECTIVE"],
    ]);
    expectViolation(
      await sys.http("PUT", `/v1/meetings/${id}/conclusions`, {
        as: "deputy-minister-1",
        body: { conclusions: [{ kind: "CONCLUSION_KIND_DIRECTIVE", content: "Chỉ đạo không có đơn vị chủ trì" }] },
      }),
      "conclusions[0].leadUnitId",
    );

    expectViolation(await sys.http("POST", `/v1/meetings/${id}/conclude`, { as: "deputy-minister-1", body: { final: true } }), "final");
    const headers = { "idempotency-key": `conclude-${id}` };
    const concluded = await sys.http("POST", `/v1/meetings/${id}/conclude`, { as: "deputy-minister-1", body: {}, headers });
    expectOk(concluded);
    expect(concluded.json.meeting.status).toBe("MEETING_STATUS_CONCLUDED");
    const retried = await sys.http("POST", `/v1/meetings/${id}/conclude`, { as: "deputy-minister-1", body: {}, headers });
    expectOk(retried);
    expect(retried.json.meeting.version).toBe(concluded.json.meeting.version);
    const twice = await sys.http("POST", `/v1/meetings/${id}/conclude`, { as: "deputy-minister-1", body: {} });
    expect(twice.status, twice.text).toBe(409);
  });

  it("POST /v1/meetings/:id/cancel cancels another draft, with a reason", async () => {
    const s = start();
    const created = await sys.http("POST", "/v1/meetings", {
      as: "vp-head",
      body: {
        title: "Họp sẽ bị hủy",
        chairId: "minister",
        start: s.toISOString(),
        plannedEnd: new Date(s.getTime() + 60 * MINUTE).toISOString(),
      },
    });
    expectOk(created, 201);
    const other = created.json.meeting.id;
    expectViolation(await sys.http("POST", `/v1/meetings/${other}/cancel`, { as: "vp-head", body: {} }), "reason");
    const res = await sys.http("POST", `/v1/meetings/${other}/cancel`, {
      as: "vp-head",
      body: { reason: "Trùng lịch làm việc với Chính phủ" },
    });
    expectOk(res);
    expect(res.json.meeting).toMatchObject({ status: "MEETING_STATUS_CANCELLED", cancelReason: "Trùng lịch làm việc với Chính phủ" });
  });
});
