/**
 * Reading tasks: one task, lists and search, a task's history, a unit's dashboard. Everything is
 * filtered to what the caller may see.
 */
import {
  AUDIT_COLLECTION,
  InvalidArgument,
  keysetPage,
  type AuditRecord,
  type Identity,
  type KeysetSort,
  type PageRequest,
} from "@ministry/platform";
import type { Document, Filter } from "mongodb";
import { codeKey, importedTaskId } from "../domain/ids.js";
import type { DeadlineChangeRequest } from "../domain/task.js";
import type { TaskStatus } from "../domain/vocabulary.js";
import { taskFromDocument, type StoredTask, type TaskDocument } from "../store/documents.js";
import { taskNotFound } from "../store/task-store.js";
import type { AppContext } from "./context.js";
import { escapeRegex, parseSearchText, searchConditions, searchRank } from "./task-search.js";

export const ACTIVE_STATUSES: readonly TaskStatus[] = ["not_started", "in_progress"];
/** The dashboard lists at most this many deadline requests awaiting a decision (its count says how many there are). */
export const AWAITING_DECISION_LIMIT = 50;

/** A deadline change request awaiting a decision, with the task it is for. */
export interface PendingDeadlineRequest {
  taskId: string;
  code: string;
  title: string;
  request: DeadlineChangeRequest;
}

export interface TaskListQuery {
  programmeId?: string;
  unitId?: string;
  unitRole?: "any" | "lead" | "coordinating";
  statuses?: readonly TaskStatus[];
  kinds?: readonly string[];
  kindGroup?: "normative" | "other";
  deadlineFrom?: Date;
  deadlineTo?: Date;
  overdueOnly?: boolean;
  text?: string;
  assignee?: string;
  source?: string;
  pendingDeadlineRequest?: boolean;
  /** Unset: by deadline, or by relevance when there is text to search. */
  orderBy?: "deadline_asc" | "deadline_desc" | "code" | "updated_desc" | "relevance";
}

/** Each order ends with `_id` (added by the platform's keyset pages), so no two tasks tie. */
const SORTS: Record<NonNullable<TaskListQuery["orderBy"]>, KeysetSort> = {
  deadline_asc: [
    ["deadline", 1],
    ["code", 1],
  ],
  deadline_desc: [
    ["deadline", -1],
    ["code", 1],
  ],
  code: [["code", 1]],
  updated_desc: [["updatedAt", -1]],
  // `rank` is computed per search (task-search.ts).
  relevance: [
    ["rank", 1],
    ["deadline", 1],
    ["code", 1],
  ],
};

export class TaskQueries {
  constructor(private readonly app: AppContext) {}

  async get(identity: Identity, id: string): Promise<StoredTask> {
    this.app.access.assertMayReadTasks(identity);
    return this.app.visibleTask(identity, id);
  }

  /**
   * The task of a programme with this code, compared ignoring case (codeKey, as an import compares
   * them). Permission before existence, as by id: a task the caller may not see answers as a missing one.
   */
  async getByCode(identity: Identity, programmeId: string, code: string): Promise<StoredTask> {
    this.app.access.assertMayReadTasks(identity);
    // Imported and created tasks have the id their code gives; tasks from other services' events do not.
    const byId = await this.app.tasks.get(importedTaskId(programmeId, code));
    const key = codeKey(code);
    const task =
      byId && byId.programmeId === programmeId && codeKey(byId.code) === key
        ? byId
        : (await this.app.tasks.find({ programmeId, code: { $regex: `^${escapeRegex(code)}$`, $options: "i" } }, { limit: 20 })).find(
            (t) => codeKey(t.code) === key,
          );
    if (!task || !this.app.access.canRead(identity, task)) throw taskNotFound();
    return task;
  }

  filterOf(q: TaskListQuery): Filter<TaskDocument> {
    const and: Filter<TaskDocument>[] = [];
    if (q.programmeId) and.push({ programmeId: q.programmeId });
    if (q.unitId) {
      const role = q.unitRole ?? "any";
      if (role === "lead") and.push({ leadUnit: q.unitId });
      else if (role === "coordinating") and.push({ coordinatingUnits: q.unitId });
      else and.push({ $or: [{ leadUnit: q.unitId }, { coordinatingUnits: q.unitId }] });
    }
    if (q.statuses && q.statuses.length > 0) and.push({ status: { $in: [...q.statuses] } });
    if (q.kinds && q.kinds.length > 0) and.push({ kind: { $in: [...q.kinds] } });
    if (q.kindGroup) {
      const normative = this.app.vocabulary.kinds.filter((k) => k.normative).map((k) => k.code);
      and.push(q.kindGroup === "normative" ? { kind: { $in: normative } } : { kind: { $nin: normative } });
    }
    if (q.deadlineFrom || q.deadlineTo) {
      const range: Record<string, Date> = {};
      if (q.deadlineFrom) range.$gte = q.deadlineFrom;
      if (q.deadlineTo) range.$lt = q.deadlineTo;
      and.push({ deadline: range });
    }
    if (q.overdueOnly) and.push({ status: { $in: [...ACTIVE_STATUSES] }, deadline: { $lt: this.app.clock.now() } });
    if (q.assignee) and.push({ assignee: q.assignee });
    if (q.source) and.push({ "source.type": q.source });
    if (q.pendingDeadlineRequest) and.push({ "deadlineRequests.status": "pending" });
    const search = parseSearchText(q.text);
    if (search) and.push(...(searchConditions(search) as Filter<TaskDocument>[]));
    return and.length === 0 ? {} : and.length === 1 ? and[0] : { $and: and };
  }

