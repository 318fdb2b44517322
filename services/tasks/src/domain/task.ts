/**
 * The Task aggregate: one item of a year's work programme (or a task born from a meeting conclusion or
 * a directive), with its lead unit, deadline, lifecycle and the trail of what changed.
 */
import { InvalidArgument, type FieldViolation } from "@ministry/platform";
import { assertDeadlineSpec, parseDeadlineText, resolveDeadline, type DeadlineSpec } from "./deadline.js";
import {
  AUTHORITIES,
  DEFAULT_TASK_KINDS,
  DEFAULT_UNITS,
  PRIORITIES,
  TASK_SOURCES,
  type AuthorityCode,
  type Priority,
  type TaskKindDef,
  type TaskSource,
  type TaskStatus,
  type UnitDef,
} from "./vocabulary.js";

export const MAX_TITLE_LENGTH = 500;

/** How a document relates to a task. */
export const DOCUMENT_RELATIONS = ["directive", "draft", "submission", "issued", "reference"] as const;
export type DocumentRelation = (typeof DOCUMENT_RELATIONS)[number];

export interface DocumentLink {
  /** The documents service's id. */
  documentId: string;
  relation: DocumentRelation;
  /** Registered number and symbol as printed, e.g. "05/CT-TTg", when known. */
  number?: string;
}

export interface Withdrawal {
  reason: string;
  /** Who approved taking the task out of the programme. */
  approvedBy: string;
  /** Who recorded it. */
  by: string;
  at: Date;
  /** The status the task had when withdrawn. */
  previousStatus: TaskStatus;
}

export const DEADLINE_REQUEST_STATUSES = ["pending", "approved", "rejected", "cancelled"] as const;
export type DeadlineRequestStatus = (typeof DEADLINE_REQUEST_STATUSES)[number];

/** A request to change a task's deadline ("lùi thời hạn"), and its decision. */
export interface DeadlineChangeRequest {
  /** Unique within its task. */
  id: string;
  status: DeadlineRequestStatus;
  /** The deadline when the request was made. */
  currentSpec: DeadlineSpec;
  currentDeadline: Date;
  requestedSpec: DeadlineSpec;
  requestedDeadline: Date;
  reason: string;
  requestedBy: string;
  requestedAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  note?: string;
}

export interface StatusHistoryEntry {
  type: "status";
  from: TaskStatus;
  to: TaskStatus;
  at: Date;
  by: string;
  reason?: string;
}

/** An approved deadline change: the old deadline stays here. */
export interface DeadlineHistoryEntry {
  type: "deadline";
  from: DeadlineSpec;
  to: DeadlineSpec;
  fromDeadline: Date;
  toDeadline: Date;
  at: Date;
  /** Who approved it. */
  by: string;
  reason: string;
  requestId: string;
  requestedBy: string;
}

export type TaskHistoryEntry = StatusHistoryEntry | DeadlineHistoryEntry;

export interface Task {
  id: string;
  programmeId: string;
  /** The task's code in its programme; defaults to the id. */
  code: string;
  title: string;
  /** A kind code from the configured kinds (DEFAULT_TASK_KINDS). */
  kind: string;
  /** The authority the task is submitted to; null: the task is not submitted to an authority. */
  authority: AuthorityCode | null;
  /** Exactly one lead unit ("đơn vị chủ trì"). */
  leadUnit: string;
  /** Coordinating units ("phối hợp"), never including the lead unit. */
  coordinatingUnits: string[];
  /** The person responsible, when assigned. */
  assignee?: string;
  /** The last instant of the deadline in Vietnam time (resolveDeadline(deadlineSpec)). */
  deadline: Date;
  deadlineSpec: DeadlineSpec;
  priority: Priority;
  source: { type: TaskSource; ref?: string };
  documentLinks: DocumentLink[];
  status: TaskStatus;
  /** 0-100. */
  progress: number;
  submittedAt?: Date;
  completedAt?: Date;
  /** Whether it was done (submitted, or completed without submission) at or before the deadline. */
  onTime?: boolean;
  withdrawal?: Withdrawal;
  deadlineRequests: DeadlineChangeRequest[];
  history: TaskHistoryEntry[];
  /**
   * Optimistic-concurrency counter. Domain functions leave it as it is; the repository checks it and
   * increments it when it saves.
   */
  version: number;
}

