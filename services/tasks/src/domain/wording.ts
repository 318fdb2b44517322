/**
 * How messages to people name the service's codes: a status, a programme's state, a deadline request's
 * decision, a unit, a task. The Vietnamese half of a message holds Vietnamese words only, so a code
 * ("submitted", "PC") appears in ErrorInfo metadata for programs, never in the text a person reads.
 */
import type { DeadlineChangeRequest, Task } from "./task.js";
import type { ProgrammeStatus, TaskStatus, UnitDef } from "./vocabulary.js";

export interface Words {
  vi: string;
  en: string;
}

export const TASK_STATUS_WORDS: Record<TaskStatus, Words> = {
  not_started: { vi: "Chưa thực hiện", en: "not started" },
  in_progress: { vi: "Đang thực hiện", en: "in progress" },
  submitted: { vi: "Đã trình", en: "submitted" },
  completed: { vi: "Hoàn thành", en: "completed" },
  withdrawn: { vi: "Đã rút", en: "withdrawn" },
};

export const PROGRAMME_STATUS_WORDS: Record<ProgrammeStatus, Words> = {
  draft: { vi: "Dự thảo", en: "draft" },
  approved: { vi: "Đã phê duyệt", en: "approved" },
  closed: { vi: "Đã kết thúc", en: "closed" },
};

export const DEADLINE_REQUEST_STATUS_WORDS: Record<DeadlineChangeRequest["status"], Words> = {
  pending: { vi: "Chờ quyết định", en: "pending" },
  approved: { vi: "Đã đồng ý", en: "approved" },
  rejected: { vi: "Không đồng ý", en: "rejected" },
  cancelled: { vi: "Đã hủy", en: "cancelled" },
};

/** Longer titles are cut here in messages: a decree's title can run to 500 characters. */
const MAX_TITLE_IN_MESSAGE = 120;

function shortTitle(title: string): string {
  const chars = [...title];
  return chars.length <= MAX_TITLE_IN_MESSAGE ? title : `${chars.slice(0, MAX_TITLE_IN_MESSAGE - 1).join("")}…`;
}

/**
 * A task as a person knows it: its code and title (`Nhiệm vụ VB-061 «...»` / `Task VB-061 "..."`),
 * never its internal id, which stays in the ErrorInfo metadata (`task_id`).
 */
export function taskWords(task: Pick<Task, "code" | "title">): Words {
  const title = shortTitle(task.title);
  return { vi: `Nhiệm vụ ${task.code} «${title}»`, en: `Task ${task.code} "${title}"` };
}

/** A unit by its name; a code no unit has (an id the caller typed) is shown as written. */
export function unitWords(units: readonly UnitDef[], id: string): Words {
  const unit = units.find((u) => u.id === id);
  return unit ? { vi: unit.vi, en: unit.en } : { vi: id, en: id };
}
