/**
 * The reminder before a meeting starts: once per start (a reschedule earns a new one), to everyone
 * invited who has not declined. The reminder is recorded on the meeting itself (remindedFor, with a new
 * version) in the transaction that queues the notices, so a reschedule at the same moment conflicts with
 * it instead of both committing, and two replicas never both remind.
 */
import { inTransaction, PeriodicJob, type Logger } from "@ministry/platform";
import type { Meeting } from "../domain/model.js";
import { audienceOf, centralVideoUrl, meetingSummary, notices } from "../events/builders.js";
import { systemActor, type AppContext } from "./context.js";

export class ReminderWatch {
  private readonly job: PeriodicJob;

  constructor(
    private readonly app: AppContext,
    opts: { intervalMs: number; log: Logger },
  ) {
    this.job = new PeriodicJob("reminder pass", () => this.runOnce(), opts);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Reminds every scheduled meeting starting within the reminder's lead time; returns how many. */
  async runOnce(): Promise<number> {
    const now = this.app.clock.now();
    const lead = this.app.settings.reminderBeforeMin;
    const due = await this.app.store.meetings
      .find(
        { status: "scheduled", start: { $gt: now, $lte: new Date(now.getTime() + lead * 60_000) } },
        { projection: { _id: 1, start: 1, remindedFor: 1 } },
      )
      .toArray();
    let sent = 0;
    for (const m of due) {
      if (m.remindedFor && m.remindedFor.getTime() === m.start.getTime()) continue;
      if (await this.remind(m._id, now)) sent += 1;
    }
    return sent;
  }

  private remind(id: string, now: Date): Promise<boolean> {
    return inTransaction(this.app.deps.client, async (session) => {
      const read = await this.app.store.meeting(id, session);
      if (read?.status !== "scheduled") return false;
      if (read.remindedFor && read.remindedFor.getTime() === read.start.getTime()) return false;
      const next: Meeting = { ...read, remindedFor: read.start, version: read.version + 1, updatedAt: now };
      await this.app.store.saveMeeting(next, read.version, session);
      const actor = systemActor();
      const minutesBefore = Math.max(0, Math.round((read.start.getTime() - now.getTime()) / 60_000));
      const events = notices(
        "reminder",
        meetingSummary(next, await centralVideoUrl(this.app.store, read, session)),
        await audienceOf(this.app.store, read, session),
        undefined,
        `${read._id}:remind:${read.start.getTime()}`,
        { minutesBefore },
      );
      await this.app.record(
        session,
        actor,
        "meeting.reminded",
        { type: "meeting", id: read._id },
        { start: read.start, minutesBefore },
        events,
      );
      return true;
    });
  }
}
