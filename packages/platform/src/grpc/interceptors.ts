/**
 * The server interceptors every service runs, written once. Order matters (grpc-js puts the first one
 * nearest the transport): observability sees every call first and its status last; the deadline
 * interceptor sits inside it so an expiry is logged, counted and traced like any other status; auth is
 * innermost, so a rejected call is observed too and the handler only ever sees authenticated callers.
 */
import {
  Metadata,
  ServerInterceptingCall,
  status,
  type Deadline,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import type { Identity } from "../auth/identity.js";
import { requestScope, runInRequestScope, type RequestScope } from "../auth/scope.js";
import { InvalidToken, KeysUnavailable, type Verifier } from "../auth/verifier.js";
import { Unauthenticated } from "../errors.js";
import type { Logger } from "../logger.js";
import { DeadlineSweeper } from "./deadline-sweeper.js";
import { codeName, statusFromError } from "./status.js";
import { metadataGetter, RPC_ATTR, rpcInstruments, rpcTracer } from "./telemetry.js";

type PartialStatus = Parameters<ServerInterceptingCallInterface["sendStatus"]>[0];

const INFRASTRUCTURE_PREFIXES = [
  "/grpc.health.v1.Health/",
  "/grpc.reflection.v1.ServerReflection/",
  "/grpc.reflection.v1alpha.ServerReflection/",
];

/** Health checks and reflection: open without a token, and logged at debug. */
export function isInfrastructureMethod(path: string): boolean {
  return INFRASTRUCTURE_PREFIXES.some((p) => path.startsWith(p));
}

/** Codes that mean the server failed rather than the caller (the gRPC server-span convention). */
const SERVER_FAULTS = new Set<number>([
  status.UNKNOWN,
  status.DEADLINE_EXCEEDED,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/** "10.0.0.7:51234" or "[::1]:51234" to network.peer.address and .port. */
function peerAttributes(peer: string): Record<string, string | number> {
  const i = peer.lastIndexOf(":");
  const port = Number(peer.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) return { [RPC_ATTR.peerAddress]: peer };
  return { [RPC_ATTR.peerAddress]: peer.slice(0, i).replace(/^\[|\]$/g, ""), [RPC_ATTR.peerPort]: port };
}

export function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * Tracing, the per-call log line and the call metrics. The call runs in a SERVER span continued from the
 * caller's `traceparent`, and in a request scope that inner interceptors fill in (deadline, identity).
 */
/**
 * Which calls get a log line. A line per call costs the process more than serving a cached read (JSON
 * formatting, redaction, the write), so by default a call that ended OK and in time is only counted
 * and traced; every refused or failed call, and every slow one, is always logged.
 */
export interface AccessLogPolicy {
  /** The share of calls that ended OK in time that are logged (at info): 0 none, 1 every one. */
  sampleRate: number;
  /** A call that takes longer than this (ms) is logged at warn whatever its outcome. */
  slowMs: number;
}

export const DEFAULT_ACCESS_LOG: AccessLogPolicy = { sampleRate: 0, slowMs: 500 };

/** One attribute object per (method, status) for the call metrics, made once instead of per call. */
function metricAttributes(): (method: string, code: string) => Record<string, string> {
  const cache = new Map<string, Record<string, string>>();
  return (method, code) => {
    const key = `${method} ${code}`;
    let attributes = cache.get(key);
    if (!attributes) {
      attributes = { [RPC_ATTR.system]: "grpc", [RPC_ATTR.method]: method, [RPC_ATTR.statusCode]: code };
      cache.set(key, attributes);
    }
    return attributes;
  };
}

function logLevelOf(code: number, quiet: boolean, slow: boolean): "debug" | "info" | "warn" | "error" {
  if (code === status.INTERNAL || code === status.UNKNOWN || code === status.DATA_LOSS) return "error";
  if (SERVER_FAULTS.has(code) || slow) return "warn";
  return quiet ? "debug" : "info";
}

export function observabilityInterceptor(log: Logger, accessLog: AccessLogPolicy = DEFAULT_ACCESS_LOG): ServerInterceptor {
  const attributesOf = metricAttributes();
  return (methodDescriptor, call) => {
    const path = methodDescriptor.path;
    const method = path.slice(1);
    const quiet = isInfrastructureMethod(path);
    const startedAt = performance.now();
    const peer = call.getPeer();
    const scope: RequestScope = { deadline: Infinity };
    let ctx: Context = ROOT_CONTEXT;
    let span: Span | undefined;
    let finished = false;

    const run = (fn: () => void) => runInRequestScope(scope, () => context.with(ctx, fn));

    const finish = (code: number, details: string) => {
      if (finished) return;
      finished = true;
      const seconds = (performance.now() - startedAt) / 1000;
      const name = codeName(code);
      const attributes = attributesOf(method, name);
      const { serverCalls, serverDuration } = rpcInstruments();
      serverCalls.add(1, attributes);
      serverDuration.record(seconds, attributes);
      if (span) {
        span.setAttribute(RPC_ATTR.statusCode, name);
        if (SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: name });
        span.end();
      }
      // A live stream lasts as long as its client stays: long is its nature, not slowness.
      const slow = !methodDescriptor.responseStream && seconds * 1000 > accessLog.slowMs;
      const level = logLevelOf(code, quiet, slow);
      // An OK call in time is logged only when sampled (and health checks only when debug is on): the line
      // is not even built otherwise.
      if (code === status.OK && !slow && (quiet ? !log.isLevelEnabled("debug") : Math.random() >= accessLog.sampleRate)) return;
      const line: Record<string, unknown> = { method, code: name, duration_ms: Math.round(seconds * 1e4) / 10, peer };
      if (code !== status.OK) line.details = details;
      if (slow) line.slow = true;
      if (scope.identity) line.user_id = scope.identity.userId;
      // The status may arrive outside the call's context (a cancel notice); the line still carries its trace.
      context.with(ctx, () => log[level](line, "grpc call"));
    };

    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
            span = rpcTracer().startSpan(
              method,
              { kind: SpanKind.SERVER, attributes: { [RPC_ATTR.system]: "grpc", [RPC_ATTR.method]: method, ...peerAttributes(peer) } },
              parent,
            );
            ctx = trace.setSpan(parent, span);
            run(() => nextMetadata(metadata));
          },
          onReceiveMessage(message, nextMessage) {
            run(() => nextMessage(message));
          },
          onReceiveHalfClose(nextHalfClose) {
            run(nextHalfClose);
          },
          onCancel() {
            // grpc-js notifies a cancel after every call; unfinished here means the status never passed
            // through the interceptors: the client went away, or grpc-js itself ended the call at the
            // client's deadline.
            if (finished) return;
            const expired = Date.now() >= deadlineMs(call.getDeadline()) - 5;
            finish(expired ? status.DEADLINE_EXCEEDED : status.CANCELLED, expired ? "Deadline exceeded" : "Cancelled by the client");
          },
        });
      },
      sendStatus(sent, next) {
        finish(sent.code, sent.details);
        next(sent);
      },
    });
  };
}