export interface NewTaskInput {
  id: string;
  programmeId: string;
  code?: string;
  title: string;
  kind: string;
  /** Absent, null or "": not submitted to an authority. */
  authority?: string | null;
  /** Exactly one; an array is accepted (imports) and must then hold exactly one unit. */
  leadUnit: string | readonly string[];
  coordinatingUnits?: readonly string[];
  assignee?: string | null;
  /** Text as parseDeadlineText accepts, or a spec. */
  deadline: string | DeadlineSpec;
  /** Default "normal". */
  priority?: string;
  /** Default { type: "programme" }. */
  source?: { type: string; ref?: string | null };
  documentLinks?: readonly { documentId: string; relation: string; number?: string | null }[];
}

export interface TaskVocabulary {
  kinds: readonly TaskKindDef[];
  units: readonly UnitDef[];
}

export const DEFAULT_VOCABULARY: TaskVocabulary = { kinds: DEFAULT_TASK_KINDS, units: DEFAULT_UNITS };

function describe(vi: string, en: string): string {
  return `${vi} / ${en}`;
}

function clean(value: unknown): string {
  return typeof value === "string" ? value.normalize("NFC").replace(/\s+/gu, " ").trim() : "";
}

/**
 * A normalized new task (status not_started, progress 0, no history, version 0), or InvalidArgument
 * listing every field violation at once.
 */
