/**
 * Domain values ↔ their protobuf form, shared by the gRPC handlers and the events this service
 * publishes, so a task reads the same in a response and in an event.
 */
import { InvalidArgument } from "@ministry/platform";
import type { Deadline as ProtoDeadline } from "@ministry/proto/ministry/common/v1/deadline";
import {
  DeadlineRequestStatus as ProtoRequestStatus,
  DocumentRelation as ProtoRelation,
  Priority as ProtoPriority,
  ProgrammeStatus as ProtoProgrammeStatus,
  TaskSource as ProtoSource,
  TaskStatus as ProtoStatus,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import type { TaskSummary } from "@ministry/proto/ministry/tasks/v1/events";
import type { DeadlineChangeRequest as ProtoDeadlineRequest } from "@ministry/proto/ministry/tasks/v1/tasks";
import { deadlineLabel, resolveDeadline, type DeadlineSpec } from "./domain/deadline.js";
import type { DeadlineChangeRequest, DeadlineRequestStatus, DocumentRelation } from "./domain/task.js";
import { isNormativeKind, type Task, type TaskVocabulary } from "./domain/task.js";
import type { Priority, ProgrammeStatus, TaskSource, TaskStatus } from "./domain/vocabulary.js";

function table<D extends string, P extends number>(pairs: [D, P][]) {
  const toProto = new Map(pairs);
  const fromProto = new Map(pairs.map(([d, p]) => [p, d] as [P, D]));
  return {
    toProto: (d: D): P => toProto.get(d)!,
    /** undefined for UNSPECIFIED and unknown numbers. */
    fromProto: (p: P | number): D | undefined => fromProto.get(p as P),
  };
}

export const taskStatus = table<TaskStatus, ProtoStatus>([
  ["not_started", ProtoStatus.TASK_STATUS_NOT_STARTED],
  ["in_progress", ProtoStatus.TASK_STATUS_IN_PROGRESS],
  ["submitted", ProtoStatus.TASK_STATUS_SUBMITTED],
  ["completed", ProtoStatus.TASK_STATUS_COMPLETED],
  ["withdrawn", ProtoStatus.TASK_STATUS_WITHDRAWN],
]);

export const priority = table<Priority, ProtoPriority>([
  ["normal", ProtoPriority.PRIORITY_NORMAL],
  ["high", ProtoPriority.PRIORITY_HIGH],
  ["urgent", ProtoPriority.PRIORITY_URGENT],
]);

export const taskSource = table<TaskSource, ProtoSource>([
  ["programme", ProtoSource.TASK_SOURCE_PROGRAMME],
  ["meeting_conclusion", ProtoSource.TASK_SOURCE_MEETING_CONCLUSION],
  ["directive", ProtoSource.TASK_SOURCE_DIRECTIVE],
  ["ad_hoc", ProtoSource.TASK_SOURCE_AD_HOC],
]);

export const documentRelation = table<DocumentRelation, ProtoRelation>([
  ["directive", ProtoRelation.DOCUMENT_RELATION_DIRECTIVE],
  ["draft", ProtoRelation.DOCUMENT_RELATION_DRAFT],
  ["submission", ProtoRelation.DOCUMENT_RELATION_SUBMISSION],
  ["issued", ProtoRelation.DOCUMENT_RELATION_ISSUED],
  ["reference", ProtoRelation.DOCUMENT_RELATION_REFERENCE],
]);

export const programmeStatus = table<ProgrammeStatus, ProtoProgrammeStatus>([
  ["draft", ProtoProgrammeStatus.PROGRAMME_STATUS_DRAFT],
  ["approved", ProtoProgrammeStatus.PROGRAMME_STATUS_APPROVED],
  ["closed", ProtoProgrammeStatus.PROGRAMME_STATUS_CLOSED],
]);

export const deadlineRequestStatus = table<DeadlineRequestStatus, ProtoRequestStatus>([
  ["pending", ProtoRequestStatus.DEADLINE_REQUEST_STATUS_PENDING],
  ["approved", ProtoRequestStatus.DEADLINE_REQUEST_STATUS_APPROVED],
  ["rejected", ProtoRequestStatus.DEADLINE_REQUEST_STATUS_REJECTED],
  ["cancelled", ProtoRequestStatus.DEADLINE_REQUEST_STATUS_CANCELLED],
]);

/** The typed form of a deadline, with its last instant and its labels. */
export function toProtoDeadline(spec: DeadlineSpec, dueAt: Date = resolveDeadline(spec)): ProtoDeadline {
  const label = { vi: deadlineLabel(spec, "vi"), en: deadlineLabel(spec, "en") };
  switch (spec.kind) {
    case "date":
      return { spec: { $case: "date", value: spec.date }, dueAt, label };
    case "month":
      return { spec: { $case: "month", value: { year: spec.year, month: spec.month } }, dueAt, label };
    case "quarter":
      return { spec: { $case: "quarter", value: { year: spec.year, quarter: spec.quarter } }, dueAt, label };
  }
}

/**
 * A deadline as the caller gave it: text (parsed by the domain), or a typed form (checked by the
 * domain). Missing: InvalidArgument naming `field`.
 */
export function fromProtoDeadline(deadline: ProtoDeadline | undefined, field: string): string | DeadlineSpec {
  const spec = deadline?.spec;
  if (!spec) throw new InvalidArgument([{ field, description: "Thiếu thời hạn / Deadline is required" }]);
  switch (spec.$case) {
    case "text":
      return spec.value;
    case "date":
      // The domain parses "YYYY-MM-DD" strictly (a real calendar day).
      return spec.value;
    case "month":
      return { kind: "month", year: spec.value.year, month: spec.value.month };
    case "quarter":
      return { kind: "quarter", year: spec.value.year, quarter: spec.value.quarter as 1 | 2 | 3 | 4 };
  }
}

/** A deadline-change request as a task lists it and as the deadline-change events carry it. */
export function toProtoDeadlineRequest(r: DeadlineChangeRequest): ProtoDeadlineRequest {
  return {
    id: r.id,
    status: deadlineRequestStatus.toProto(r.status),
    currentDeadline: toProtoDeadline(r.currentSpec, r.currentDeadline),
    requestedDeadline: toProtoDeadline(r.requestedSpec, r.requestedDeadline),
    reason: r.reason,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    decidedBy: r.decidedBy ?? "",
    decidedAt: r.decidedAt,
    note: r.note ?? "",
  };
}

export function unitRef(vocabulary: TaskVocabulary, id: string): { id: string; name: string } {
  return { id, name: vocabulary.units.find((u) => u.id === id)?.vi ?? id };
}

/** The fields a task has in both its forms: the API's Task and the events' TaskSummary. */
export function sharedTaskFields(task: Task, vocabulary: TaskVocabulary) {
  return {
    programmeId: task.programmeId,
    code: task.code,
    title: task.title,
    kind: task.kind,
    normative: isNormativeKind(task.kind, vocabulary.kinds),
    authority: task.authority ?? "",
    assignee: task.assignee ?? "",
    deadline: toProtoDeadline(task.deadlineSpec, task.deadline),
    status: taskStatus.toProto(task.status),
    priority: priority.toProto(task.priority),
    source: { type: taskSource.toProto(task.source.type), ref: task.source.ref ?? "" },
    progress: task.progress,
    version: task.version,
  };
}

/** The task as events carry it: what a consumer needs to act without calling back. */
export function taskSummary(task: Task, vocabulary: TaskVocabulary): TaskSummary {
  return {
    taskId: task.id,
    ...sharedTaskFields(task, vocabulary),
    leadUnit: unitRef(vocabulary, task.leadUnit),
    coordinatingUnits: task.coordinatingUnits.map((u) => unitRef(vocabulary, u)),
  };
}
