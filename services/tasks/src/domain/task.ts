/**
 * The Task aggregate: one item of a year's work programme (or a task born from a meeting conclusion or
 * a directive), with its lead unit, deadline, lifecycle and the trail of what changed.
 */
import { FailedPrecondition, InvalidArgument } from "@ministry/platform";
import { assertDeadlineSpec, parseDeadlineText, resolveDeadline, type DeadlineSpec } from "./deadline.js";
import {
  FIELD_NAMES,
  FieldChecks,
  MAX_ASSIGNEE_LENGTH,
  MAX_CODE_LENGTH,
  MAX_COORDINATING_UNITS,
  MAX_DEADLINE_TEXT_LENGTH,
  MAX_DOCUMENT_LINKS,
  MAX_DOCUMENT_NUMBER_LENGTH,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_ID_LENGTH,
  MAX_REMARK_LENGTH,
  MAX_SOURCE_REF_LENGTH,
  MAX_TASK_ID_LENGTH,
  MAX_TITLE_LENGTH,
  MAX_VOCABULARY_CODE_LENGTH,
} from "./limits.js";
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
  /** The note written when the task was planned (a programme file's "Ghi chú"), line breaks kept. */
  note?: string;
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
  /** Absent or blank: none. At most MAX_REMARK_LENGTH characters. */
  note?: string | null;
  /** Text as parseDeadlineText accepts, or a spec. */
  deadline: string | DeadlineSpec;
  /** Default "normal". */
  priority?: string;
  /** Default { type: "programme" }. */
  source?: { type: string; ref?: string | null };
  documentLinks?: readonly DocumentLinkInput[];
}

export interface TaskVocabulary {
  kinds: readonly TaskKindDef[];
  units: readonly UnitDef[];
}

export const DEFAULT_VOCABULARY: TaskVocabulary = { kinds: DEFAULT_TASK_KINDS, units: DEFAULT_UNITS };

/** NFC, whitespace runs as one space, trimmed: a one-line text as stored. */
export function oneLineText(value: unknown): string {
  return typeof value === "string" ? value.normalize("NFC").replace(/\s+/gu, " ").trim() : "";
}

/** A document link as a request gives it. */
export interface DocumentLinkInput {
  documentId?: string | null;
  relation?: string | null;
  number?: string | null;
}

/**
 * A document link checked against the limits and the relations; undefined (with the violations in
 * `checks`) when it is not valid. `field` names it in violations ("document", "document_links[2]").
 */
export function checkDocumentLink(link: DocumentLinkInput, field: string, checks: FieldChecks): DocumentLink | undefined {
  const documentId = oneLineText(link.documentId);
  const number = oneLineText(link.number);
  const relationText = oneLineText(link.relation);
  const relation = DOCUMENT_RELATIONS.find((r) => r === relationText);
  let ok = checks.length(`${field}.document_id`, documentId, MAX_EXTERNAL_ID_LENGTH, FIELD_NAMES.documentId);
  if (documentId === "") {
    checks.add(`${field}.document_id`, "Thiếu mã văn bản", "Document id is required");
    ok = false;
  }
  if (!relation) {
    const shown = relationText.slice(0, MAX_VOCABULARY_CODE_LENGTH);
    checks.add(`${field}.relation`, `Quan hệ văn bản không xác định: "${shown}"`, `Unknown relation: "${shown}"`);
    ok = false;
  }
  ok = checks.length(`${field}.number`, number, MAX_DOCUMENT_NUMBER_LENGTH, FIELD_NAMES.documentNumber) && ok;
  if (!ok || !relation) return undefined;
  return number ? { documentId, relation, number } : { documentId, relation };
}

/**
 * The task with `link` among its documents (unchanged when it is there already). A task holds at most
 * MAX_DOCUMENT_LINKS documents: one more is FAILED_PRECONDITION (DOCUMENT_LINKS_FULL).
 */
