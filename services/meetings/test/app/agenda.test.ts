/**
 * The agenda at the app layer, against the embedded MongoDB-compatible server: items and their planned
 * starts, every validation path, who may change it and when, what an item keeps when the agenda is
 * replaced, the current item's time under a ManualClock, and the refusals of AttachReportSnapshot that
 * come before the tasks service is asked (the snapshot itself is tested with the service harness,
 * against the real tasks service).
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { badRequest, errorInfo, statusMetadata } from "@ministry/platform";
import { GetReportRequest } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromTasksError, type NewAgendaItemInput, tasksRequestId } from "../../src/app/agenda.js";
import { MAX_AGENDA_ITEMS, MAX_DESCRIPTION_LENGTH, MAX_ITEM_DOCUMENTS } from "../../src/domain/limits.js";
import type { FrozenReport } from "../../src/domain/model.js";
import { toProtoMeeting } from "../../src/grpc/mapping.js";
import { CHAIR, newApp, OFFICE, OUTSIDER, PARTICIPANT, refusal, SECRETARY, startMongo, stopMongo, violatedFields } from "./fixture.js";

beforeAll(startMongo);
afterAll(stopMongo);

function item(over: Partial<NewAgendaItemInput> = {}): NewAgendaItemInput {
  return {
    id: "",
    title: "Báo cáo kết quả thực hiện nhiệm vụ quý I",
    presenterId: "",
    plannedMinutes: 30,
    documents: [],
    description: "",
    ...over,
  };
}

const QUARTER_AGENDA: NewAgendaItemInput[] = [
  item({ title: "Khai mạc", plannedMinutes: 10, presenterId: CHAIR.userId }),
  item({
    title: "Báo cáo tình hình thực hiện Chương trình công tác quý I/2020",
    plannedMinutes: 45,
    presenterId: SECRETARY.userId,
    documents: [{ documentId: "BC-123/BNV", title: "Báo cáo số 123/BC-BNV" }],
    description: "Văn phòng Bộ trình bày.\nCác đơn vị góp ý.",
  }),
  item({ id: "ket-luan", title: "Kết luận của Thứ trưởng", plannedMinutes: 15 }),
];

describe("SetAgenda", () => {
  it("stores the items in order with default ids, presenters from the directory, and planned starts from the meeting's start", async () => {
    const t = newApp();
    const m = await t.draft();
    const { meeting, myPermissions } = await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    expect(meeting.version).toBe(m.version + 1);
    expect(meeting.sequence).toBe(m.sequence);
    expect(myPermissions).toContain("manage");
    expect(meeting.agenda.map((i) => i.id)).toEqual(["1", "2", "ket-luan"]);
    expect(meeting.agenda[0].presenter).toEqual({
      personId: CHAIR.userId,
      fullName: "Trần Văn Hùng",
      position: "Thứ trưởng",
      unit: { id: "VP", name: "Văn phòng Bộ" },
    });
    expect(meeting.agenda[1].description).toBe("Văn phòng Bộ trình bày.\nCác đơn vị góp ý.");
    expect(meeting.agenda[1].documents).toEqual([{ documentId: "BC-123/BNV", title: "Báo cáo số 123/BC-BNV" }]);
    expect(meeting.agenda[2].presenter).toBeUndefined();
    const shown = toProtoMeeting(meeting);
    // 08:30 Vietnam time, then +10 and +45 minutes
    expect(shown.agenda.map((i) => i.plannedStart?.toISOString())).toEqual([
      "2020-03-30T01:30:00.000Z",
      "2020-03-30T01:40:00.000Z",
      "2020-03-30T02:25:00.000Z",
    ]);
    expect(await t.meeting(m._id)).toEqual(meeting);
    const audit = await t.app.db.collection("audit").find({ action: "meeting.agenda_set" }).toArray();
    expect(audit).toHaveLength(1);
  });

  it("names every violation by the request's field path, and changes nothing", async () => {
    const t = newApp();
    const m = await t.draft();
    const fields = await violatedFields(
      t.agenda.setAgenda(OFFICE, t.mutation(m), [
        item({ id: "a b" }),
        item({ id: "x".repeat(41) }),
        item({ id: "dup" }),
        item({ id: "dup" }),
        item({ id: "", title: "  " }),
        item({ id: "6-ok", title: "T".repeat(501), plannedMinutes: 0 }),
        item({ id: "7-ok", plannedMinutes: 601, presenterId: "khong.co" }),
        item({ id: "8-ok", description: "d".repeat(MAX_DESCRIPTION_LENGTH + 1) }),
        item({
          id: "9-ok",
          documents: [
            { documentId: "", title: "" },
            { documentId: "D".repeat(65), title: "" },
            { documentId: "CV-1", title: "t".repeat(501) },
            { documentId: "CV-1", title: "" },
          ],
        }),
        item({ id: "10-ok", documents: Array.from({ length: MAX_ITEM_DOCUMENTS + 1 }, (_, i) => ({ documentId: `D${i}`, title: "" })) }),
        item({ id: "5" }),
        item({ id: "11-ok", plannedMinutes: 1.5 }),
      ]),
    );
    expect(fields).toEqual(
      [
        "items[0].id",
        "items[1].id",
        "items[3].id",
        "items[4].title",
        "items[5].title",
        "items[5].planned_minutes",
        "items[6].planned_minutes",
        "items[6].presenter_id",
        "items[7].description",
        "items[8].documents[0].document_id",
        "items[8].documents[1].document_id",
        "items[8].documents[2].title",
        "items[8].documents[3].document_id",
        "items[9].documents",
        // "5" is the fifth item's default id
        "items[10].id",
        "items[11].planned_minutes",
      ].sort(),
    );
    expect(
      await violatedFields(
        t.agenda.setAgenda(
          OFFICE,
          t.mutation(m),
          Array.from({ length: MAX_AGENDA_ITEMS + 1 }, () => item()),
        ),
      ),
    ).toEqual(["items"]);
    expect((await t.meeting(m._id)).agenda).toEqual([]);
    expect((await t.meeting(m._id)).version).toBe(m.version);
  });

  it("a collision between a default id and a given one names both items", async () => {
    const t = newApp();
    const m = await t.draft();
    const err = await refusal(t.agenda.setAgenda(OFFICE, t.mutation(m), [item({ id: "2" }), item()]));
    expect(err.violations).toEqual([{ field: "items[1].id", description: expect.stringContaining("item 1") }]);
  });

  it("managers only: a participant is refused, a caller who does not see the meeting finds none", async () => {
    const t = newApp();
    const m = await t.scheduled();
    expect((await refusal(t.agenda.setAgenda(PARTICIPANT, t.mutation(m), QUARTER_AGENDA))).kind).toBe("PermissionDenied");
    expect((await refusal(t.agenda.setAgenda(OUTSIDER, t.mutation(m), QUARTER_AGENDA))).kind).toBe("NotFound");
    expect((await refusal(t.agenda.setAgenda(OUTSIDER, t.mutation({ ...m, _id: "khong-co" }), QUARTER_AGENDA))).kind).toBe("NotFound");
    // the secretary (another unit) and the chair manage it
    await t.agenda.setAgenda(SECRETARY, t.mutation(m), QUARTER_AGENDA);
    const { meeting } = await t.agenda.setAgenda(CHAIR, t.mutation(m), QUARTER_AGENDA.slice(0, 1));
    expect(meeting.agenda).toHaveLength(1);
  });

  it("a stale expected_version is ABORTED VERSION_CONFLICT", async () => {
    const t = newApp();
    const m = await t.draft();
    const err = await refusal(t.agenda.setAgenda(OFFICE, { ...t.mutation(m), expectedVersion: m.version - 1 }, QUARTER_AGENDA));
    expect(err).toMatchObject({ kind: "Aborted", reason: "VERSION_CONFLICT" });
  });

  it("changes until the meeting ends: an ended meeting's agenda is FAILED_PRECONDITION MEETING_CLOSED", async () => {
    const t = newApp();
    const m = await t.ended();
    expect(await refusal(t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_CLOSED",
    });
  });

  it("an item that keeps its id keeps its frozen report and its time; a renamed one starts afresh", async () => {
    const t = newApp();
    const m = await t.inProgress();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "2" });
    t.clock.advance(90_000);
    await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "ket-luan" });
    const frozen: FrozenReport = {
      snapshotId: "snap-1",
      title: "Báo cáo quý I/2020",
      report: { programmeId: "CT-2020" },
      frozenAt: t.clock.now(),
    };
    await t.app.store.meetings.updateOne({ _id: m._id, "agenda.id": "2" }, { $set: { "agenda.$.report": frozen } });
    const before = (await t.meeting(m._id)).agenda[1];
    const { meeting } = await t.agenda.setAgenda(OFFICE, t.mutation(await t.meeting(m._id)), [
      item({ id: "ket-luan", title: "Kết luận", plannedMinutes: 20 }),
      item({ id: "2", title: "Báo cáo quý I (sửa)", plannedMinutes: 50 }),
      item({ id: "khai-mac", title: "Khai mạc", plannedMinutes: 5 }),
    ]);
    const kept = meeting.agenda.find((i) => i.id === "2");
    expect(kept).toMatchObject({ title: "Báo cáo quý I (sửa)", plannedMinutes: 50, report: frozen, elapsedSeconds: 90 });
    expect(kept?.startedAt).toEqual(before.startedAt);
    expect(kept?.endedAt).toEqual(before.endedAt);
    expect(meeting.agenda.find((i) => i.id === "khai-mac")).toMatchObject({ elapsedSeconds: 0 });
    expect(meeting.agenda.find((i) => i.id === "khai-mac")?.startedAt).toBeUndefined();
    expect(meeting.currentItemId).toBe("ket-luan");
  });

  it("refuses to remove the item under discussion (FAILED_PRECONDITION CURRENT_ITEM_REMOVED)", async () => {
    const t = newApp();
    const m = await t.inProgress();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "2" });
    const err = await refusal(t.agenda.setAgenda(OFFICE, t.mutation(m), [item({ id: "1" }), item({ id: "ket-luan" })]));
    expect(err).toMatchObject({ kind: "FailedPrecondition", reason: "CURRENT_ITEM_REMOVED" });
    expect((await t.meeting(m._id)).agenda).toHaveLength(3);
  });
});

describe("SetCurrentItem", () => {
  it("counts each item's time while it is current, across returns to it and the meeting's end", async () => {
    const t = newApp();
    const m = await t.inProgress();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    const t0 = t.clock.advance(60_000);
    let r = await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "1" });
    expect(r.meeting.currentItemId).toBe("1");
    expect(r.meeting.currentItemSince).toEqual(t0);
    expect(r.meeting.agenda[0]).toMatchObject({ startedAt: t0, elapsedSeconds: 0 });

    const t1 = t.clock.advance(5 * 60_000);
    r = await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "2" });
    expect(r.meeting.agenda[0]).toMatchObject({ startedAt: t0, endedAt: t1, elapsedSeconds: 300 });
    expect(r.meeting.agenda[1]).toMatchObject({ startedAt: t1, elapsedSeconds: 0 });

    const t2 = t.clock.advance(2 * 60_000 + 400);
    r = await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "1" });
    expect(r.meeting.agenda[1]).toMatchObject({ endedAt: t2, elapsedSeconds: 120 });
    // back under discussion: first start kept, not ended
    expect(r.meeting.agenda[0].startedAt).toEqual(t0);
    expect(r.meeting.agenda[0].endedAt).toBeUndefined();

    const t3 = t.clock.advance(60_000);
    const ended = await t.meetings.end(OFFICE, t.mutation(r.meeting));
    expect(ended.currentItemId).toBe("");
    expect(ended.agenda[0]).toMatchObject({ startedAt: t0, endedAt: t3, elapsedSeconds: 360 });
    expect(ended.agenda[2]).toMatchObject({ elapsedSeconds: 0 });
  });

  it("an empty item id leaves no item current", async () => {
    const t = newApp();
    const m = await t.inProgress();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "ket-luan" });
    t.clock.advance(45_000);
    const { meeting } = await t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "" });
    expect(meeting.currentItemId).toBe("");
    expect(meeting.currentItemSince).toBeUndefined();
    expect(meeting.agenda[2].elapsedSeconds).toBe(45);
  });

  it("only while the meeting runs (MEETING_NOT_IN_PROGRESS), only for an item on the agenda, only by managers", async () => {
    const t = newApp();
    const m = await t.scheduled();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    expect(await refusal(t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "1" }))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_NOT_IN_PROGRESS",
    });
    await t.meetings.start(OFFICE, t.mutation(await t.meeting(m._id)));
    expect(await violatedFields(t.agenda.setCurrentItem(OFFICE, { meetingId: m._id, itemId: "9" }))).toEqual(["item_id"]);
    expect(await violatedFields(t.agenda.setCurrentItem(OFFICE, { meetingId: "", itemId: "a/b" }))).toEqual(["item_id", "meeting_id"]);
    expect((await refusal(t.agenda.setCurrentItem(PARTICIPANT, { meetingId: m._id, itemId: "1" }))).kind).toBe("PermissionDenied");
    expect((await refusal(t.agenda.setCurrentItem(OUTSIDER, { meetingId: m._id, itemId: "1" }))).kind).toBe("NotFound");
  });

  it("a retry with the same request id answers the first result and changes nothing more", async () => {
    const t = newApp();
    const m = await t.inProgress();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    const first = await t.agenda.setCurrentItem(OFFICE, { requestId: "r-1", meetingId: m._id, itemId: "1" });
    t.clock.advance(60_000);
    const again = await t.agenda.setCurrentItem(OFFICE, { requestId: "r-1", meetingId: m._id, itemId: "1" });
    expect(again.meeting).toEqual(first.meeting);
    expect(again.myPermissions).toContain("manage");
    expect((await t.meeting(m._id)).version).toBe(first.meeting.version);
    const reused = await refusal(t.agenda.setCurrentItem(OFFICE, { requestId: "r-1", meetingId: m._id, itemId: "2" }));
    expect(reused).toMatchObject({ kind: "FailedPrecondition", reason: "REQUEST_ID_REUSED" });
  });
});

describe("AttachReportSnapshot before the tasks service is asked", () => {
  const report = GetReportRequest.fromPartial({
    period: { period: { $case: "quarter", value: { year: 2020, quarter: 1 } } },
    programmeId: "CT-2020",
  });

  it("a hidden meeting, a participant, an unknown item and a concluded meeting are refused without a call to tasks", async () => {
    const t = newApp();
    const m = await t.inProgress();
    await t.agenda.setAgenda(OFFICE, t.mutation(m), QUARTER_AGENDA);
    const input = { meetingId: m._id, itemId: "2", report, title: "Báo cáo quý I/2020" };
    expect((await refusal(t.agenda.attachReportSnapshot(OUTSIDER, input))).kind).toBe("NotFound");
    expect((await refusal(t.agenda.attachReportSnapshot(PARTICIPANT, input))).kind).toBe("PermissionDenied");
    expect(await violatedFields(t.agenda.attachReportSnapshot(OFFICE, { ...input, itemId: "7" }))).toEqual(["item_id"]);
    expect(await violatedFields(t.agenda.attachReportSnapshot(OFFICE, { ...input, report: undefined, title: "t".repeat(501) }))).toEqual([
      "report",
      "title",
    ]);
    await t.meetings.end(OFFICE, t.mutation(await t.meeting(m._id)));
    await t.meetings.conclude(OFFICE, t.mutation(await t.meeting(m._id)));
    expect(await refusal(t.agenda.attachReportSnapshot(OFFICE, input))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_CLOSED",
    });
  });

  it("the tasks service's refusals reach the caller with their code, field violations and reason", () => {
    const failed = (code: status, details: ReturnType<typeof badRequest>[] = []): ServiceError =>
      Object.assign(new Error("x"), {
        code,
        details: "Kỳ báo cáo không hợp lệ / Invalid period",
        metadata: statusMetadata(code, "m", details),
      });
    const invalid = fromTasksError(
      failed(status.INVALID_ARGUMENT, [badRequest([{ field: "report.period", description: "Bắt buộc / Required" }])]),
    );
    expect(invalid).toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "report.period", description: "Bắt buộc / Required" }],
    });
    expect(fromTasksError(failed(status.INVALID_ARGUMENT))).toMatchObject({ kind: "InvalidArgument", violations: [{ field: "report" }] });
    expect(fromTasksError(failed(status.PERMISSION_DENIED))).toMatchObject({ kind: "PermissionDenied" });
    expect(fromTasksError(failed(status.NOT_FOUND))).toMatchObject({ kind: "NotFound" });
    expect(fromTasksError(failed(status.FAILED_PRECONDITION, [errorInfo("PROGRAMME_ARCHIVED")]))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "PROGRAMME_ARCHIVED",
    });
    expect(
      fromTasksError(Object.assign(new Error("down"), { code: status.UNAVAILABLE, details: "", metadata: new Metadata() })),
    ).toMatchObject({
      code: status.UNAVAILABLE,
    });
  });

  it("the request id the tasks service gets follows the caller's: the same for a retry, none without one", () => {
    const a = tasksRequestId(OFFICE, "r-1", "m-1", "2");
    expect(a).toBe(tasksRequestId(OFFICE, "r-1", "m-1", "2"));
    expect(a).not.toBe(tasksRequestId(OFFICE, "r-1", "m-1", "3"));
    expect(a).not.toBe(tasksRequestId(SECRETARY, "r-1", "m-1", "2"));
    expect(tasksRequestId(OFFICE, "x".repeat(128), "m-1", "2").length).toBeLessThanOrEqual(64);
    expect(tasksRequestId(OFFICE, undefined, "m-1", "2")).toBe("");
  });
});
