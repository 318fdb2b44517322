/**
 * What a person and a client read in a refusal, over real gRPC: the Vietnamese half of every message
 * holds Vietnamese words only (statuses, programme states, deadline-request decisions, roles and units
 * by their Vietnamese labels, never an internal code); a message about a task names it by its code and
 * title, not its internal id; the operations API answers in both languages too; every field violation
 * names a field of the request message (snake_case proto path); ErrorInfo metadata keys are snake_case
 * and keep one meaning each; and /metrics follows Prometheus naming (units, `_total`, labels).
 */
import { createClient } from "@ministry/platform";
import { fieldPathProblem, requestMessageOf } from "@ministry/platform/testing";
import { OperationsServiceClient } from "@ministry/proto/ministry/platform/v1/operations";
import {
  ChangeProgrammeStatusRequest,
  CreateReportSnapshotRequest,
  CreateTaskRequest,
  DocumentRelation,
  ExportReportRequest,
  FileFormat,
  GetReportRequest,
  ListTasksRequest,
  ProgrammeStatus,
  TaskServiceClient,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import type { Role } from "@ministry/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import { MeetingConcludedEvent } from "../../src/events/definitions.js";
import { promised, refusal, startTasksHarness, type Refusal, type TasksHarness } from "./harness.js";

type Clients = Awaited<ReturnType<TasksHarness["clients"]>>;

let h: TasksHarness;
let office: Clients;
let minister: Clients;
let legalStaff: Clients;
let staffingHead: Clients;
let staffingStaff: Clients;

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  minister = await h.clients({ sub: "minister", name: "Bộ trưởng", roles: ["minister"] });
  legalStaff = await h.clients({ sub: "pc-staff", name: "Chuyên viên Vụ Pháp chế", roles: ["staff"], unit: "PC" });
  staffingHead = await h.clients({ sub: "tcbc-head", name: "Vụ trưởng Vụ Tổ chức - Biên chế", roles: ["unit_head"], unit: "TCBC" });
  staffingStaff = await h.clients({ sub: "tcbc-staff", name: "Chuyên viên Vụ Tổ chức - Biên chế", roles: ["staff"], unit: "TCBC" });
  await office.programmes.createProgramme({ requestId: "", year: 2020, issuingBody: "", title: "" });
  // Work (progress, submission) is recorded on an approved programme's tasks only.
  await office.programmes.changeProgrammeStatus(
    ChangeProgrammeStatusRequest.fromPartial({ id: "bnv-2020", status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED }),
  );
});

afterAll(async () => {
  await h?.stop();
});

const TITLE = "Nghị định về vị trí việc làm";
let codes = 0;
function newTask(extra: Partial<CreateTaskRequest> = {}): CreateTaskRequest {
  codes += 1;
  return CreateTaskRequest.fromPartial({
    programmeId: "bnv-2020",
    code: `NM-${String(codes).padStart(2, "0")}`,
    title: TITLE,
    kind: "NGHI_DINH",
    authority: "CHINH_PHU",
    leadUnit: "PC",
    coordinatingUnits: ["TCBC"],
    deadline: { spec: { $case: "text", value: "Quý II/2020" } },
    ...extra,
  });
}

// Words that are codes, not Vietnamese: statuses, programme states, request decisions, roles, units.
const CODE_WORDS = [
  ...["not_started", "in_progress", "submitted", "completed", "withdrawn"],
  ...["draft", "approved", "closed", "pending", "rejected", "cancelled"],
  ...["minister", "deputy_minister", "office_chief", "unit_head", "staff", "clerk", "admin", "ops"],
  ...["VP", "PC", "TCBC", "TCCB", "KHTC"],
];

/** Code words, snake_case tokens and English found in the Vietnamese half of `message`. */
function codeWordsInVietnamese(message: string): string[] {
  const slash = message.indexOf(" / ");
  if (slash < 0) return [`no " / " between Vietnamese and English in: ${message}`];
  const vi = message.slice(0, slash);
  const words = vi.split(/[^\p{L}\p{N}_-]+/u).filter(Boolean);
  return words.filter((w) => CODE_WORDS.includes(w) || /[a-z]_[a-z]/.test(w) || /^(the|task|is|may|only|not|programme|request)$/i.test(w));
}

