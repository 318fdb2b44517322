/**
 * The lives of an incoming and an outgoing document (Decree 30/2020/NĐ-CP), as pure
 * functions over small records: each takes a record and what happened and returns the next record, or
 * throws FailedPrecondition (a stable reason, "vi / en") for a step the state does not allow, and
 * InvalidArgument for a missing or oversized input.
 *
 * Incoming (Điều 19–24): received → registered (arrival number) → submitted (to the leader) → directed
 * ("ý kiến chỉ đạo") → routed (one lead unit, coordinating units, a handling deadline) → in_progress →
 * done. A received document can be rejected (wrong addressee or form: edXML status 02); a submitted,
 * directed, routed or in-progress one can be returned to the clerk, who submits it again.
 *
 * Outgoing (Điều 15–18): drafting → in_approval (ordered approvers, one at a time; a rejection needs a
 * comment and sends it back to drafting; the drafter may withdraw it) → approved → numbered → signed →
 * issued → recalled (a recall tells receivers to destroy the electronic copy) or replaced (errors of
 * content: a replacement document).
 */
import { FailedPrecondition, FieldChecks } from "@ministry/platform";
import {
  FIELDS,
  MAX_APPROVERS,
  MAX_COMMENT_LENGTH,
  MAX_COORDINATING_UNITS,
  MAX_DIRECTION_LENGTH,
  MAX_DOCUMENT_NUMBER,
  MAX_ID_LENGTH,
  MAX_REASON_LENGTH,
  MAX_SYMBOL_LENGTH,
} from "./limits.js";
import type { SigningPrefix, Words } from "./vocabulary.js";

// ---------------------------------------------------------------- incoming

export type IncomingStatus =
  | "received"
  | "registered"
  | "submitted"
  | "directed"
  | "routed"
  | "in_progress"
  | "done"
  | "rejected"
  | "returned";

export const INCOMING_STATUS_WORDS: Record<IncomingStatus, Words> = {
  received: { vi: "Đã tiếp nhận", en: "received" },
  registered: { vi: "Đã vào sổ", en: "registered" },
  submitted: { vi: "Đã trình lãnh đạo", en: "submitted to the leader" },
  directed: { vi: "Đã có ý kiến chỉ đạo", en: "directed" },
  routed: { vi: "Đã chuyển xử lý", en: "routed" },
  in_progress: { vi: "Đang xử lý", en: "in progress" },
  done: { vi: "Đã xử lý xong", en: "done" },
  rejected: { vi: "Đã từ chối", en: "rejected" },
  returned: { vi: "Đã trả lại", en: "returned" },
};

export interface Routing {
  leadUnit: string;
  coordinatingUnits: string[];
  deadline: Date;
  by: string;
  at: Date;
}

export interface IncomingRecord {
  status: IncomingStatus;
  receivedAt: Date;
  /** "Số đến", per receiving body and year. */
  arrivalNumber?: number;
  registeredAt?: Date;
  submittedTo?: string;
  submittedAt?: Date;
  direction?: { by: string; text: string; at: Date };
  routing?: Routing;
  startedAt?: Date;
  completedAt?: Date;
  result?: string;
  rejection?: { by: string; reason: string; at: Date };
  /** Every return, oldest first, with the state it was returned from. */
  returns: { by: string; reason: string; at: Date; from: IncomingStatus }[];
}

type IncomingStep = "register" | "reject" | "submit" | "direct" | "route" | "start" | "complete" | "return";

const INCOMING_RULES: Record<IncomingStep, { from: readonly IncomingStatus[]; reason: string; action: Words }> = {
  register: { from: ["received"], reason: "INCOMING_NOT_RECEIVED", action: { vi: "vào sổ", en: "registered" } },
  reject: { from: ["received"], reason: "INCOMING_NOT_RECEIVED", action: { vi: "từ chối", en: "rejected" } },
  submit: { from: ["registered", "returned"], reason: "INCOMING_NOT_REGISTERED", action: { vi: "trình lãnh đạo", en: "submitted" } },
  direct: { from: ["submitted"], reason: "INCOMING_NOT_SUBMITTED", action: { vi: "ghi ý kiến chỉ đạo", en: "directed" } },
  route: { from: ["directed"], reason: "INCOMING_NOT_DIRECTED", action: { vi: "chuyển xử lý", en: "routed" } },
  start: { from: ["routed"], reason: "INCOMING_NOT_ROUTED", action: { vi: "bắt đầu xử lý", en: "started" } },
  complete: { from: ["in_progress"], reason: "INCOMING_NOT_IN_PROGRESS", action: { vi: "hoàn thành xử lý", en: "completed" } },
  return: {
    from: ["submitted", "directed", "routed", "in_progress"],
    reason: "INCOMING_NOT_RETURNABLE",
    action: { vi: "trả lại", en: "returned" },
  },
};

