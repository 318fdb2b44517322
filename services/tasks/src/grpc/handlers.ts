/**
 * The gRPC handlers of ProgrammeService, TaskService and ReportService: request checks, proto ↔
 * domain mapping, and the call into the use case. Errors are typed domain errors; the platform maps
 * them to status codes with their details.
 */
import { InvalidArgument, requireIdentity } from "@ministry/platform";
import {
  FileFormat,
  KindGroup,
  TaskOrder,
  UnitRole,
  type ProgrammeServiceServer,
  type ReportServiceServer,
  type TaskServiceServer,
  type GetReportRequest,
  type GetTaskRequest,
  type DocumentLink as ProtoDocumentLink,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { documentRelation, fromProtoDeadline, priority, programmeStatus, taskSource, taskStatus } from "../contract.js";
import {
  FIELD_NAMES,
  FieldChecks,
  MAX_ASSIGNEE_LENGTH,
  MAX_CODE_LENGTH,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_FILTER_VALUES,
  MAX_ID_LENGTH,
  MAX_SEARCH_TEXT_LENGTH,
  MAX_TASK_ID_LENGTH,
  MAX_VOCABULARY_CODE_LENGTH,
} from "../domain/limits.js";
import { AUTHORITIES } from "../domain/vocabulary.js";
import type { Services } from "../app/index.js";
import type { TaskListQuery } from "../app/task-queries.js";
import { exportReportCsv, exportReportXlsx, reportFileName } from "../report/export.js";
import { DEFAULT_REPORT_LINES, MAX_REPORT_LINES, type ReportQuery } from "../app/reports.js";
import {
  fromProtoPeriod,
  toHistoryEntry,
  toPendingDeadlineRequest,
  toProtoProgramme,
  toProtoReport,
  toProtoSnapshot,
  toProtoTask,
} from "./mapping.js";

const CONTENT_TYPES = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
} as const;

/** A required id within `max` characters (violations collected in `checks`). */
function requiredId(checks: FieldChecks, value: string | undefined, field: string, max = MAX_ID_LENGTH): string {
  const v = (value ?? "").trim();
  if (v === "") checks.add(field, "Bắt buộc", "Required");
  else checks.length(field, v, max, FIELD_NAMES.id);
  return v;
}

/** An optional id or code within `max` characters; undefined when empty. */
function optionalId(checks: FieldChecks, value: string | undefined, field: string, max = MAX_ID_LENGTH): string | undefined {
  const v = (value ?? "").trim();
  checks.length(field, v, max, FIELD_NAMES.id);
  return v || undefined;
}

function requireId(value: string | undefined, field = "id", max = MAX_ID_LENGTH): string {
  const checks = new FieldChecks();
  const v = requiredId(checks, value, field, max);
  checks.check();
  return v;
}

/** A task's id: longer than other ids, because imported tasks derive theirs from their code. */
function requireTaskId(value: string | undefined): string {
  return requireId(value, "id", MAX_TASK_ID_LENGTH);
}

/**
 * What GetTask names: an id, or a programme and a code (INVALID_ARGUMENT naming what is missing or
 * given twice).
 */
function taskReference(r: GetTaskRequest): { id: string; programmeId: string; code: string } {
  const checks = new FieldChecks();
  const id = (r.id ?? "").trim();
  const programmeId = (r.programmeId ?? "").trim();
  const code = (r.code ?? "").normalize("NFC").trim();
  if (id !== "") {
    checks.length("id", id, MAX_TASK_ID_LENGTH, FIELD_NAMES.id);
    if (programmeId !== "" || code !== "")
      checks.add("id", "Chỉ nêu mã định danh, hoặc chương trình và mã nhiệm vụ", "Give either the id, or the programme and the code");
  } else if (programmeId === "" && code === "")
    checks.add("id", "Nêu mã định danh, hoặc chương trình và mã nhiệm vụ", "Give the id, or the programme and the code");
  else {
    if (programmeId === "") checks.add("programme_id", "Bắt buộc khi tìm theo mã nhiệm vụ", "Required with the code");
    else checks.length("programme_id", programmeId, MAX_ID_LENGTH, FIELD_NAMES.id);
    if (code === "") checks.add("code", "Bắt buộc khi tìm theo chương trình", "Required with the programme");
    else checks.length("code", code, MAX_CODE_LENGTH, FIELD_NAMES.code);
  }
  checks.check();
  return { id, programmeId, code };
}