export function withDocumentLink(task: Task, link: DocumentLink | undefined): Task {
  if (!link || task.documentLinks.some((l) => l.documentId === link.documentId && l.relation === link.relation)) return task;
  if (task.documentLinks.length >= MAX_DOCUMENT_LINKS)
    throw new FailedPrecondition(
      `Nhiệm vụ đã có ${MAX_DOCUMENT_LINKS} văn bản liên quan, không gắn thêm được / The task already has ${MAX_DOCUMENT_LINKS} linked documents`,
      "DOCUMENT_LINKS_FULL",
      { max: String(MAX_DOCUMENT_LINKS) },
    );
  return { ...task, documentLinks: [...task.documentLinks, link] };
}

/**
 * A vocabulary reference (a kind, an authority, a unit) as given, or undefined when it is too long to
 * be one: the violation is recorded, and the text is never echoed in a message.
 */
function vocabularyRef(checks: FieldChecks, field: string, value: unknown): string | undefined {
  const text = oneLineText(value);
  return checks.length(field, text, MAX_VOCABULARY_CODE_LENGTH, FIELD_NAMES.vocabularyCode) ? text : undefined;
}

/**
 * A normalized new task (status not_started, progress 0, no history, version 0), or InvalidArgument
 * listing every field violation at once. Every text and list is bounded (limits.ts).
 */
