/**
 * The Prime Minister's task-force categories for a period. Of the tasks whose deadline falls in the
 * period (withdrawn tasks left out):
 *   done:      completed on time | completed late
 *   not done:  within deadline (the deadline has not passed at the report time) | overdue ("nợ đọng")
 * grouped by lead unit and by kind group (VBQPPL or other), with totals.
 */
import { periodBounds, periodLabel, type Period } from "./deadline.js";
import { isNormativeKind, type Task } from "./task.js";
import { DEFAULT_TASK_KINDS, type TaskKindDef, type TaskStatus } from "./vocabulary.js";

export const REPORT_CATEGORIES = ["completedOnTime", "completedLate", "withinDeadline", "overdue"] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export type KindGroup = "normative" | "other";

export type ReportTask = Pick<Task, "id" | "kind" | "leadUnit" | "deadline" | "status" | "submittedAt" | "completedAt">;

export interface CategoryTally {
  /** Tasks counted (every task in exactly one category). */
  total: number;
  completedOnTime: number;
  completedLate: number;
  withinDeadline: number;
  overdue: number;
  /** completedOnTime + completedLate. */
  done: number;
  /** withinDeadline + overdue. */
  notDone: number;
  /** completedOnTime / done; null when nothing is done. */
  onTimeRatio: number | null;
  /** Task ids per category, sorted. */
  ids: Record<ReportCategory, string[]>;
}

export interface TaskReport {
  period: Period;
  label: { vi: string; en: string };
  /** Start (inclusive) and end (exclusive) of the period. */
  start: Date;
  end: Date;
  asOf: Date;
  totals: CategoryTally;
  /** One row per lead unit with at least one task, sorted by unit id. */
  byUnit: Array<{ unit: string } & CategoryTally>;
  byKindGroup: Record<KindGroup, CategoryTally>;
  /** One row per kind with at least one task, sorted by kind code. */
  byKind: Array<{ kind: string; group: KindGroup } & CategoryTally>;
}

/**
 * When the task counts as done. A task submitted to an authority is done when the ministry submits it
 * (its part ends there; the authority's decision may come much later), so submission wins over
 * completion.
 */
export function doneAt(task: Pick<Task, "submittedAt" | "completedAt">): Date | undefined {
  return task.submittedAt ?? task.completedAt;
}

/**
 * The category of one task as of `asOf`; undefined for a withdrawn task. Something done after `asOf`
 * was not done yet at `asOf`, so a report for a past moment reads as it would have then.
 */
export function categorize(task: ReportTask, asOf: Date): ReportCategory | undefined {
  if (task.status === "withdrawn") return undefined;
  const done = doneAt(task);
  const deadline = task.deadline.getTime();
  if (done && done.getTime() <= asOf.getTime()) return done.getTime() <= deadline ? "completedOnTime" : "completedLate";
  return asOf.getTime() <= deadline ? "withinDeadline" : "overdue";
}

/** What a task's status was at some instant, and since when. */
export interface StatusAsOf {
  status: TaskStatus;
  /**
   * When the task reached that status: the status change's instant, or the task's creation for the
   * status it was created with. Absent when the task was recorded only after the instant (loaded or
   * created later), so nothing tells since when it had the status.
   */
  since?: Date;
}

/**
 * The status a task had at `asOf`, from its status history: the latest recorded change at or before
 * `asOf` (in recorded order, so a change recorded late with an earlier instant, such as a document
 * issued yesterday, counts from its own instant), else the status it was created with. A report for a
 * past instant shows this rather than today's status, so a line never reads "submitted" next to the
 * category "overdue".
 */
export function statusAsOf(task: Pick<Task, "status" | "history"> & { createdAt?: Date }, asOf: Date): StatusAsOf {
  const changes = task.history.filter((entry) => entry.type === "status");
  const result: StatusAsOf = { status: changes[0]?.from ?? task.status };
  if (task.createdAt && task.createdAt.getTime() <= asOf.getTime()) result.since = new Date(task.createdAt.getTime());
  for (const change of changes) {
    if (change.at.getTime() > asOf.getTime()) continue;
    result.status = change.to;
    result.since = new Date(change.at.getTime());
  }
  return result;
}

function emptyTally(): CategoryTally {
  return {
    total: 0,
    completedOnTime: 0,
    completedLate: 0,
    withinDeadline: 0,
    overdue: 0,
    done: 0,
    notDone: 0,
    onTimeRatio: null,
    ids: { completedOnTime: [], completedLate: [], withinDeadline: [], overdue: [] },
  };
}

