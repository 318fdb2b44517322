/**
 * Deadline changes ("lùi thời hạn"): a unit asks, a leader decides. Approval moves the deadline and
 * keeps the old one in history; refusal leaves the task as it was. One pending request per task.
 */
import { FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, roleTitles } from "@ministry/platform";
import { assertDeadlineSpec, deadlineLabel, parseDeadlineText, resolveDeadline, type DeadlineSpec } from "./deadline.js";
import { assertTransition } from "./lifecycle.js";
import { FIELD_NAMES, FieldChecks, MAX_DEADLINE_TEXT_LENGTH, MAX_ID_LENGTH, MAX_REMARK_LENGTH } from "./limits.js";
import type { DeadlineChangeRequest, DeadlineHistoryEntry, Task } from "./task.js";
import { DEADLINE_REQUEST_STATUS_WORDS, taskWords } from "./wording.js";

/** Roles that may decide a deadline change unless configuration says otherwise. */
export const DEFAULT_DEADLINE_DECIDER_ROLES: readonly string[] = ["minister", "deputy_minister", "office_chief"];

function invalid(field: string, vi: string, en: string): InvalidArgument {
  return new InvalidArgument([{ field, description: `${vi} / ${en}` }]);
}

function validInstant(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

/** A final or submitted task's deadline no longer matters: it was met or missed already. */
function assertDeadlineOpen(task: Task): void {
  if (task.status === "completed" || task.status === "withdrawn") assertTransition(task, "in_progress");
  if (task.status === "submitted")
    throw new FailedPrecondition(
      `${taskWords(task).vi} đã trình, không thể thay đổi thời hạn / ${taskWords(task).en} is submitted; its deadline cannot change`,
      "TASK_SUBMITTED",
      { task_status: task.status, task_id: task.id },
    );
}

export function pendingDeadlineRequest(task: Pick<Task, "deadlineRequests">): DeadlineChangeRequest | undefined {
  return task.deadlineRequests.find((r) => r.status === "pending");
}

/**
 * A pending request to move the task's deadline. `newDeadline` is text parseDeadlineText accepts or a
 * spec. The request id is derived from the task's request count ("dcr-1", "dcr-2"...) so the domain
 * needs no id generator; it is unique within the task.
 */
export function requestDeadlineChange(
  task: Task,
  newDeadline: string | DeadlineSpec,
  reason: string,
  by: string,
  at: Date,
): { task: Task; request: DeadlineChangeRequest } {
  const checks = new FieldChecks();
  let requestedSpec: DeadlineSpec | undefined;
  try {
    if (typeof newDeadline === "string") {
      if (checks.length("new_deadline", newDeadline.trim(), MAX_DEADLINE_TEXT_LENGTH, FIELD_NAMES.deadline))
        requestedSpec = parseDeadlineText(newDeadline, "new_deadline");
    } else {
      assertDeadlineSpec(newDeadline, "new_deadline");
      requestedSpec = newDeadline;
    }
  } catch (e) {
    if (!(e instanceof InvalidArgument)) throw e;
    checks.violations.push(...e.violations);
  }
  const cleanReason = typeof reason === "string" ? reason.normalize("NFC").trim() : "";
  if (cleanReason === "") checks.add("reason", "Đề nghị lùi thời hạn phải nêu lý do", "A deadline change needs a reason");
  else checks.length("reason", cleanReason, MAX_REMARK_LENGTH, FIELD_NAMES.reason);
  const requester = typeof by === "string" ? by.trim() : "";
  if (requester === "") checks.add("by", "Thiếu người đề nghị", "Requester is required");
  if (!validInstant(at)) checks.add("at", "Thời điểm không hợp lệ", "Invalid time");
  if (!checks.ok || !requestedSpec) throw new InvalidArgument(checks.violations);

  const requestedDeadline = resolveDeadline(requestedSpec);
  // Same last instant means the same deadline, whatever the wording ("Tháng 6/2020" = "30/06/2020").
  if (requestedDeadline.getTime() === task.deadline.getTime())
    throw invalid(
      "new_deadline",
      `Thời hạn mới trùng thời hạn hiện tại (${deadlineLabel(task.deadlineSpec, "vi")})`,
      `The new deadline is the current one (${deadlineLabel(task.deadlineSpec, "en")})`,
    );
  if (requestedDeadline.getTime() < at.getTime())
    throw invalid("new_deadline", "Thời hạn mới đã qua", "The new deadline has already passed");

  assertDeadlineOpen(task);
  const pending = pendingDeadlineRequest(task);
  if (pending)
    throw new FailedPrecondition(
      `${taskWords(task).vi} đang có đề nghị lùi thời hạn chờ quyết định / ${taskWords(task).en} already has a pending deadline change`,
      "DEADLINE_REQUEST_PENDING",
      { deadline_request_id: pending.id, task_id: task.id },
    );

  const request: DeadlineChangeRequest = {
    id: `dcr-${task.deadlineRequests.length + 1}`,
    status: "pending",
    currentSpec: task.deadlineSpec,
    currentDeadline: task.deadline,
    requestedSpec,
    requestedDeadline,
    reason: cleanReason,
    requestedBy: requester,
    requestedAt: new Date(at.getTime()),
  };
  return { task: { ...task, deadlineRequests: [...task.deadlineRequests, request] }, request };
}

/**
 * Approves or refuses a pending request. Only `deciderRoles` may decide (PermissionDenied otherwise).
 * Approval moves the task's deadline and appends a history entry holding the old one; an on-time flag
 * is not touched because a task whose deadline can still change has not been done yet.
 */
export function decideDeadlineChange(
  task: Task,
  requestId: string,
  approve: boolean,
  decidedBy: string,
  roles: readonly string[],
  at: Date,
  note?: string,
  deciderRoles: readonly string[] = DEFAULT_DEADLINE_DECIDER_ROLES,
): { task: Task; request: DeadlineChangeRequest; entry?: DeadlineHistoryEntry } {
  const checks = new FieldChecks();
  const decider = typeof decidedBy === "string" ? decidedBy.trim() : "";
  if (decider === "") checks.add("decided_by", "Thiếu người quyết định", "Decider is required");
  if (!validInstant(at)) checks.add("at", "Thời điểm không hợp lệ", "Invalid time");
  checks.length("deadline_request_id", requestId, MAX_ID_LENGTH, FIELD_NAMES.id);
  const cleanNote = typeof note === "string" ? note.normalize("NFC").trim() : "";
  checks.length("note", cleanNote, MAX_REMARK_LENGTH, FIELD_NAMES.note);
  checks.check();

  if (!roles.some((r) => deciderRoles.includes(r))) {
    const titles = roleTitles(deciderRoles);
    throw new PermissionDenied(`Chỉ ${titles.vi} được quyết định lùi thời hạn / Only ${titles.en} may decide a deadline change`);
  }

  const index = task.deadlineRequests.findIndex((r) => r.id === requestId);
  if (index < 0) throw new NotFound(`Không có đề nghị lùi thời hạn ${requestId} / No deadline change request ${requestId}`);
  const current = task.deadlineRequests[index];
  if (current.status !== "pending") {
    const decision = DEADLINE_REQUEST_STATUS_WORDS[current.status];
    throw new FailedPrecondition(
      `Đề nghị lùi thời hạn ${requestId} đã được xử lý (${decision.vi}) / The deadline change request ${requestId} is already ${decision.en}`,
      "REQUEST_ALREADY_DECIDED",
      { deadline_request_id: requestId, deadline_request_status: current.status, task_id: task.id },
    );
  }
  assertDeadlineOpen(task);

  const decidedAt = new Date(at.getTime());
  const request: DeadlineChangeRequest = {
    ...current,
    status: approve ? "approved" : "rejected",
    decidedBy: decider,
    decidedAt,
  };
  if (cleanNote !== "") request.note = cleanNote;
  const deadlineRequests = task.deadlineRequests.map((r, i) => (i === index ? request : r));

  if (!approve) return { task: { ...task, deadlineRequests }, request };

  const entry: DeadlineHistoryEntry = {
    type: "deadline",
    from: task.deadlineSpec,
    to: request.requestedSpec,
    fromDeadline: task.deadline,
    toDeadline: request.requestedDeadline,
    at: decidedAt,
    by: decider,
    reason: request.reason,
    requestId: request.id,
    requestedBy: request.requestedBy,
  };
  return {
    task: {
      ...task,
      deadlineSpec: request.requestedSpec,
      deadline: request.requestedDeadline,
      deadlineRequests,
      history: [...task.history, entry],
    },
    request,
    entry,
  };
}