export function validateNewTask(input: NewTaskInput, vocabulary: TaskVocabulary = DEFAULT_VOCABULARY): Task {
  const checks = new FieldChecks();
  const add = (field: string, vi: string, en: string) => checks.add(field, vi, en);
  const unitIds = new Set(vocabulary.units.map((u) => u.id));

  const id = oneLineText(input.id);
  if (id === "") add("id", "Thiếu mã định danh nhiệm vụ", "Task id is required");
  else checks.length("id", id, MAX_TASK_ID_LENGTH, FIELD_NAMES.taskId);
  const programmeId = oneLineText(input.programmeId);
  if (programmeId === "") add("programme_id", "Thiếu chương trình công tác", "Programme is required");
  else checks.length("programme_id", programmeId, MAX_ID_LENGTH, FIELD_NAMES.id);
  const code = oneLineText(input.code) || id;
  checks.length("code", code, MAX_CODE_LENGTH, FIELD_NAMES.code);

  const title = oneLineText(input.title);
  if (title === "") add("title", "Tên nhiệm vụ không được để trống", "Title is required");
  else checks.length("title", title, MAX_TITLE_LENGTH, FIELD_NAMES.taskTitle);

  const kind = vocabularyRef(checks, "kind", input.kind);
  if (kind === "") add("kind", "Thiếu loại nhiệm vụ", "Kind is required");
  else if (kind !== undefined && !vocabulary.kinds.some((k) => k.code === kind))
    add("kind", `Loại nhiệm vụ không xác định: "${kind}"`, `Unknown kind: "${kind}"`);

  let authority: AuthorityCode | null = null;
  const authorityText = vocabularyRef(checks, "authority", input.authority);
  if (authorityText) {
    const known = AUTHORITIES.find((a) => a.code === authorityText);
    if (known) authority = known.code;
    else add("authority", `Cấp trình không xác định: "${authorityText}"`, `Unknown authority: "${authorityText}"`);
  }

  const leadInput = typeof input.leadUnit === "string" ? [input.leadUnit] : Array.isArray(input.leadUnit) ? input.leadUnit : [];
  const leadRefs = leadInput.map((u) => vocabularyRef(checks, "lead_unit", u));
  const distinctLeads = [...new Set(leadRefs.filter((u): u is string => u !== undefined && u !== ""))];
  let leadUnit = "";
  if (leadRefs.includes(undefined)) {
    // Too long to name a unit: reported as such.
  } else if (distinctLeads.length === 0) add("lead_unit", "Thiếu đơn vị chủ trì", "Lead unit is required");
  else if (distinctLeads.length > 1) add("lead_unit", "Mỗi nhiệm vụ chỉ có một đơn vị chủ trì", "A task has exactly one lead unit");
  else if (!unitIds.has(distinctLeads[0]))
    add("lead_unit", `Đơn vị không tồn tại: "${distinctLeads[0]}"`, `No such unit: "${distinctLeads[0]}"`);
  else leadUnit = distinctLeads[0];

  const coordinatingUnits: string[] = [];
  const coordinatingInput = input.coordinatingUnits ?? [];
  if (checks.count("coordinating_units", coordinatingInput, MAX_COORDINATING_UNITS, FIELD_NAMES.units))
    coordinatingInput.forEach((raw, i) => {
      const field = `coordinating_units[${i}]`;
      const unit = vocabularyRef(checks, field, raw);
      if (unit === undefined) return;
      if (unit === "") add(field, "Thiếu mã đơn vị phối hợp", "Coordinating unit is empty");
      else if (!unitIds.has(unit)) add(field, `Đơn vị không tồn tại: "${unit}"`, `No such unit: "${unit}"`);
      else if (distinctLeads.includes(unit))
        add(field, "Đơn vị chủ trì không đồng thời là đơn vị phối hợp", "The lead unit cannot also coordinate");
      else if (!coordinatingUnits.includes(unit)) coordinatingUnits.push(unit);
    });

  let deadlineSpec: DeadlineSpec | undefined;
  try {
    if (input.deadline === undefined || input.deadline === null) add("deadline", "Thiếu thời hạn", "Deadline is required");
    else if (typeof input.deadline === "string") {
      if (checks.length("deadline", input.deadline.trim(), MAX_DEADLINE_TEXT_LENGTH, FIELD_NAMES.deadline))
        deadlineSpec = parseDeadlineText(input.deadline, "deadline");
    } else {
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
    checks.violations.push(...e.violations);
  }

  const priorityText = vocabularyRef(checks, "priority", input.priority) || "normal";
  const priority = PRIORITIES.find((p) => p === priorityText);
  if (!priority) add("priority", `Mức ưu tiên không xác định: "${priorityText}"`, `Unknown priority: "${priorityText}"`);

  const sourceType = vocabularyRef(checks, "source.type", input.source?.type) || "programme";
  const source = TASK_SOURCES.find((s) => s === sourceType);
  if (!source) add("source.type", `Nguồn nhiệm vụ không xác định: "${sourceType}"`, `Unknown source: "${sourceType}"`);
  const sourceRef = oneLineText(input.source?.ref);
  checks.length("source.ref", sourceRef, MAX_SOURCE_REF_LENGTH, FIELD_NAMES.sourceRef);

  const documentLinks: DocumentLink[] = [];
  const linksInput = input.documentLinks ?? [];
  if (checks.count("document_links", linksInput, MAX_DOCUMENT_LINKS, FIELD_NAMES.documentLinks))
    linksInput.forEach((raw, i) => {
      const link = checkDocumentLink(raw ?? {}, `document_links[${i}]`, checks);
      if (link && !documentLinks.some((l) => l.documentId === link.documentId && l.relation === link.relation)) documentLinks.push(link);
    });

  const assignee = oneLineText(input.assignee);
  checks.length("assignee", assignee, MAX_ASSIGNEE_LENGTH, FIELD_NAMES.assignee);
  const note = typeof input.note === "string" ? input.note.normalize("NFC").trim() : "";
  checks.length("note", note, MAX_REMARK_LENGTH, FIELD_NAMES.note);

  if (!checks.ok || !deadlineSpec || !priority || !source || kind === undefined) throw new InvalidArgument(checks.violations);

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
  if (note) task.note = note;
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

/**
 * The note written when the task last moved to `to` ("submitted", "completed"): kept as the reason of
 * its status history entry; "" when none was written.
 */
export function statusNote(task: Pick<Task, "history">, to: TaskStatus): string {
  for (let i = task.history.length - 1; i >= 0; i--) {
    const entry = task.history[i];
    if (entry.type === "status" && entry.to === to) return entry.reason ?? "";
  }
  return "";
}

export const FINAL_STATUSES: readonly TaskStatus[] = ["completed", "withdrawn"];

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
