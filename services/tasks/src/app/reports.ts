/**
 * Reports for a period (month, quarter, year), optionally for one programme, unit or kind, and their
 * frozen snapshots. A unit's people get their own unit's report; the Office and the leadership any.
 */
import { randomUUID } from "node:crypto";
import { InvalidArgument, keysetPage, NotFound, type Identity, type PageRequest, type ResultCodec } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { Document, Filter } from "mongodb";
import { MAX_DEADLINE_YEAR, MIN_DEADLINE_YEAR, periodBounds, type Period } from "../domain/deadline.js";
import { FIELD_NAMES, FieldChecks, MAX_EXTERNAL_ID_LENGTH, MAX_TITLE_LENGTH } from "../domain/limits.js";
import { buildReport, categorize, reportFromGroups, type TaskReport } from "../domain/report.js";
import { oneLineText } from "../domain/task.js";
import { compareLines, reportLine, reportLinesOf, type ReportLine } from "../report/export.js";
import { withoutEmpty, type TaskDocument } from "../store/documents.js";
import { REPORT_SNAPSHOTS } from "../store/indexes.js";
import { actorOf, type AppContext } from "./context.js";

export interface ReportQuery {
  period: Period;
  programmeId?: string;
  unitId?: string;
  kind?: string;
  kindGroup?: "normative" | "other";
  asOf?: Date;
}

export interface ReportResult {
  query: ReportQuery;
  report: TaskReport;
  lines: ReportLine[];
  /** The report counts more tasks than its list holds (ExportReport gives them all). */
  linesTruncated: boolean;
}

/** Lines a report carries unless asked otherwise; a gRPC answer stays well under 4 MB. */
export const DEFAULT_REPORT_LINES = 1000;
export const MAX_REPORT_LINES = 10_000;

export interface ReportSnapshot {
  id: string;
  title: string;
  meetingId?: string;
  result: ReportResult;
  createdAt: Date;
  createdBy: Actor;
}

export function checkPeriod(period: Period | undefined): Period {
  const bad = (description: string) => new InvalidArgument([{ field: "period", description }]);
  if (!period) throw bad("Thiếu kỳ báo cáo / Period is required");
  if (!Number.isInteger(period.year) || period.year < MIN_DEADLINE_YEAR || period.year > MAX_DEADLINE_YEAR)
    throw bad(`Năm phải từ ${MIN_DEADLINE_YEAR} đến ${MAX_DEADLINE_YEAR} / Year must be ${MIN_DEADLINE_YEAR}-${MAX_DEADLINE_YEAR}`);
  if (period.kind === "month" && (!Number.isInteger(period.month) || period.month < 1 || period.month > 12))
    throw bad("Tháng phải từ 1 đến 12 / Month must be 1-12");
  if (period.kind === "quarter" && ![1, 2, 3, 4].includes(period.quarter)) throw bad("Quý phải từ 1 đến 4 / Quarter must be 1-4");
  return period;
}

const snapshotIdCodec: ResultCodec<string> = {
  toDocument: (id) => ({ snapshotId: id }),
  fromDocument: (d) => String(d.snapshotId),
};

export class Reports {
  constructor(private readonly app: AppContext) {}

  /**
   * The report of `query`. Its figures come from counts the database groups (fast over any number of
   * tasks); its task list holds the first `lines.limit` tasks in deadline order (`lines: "all"`: every
   * task, with figures and list from one read, for exports and snapshots).
   */
  async report(
    identity: Identity,
    query: ReportQuery,
    lines: { limit: number } | "all" = { limit: DEFAULT_REPORT_LINES },
  ): Promise<ReportResult> {
    const period = checkPeriod(query.period);
    const unitId = this.reportUnit(identity, query.unitId?.trim() || undefined);
    if (query.kind && !this.app.vocabulary.kinds.some((k) => k.code === query.kind))
      throw new InvalidArgument([{ field: "kind", description: `Loại nhiệm vụ không xác định: "${query.kind}" / Unknown kind` }]);
    const asOf = query.asOf ?? this.app.clock.now();
    const { start, end } = periodBounds(period);
    const and: Filter<TaskDocument>[] = [{ deadline: { $gte: start, $lt: end } }];
    if (query.programmeId) and.push({ programmeId: query.programmeId });
    if (unitId) and.push({ leadUnit: unitId });
    if (query.kind) and.push({ kind: query.kind });
    if (query.kindGroup) {
      const normative = this.app.vocabulary.kinds.filter((k) => k.normative).map((k) => k.code);
      and.push(query.kindGroup === "normative" ? { kind: { $in: normative } } : { kind: { $nin: normative } });
    }
    const filter = and.length === 1 ? and[0] : { $and: and };
    const resolved = { ...query, period, unitId, asOf };
    const kinds = this.app.vocabulary.kinds;
    if (lines === "all") {
      const rows = await this.app.tasks.reportRows(filter);
      const report = buildReport(rows, period, asOf, kinds);
      return { query: resolved, report, lines: reportLinesOf(rows, report), linesTruncated: false };
    }
    const limit = Math.max(0, Math.min(lines.limit, MAX_REPORT_LINES));
    const [groups, first] = await Promise.all([
      this.app.tasks.reportGroups(filter, { start, end }, asOf),
      limit === 0
        ? Promise.resolve([])
        : this.app.tasks.reportRows(
            { $and: [filter, { status: { $ne: "withdrawn" } }] },
            { sort: { deadline: 1, code: 1, _id: 1 }, limit },
          ),
    ]);
    const report = reportFromGroups(groups, period, asOf, kinds);
    const listed = first.flatMap((task) => {
      const category = categorize(task, asOf);
      return category ? [reportLine(task, category, asOf)] : [];
    });
    return { query: resolved, report, lines: listed.sort(compareLines), linesTruncated: report.totals.total > listed.length };
  }

