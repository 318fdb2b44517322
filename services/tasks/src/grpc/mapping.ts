/**
 * Domain objects → protobuf responses.
 */
import type { AuditRecord } from "@ministry/platform";
import type {
  Programme as ProtoProgramme,
  Report as ProtoReport,
  CategoryTally as ProtoTally,
  Task as ProtoTask,
  TaskHistoryEntry,
  ReportSnapshot as ProtoSnapshot,
  Period as ProtoPeriod,
  PendingDeadlineRequest as ProtoPendingDeadlineRequest,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { KindGroup, ReportCategory } from "@ministry/proto/ministry/tasks/v1/tasks";
import type { Period } from "../domain/deadline.js";
import type { Programme } from "../domain/programme.js";
import type { CategoryTally, ReportCategory as DomainCategory } from "../domain/report.js";
import { isFinal, statusNote, type TaskVocabulary } from "../domain/task.js";
import type { ReportResult, ReportSnapshot } from "../app/reports.js";
import {
  documentRelation,
  programmeStatus,
  taskStatus,
  sharedTaskFields,
  toProtoDeadline,
  toProtoDeadlineRequest,
  unitRef,
} from "../contract.js";
import { historySummary } from "./history.js";
import type { StoredTask } from "../store/documents.js";
import type { PendingDeadlineRequest } from "../app/task-queries.js";

export function toProtoTask(task: StoredTask, vocabulary: TaskVocabulary, now: Date): ProtoTask {
  return {
    id: task.id,
    ...sharedTaskFields(task, vocabulary),
    leadUnit: task.leadUnit,
    coordinatingUnits: task.coordinatingUnits,
    documentLinks: task.documentLinks.map((l) => ({
      documentId: l.documentId,
      relation: documentRelation.toProto(l.relation),
      number: l.number ?? "",
    })),
    submittedAt: task.submittedAt,
    completedAt: task.completedAt,
    onTime: task.onTime,
    withdrawal: task.withdrawal
      ? {
          reason: task.withdrawal.reason,
          approvedBy: task.withdrawal.approvedBy,
          by: task.withdrawal.by,
          at: task.withdrawal.at,
          previousStatus: taskStatus.toProto(task.withdrawal.previousStatus),
        }
      : undefined,
    deadlineRequests: task.deadlineRequests.map(toProtoDeadlineRequest),
    note: task.note ?? "",
    overdue: !isFinal(task.status) && task.status !== "submitted" && now.getTime() > task.deadline.getTime(),
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    submissionNote: statusNote(task, "submitted"),
    completionNote: statusNote(task, "completed"),
  };
}

export function toPendingDeadlineRequest(p: PendingDeadlineRequest): ProtoPendingDeadlineRequest {
  return {
    taskId: p.taskId,
    code: p.code,
    title: p.title,
    currentDeadline: toProtoDeadline(p.request.currentSpec, p.request.currentDeadline),
    requestedDeadline: toProtoDeadline(p.request.requestedSpec, p.request.requestedDeadline),
    reason: p.request.reason,
    requestedBy: p.request.requestedBy,
    requestedAt: p.request.requestedAt,
    deadlineRequestId: p.request.id,
  };
}

export function toProtoProgramme(p: Programme & { taskCount?: number }): ProtoProgramme {
  return {
    id: p.id,
    year: p.year,
    issuingBody: p.issuingBody,
    title: p.title,
    status: programmeStatus.toProto(p.status),
    taskCount: p.taskCount ?? 0,
    version: p.version,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    approvedAt: p.approvedAt,
    closedAt: p.closedAt,
  };
}

export function toHistoryEntry(r: AuditRecord): TaskHistoryEntry {
  return {
    at: r.at,
    actor: r.actor,
    action: r.action,
    summary: historySummary(r.action, r.change ?? {}),
    changeJson: JSON.stringify(r.change ?? {}),
    traceId: r.traceId ?? "",
  };
}

export function fromProtoPeriod(p: ProtoPeriod | undefined): Period | undefined {
  switch (p?.period?.$case) {
    case "month":
      return { kind: "month", year: p.period.value.year, month: p.period.value.month };
    case "quarter":
      return { kind: "quarter", year: p.period.value.year, quarter: p.period.value.quarter as 1 | 2 | 3 | 4 };
    case "year":
      return { kind: "year", year: p.period.value };
    default:
      return undefined;
  }
}

function toProtoPeriod(p: Period): ProtoPeriod {
  switch (p.kind) {
    case "month":
      return { period: { $case: "month", value: { year: p.year, month: p.month } } };
    case "quarter":
      return { period: { $case: "quarter", value: { year: p.year, quarter: p.quarter } } };
    case "year":
      return { period: { $case: "year", value: p.year } };
  }
}

function tally(t: CategoryTally): ProtoTally {
  return {
    total: t.total,
    completedOnTime: t.completedOnTime,
    completedLate: t.completedLate,
    withinDeadline: t.withinDeadline,
    overdue: t.overdue,
    done: t.done,
    notDone: t.notDone,
    onTimeRatio: t.onTimeRatio ?? undefined,
  };
}

const CATEGORY: Record<DomainCategory, ReportCategory> = {
  completedOnTime: ReportCategory.REPORT_CATEGORY_COMPLETED_ON_TIME,
  completedLate: ReportCategory.REPORT_CATEGORY_COMPLETED_LATE,
  withinDeadline: ReportCategory.REPORT_CATEGORY_WITHIN_DEADLINE,
  overdue: ReportCategory.REPORT_CATEGORY_OVERDUE,
};

export function kindGroupToProto(g: "normative" | "other" | undefined): KindGroup {
  return g === "normative" ? KindGroup.KIND_GROUP_NORMATIVE : g === "other" ? KindGroup.KIND_GROUP_OTHER : KindGroup.KIND_GROUP_UNSPECIFIED;
}

/** The report with at most `maxLines` of its lines. */
export function toProtoReport(result: ReportResult, vocabulary: TaskVocabulary, maxLines: number): ProtoReport {
  const { report, query } = result;
  const lines = result.lines.slice(0, Math.max(0, maxLines));
  return {
    period: toProtoPeriod(report.period),
    label: report.label,
    start: report.start,
    end: report.end,
    asOf: report.asOf,
    programmeId: query.programmeId ?? "",
    unitId: query.unitId ?? "",
    kind: query.kind ?? "",
    kindGroup: kindGroupToProto(query.kindGroup),
    totals: tally(report.totals),
    byUnit: report.byUnit.map((u) => ({ unit: unitRef(vocabulary, u.unit), tally: tally(u) })),
    normative: tally(report.byKindGroup.normative),
    other: tally(report.byKindGroup.other),
    byKind: report.byKind.map((k) => {
      const def = vocabulary.kinds.find((d) => d.code === k.kind);
      return { kind: k.kind, name: { vi: def?.vi ?? k.kind, en: def?.en ?? k.kind }, group: kindGroupToProto(k.group), tally: tally(k) };
    }),
    linesTruncated: result.linesTruncated || lines.length < result.lines.length,
    lines: lines.map((l) => ({
      taskId: l.id,
      code: l.code,
      title: l.title,
      kind: l.kind,
      leadUnit: l.leadUnit,
      deadline: toProtoDeadline(l.deadlineSpec, l.deadline),
      status: taskStatus.toProto(l.status as never),
      statusSince: l.statusSince,
      doneAt: l.doneAt,
      category: CATEGORY[l.category],
    })),
  };
}

export function toProtoSnapshot(s: ReportSnapshot, vocabulary: TaskVocabulary, maxLines: number): ProtoSnapshot {
  return {
    id: s.id,
    title: s.title,
    meetingId: s.meetingId ?? "",
    report: toProtoReport(s.result, vocabulary, maxLines),
    createdAt: s.createdAt,
    createdBy: s.createdBy,
  };
}
