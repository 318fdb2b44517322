/**
 * The deadline watch: as the clock passes a lead time before a task's deadline it publishes
 * `tasks.task.due_soon`, and as it passes the deadline (and each later threshold) `tasks.task.overdue`.
 *
 * Each (task, deadline, event, threshold) is published at most once, ever: the alert record (its key
 * includes the deadline, so an approved deadline change arms the alerts again) and the event commit in
 * one transaction, and a second insert of the key fails. The records live in MongoDB, so a restart, or
 * a second replica running the same watch, publishes nothing twice. When a run finds several
 * thresholds passed at once (the service was down, or a task was created close to its deadline) it
 * publishes only the most urgent one and records the others as passed.
 */
import { inTransaction, isDuplicateKeyError, type Logger } from "@ministry/platform";
import type { ClientSession } from "mongodb";
import { taskSummary } from "../contract.js";
import { TaskEvents } from "../events/definitions.js";
import type { StoredTask } from "../store/documents.js";
import { DEADLINE_ALERTS } from "../store/indexes.js";
import { systemActor, type AppContext } from "./context.js";
import { ACTIVE_STATUSES } from "./task-queries.js";

const DAY_MS = 24 * 3600_000;

export interface DeadlineWatchOptions {
  /** Lead times in days before the deadline (e.g. [1, 7]). */
  dueSoonDays: readonly number[];
  /** Thresholds in days after the deadline (e.g. [0]). */
  overdueAfterDays: readonly number[];
  intervalMs: number;
  log: Logger;
  /**
   * A seam for tests that interleave a command with an alert: awaited inside the alert's transaction
   * once the task is read ("read") and once everything is written, before the commit ("written").
   */
  interleave?: (point: "read" | "written", taskId: string) => Promise<void>;
}

interface AlertRecord {
  /** `<task>:<deadline ms>:<due_soon|overdue>:<days>`. */
  _id: string;
  taskId: string;
  kind: "due_soon" | "overdue";
  days: number;
  deadline: Date;
  /** False for a threshold passed together with a more urgent one (recorded, not published). */
  published: boolean;
  at: Date;
}

export interface WatchRun {
  dueSoon: number;
  overdue: number;
}

type Watched = Pick<StoredTask, "id" | "deadline">;

function alertKey(task: Watched, kind: AlertRecord["kind"], days: number): string {
  return `${task.id}:${task.deadline.getTime()}:${kind}:${days}`;
}

export class DeadlineWatch {
  private timer?: NodeJS.Timeout;
  private running?: Promise<WatchRun>;
  private stopped = true;
  /** Set by stop(): a pass in progress ends after the alert in hand; the next start picks up the rest. */
  private stopping = false;