function fileFormat(format: FileFormat, field = "format"): "csv" | "xlsx" {
  if (format === FileFormat.FILE_FORMAT_CSV) return "csv";
  if (format === FileFormat.FILE_FORMAT_XLSX) return "xlsx";
  throw new InvalidArgument([{ field, description: "Chọn CSV hoặc XLSX / Choose CSV or XLSX" }]);
}

function documentLink(link: ProtoDocumentLink | undefined): { documentId: string; relation: string; number?: string } | undefined {
  if (!link) return undefined;
  return { documentId: link.documentId, relation: documentRelation.fromProto(link.relation) ?? "", number: link.number || undefined };
}

function maxLines(requested: number): number {
  if (requested < 0 || requested > MAX_REPORT_LINES)
    throw new InvalidArgument([{ field: "max_lines", description: `Từ 0 đến ${MAX_REPORT_LINES} / 0 to ${MAX_REPORT_LINES}` }]);
  return requested || DEFAULT_REPORT_LINES;
}

function kindGroup(g: KindGroup): "normative" | "other" | undefined {
  return g === KindGroup.KIND_GROUP_NORMATIVE ? "normative" : g === KindGroup.KIND_GROUP_OTHER ? "other" : undefined;
}

/** A report's query; `prefix` names where it sits in the request ("report." in ExportReport and CreateReportSnapshot). */
function reportQuery(r: GetReportRequest | undefined, prefix = ""): ReportQuery {
  const checks = new FieldChecks();
  const period = fromProtoPeriod(r?.period);
  if (!period) checks.add(`${prefix}period`, "Thiếu kỳ báo cáo (tháng, quý hoặc năm)", "Period (month, quarter or year) is required");
  const query = {
    programmeId: optionalId(checks, r?.programmeId, `${prefix}programme_id`),
    unitId: optionalId(checks, r?.unitId, `${prefix}unit_id`, MAX_VOCABULARY_CODE_LENGTH),
    kind: optionalId(checks, r?.kind, `${prefix}kind`, MAX_VOCABULARY_CODE_LENGTH),
    kindGroup: kindGroup(r?.kindGroup ?? KindGroup.KIND_GROUP_UNSPECIFIED),
    asOf: r?.asOf,
  };
  checks.check();
  return { period: period!, ...query };
}

export function programmeHandlers(s: Services): ProgrammeServiceServer {
  return {
    createProgramme: async (call) => {
      const r = call.request;
      const p = await s.programmes.create(requireIdentity(), {
        requestId: r.requestId,
        year: r.year,
        issuingBody: r.issuingBody,
        title: r.title,
      });
      return { programme: toProtoProgramme({ ...p, taskCount: 0 }) };
    },
    getProgramme: async (call) => ({ programme: toProtoProgramme(await s.programmes.get(requireIdentity(), requireId(call.request.id))) }),
    listProgrammes: async (call) => {
      const { items, total, nextPageToken } = await s.programmes.list(
        requireIdentity(),
        { year: call.request.year || undefined },
        call.request.page ?? {},
      );
      return { programmes: items.map(toProtoProgramme), page: { nextPageToken, totalSize: String(total) } };
    },
    changeProgrammeStatus: async (call) => {
      const r = call.request;
      const status = programmeStatus.fromProto(r.status);
      if (!status) throw new InvalidArgument([{ field: "status", description: "Thiếu trạng thái / Status is required" }]);
      const p = await s.programmes.changeStatus(requireIdentity(), {
        requestId: r.requestId,
        id: requireId(r.id),
        status,
        expectedVersion: r.expectedVersion,
      });
      return { programme: toProtoProgramme(p) };
    },
    importProgramme: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const programmeId = requiredId(checks, r.programmeId, "programme_id");
      if (r.content.length === 0) checks.add("content", "Tệp rỗng", "The file is empty");
      checks.check();
      const outcome = await s.programmes.import(requireIdentity(), {
        requestId: r.requestId,
        programmeId,
        format: fileFormat(r.format),
        content: r.content,
        validRowsOnly: r.validRowsOnly,
        dryRun: r.dryRun,
        amend: r.amend,
      });
      return {
        rows: outcome.report.rows.map((row) =>
          row.ok
            ? { line: row.line, valid: true, code: row.task.code, errors: [], taskId: outcome.imported.get(row.line) ?? "" }
            : {
                line: row.line,
                valid: false,
                code: row.code,
                errors: row.errors.map((e) => ({ field: e.field, message: e.message })),
                taskId: "",
              },
        ),
        validRows: outcome.report.valid,
        invalidRows: outcome.report.invalid,
        imported: outcome.imported.size,
        skippedExisting: outcome.skippedExisting,
      };
    },
    exportProgramme: async (call) => {
      const format = fileFormat(call.request.format);
      const checks = new FieldChecks();
      const programmeId = optionalId(checks, call.request.programmeId, "programme_id");
      checks.check();
      const file = await s.programmes.export(requireIdentity(), { programmeId, format });
      return { file: { fileName: file.fileName, contentType: CONTENT_TYPES[format], content: Buffer.from(file.bytes) } };
    },
    getVocabulary: async () => {
      requireIdentity();
      return {
        vocabulary: {
          kinds: s.vocabulary.kinds.map((k) => ({ code: k.code, name: { vi: k.vi, en: k.en }, normative: k.normative })),
          authorities: AUTHORITIES.map((a) => ({ code: a.code, name: { vi: a.vi, en: a.en } })),
          units: s.vocabulary.units.map((u) => ({ code: u.id, name: { vi: u.vi, en: u.en } })),
        },
      };
    },
  };
}

