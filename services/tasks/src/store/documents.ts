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

/** Stored fields that are not the task's. */
const NOT_TASK_FIELDS = new Set(["_id", "search", "doneAt", "deadlineAlertedAt"]);

/**
 * The task a document holds. Every read (a page of 50, each GetTask) maps documents, so this copies only
 * what it must: the top level, and a nested member only where it holds a null to drop. The document is
 * the driver's fresh copy, so what is not copied is shared with nothing else.
 */
export function taskFromDocument(doc: Document): StoredTask {
  const out: Record<string, unknown> = { id: doc._id };
  for (const key of Object.keys(doc)) {
    const v = doc[key];
    if (v === undefined || v === null || NOT_TASK_FIELDS.has(key)) continue;
    out[key] = typeof v === "object" ? dropEmpty(v) : v;
  }
  // An authority is null when the task goes to no authority: null is a value here, not an absence.
  out.authority = (doc.authority as Task["authority"]) ?? null;
  return out as unknown as StoredTask;
}

/** withoutEmpty's result for a member value, but the value itself when it holds nothing to drop. */
function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const kept = isPlainObject(item) ? dropEmptyMembers(item) : item;
      if (kept !== item && !out) out = v.slice(0, i);
      out?.push(kept);
    }
    return out ?? v;
  }
  return isPlainObject(v) ? dropEmptyMembers(v) : v;
}

function dropEmptyMembers(o: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const v = o[keys[i]];
    const kept = v === undefined || v === null ? undefined : dropEmpty(v);
    if (kept !== v && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = o[keys[j]];
    }
    if (out && kept !== undefined) out[keys[i]] = kept;
  }
  return out ?? o;
}
