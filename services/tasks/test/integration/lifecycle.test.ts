import { decodeStatusDetails } from "@ministry/platform";
import {
  TaskCompleted,
  TaskCreated,
  TaskDeadlineChanged,
  TaskProgressed,
  TaskSubmitted,
  TaskWithdrawn,
} from "@ministry/proto/ministry/tasks/v1/events";
import {
  DeadlineRequestStatus,
  DocumentRelation,
  FileFormat,
  ListTasksRequest,
  ProgrammeStatus,
  TaskStatus,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { status as Status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvedProgramme, startTasksHarness, type TasksHarness } from "./harness.js";

let h: TasksHarness;
let office: Awaited<ReturnType<TasksHarness["clients"]>>;
let legalStaff: Awaited<ReturnType<TasksHarness["clients"]>>;
let minister: Awaited<ReturnType<TasksHarness["clients"]>>;
let deputy: Awaited<ReturnType<TasksHarness["clients"]>>;

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  legalStaff = await h.clients({ sub: "pc-staff", name: "Chuyên viên Vụ Pháp chế", roles: ["staff"], unit: "PC" });
  minister = await h.clients({ sub: "minister", name: "Bộ trưởng", roles: ["minister"] });
  deputy = await h.clients({ sub: "deputy", name: "Thứ trưởng", roles: ["deputy_minister"] });
  await approvedProgramme(office);
});

afterAll(async () => {
  await h?.stop();
});

function grpcError(err: unknown): { code: number; reason?: string; fields: string[]; metadata: Record<string, string> } {
  const e = err as { code: number };
  const details = decodeStatusDetails(err as never);
  return {
    code: e.code,
    reason: details?.errorInfo?.reason,
    fields: details?.badRequest?.fieldViolations.map((v) => v.field) ?? [],
    metadata: details?.errorInfo?.metadata ?? {},
  };
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return grpcError(err);
  }
  throw new Error("expected the call to fail");
}

function newTask(extra: Record<string, unknown> = {}) {
  return {
    requestId: "",
    programmeId: "bnv-2020",
    code: "",
    title: "Nghị định quy định về tổ chức các cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh",
    kind: "NGHI_DINH",
    authority: "CHINH_PHU",
    leadUnit: "PC",
    coordinatingUnits: ["TCBC"],
    assignee: "Nguyễn Văn Hùng",
    deadline: { spec: { $case: "text" as const, value: "Quý II/2020" }, dueAt: undefined, label: undefined },
    priority: 0,
    source: undefined,
    documentLinks: [],
    ...extra,
  };
}

