/**
 * Concurrent changes of one task, over real gRPC against the real transactions: with expected_version
 * exactly one of two racing writers wins and the other gets ABORTED / VERSION_CONFLICT naming the
 * version now stored; without it every writer gets through (the transaction retries on the write
 * conflict) and each change is kept once; a stale expected_version changes nothing.
 */
import { decodeStatusDetails } from "@ministry/platform";
import { CreateTaskRequest, DocumentRelation, ProgrammeStatus, type Task, TaskStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
import { status as Status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvedProgramme, startTasksHarness, type TasksHarness } from "./harness.js";

type Clients = Awaited<ReturnType<TasksHarness["clients"]>>;

let h: TasksHarness;
let office: Clients;
/** Two people who may both record progress and assign on PC's tasks: PC's head and a member of the Office. */
let writerA: Clients;
let writerB: Clients;
let minister: Clients;

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  writerA = await h.clients({ sub: "pc-head", name: "Vụ trưởng Vụ Pháp chế", roles: ["unit_head"], unit: "PC" });
  writerB = await h.clients({ sub: "vp-staff", name: "Chuyên viên Văn phòng", roles: ["staff"], unit: "VP" });
  minister = await h.clients({ sub: "minister", name: "Bộ trưởng", roles: ["minister"] });
  await approvedProgramme(office);
});

afterAll(async () => {
  await h?.stop();
});

const deadline = (text: string) => ({ spec: { $case: "text" as const, value: text }, dueAt: undefined, label: undefined });

async function freshTask(extra: Partial<CreateTaskRequest> = {}): Promise<Task> {
  const { task } = await office.tasks.createTask(
    CreateTaskRequest.fromPartial({
      programmeId: "bnv-2020",
      title: "Nghị định sửa đổi, bổ sung quy định về vị trí việc làm",
      kind: "NGHI_DINH",
      authority: "CHINH_PHU",
      leadUnit: "PC",
      coordinatingUnits: ["TCBC"],
      deadline: deadline("Quý III/2020"),
      ...extra,
    }),
  );
  return task!;
}

function conflictOf(err: unknown): { code: unknown; reason?: string; currentVersion?: string } {
  const details = decodeStatusDetails(err as never);
  return {
    code: (err as { code?: unknown }).code,
    reason: details?.errorInfo?.reason,
    currentVersion: details?.errorInfo?.metadata.current_version,
  };
}

async function taskNow(id: string): Promise<Task> {
  return (await office.tasks.getTask({ id })).task!;
}

async function historyOf(id: string) {
  return (await office.tasks.getTaskHistory({ id, page: { pageSize: 100, pageToken: "" } })).entries;
}

type Write = (c: Clients, id: string, expectedVersion: number | undefined, n: number) => Promise<{ task?: Task | undefined }>;

const progress: Write = (c, id, expectedVersion, n) =>
  c.tasks.recordProgress({ requestId: "", id, expectedVersion, percent: n * 10, note: `Ghi chú ${n}`, attachments: [] });

const assign: Write = (c, id, expectedVersion, n) =>
  c.tasks.assignTask({
    requestId: "",
    id,
    expectedVersion,
    assignee: `Chuyên viên ${n}`,
    leadUnit: "",
    coordinatingUnits: [],
    setCoordinatingUnits: false,
  });

const WRITES = { progress, assign } as const;
const ACTION = { progress: "task.progressed", assign: "task.assigned" } as const;

describe("two writers with the same expected_version", () => {
  const races: [keyof typeof WRITES, keyof typeof WRITES][] = [
    ["progress", "progress"],
    ["assign", "assign"],
    ["progress", "assign"],
  ];

  it.each(races)("%s vs %s: exactly one wins, the other gets ABORTED VERSION_CONFLICT at N+1", async (first, second) => {
    const created = await freshTask();
    // Bring the task to some version N > 1 first, so N + 1 is not just "2".
    await progress(office, created.id, 1, 1);
    const [readA, readB] = await Promise.all([writerA.tasks.getTask({ id: created.id }), writerB.tasks.getTask({ id: created.id })]);
    const n = readA.task!.version;
    expect(readB.task!.version).toBe(n);
    const historyBefore = await historyOf(created.id);

    const results = await Promise.allSettled([WRITES[first](writerA, created.id, n, 4), WRITES[second](writerB, created.id, n, 7)]);

    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(won[0].value.task!.version).toBe(n + 1);
    expect(conflictOf(lost[0].reason)).toEqual({ code: Status.ABORTED, reason: "VERSION_CONFLICT", currentVersion: String(n + 1) });

    const winner = results[0].status === "fulfilled" ? first : second;
    const after = await taskNow(created.id);
    expect(after.version).toBe(n + 1);
    expect(after).toEqual(won[0].value.task);
    if (winner === "progress") expect(after.progress).toBe(results[0].status === "fulfilled" ? 40 : 70);
    else expect(after.assignee).toBe(results[0].status === "fulfilled" ? "Chuyên viên 4" : "Chuyên viên 7");

    const history = await historyOf(created.id);
    expect(history).toHaveLength(historyBefore.length + 1);
    expect(history[0].action).toBe(ACTION[winner]);
    expect(history[0].actor!.userId).toBe(results[0].status === "fulfilled" ? "pc-head" : "vp-staff");
    expect(history.slice(1)).toEqual(historyBefore);
  });
});