/** A final state answers with its own reason, whatever was asked. */
const INCOMING_FINAL: Partial<Record<IncomingStatus, string>> = { done: "INCOMING_DONE", rejected: "INCOMING_REJECTED" };

/** Throws FailedPrecondition unless `step` is allowed from the record's status. */
export function assertIncomingStep(doc: Pick<IncomingRecord, "status">, step: IncomingStep): void {
  const rule = INCOMING_RULES[step];
  if (rule.from.includes(doc.status)) return;
  const s = INCOMING_STATUS_WORDS[doc.status];
  throw new FailedPrecondition(
    `Văn bản đến ${s.vi.toLowerCase()}: không thể ${rule.action.vi} / An incoming document that is ${s.en} cannot be ${rule.action.en}`,
    INCOMING_FINAL[doc.status] ?? rule.reason,
    { status: doc.status, step },
  );
}

function requiredText(checks: FieldChecks, field: keyof typeof FIELDS, value: string, max: number): string {
  const text = value.trim();
  const what = FIELDS[field];
  if (text.length === 0) checks.add(field, `Cần ${what.vi.toLowerCase()}`, `${what.en} is required`);
  checks.length(field, text, max, what);
  return text;
}

function requiredId(checks: FieldChecks, field: string, value: string): void {
  if (value.trim().length === 0) checks.add(field, "Cần mã", "An id is required");
  checks.length(field, value, MAX_ID_LENGTH, FIELDS.id);
}

export function newIncoming(receivedAt: Date): IncomingRecord {
  return { status: "received", receivedAt, returns: [] };
}

export function registerIncoming(doc: IncomingRecord, e: { arrivalNumber: number; at: Date }): IncomingRecord {
  assertIncomingStep(doc, "register");
  const checks = new FieldChecks();
  if (!Number.isSafeInteger(e.arrivalNumber) || e.arrivalNumber < 1 || e.arrivalNumber > MAX_DOCUMENT_NUMBER) {
    checks.add("arrival_number", "Số đến phải là số nguyên dương", "The arrival number must be a positive integer");
  }
  checks.check();
  return { ...doc, status: "registered", arrivalNumber: e.arrivalNumber, registeredAt: e.at };
}

export function rejectIncoming(doc: IncomingRecord, e: { by: string; reason: string; at: Date }): IncomingRecord {
  assertIncomingStep(doc, "reject");
  const checks = new FieldChecks();
  const reason = requiredText(checks, "reason", e.reason, MAX_REASON_LENGTH);
  checks.check();
  return { ...doc, status: "rejected", rejection: { by: e.by, reason, at: e.at } };
}

export function submitToLeader(doc: IncomingRecord, e: { leaderId: string; at: Date }): IncomingRecord {
  assertIncomingStep(doc, "submit");
  const checks = new FieldChecks();
  requiredId(checks, "leader_id", e.leaderId);
  checks.check();
  return { ...doc, status: "submitted", submittedTo: e.leaderId, submittedAt: e.at };
}

export function recordDirection(doc: IncomingRecord, e: { by: string; text: string; at: Date }): IncomingRecord {
  assertIncomingStep(doc, "direct");
  const checks = new FieldChecks();
  const text = requiredText(checks, "direction", e.text, MAX_DIRECTION_LENGTH);
  checks.check();
  return { ...doc, status: "directed", direction: { by: e.by, text, at: e.at } };
}

