/**
 * Reading tasks: one task, lists and search, a task's history, a unit's dashboard. Everything is
 * filtered to what the caller may see.
 */
import { AUDIT_COLLECTION, InvalidArgument, type AuditRecord, type Identity } from "@ministry/platform";
import type { Filter, Sort } from "mongodb";
import { normalizeForSearch } from "../domain/text.js";
import type { TaskStatus } from "../domain/vocabulary.js";
import type { StoredTask, TaskDocument } from "../store/documents.js";
import type { AppContext } from "./context.js";

export const ACTIVE_STATUSES: readonly TaskStatus[] = ["not_started", "in_progress"];
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_PAGE_TOKEN_LENGTH = 64;

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
  orderBy?: "deadline_asc" | "deadline_desc" | "code" | "updated_desc";
}

export interface Page {
  /** Items to skip. */
  offset: number;
  size: number;
}

/** Page tokens are opaque to callers: the offset of the next page, base64url. */
export function parsePage(pageSize: number | undefined, pageToken: string | undefined): Page {
  const size = pageSize && pageSize > 0 ? Math.min(pageSize, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  if (pageSize !== undefined && pageSize < 0)
    throw new InvalidArgument([{ field: "page.page_size", description: "Kích thước trang không âm / Page size cannot be negative" }]);
  if (!pageToken) return { offset: 0, size };
  // Tokens this service issues are a dozen characters; anything much longer is not one of them.
  if (pageToken.length > MAX_PAGE_TOKEN_LENGTH)
    throw new InvalidArgument([{ field: "page.page_token", description: "Mã trang không hợp lệ / Invalid page token" }]);
  const decoded = Buffer.from(pageToken, "base64url").toString("utf8");
  const match = /^o:(\d{1,9})$/.exec(decoded);
  if (!match) throw new InvalidArgument([{ field: "page.page_token", description: "Mã trang không hợp lệ / Invalid page token" }]);
  return { offset: Number(match[1]), size };
}

export function nextPageToken(page: Page, returned: number, total: number): string {
  const next = page.offset + returned;
  return returned === page.size && next < total ? Buffer.from(`o:${next}`, "utf8").toString("base64url") : "";
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const SORTS: Record<NonNullable<TaskListQuery["orderBy"]>, Sort> = {
  deadline_asc: { deadline: 1, code: 1, _id: 1 },
  deadline_desc: { deadline: -1, code: 1, _id: 1 },
  code: { code: 1, _id: 1 },
  updated_desc: { updatedAt: -1, _id: 1 },
};

export class TaskQueries {
  constructor(private readonly app: AppContext) {}

  async get(identity: Identity, id: string): Promise<StoredTask> {
    this.app.access.assertMayReadTasks(identity);
    return this.app.visibleTask(identity, id);
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
    const words = normalizeForSearch(q.text ?? "")
      .split(" ")
      .filter((w) => w !== "");
    for (const w of words) and.push({ search: { $regex: escapeRegex(w) } });
    return and.length === 0 ? {} : and.length === 1 ? and[0] : { $and: and };
  }

  async list(identity: Identity, q: TaskListQuery, page: Page): Promise<{ tasks: StoredTask[]; total: number; nextPageToken: string }> {
    const visible = this.app.access.visibleTasks(identity);
    const filter = { $and: [visible, this.filterOf(q)] } as Filter<TaskDocument>;
    const [tasks, total] = await Promise.all([
      this.app.tasks.find(filter, { sort: SORTS[q.orderBy ?? "deadline_asc"], skip: page.offset, limit: page.size }),
      this.app.tasks.count(filter),
    ]);
    return { tasks, total, nextPageToken: nextPageToken(page, tasks.length, total) };
  }

  /** The task's audit records, newest first. */
  async history(identity: Identity, id: string, page: Page): Promise<{ entries: AuditRecord[]; total: number; nextPageToken: string }> {
    await this.get(identity, id);
    const audit = this.app.deps.db.collection<AuditRecord>(AUDIT_COLLECTION);
    const filter = { "target.type": "task", "target.id": id };
    const [entries, total] = await Promise.all([
      audit.find(filter, { sort: { at: -1, _id: -1 }, skip: page.offset, limit: page.size }).toArray(),
      audit.countDocuments(filter),
    ]);
    return { entries, total, nextPageToken: nextPageToken(page, entries.length, total) };
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
    const [byStatus, coordinating, overdue, dueSoon, pendingRequests, upcoming] = await Promise.all([
      this.app.tasks.collection
        .aggregate<{ _id: TaskStatus; count: number }>([{ $match: leading }, { $group: { _id: "$status", count: { $sum: 1 } } }])
        .toArray(),
      this.app.tasks.count({ ...scope, coordinatingUnits: unitId }),
      this.app.tasks.count({ ...leading, status: active, deadline: { $lt: now } }),
      this.app.tasks.count({ ...leading, status: active, deadline: { $gte: now, $lt: week } }),
      this.app.tasks.count({ ...leading, "deadlineRequests.status": "pending" }),
      this.app.tasks.find({ ...leading, status: active }, { sort: { deadline: 1, code: 1 }, limit }),
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
    };
  }
}