/** Unspecified: by deadline, or by relevance when searching (TaskQueries.list). */
const ORDER: Record<number, TaskListQuery["orderBy"]> = {
  [TaskOrder.TASK_ORDER_DEADLINE_ASC]: "deadline_asc",
  [TaskOrder.TASK_ORDER_DEADLINE_DESC]: "deadline_desc",
  [TaskOrder.TASK_ORDER_CODE]: "code",
  [TaskOrder.TASK_ORDER_UPDATED_DESC]: "updated_desc",
};

export function taskHandlers(s: Services): TaskServiceServer {
  const out = (task: Parameters<typeof toProtoTask>[0]) => ({ task: toProtoTask(task, s.vocabulary, s.clock.now()) });
  return {
    createTask: async (call) => {
      const r = call.request;
      const source = r.source ? taskSource.fromProto(r.source.type) : undefined;
      const task = await s.commands.create(requireIdentity(), {
        requestId: r.requestId,
        programmeId: r.programmeId,
        code: r.code,
        title: r.title,
        kind: r.kind,
        authority: r.authority || null,
        leadUnit: r.leadUnit,
        coordinatingUnits: r.coordinatingUnits,
        assignee: r.assignee || null,
        // Missing: the domain reports it with every other problem of the request.
        deadline: r.deadline?.spec ? fromProtoDeadline(r.deadline, "deadline") : (undefined as unknown as string),
        priority: priority.fromProto(r.priority) ?? "normal",
        source: source ? { type: source, ref: r.source?.ref } : undefined,
        documentLinks: r.documentLinks.map((l) => documentLink(l)!),
      });
      return out(task);
    },
    getTask: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const by = taskReference(r);
      return out(by.id ? await s.queries.get(identity, by.id) : await s.queries.getByCode(identity, by.programmeId, by.code));
    },
    listTasks: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const statuses = checks.count("statuses", r.statuses, MAX_FILTER_VALUES, FIELD_NAMES.filterValues)
        ? r.statuses.flatMap((st, i) => {
            const d = taskStatus.fromProto(st);
            if (!d) checks.add(`statuses[${i}]`, "Trạng thái không hợp lệ", "Invalid status");
            return d ? [d] : [];
          })
        : [];
      if (checks.texts("kinds", r.kinds, MAX_FILTER_VALUES, MAX_VOCABULARY_CODE_LENGTH, FIELD_NAMES.kind))
        r.kinds.forEach((kind, i) => {
          if (!s.vocabulary.kinds.some((k) => k.code === kind))
            checks.add(`kinds[${i}]`, `Loại nhiệm vụ không xác định: "${kind}"`, `Unknown kind: "${kind}"`);
        });
      const programmeId = optionalId(checks, r.programmeId, "programme_id");
      const unitId = optionalId(checks, r.unitId, "unit_id", MAX_VOCABULARY_CODE_LENGTH);
      if (unitId && !s.vocabulary.units.some((u) => u.id === unitId))
        checks.add("unit_id", `Đơn vị không tồn tại: "${unitId}"`, `No such unit: "${unitId}"`);
      const source = taskSource.fromProto(r.source);
      if (r.source !== 0 && !source) checks.add("source", "Nguồn nhiệm vụ không hợp lệ", "Invalid task source");
      checks.length("text", r.text, MAX_SEARCH_TEXT_LENGTH, FIELD_NAMES.search);
      checks.length("assignee", r.assignee, MAX_ASSIGNEE_LENGTH, FIELD_NAMES.assignee);
      checks.check();
      const unitRole =
        r.unitRole === UnitRole.UNIT_ROLE_LEAD ? "lead" : r.unitRole === UnitRole.UNIT_ROLE_COORDINATING ? "coordinating" : "any";
      const result = await s.queries.list(
        requireIdentity(),
        {
          programmeId,
          unitId,
          unitRole,
          statuses,
          kinds: r.kinds,
          kindGroup: kindGroup(r.kindGroup),
          deadlineFrom: r.deadlineFrom,
          deadlineTo: r.deadlineTo,
          overdueOnly: r.overdueOnly,
          text: r.text,
          assignee: r.assignee || undefined,
          source,
          pendingDeadlineRequest: r.pendingDeadlineRequest,
          orderBy: ORDER[r.orderBy],
        },
        r.page ?? {},
      );
      const now = s.clock.now();
      return {
        tasks: result.tasks.map((t) => toProtoTask(t, s.vocabulary, now)),
        page: { nextPageToken: result.nextPageToken, totalSize: String(result.total) },
      };
    },
    assignTask: async (call) => {
      const r = call.request;
      return out(
        await s.commands.assign(requireIdentity(), {
          requestId: r.requestId,
          id: requireTaskId(r.id),
          expectedVersion: r.expectedVersion,
          assignee: r.assignee,
          leadUnit: r.leadUnit || undefined,
          coordinatingUnits: r.setCoordinatingUnits ? r.coordinatingUnits : undefined,
        }),
      );
    },
    recordProgress: async (call) => {
      const r = call.request;
      return out(
        await s.commands.recordProgress(requireIdentity(), {
          requestId: r.requestId,
          id: requireTaskId(r.id),
          expectedVersion: r.expectedVersion,
          percent: r.percent,
          note: r.note,
          attachments: r.attachments,
        }),
      );
    },
    submitTask: async (call) => {
      const r = call.request;
      return out(
        await s.commands.submit(requireIdentity(), {
          requestId: r.requestId,
          id: requireTaskId(r.id),
          expectedVersion: r.expectedVersion,
          at: r.submittedAt,
          document: documentLink(r.document),
          note: r.note,
        }),
      );
    },
    completeTask: async (call) => {
      const r = call.request;
      return out(
        await s.commands.complete(requireIdentity(), {
          requestId: r.requestId,
          id: requireTaskId(r.id),
          expectedVersion: r.expectedVersion,
          at: r.completedAt,
          document: documentLink(r.document),
          note: r.note,
        }),
      );
    },
    withdrawTask: async (call) => {
      const r = call.request;
      return out(
        await s.commands.withdraw(requireIdentity(), {
          requestId: r.requestId,
          id: requireTaskId(r.id),
          expectedVersion: r.expectedVersion,
          reason: r.reason,
        }),
      );
    },
    linkDocument: async (call) => {
      const r = call.request;
      return out(
        await s.commands.linkDocument(requireIdentity(), {
          requestId: r.requestId,
          id: requireTaskId(r.id),
          expectedVersion: r.expectedVersion,
          document: documentLink(r.document),
        }),
      );
    },
    requestDeadlineChange: async (call) => {
      const r = call.request;
      const id = requireTaskId(r.id);
      return out(
        await s.commands.requestDeadlineChange(requireIdentity(), {
          requestId: r.requestId,
          id,
          expectedVersion: r.expectedVersion,
          newDeadline: fromProtoDeadline(r.newDeadline, "new_deadline"),
          reason: r.reason,
        }),
      );
    },
    decideDeadlineChange: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const id = requiredId(checks, r.id, "id", MAX_TASK_ID_LENGTH);
      // Its length is the domain's to check (decideDeadlineChange), with the note's.
      const deadlineRequestId = (r.deadlineRequestId ?? "").trim();
      if (deadlineRequestId === "") checks.add("deadline_request_id", "Bắt buộc", "Required");
      checks.check();
      return out(
        await s.commands.decideDeadlineChange(requireIdentity(), {
          requestId: r.requestId,
          id,
          expectedVersion: r.expectedVersion,
          deadlineRequestId,
          approve: r.approve,
          note: r.note,
        }),
      );
    },
    getTaskHistory: async (call) => {
      const h = await s.queries.history(requireIdentity(), requireTaskId(call.request.id), call.request.page ?? {});
      return { entries: h.entries.map(toHistoryEntry), page: { nextPageToken: h.nextPageToken, totalSize: String(h.total) } };
    },
    getUnitDashboard: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const unitId = requiredId(checks, r.unitId, "unit_id", MAX_VOCABULARY_CODE_LENGTH);
      const programmeId = optionalId(checks, r.programmeId, "programme_id");
      checks.check();
      const d = await s.queries.dashboard(requireIdentity(), { unitId, programmeId, upcomingLimit: r.upcomingLimit });
      const now = s.clock.now();
      const unit = s.vocabulary.units.find((u) => u.id === d.unitId);
      return {
        dashboard: {
          unit: { id: d.unitId, name: unit?.vi ?? d.unitId },
          asOf: d.asOf,
          byStatus: [...d.byStatus].map(([status, count]) => ({ status: taskStatus.toProto(status), count })),
          leading: d.leading,
          coordinating: d.coordinating,
          overdue: d.overdue,
          dueWithin7Days: d.dueWithin7Days,
          pendingDeadlineRequests: d.pendingDeadlineRequests,
          upcoming: d.upcoming.map((t) => toProtoTask(t, s.vocabulary, now)),
          deadlineRequestsAwaitingDecision: d.awaitingDecision.map(toPendingDeadlineRequest),
        },
      };
    },
  };
}

