/**
 * Tasks in MongoDB. Saves are optimistic: a save names the version it read and fails with ABORTED
 * (metadata current_version) when someone saved in between.
 */
import { Aborted, AlreadyExists, isDuplicateKeyError, NotFound } from "@ministry/platform";
import type { ClientSession, Collection, Db, Document, Filter, Sort } from "mongodb";
import type { CategoryGroup } from "../domain/report.js";
import type { Task } from "../domain/task.js";
import { taskWords } from "../domain/wording.js";
import { taskFromDocument, taskToDocument, type StoredTask, type TaskDocument } from "./documents.js";
import { TASKS } from "./indexes.js";

export class TaskStore {
  readonly collection: Collection<TaskDocument>;

  constructor(db: Db) {
    this.collection = db.collection<TaskDocument>(TASKS);
  }

  async get(id: string, session?: ClientSession): Promise<StoredTask | undefined> {
    const doc = await this.collection.findOne({ _id: id }, { session });
    return doc ? taskFromDocument(doc) : undefined;
  }

  /** Inserts a new task at version 1. */
  async insert(task: Task, at: Date, session?: ClientSession): Promise<StoredTask> {
    const stored = { ...task, version: 1, createdAt: at, updatedAt: at };
    try {
      await this.collection.insertOne(taskToDocument(stored, stored), { session });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      if (err.keyPattern && "code" in err.keyPattern)
        throw new AlreadyExists(
          `Chương trình ${task.programmeId} đã có nhiệm vụ mã ${task.code} / Programme ${task.programmeId} already has a task ${task.code}`,
          "TASK_CODE_EXISTS",
          { programme_id: task.programmeId, code: task.code },
        );
      const named = taskWords(task);
      throw new AlreadyExists(`${named.vi} đã tồn tại / ${named.en} already exists`, "TASK_EXISTS", { task_id: task.id });
    }
    return stored;
  }

  /**
   * Inserts a new task at version 1, or answers undefined when its id or its (programme, code) is
   * taken: the insert is the check, so a create needs no read before it. Any other failure throws. A
   * duplicate key aborts the caller's transaction: run again, it must be a new one.
   */
  async insertIfFree(task: Task, at: Date, session: ClientSession): Promise<StoredTask | undefined> {
    const stored = { ...task, version: 1, createdAt: at, updatedAt: at };
    try {
      await this.collection.insertOne(taskToDocument(stored, stored), { session });
    } catch (err) {
      if (takesTaskKey(err)) return undefined;
      throw err;
    }
    return stored;
  }