  constructor(
    private readonly app: AppContext,
    private readonly opts: DeadlineWatchOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce()
        .catch((err: unknown) => this.opts.log.error({ err }, "deadline watch run failed; retrying at the next interval"))
        .finally(() => this.schedule(this.opts.intervalMs));
    }, delay);
    this.timer.unref();
  }

  /** One pass at the clock's current time; runs never overlap. */
  runOnce(): Promise<WatchRun> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async pass(): Promise<WatchRun> {
    const now = this.app.clock.now();
    const maxLead = Math.max(0, ...this.opts.dueSoonDays);
    // Active tasks whose deadline is within the longest lead time, or past.
    // Ids and deadlines only: most candidates were alerted on an earlier pass, and the few that need an
    // alert are read whole inside their own transaction.
    const candidates = (await this.app.tasks.collection
      .find(
        { status: { $in: [...ACTIVE_STATUSES] }, deadline: { $lte: new Date(now.getTime() + maxLead * DAY_MS) } },
        { projection: { _id: 1, deadline: 1 }, sort: { deadline: 1, _id: 1 } },
      )
      .toArray()) as unknown as { _id: string; deadline: Date }[];
    const run: WatchRun = { dueSoon: 0, overdue: 0 };
    if (candidates.length === 0) return run;
    const alerts = this.app.deps.db.collection<AlertRecord>(DEADLINE_ALERTS);
    const seen = new Set(
      (await alerts.find({ taskId: { $in: candidates.map((t) => t._id) } }, { projection: { _id: 1 } }).toArray()).map((a) => a._id),
    );
    for (const candidate of candidates) {
      // A first pass over a long-idle programme alerts many tasks; a shutdown must not wait for all of them.
      if (this.stopping) break;
      const task = { id: candidate._id, deadline: candidate.deadline };
      const due = this.thresholdsPassed(task, now).filter((t) => !seen.has(alertKey(task, t.kind, t.days)));
      if (due.length === 0) continue;
      const published = await this.alert(task, due, now);
      if (published?.kind === "due_soon") run.dueSoon += 1;
      if (published?.kind === "overdue") run.overdue += 1;
    }
    return run;
  }

  /** Thresholds the clock has passed for this task, the most urgent last. */
  private thresholdsPassed(task: Watched, now: Date): { kind: AlertRecord["kind"]; days: number }[] {
    const deadline = task.deadline.getTime();
    const t = now.getTime();
    if (t > deadline) {
      // Once overdue, lead times no longer matter: only overdue thresholds.
      return this.opts.overdueAfterDays.filter((d) => t > deadline + d * DAY_MS).map((days) => ({ kind: "overdue" as const, days }));
    }
    return [...this.opts.dueSoonDays]
      .sort((a, b) => b - a)
      .filter((d) => t >= deadline - d * DAY_MS)
      .map((days) => ({ kind: "due_soon" as const, days }));
  }

  private async alert(task: Watched, due: { kind: AlertRecord["kind"]; days: number }[], now: Date) {
    const publish = due.reduce((a, b) => (a.kind === "overdue" ? (b.days > a.days ? b : a) : b));
    try {
      const published = await inTransaction(this.app.deps.client, async (session: ClientSession) => {
        // The driver retries a conflicting transaction for up to two minutes (a task held by a transaction
        // a killed process left open stays held for a minute): a stop must not wait for that.
        if (this.stopping) throw STOPPED;
        // Re-read in the transaction: the task may have been submitted or re-scheduled meanwhile.
        const current = await this.app.tasks.get(task.id, session);
        await this.opts.interleave?.("read", task.id);
        if (!current || !ACTIVE_STATUSES.includes(current.status) || current.deadline.getTime() !== task.deadline.getTime()) return false;
        // Write the task, at the version read, so the alert conflicts with any command that changes it:
        // a read alone does not, and a CompleteTask committing meanwhile would be followed by "overdue".
        // Now one of the two commits first and the other retries (this one then finds the task done), so
        // the task's events keep their order. The marker is no change of the task: no new version.
        if (!(await this.app.tasks.markAlerted(current, now, session))) return false;
        const alerts = this.app.deps.db.collection<AlertRecord>(DEADLINE_ALERTS);
        await alerts.insertMany(
          due.map((d) => ({
            _id: alertKey(task, d.kind, d.days),
            taskId: task.id,
            kind: d.kind,
            days: d.days,
            deadline: task.deadline,
            published: d === publish,
            at: now,
          })),
          { session },
        );
        const summary = taskSummary(current, this.app.vocabulary);
        const event =
          publish.kind === "due_soon"
            ? TaskEvents.dueSoon.of(task.id, { task: summary, daysBefore: publish.days, dueAt: task.deadline })
            : TaskEvents.overdue.of(task.id, { task: summary, daysAfter: publish.days, dueAt: task.deadline });
        await this.app.record(
          session,
          systemActor("deadline watch"),
          `task.${publish.kind}`,
          { type: "task", id: task.id },
          { days: publish.days },
          [event],
        );
        await this.opts.interleave?.("written", task.id);
        return true;
      });
      return published ? publish : undefined;
    } catch (err) {
      // Another replica (or an overlapping run after a restart) recorded it first: nothing to do.
      if (isDuplicateKeyError(err)) return undefined;
      // Stopped while the alert was retrying: nothing was committed; the next start alerts it.
      if (err === STOPPED) return undefined;
      throw err;
    }
  }
}

/** Thrown inside an alert's transaction once the watch stops: the driver aborts and does not retry it. */
const STOPPED = new Error("the deadline watch is stopping");
