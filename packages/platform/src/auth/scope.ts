/**
 * The scope of the request being served (a gRPC call, later an HTTP request at the gateway): who is
 * calling, the bearer token to forward downstream, and the deadline downstream calls must not outlive.
 * Kept in its own AsyncLocalStorage rather than the OpenTelemetry context, so identity and deadlines work
 * whether or not telemetry was started.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Unauthenticated } from "../errors.js";
import type { Identity } from "./identity.js";

export interface RequestScope {
  identity?: Identity;
  /** The verified bearer token, forwarded by gRPC clients created with `createClient`. */
  token?: string;
  /** Epoch milliseconds; Infinity when there is none. */
  deadline: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` in `scope`; the scope object may be filled in later (the gRPC server does, as a call is authenticated). */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function requestScope(): RequestScope | undefined {
  return storage.getStore();
}

export function currentIdentity(): Identity | undefined {
  return storage.getStore()?.identity;
}

/** The caller's identity, or Unauthenticated when this code runs outside an authenticated request. */
export function requireIdentity(): Identity {
  const identity = storage.getStore()?.identity;
  if (!identity) throw new Unauthenticated("Chưa đăng nhập / No authenticated caller");
  return identity;
}
