/**
 * Bounded input, over real gRPC and real events: every free-text and repeated field of every command
 * has a limit (src/domain/limits.ts), an oversized request is INVALID_ARGUMENT naming each field and
 * changes nothing, an oversized event from another service becomes a dead letter, and the largest
 * event a valid command can produce stays far below NATS's 1 MB max_payload.
 */
import { status as Status } from "@grpc/grpc-js";
import { decodeStatusDetails } from "@ministry/platform";
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import type { DocumentReceived } from "@ministry/proto/ministry/documents/v1/events";
import {
  CreateReportSnapshotRequest,
  CreateTaskRequest,
  DocumentRelation,
  ExportReportRequest,
  FileFormat,
  GetReportRequest,
  ListTasksRequest,
  ProgrammeStatus,
  TaskSource,
  TaskStatus,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_UNITS } from "../../src/domain/vocabulary.js";
import {
  MAX_ASSIGNEE_LENGTH,
  MAX_ATTACHMENTS,
  MAX_ATTACHMENT_TITLE_LENGTH,
  MAX_CODE_LENGTH,
  MAX_DOCUMENT_LINKS,
  MAX_DOCUMENT_NUMBER_LENGTH,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_NOTE_LENGTH,
  MAX_REMARK_LENGTH,
  MAX_SOURCE_REF_LENGTH,
  MAX_TITLE_LENGTH,
} from "../../src/domain/limits.js";
import { MeetingConcludedEvent, DocumentReceivedEvent } from "../../src/events/definitions.js";
import { approvedProgramme, startTasksHarness, type TasksHarness } from "./harness.js";

type Clients = Awaited<ReturnType<TasksHarness["clients"]>>;

let h: TasksHarness;
let office: Clients;
let minister: Clients;

/** `n` characters of 4 bytes each in UTF-8 (U+1D538), the costliest text a limit in characters allows. */
const wide = (n: number) => "𝔸".repeat(n);
const deadline = (text: string) => ({ spec: { $case: "text" as const, value: text }, dueAt: undefined, label: undefined });

const link = (extra: Partial<{ documentId: string; number: string }>) => ({
  documentId: "doc-1",
  relation: DocumentRelation.DOCUMENT_RELATION_REFERENCE,
  number: "",
  ...extra,
});

function newTask(extra: Partial<CreateTaskRequest> = {}): CreateTaskRequest {
  return CreateTaskRequest.fromPartial({
    programmeId: "bnv-2020",
    title: "Thông tư hướng dẫn chức năng, nhiệm vụ của Phòng Nội vụ",
    kind: "THONG_TU",
    authority: "BO_TRUONG",
    leadUnit: "PC",
    deadline: deadline("Quý III/2020"),
    ...extra,
  });
}

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  // The actor an event carries comes from the token: a long name, as a worst case.
  minister = await h.clients({ sub: "minister", name: wide(200), roles: ["minister"] });
  await approvedProgramme(office);
});

afterAll(async () => {
  await h?.stop();
});

async function refusal(p: Promise<unknown>): Promise<{ code: number; fields: string[] }> {
  try {
    await p;
  } catch (err) {
    const details = decodeStatusDetails(err as never);
    return { code: (err as { code: number }).code, fields: details?.badRequest?.fieldViolations.map((v) => v.field) ?? [] };
  }
  return { code: Status.OK, fields: [] };
}

