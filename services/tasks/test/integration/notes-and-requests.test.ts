/**
 * What a person writes reaches the history and the events; a deadline request reaches its deciders; a
 * draft programme's tasks take no work; history summaries speak Vietnam time.
 */
import {
  TaskCompleted,
  TaskDeadlineChangeRejected,
  TaskDeadlineChangeRequested,
  TaskDeadlineChanged,
  TaskProgressed,
  TaskSubmitted,
  TaskWithdrawn,
} from "@ministry/proto/ministry/tasks/v1/events";
import { DeadlineRequestStatus, ProgrammeStatus, type TaskHistoryEntry } from "@ministry/proto/ministry/tasks/v1/tasks";
import { status as Status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvedProgramme, refusal as failure, startTasksHarness, type TasksHarness } from "./harness.js";

type Clients = Awaited<ReturnType<TasksHarness["clients"]>>;
let h: TasksHarness;
let office: Clients;
let legalStaff: Clients;
let minister: Clients;

/** Configured on purpose to differ from the default, so the event is seen to carry the configuration. */
const DECIDERS = ["minister", "office_chief"];

beforeAll(async () => {
  h = await startTasksHarness({ env: { DEADLINE_DECIDER_ROLES: DECIDERS.join(",") } });
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  legalStaff = await h.clients({ sub: "pc-staff", name: "Chuyên viên Vụ Pháp chế", roles: ["staff"], unit: "PC" });
  minister = await h.clients({ sub: "minister", name: "Bộ trưởng", roles: ["minister"] });
  await approvedProgramme(office);
});

afterAll(async () => {
  await h?.stop();
});

let codes = 0;
async function newTask(programmeId = "bnv-2020", deadline = "31/05/2020", authority = "CHINH_PHU") {
  const year = programmeId.slice(-4);
  const { task } = await office.tasks.createTask({
    requestId: "",
    programmeId,
    code: `NR-${++codes}`,
    title: "Nghị định quy định về vị trí việc làm trong cơ quan hành chính",
    kind: "NGHI_DINH",
    authority,
    leadUnit: "PC",
    coordinatingUnits: [],
    assignee: "",
    deadline: { spec: { $case: "text", value: deadline.replace("2020", year) }, dueAt: undefined, label: undefined },
    priority: 0,
    source: undefined,
    documentLinks: [],
  });
  return task!;
}

async function historyOf(id: string): Promise<TaskHistoryEntry[]> {
  return (await office.tasks.getTaskHistory({ id, page: undefined })).entries;
}

function entry(entries: TaskHistoryEntry[], action: string): TaskHistoryEntry & { change: Record<string, unknown> } {
  const found = entries.find((e) => e.action === action);
  if (!found) throw new Error(`no ${action} in ${entries.map((e) => e.action).join(", ")}`);
  return { ...found, change: JSON.parse(found.changeJson) };
}

const noTime = { requestId: "", expectedVersion: undefined } as const;

describe("notes: every note a person writes is in the history and its event", () => {
  it("a submission's and a completion's notes are in the task, in its history (summary and change) and in their events", async () => {
    h.clock.set("2020-05-10T02:00:00Z");
    const task = await newTask();
    const submitNote = "Đã trình Chính phủ kèm hồ sơ thẩm định";
    const submitted = await legalStaff.tasks.submitTask({
      ...noTime,
      id: task.id,
      submittedAt: undefined,
      document: undefined,
      note: submitNote,
    });
    expect(submitted.task!.submissionNote).toBe(submitNote);
    const completeNote = "Chính phủ đã ban hành Nghị định 62/2020/NĐ-CP";
    const completed = await office.tasks.completeTask({
      ...noTime,
      id: task.id,
      completedAt: undefined,
      document: undefined,
      note: completeNote,
    });
    expect(completed.task!).toMatchObject({ submissionNote: submitNote, completionNote: completeNote });
    expect((await office.tasks.getTask({ id: task.id })).task).toMatchObject({ submissionNote: submitNote, completionNote: completeNote });

    const history = await historyOf(task.id);
    const submission = entry(history, "task.submitted");
    expect(submission.change.note).toBe(submitNote);
    expect(submission.summary!.vi).toContain(submitNote);
    expect(submission.summary!.en).toContain(submitNote);
    const completion = entry(history, "task.completed");
    expect(completion.change.note).toBe(completeNote);
    expect(completion.summary!.vi).toContain(completeNote);

    const submittedEvent = await h.until(
      () => h.eventsOf("tasks.task.submitted", TaskSubmitted).find((e) => e.aggregateId === task.id),
      "submitted event",
    );
    expect(submittedEvent.data.note).toBe(submitNote);
    const completedEvent = await h.until(
      () => h.eventsOf("tasks.task.completed", TaskCompleted).find((e) => e.aggregateId === task.id),
      "completed event",
    );
    expect(completedEvent.data.note).toBe(completeNote);
  });

  it("a progress note and a withdrawal reason are in the history's summary and in their events", async () => {
    h.clock.set("2020-05-10T02:00:00Z");
    const task = await newTask();
    const progressNote = "Đã gửi xin ý kiến các bộ, ngành";
    await legalStaff.tasks.recordProgress({ ...noTime, id: task.id, percent: 30, note: progressNote, attachments: [] });
    const reason = "Đã được điều chỉnh trong Nghị định khác";
    await minister.tasks.withdrawTask({ ...noTime, id: task.id, reason });

    const history = await historyOf(task.id);
    expect(entry(history, "task.progressed").summary!.vi).toContain(progressNote);
    expect(entry(history, "task.progressed").summary!.vi).toContain("30%");
    expect(entry(history, "task.withdrawn").summary!.vi).toContain(reason);
    expect(entry(history, "task.withdrawn").change.reason).toBe(reason);

    const progressed = await h.until(
      () => h.eventsOf("tasks.task.progressed", TaskProgressed).find((e) => e.aggregateId === task.id),
      "progressed event",
    );
    expect(progressed.data.note).toBe(progressNote);
    const withdrawn = await h.until(
      () => h.eventsOf("tasks.task.withdrawn", TaskWithdrawn).find((e) => e.aggregateId === task.id),
      "withdrawn event",
    );
    expect(withdrawn.data.reason).toBe(reason);
  });
});

