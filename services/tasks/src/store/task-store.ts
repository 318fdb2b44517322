/**
 * Tasks in MongoDB. Saves are optimistic: a save names the version it read and fails with ABORTED
 * (metadata current_version) when someone saved in between.
 */
import { Aborted, AlreadyExists, NotFound } from "@ministry/platform";
import type { ClientSession, Collection, Db, Document, Filter, Sort } from "mongodb";
import type { Task } from "../domain/task.js";
import { taskFromDocument, taskToDocument, type StoredTask, type TaskDocument } from "./documents.js";
import { TASKS } from "./indexes.js";

function isDuplicateKey(err: unknown): err is { code: number; keyPattern?: Record<string, unknown> } {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === 11000;
}

export class TaskStore {
  readonly collection: Collection<TaskDocument>;

  constructor(db: Db) {
    this.collection = db.collection<TaskDocument>(TASKS);
  }

  async get(id: string, session?: ClientSession): Promise<StoredTask | undefined> {
    const doc = await this.collection.findOne({ _id: id }, { session });
    return doc ? taskFromDocument(doc) : undefined;
  }

  async require(id: string, session?: ClientSession): Promise<StoredTask> {
    const task = await this.get(id, session);
    if (!task) throw new NotFound(`Không có nhiệm vụ ${id} / No task ${id}`);
    return task;
  }

  /** Inserts a new task at version 1. */
  async insert(task: Task, at: Date, session?: ClientSession): Promise<StoredTask> {
    const stored = { ...task, version: 1, createdAt: at, updatedAt: at };
    try {
      await this.collection.insertOne(taskToDocument(stored, stored), { session });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (err.keyPattern && "code" in err.keyPattern)
        throw new AlreadyExists(
          `Chương trình ${task.programmeId} đã có nhiệm vụ mã ${task.code} / Programme ${task.programmeId} already has a task ${task.code}`,
          "TASK_CODE_EXISTS",
          { programmeId: task.programmeId, code: task.code },
        );
      throw new AlreadyExists(`Nhiệm vụ ${task.id} đã tồn tại / Task ${task.id} already exists`, "TASK_EXISTS", { taskId: task.id });
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
      if (!current) throw new NotFound(`Không có nhiệm vụ ${read.id} / No task ${read.id}`);
      throw versionConflict(read.id, current.version);
    }
    return stored;
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

  /** Only the fields a report reads, for as many tasks as the filter matches. */
  async reportRows(filter: Filter<TaskDocument>): Promise<StoredTask[]> {
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
    };
    const docs = await this.collection.find(filter, { projection, batchSize: 10_000 }).toArray();
    return docs.map((d) => ({ ...(d as unknown as StoredTask), id: d._id }));
  }
}

export function versionConflict(id: string, currentVersion: number): Aborted {
  return new Aborted(
    `Nhiệm vụ ${id} đã được người khác cập nhật (phiên bản ${currentVersion}); hãy tải lại / Task ${id} was changed by someone else (version ${currentVersion}); reload it`,
    "VERSION_CONFLICT",
    { current_version: String(currentVersion), task_id: id },
  );
}