/** Every refusal message and field violation of this file, checked together at the end of each block. */
function expectVietnameseOnly(r: Refusal): void {
  expect(codeWordsInVietnamese(r.message), r.message).toEqual([]);
  for (const v of r.violations) expect(codeWordsInVietnamese(v.description), `${v.field}: ${v.description}`).toEqual([]);
}

describe("refusals speak Vietnamese, then English, and name tasks by code and title", () => {
  it("an illegal move names both statuses by their Vietnamese labels and the task by its code and title", async () => {
    const { task } = await office.tasks.createTask(newTask());
    await legalStaff.tasks.requestDeadlineChange({
      requestId: "",
      id: task!.id,
      newDeadline: { spec: { $case: "text", value: "Quý III/2020" } },
      reason: "Chờ ý kiến thẩm định",
    });
    const submitted = await legalStaff.tasks.submitTask({ requestId: "", id: task!.id, note: "" });
    // The pending request lapses with a note people read: Vietnamese words only.
    const lapsed = submitted.task!.deadlineRequests[0]!.note;
    expect(codeWordsInVietnamese(lapsed), lapsed).toEqual([]);
    const r = await refusal(legalStaff.tasks.submitTask({ requestId: "", id: task!.id, note: "" }));
    expect(r.reason).toBe("ILLEGAL_TRANSITION");
    expect(r.message).toContain("từ Đã trình sang Đã trình");
    expect(r.message).toContain(`Nhiệm vụ ${task!.code} «${TITLE}»`);
    expect(r.message).not.toContain(task!.id);
    expect(r.metadata).toEqual({ from: "submitted", to: "submitted", task_id: task!.id });
    expectVietnameseOnly(r);

    const progress = await refusal(
      legalStaff.tasks.recordProgress({ requestId: "", id: task!.id, percent: 50, note: "", attachments: [] }),
    );
    expect(progress.reason).toBe("TASK_SUBMITTED");
    expect(progress.message).toContain(`Nhiệm vụ ${task!.code} «${TITLE}» đã trình`);
    expect(progress.metadata).toEqual({ task_status: "submitted", task_id: task!.id });
    expectVietnameseOnly(progress);

    await legalStaff.tasks.completeTask({ requestId: "", id: task!.id, note: "" });
    const done = await refusal(legalStaff.tasks.recordProgress({ requestId: "", id: task!.id, percent: 50, note: "", attachments: [] }));
    expect(done.reason).toBe("TASK_COMPLETED");
    expect(done.message).toMatch(
      new RegExp(`^Nhiệm vụ ${task!.code} «${TITLE}» đã hoàn thành / Task ${task!.code} "${TITLE}" is completed`),
    );
    expectVietnameseOnly(done);
  });

  it("a stale version and a second pending request name the task by code and title, with snake_case metadata", async () => {
    const { task } = await office.tasks.createTask(newTask());
    const stale = await refusal(
      legalStaff.tasks.recordProgress({ requestId: "", id: task!.id, expectedVersion: 7, percent: 10, note: "", attachments: [] }),
    );
    expect(stale.reason).toBe("VERSION_CONFLICT");
    expect(stale.message).toContain(`Nhiệm vụ ${task!.code} «${TITLE}»`);
    expect(stale.message).not.toContain(task!.id);
    expect(stale.metadata).toEqual({ current_version: "1", task_id: task!.id });
    expectVietnameseOnly(stale);

    const change = {
      requestId: "",
      id: task!.id,
      newDeadline: { spec: { $case: "text" as const, value: "Quý III/2020" } },
      reason: "Chờ ý kiến Bộ Tư pháp",
    };
    await legalStaff.tasks.requestDeadlineChange(change);
    const pending = await refusal(legalStaff.tasks.requestDeadlineChange(change));
    expect(pending.reason).toBe("DEADLINE_REQUEST_PENDING");
    // request_id is the idempotency key; the pending deadline request is deadline_request_id.
    expect(pending.metadata).toEqual({ deadline_request_id: "dcr-1", task_id: task!.id });
    expectVietnameseOnly(pending);

    await minister.tasks.decideDeadlineChange({ requestId: "", id: task!.id, deadlineRequestId: "dcr-1", approve: true, note: "" });
    const decided = await refusal(
      minister.tasks.decideDeadlineChange({ requestId: "", id: task!.id, deadlineRequestId: "dcr-1", approve: false, note: "" }),
    );
    expect(decided.reason).toBe("REQUEST_ALREADY_DECIDED");
    expect(decided.message).toContain("(Đã đồng ý)");
    expect(decided.metadata).toEqual({ deadline_request_id: "dcr-1", deadline_request_status: "approved", task_id: task!.id });
    expectVietnameseOnly(decided);
  });

  it("role refusals name the roles by their Vietnamese titles", async () => {
    const { task } = await office.tasks.createTask(newTask());
    const decide = await refusal(
      legalStaff.tasks.decideDeadlineChange({ requestId: "", id: task!.id, deadlineRequestId: "dcr-1", approve: true, note: "" }),
    );
    expect(decide.message).toMatch(/^Chỉ Bộ trưởng, Thứ trưởng, Chánh Văn phòng được quyết định lùi thời hạn \/ /);
    expectVietnameseOnly(decide);
    const withdraw = await refusal(office.tasks.withdrawTask({ requestId: "", id: task!.id, reason: "Không còn phù hợp" }));
    expect(withdraw.message).toMatch(/^Chỉ Bộ trưởng, Thứ trưởng được rút nhiệm vụ/);
    expectVietnameseOnly(withdraw);
  });

  it("unit refusals name units by their Vietnamese names and tasks by code and title", async () => {
    const { task } = await office.tasks.createTask(newTask());
    const change = await refusal(
      staffingStaff.tasks.recordProgress({ requestId: "", id: task!.id, percent: 10, note: "", attachments: [] }),
    );
    expect(change.message).toContain("Vụ Pháp chế");
    expect(change.message).toContain(`${task!.code} «${TITLE}»`);
    expect(change.message).not.toContain(task!.id);
    expectVietnameseOnly(change);
    const assign = await refusal(
      staffingHead.tasks.assignTask({
        requestId: "",
        id: task!.id,
        assignee: "Lê Văn An",
        coordinatingUnits: [],
        setCoordinatingUnits: false,
        leadUnit: "",
      }),
    );
    expect(assign.message).toContain("Vụ Pháp chế");
    expectVietnameseOnly(assign);
    const create = await refusal(staffingHead.tasks.createTask(newTask({ leadUnit: "KHTC", coordinatingUnits: [] })));
    expect(create.message).toContain("Vụ Kế hoạch - Tài chính");
    expectVietnameseOnly(create);
    const dashboard = await refusal(legalStaff.tasks.getUnitDashboard({ unitId: "TCCB", programmeId: "", upcomingLimit: 0 }));
    expect(dashboard.message).toContain("Vụ Tổ chức cán bộ");
    expectVietnameseOnly(dashboard);
  });

  it("programme states are named by their Vietnamese labels", async () => {
    await office.programmes.createProgramme({ requestId: "", year: 2021, issuingBody: "", title: "" });
    const approve = ChangeProgrammeStatusRequest.fromPartial({ id: "bnv-2021", status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED });
    await office.programmes.changeProgrammeStatus(approve);
    const again = await refusal(office.programmes.changeProgrammeStatus(approve));
    expect(again.reason).toBe("ILLEGAL_PROGRAMME_TRANSITION");
    expect(again.message).toContain("từ Đã phê duyệt sang Đã phê duyệt");
    expectVietnameseOnly(again);
    const template = await office.programmes.exportProgramme({ programmeId: "", format: FileFormat.FILE_FORMAT_CSV });
    const imported = await refusal(
      office.programmes.importProgramme({
        requestId: "",
        programmeId: "bnv-2021",
        format: FileFormat.FILE_FORMAT_CSV,
        content: template.file!.content,
        validRowsOnly: false,
        dryRun: false,
        amend: false,
      }),
    );
    expect(imported.reason).toBe("PROGRAMME_NOT_DRAFT");
    expect(imported.metadata).toEqual({ programme_id: "bnv-2021", programme_status: "approved" });
    expectVietnameseOnly(imported);
  });

  it("a reused request id and a duplicate code are refused in Vietnamese words with snake_case metadata", async () => {
    const first = newTask({ requestId: "nm-req-1" });
    await office.tasks.createTask(first);
    const reused = await refusal(office.tasks.createTask({ ...first, title: "Khác" }));
    expect(reused.reason).toBe("REQUEST_ID_REUSED");
    expect(reused.metadata).toEqual({ request_id: "nm-req-1" });
    expectVietnameseOnly(reused);
    const duplicate = await refusal(office.tasks.createTask({ ...first, requestId: "" }));
    expect(duplicate.reason).toBe("TASK_CODE_EXISTS");
    expect(duplicate.metadata).toEqual({ programme_id: "bnv-2020", code: first.code });
    expectVietnameseOnly(duplicate);
  });

  it("a call without a token, and the operations API, answer in both languages", async () => {
    const anonymous = promised(createClient(TaskServiceClient, h.svc.grpc.address, { log: h.svc.ctx.log }));
    const noToken = await refusal(anonymous.getTask({ id: "x" }));
    expect(noToken.message).toContain(" / ");
    expectVietnameseOnly(noToken);

    const asOps = async (roles: Role[]) => {
      const token = await h.token({ sub: `op-${roles.join("-")}`, roles });
      return promised(createClient(OperationsServiceClient, h.svc.grpc.address, { log: h.svc.ctx.log, token: () => token }));
    };
    const notOperator = await refusal((await asOps(["staff"])).listDeadLetters({ consumer: "", stream: "" }));
    expect(notOperator.message).toMatch(/^Chỉ Vận hành, Quản trị hệ thống /);
    expectVietnameseOnly(notOperator);

    const ops = await asOps(["ops"]);
    const refusals = [
      await refusal(ops.replayDeadLetter({ id: "" })),
      await refusal(ops.replayDeadLetter({ id: "nope" })),
      await refusal(ops.replayDeadLetter({ id: "0123456789abcdef01234567" })),
      await refusal(ops.discardDeadLetter({ id: "0123456789abcdef01234567", reason: "" })),
      await refusal(ops.discardDeadLetter({ id: "0123456789abcdef01234567", reason: "thử" })),
      await refusal(ops.republishOutbox({ from: undefined, to: undefined })),
      await refusal(ops.republishOutbox({ from: new Date("2020-02-01"), to: new Date("2020-01-01") })),
      await refusal(ops.listDeadLetters({ consumer: "", stream: "", page: { pageSize: -1, pageToken: "" } })),
      await refusal(ops.listDeadLetters({ consumer: "", stream: "", page: { pageSize: 0, pageToken: "!!" } })),
      await refusal(ops.listParkedEvents({ page: { pageSize: 0, pageToken: "YWJj" } })),
      await refusal(ops.retryParkedEvent({ id: "0123456789abcdef01234567" })),
      await refusal(ops.discardParkedEvent({ id: "bad", reason: "thử" })),
    ];
    for (const r of refusals) expectVietnameseOnly(r);
  });
});

