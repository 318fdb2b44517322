/**
 * What every use case works with: the stores, the clock, the outbox and audit, the request log for
 * idempotent retries, the access rules and the vocabulary.
 */
import { UseCaseContext, type Identity, type ResultCodec, type UseCaseDeps } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import type { TaskVocabulary } from "../domain/task.js";
import { taskFromDocument, taskToDocument, type StoredTask } from "../store/documents.js";
import { ProgrammeStore } from "../store/programme-store.js";
import { TaskStore, taskNotFound } from "../store/task-store.js";
import type { Access } from "./access.js";

export interface AppDeps extends UseCaseDeps {
  access: Access;
  vocabulary: TaskVocabulary;
  /** "BNV": programmes of tasks born from meetings and directives are "<body>-<year>". */
  issuingBody: string;
}

/** The platform's use-case context (once, oncePrepared, record) with the tasks service's stores and rules. */
export class AppContext extends UseCaseContext<AppDeps> {
  readonly tasks: TaskStore;
  readonly programmes: ProgrammeStore;

  constructor(deps: AppDeps) {
    super(deps);
    this.tasks = new TaskStore(deps.db);
    this.programmes = new ProgrammeStore(deps.db);
  }

  get access(): Access {
    return this.deps.access;
  }
  get vocabulary(): TaskVocabulary {
    return this.deps.vocabulary;
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
