/**
 * What every use case works with: the database, the clock, the outbox and audit, the request log for
 * idempotent retries, the configuration and a logger.
 */
import { UseCaseContext, type Identity, type Logger, type ResultCodec, type UseCaseDeps } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { NotificationsConfig } from "../config.js";

export interface AppDeps extends UseCaseDeps {
  config: NotificationsConfig;
  log: Logger;
}

/** The platform's use-case context (once, record) with this service's configuration. */
export class AppContext extends UseCaseContext<AppDeps> {
  get config(): NotificationsConfig {
    return this.deps.config;
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