/** Each call: the method it is (service and name) and a request with bad fields. */
type BadCall = [
  service: "ProgrammeService" | "TaskService" | "ReportService" | "OperationsService",
  method: string,
  call: () => Promise<unknown>,
];

describe("field violations name the request's proto fields", () => {
  it("every violation of many bad requests resolves, segment by segment, to a field of the request message", async () => {
    const { task } = await office.tasks.createTask(newTask());
    const id = task!.id;
    const long = (n: number) => "x".repeat(n + 1);
    const badPage = { pageSize: -1, pageToken: "" };
    // "abc": no token any list issued.
    const badToken = { pageSize: 0, pageToken: "YWJj" };
    const noPeriod = GetReportRequest.fromPartial({ kind: long(64), unitId: long(64), programmeId: long(128) });
    const opsToken = await h.token({ sub: "op", roles: ["ops"] });
    const ops = promised(createClient(OperationsServiceClient, h.svc.grpc.address, { log: h.svc.ctx.log, token: () => opsToken }));
    const calls: BadCall[] = [
      [
        "ProgrammeService",
        "CreateProgramme",
        () => office.programmes.createProgramme({ requestId: long(128), year: 1800, issuingBody: "a b", title: long(500) }),
      ],
      ["ProgrammeService", "GetProgramme", () => office.programmes.getProgramme({ id: "" })],
      ["ProgrammeService", "ListProgrammes", () => office.programmes.listProgrammes({ page: badPage, year: 0 })],
      ["ProgrammeService", "ListProgrammes", () => office.programmes.listProgrammes({ page: badToken, year: 0 })],
      [
        "ProgrammeService",
        "ChangeProgrammeStatus",
        () => office.programmes.changeProgrammeStatus(ChangeProgrammeStatusRequest.fromPartial({ id: "" })),
      ],
      [
        "ProgrammeService",
        "ChangeProgrammeStatus",
        () =>
          office.programmes.changeProgrammeStatus(
            ChangeProgrammeStatusRequest.fromPartial({ id: "", status: ProgrammeStatus.PROGRAMME_STATUS_CLOSED }),
          ),
      ],
      [
        "ProgrammeService",
        "ImportProgramme",
        () =>
          office.programmes.importProgramme({
            requestId: "",
            programmeId: "",
            format: FileFormat.FILE_FORMAT_CSV,
            content: Buffer.alloc(0),
            validRowsOnly: false,
            dryRun: false,
            amend: false,
          }),
      ],
      [
        "ProgrammeService",
        "ImportProgramme",
        () =>
          office.programmes.importProgramme({
            requestId: "",
            programmeId: "bnv-2020",
            format: FileFormat.FILE_FORMAT_UNSPECIFIED,
            content: Buffer.from("a"),
            validRowsOnly: false,
            dryRun: true,
            amend: false,
          }),
      ],
      [
        "ProgrammeService",
        "ImportProgramme",
        () =>
          office.programmes.importProgramme({
            requestId: "",
            programmeId: "bnv-2020",
            format: FileFormat.FILE_FORMAT_CSV,
            content: Buffer.from("Cột lạ\nx\n"),
            validRowsOnly: false,
            dryRun: true,
            amend: false,
          }),
      ],
      [
        "ProgrammeService",
        "ExportProgramme",
        () => office.programmes.exportProgramme({ programmeId: long(128), format: FileFormat.FILE_FORMAT_UNSPECIFIED }),
      ],
      [
        "ProgrammeService",
        "ExportProgramme",
        () => office.programmes.exportProgramme({ programmeId: long(128), format: FileFormat.FILE_FORMAT_CSV }),
      ],
      [
        "TaskService",
        "CreateTask",
        () =>
          office.tasks.createTask(
            CreateTaskRequest.fromPartial({
              requestId: long(128),
              programmeId: "",
              code: long(64),
              title: "",
              kind: "NOPE",
              authority: "NOPE",
              leadUnit: "",
              coordinatingUnits: ["NOPE", long(64), ""],
              assignee: long(200),
              source: { type: 0, ref: long(200) },
              documentLinks: [{ documentId: "", relation: DocumentRelation.DOCUMENT_RELATION_UNSPECIFIED, number: long(40) }],
            }),
          ),
      ],
      [
        "TaskService",
        "CreateTask",
        () => office.tasks.createTask(newTask({ leadUnit: "NOPE", deadline: { spec: { $case: "text", value: "bao giờ" } } })),
      ],
      [
        "TaskService",
        "CreateTask",
        () => office.tasks.createTask(newTask({ deadline: { spec: { $case: "quarter", value: { year: 2020, quarter: 9 } } } })),
      ],
      ["TaskService", "GetTask", () => office.tasks.getTask({ id: "" })],
      [
        "TaskService",
        "ListTasks",
        () =>
          office.tasks.listTasks(
            ListTasksRequest.fromPartial({
              statuses: [99],
              kinds: [long(64)],
              programmeId: long(128),
              unitId: long(64),
              text: long(200),
              assignee: long(200),
            }),
          ),
      ],
      ["TaskService", "ListTasks", () => office.tasks.listTasks(ListTasksRequest.fromPartial({ page: badToken }))],
      ["TaskService", "ListTasks", () => office.tasks.listTasks(ListTasksRequest.fromPartial({ page: badPage }))],
      [
        "TaskService",
        "AssignTask",
        () =>
          office.tasks.assignTask({
            requestId: "",
            id: "",
            assignee: "",
            leadUnit: "",
            coordinatingUnits: [],
            setCoordinatingUnits: false,
          }),
      ],
      [
        "TaskService",
        "AssignTask",
        () =>
          office.tasks.assignTask({
            requestId: "",
            id,
            assignee: long(200),
            leadUnit: "NOPE",
            coordinatingUnits: ["NOPE"],
            setCoordinatingUnits: true,
          }),
      ],
      [
        "TaskService",
        "RecordProgress",
        () =>
          office.tasks.recordProgress({
            requestId: "",
            id,
            percent: 101,
            note: long(4000),
            attachments: [{ documentId: "", title: long(300) }],
          }),
      ],
      ["TaskService", "RecordProgress", () => office.tasks.recordProgress({ requestId: "", id, percent: 101, note: "", attachments: [] })],
      ["TaskService", "RecordProgress", () => office.tasks.recordProgress({ requestId: "", id, note: "", attachments: [] })],
      [
        "TaskService",
        "SubmitTask",
        () =>
          office.tasks.submitTask({
            requestId: "",
            id,
            submittedAt: new Date("2030-01-01"),
            note: long(2000),
            document: { documentId: "", relation: DocumentRelation.DOCUMENT_RELATION_UNSPECIFIED, number: "" },
          }),
      ],
      [
        "TaskService",
        "CompleteTask",
        () => office.tasks.completeTask({ requestId: "", id, completedAt: new Date("2030-01-01"), note: long(2000) }),
      ],
      ["TaskService", "WithdrawTask", () => minister.tasks.withdrawTask({ requestId: "", id, reason: "" })],
      ["TaskService", "LinkDocument", () => office.tasks.linkDocument({ requestId: "", id })],
      [
        "TaskService",
        "LinkDocument",
        () => office.tasks.linkDocument({ requestId: "", id, document: { documentId: long(40), relation: 0, number: "" } }),
      ],
      [
        "TaskService",
        "RequestDeadlineChange",
        () =>
          office.tasks.requestDeadlineChange({ requestId: "", id, newDeadline: { spec: { $case: "text", value: "bao giờ" } }, reason: "" }),
      ],
      [
        "TaskService",
        "RequestDeadlineChange",
        () => office.tasks.requestDeadlineChange({ requestId: "", id, newDeadline: undefined, reason: "x" }),
      ],
      [
        "TaskService",
        "RequestDeadlineChange",
        () =>
          office.tasks.requestDeadlineChange({
            requestId: "",
            id,
            newDeadline: { spec: { $case: "text", value: "Quý II/2020" } },
            reason: "x",
          }),
      ],
      [
        "TaskService",
        "DecideDeadlineChange",
        () => minister.tasks.decideDeadlineChange({ requestId: "", id: "", deadlineRequestId: "", approve: true, note: "" }),
      ],
      [
        "TaskService",
        "DecideDeadlineChange",
        () => minister.tasks.decideDeadlineChange({ requestId: "", id, deadlineRequestId: long(128), approve: true, note: long(2000) }),
      ],
      ["TaskService", "GetTaskHistory", () => office.tasks.getTaskHistory({ id, page: badToken })],
      ["TaskService", "GetTaskHistory", () => office.tasks.getTaskHistory({ id, page: badPage })],
      ["TaskService", "GetUnitDashboard", () => office.tasks.getUnitDashboard({ unitId: "", programmeId: long(128), upcomingLimit: 0 })],
      ["TaskService", "GetUnitDashboard", () => office.tasks.getUnitDashboard({ unitId: "NOPE", programmeId: "", upcomingLimit: 0 })],
      ["ReportService", "GetReport", () => office.reports.getReport(noPeriod)],
      ["ReportService", "GetReport", () => office.reports.getReport(GetReportRequest.fromPartial({ maxLines: -1 }))],
      [
        "ReportService",
        "GetReport",
        () =>
          office.reports.getReport(
            GetReportRequest.fromPartial({ period: { period: { $case: "quarter", value: { year: 2020, quarter: 2 } } }, kind: "NOPE" }),
          ),
      ],
      [
        "ReportService",
        "GetReport",
        () =>
          office.reports.getReport(
            GetReportRequest.fromPartial({ period: { period: { $case: "quarter", value: { year: 2020, quarter: 7 } } } }),
          ),
      ],
      [
        "ReportService",
        "ExportReport",
        () => office.reports.exportReport(ExportReportRequest.fromPartial({ format: FileFormat.FILE_FORMAT_CSV, locale: "fr" })),
      ],
      [
        "ReportService",
        "ExportReport",
        () => office.reports.exportReport(ExportReportRequest.fromPartial({ format: FileFormat.FILE_FORMAT_UNSPECIFIED })),
      ],
      [
        "ReportService",
        "ExportReport",
        () => office.reports.exportReport(ExportReportRequest.fromPartial({ format: FileFormat.FILE_FORMAT_CSV, report: noPeriod })),
      ],
      [
        "ReportService",
        "ExportReport",
        () => office.reports.exportReport(ExportReportRequest.fromPartial({ format: FileFormat.FILE_FORMAT_CSV, snapshotId: long(128) })),
      ],
      [
        "ReportService",
        "CreateReportSnapshot",
        () =>
          office.reports.createReportSnapshot(
            CreateReportSnapshotRequest.fromPartial({ report: noPeriod, title: long(500), meetingId: long(40) }),
          ),
      ],
      [
        "ReportService",
        "CreateReportSnapshot",
        () =>
          office.reports.createReportSnapshot(
            CreateReportSnapshotRequest.fromPartial({
              report: { period: { period: { $case: "quarter", value: { year: 2020, quarter: 2 } } } },
              title: long(500),
              meetingId: long(40),
            }),
          ),
      ],
      ["ReportService", "GetReportSnapshot", () => office.reports.getReportSnapshot({ id: "", maxLines: 0 })],
      ["ReportService", "GetReportSnapshot", () => office.reports.getReportSnapshot({ id: "s", maxLines: -1 })],
      [
        "ReportService",
        "ListReportSnapshots",
        () => office.reports.listReportSnapshots({ meetingId: long(40), programmeId: long(128), page: undefined }),
      ],
      [
        "ReportService",
        "ListReportSnapshots",
        () => office.reports.listReportSnapshots({ meetingId: "", programmeId: "", page: badToken }),
      ],
      ["OperationsService", "ReplayDeadLetter", () => ops.replayDeadLetter({ id: "nope" })],
      ["OperationsService", "DiscardDeadLetter", () => ops.discardDeadLetter({ id: "", reason: "" })],
      ["OperationsService", "RepublishOutbox", () => ops.republishOutbox({ from: undefined, to: undefined })],
      ["OperationsService", "ListDeadLetters", () => ops.listDeadLetters({ consumer: "", stream: "", page: badToken })],
      ["OperationsService", "ListParkedEvents", () => ops.listParkedEvents({ page: badPage })],
      ["OperationsService", "DiscardParkedEvent", () => ops.discardParkedEvent({ id: "bad", reason: long(2000) })],
    ];
    const wrong: string[] = [];
    const notVietnamese: string[] = [];
    let seen = 0;
    for (const [service, method, call] of calls) {
      const r = await refusal(call()).catch((err: Error) => {
        throw new Error(`${method}: ${err.message}`);
      });
      expect(r.violations.length, `${method}: ${r.message}`).toBeGreaterThan(0);
      const pkg = service === "OperationsService" ? "ministry.platform.v1" : "ministry.tasks.v1";
      const request = requestMessageOf(`${pkg}.${service}`, method);
      for (const v of r.violations) {
        seen += 1;
        const problem = fieldPathProblem(request, v.field);
        if (problem) wrong.push(`${method} "${v.field}": ${problem}`);
        if (codeWordsInVietnamese(v.description).length > 0) notVietnamese.push(`${method} ${v.field}: ${v.description}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(notVietnamese).toEqual([]);
    expect(seen).toBeGreaterThan(60);
  });
});

describe("/metrics", () => {
  it("names metrics the Prometheus way, with units, _total counters, and events by type and consumer", async () => {
    await office.tasks.createTask(newTask());
    await h.svc.ctx.bus.publish(
      MeetingConcludedEvent.of(
        "nm-metrics",
        MeetingConcluded.fromPartial({
          meetingId: "nm-metrics",
          title: "Giao ban",
          heldAt: new Date("2020-03-30T01:30:00Z"),
          concludedAt: new Date("2020-03-30T04:00:00Z"),
          chair: undefined,
          actor: undefined,
          items: [
            {
              itemId: "1",
              number: 1,
              content: "Rà soát",
              leadUnit: { id: "KHTC", name: "Vụ Kế hoạch - Tài chính" },
              coordinatingUnits: [],
              deadline: undefined,
              assignee: "",
              taskKind: "",
            },
          ],
        }),
      ),
    );
    // One consumed and one failing event of the same type (an unknown unit: a dead letter).
    await h.svc.ctx.bus.publish(
      MeetingConcludedEvent.of(
        "nm-metrics-bad",
        MeetingConcluded.fromPartial({
          meetingId: "nm-metrics-bad",
          title: "Giao ban",
          heldAt: new Date("2020-03-30T01:30:00Z"),
          concludedAt: new Date("2020-03-30T04:00:00Z"),
          chair: undefined,
          actor: undefined,
          items: [
            {
              itemId: "1",
              number: 1,
              content: "?",
              leadUnit: { id: "NOPE", name: "?" },
              coordinatingUnits: [],
              deadline: undefined,
              assignee: "",
              taskKind: "",
            },
          ],
        }),
      ),
    );
    const scrape = async () => (await fetch(`http://127.0.0.1:${h.svc.admin.port}/metrics`)).text();
    const type = 'type="ministry.meetings.meeting.concluded.v1"';
    const text = await h.until(async () => {
      const t = await scrape();
      // The failed attempt is counted before the event is moved to the dead letters: wait for both.
      return /^events_failed_total\{/m.test(t) &&
        /^events_dead_lettered_total\{/m.test(t) &&
        new RegExp(`^events_consumed_total\\{[^}]*${type}[^}]*outcome="processed"`, "m").test(t)
        ? t
        : undefined;
    }, "the consumed and the failed event on /metrics");

    const family = (name: string) => {
      const lines = text.split("\n");
      return {
        type: lines.find((l) => l.startsWith(`# TYPE ${name} `))?.split(" ")[3],
        unit: lines.find((l) => l.startsWith(`# UNIT ${name} `))?.split(" ")[3],
        samples: lines.filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name}_bucket{`) || l.startsWith(`${name}_count{`)),
      };
    };
    const duration = family("rpc_server_call_duration_seconds");
    expect(duration).toMatchObject({ type: "histogram", unit: "seconds" });
    expect(
      duration.samples.some((l) => /rpc_method="ministry\.tasks\.v1\.TaskService\/CreateTask"/.test(l) && /rpc_status_code="OK"/.test(l)),
    ).toBe(true);
    expect(family("rpc_client_call_duration_seconds").type ?? "histogram").toBe("histogram");
    expect(family("rpc_server_calls_total").type).toBe("counter");
    expect(family("outbox_oldest_unsent_age_seconds")).toMatchObject({ type: "gauge", unit: "seconds" });

    const published = family("events_published_total");
    expect(published.type).toBe("counter");
    expect(published.samples.some((l) => l.includes('type="ministry.tasks.task.created.v1"'))).toBe(true);
    const consumed = family("events_consumed_total");
    expect(consumed.type).toBe("counter");
    expect(consumed.samples.some((l) => l.includes(type) && /consumer="tasks-[^"]+"/.test(l))).toBe(true);
    const failed = family("events_failed_total");
    expect(failed.type).toBe("counter");
    expect(failed.samples.some((l) => l.includes(type) && /consumer="tasks-[^"]+"/.test(l))).toBe(true);
    expect(family("events_dead_lettered_total").type).toBe("counter");
    expect(family("tasks_overdue").type).toBe("gauge");

    // No family without its unit suffix, no counter without _total, no name kept from the old scheme.
    for (const old of [
      "rpc_server_call_duration",
      "rpc_client_call_duration",
      "outbox_oldest_unsent_age",
      "outbox_parked_total",
      "events_consumed",
      "events_published",
    ])
      expect(text).not.toMatch(new RegExp(`^# TYPE ${old} `, "m"));
    for (const m of text.matchAll(/^# TYPE (\S+) counter$/gm)) expect(m[1]).toMatch(/_total$/);
    for (const m of text.matchAll(/^# UNIT (\S+) (\S+)$/gm))
      expect(m[1].endsWith(`_${m[2]}`) || m[1].endsWith(`_${m[2]}_total`)).toBe(true);
  });
});