describe("deadline changes reach the decider", () => {
  it("a request publishes tasks.task.deadline_change_requested, committed with the change, with the request and the roles that decide it", async () => {
    h.clock.set("2020-05-10T02:00:00Z");
    const task = await newTask();
    const reason = "Chờ ý kiến thẩm định của Bộ Tư pháp";
    const asked = await legalStaff.tasks.requestDeadlineChange({
      ...noTime,
      id: task.id,
      newDeadline: { spec: { $case: "text", value: "Tháng 9/2020" }, dueAt: undefined, label: undefined },
      reason,
    });
    const request = asked.task!.deadlineRequests[0];
    // In the outbox as soon as the call returned: written in the request's transaction.
    expect(await h.committed(task.id)).toEqual(["created", "deadline_change_requested"]);

    const event = await h.until(
      () => h.eventsOf("tasks.task.deadline_change_requested", TaskDeadlineChangeRequested).find((e) => e.aggregateId === task.id),
      "deadline_change_requested event",
    );
    expect(event.data.task!.code).toBe(task.code);
    expect(event.data.actor!.userId).toBe("pc-staff");
    expect(event.data.deciderRoles).toEqual(DECIDERS);
    expect(event.data.request).toMatchObject({
      id: request.id,
      status: DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_PENDING,
      reason,
      requestedBy: "pc-staff",
    });
    expect(event.data.request!.requestedAt!.toISOString()).toBe("2020-05-10T02:00:00.000Z");
    expect(event.data.request!.currentDeadline!.dueAt!.toISOString()).toBe("2020-05-31T16:59:59.999Z");
    expect(event.data.request!.requestedDeadline!.label!.vi).toBe("Tháng 9/2020");

    const summary = entry(await historyOf(task.id), "task.deadline_change_requested").summary!;
    expect(summary.vi).toContain(reason);
    expect(summary.vi).toContain("31/05/2020");
    expect(summary.vi).toContain("30/09/2020");
  });

  it("a refusal publishes tasks.task.deadline_change_rejected with the request, who refused, the note and the requester", async () => {
    h.clock.set("2020-05-10T02:00:00Z");
    const task = await newTask();
    const asked = await legalStaff.tasks.requestDeadlineChange({
      ...noTime,
      id: task.id,
      newDeadline: { spec: { $case: "text", value: "Tháng 8/2020" }, dueAt: undefined, label: undefined },
      reason: "Bổ sung đánh giá tác động",
    });
    const requestId = asked.task!.deadlineRequests[0].id;
    const note = "Đề nghị hoàn thành đúng hạn";
    await minister.tasks.decideDeadlineChange({ ...noTime, id: task.id, deadlineRequestId: requestId, approve: false, note });
    expect(await h.committed(task.id)).toEqual(["created", "deadline_change_requested", "deadline_change_rejected"]);

    const event = await h.until(
      () => h.eventsOf("tasks.task.deadline_change_rejected", TaskDeadlineChangeRejected).find((e) => e.aggregateId === task.id),
      "deadline_change_rejected event",
    );
    expect(event.data.actor!.userId).toBe("minister");
    expect(event.data.note).toBe(note);
    expect(event.data.requestedBy).toBe("pc-staff");
    expect(event.data.request).toMatchObject({
      id: requestId,
      status: DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_REJECTED,
      decidedBy: "minister",
      note,
    });
    expect(event.data.task!.deadline!.dueAt!.toISOString()).toBe("2020-05-31T16:59:59.999Z");
    expect(entry(await historyOf(task.id), "task.deadline_change_rejected").summary!.vi).toContain(note);
  });

  it("an approval's note is in tasks.task.deadline_changed and in the history", async () => {
    h.clock.set("2020-05-10T02:00:00Z");
    const task = await newTask();
    const asked = await legalStaff.tasks.requestDeadlineChange({
      ...noTime,
      id: task.id,
      newDeadline: { spec: { $case: "text", value: "Tháng 7/2020" }, dueAt: undefined, label: undefined },
      reason: "Chờ ý kiến Văn phòng Chính phủ",
    });
    const requestId = asked.task!.deadlineRequests[0].id;
    const note = "Đồng ý, không lùi thêm";
    await office.tasks.decideDeadlineChange({ ...noTime, id: task.id, deadlineRequestId: requestId, approve: true, note });
    const event = await h.until(
      () => h.eventsOf("tasks.task.deadline_changed", TaskDeadlineChanged).find((e) => e.aggregateId === task.id),
      "deadline_changed event",
    );
    expect(event.data).toMatchObject({ decisionNote: note, deadlineRequestId: requestId, reason: "Chờ ý kiến Văn phòng Chính phủ" });
    const summary = entry(await historyOf(task.id), "task.deadline_changed").summary!;
    expect(summary.vi).toContain(note);
    expect(summary.vi).toContain("31/07/2020");
  });
});

