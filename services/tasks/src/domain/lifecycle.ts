/**
 * The task status machine.
 *
 *   not_started → in_progress → submitted ("đã trình") → completed
 *   not_started → submitted | completed
 *   in_progress → completed        only for a task not submitted to an authority
 *   any non-final → withdrawn      with a reason and an approver
 *   completed, withdrawn           final
 *
 * A task submitted to an authority is done, for the Prime Minister's task force, when the ministry
 * submits it; the authority's later decision completes it but does not change whether it was on time.
 */
import { FailedPrecondition, InvalidArgument } from "@ministry/platform";
import { formatVietnamDate } from "./deadline.js";
import type { Programme } from "./programme.js";
import { isSubmittedToAuthority, type StatusHistoryEntry, type Task } from "./task.js";
import type { TaskStatus } from "./vocabulary.js";
import { TASK_STATUS_WORDS, taskWords } from "./wording.js";

const EDGES: Record<TaskStatus, readonly TaskStatus[]> = {
  not_started: ["in_progress", "submitted", "completed", "withdrawn"],
  in_progress: ["submitted", "completed", "withdrawn"],
  submitted: ["completed", "withdrawn"],
  completed: [],
  withdrawn: [],
};

export interface TransitionContext {
  at: Date;
  /** Who records the change. */
  by: string;
  /** Required to withdraw; kept in history otherwise. */
  reason?: string;
  /** Required to withdraw: who approved taking the task out of the programme. */
  approvedBy?: string;
}

export interface TransitionResult {
  status: TaskStatus;
  entry: StatusHistoryEntry;
  /** The task after the transition (history appended, timestamps set); version untouched. */
  task: Task;
}

type LifecycleTask = Pick<Task, "status" | "authority">;

/** Statuses the task may move to now. */
export function allowedTransitions(task: LifecycleTask): TaskStatus[] {
  return EDGES[task.status].filter((to) => !needsSubmissionFirst(task, to));
}

/** A task for an authority is done by submitting it: it cannot be completed without a submission first. */
function needsSubmissionFirst(task: LifecycleTask, to: TaskStatus): boolean {
  return to === "completed" && (task.status === "in_progress" || task.status === "not_started") && isSubmittedToAuthority(task);
}

/**
 * Throws the FailedPrecondition `transition` would throw for a move to `to`, if any. Messages name the
 * task by code and title and the statuses by their labels; the codes are in the metadata.
 */
export function assertTransition(task: LifecycleTask & Pick<Task, "id" | "code" | "title">, to: TaskStatus): void {
  const metadata = { from: task.status, to, task_id: task.id };
  const named = taskWords(task);
  if (task.status === "completed")
    throw new FailedPrecondition(`${named.vi} đã hoàn thành / ${named.en} is completed`, "TASK_COMPLETED", metadata);
  if (task.status === "withdrawn")
    throw new FailedPrecondition(`${named.vi} đã được rút khỏi chương trình / ${named.en} is withdrawn`, "TASK_WITHDRAWN", metadata);
  if (!EDGES[task.status].includes(to)) {
    const [from, next] = [TASK_STATUS_WORDS[task.status], TASK_STATUS_WORDS[to]];
    throw new FailedPrecondition(
      `${named.vi}: không thể chuyển trạng thái từ ${from.vi} sang ${next.vi} / ${named.en}: cannot move from ${from.en} to ${next.en}`,
      "ILLEGAL_TRANSITION",
      metadata,
    );
  }
  if (needsSubmissionFirst(task, to))
    throw new FailedPrecondition(
      `${named.vi} trình cấp có thẩm quyền, phải được trình trước khi hoàn thành / ${named.en} is for an authority: it must be submitted before it is completed`,
      "SUBMISSION_REQUIRED",
      { ...metadata, authority: String(task.authority) },
    );
}

/**
 * Work on a task (progress, submission, completion) is recorded only once its programme is approved: a
 * draft programme is a plan still being put together, and its tasks may yet change or go. Planning
 * edits (assigning, documents, deadline requests, withdrawal) stay open. A closed programme's tasks
 * keep taking their late reports: the year's record is completed after the year.
 */
export function assertWorkRecordable(programme: Pick<Programme, "id" | "status">): void {
  if (programme.status === "draft")
    throw new FailedPrecondition(
      "Chương trình công tác còn là dự thảo, chưa được phê duyệt: chưa ghi nhận tiến độ, việc trình hay hoàn thành nhiệm vụ / " +
        "The work programme is a draft, not yet approved: progress, submission and completion are recorded once it is approved",
      "PROGRAMME_NOT_APPROVED",
      { programme_id: programme.id, programme_status: programme.status },
    );
}