/** One lead unit, distinct coordinating units other than the lead, a deadline after the document arrived. */
export function routeIncoming(
  doc: IncomingRecord,
  e: { leadUnit: string; coordinatingUnits: readonly string[]; deadline: Date; by: string; at: Date },
): IncomingRecord {
  assertIncomingStep(doc, "route");
  const checks = new FieldChecks();
  requiredId(checks, "lead_unit", e.leadUnit);
  if (checks.count("coordinating_units", e.coordinatingUnits, MAX_COORDINATING_UNITS, FIELDS.coordinatingUnits)) {
    for (const [i, u] of e.coordinatingUnits.entries()) requiredId(checks, `coordinating_units[${i}]`, u);
    if (e.coordinatingUnits.includes(e.leadUnit)) {
      checks.add("coordinating_units", "Đơn vị chủ trì không đồng thời là đơn vị phối hợp", "The lead unit cannot also coordinate");
    }
    if (new Set(e.coordinatingUnits).size !== e.coordinatingUnits.length) {
      checks.add("coordinating_units", "Đơn vị phối hợp bị trùng", "A coordinating unit is listed twice");
    }
  }
  if (Number.isNaN(e.deadline.getTime()) || e.deadline.getTime() <= doc.receivedAt.getTime()) {
    checks.add("deadline", "Hạn xử lý phải sau thời điểm nhận văn bản", "The handling deadline must be after the document arrived");
  }
  checks.check();
  return {
    ...doc,
    status: "routed",
    routing: { leadUnit: e.leadUnit, coordinatingUnits: [...e.coordinatingUnits], deadline: e.deadline, by: e.by, at: e.at },
  };
}

export function startHandling(doc: IncomingRecord, e: { at: Date }): IncomingRecord {
  assertIncomingStep(doc, "start");
  return { ...doc, status: "in_progress", startedAt: e.at };
}

export function completeHandling(doc: IncomingRecord, e: { at: Date; result?: string }): IncomingRecord {
  assertIncomingStep(doc, "complete");
  const checks = new FieldChecks();
  checks.length("result", e.result, MAX_COMMENT_LENGTH, FIELDS.comment);
  checks.check();
  const result = e.result?.trim();
  return { ...doc, status: "done", completedAt: e.at, ...(result ? { result } : {}) };
}

/** Back to the clerk (misrouted, not this unit's competence), with a reason; the clerk submits it again. */
export function returnIncoming(doc: IncomingRecord, e: { by: string; reason: string; at: Date }): IncomingRecord {
  assertIncomingStep(doc, "return");
  const checks = new FieldChecks();
  const reason = requiredText(checks, "reason", e.reason, MAX_REASON_LENGTH);
  checks.check();
  return { ...doc, status: "returned", returns: [...doc.returns, { by: e.by, reason, at: e.at, from: doc.status }] };
}

/** Whether the handling deadline has passed for a document still being handled. */
export function isOverdue(doc: Pick<IncomingRecord, "status" | "routing">, now: Date): boolean {
  return (
    (doc.status === "routed" || doc.status === "in_progress") && doc.routing !== undefined && now.getTime() > doc.routing.deadline.getTime()
  );
}

// ---------------------------------------------------------------- outgoing

export type OutgoingStatus = "drafting" | "in_approval" | "approved" | "numbered" | "signed" | "issued" | "recalled" | "replaced";

export const OUTGOING_STATUS_WORDS: Record<OutgoingStatus, Words> = {
  drafting: { vi: "Đang soạn thảo", en: "drafting" },
  in_approval: { vi: "Đang trình duyệt", en: "in approval" },
  approved: { vi: "Đã phê duyệt", en: "approved" },
  numbered: { vi: "Đã cấp số", en: "numbered" },
  signed: { vi: "Đã ký", en: "signed" },
  issued: { vi: "Đã ban hành", en: "issued" },
  recalled: { vi: "Đã thu hồi", en: "recalled" },
  replaced: { vi: "Đã bị thay thế", en: "replaced" },
};

export interface ApprovalDecision {
  approverId: string;
  decision: "approved" | "rejected";
  comment?: string;
  at: Date;
}

export interface OutgoingRecord {
  status: OutgoingStatus;
  /** The approval chain of the current round, in order. */
  approvers: string[];
  /** Index in `approvers` of who decides next (meaningful in_approval). */
  nextApprover: number;
  /** Every decision of every round, oldest first. */
  decisions: ApprovalDecision[];
  numbering?: { number: number; year: number; symbol: string; at: Date };
  signature?: { signerId: string; prefix: SigningPrefix; at: Date };
  issuedAt?: Date;
  recall?: { by: string; reason: string; at: Date };
  replacement?: { by: string; replacementId: string; reason: string; at: Date };
}