/** Reports the deadline in force (the client's, or the server's default) to handlers via `call.getDeadline()`. */
class DeadlineCall extends ServerInterceptingCall {
  constructor(
    nextCall: ServerInterceptingCallInterface,
    responder: ConstructorParameters<typeof ServerInterceptingCall>[1],
    private readonly deadline: number,
  ) {
    super(nextCall, responder);
  }
  override getDeadline(): Deadline {
    return Number.isFinite(this.deadline) ? new Date(this.deadline) : Infinity;
  }
}

/**
 * Every unary and client-streaming call gets a deadline: the client's, or `defaultMs` from now. At the
 * deadline the call ends with DEADLINE_EXCEEDED (the handler sees `call.cancelled` and a `cancelled`
 * event) and whatever the handler sends afterwards is dropped. Server-streaming and bidi calls (live
 * feeds, health watches) are long-lived by design: they keep the client's deadline only.
 */
export function deadlineInterceptor(defaultMs: number): ServerInterceptor {
  const deadlines = new DeadlineSweeper();
  return (methodDescriptor, call) => {
    const clientDeadline = deadlineMs(call.getDeadline());
    const effective = Number.isFinite(clientDeadline) || methodDescriptor.responseStream ? clientDeadline : Date.now() + defaultMs;
    let disarm: (() => void) | undefined;
    let done = false;
    const expire = () => {
      if (done) return;
      done = true;
      call.sendStatus({ code: status.DEADLINE_EXCEEDED, details: "Quá thời gian chờ / Deadline exceeded", metadata: new Metadata() });
    };
    return new DeadlineCall(
      call,
      {
        start(next) {
          next({
            onReceiveMetadata(metadata, nextMetadata) {
              const scope = requestScope();
              if (scope) scope.deadline = effective;
              // Armed here, inside the call's context, so an expiry is logged with the call's trace.
              if (Number.isFinite(effective)) disarm = deadlines.add(effective, expire);
              nextMetadata(metadata);
            },
            onCancel() {
              done = true;
              disarm?.();
            },
          });
        },
        sendStatus(sent: PartialStatus, next) {
          if (done) return;
          done = true;
          disarm?.();
          next(sent);
        },
      },
      effective,
    );
  };
}