describe("oversized requests", () => {
  it("a RecordProgress with 2,000 attachment references (about 1.2 MB) is refused, naming the field, and changes nothing", async () => {
    const { task } = await office.tasks.createTask(newTask({ code: "LIM-ATT" }));
    const attachments = Array.from({ length: 2000 }, (_, i) => ({
      documentId: `doc-${String(i).padStart(6, "0")}`,
      title: `Tệp đính kèm số ${i} ${"x".repeat(560)}`,
    }));
    const r = await refusal(
      office.tasks.recordProgress({ requestId: "", id: task!.id, expectedVersion: undefined, percent: 10, note: "", attachments }),
    );
    expect(r).toEqual({ code: Status.INVALID_ARGUMENT, fields: ["attachments"] });
    expect((await office.tasks.getTask({ id: task!.id })).task!.version).toBe(task!.version);
  });

  // One oversized field at a time, for every RPC that takes one: the field is named, nothing else is.
  const over = (max: number) => wide(max + 1);
  const CASES: [string, (c: Clients, taskId: string) => Promise<unknown>, string[]][] = [
    [
      "CreateProgramme title",
      (c) => c.programmes.createProgramme({ requestId: "", year: 2031, issuingBody: "", title: over(500) }),
      ["title"],
    ],
    [
      "CreateProgramme request_id",
      (c) => c.programmes.createProgramme({ requestId: "r".repeat(129), year: 2032, issuingBody: "", title: "" }),
      ["request_id"],
    ],
    ["GetProgramme id", (c) => c.programmes.getProgramme({ id: "p".repeat(129) }), ["id"]],
    [
      "ChangeProgrammeStatus id",
      (c) =>
        c.programmes.changeProgrammeStatus({
          requestId: "",
          id: "p".repeat(129),
          status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
          expectedVersion: undefined,
        }),
      ["id"],
    ],
    [
      "ExportProgramme programme_id",
      (c) => c.programmes.exportProgramme({ programmeId: "p".repeat(129), format: FileFormat.FILE_FORMAT_CSV }),
      ["programme_id"],
    ],
    ["CreateTask code", (c) => c.tasks.createTask(newTask({ code: over(MAX_CODE_LENGTH) })), ["code"]],
    ["CreateTask title", (c) => c.tasks.createTask(newTask({ title: over(MAX_TITLE_LENGTH) })), ["title"]],
    ["CreateTask assignee", (c) => c.tasks.createTask(newTask({ assignee: over(MAX_ASSIGNEE_LENGTH) })), ["assignee"]],
    ["CreateTask kind", (c) => c.tasks.createTask(newTask({ kind: "K".repeat(65) })), ["kind"]],
    ["CreateTask authority", (c) => c.tasks.createTask(newTask({ authority: "A".repeat(65) })), ["authority"]],
    ["CreateTask lead_unit", (c) => c.tasks.createTask(newTask({ leadUnit: "U".repeat(65) })), ["lead_unit"]],
    [
      "CreateTask coordinating_units",
      (c) => c.tasks.createTask(newTask({ coordinatingUnits: Array(31).fill("VP") })),
      ["coordinating_units"],
    ],
    ["CreateTask deadline text", (c) => c.tasks.createTask(newTask({ deadline: deadline(`Quý II/2020${" ".repeat(60)}x`) })), ["deadline"]],
    [
      "CreateTask source ref",
      (c) => c.tasks.createTask(newTask({ source: { type: TaskSource.TASK_SOURCE_AD_HOC, ref: over(MAX_SOURCE_REF_LENGTH) } })),
      ["source.ref"],
    ],
    [
      "CreateTask document_links",
      (c) => c.tasks.createTask(newTask({ documentLinks: Array.from({ length: 51 }, (_, i) => link({ documentId: `d-${i}` })) })),
      ["document_links"],
    ],
    [
      "CreateTask document id and number",
      (c) =>
        c.tasks.createTask(
          newTask({ documentLinks: [link({ documentId: over(MAX_EXTERNAL_ID_LENGTH), number: over(MAX_DOCUMENT_NUMBER_LENGTH) })] }),
        ),
      ["document_links[0].document_id", "document_links[0].number"],
    ],
    ["GetTask id", (c) => c.tasks.getTask({ id: "t".repeat(601) }), ["id"]],
    ["GetTaskHistory id", (c) => c.tasks.getTaskHistory({ id: "t".repeat(601), page: undefined }), ["id"]],
    [
      "ListTasks text, kinds, statuses, assignee",
      (c) =>
        c.tasks.listTasks(
          ListTasksRequest.fromPartial({
            text: over(200),
            kinds: Array(51).fill("LUAT"),
            statuses: Array(51).fill(TaskStatus.TASK_STATUS_NOT_STARTED),
            assignee: over(MAX_ASSIGNEE_LENGTH),
          }),
        ),
      ["statuses", "kinds", "text", "assignee"],
    ],
    [
      "AssignTask units",
      (c, id) =>
        c.tasks.assignTask({
          requestId: "",
          id,
          expectedVersion: undefined,
          assignee: "",
          leadUnit: "U".repeat(65),
          coordinatingUnits: Array(31).fill("VP"),
          setCoordinatingUnits: true,
        }),
      ["lead_unit", "coordinating_units"],
    ],
    [
      "RecordProgress attachment fields",
      (c, id) =>
        c.tasks.recordProgress({
          requestId: "",
          id,
          expectedVersion: undefined,
          percent: undefined,
          note: "",
          attachments: [{ documentId: over(MAX_EXTERNAL_ID_LENGTH), title: over(MAX_ATTACHMENT_TITLE_LENGTH) }],
        }),
      ["attachments[0].document_id", "attachments[0].title"],
    ],
    [
      "RecordProgress note",
      (c, id) =>
        c.tasks.recordProgress({ requestId: "", id, expectedVersion: undefined, percent: 5, note: over(MAX_NOTE_LENGTH), attachments: [] }),
      ["note"],
    ],
    [
      "SubmitTask document and note",
      (c, id) =>
        c.tasks.submitTask({
          requestId: "",
          id,
          expectedVersion: undefined,
          submittedAt: undefined,
          document: link({ documentId: over(MAX_EXTERNAL_ID_LENGTH), number: over(MAX_DOCUMENT_NUMBER_LENGTH) }),
          note: over(MAX_REMARK_LENGTH),
        }),
      ["document.document_id", "document.number", "note"],
    ],
    [
      "CompleteTask document and note",
      (c, id) =>
        c.tasks.completeTask({
          requestId: "",
          id,
          expectedVersion: undefined,
          completedAt: undefined,
          document: link({ documentId: over(MAX_EXTERNAL_ID_LENGTH) }),
          note: over(MAX_REMARK_LENGTH),
        }),
      ["document.document_id", "note"],
    ],
    [
      "LinkDocument document",
      (c, id) =>
        c.tasks.linkDocument({
          requestId: "",
          id,
          expectedVersion: undefined,
          document: link({ number: over(MAX_DOCUMENT_NUMBER_LENGTH) }),
        }),
      ["document.number"],
    ],
    [
      "RequestDeadlineChange deadline text and reason",
      (c, id) =>
        c.tasks.requestDeadlineChange({
          requestId: "",
          id,
          expectedVersion: undefined,
          newDeadline: deadline(`Tháng 12/2020${" ".repeat(60)}x`),
          reason: over(MAX_REMARK_LENGTH),
        }),
      ["new_deadline", "reason"],
    ],
    [
      "DecideDeadlineChange request id and note",
      (c, id) =>
        c.tasks.decideDeadlineChange({
          requestId: "",
          id,
          expectedVersion: undefined,
          deadlineRequestId: "d".repeat(129),
          approve: false,
          note: over(MAX_REMARK_LENGTH),
        }),
      ["deadline_request_id", "note"],
    ],
    [
      "GetUnitDashboard unit",
      (c) => c.tasks.getUnitDashboard({ unitId: "U".repeat(65), programmeId: "p".repeat(129), upcomingLimit: 0 }),
      ["unit_id", "programme_id"],
    ],
    [
      "GetReport filters",
      (c) =>
        c.reports.getReport(
          GetReportRequest.fromPartial({
            period: { period: { $case: "year", value: 2020 } },
            programmeId: "p".repeat(129),
            unitId: "U".repeat(65),
            kind: "K".repeat(65),
          }),
        ),
      ["programme_id", "unit_id", "kind"],
    ],
    [
      "ExportReport snapshot id",
      (c) => c.reports.exportReport(ExportReportRequest.fromPartial({ snapshotId: "s".repeat(129), format: FileFormat.FILE_FORMAT_CSV })),
      ["snapshot_id"],
    ],
    [
      "CreateReportSnapshot title and meeting",
      (c) =>
        c.reports.createReportSnapshot(
          CreateReportSnapshotRequest.fromPartial({
            report: { period: { period: { $case: "year", value: 2020 } } },
            title: over(MAX_TITLE_LENGTH),
            meetingId: over(MAX_EXTERNAL_ID_LENGTH),
          }),
        ),
      ["title", "meeting_id"],
    ],
    ["GetReportSnapshot id", (c) => c.reports.getReportSnapshot({ id: "s".repeat(129), maxLines: 0 }), ["id"]],
    [
      "ListReportSnapshots filters",
      (c) => c.reports.listReportSnapshots({ page: undefined, meetingId: over(MAX_EXTERNAL_ID_LENGTH), programmeId: "p".repeat(129) }),
      ["meeting_id", "programme_id"],
    ],
  ];

  for (const [name, call, fields] of CASES) {
    it(`${name}: INVALID_ARGUMENT naming ${fields.join(", ")}`, async () => {
      const { task } = await minister.tasks.createTask(newTask());
      const r = await refusal(call(minister, task!.id));
      expect(r.code).toBe(Status.INVALID_ARGUMENT);
      expect([...r.fields].sort()).toEqual([...fields].sort());
      expect((await office.tasks.getTask({ id: task!.id })).task!.version).toBe(task!.version);
    });
  }
});