describe("tasks over gRPC: the full lifecycle", () => {
  it("creates a task with its deadline resolved in Vietnam time and publishes tasks.task.created", async () => {
    const { task } = await office.tasks.createTask(newTask({ code: "LC-01" }));
    expect(task!.status).toBe(TaskStatus.TASK_STATUS_NOT_STARTED);
    expect(task!.version).toBe(1);
    expect(task!.deadline!.spec).toEqual({ $case: "quarter", value: { year: 2020, quarter: 2 } });
    expect(task!.deadline!.dueAt!.toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(task!.deadline!.label!.vi).toBe("Quý II/2020");
    const created = await h.until(
      () => h.eventsOf("tasks.task.created", TaskCreated).find((e) => e.aggregateId === task!.id),
      "created event",
    );
    expect(created.data.task!.title).toBe(task!.title);
    expect(created.data.task!.leadUnit).toEqual({ id: "PC", name: "Vụ Pháp chế" });
    expect(created.data.task!.assignee).toBe("Nguyễn Văn Hùng");
    expect(created.data.task!.deadline!.dueAt!.toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(created.data.actor!.userId).toBe("vp-chief");
  });

  it("moves not started → in progress → submitted → completed, keeping who, when and why", async () => {
    const { task } = await office.tasks.createTask(newTask({ code: "LC-02" }));
    const id = task!.id;
    h.clock.set("2020-04-10T02:00:00Z");
    const progressed = await legalStaff.tasks.recordProgress({
      requestId: "",
      id,
      expectedVersion: 1,
      percent: 40,
      note: "Đã xin ý kiến các bộ, ngành",
      attachments: [{ documentId: "doc-77", title: "Tổng hợp ý kiến" }],
    });
    expect(progressed.task!.status).toBe(TaskStatus.TASK_STATUS_IN_PROGRESS);
    expect(progressed.task!.progress).toBe(40);
    expect(progressed.task!.version).toBe(2);

    h.clock.set("2020-06-20T02:00:00Z");
    const submitted = await legalStaff.tasks.submitTask({
      requestId: "",
      id,
      expectedVersion: 2,
      submittedAt: undefined,
      document: { documentId: "doc-tt-125", relation: 3, number: "125/TTr-BNV" },
      note: "",
    });
    expect(submitted.task!.status).toBe(TaskStatus.TASK_STATUS_SUBMITTED);
    expect(submitted.task!.onTime).toBe(true);
    expect(submitted.task!.submittedAt!.toISOString()).toBe("2020-06-20T02:00:00.000Z");
    expect(submitted.task!.documentLinks.map((l) => l.documentId)).toContain("doc-tt-125");

    h.clock.set("2020-07-15T02:00:00Z");
    const completed = await office.tasks.completeTask({
      requestId: "",
      id,
      expectedVersion: 3,
      completedAt: undefined,
      document: undefined,
      note: "Chính phủ đã ban hành",
    });
    expect(completed.task!.status).toBe(TaskStatus.TASK_STATUS_COMPLETED);
    // Submission fixed on-time; the Government's later decision does not change it.
    expect(completed.task!.onTime).toBe(true);

    const history = await office.tasks.getTaskHistory({ id, page: undefined });
    expect(history.entries.map((e) => e.action)).toEqual(["task.completed", "task.submitted", "task.progressed", "task.created"]);
    expect(history.entries[1].actor!.userId).toBe("pc-staff");
    expect(history.entries[1].at!.toISOString()).toBe("2020-06-20T02:00:00.000Z");
    expect(history.entries[0].summary!.vi).toBe("Hoàn thành ngày 15/07/2020. Ghi chú: Chính phủ đã ban hành");
    expect(history.entries[1].summary!.vi).toBe("Đã trình ngày 20/06/2020, đúng hạn");

    await h.until(() => h.eventsOf("tasks.task.completed", TaskCompleted).find((e) => e.aggregateId === id), "completed event");
    const submittedEvent = h.eventsOf("tasks.task.submitted", TaskSubmitted).find((e) => e.aggregateId === id)!;
    expect(submittedEvent.data.onTime).toBe(true);
    expect(submittedEvent.data.documentId).toBe("doc-tt-125");
    const progressedEvent = h.eventsOf("tasks.task.progressed", TaskProgressed).find((e) => e.aggregateId === id)!;
    expect(progressedEvent.data.percent).toBe(40);
    expect(progressedEvent.data.attachments).toEqual([{ documentId: "doc-77", title: "Tổng hợp ý kiến" }]);

    const again = await failure(
      office.tasks.submitTask({ requestId: "", id, expectedVersion: undefined, submittedAt: undefined, document: undefined, note: "" }),
    );
    expect(again).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "TASK_COMPLETED" });
  });

  it("refuses to complete a task for an authority before it is submitted (SUBMISSION_REQUIRED) and changes nothing", async () => {
    const { task } = await office.tasks.createTask(newTask({ code: "LC-03" }));
    const err = await failure(
      legalStaff.tasks.completeTask({
        requestId: "",
        id: task!.id,
        expectedVersion: undefined,
        completedAt: undefined,
        document: undefined,
        note: "",
      }),
    );
    expect(err).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "SUBMISSION_REQUIRED" });
    const after = await office.tasks.getTask({ id: task!.id });
    expect(after.task!.version).toBe(1);
    expect(after.task!.status).toBe(TaskStatus.TASK_STATUS_NOT_STARTED);
  });

  it("withdraws a task with a reason, the approver being the leader who withdraws it", async () => {
    const { task } = await office.tasks.createTask(newTask({ code: "LC-04" }));
    const missing = await failure(minister.tasks.withdrawTask({ requestId: "", id: task!.id, expectedVersion: undefined, reason: " " }));
    expect(missing).toMatchObject({ code: Status.INVALID_ARGUMENT, fields: ["reason"] });
    const { task: withdrawn } = await minister.tasks.withdrawTask({
      requestId: "",
      id: task!.id,
      expectedVersion: 1,
      reason: "Đã được điều chỉnh trong Nghị định khác",
    });
    expect(withdrawn!.status).toBe(TaskStatus.TASK_STATUS_WITHDRAWN);
    expect(withdrawn!.withdrawal).toMatchObject({
      reason: "Đã được điều chỉnh trong Nghị định khác",
      approvedBy: "minister",
      by: "minister",
    });
    const event = await h.until(
      () => h.eventsOf("tasks.task.withdrawn", TaskWithdrawn).find((e) => e.aggregateId === task!.id),
      "withdrawn",
    );
    expect(event.data.reason).toBe("Đã được điều chỉnh trong Nghị định khác");
  });

  it("a deadline change is requested, refused (nothing moves), requested again and approved (the deadline moves)", async () => {
    h.clock.set("2020-05-01T02:00:00Z");
    const { task } = await office.tasks.createTask(
      newTask({ code: "LC-05", deadline: { spec: { $case: "date", value: "2020-05-31" }, dueAt: undefined, label: undefined } }),
    );
    const id = task!.id;
    const asked = await legalStaff.tasks.requestDeadlineChange({
      requestId: "",
      id,
      expectedVersion: 1,
      newDeadline: { spec: { $case: "text", value: "Tháng 9/2020" }, dueAt: undefined, label: undefined },
      reason: "Chờ ý kiến thẩm định của Bộ Tư pháp",
    });
    const request = asked.task!.deadlineRequests[0];
    expect(request.status).toBe(DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_PENDING);
    expect(asked.task!.deadline!.dueAt!.toISOString()).toBe("2020-05-31T16:59:59.999Z");

    // Staff cannot decide, not even on their own unit's task.
    const denied = await failure(
      legalStaff.tasks.decideDeadlineChange({
        requestId: "",
        id,
        expectedVersion: undefined,
        deadlineRequestId: request.id,
        approve: true,
        note: "",
      }),
    );
    expect(denied.code).toBe(Status.PERMISSION_DENIED);

    const refused = await deputy.tasks.decideDeadlineChange({
      requestId: "",
      id,
      expectedVersion: undefined,
      deadlineRequestId: request.id,
      approve: false,
      note: "Đề nghị hoàn thành đúng hạn",
    });
    expect(refused.task!.deadlineRequests[0].status).toBe(DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_REJECTED);
    expect(refused.task!.deadline!.dueAt!.toISOString()).toBe("2020-05-31T16:59:59.999Z");

    const second = await legalStaff.tasks.requestDeadlineChange({
      requestId: "",
      id,
      expectedVersion: undefined,
      newDeadline: { spec: { $case: "month", value: { year: 2020, month: 7 } }, dueAt: undefined, label: undefined },
      reason: "Bổ sung đánh giá tác động theo yêu cầu của Văn phòng Chính phủ",
    });
    const pending = second.task!.deadlineRequests[1];
    const approved = await minister.tasks.decideDeadlineChange({
      requestId: "",
      id,
      expectedVersion: undefined,
      deadlineRequestId: pending.id,
      approve: true,
      note: "",
    });
    expect(approved.task!.deadline!.label!.vi).toBe("Tháng 7/2020");
    expect(approved.task!.deadline!.dueAt!.toISOString()).toBe("2020-07-31T16:59:59.999Z");
    const event = await h.until(
      () => h.eventsOf("tasks.task.deadline_changed", TaskDeadlineChanged).find((e) => e.aggregateId === id),
      "deadline_changed",
    );
    expect(event.data.previousDeadline!.dueAt!.toISOString()).toBe("2020-05-31T16:59:59.999Z");
    expect(event.data.task!.deadline!.label!.vi).toBe("Tháng 7/2020");
    expect(event.data.actor!.userId).toBe("minister");
    expect(event.data.requestedBy).toBe("pc-staff");
    // Refusal published nothing: exactly one deadline_changed for this task.
    expect(h.eventsOf("tasks.task.deadline_changed", TaskDeadlineChanged).filter((e) => e.aggregateId === id)).toHaveLength(1);
  });

  it("bad input gets INVALID_ARGUMENT with every field violation and changes nothing", async () => {
    const before = await office.tasks.listTasks(ListTasksRequest.fromPartial({ programmeId: "bnv-2020" }));
    const err = await failure(
      office.tasks.createTask(
        newTask({
          code: "LC-BAD",
          title: "",
          kind: "KHONG_CO",
          leadUnit: "XYZ",
          deadline: { spec: { $case: "text", value: "31/02/2020" }, dueAt: undefined, label: undefined },
        }),
      ),
    );
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect(err.fields).toEqual(expect.arrayContaining(["title", "kind", "lead_unit", "deadline"]));
    const after = await office.tasks.listTasks(ListTasksRequest.fromPartial({ programmeId: "bnv-2020" }));
    expect(after.page!.totalSize).toBe(before.page!.totalSize);
  });

  it("a retried request (same request_id) answers the first result and changes nothing more", async () => {
    const first = await office.tasks.createTask(newTask({ requestId: "retry-1", code: "LC-06" }));
    const second = await office.tasks.createTask(newTask({ requestId: "retry-1", code: "LC-06" }));
    expect(second.task!.id).toBe(first.task!.id);
    const p1 = await legalStaff.tasks.recordProgress({
      requestId: "p-1",
      id: first.task!.id,
      expectedVersion: undefined,
      percent: 10,
      note: "",
      attachments: [],
    });
    const p2 = await legalStaff.tasks.recordProgress({
      requestId: "p-1",
      id: first.task!.id,
      expectedVersion: undefined,
      percent: 10,
      note: "",
      attachments: [],
    });
    expect(p2.task!.version).toBe(p1.task!.version);
    const history = await office.tasks.getTaskHistory({ id: first.task!.id, page: undefined });
    expect(history.entries.filter((e) => e.action === "task.progressed")).toHaveLength(1);
  });

  it("a request id reused for another task, another method or another request is refused, and changes nothing", async () => {
    const a = (await office.tasks.createTask(newTask({ code: "LC-07" }))).task!;
    const b = (await office.tasks.createTask(newTask({ code: "LC-08" }))).task!;
    const progress = (id: string, percent: number) =>
      legalStaff.tasks.recordProgress({ requestId: "p-reused", id, expectedVersion: undefined, percent, note: "", attachments: [] });
    const first = await progress(a.id, 20);
    expect(first.task!.progress).toBe(20);

    const otherTask = await failure(progress(b.id, 20));
    expect(otherTask).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "REQUEST_ID_REUSED" });
    const otherRequest = await failure(progress(a.id, 30));
    expect(otherRequest).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "REQUEST_ID_REUSED" });
    const otherMethod = await failure(
      legalStaff.tasks.linkDocument({
        requestId: "p-reused",
        id: a.id,
        expectedVersion: undefined,
        document: { documentId: "doc-9", relation: DocumentRelation.DOCUMENT_RELATION_REFERENCE, number: "" },
      }),
    );
    expect(otherMethod).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "REQUEST_ID_REUSED" });

    expect((await office.tasks.getTask({ id: b.id })).task!.version).toBe(b.version);
    expect((await office.tasks.getTask({ id: a.id })).task).toMatchObject({
      version: first.task!.version,
      progress: 20,
      documentLinks: [],
    });
    // The retry of the first request still answers it.
    expect((await progress(a.id, 20)).task!.version).toBe(first.task!.version);
  });

  it("programmes: created once per year, approved then closed; a closed one takes no task", async () => {
    const { programme } = await office.programmes.createProgramme({ requestId: "", year: 2021, issuingBody: "", title: "" });
    expect(programme!.id).toBe("bnv-2021");
    expect(programme!.title).toBe("Chương trình công tác năm 2021");
    const dup = await failure(office.programmes.createProgramme({ requestId: "", year: 2021, issuingBody: "BNV", title: "" }));
    expect(dup).toMatchObject({ code: Status.ALREADY_EXISTS, reason: "PROGRAMME_EXISTS" });
    const skip = await failure(
      office.programmes.changeProgrammeStatus({
        requestId: "",
        id: "bnv-2021",
        status: ProgrammeStatus.PROGRAMME_STATUS_CLOSED,
        expectedVersion: undefined,
      }),
    );
    expect(skip).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "ILLEGAL_PROGRAMME_TRANSITION" });
    await office.programmes.changeProgrammeStatus({
      requestId: "",
      id: "bnv-2021",
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
      expectedVersion: 1,
    });
    const closed = await office.programmes.changeProgrammeStatus({
      requestId: "",
      id: "bnv-2021",
      status: ProgrammeStatus.PROGRAMME_STATUS_CLOSED,
      expectedVersion: 2,
    });
    expect(closed.programme!.status).toBe(ProgrammeStatus.PROGRAMME_STATUS_CLOSED);
    const refused = await failure(
      office.tasks.createTask(
        newTask({
          programmeId: "bnv-2021",
          deadline: { spec: { $case: "text", value: "Quý II/2021" }, dueAt: undefined, label: undefined },
        }),
      ),
    );
    expect(refused).toMatchObject({ code: Status.FAILED_PRECONDITION, reason: "PROGRAMME_CLOSED" });
    const template = await office.programmes.exportProgramme({ programmeId: "", format: FileFormat.FILE_FORMAT_XLSX });
    expect(template.file!.fileName).toBe("mau-chuong-trinh-cong-tac.xlsx");
    expect(template.file!.content.length).toBeGreaterThan(1000);
  });
});