describe("writers without expected_version", () => {
  it("10 concurrent RecordProgress calls all succeed, each kept once: version 1 + 10, 10 history entries", async () => {
    const { id } = await freshTask();
    const writers = [writerA, writerB];
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => progress(writers[i % 2], id, undefined, i + 1)));

    const failures = results.flatMap((r) => (r.status === "rejected" ? [conflictOf(r.reason)] : []));
    expect(failures).toEqual([]);
    const versions = results.map((r) => (r.status === "fulfilled" ? r.value.task!.version : 0)).sort((a, b) => a - b);
    // Each call committed its own version: 2, 3, …, 11.
    expect(versions).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));

    const after = await taskNow(id);
    expect(after.version).toBe(11);
    expect(after.status).toBe(TaskStatus.TASK_STATUS_IN_PROGRESS);
    const history = await historyOf(id);
    const progressed = history.filter((e) => e.action === "task.progressed");
    expect(progressed).toHaveLength(10);
    expect(history).toHaveLength(11);
    const notes = progressed.map((e) => (JSON.parse(e.changeJson) as { note: string }).note).sort();
    expect(notes).toEqual(Array.from({ length: 10 }, (_, i) => `Ghi chú ${i + 1}`).sort());
    // The stored progress is the one of the call that committed last.
    const last = results.find((r) => r.status === "fulfilled" && r.value.task!.version === 11);
    expect(last?.status === "fulfilled" && last.value.task!.progress).toBe(after.progress);
  });
});

describe("a stale expected_version (sequential)", () => {
  const STALE: Record<string, { task?: Partial<CreateTaskRequest>; call: (id: string, stale: number) => Promise<unknown> }> = {
    RecordProgress: { call: (id, v) => progress(writerA, id, v, 9) },
    AssignTask: { call: (id, v) => assign(writerB, id, v, 9) },
    SubmitTask: {
      call: (id, v) =>
        writerA.tasks.submitTask({ requestId: "", id, expectedVersion: v, submittedAt: undefined, document: undefined, note: "" }),
    },
    CompleteTask: {
      task: { authority: "", kind: "BAO_CAO" },
      call: (id, v) =>
        writerA.tasks.completeTask({ requestId: "", id, expectedVersion: v, completedAt: undefined, document: undefined, note: "" }),
    },
    LinkDocument: {
      call: (id, v) =>
        writerA.tasks.linkDocument({
          requestId: "",
          id,
          expectedVersion: v,
          document: { documentId: "doc-9", relation: DocumentRelation.DOCUMENT_RELATION_DRAFT, number: "" },
        }),
    },
    RequestDeadlineChange: {
      call: (id, v) =>
        writerA.tasks.requestDeadlineChange({
          requestId: "",
          id,
          expectedVersion: v,
          newDeadline: deadline("Tháng 12/2020"),
          reason: "Chờ thẩm định",
        }),
    },
    WithdrawTask: {
      call: (id, v) => minister.tasks.withdrawTask({ requestId: "", id, expectedVersion: v, reason: "Không còn phù hợp" }),
    },
  };

  it.each(Object.keys(STALE))("%s with the version before the last change gets ABORTED and changes nothing", async (name) => {
    const { id } = await freshTask(STALE[name].task);
    await progress(writerA, id, 1, 2);
    const before = await taskNow(id);
    expect(before.version).toBe(2);
    const historyBefore = await historyOf(id);

    const err = await STALE[name].call(id, 1).then(
      () => {
        throw new Error("expected ABORTED");
      },
      (e: unknown) => e,
    );

    expect(conflictOf(err)).toEqual({ code: Status.ABORTED, reason: "VERSION_CONFLICT", currentVersion: "2" });
    expect(await taskNow(id)).toEqual(before);
    expect(await historyOf(id)).toEqual(historyBefore);
  });

  it("ChangeProgrammeStatus with a stale version gets ABORTED and leaves the programme as it was", async () => {
    const created = await office.programmes.createProgramme({ requestId: "", year: 2040, issuingBody: "", title: "" });
    const { id, version } = created.programme!;
    const { programme: approved } = await office.programmes.changeProgrammeStatus({
      requestId: "",
      id,
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
      expectedVersion: version,
    });
    const err = await office.programmes
      .changeProgrammeStatus({ requestId: "", id, status: ProgrammeStatus.PROGRAMME_STATUS_CLOSED, expectedVersion: version })
      .then(
        () => {
          throw new Error("expected ABORTED");
        },
        (e: unknown) => e,
      );
    expect(conflictOf(err)).toEqual({ code: Status.ABORTED, reason: "VERSION_CONFLICT", currentVersion: String(version + 1) });
    const now = (await office.programmes.getProgramme({ id })).programme!;
    expect(now.status).toBe(ProgrammeStatus.PROGRAMME_STATUS_APPROVED);
    expect(now).toEqual({ ...approved, taskCount: 0 });
  });
});