function finish(tally: CategoryTally): CategoryTally {
  tally.done = tally.completedOnTime + tally.completedLate;
  tally.notDone = tally.withinDeadline + tally.overdue;
  tally.onTimeRatio = tally.done === 0 ? null : tally.completedOnTime / tally.done;
  for (const c of REPORT_CATEGORIES) tally.ids[c].sort();
  return tally;
}

/** Tallies by unit, kind and kind group as tasks (or groups of tasks) are counted in. */
class Tallies {
  private readonly totals = emptyTally();
  private readonly units = new Map<string, CategoryTally>();
  private readonly kinds = new Map<string, CategoryTally>();
  private readonly groups: Record<KindGroup, CategoryTally> = { normative: emptyTally(), other: emptyTally() };

  constructor(private readonly kindDefs: readonly TaskKindDef[]) {}

  /** Counts `n` tasks of one unit, kind and category; `id` lists the task when n is 1. */
  add(unit: string, kind: string, category: ReportCategory, n: number, id?: string): void {
    const group = isNormativeKind(kind, this.kindDefs) ? "normative" : "other";
    if (!this.units.has(unit)) this.units.set(unit, emptyTally());
    if (!this.kinds.has(kind)) this.kinds.set(kind, emptyTally());
    for (const tally of [this.totals, this.units.get(unit)!, this.kinds.get(kind)!, this.groups[group]]) {
      tally.total += n;
      tally[category] += n;
      if (id !== undefined) tally.ids[category].push(id);
    }
  }

  report(period: Period, asOf: Date): TaskReport {
    const { start, end } = periodBounds(period);
    const byCode = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    return {
      period,
      label: { vi: periodLabel(period, "vi"), en: periodLabel(period, "en") },
      start,
      end,
      asOf: new Date(asOf.getTime()),
      totals: finish(this.totals),
      byUnit: [...this.units].sort(byCode).map(([unit, t]) => ({ unit, ...finish(t) })),
      byKindGroup: { normative: finish(this.groups.normative), other: finish(this.groups.other) },
      byKind: [...this.kinds].sort(byCode).map(([kind, t]) => ({
        kind,
        group: isNormativeKind(kind, this.kindDefs) ? ("normative" as const) : ("other" as const),
        ...finish(t),
      })),
    };
  }
}

/** The report for `period` as of `asOf`. Unknown kinds count as "other". */
export function buildReport(
  tasks: Iterable<ReportTask>,
  period: Period,
  asOf: Date,
  kinds: readonly TaskKindDef[] = DEFAULT_TASK_KINDS,
): TaskReport {
  const { start, end } = periodBounds(period);
  const tallies = new Tallies(kinds);
  for (const task of tasks) {
    const due = task.deadline.getTime();
    if (due < start.getTime() || due >= end.getTime()) continue;
    const category = categorize(task, asOf);
    if (category) tallies.add(task.leadUnit, task.kind, category, 1, task.id);
  }
  return tallies.report(period, asOf);
}

/**
 * Tasks reduced to what decides their category, counted together: what a database groups by, so a
 * report over many tasks needs counts rather than every task.
 */
export interface CategoryGroup {
  leadUnit: string;
  kind: string;
  status: Task["status"];
  /** The task's stored on-time flag (set when it was submitted or completed). */
  onTime?: boolean;
  /** Whether it was done (submitted or completed) after `asOf`, i.e. not done yet as of then. */
  doneAfterAsOf: boolean;
  /** Whether its deadline is before `asOf`. */
  pastDeadline: boolean;
  /** May be negative: a correction of another group's count (the totals stay whole numbers of tasks). */
  count: number;
}

/**
 * The category of a group, as `categorize` would give each of its tasks: a done task's on-time flag is
 * fixed when it is done (its deadline can no longer change then), so it equals doneAt <= deadline.
 */
export function categorizeGroup(g: Omit<CategoryGroup, "count" | "leadUnit" | "kind">): ReportCategory | undefined {
  if (g.status === "withdrawn") return undefined;
  const done = (g.status === "submitted" || g.status === "completed") && !g.doneAfterAsOf;
  if (done) return g.onTime ? "completedOnTime" : "completedLate";
  return g.pastDeadline ? "overdue" : "withinDeadline";
}

/**
 * The report from grouped counts of the tasks due in the period: the same figures as buildReport,
 * without the task ids (`ids` lists are empty).
 */
export function reportFromGroups(
  groups: Iterable<CategoryGroup>,
  period: Period,
  asOf: Date,
  kinds: readonly TaskKindDef[] = DEFAULT_TASK_KINDS,
): TaskReport {
  const tallies = new Tallies(kinds);
  for (const g of groups) {
    const category = categorizeGroup(g);
    if (category && g.count !== 0) tallies.add(g.leadUnit, g.kind, category, g.count);
  }
  return tallies.report(period, asOf);
}