function validInstant(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

/** Whether a task done at `doneAt` met its deadline: at or before the deadline's last instant. */
export function isOnTime(doneAt: Date, deadline: Date): boolean {
  return doneAt.getTime() <= deadline.getTime();
}

/**
 * Moves a task to `to`. Records submittedAt/completedAt and whether the task was on time; a withdrawal
 * keeps its reason and approver; pending deadline-change requests lapse (cancelled) once the task is
 * submitted, completed or withdrawn, since no later deadline can matter any more.
 */
export function transition(task: Task, to: TaskStatus, ctx: TransitionContext): TransitionResult {
  const violations = [];
  if (!validInstant(ctx.at)) violations.push({ field: "at", description: "Thời điểm không hợp lệ / Invalid time" });
  const by = typeof ctx.by === "string" ? ctx.by.trim() : "";
  if (by === "") violations.push({ field: "by", description: "Thiếu người thực hiện / Actor is required" });
  if (violations.length > 0) throw new InvalidArgument(violations);

  assertTransition(task, to);

  const reason = typeof ctx.reason === "string" ? ctx.reason.trim() : "";
  const approvedBy = typeof ctx.approvedBy === "string" ? ctx.approvedBy.trim() : "";
  if (to === "withdrawn") {
    if (reason === "") throw new FailedPrecondition("Rút nhiệm vụ phải nêu lý do / Withdrawing a task needs a reason", "REASON_REQUIRED");
    if (approvedBy === "")
      throw new FailedPrecondition("Rút nhiệm vụ phải có người phê duyệt / Withdrawing a task needs an approver", "APPROVER_REQUIRED");
  }
  if (to === "completed" && task.submittedAt && ctx.at.getTime() < task.submittedAt.getTime())
    throw new InvalidArgument([
      {
        field: "completed_at",
        description: `Ngày hoàn thành trước ngày trình (${formatVietnamDate(task.submittedAt)}) / Completed before it was submitted`,
      },
    ]);

  const at = new Date(ctx.at.getTime());
  const entry: StatusHistoryEntry = { type: "status", from: task.status, to, at, by };
  if (reason !== "") entry.reason = reason;

  const next: Task = { ...task, status: to, history: [...task.history, entry] };
  switch (to) {
    case "in_progress":
      break;
    case "submitted":
      next.submittedAt = at;
      next.onTime = isOnTime(at, task.deadline);
      next.progress = 100;
      break;
    case "completed":
      next.completedAt = at;
      // Submission was the completion that counts; the authority's decision does not change it.
      if (!task.submittedAt) next.onTime = isOnTime(at, task.deadline);
      next.progress = 100;
      break;
    case "withdrawn":
      next.withdrawal = { reason, approvedBy, by, at, previousStatus: task.status };
      break;
    case "not_started":
      break;
  }
  if (to === "submitted" || to === "completed" || to === "withdrawn") {
    // The note is read by people, like any other: the new status by its label.
    const lapsed = `Tự hủy vì nhiệm vụ chuyển sang ${TASK_STATUS_WORDS[to].vi} / Lapsed: the task is ${TASK_STATUS_WORDS[to].en}`;
    next.deadlineRequests = task.deadlineRequests.map((r) =>
      r.status === "pending" ? { ...r, status: "cancelled" as const, decidedAt: at, decidedBy: by, note: lapsed } : r,
    );
  }
  return { status: to, entry, task: next };
}

/**
 * Records progress (0-100, whole percent) on a task that is being worked on. The first progress above
 * zero on a task not started moves it to in_progress.
 */
export function recordProgress(task: Task, percent: number, ctx: { at: Date; by: string }): { task: Task; entry?: StatusHistoryEntry } {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100)
    throw new InvalidArgument([
      { field: "percent", description: "Tiến độ phải là số nguyên từ 0 đến 100 / Progress must be a whole number 0-100" },
    ]);
  if (task.status !== "not_started" && task.status !== "in_progress") {
    if (task.status === "completed" || task.status === "withdrawn") assertTransition(task, "in_progress");
    throw new FailedPrecondition(
      `${taskWords(task).vi} đã trình, không cập nhật tiến độ / ${taskWords(task).en} is submitted; progress is closed`,
      "TASK_SUBMITTED",
      { task_status: task.status, task_id: task.id },
    );
  }
  if (task.status === "not_started" && percent > 0) {
    const moved = transition(task, "in_progress", ctx);
    return { task: { ...moved.task, progress: percent }, entry: moved.entry };
  }
  return { task: { ...task, progress: percent } };
}
