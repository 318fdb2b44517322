/**
 * The Prime Minister's task-force categories for a period. Of the tasks whose deadline falls in the
 * period (withdrawn tasks left out):
 *   done:      completed on time | completed late
 *   not done:  within deadline (the deadline has not passed at the report time) | overdue ("nợ đọng")
 * grouped by lead unit and by kind group (VBQPPL or other), with totals.
 */
import { periodBounds, periodLabel, type Period } from "./deadline.js";
import { isNormativeKind, type Task } from "./task.js";
import { DEFAULT_TASK_KINDS, type TaskKindDef } from "./vocabulary.js";

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

function count(tally: CategoryTally, category: ReportCategory, id: string): void {
  tally.total += 1;
  tally[category] += 1;
  tally.ids[category].push(id);
}

function finish(tally: CategoryTally): CategoryTally {
  tally.done = tally.completedOnTime + tally.completedLate;
  tally.notDone = tally.withinDeadline + tally.overdue;
  tally.onTimeRatio = tally.done === 0 ? null : tally.completedOnTime / tally.done;
  for (const c of REPORT_CATEGORIES) tally.ids[c].sort();
  return tally;
}

/** The report for `period` as of `asOf`. Unknown kinds count as "other". */
export function buildReport(
  tasks: Iterable<ReportTask>,
  period: Period,
  asOf: Date,
  kinds: readonly TaskKindDef[] = DEFAULT_TASK_KINDS,
): TaskReport {
  const { start, end } = periodBounds(period);
  const totals = emptyTally();
  const units = new Map<string, CategoryTally>();
  const byKind = new Map<string, CategoryTally>();
  const byKindGroup: Record<KindGroup, CategoryTally> = { normative: emptyTally(), other: emptyTally() };

  for (const task of tasks) {
    const due = task.deadline.getTime();
    if (due < start.getTime() || due >= end.getTime()) continue;
    const category = categorize(task, asOf);
    if (!category) continue;
    count(totals, category, task.id);
    if (!units.has(task.leadUnit)) units.set(task.leadUnit, emptyTally());
    count(units.get(task.leadUnit)!, category, task.id);
    if (!byKind.has(task.kind)) byKind.set(task.kind, emptyTally());
    count(byKind.get(task.kind)!, category, task.id);
    count(byKindGroup[isNormativeKind(task.kind, kinds) ? "normative" : "other"], category, task.id);
  }

  const byCode = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return {
    period,
    label: { vi: periodLabel(period, "vi"), en: periodLabel(period, "en") },
    start,
    end,
    asOf: new Date(asOf.getTime()),
    totals: finish(totals),
    byUnit: [...units].sort(byCode).map(([unit, t]) => ({ unit, ...finish(t) })),
    byKindGroup: { normative: finish(byKindGroup.normative), other: finish(byKindGroup.other) },
    byKind: [...byKind]
      .sort(byCode)
      .map(([kind, t]) => ({ kind, group: isNormativeKind(kind, kinds) ? ("normative" as const) : ("other" as const), ...finish(t) })),
  };
}