export function validateNewTask(input: NewTaskInput, vocabulary: TaskVocabulary = DEFAULT_VOCABULARY): Task {
  const violations: FieldViolation[] = [];
  const add = (field: string, vi: string, en: string) => violations.push({ field, description: describe(vi, en) });
  const unitIds = new Set(vocabulary.units.map((u) => u.id));

  const id = clean(input.id);
  if (id === "") add("id", "Thiếu mã định danh nhiệm vụ", "Task id is required");
  const programmeId = clean(input.programmeId);
  if (programmeId === "") add("programmeId", "Thiếu chương trình công tác", "Programme is required");
  const code = clean(input.code) || id;

  const title = clean(input.title);
  if (title === "") add("title", "Tên nhiệm vụ không được để trống", "Title is required");
  else if ([...title].length > MAX_TITLE_LENGTH)
    add("title", `Tên nhiệm vụ dài quá ${MAX_TITLE_LENGTH} ký tự`, `Title is longer than ${MAX_TITLE_LENGTH} characters`);

  const kind = clean(input.kind);
  if (kind === "") add("kind", "Thiếu loại nhiệm vụ", "Kind is required");
  else if (!vocabulary.kinds.some((k) => k.code === kind))
    add("kind", `Loại nhiệm vụ không xác định: "${kind}"`, `Unknown kind: "${kind}"`);

  let authority: AuthorityCode | null = null;
  const authorityText = clean(input.authority);
  if (authorityText !== "") {
    const known = AUTHORITIES.find((a) => a.code === authorityText);
    if (known) authority = known.code;
    else add("authority", `Cấp trình không xác định: "${authorityText}"`, `Unknown authority: "${authorityText}"`);
  }

  const leadUnits = (typeof input.leadUnit === "string" ? [input.leadUnit] : Array.isArray(input.leadUnit) ? input.leadUnit : [])
    .map(clean)
    .filter((u) => u !== "");
  const distinctLeads = [...new Set(leadUnits)];
  let leadUnit = "";
  if (distinctLeads.length === 0) add("leadUnit", "Thiếu đơn vị chủ trì", "Lead unit is required");
  else if (distinctLeads.length > 1) add("leadUnit", "Mỗi nhiệm vụ chỉ có một đơn vị chủ trì", "A task has exactly one lead unit");
  else if (!unitIds.has(distinctLeads[0]))
    add("leadUnit", `Đơn vị không tồn tại: "${distinctLeads[0]}"`, `No such unit: "${distinctLeads[0]}"`);
  else leadUnit = distinctLeads[0];

  const coordinatingUnits: string[] = [];
  (input.coordinatingUnits ?? []).forEach((raw, i) => {
    const unit = clean(raw);
    const field = `coordinatingUnits[${i}]`;
    if (unit === "") add(field, "Thiếu mã đơn vị phối hợp", "Coordinating unit is empty");
    else if (!unitIds.has(unit)) add(field, `Đơn vị không tồn tại: "${unit}"`, `No such unit: "${unit}"`);
    else if (distinctLeads.includes(unit))
      add(field, "Đơn vị chủ trì không đồng thời là đơn vị phối hợp", "The lead unit cannot also coordinate");
    else if (!coordinatingUnits.includes(unit)) coordinatingUnits.push(unit);
  });

  let deadlineSpec: DeadlineSpec | undefined;
  try {
    if (input.deadline === undefined || input.deadline === null) add("deadline", "Thiếu thời hạn", "Deadline is required");
    else if (typeof input.deadline === "string") deadlineSpec = parseDeadlineText(input.deadline, "deadline");
    else {
      assertDeadlineSpec(input.deadline, "deadline");
      deadlineSpec =
        input.deadline.kind === "date"
          ? { kind: "date", date: input.deadline.date }
          : input.deadline.kind === "month"
            ? { kind: "month", year: input.deadline.year, month: input.deadline.month }
            : { kind: "quarter", year: input.deadline.year, quarter: input.deadline.quarter };
    }
  } catch (e) {
    if (!(e instanceof InvalidArgument)) throw e;
    violations.push(...e.violations);
  }

  const priorityText = clean(input.priority) || "normal";
  const priority = PRIORITIES.find((p) => p === priorityText);
  if (!priority) add("priority", `Mức ưu tiên không xác định: "${priorityText}"`, `Unknown priority: "${priorityText}"`);

  const sourceType = clean(input.source?.type) || "programme";
  const source = TASK_SOURCES.find((s) => s === sourceType);
  if (!source) add("source.type", `Nguồn nhiệm vụ không xác định: "${sourceType}"`, `Unknown source: "${sourceType}"`);
  const sourceRef = clean(input.source?.ref);

  const documentLinks: DocumentLink[] = [];
  (input.documentLinks ?? []).forEach((link, i) => {
    const documentId = clean(link?.documentId);
    const relation = DOCUMENT_RELATIONS.find((r) => r === clean(link?.relation));
    if (documentId === "") add(`documentLinks[${i}].documentId`, "Thiếu mã văn bản", "Document id is required");
    if (!relation)
      add(
        `documentLinks[${i}].relation`,
        `Quan hệ văn bản không xác định: "${clean(link?.relation)}"`,
        `Unknown relation: "${clean(link?.relation)}"`,
      );
    if (documentId !== "" && relation && !documentLinks.some((l) => l.documentId === documentId && l.relation === relation)) {
      const number = clean(link.number);
      documentLinks.push(number ? { documentId, relation, number } : { documentId, relation });
    }
  });

  const assignee = clean(input.assignee);

  if (violations.length > 0 || !deadlineSpec || !priority || !source) throw new InvalidArgument(violations);

  const task: Task = {
    id,
    programmeId,
    code,
    title,
    kind,
    authority,
    leadUnit,
    coordinatingUnits,
    deadline: resolveDeadline(deadlineSpec),
    deadlineSpec,
    priority,
    source: sourceRef ? { type: source, ref: sourceRef } : { type: source },
    documentLinks,
    status: "not_started",
    progress: 0,
    deadlineRequests: [],
    history: [],
    version: 0,
  };
  if (assignee) task.assignee = assignee;
  return task;
}

/** Whether a kind is a legal normative document (VBQPPL); unknown kinds count as other documents. */
export function isNormativeKind(kind: string, kinds: readonly TaskKindDef[] = DEFAULT_TASK_KINDS): boolean {
  return kinds.some((k) => k.code === kind && k.normative);
}

/** Whether the task is submitted to an authority ("trình cấp có thẩm quyền"). */
export function isSubmittedToAuthority(task: Pick<Task, "authority">): boolean {
  return task.authority !== null && task.authority !== undefined;
}

export const FINAL_STATUSES: readonly TaskStatus[] = ["completed", "withdrawn"];

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
