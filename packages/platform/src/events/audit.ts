/**
 * Audit records: every state change writes one (who, what, on which target, a summary of the change and
 * the trace id) in the same transaction as the change, so there is never a change without its record.
 */
import { trace } from "@opentelemetry/api";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession, Collection, Db, ObjectId } from "mongodb";
import { systemClock, type Clock } from "../clock.js";

export const AUDIT_COLLECTION = "audit";

export interface AuditTarget {
  /** What kind of thing, e.g. `task`, `document`, `deadletter`. */
  type: string;
  id: string;
}

export interface AuditEntry {
  actor: Actor;
  /** Dotted verb, e.g. `task.assigned`, `deadletter.discarded`. */
  action: string;
  target: AuditTarget;
  /** A summary of the change (changed fields, a reason...), never secrets. */
  change?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  _id?: ObjectId;
  at: Date;
  traceId?: string;
}

/** The actor of work the system does by itself (relays, schedulers, consumers). */
export const SYSTEM_ACTOR: Actor = { userId: "system", displayName: "system", roles: [], unit: undefined };

export class AuditLog {
  readonly collection: Collection<AuditRecord>;
  private readonly clock: Clock;

  constructor(db: Db, opts: { clock?: Clock } = {}) {
    this.collection = db.collection<AuditRecord>(AUDIT_COLLECTION);
    this.clock = opts.clock ?? systemClock;
  }

  /** Writes the record inside the caller's transaction; it commits or vanishes with the change. */
  async record(session: ClientSession, entry: AuditEntry): Promise<void> {
    await this.collection.insertOne(this.toRecord(entry), { session });
  }

  /**
   * Writes many records (one per task of an import, say) in one round trip inside the caller's
   * transaction, in order, all with the same time and trace.
   */
  async recordMany(session: ClientSession, entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = this.clock.now();
    await this.collection.insertMany(
      entries.map((e) => this.toRecord(e, at)),
      { session, ordered: true },
    );
  }

  private toRecord(entry: AuditEntry, at = this.clock.now()): AuditRecord {
    const span = trace.getActiveSpan()?.spanContext();
    const record: AuditRecord = {
      at,
      actor: { userId: entry.actor.userId, displayName: entry.actor.displayName, roles: [...entry.actor.roles], unit: entry.actor.unit },
      action: entry.action,
      target: { type: entry.target.type, id: entry.target.id },
      change: entry.change ?? {},
    };
    if (span && trace.isSpanContextValid(span)) record.traceId = span.traceId;
    if (record.actor.unit === undefined) delete record.actor.unit;
    return record;
  }

  /** Latest records about one target, newest first. */
  async forTarget(target: AuditTarget, limit = 50): Promise<AuditRecord[]> {
    return this.collection.find({ "target.type": target.type, "target.id": target.id }).sort({ at: -1, _id: -1 }).limit(limit).toArray();
  }
}