  /**
   * A page of the tasks the caller sees that match `q`, by key (the platform's keyset pages): tasks
   * changed after the first page come after the others, once each.
   */
  async list(
    identity: Identity,
    q: TaskListQuery,
    page: PageRequest,
  ): Promise<{ tasks: StoredTask[]; total: number; nextPageToken: string }> {
    const visible = this.app.access.visibleTasks(identity);
    const filter = { $and: [visible, this.filterOf(q)] } as Filter<Document>;
    const search = parseSearchText(q.text);
    const orderBy = q.orderBy ?? (search ? "relevance" : "deadline_asc");
    const relevance = orderBy === "relevance" && search !== undefined;
    const result = await keysetPage(
      this.app.tasks.collection,
      {
        list: "tasks",
        filter,
        sort: SORTS[relevance ? "relevance" : orderBy === "relevance" ? "deadline_asc" : orderBy],
        // As the caller asked (an overdue filter's "now" moves between pages), and what the caller sees.
        fingerprint: { query: { ...q, orderBy }, visible },
        computed: relevance ? { rank: searchRank(search) } : undefined,
        changedAt: "updatedAt",
      },
      page,
      { now: this.app.clock.now() },
    );
    return { tasks: result.items.map(taskFromDocument), total: result.totalSize, nextPageToken: result.nextPageToken };
  }

  /** The task's audit records, newest first. */
  async history(
    identity: Identity,
    id: string,
    page: PageRequest,
  ): Promise<{ entries: AuditRecord[]; total: number; nextPageToken: string }> {
    await this.get(identity, id);
    const audit = this.app.deps.db.collection<AuditRecord>(AUDIT_COLLECTION);
    const result = await keysetPage(
      audit,
      {
        list: "task_history",
        filter: { "target.type": "task", "target.id": id },
        sort: [
          ["at", -1],
          ["_id", -1],
        ],
      },
      page,
      { now: this.app.clock.now() },
    );
    return { entries: result.items, total: result.totalSize, nextPageToken: result.nextPageToken };
  }

  async dashboard(identity: Identity, input: { unitId: string; programmeId?: string; upcomingLimit?: number }) {
    const unitId = input.unitId.trim();
    if (!this.app.vocabulary.units.some((u) => u.id === unitId))
      throw new InvalidArgument([{ field: "unit_id", description: `Đơn vị không tồn tại: "${unitId}" / No such unit: "${unitId}"` }]);
    this.app.access.assertReadUnit(identity, unitId);
    const now = this.app.clock.now();
    const scope: Filter<TaskDocument> = input.programmeId ? { programmeId: input.programmeId } : {};
    const leading: Filter<TaskDocument> = { ...scope, leadUnit: unitId };
    const active = { $in: [...ACTIVE_STATUSES] };
    const week = new Date(now.getTime() + 7 * 24 * 3600_000);
    const limit = Math.min(Math.max(input.upcomingLimit || 10, 1), 100);
    const [byStatus, coordinating, overdue, dueSoon, pendingRequests, upcoming, awaitingDecision] = await Promise.all([
      this.app.tasks.collection
        .aggregate<{ _id: TaskStatus; count: number }>([{ $match: leading }, { $group: { _id: "$status", count: { $sum: 1 } } }])
        .toArray(),
      this.app.tasks.count({ ...scope, coordinatingUnits: unitId }),
      this.app.tasks.count({ ...leading, status: active, deadline: { $lt: now } }),
      this.app.tasks.count({ ...leading, status: active, deadline: { $gte: now, $lt: week } }),
      this.app.tasks.count({ ...leading, "deadlineRequests.status": "pending" }),
      this.app.tasks.find({ ...leading, status: active }, { sort: { deadline: 1, code: 1 }, limit }),
      this.awaitingDecision(leading),
    ]);
    return {
      unitId,
      asOf: now,
      byStatus: new Map(byStatus.map((s) => [s._id, s.count])),
      leading: byStatus.reduce((n, s) => n + s.count, 0),
      coordinating,
      overdue,
      dueWithin7Days: dueSoon,
      pendingDeadlineRequests: pendingRequests,
      upcoming,
      awaitingDecision,
    };
  }

  /** The oldest deadline requests awaiting a decision on the tasks `scope` matches, with their task. */
  private async awaitingDecision(scope: Filter<TaskDocument>): Promise<PendingDeadlineRequest[]> {
    const rows = await this.app.tasks.collection
      .aggregate<{ _id: string; code: string; title: string; deadlineRequests: DeadlineChangeRequest }>([
        { $match: { ...scope, "deadlineRequests.status": "pending" } },
        { $project: { code: 1, title: 1, deadlineRequests: 1 } },
        { $unwind: "$deadlineRequests" },
        { $match: { "deadlineRequests.status": "pending" } },
        { $sort: { "deadlineRequests.requestedAt": 1, _id: 1 } },
        { $limit: AWAITING_DECISION_LIMIT },
      ])
      .toArray();
    return rows.map((r) => ({ taskId: r._id, code: r.code, title: r.title, request: r.deadlineRequests }));
  }
}