describe("the largest event a valid command produces", () => {
  it("stays far below the broker's 1 MB max_payload with every field at its limit", async () => {
    // The unit with the longest name leads; every other unit coordinates.
    const lead = [...DEFAULT_UNITS].sort((a, b) => b.vi.length - a.vi.length)[0].id;
    const maximal = (code: string) =>
      newTask({
        code: wide(MAX_CODE_LENGTH - code.length) + code,
        title: wide(MAX_TITLE_LENGTH),
        kind: "NQ_UBTVQH",
        authority: "UBTVQH",
        leadUnit: lead,
        coordinatingUnits: DEFAULT_UNITS.filter((u) => u.id !== lead).map((u) => u.id),
        assignee: wide(MAX_ASSIGNEE_LENGTH),
        source: { type: TaskSource.TASK_SOURCE_AD_HOC, ref: wide(MAX_SOURCE_REF_LENGTH) },
        // Room for the submission and the issued document linked below (links are not in events anyway).
        documentLinks: Array.from({ length: MAX_DOCUMENT_LINKS - 2 }, (_, i) =>
          link({ documentId: wide(MAX_EXTERNAL_ID_LENGTH - 3) + String(i).padStart(3, "0"), number: wide(MAX_DOCUMENT_NUMBER_LENGTH) }),
        ),
      });
    const base = { requestId: "", expectedVersion: undefined };
    const a = (await minister.tasks.createTask(maximal("A"))).task!;
    await minister.tasks.assignTask({
      ...base,
      id: a.id,
      assignee: wide(MAX_ASSIGNEE_LENGTH - 1),
      leadUnit: "",
      coordinatingUnits: [],
      setCoordinatingUnits: false,
    });
    await minister.tasks.recordProgress({
      ...base,
      id: a.id,
      percent: 50,
      note: wide(MAX_NOTE_LENGTH),
      attachments: Array.from({ length: MAX_ATTACHMENTS }, (_, i) => ({
        documentId: wide(MAX_EXTERNAL_ID_LENGTH - 2) + String(i).padStart(2, "0"),
        title: wide(MAX_ATTACHMENT_TITLE_LENGTH),
      })),
    });
    const refused = await minister.tasks.requestDeadlineChange({
      ...base,
      id: a.id,
      newDeadline: deadline("Tháng 11/2020"),
      reason: wide(MAX_REMARK_LENGTH),
    });
    await minister.tasks.decideDeadlineChange({
      ...base,
      id: a.id,
      deadlineRequestId: refused.task!.deadlineRequests[0].id,
      approve: false,
      note: wide(MAX_REMARK_LENGTH),
    });
    const asked = await minister.tasks.requestDeadlineChange({
      ...base,
      id: a.id,
      newDeadline: deadline("Tháng 12/2020"),
      reason: wide(MAX_REMARK_LENGTH),
    });
    await minister.tasks.decideDeadlineChange({
      ...base,
      id: a.id,
      deadlineRequestId: asked.task!.deadlineRequests[1].id,
      approve: true,
      note: wide(MAX_REMARK_LENGTH),
    });
    const document = link({ documentId: wide(MAX_EXTERNAL_ID_LENGTH), number: wide(MAX_DOCUMENT_NUMBER_LENGTH) });
    await minister.tasks.submitTask({ ...base, id: a.id, submittedAt: undefined, document, note: wide(MAX_REMARK_LENGTH) });
    await minister.tasks.completeTask({ ...base, id: a.id, completedAt: undefined, document, note: wide(MAX_REMARK_LENGTH) });
    const b = (await minister.tasks.createTask(maximal("B"))).task!;
    await minister.tasks.withdrawTask({ ...base, id: b.id, reason: wide(MAX_REMARK_LENGTH) });

    // The outbox holds each event as it will be published: body and headers.
    const records = await h.svc.ctx.mongo.db
      .collection("outbox")
      .find({ aggregateId: { $in: [a.id, b.id] } })
      .toArray();
    const sizes = new Map<string, number>();
    for (const r of records) {
      const headers = Object.entries(r.headers as Record<string, string>).reduce(
        (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
        0,
      );
      const size = (r.data as { length(): number }).length() + headers;
      sizes.set(r.type as string, Math.max(sizes.get(r.type as string) ?? 0, size));
    }
    expect([...sizes.keys()].sort()).toEqual(
      [
        "assigned",
        "completed",
        "created",
        "deadline_change_rejected",
        "deadline_change_requested",
        "deadline_changed",
        "progressed",
        "submitted",
        "withdrawn",
      ].map((e) => `ministry.tasks.task.${e}.v1`),
    );
    const largest = Math.max(...sizes.values());
    console.info(`largest event at the limits: ${largest} bytes (${JSON.stringify(Object.fromEntries(sizes))})`);
    expect(largest).toBeLessThan(100 * 1024);
  });
});

describe("oversized events from other services", () => {
  const item = (i: number) => ({
    itemId: String(i),
    number: i,
    content: `Nội dung kết luận ${i}`,
    leadUnit: { id: "VP", name: "Văn phòng Bộ" },
    coordinatingUnits: [],
    deadline: undefined,
    assignee: "",
    taskKind: "",
  });
  const meeting = (meetingId: string, extra: Partial<MeetingConcluded>): MeetingConcluded => ({
    ...MeetingConcluded.fromPartial({
      meetingId,
      title: "Giao ban",
      heldAt: new Date("2020-03-30T01:30:00Z"),
      concludedAt: new Date("2020-03-30T04:00:00Z"),
      chair: { userId: "minister", displayName: "Bộ trưởng", roles: ["minister"], unit: undefined },
      actor: undefined,
    }),
    items: [item(1)],
    ...extra,
  });

  async function deadLetterOf(aggregateId: string): Promise<string> {
    const letters = h.svc.ctx.mongo.db.collection("deadletters");
    const letter = await h.until(
      async () => (await letters.findOne({ "headers.ce-subject": aggregateId })) ?? undefined,
      `dead letter of ${aggregateId}`,
    );
    return String(letter.error);
  }

  const cases: [string, () => Promise<string>, string][] = [
    [
      "a meeting with more conclusions than the limit",
      async () => {
        await h.svc.ctx.bus.publish(
          MeetingConcludedEvent.of("lim-items", meeting("lim-items", { items: Array.from({ length: 201 }, (_, i) => item(i)) })),
        );
        return "lim-items";
      },
      "items",
    ],
    [
      "a chair whose name would make every task event huge",
      async () => {
        const chair = { userId: "minister", displayName: "B".repeat(300_000), roles: ["minister"], unit: undefined };
        await h.svc.ctx.bus.publish(MeetingConcludedEvent.of("lim-chair", meeting("lim-chair", { chair })));
        return "lim-chair";
      },
      "chair.display_name",
    ],
    [
      "a meeting id too long to name its tasks",
      async () => {
        const id = `lim-${"m".repeat(MAX_EXTERNAL_ID_LENGTH)}`;
        await h.svc.ctx.bus.publish(MeetingConcludedEvent.of(id, meeting(id, {})));
        return id;
      },
      "meeting_id",
    ],
    [
      "a directive with an oversized number",
      async () => {
        const directive: DocumentReceived = {
          documentId: "lim-directive",
          number: "N".repeat(MAX_DOCUMENT_NUMBER_LENGTH + 1),
          documentType: "CT",
          subject: "Chỉ thị",
          sender: undefined,
          receivedAt: new Date("2020-04-02T02:00:00Z"),
          directiveTasks: [{ ...item(1), deadline: undefined, taskKind: "" }],
          actor: undefined,
        };
        await h.svc.ctx.bus.publish(DocumentReceivedEvent.of("lim-directive", directive));
        return "lim-directive";
      },
      "number",
    ],
  ];

  for (const [name, publish, field] of cases) {
    it(`${name} is a dead letter naming ${field}, and creates nothing`, async () => {
      const aggregateId = await publish();
      expect(await deadLetterOf(aggregateId)).toContain(field);
      const tasks = await office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 500, pageToken: "" } }));
      expect(tasks.tasks.filter((t) => t.source!.ref.startsWith(aggregateId))).toEqual([]);
    });
  }
});
