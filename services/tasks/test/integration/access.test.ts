/**
 * Who may do what, over real gRPC: every role against every mutating RPC, and the reads' visibility.
 *
 * The expected outcomes are the two tables below, written from the rules of src/app/access.ts: unit
 * heads and staff change only their own unit's tasks (only the head creates and assigns them); the
 * Office (office_chief, or unit_head/staff of unit VP), the Minister, the deputies and admin manage
 * everything; deciding a deadline change needs minister/deputy_minister/office_chief; withdrawing a task
 * needs minister/deputy_minister; clerk, ops and a token without roles change nothing. Every denied call
 * must answer PERMISSION_DENIED and leave the task, programme or report list exactly as it was. Each row
 * works on state of its own (a fresh task or programme), so the rows are independent.
 *
 * Permission comes before existence: a task (or snapshot) the caller may not see answers exactly as a
 * missing one — the same code, message and details, byte for byte — and no refusal names hidden data.
 * Callers who may read no task at all (ops, no role), or may not make this kind of change at all (only
 * the configured roles withdraw or decide), are refused before anything is looked up.
 */
import { decodeStatusDetails, STATUS_DETAILS_KEY } from "@ministry/platform";
import {
  CreateReportSnapshotRequest,
  CreateTaskRequest,
  DeadlineRequestStatus,
  DocumentRelation,
  ExportReportRequest,
  FileFormat,
  GetReportRequest,
  ListTasksRequest,
  ProgrammeStatus,
  type Task,
  TaskStatus,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { type ServiceError, status as Status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTasksHarness, type TasksHarness } from "./harness.js";

type Clients = Awaited<ReturnType<TasksHarness["clients"]>>;

// ---------------------------------------------------------------------------------------------------
// Who calls. The task under test is led by PC (Vụ Pháp chế) and coordinated by TCBC; KHTC is a unit
// with nothing to do with it; VP is the Ministry Office.

const LEAD = "PC";
const COORDINATING = "TCBC";
const OTHER = "KHTC";

const CALLERS = {
  minister: { roles: ["minister"] },
  deputyMinister: { roles: ["deputy_minister"] },
  officeChief: { roles: ["office_chief"], unit: "VP" },
  leadHead: { roles: ["unit_head"], unit: LEAD },
  leadStaff: { roles: ["staff"], unit: LEAD },
  otherHead: { roles: ["unit_head"], unit: OTHER },
  otherStaff: { roles: ["staff"], unit: OTHER },
  coordStaff: { roles: ["staff"], unit: COORDINATING },
  officeStaff: { roles: ["staff"], unit: "VP" },
  clerk: { roles: ["clerk"], unit: LEAD },
  officeClerk: { roles: ["clerk"], unit: "VP" },
  ops: { roles: ["ops"] },
  admin: { roles: ["admin"] },
  noRole: { roles: [] },
} as const satisfies Record<string, { roles: readonly string[]; unit?: string }>;

type Caller = keyof typeof CALLERS;
const CALLER_NAMES = Object.keys(CALLERS) as Caller[];

// ---------------------------------------------------------------------------------------------------
// The mutation matrix. ✓ allowed, ✗ PERMISSION_DENIED, ∅ NOT_FOUND (the caller may not see the task,
// which answers as a missing one); refused, nothing changes.
//
//   crProg    CreateProgramme                 progress  RecordProgress
//   chProg    ChangeProgrammeStatus (approve) submit    SubmitTask
//   import    ImportProgramme                 complete  CompleteTask
//   crTask    CreateTask led by PC            withdraw  WithdrawTask
//   assign    AssignTask, assignee only       link      LinkDocument
//   relead    AssignTask changing lead unit   reqDl     RequestDeadlineChange
//   snapshot  CreateReportSnapshot            decide    DecideDeadlineChange

const MUTATIONS = [
  "crProg",
  "chProg",
  "import",
  "crTask",
  "assign",
  "relead",
  "progress",
  "submit",
  "complete",
  "withdraw",
  "link",
  "reqDl",
  "decide",
  "snapshot",
] as const;
type Mutation = (typeof MUTATIONS)[number];

const MUTATION_MATRIX = table(
  CALLER_NAMES,
  MUTATIONS,
  `
  caller            crProg  chProg  import  crTask  assign  relead  progress  submit  complete  withdraw  link  reqDl  decide  snapshot
  minister            ✓       ✓       ✓       ✓       ✓       ✓        ✓        ✓        ✓         ✓       ✓      ✓      ✓        ✓
  deputyMinister      ✓       ✓       ✓       ✓       ✓       ✓        ✓        ✓        ✓         ✓       ✓      ✓      ✓        ✓
  officeChief         ✓       ✓       ✓       ✓       ✓       ✓        ✓        ✓        ✓         ✗       ✓      ✓      ✓        ✓
  leadHead            ✗       ✗       ✗       ✓       ✓       ✗        ✓        ✓        ✓         ✗       ✓      ✓      ✗        ✗
  leadStaff           ✗       ✗       ✗       ✗       ✗       ✗        ✓        ✓        ✓         ✗       ✓      ✓      ✗        ✗
  otherHead           ✗       ✗       ✗       ✗       ∅       ∅        ∅        ∅        ∅         ✗       ∅      ∅      ✗        ✗
  otherStaff          ✗       ✗       ✗       ✗       ✗       ✗        ∅        ∅        ∅         ✗       ∅      ∅      ✗        ✗
  coordStaff          ✗       ✗       ✗       ✗       ✗       ✗        ✗        ✗        ✗         ✗       ✗      ✗      ✗        ✗
  officeStaff         ✓       ✓       ✓       ✓       ✓       ✓        ✓        ✓        ✓         ✗       ✓      ✓      ✗        ✓
  clerk               ✗       ✗       ✗       ✗       ✗       ✗        ✗        ✗        ✗         ✗       ✗      ✗      ✗        ✗
  officeClerk         ✗       ✗       ✗       ✗       ✗       ✗        ✗        ✗        ✗         ✗       ✗      ✗      ✗        ✗
  ops                 ✗       ✗       ✗       ✗       ✗       ✗        ✗        ✗        ✗         ✗       ✗      ✗      ✗        ✗
  admin               ✓       ✓       ✓       ✓       ✓       ✓        ✓        ✓        ✓         ✗       ✓      ✓      ✗        ✓
  noRole              ✗       ✗       ✗       ✗       ✗       ✗        ✗        ✗        ✗         ✗       ✗      ✗      ✗        ✗
  `,
);

// ---------------------------------------------------------------------------------------------------
// The read matrix, on tasks of programme bnv-2021: T1 led by PC, coordinated by TCBC; T2 led by KHTC;
// T3 led by CQDP, coordinated by PC.
//
//   getTask / history   GetTask / GetTaskHistory of T1                         ✓ / ✗ PERMISSION_DENIED / ∅ NOT_FOUND
//   list                ListTasks of the programme: the tasks seen, or ✗ PERMISSION_DENIED
//   dashPC / dashKHTC   GetUnitDashboard of unit PC / KHTC                     ✓ / ✗ PERMISSION_DENIED
//   reportPC            GetReport of year 2021 for unit_id PC                  ✓ / ✗ PERMISSION_DENIED
//   reportAll           GetReport of year 2021 without unit_id: ✓ the whole ministry, a unit id: that unit's report
//                       (a unit-scoped caller's own), ✗ PERMISSION_DENIED

const READS = ["getTask", "history", "list", "dashPC", "dashKHTC", "reportPC", "reportAll"] as const;
type Read = (typeof READS)[number];

const READ_MATRIX = table(
  CALLER_NAMES,
  READS,
  `
  caller            getTask  history    list    dashPC  dashKHTC  reportPC  reportAll
  minister             ✓        ✓     T1+T2+T3    ✓        ✓         ✓          ✓
  deputyMinister       ✓        ✓     T1+T2+T3    ✓        ✓         ✓          ✓
  officeChief          ✓        ✓     T1+T2+T3    ✓        ✓         ✓          ✓
  leadHead             ✓        ✓      T1+T3      ✓        ✗         ✓          PC
  leadStaff            ✓        ✓      T1+T3      ✓        ✗         ✓          PC
  otherHead            ∅        ∅        T2       ✗        ✓         ✗          KHTC
  otherStaff           ∅        ∅        T2       ✗        ✓         ✗          KHTC
  coordStaff           ✓        ✓        T1       ✗        ✗         ✗          TCBC
  officeStaff          ✓        ✓     T1+T2+T3    ✓        ✓         ✓          ✓
  clerk                ✓        ✓      T1+T3      ✓        ✗         ✓          PC
  officeClerk          ✓        ✓     T1+T2+T3    ✓        ✓         ✓          ✓
  ops                  ✗        ✗        ✗        ✗        ✗         ✗          ✗
  admin                ✓        ✓     T1+T2+T3    ✓        ✓         ✓          ✓
  noRole               ✗        ✗        ✗        ✗        ✗         ✗          ✗
  `,
);

/** Parses an aligned text table, checking it names exactly the expected rows and columns. */
function table<R extends string, C extends string>(rows: readonly R[], columns: readonly C[], text: string): Record<R, Record<C, string>> {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const [header, ...body] = lines.map((l) => l.split(/\s+/));
  if (header.slice(1).join(" ") !== columns.join(" ")) throw new Error(`table columns ${header.slice(1)} are not ${columns}`);
  const out = {} as Record<R, Record<C, string>>;
  for (const cells of body) {
    const [row, ...values] = cells as [R, ...string[]];
    if (!rows.includes(row) || row in out) throw new Error(`unknown or repeated table row ${row}`);
    if (values.length !== columns.length) throw new Error(`table row ${row} has ${values.length} cells, not ${columns.length}`);
    out[row] = Object.fromEntries(columns.map((c, i) => [c, values[i]])) as Record<C, string>;
  }
  const missing = rows.filter((r) => !(r in out));
  if (missing.length > 0) throw new Error(`table lacks rows ${missing}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------

let h: TasksHarness;
let office: Clients;
const clients = {} as Record<Caller, Clients>;
/** T1, T2, T3 of the read matrix. */
const visible: Record<string, string> = {};

const deadline = (text: string) => ({ spec: { $case: "text" as const, value: text }, dueAt: undefined, label: undefined });

function newTask(extra: Partial<CreateTaskRequest> = {}): CreateTaskRequest {
  return CreateTaskRequest.fromPartial({
    programmeId: "bnv-2020",
    title: "Thông tư hướng dẫn chức năng, nhiệm vụ của Phòng Nội vụ",
    kind: "THONG_TU",
    authority: "BO_TRUONG",
    leadUnit: LEAD,
    coordinatingUnits: [COORDINATING],
    assignee: "Nguyễn Văn Hùng",
    deadline: deadline("Quý III/2020"),
    ...extra,
  });
}

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  await Promise.all(
    CALLER_NAMES.map(async (name) => {
      const { roles, unit } = CALLERS[name] as { roles: readonly string[]; unit?: string };
      clients[name] = await h.clients({ sub: `acl-${name}`, name, roles: [...roles], ...(unit ? { unit } : {}) });
    }),
  );
  for (const year of [2020, 2021, 2022]) {
    await office.programmes.createProgramme({ requestId: "", year, issuingBody: "", title: "" });
    // Tasks of a draft programme take no work (PROGRAMME_NOT_APPROVED): the matrix works on approved ones.
    await office.programmes.changeProgrammeStatus({
      requestId: "",
      id: `bnv-${year}`,
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
      expectedVersion: undefined,
    });
  }
  const in2021 = { programmeId: "bnv-2021", deadline: deadline("Quý II/2021") };
  visible.T1 = (await office.tasks.createTask(newTask({ ...in2021, code: "R-1" }))).task!.id;
  visible.T2 = (await office.tasks.createTask(newTask({ ...in2021, code: "R-2", leadUnit: OTHER, coordinatingUnits: [] }))).task!.id;
  visible.T3 = (await office.tasks.createTask(newTask({ ...in2021, code: "R-3", leadUnit: "CQDP", coordinatingUnits: [LEAD] }))).task!.id;
});

afterAll(async () => {
  await h?.stop();
});

type Outcome<T> = { ok: true; value: T } | { ok: false; code: number; reason?: string; fields: string[] };

async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "number") throw err;
    const details = decodeStatusDetails(err as never);
    return { ok: false, code, reason: details?.errorInfo?.reason, fields: details?.badRequest?.fieldViolations.map((v) => v.field) ?? [] };
  }
}

function expectDenied(o: Outcome<unknown>): void {
  expect(o.ok ? "allowed" : o.code).toBe(Status.PERMISSION_DENIED);
}

function expectNotFound(o: Outcome<unknown>): void {
  expect(o.ok ? "allowed" : o.code).toBe(Status.NOT_FOUND);
}

/** A refusal as the caller receives it: status code, message and the status details trailer, as bytes. */
async function rawRefusal(p: Promise<unknown>): Promise<{ code: number; message: string; details: string[] }> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    if (typeof e.code !== "number") throw err;
    return { code: e.code, message: e.details, details: e.metadata.get(STATUS_DETAILS_KEY).map((v) => Buffer.from(v).toString("base64")) };
  }
  throw new Error("expected a refusal");
}

function expectAllowed<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got status ${o.code} ${o.reason ?? ""}`);
  return o.value;
}

// ---------------------------------------------------------------------------------------------------
// How each mutation is arranged, performed and checked.

interface Case<S, R> {
  /** Fresh state for one row, made by the Office. */
  arrange(): Promise<S>;
  act(c: Clients, s: S): Promise<R>;
  /** What the allowed call did. */
  allowed(s: S, result: R): Promise<void>;
  /** The denied call changed nothing. */
  unchanged(s: S): Promise<void>;
}

const defineCase = <S, R>(c: Case<S, R>) => c as unknown as Case<unknown, unknown>;

interface TaskState {
  id: string;
  before: Task;
  historySize: number;
}

async function taskState(id: string): Promise<TaskState> {
  const { task } = await office.tasks.getTask({ id });
  const history = await office.tasks.getTaskHistory({ id, page: undefined });
  return { id, before: task!, historySize: Number(history.page!.totalSize) };
}

/** A mutation of one fresh task: allowed, it adds one version and one history entry; denied, nothing. */
function taskCase(opts: {
  task?: Partial<CreateTaskRequest>;
  /** Brings the fresh task to the state the mutation needs (done by the Office). */
  prepare?: (id: string) => Promise<unknown>;
  act: (c: Clients, id: string) => Promise<{ task?: Task | undefined }>;
  effect: (after: Task, before: Task) => void;
}) {
  return defineCase<TaskState, { task?: Task | undefined }>({
    async arrange() {
      const { task } = await office.tasks.createTask(newTask(opts.task));
      await opts.prepare?.(task!.id);
      return taskState(task!.id);
    },
    act: (c, s) => opts.act(c, s.id),
    async allowed(s, result) {
      expect(result.task!.version).toBe(s.before.version + 1);
      opts.effect(result.task!, s.before);
      const now = await taskState(s.id);
      expect(now.before.version).toBe(s.before.version + 1);
      expect(now.historySize).toBe(s.historySize + 1);
    },
    async unchanged(s) {
      const now = await taskState(s.id);
      expect(now.before).toEqual(s.before);
      expect(now.historySize).toBe(s.historySize);
    },
  });
}

let nextYear = 2030;
let taskSeq = 0;

async function freshProgramme() {
  const { programme } = await office.programmes.createProgramme({ requestId: "", year: nextYear++, issuingBody: "", title: "" });
  return programme!;
}

async function programmeNow(id: string) {
  return (await office.programmes.getProgramme({ id })).programme!;
}

async function snapshotCount(): Promise<number> {
  const { page } = await office.reports.listReportSnapshots({ page: undefined, meetingId: "", programmeId: "" });
  return Number(page!.totalSize);
}

async function tasksOf(programmeId: string): Promise<Task[]> {
  return (await office.tasks.listTasks(ListTasksRequest.fromPartial({ programmeId, page: { pageSize: 500, pageToken: "" } }))).tasks;
}

const importCsv = (year: number) =>
  Buffer.from(
    [
      "Mã,Tên nhiệm vụ,Loại,Cấp trình,Đơn vị chủ trì,Đơn vị phối hợp,Thời hạn,Mức ưu tiên,Người thực hiện,Ghi chú",
      `IMP-01,Báo cáo tổng kết công tác năm ${year},BAO_CAO,BO_TRUONG,PC,,31/12/${year},,,`,
    ].join("\r\n"),
  );

const CASES: Record<Mutation, Case<unknown, unknown>> = {
  crProg: defineCase({
    arrange: async () => ({ year: nextYear++ }),
    act: (c, s) => c.programmes.createProgramme({ requestId: "", year: s.year, issuingBody: "", title: "" }),
    async allowed(s, r) {
      expect(r.programme).toMatchObject({ id: `bnv-${s.year}`, status: ProgrammeStatus.PROGRAMME_STATUS_DRAFT });
      expect((await programmeNow(`bnv-${s.year}`)).year).toBe(s.year);
    },
    async unchanged(s) {
      const o = await outcome(office.programmes.getProgramme({ id: `bnv-${s.year}` }));
      expect(o.ok ? "exists" : o.code).toBe(Status.NOT_FOUND);
    },
  }),
  chProg: defineCase({
    arrange: freshProgramme,
    act: (c, p) =>
      c.programmes.changeProgrammeStatus({
        requestId: "",
        id: p.id,
        status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
        expectedVersion: p.version,
      }),
    async allowed(p, r) {
      expect(r.programme).toMatchObject({ status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED, version: p.version + 1 });
      expect((await programmeNow(p.id)).status).toBe(ProgrammeStatus.PROGRAMME_STATUS_APPROVED);
    },
    async unchanged(p) {
      expect(await programmeNow(p.id)).toEqual(p);
    },
  }),
  import: defineCase({
    arrange: freshProgramme,
    act: (c, p) =>
      c.programmes.importProgramme({
        requestId: "",
        programmeId: p.id,
        format: FileFormat.FILE_FORMAT_CSV,
        content: importCsv(p.year),
        validRowsOnly: false,
        dryRun: false,
        amend: false,
      }),
    async allowed(p, r) {
      expect(r).toMatchObject({ validRows: 1, invalidRows: 0, imported: 1 });
      expect((await programmeNow(p.id)).taskCount).toBe(1);
    },
    async unchanged(p) {
      expect(await programmeNow(p.id)).toEqual(p);
      expect(await tasksOf(p.id)).toEqual([]);
    },
  }),
  crTask: defineCase({
    arrange: async () => ({ code: `CT-${++taskSeq}`, before: (await tasksOf("bnv-2022")).length }),
    act: (c, s) => c.tasks.createTask(newTask({ programmeId: "bnv-2022", code: s.code, deadline: deadline("Quý II/2022") })),
    async allowed(s, r) {
      expect(r.task).toMatchObject({ code: s.code, leadUnit: LEAD, version: 1, status: TaskStatus.TASK_STATUS_NOT_STARTED });
      expect((await tasksOf("bnv-2022")).length).toBe(s.before + 1);
    },
    async unchanged(s) {
      const tasks = await tasksOf("bnv-2022");
      expect(tasks.length).toBe(s.before);
      expect(tasks.map((t) => t.code)).not.toContain(s.code);
    },
  }),
  assign: taskCase({
    act: (c, id) =>
      c.tasks.assignTask({
        requestId: "",
        id,
        expectedVersion: undefined,
        assignee: "Trần Thị Lan",
        leadUnit: "",
        coordinatingUnits: [],
        setCoordinatingUnits: false,
      }),
    effect: (t) => expect(t).toMatchObject({ assignee: "Trần Thị Lan", leadUnit: LEAD, coordinatingUnits: [COORDINATING] }),
  }),
  relead: taskCase({
    act: (c, id) =>
      c.tasks.assignTask({
        requestId: "",
        id,
        expectedVersion: undefined,
        assignee: "",
        leadUnit: OTHER,
        coordinatingUnits: [],
        setCoordinatingUnits: false,
      }),
    effect: (t) => expect(t).toMatchObject({ leadUnit: OTHER, assignee: "" }),
  }),
  progress: taskCase({
    act: (c, id) =>
      c.tasks.recordProgress({ requestId: "", id, expectedVersion: undefined, percent: 30, note: "Đã có dự thảo lần 1", attachments: [] }),
    effect: (t) => expect(t).toMatchObject({ progress: 30, status: TaskStatus.TASK_STATUS_IN_PROGRESS }),
  }),
  submit: taskCase({
    act: (c, id) =>
      c.tasks.submitTask({ requestId: "", id, expectedVersion: undefined, submittedAt: undefined, document: undefined, note: "" }),
    effect: (t) => expect(t).toMatchObject({ status: TaskStatus.TASK_STATUS_SUBMITTED, onTime: true }),
  }),
  complete: taskCase({
    // Not submitted to an authority, so it completes directly.
    task: { authority: "", kind: "BAO_CAO" },
    act: (c, id) =>
      c.tasks.completeTask({
        requestId: "",
        id,
        expectedVersion: undefined,
        completedAt: undefined,
        document: undefined,
        note: "Đã báo cáo",
      }),
    effect: (t) => expect(t).toMatchObject({ status: TaskStatus.TASK_STATUS_COMPLETED, onTime: true }),
  }),
  withdraw: taskCase({
    act: (c, id) =>
      c.tasks.withdrawTask({ requestId: "", id, expectedVersion: undefined, reason: "Đã được điều chỉnh trong văn bản khác" }),
    effect: (t) =>
      expect(t).toMatchObject({
        status: TaskStatus.TASK_STATUS_WITHDRAWN,
        withdrawal: { reason: "Đã được điều chỉnh trong văn bản khác" },
      }),
  }),
  link: taskCase({
    act: (c, id) =>
      c.tasks.linkDocument({
        requestId: "",
        id,
        expectedVersion: undefined,
        document: { documentId: "doc-ref-1", relation: DocumentRelation.DOCUMENT_RELATION_REFERENCE, number: "" },
      }),
    effect: (t) => expect(t.documentLinks.map((l) => l.documentId)).toContain("doc-ref-1"),
  }),
  reqDl: taskCase({
    act: (c, id) =>
      c.tasks.requestDeadlineChange({
        requestId: "",
        id,
        expectedVersion: undefined,
        newDeadline: deadline("Tháng 12/2020"),
        reason: "Chờ ý kiến thẩm định",
      }),
    effect: (t, before) => {
      expect(t.deadlineRequests.map((r) => r.status)).toEqual([DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_PENDING]);
      expect(t.deadline).toEqual(before.deadline);
    },
  }),
  decide: taskCase({
    prepare: (id) =>
      office.tasks.requestDeadlineChange({
        requestId: "",
        id,
        expectedVersion: undefined,
        newDeadline: deadline("Tháng 12/2020"),
        reason: "Chờ ý kiến thẩm định",
      }),
    act: async (c, id) => {
      const { task } = await office.tasks.getTask({ id });
      return c.tasks.decideDeadlineChange({
        requestId: "",
        id,
        expectedVersion: undefined,
        deadlineRequestId: task!.deadlineRequests[0].id,
        approve: true,
        note: "",
      });
    },
    effect: (t) => {
      expect(t.deadlineRequests.map((r) => r.status)).toEqual([DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_APPROVED]);
      expect(t.deadline!.label!.vi).toBe("Tháng 12/2020");
    },
  }),
  snapshot: defineCase({
    arrange: snapshotCount,
    act: (c) =>
      c.reports.createReportSnapshot(
        CreateReportSnapshotRequest.fromPartial({
          report: { period: { period: { $case: "year", value: 2020 } } },
          title: "Báo cáo năm 2020",
        }),
      ),
    async allowed(before, r) {
      expect(r.snapshot!.id).not.toBe("");
      expect(await snapshotCount()).toBe(before + 1);
    },
    async unchanged(before) {
      expect(await snapshotCount()).toBe(before);
    },
  }),
};

const outcomeLabel = (cell: string) =>
  cell === "✓"
    ? "allowed"
    : cell === "✗"
      ? "PERMISSION_DENIED"
      : cell === "∅"
        ? "NOT_FOUND, as a missing task"
        : /^[A-Z]+$/.test(cell)
          ? `its own unit's report (${cell})`
          : cell;

describe("who may change what", () => {
  for (const mutation of MUTATIONS) {
    describe(mutation, () => {
      for (const caller of CALLER_NAMES) {
        const cell = MUTATION_MATRIX[caller][mutation];
        it(`${caller} → ${outcomeLabel(cell)}`, async () => {
          const c = CASES[mutation];
          const state = await c.arrange();
          const o = await outcome(c.act(clients[caller], state));
          if (cell === "✓") await c.allowed(state, expectAllowed(o));
          else if (cell === "✗" || cell === "∅") {
            if (cell === "✗") expectDenied(o);
            else expectNotFound(o);
            await c.unchanged(state);
          } else throw new Error(`unknown cell ${cell}`);
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------

const report2021 = (unitId: string) =>
  GetReportRequest.fromPartial({ period: { period: { $case: "year", value: 2021 } }, unitId, omitLines: false });

const READ_CALLS: Record<Exclude<Read, "list">, (c: Clients) => Promise<unknown>> = {
  getTask: (c) => c.tasks.getTask({ id: visible.T1 }),
  history: (c) => c.tasks.getTaskHistory({ id: visible.T1, page: undefined }),
  dashPC: (c) => c.tasks.getUnitDashboard({ unitId: LEAD, programmeId: "", upcomingLimit: 0 }),
  dashKHTC: (c) => c.tasks.getUnitDashboard({ unitId: OTHER, programmeId: "", upcomingLimit: 0 }),
  reportPC: (c) => c.reports.getReport(report2021(LEAD)),
  reportAll: (c) => c.reports.getReport(report2021("")),
};

describe("who may read what", () => {
  for (const read of READS) {
    describe(read, () => {
      for (const caller of CALLER_NAMES) {
        const cell = READ_MATRIX[caller][read];
        if (read === "list") {
          it(`${caller} → ${cell === "✗" ? "PERMISSION_DENIED" : `sees ${cell}`}`, async () => {
            const o = await outcome(clients[caller].tasks.listTasks(ListTasksRequest.fromPartial({ programmeId: "bnv-2021" })));
            if (cell === "✗") return expectDenied(o);
            const { tasks, page } = expectAllowed(o);
            expect(
              Object.keys(visible)
                .filter((k) => tasks.some((t) => t.id === visible[k]))
                .join("+"),
            ).toBe(cell);
            expect(page!.totalSize).toBe(String(cell.split("+").length));
          });
          continue;
        }
        it(`${caller} → ${outcomeLabel(cell)}`, async () => {
          const o = await outcome(READ_CALLS[read](clients[caller]));
          if (read === "reportAll" && /^[A-Z]+$/.test(cell)) {
            expect((expectAllowed(o) as { report?: { unitId: string } }).report!.unitId).toBe(cell);
          } else if (cell === "✓") {
            const value = expectAllowed(o) as {
              task?: Task;
              entries?: { action: string }[];
              dashboard?: { unit?: { id: string } };
              report?: { unitId: string };
            };
            if (read === "getTask") expect(value.task!.id).toBe(visible.T1);
            if (read === "history") expect(value.entries!.map((e) => e.action)).toEqual(["task.created"]);
            if (read === "dashPC") expect(value.dashboard!.unit!.id).toBe(LEAD);
            if (read === "dashKHTC") expect(value.dashboard!.unit!.id).toBe(OTHER);
            if (read === "reportPC") expect(value.report!.unitId).toBe(LEAD);
            if (read === "reportAll") expect(value.report!.unitId).toBe("");
          } else if (cell === "✗") expectDenied(o);
          else if (cell === "∅") expectNotFound(o);
          else throw new Error(`unknown cell ${cell}`);
        });
      }
    });
  }

  it("an explicit unit filter does not widen what a unit sees: PC staff asking for KHTC's tasks get none", async () => {
    const { tasks, page } = await clients.leadStaff.tasks.listTasks(
      ListTasksRequest.fromPartial({ programmeId: "bnv-2021", unitId: OTHER }),
    );
    expect(tasks).toEqual([]);
    expect(page!.totalSize).toBe("0");
  });

  it("a unit-scoped reader gets its own unit's report, with only its own tasks", async () => {
    const { report } = await clients.otherStaff.reports.getReport(report2021(OTHER));
    expect(report!.lines.map((l) => l.taskId)).toEqual([visible.T2]);
  });
});

describe("refusals say nothing about the request", () => {
  it("a caller who may create no task gets PERMISSION_DENIED even for an invalid one", async () => {
    for (const caller of ["ops", "leadStaff", "clerk", "noRole"] as const) {
      const o = await outcome(clients[caller].tasks.createTask(CreateTaskRequest.fromPartial({ programmeId: "", title: "", kind: "???" })));
      expectDenied(o);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Permission before existence.

const MISSING_TASK = "bnv-2021-khong-co";
const base = { requestId: "", expectedVersion: undefined };

/** Every read and mutation of one task, by id. */
const TASK_OPERATIONS: Record<string, (c: Clients, id: string) => Promise<unknown>> = {
  getTask: (c, id) => c.tasks.getTask({ id }),
  history: (c, id) => c.tasks.getTaskHistory({ id, page: undefined }),
  assign: (c, id) =>
    c.tasks.assignTask({ ...base, id, assignee: "Trần Thị Lan", leadUnit: "", coordinatingUnits: [], setCoordinatingUnits: false }),
  relead: (c, id) => c.tasks.assignTask({ ...base, id, assignee: "", leadUnit: OTHER, coordinatingUnits: [], setCoordinatingUnits: false }),
  progress: (c, id) => c.tasks.recordProgress({ ...base, id, percent: 30, note: "Đã có dự thảo", attachments: [] }),
  submit: (c, id) => c.tasks.submitTask({ ...base, id, submittedAt: undefined, document: undefined, note: "" }),
  complete: (c, id) => c.tasks.completeTask({ ...base, id, completedAt: undefined, document: undefined, note: "" }),
  withdraw: (c, id) => c.tasks.withdrawTask({ ...base, id, reason: "Không còn cần thiết" }),
  link: (c, id) =>
    c.tasks.linkDocument({
      ...base,
      id,
      document: { documentId: "doc-ref-2", relation: DocumentRelation.DOCUMENT_RELATION_REFERENCE, number: "" },
    }),
  reqDl: (c, id) => c.tasks.requestDeadlineChange({ ...base, id, newDeadline: deadline("Tháng 12/2021"), reason: "Chờ thẩm định" }),
  decide: (c, id) => c.tasks.decideDeadlineChange({ ...base, id, deadlineRequestId: "dcr-1", approve: true, note: "" }),
};

/** The callers T1 is hidden from (the read matrix's ✗ and ∅ for getTask). */
const CANNOT_SEE_T1 = CALLER_NAMES.filter((c) => READ_MATRIX[c].getTask !== "✓");

describe("a task the caller may not see answers exactly as a missing one", () => {
  for (const [operation, call] of Object.entries(TASK_OPERATIONS)) {
    for (const caller of CANNOT_SEE_T1) {
      it(`${operation} by ${caller}: code, message and details as for a missing task, naming nothing hidden`, async () => {
        const before = await taskState(visible.T1);
        const hidden = await rawRefusal(call(clients[caller], visible.T1));
        const missing = await rawRefusal(call(clients[caller], MISSING_TASK));
        expect(hidden).toEqual(missing);
        for (const secret of [visible.T1, before.before.title, before.before.code, LEAD, COORDINATING])
          expect(hidden.message).not.toContain(secret);
        const after = await taskState(visible.T1);
        expect(after.before).toEqual(before.before);
        expect(after.historySize).toBe(before.historySize);
      });
    }
  }

  it("a caller who may see a task but not change it is refused without its hidden data", async () => {
    const denied = await rawRefusal(TASK_OPERATIONS.progress(clients.coordStaff, visible.T1));
    expect(denied.code).toBe(Status.PERMISSION_DENIED);
  });
});

describe("a report snapshot the caller may not see answers exactly as a missing one", () => {
  it("another unit's snapshot, by GetReportSnapshot and ExportReport", async () => {
    const { snapshot } = await office.reports.createReportSnapshot(
      CreateReportSnapshotRequest.fromPartial({ report: { period: { period: { $case: "year", value: 2021 } }, unitId: OTHER } }),
    );
    // PC's people read PC's snapshots; this one is KHTC's.
    for (const caller of ["leadHead", "leadStaff", "clerk", "coordStaff"] as const) {
      const get = (id: string) => clients[caller].reports.getReportSnapshot({ id, maxLines: 0 });
      const exported = (id: string) =>
        clients[caller].reports.exportReport(ExportReportRequest.fromPartial({ snapshotId: id, format: FileFormat.FILE_FORMAT_CSV }));
      for (const op of [get, exported]) {
        const hidden = await rawRefusal(op(snapshot!.id));
        expect(hidden).toEqual(await rawRefusal(op("00000000-0000-4000-8000-000000000000")));
        expect(hidden.code).toBe(Status.NOT_FOUND);
        expect(hidden.message).not.toContain(OTHER);
        expect(hidden.message).not.toContain(snapshot!.id);
      }
    }
    expect((await clients.otherStaff.reports.getReportSnapshot({ id: snapshot!.id, maxLines: 0 })).snapshot!.id).toBe(snapshot!.id);
  });
});
