/**
 * Error mapping, applied once to every handler of a service as it is registered. This is the one concern
 * that cannot be a server interceptor: by the time a status reaches an interceptor grpc-js has already
 * flattened the thrown error into UNKNOWN plus its message (the typed error, its violations and reason
 * are gone, and the message would leak), and grpc-js does not catch a rejected promise from an async
 * handler at all. So each handler is wrapped here: whatever it throws, rejects with or passes to its
 * callback goes through `statusFromError`.
 */
import type { MethodDefinition, sendUnaryData, ServiceDefinition, ServiceError, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Logger } from "../logger.js";
import { statusFromError, toServiceError } from "./status.js";

// biome-ignore lint/suspicious/noExplicitAny: grpc-js handlers are untyped at this level
type AnyHandler = (...args: any[]) => unknown;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

export function wrapImplementation(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  log: Logger,
): UntypedServiceImplementation {
  const wrapped: Record<string, AnyHandler> = {};
  for (const [name, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const handler = implementation[name] as unknown as AnyHandler | undefined;
    if (typeof handler !== "function") continue;
    const toError = (err: unknown): ServiceError => {
      const mapped = statusFromError(err);
      if (mapped.unexpected) log.error({ err, method: method.path }, "unexpected error in gRPC handler");
      return toServiceError(mapped);
    };
    wrapped[name] = method.responseStream
      ? wrapStreaming(handler, implementation, toError, log, method.path)
      : wrapWithCallback(handler, implementation, toError);
  }
  return wrapped as unknown as UntypedServiceImplementation;
}

/** Unary and client-streaming: the answer goes to a callback (or, for an async handler, may be its resolved value). */
function wrapWithCallback(handler: AnyHandler, self: unknown, toError: (err: unknown) => ServiceError): AnyHandler {
  return (call: unknown, callback: sendUnaryData<unknown>) => {
    let answered = false;
    const respond: sendUnaryData<unknown> = (err, value, trailer, flags) => {
      if (answered) return;
      answered = true;
      if (err) callback(toError(err), null);
      else callback(null, value, trailer, flags);
    };
    try {
      const result = handler.call(self, call, respond);
      if (isThenable(result)) {
        result.then(
          (value) => {
            if (value !== undefined) respond(null, value);
          },
          (err: unknown) => respond(err instanceof Error ? err : new Error(String(err)), null),
        );
      }
    } catch (err) {
      respond(err instanceof Error ? err : new Error(String(err)), null);
    }
  };
}

/** Server-streaming and bidi: an error ends the stream through its `error` event, which grpc-js turns into the status. */
function wrapStreaming(handler: AnyHandler, self: unknown, toError: (err: unknown) => ServiceError, log: Logger, path: string): AnyHandler {
  return (call: NodeJS.EventEmitter & { writableEnded?: boolean; destroyed?: boolean }) => {
    const emit = call.emit;
    call.emit = function (this: typeof call, event: string | symbol, ...args: unknown[]) {
      if (event === "error") return emit.call(this, event, toError(args[0]));
      return emit.call(this, event, ...args);
    } as typeof call.emit;
    const fail = (err: unknown) => {
      if (call.writableEnded || call.destroyed) {
        log.error({ err, method: path }, "gRPC stream handler failed after its stream ended");
        return;
      }
      call.emit("error", err);
    };
    try {
      const result = handler.call(self, call);
      if (isThenable(result)) result.then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  };
}