  /**
   * The unit a report is for: the one asked for (if the caller may read it); without one, the whole
   * ministry for those who see every task and the caller's own unit for a unit-scoped caller. Those who
   * read no task at all are refused.
   */
  private reportUnit(identity: Identity, requested: string | undefined): string | undefined {
    if (requested) {
      this.app.access.assertReadUnit(identity, requested);
      return requested;
    }
    if (this.app.access.seesAll(identity)) return undefined;
    return this.app.access.readerUnit(identity);
  }

  async createSnapshot(
    identity: Identity,
    input: { requestId?: string; query: ReportQuery; title?: string; meetingId?: string },
  ): Promise<ReportSnapshot> {
    this.app.access.assertSnapshot(identity);
    const checks = new FieldChecks();
    const givenTitle = oneLineText(input.title);
    checks.length("title", givenTitle, MAX_TITLE_LENGTH, FIELD_NAMES.snapshotTitle);
    const meetingId = input.meetingId?.trim() ?? "";
    checks.length("meeting_id", meetingId, MAX_EXTERNAL_ID_LENGTH, FIELD_NAMES.id);
    checks.check();
    const result = await this.report(identity, input.query, "all");
    const title = givenTitle || `Báo cáo ${result.report.label.vi}`;
    const snapshot: ReportSnapshot = {
      id: randomUUID(),
      title,
      result,
      createdAt: this.app.clock.now(),
      createdBy: actorOf(identity, this.app.vocabulary),
    };
    if (meetingId) snapshot.meetingId = meetingId;
    // A new snapshot has no id yet: the request's content (its query, title, meeting) tells retries apart.
    const request = { requestId: input.requestId, target: "report_snapshots", body: input };
    const id = await this.app.once("CreateReportSnapshot", identity, request, snapshotIdCodec, async (session) => {
      await this.app.deps.db.collection(REPORT_SNAPSHOTS).insertOne(toSnapshotDocument(snapshot), { session });
      await this.app.record(
        session,
        snapshot.createdBy,
        "report.snapshot_created",
        { type: "report_snapshot", id: snapshot.id },
        {
          title,
          period: result.report.label.vi,
          meetingId: snapshot.meetingId ?? null,
          totals: { ...result.report.totals, ids: undefined },
        },
      );
      return snapshot.id;
    });
    // A retried request answers with the snapshot its first call froze.
    return id === snapshot.id ? snapshot : this.snapshot(identity, id);
  }

  /** A snapshot the caller may see: a unit's people see their unit's; a hidden one answers as a missing one. */
  async snapshot(identity: Identity, id: string): Promise<ReportSnapshot> {
    this.app.access.assertMayReadSnapshots(identity);
    const doc = await this.app.deps.db.collection(REPORT_SNAPSHOTS).findOne({ _id: id as never });
    const snapshot = doc ? fromSnapshotDocument(doc) : undefined;
    if (!snapshot || !this.app.access.canReadSnapshot(identity, snapshot.result.query.unitId))
      throw new NotFound("Không tìm thấy bản chốt báo cáo / Report snapshot not found");
    return snapshot;
  }

  /** Newest first, by key (the platform's keyset pages), without their lines. */
  async listSnapshots(identity: Identity, filter: { meetingId?: string; programmeId?: string }, page: PageRequest) {
    if (!this.app.access.seesAll(identity)) this.app.access.assertSnapshot(identity);
    const query: Document = {};
    if (filter.meetingId) query.meetingId = filter.meetingId;
    if (filter.programmeId) query["result.query.programmeId"] = filter.programmeId;
    const result = await keysetPage(
      this.app.deps.db.collection(REPORT_SNAPSHOTS),
      { list: "report_snapshots", filter: query, sort: [["createdAt", -1]], projection: { "result.lines": 0 } },
      page,
      { now: this.app.clock.now() },
    );
    return {
      snapshots: result.items.map((d) => fromSnapshotDocument({ ...d, result: { ...d.result, lines: [] } })),
      total: result.totalSize,
      nextPageToken: result.nextPageToken,
    };
  }
}

/** Stored as is: dates stay dates; absent members are left out (withoutEmpty), not stored as null. */
function toSnapshotDocument(s: ReportSnapshot): Document {
  const { id, ...rest } = s;
  return withoutEmpty({ _id: id, ...rest });
}

function fromSnapshotDocument(doc: Document): ReportSnapshot {
  const { _id, ...rest } = doc;
  return { id: String(_id), ...(rest as Omit<ReportSnapshot, "id">) };
}
