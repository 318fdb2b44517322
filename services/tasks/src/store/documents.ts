/**
 * How aggregates are stored: one MongoDB document each, `_id` = the aggregate's id. Optional fields are
 * left out rather than stored as null, and read back as absent, so a stored task reads back equal to the
 * domain object that was saved.
 */
import type { Document } from "mongodb";
import { normalizeForSearch } from "../domain/text.js";
import type { Task } from "../domain/task.js";

/** Drops undefined (and, read back, null) members so documents and domain objects compare equal. */
export function withoutEmpty<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.map((item) => (isPlainObject(item) ? withoutEmpty(item) : item)) : isPlainObject(v) ? withoutEmpty(v) : v;
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !(v instanceof Date) && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

export interface TaskDocument extends Omit<Task, "id"> {
  _id: string;
  /** Code, title and assignee, normalised for diacritics-insensitive search. */
  search: string;
  /** When the task was done (submitted, or completed without submission): reports count by it. */
  doneAt?: Date;
  /**
   * When the deadline watch last alerted on the task (TaskStore.markAlerted): written only so that an
   * alert and a command on the task conflict. Not part of the task; a save of the task drops it.
   */
  deadlineAlertedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredTask extends Task {
  createdAt: Date;
  updatedAt: Date;
}

export function searchTextOf(task: Pick<Task, "code" | "title" | "assignee">): string {
  return normalizeForSearch([task.code, task.title, task.assignee ?? ""].join(" "));
}

export function taskToDocument(task: Task, times: { createdAt: Date; updatedAt: Date }): TaskDocument {
  const { id, ...rest } = task;
  return withoutEmpty({
    _id: id,
    ...rest,
    search: searchTextOf(task),
    doneAt: task.submittedAt ?? task.completedAt,
    createdAt: times.createdAt,
    updatedAt: times.updatedAt,
  });
}

export function taskFromDocument(doc: Document): StoredTask {
  const { _id, search: _search, doneAt: _doneAt, deadlineAlertedAt: _alerted, ...rest } = withoutEmpty(doc) as TaskDocument;
  // An authority is null when the task goes to no authority: null is a value here, not an absence.
  return { id: _id, ...rest, authority: (doc.authority as Task["authority"]) ?? null } as StoredTask;
}