  /**
   * Inserts new tasks at version 1 in one round trip (an import). The caller has left out the ids and
   * codes its programme has; one inserted meanwhile fails the whole insert (TASK_EXISTS).
   */
  async insertMany(tasks: readonly Task[], at: Date, session: ClientSession): Promise<StoredTask[]> {
    if (tasks.length === 0) return [];
    const stored = tasks.map((task) => ({ ...task, version: 1, createdAt: at, updatedAt: at }));
    try {
      await this.collection.insertMany(
        stored.map((t) => taskToDocument(t, t)),
        { session, ordered: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      throw new AlreadyExists("Nhiệm vụ đã tồn tại / A task already exists", "TASK_EXISTS");
    }
    return stored;
  }

  /**
   * Replaces the task if it is still at `read.version`; the saved task has version + 1. A lost race
   * throws Aborted with the version now stored.
   */
  async save(read: StoredTask, next: Task, at: Date, session?: ClientSession): Promise<StoredTask> {
    const stored: StoredTask = { ...next, version: read.version + 1, createdAt: read.createdAt, updatedAt: at };
    const result = await this.collection.replaceOne({ _id: read.id, version: read.version }, taskToDocument(stored, stored), { session });
    if (result.matchedCount === 0) {
      const current = await this.get(read.id, session);
      if (!current) throw taskNotFound();
      throw versionConflict(current);
    }
    return stored;
  }

  /**
   * Writes the deadline watch's marker on the task if it is still at `read.version`: a write, so that
   * the watch's transaction conflicts with a concurrent command on the task, without a new version.
   * False when the task changed since it was read.
   */
  async markAlerted(read: StoredTask, at: Date, session: ClientSession): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: read.id, version: read.version },
      { $set: { deadlineAlertedAt: at } },
      { session },
    );
    return result.matchedCount === 1;
  }

  async find(filter: Filter<TaskDocument>, opts: { sort?: Sort; skip?: number; limit?: number; session?: ClientSession } = {}) {
    const docs = await this.collection
      .find(filter, { session: opts.session, sort: opts.sort, skip: opts.skip, limit: opts.limit })
      .toArray();
    return docs.map(taskFromDocument);
  }

  count(filter: Filter<TaskDocument>): Promise<number> {
    return this.collection.countDocuments(filter);
  }

  /**
   * The tasks the filter matches, counted by what decides their report category as of `asOf` (see
   * CategoryGroup): the database does the counting, so a report over 100,000 tasks moves a few dozen
   * groups instead of every task. Groups are on stored fields only (cheap for any server): the deadline
   * range is split at `asOf` (before it: past the deadline), and the tasks done after `asOf` (found
   * through the doneAt index, usually none) are moved from done to not done as of then.
   */
  async reportGroups(filter: Filter<TaskDocument>, range: { start: Date; end: Date }, asOf: Date): Promise<CategoryGroup[]> {
    const groupBy = { leadUnit: "$leadUnit", kind: "$kind", status: "$status", onTime: "$onTime" };
    type Key = { leadUnit: string; kind: string; status: Task["status"]; onTime?: boolean | null };
    const count = async (match: Filter<TaskDocument>, extra: Record<string, unknown> = {}, hint?: string) =>
      this.collection
        .aggregate<{ _id: Key & { pastDeadline?: boolean }; count: number }>(
          [{ $match: match }, { $group: { _id: { ...groupBy, ...extra }, count: { $sum: 1 } } }],
          hint ? { hint } : {},
        )
        .toArray();
    const split = asOf.getTime();
    const before = { $gte: range.start, $lt: new Date(Math.min(range.end.getTime(), split)) };
    const after = { $gte: new Date(Math.max(range.start.getTime(), split)), $lt: range.end };
    const [past, ahead, doneLater] = await Promise.all([
      before.$gte < before.$lt ? count({ $and: [filter, { deadline: before }] }) : [],
      after.$gte < after.$lt ? count({ $and: [filter, { deadline: after }] }) : [],
      count({ $and: [filter, { doneAt: { $gt: asOf } }] }, { pastDeadline: { $lt: ["$deadline", asOf] } }, "doneAt"),
    ]);
    const group = (k: Key, pastDeadline: boolean, doneAfterAsOf: boolean, n: number): CategoryGroup => ({
      leadUnit: k.leadUnit,
      kind: k.kind,
      status: k.status,
      onTime: k.onTime === true,
      pastDeadline,
      doneAfterAsOf,
      count: n,
    });
    return [
      ...past.map((r) => group(r._id, true, false, r.count)),
      ...ahead.map((r) => group(r._id, false, false, r.count)),
      // Counted above as done; as of `asOf` they were not done yet.
      ...doneLater.flatMap((r) => [
        group(r._id, r._id.pastDeadline === true, false, -r.count),
        group(r._id, r._id.pastDeadline === true, true, r.count),
      ]),
    ];
  }

  /** Only the fields a report reads, for as many tasks as the filter matches. */
  async reportRows(filter: Filter<TaskDocument>, opts: { sort?: Sort; limit?: number } = {}): Promise<StoredTask[]> {
    const projection: Document = {
      code: 1,
      title: 1,
      kind: 1,
      leadUnit: 1,
      deadline: 1,
      deadlineSpec: 1,
      status: 1,
      submittedAt: 1,
      completedAt: 1,
      // A line shows the status the task had at the report time (statusAsOf), read from these.
      history: 1,
      createdAt: 1,
    };
    const docs = await this.collection.find(filter, { projection, batchSize: 10_000, sort: opts.sort, limit: opts.limit }).toArray();
    return docs.map((d) => ({ ...(d as unknown as StoredTask), id: d._id }));
  }
}

/**
 * A task that is not there, or that the caller may not see: one answer for both, naming nothing (not
 * even the id asked for), so the two cannot be told apart.
 */
export function taskNotFound(): NotFound {
  return new NotFound("Không tìm thấy nhiệm vụ / Task not found");
}

/** The task as it is now stored: the message names it by code and title, the metadata by id and version. */
export function versionConflict(current: Pick<StoredTask, "id" | "code" | "title" | "version">): Aborted {
  const named = taskWords(current);
  return new Aborted(
    `${named.vi} đã được người khác cập nhật (phiên bản ${current.version}); hãy tải lại / ${named.en} was changed by someone else (version ${current.version}); reload it`,
    "VERSION_CONFLICT",
    { current_version: String(current.version), task_id: current.id },
  );
}

/**
 * A duplicate key on the task's `_id` or on `programme_code_unique`, by the key pattern the server
 * reports (mongod and the embedded store both do), or else by the index its message names: only these
 * two mean "the code is taken"; a duplicate on anything else is a fault to report, not an answer.
 */
function takesTaskKey(err: unknown): boolean {
  if (!isDuplicateKeyError(err)) return false;
  if (err.keyPattern) {
    const fields = Object.keys(err.keyPattern).join(",");
    return fields === "_id" || fields === "programmeId,code";
  }
  const message = (err as { errmsg?: unknown; message?: unknown }).errmsg ?? (err as { message?: unknown }).message;
  return typeof message === "string" && / index: (_id_|programme_code_unique) dup key/.test(message);
}
