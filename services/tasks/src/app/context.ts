/**
 * What every use case works with: the stores, the clock, the outbox and audit, the request log for
 * idempotent retries, the access rules and the vocabulary.
 */
import {
  RequestLog,
  type AuditLog,
  type Clock,
  type Identity,
  type Outbox,
  type OutgoingEvent,
  type RequestTarget,
  type ResultCodec,
} from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession, Db, MongoClient } from "mongodb";
import type { TaskVocabulary } from "../domain/task.js";
import { taskFromDocument, taskToDocument, type StoredTask } from "../store/documents.js";
import { ProgrammeStore } from "../store/programme-store.js";
import { TaskStore, taskNotFound } from "../store/task-store.js";
import type { Access } from "./access.js";

export interface AppDeps {
  client: MongoClient;
  db: Db;
  clock: Clock;
  outbox: Outbox;
  audit: AuditLog;
  requests: RequestLog;
  access: Access;
  vocabulary: TaskVocabulary;
  /** "BNV": programmes of tasks born from meetings and directives are "<body>-<year>". */
  issuingBody: string;
}

export class AppContext {
  readonly tasks: TaskStore;
  readonly programmes: ProgrammeStore;

  constructor(readonly deps: AppDeps) {
    this.tasks = new TaskStore(deps.db);
    this.programmes = new ProgrammeStore(deps.db);
  }

  get clock(): Clock {
    return this.deps.clock;
  }
  get access(): Access {
    return this.deps.access;
  }
  get vocabulary(): TaskVocabulary {
    return this.deps.vocabulary;
  }

  /**
   * Runs a mutation in a transaction; with a request id, once: a retry (same caller, method, target and
   * request) answers the first result, and the id used for anything else is REQUEST_ID_REUSED. Callers
   * check the caller's permission first.
   */
  once<T>(method: string, identity: Identity, request: RequestTarget, codec: ResultCodec<T>, work: (s: ClientSession) => Promise<T>) {
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
  ) {
    return this.deps.requests.oncePrepared(RequestLog.keyOf(method, identity.userId, request), codec, prepare, work);
  }

  /**
   * The task, if the caller may see it; a task it may not see is answered exactly as a missing one.
   * Callers check first (assertMay…) that they may read or change tasks at all.
   */
  async visibleTask(identity: Identity, id: string, session?: ClientSession): Promise<StoredTask> {
    const task = await this.tasks.get(id, session);
    if (!task || !this.access.canRead(identity, task)) throw taskNotFound();
    return task;
  }

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

export const storedTaskCodec: ResultCodec<StoredTask> = {
  toDocument: (t) => taskToDocument(t, t),
  fromDocument: (d) => taskFromDocument(d),
};

export function actorOf(identity: Identity, vocabulary: TaskVocabulary): Actor {
  const unit = identity.unitId
    ? { id: identity.unitId, name: vocabulary.units.find((u) => u.id === identity.unitId)?.vi ?? identity.unitId }
    : undefined;
  return { userId: identity.userId, displayName: identity.name || identity.userId, roles: [...identity.roles], unit };
}

/** Work the service does by itself, or on behalf of another service's event. */
export function systemActor(displayName = "system"): Actor {
  return { userId: "system", displayName, roles: [], unit: undefined };
}