describe("a draft programme is a plan", () => {
  it("refuses progress, submission and completion on a task of a draft programme (PROGRAMME_NOT_APPROVED) and changes nothing; planning still works", async () => {
    h.clock.set("2020-05-10T02:00:00Z");
    await office.programmes.createProgramme({ requestId: "", year: 2021, issuingBody: "", title: "" });
    const task = await newTask("bnv-2021", "31/05/2020", "");
    const refusals = [
      await failure(legalStaff.tasks.recordProgress({ ...noTime, id: task.id, percent: 10, note: "", attachments: [] })),
      await failure(
        legalStaff.tasks.recordProgress({ ...noTime, id: task.id, percent: undefined, note: "Đã họp tổ soạn thảo", attachments: [] }),
      ),
      await failure(legalStaff.tasks.submitTask({ ...noTime, id: task.id, submittedAt: undefined, document: undefined, note: "" })),
      await failure(legalStaff.tasks.completeTask({ ...noTime, id: task.id, completedAt: undefined, document: undefined, note: "" })),
    ];
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({
        code: Status.FAILED_PRECONDITION,
        reason: "PROGRAMME_NOT_APPROVED",
        metadata: { programme_id: "bnv-2021", programme_status: "draft" },
      });
      const [vi, en] = refusal.message.split(" / ");
      expect(vi).toContain("dự thảo");
      expect(vi).not.toMatch(/draft|approved|programme/i);
      expect(en).toMatch(/draft/);
    }
    expect((await office.tasks.getTask({ id: task.id })).task!.version).toBe(task.version);
    expect(await h.committed(task.id)).toEqual(["created"]);

    // Planning edits stay open.
    const assigned = await office.tasks.assignTask({
      ...noTime,
      id: task.id,
      assignee: "Trần Thị Lan",
      leadUnit: "",
      coordinatingUnits: [],
      setCoordinatingUnits: false,
    });
    expect(assigned.task!.assignee).toBe("Trần Thị Lan");

    await office.programmes.changeProgrammeStatus({
      requestId: "",
      id: "bnv-2021",
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
      expectedVersion: undefined,
    });
    const progressed = await legalStaff.tasks.recordProgress({ ...noTime, id: task.id, percent: 10, note: "", attachments: [] });
    expect(progressed.task!.progress).toBe(10);
  });
});

describe("history in Vietnam time", () => {
  it("a submission on the evening of 30 June UTC reads 1 July, the day it was in Vietnam", async () => {
    h.clock.set("2020-07-01T03:00:00Z");
    const task = await newTask("bnv-2020", "30/06/2020");
    // 18:30 UTC on 30 June is 01:30 on 1 July in Hanoi: late by a day.
    await legalStaff.tasks.submitTask({
      ...noTime,
      id: task.id,
      submittedAt: new Date("2020-06-30T18:30:00Z"),
      document: undefined,
      note: "",
    });
    const summary = entry(await historyOf(task.id), "task.submitted").summary!;
    expect(summary.vi).toContain("01/07/2020");
    expect(summary.en).toContain("01/07/2020");
    expect(summary.vi).not.toContain("30/06/2020");
    expect(summary.vi).not.toMatch(/\d{4}-\d{2}-\d{2}|UTC|Z\b/);
  });
});
