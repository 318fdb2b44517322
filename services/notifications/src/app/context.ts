/**
 * What every use case works with: the database, the clock, the outbox and audit, the request log for
 * idempotent retries, the configuration and a logger.
 */
import {
  RequestLog,
  type AuditLog,
  type Clock,
  type Identity,
  type Logger,
  type Outbox,
  type OutgoingEvent,
  type RequestTarget,
  type ResultCodec,
} from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession, Db, MongoClient } from "mongodb";
import type { NotificationsConfig } from "../config.js";

export interface AppDeps {
  client: MongoClient;
  db: Db;
  clock: Clock;
  outbox: Outbox;
  audit: AuditLog;
  requests: RequestLog;
  config: NotificationsConfig;
  log: Logger;
}

export class AppContext {
  constructor(readonly deps: AppDeps) {}

  get db(): Db {
    return this.deps.db;
  }
  get clock(): Clock {
    return this.deps.clock;
  }
  get config(): NotificationsConfig {
    return this.deps.config;
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

  /** An audit record of a change, with its events, in the change's transaction. */
  async record(
    session: ClientSession,
    actor: Actor,
    action: string,
    target: { type: string; id: string },
    change: Record<string, unknown>,
    events: OutgoingEvent<unknown>[] = [],
  ): Promise<void> {
    await this.deps.audit.record(session, { actor, action, target, change });
    if (events.length > 0) await this.deps.outbox.add(session, events);
  }
}

export function actorOf(identity: Identity): Actor {
  return {
    userId: identity.userId,
    displayName: identity.name || identity.userId,
    roles: [...identity.roles],
    unit: identity.unitId ? { id: identity.unitId, name: identity.unitId } : undefined,
  };
}

/** A result stored as it is (plain JSON-able documents). */
export function plainCodec<T>(): ResultCodec<T> {
  return { toDocument: (v) => ({ value: v }), fromDocument: (d) => (d as { value: T }).value };
}
