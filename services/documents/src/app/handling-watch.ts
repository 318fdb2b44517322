/**
 * Reminders of incoming documents' handling deadlines ("theo dõi, đôn đốc"): a routed document not done
 * gets `documents.document.handling_reminder` once when its deadline is within DUE_SOON_HOURS, and once
 * when it has passed. The reminder is recorded on the document itself (a new version) in the transaction
 * that publishes it, so a handling step at the same moment conflicts with it instead of both committing,
 * and two replicas never remind twice.
 */
import { inTransaction, PeriodicJob, type Logger } from "@ministry/platform";
import { DocumentEvents } from "../events/definitions.js";
import type { DocumentRecord } from "../store/document-store.js";
import type { AppContext } from "./context.js";
import { documentSummaryOf } from "../events/summary.js";

const DUE_SOON_HOURS = 24;

export class HandlingWatch {
  private readonly job: PeriodicJob;

  constructor(
    private readonly app: AppContext,
    opts: { intervalMs: number; log: Logger },
  ) {
    this.job = new PeriodicJob("handling reminders", () => this.runOnce(), opts);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Publishes the reminders due now; returns how many. */
  async runOnce(): Promise<number> {
    const now = this.app.clock.now();
    const soon = new Date(now.getTime() + DUE_SOON_HOURS * 3600_000);
    const due = await this.app.documents.collection
      .find(
        { direction: "incoming", status: { $in: ["routed", "in_progress"] }, "incoming.routing.deadline": { $lte: soon } },
        { projection: { _id: 1 } },
      )
      .toArray();
    let sent = 0;
    for (const { _id } of due) if (await this.remind(_id, now)) sent += 1;
    return sent;
  }

  private remind(id: string, now: Date): Promise<boolean> {
    return inTransaction(this.app.deps.client, async (session) => {
      const read = await this.app.documents.get(id, session);
      const routing = read?.incoming?.routing;
      if (!read || !routing || (read.status !== "routed" && read.status !== "in_progress")) return false;
      const kind = routing.deadline.getTime() <= now.getTime() ? "overdue" : "due_soon";
      const key = `${kind}:${routing.deadline.getTime()}`;
      if (read.reminders?.includes(key)) return false;
      const next: DocumentRecord = { ...read, reminders: [...(read.reminders ?? []), key], updatedAt: now };
      await this.app.documents.save(read, next, session);
      await this.app.record(
        session,
        { userId: "system", displayName: "documents", roles: [] },
        "document.handling_reminded",
        { type: "document", id },
        { kind, deadline: routing.deadline },
        [
          DocumentEvents.handlingReminder.of(
            id,
            {
              document: documentSummaryOf(read),
              leadUnit: { id: routing.leadUnit, name: routing.leadUnit },
              coordinatingUnits: routing.coordinatingUnits.map((u) => ({ id: u, name: u })),
              deadline: routing.deadline,
              kind,
            },
            { id: `${id}:${key}` },
          ),
        ],
      );
      return true;
    });
  }
}