type OutgoingStep = "edit" | "submit" | "decide" | "withdraw" | "number" | "sign" | "issue" | "recall" | "replace";

const OUTGOING_RULES: Record<OutgoingStep, { from: readonly OutgoingStatus[]; reason: string; action: Words }> = {
  edit: { from: ["drafting"], reason: "OUTGOING_NOT_DRAFTING", action: { vi: "sửa dự thảo", en: "edited" } },
  submit: { from: ["drafting"], reason: "OUTGOING_NOT_DRAFTING", action: { vi: "trình duyệt", en: "submitted for approval" } },
  decide: { from: ["in_approval"], reason: "OUTGOING_NOT_IN_APPROVAL", action: { vi: "cho ý kiến phê duyệt", en: "approved or rejected" } },
  withdraw: { from: ["in_approval"], reason: "OUTGOING_NOT_IN_APPROVAL", action: { vi: "rút lại", en: "withdrawn" } },
  number: { from: ["approved"], reason: "OUTGOING_NOT_APPROVED", action: { vi: "cấp số", en: "numbered" } },
  sign: { from: ["numbered"], reason: "OUTGOING_NOT_NUMBERED", action: { vi: "ký", en: "signed" } },
  issue: { from: ["signed"], reason: "OUTGOING_NOT_SIGNED", action: { vi: "ban hành", en: "issued" } },
  recall: { from: ["issued"], reason: "OUTGOING_NOT_ISSUED", action: { vi: "thu hồi", en: "recalled" } },
  replace: { from: ["issued"], reason: "OUTGOING_NOT_ISSUED", action: { vi: "thay thế", en: "replaced" } },
};

const OUTGOING_FINAL: Partial<Record<OutgoingStatus, string>> = { recalled: "OUTGOING_RECALLED", replaced: "OUTGOING_REPLACED" };

export function assertOutgoingStep(doc: Pick<OutgoingRecord, "status">, step: OutgoingStep): void {
  const rule = OUTGOING_RULES[step];
  if (rule.from.includes(doc.status)) return;
  const s = OUTGOING_STATUS_WORDS[doc.status];
  throw new FailedPrecondition(
    `Văn bản đi ${s.vi.toLowerCase()}: không thể ${rule.action.vi} / An outgoing document that is ${s.en} cannot be ${rule.action.en}`,
    OUTGOING_FINAL[doc.status] ?? rule.reason,
    { status: doc.status, step },
  );
}

export function newOutgoing(): OutgoingRecord {
  return { status: "drafting", approvers: [], nextApprover: 0, decisions: [] };
}

/** A new version of the draft, or any change to it: while drafting only (the approvers saw what they approve). */
export function assertDraftEditable(doc: Pick<OutgoingRecord, "status">): void {
  assertOutgoingStep(doc, "edit");
}

/** Starts a round with the ordered approvers (distinct, at least one). */
export function submitForApproval(doc: OutgoingRecord, e: { approvers: readonly string[] }): OutgoingRecord {
  assertOutgoingStep(doc, "submit");
  const checks = new FieldChecks();
  if (e.approvers.length === 0) checks.add("approvers", "Cần ít nhất một người phê duyệt", "At least one approver is required");
  if (checks.count("approvers", e.approvers, MAX_APPROVERS, FIELDS.approvers)) {
    for (const [i, a] of e.approvers.entries()) requiredId(checks, `approvers[${i}]`, a);
    if (new Set(e.approvers).size !== e.approvers.length)
      checks.add("approvers", "Người phê duyệt bị trùng", "An approver is listed twice");
  }
  checks.check();
  return { ...doc, status: "in_approval", approvers: [...e.approvers], nextApprover: 0 };
}

/** Who decides next, while in approval. */
export function currentApprover(doc: OutgoingRecord): string | undefined {
  return doc.status === "in_approval" ? doc.approvers[doc.nextApprover] : undefined;
}

function assertTurn(doc: OutgoingRecord, approverId: string): void {
  assertOutgoingStep(doc, "decide");
  if (currentApprover(doc) === approverId) return;
  throw new FailedPrecondition(
    "Chưa đến lượt người này cho ý kiến phê duyệt / It is not this person's turn to approve",
    doc.approvers.includes(approverId) ? "NOT_APPROVERS_TURN" : "NOT_AN_APPROVER",
    { status: doc.status },
  );
}