export function reportHandlers(s: Services): ReportServiceServer {
  return {
    getReport: async (call) => {
      const limit = call.request.omitLines ? 0 : maxLines(call.request.maxLines);
      const result = await s.reports.report(requireIdentity(), reportQuery(call.request), { limit });
      return { report: toProtoReport(result, s.vocabulary, limit) };
    },
    exportReport: async (call) => {
      const r = call.request;
      const format = fileFormat(r.format);
      const locale = r.locale === "en" ? "en" : r.locale === "" || r.locale === "vi" ? "vi" : undefined;
      if (!locale) throw new InvalidArgument([{ field: "locale", description: 'Chọn "vi" hoặc "en" / Choose "vi" or "en"' }]);
      const checks = new FieldChecks();
      const snapshotId = optionalId(checks, r.snapshotId, "snapshot_id");
      checks.check();
      const identity = requireIdentity();
      const result = snapshotId
        ? (await s.reports.snapshot(identity, snapshotId)).result
        : await s.reports.report(identity, reportQuery(r.report, "report."), "all");
      const input = { report: result.report, lines: result.lines, locale, units: s.vocabulary.units, kinds: s.vocabulary.kinds } as const;
      const bytes = format === "xlsx" ? await exportReportXlsx(input) : exportReportCsv(input);
      return { file: { fileName: reportFileName(result.report, format), contentType: CONTENT_TYPES[format], content: Buffer.from(bytes) } };
    },
    createReportSnapshot: async (call) => {
      const r = call.request;
      const snapshot = await s.reports.createSnapshot(requireIdentity(), {
        requestId: r.requestId,
        query: reportQuery(r.report, "report."),
        title: r.title,
        meetingId: r.meetingId,
      });
      return { snapshot: toProtoSnapshot(snapshot, s.vocabulary, DEFAULT_REPORT_LINES) };
    },
    getReportSnapshot: async (call) => {
      // Every field is checked before the snapshot is looked up.
      const [id, limit] = [requireId(call.request.id), maxLines(call.request.maxLines)];
      return { snapshot: toProtoSnapshot(await s.reports.snapshot(requireIdentity(), id), s.vocabulary, limit) };
    },
    listReportSnapshots: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const filter = {
        meetingId: optionalId(checks, r.meetingId, "meeting_id", MAX_EXTERNAL_ID_LENGTH),
        programmeId: optionalId(checks, r.programmeId, "programme_id"),
      };
      checks.check();
      const { snapshots, total, nextPageToken } = await s.reports.listSnapshots(requireIdentity(), filter, r.page ?? {});
      return {
        snapshots: snapshots.map((sn) => toProtoSnapshot(sn, s.vocabulary, 0)),
        page: { nextPageToken, totalSize: String(total) },
      };
    },
  };
}