const identityByMetadata = new WeakMap<Metadata, Identity>();

/**
 * Verifies the bearer token of every call except health, reflection and `openMethods` (full paths,
 * "/package.Service/Method"). A missing or invalid token ends the call with UNAUTHENTICATED before the
 * handler runs; keys that cannot be fetched end it with UNAVAILABLE (retryable, not the caller's fault).
 * The token is taken out of the metadata the handler sees; the identity is available through
 * `getIdentity(call)` and `currentIdentity()`, and the token is forwarded by `createClient` clients.
 */
export function authInterceptor(verifier: Verifier, log: Logger, openMethods: ReadonlySet<string> = new Set()): ServerInterceptor {
  return (methodDescriptor, call) => {
    if (isInfrastructureMethod(methodDescriptor.path) || openMethods.has(methodDescriptor.path)) return new ServerInterceptingCall(call);
    const reject = (err: unknown) => {
      if (err instanceof KeysUnavailable) {
        log.warn({ err: err.cause, method: methodDescriptor.path }, "cannot verify tokens: signing keys unavailable");
        call.sendStatus({
          code: status.UNAVAILABLE,
          details: "Tạm thời chưa xác thực được, hãy thử lại / Authentication temporarily unavailable",
          metadata: new Metadata(),
        });
        return;
      }
      const mapped = statusFromError(
        err instanceof Unauthenticated ? err : new InvalidToken("Mã truy cập bị từ chối / Token rejected", "TOKEN_INVALID"),
      );
      call.sendStatus(mapped.status);
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const token = bearerToken(metadata);
            metadata.remove("authorization");
            if (!token) {
              reject(new InvalidToken("Thiếu mã truy cập / Missing bearer token", "TOKEN_MISSING"));
              return;
            }
            verifier.verify(token).then((identity) => {
              identityByMetadata.set(metadata, identity);
              const scope = requestScope();
              if (scope) {
                scope.identity = identity;
                scope.token = token;
              }
              nextMetadata(metadata);
            }, reject);
          },
        });
      },
    });
  };
}

function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get("authorization")[0];
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/** The authenticated caller of `call`; Unauthenticated (mapped to UNAUTHENTICATED) on an open method. */
export function getIdentity(call: { metadata: Metadata }): Identity {
  const identity = findIdentity(call);
  if (!identity) throw new Unauthenticated("Chưa đăng nhập / No authenticated caller");
  return identity;
}

export function findIdentity(call: { metadata: Metadata }): Identity | undefined {
  return identityByMetadata.get(call.metadata) ?? requestScope()?.identity;
}