/** The current approver approves; after the last one the document is approved. */
export function approveStep(doc: OutgoingRecord, e: { approverId: string; comment?: string; at: Date }): OutgoingRecord {
  assertTurn(doc, e.approverId);
  const checks = new FieldChecks();
  checks.length("comment", e.comment, MAX_COMMENT_LENGTH, FIELDS.comment);
  checks.check();
  const comment = e.comment?.trim();
  const decision: ApprovalDecision = { approverId: e.approverId, decision: "approved", at: e.at, ...(comment ? { comment } : {}) };
  const next = doc.nextApprover + 1;
  return {
    ...doc,
    status: next >= doc.approvers.length ? "approved" : "in_approval",
    nextApprover: next,
    decisions: [...doc.decisions, decision],
  };
}

/** The current approver rejects, with a comment (required): the document returns to drafting. */
export function rejectStep(doc: OutgoingRecord, e: { approverId: string; comment: string; at: Date }): OutgoingRecord {
  assertTurn(doc, e.approverId);
  const checks = new FieldChecks();
  const comment = e.comment.trim();
  if (comment.length === 0) checks.add("comment", "Từ chối phê duyệt cần ghi ý kiến", "A rejection needs a comment");
  checks.length("comment", comment, MAX_COMMENT_LENGTH, FIELDS.comment);
  checks.check();
  return {
    ...doc,
    status: "drafting",
    nextApprover: 0,
    decisions: [...doc.decisions, { approverId: e.approverId, decision: "rejected", comment, at: e.at }],
  };
}

/** The drafter takes the draft back before the chain has finished. */
export function withdrawFromApproval(doc: OutgoingRecord): OutgoingRecord {
  assertOutgoingStep(doc, "withdraw");
  return { ...doc, status: "drafting", nextApprover: 0 };
}

/** Records the number taken from the document's series (numbering.ts) and its symbol. */
export function assignNumber(doc: OutgoingRecord, e: { number: number; year: number; symbol: string; at: Date }): OutgoingRecord {
  assertOutgoingStep(doc, "number");
  const checks = new FieldChecks();
  if (!Number.isSafeInteger(e.number) || e.number < 1 || e.number > MAX_DOCUMENT_NUMBER) {
    checks.add("number", "Số văn bản phải là số nguyên dương", "The number must be a positive integer");
  }
  requiredText(checks, "symbol", e.symbol, MAX_SYMBOL_LENGTH);
  checks.check();
  return { ...doc, status: "numbered", numbering: { number: e.number, year: e.year, symbol: e.symbol.trim(), at: e.at } };
}

/** The signature's record (who, with which prefix, when); the digital signature itself is elsewhere. */
export function signOutgoing(doc: OutgoingRecord, e: { signerId: string; prefix: SigningPrefix; at: Date }): OutgoingRecord {
  assertOutgoingStep(doc, "sign");
  const checks = new FieldChecks();
  requiredId(checks, "signer_id", e.signerId);
  checks.check();
  return { ...doc, status: "signed", signature: { signerId: e.signerId, prefix: e.prefix, at: e.at } };
}

export function issueOutgoing(doc: OutgoingRecord, e: { at: Date }): OutgoingRecord {
  assertOutgoingStep(doc, "issue");
  return { ...doc, status: "issued", issuedAt: e.at };
}

/** Receivers are told to destroy the electronic copy (Điều 18 and edXML status 13). */
export function recallOutgoing(doc: OutgoingRecord, e: { by: string; reason: string; at: Date }): OutgoingRecord {
  assertOutgoingStep(doc, "recall");
  const checks = new FieldChecks();
  const reason = requiredText(checks, "reason", e.reason, MAX_REASON_LENGTH);
  checks.check();
  return { ...doc, status: "recalled", recall: { by: e.by, reason, at: e.at } };
}

/** Errors of content: a new document replaces this one (its id recorded here). */
export function replaceOutgoing(doc: OutgoingRecord, e: { by: string; replacementId: string; reason: string; at: Date }): OutgoingRecord {
  assertOutgoingStep(doc, "replace");
  const checks = new FieldChecks();
  requiredId(checks, "replacement_id", e.replacementId);
  const reason = requiredText(checks, "reason", e.reason, MAX_REASON_LENGTH);
  checks.check();
  return { ...doc, status: "replaced", replacement: { by: e.by, replacementId: e.replacementId, reason, at: e.at } };
}
