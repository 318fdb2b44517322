/**
 * What every service's use cases work with, whatever the service: the database, the clock, the outbox
 * and audit, and the request log for idempotent retries. A service's AppContext extends it with its
 * stores, rules and configuration.
 */
import type { ClientSession, Db, MongoClient } from "mongodb";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { Identity } from "./auth/index.js";
import type { Clock } from "./clock.js";
import type { AuditLog, AuditTarget, Outbox, OutgoingEvent } from "./events/index.js";
import { RequestLog, type RequestTarget, type ResultCodec } from "./requests.js";

export interface UseCaseDeps {
  client: MongoClient;
  db: Db;
  clock: Clock;
  outbox: Outbox;
  audit: AuditLog;
  requests: RequestLog;
}

export class UseCaseContext<D extends UseCaseDeps = UseCaseDeps> {
  constructor(readonly deps: D) {}

  get db(): Db {
    return this.deps.db;
  }
  get clock(): Clock {
    return this.deps.clock;
  }

  /**
   * Runs a mutation in a transaction; with a request id, once: a retry (same caller, method, target and
   * request) answers the first result, and the id used for anything else is REQUEST_ID_REUSED. Callers
   * check the caller's permission first.
   */
  once<T>(
    method: string,
    identity: Identity,
    request: RequestTarget,
    codec: ResultCodec<T>,
    work: (s: ClientSession) => Promise<T>,
  ): Promise<T> {
    return this.deps.requests.once(RequestLog.keyOf(method, identity.userId, request), codec, work);
  }

  /**
   * As `once`, with `prepare` run before the transaction (and not at all for a retry the log answers);
   * its result is handed to `work`.
   */
  oncePrepared<P, T>(
    method: string,
    identity: Identity,
    request: RequestTarget,
    codec: ResultCodec<T>,
    prepare: () => Promise<P>,
    work: (s: ClientSession, prepared: P) => Promise<T>,
  ): Promise<T> {
    return this.deps.requests.oncePrepared(RequestLog.keyOf(method, identity.userId, request), codec, prepare, work);
  }

  /** A change's audit record and its events, in the change's transaction. */
  async record(
    session: ClientSession,
    actor: Actor,
    action: string,
    target: AuditTarget,
    change: Record<string, unknown>,
    events: OutgoingEvent<unknown>[] = [],
  ): Promise<void> {
    await this.deps.audit.record(session, { actor, action, target, change });
    if (events.length > 0) await this.deps.outbox.add(session, events);
  }
}
