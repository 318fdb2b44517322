/**
 * gRPC clients for calling other services: every call gets a deadline, carries the trace (`traceparent`)
 * and the caller's bearer token, and idempotent methods are retried on UNAVAILABLE through the channel's
 * service config (grpc-js retries below the interceptors, with back-off, within the call's deadline).
 */
import {
  credentials as grpcCredentials,
  InterceptingCall,
  status,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientOptions,
  type Deadline,
  type Interceptor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { requestScope } from "../auth/scope.js";
import type { Logger } from "../logger.js";
import { deadlineMs } from "./interceptors.js";
import { codeName } from "./status.js";
import { metadataSetter, RPC_ATTR, rpcInstruments, rpcTracer } from "./telemetry.js";

/** What ts-proto generates as `<Name>Client` (outputServices=grpc-js). */
export interface GrpcClientConstructor<T extends Client = Client> {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>): T;
  service: ServiceDefinition;
}

export interface RetryOptions {
  /** Attempts in all, the first included (grpc-js caps this at 5). */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  backoffMultiplier?: number;
}

export interface CreateClientOptions<M extends string = string> {
  log: Logger;
  /** Deadline of unary and client-streaming calls that set none; never later than the deadline of the call being served. */
  defaultDeadlineMs?: number;
  /**
   * The bearer token to send. Unset: the token of the call being served, if any (so a service acting
   * for a user calls others as that user).
   */
  token?: () => string | undefined;
  /** Methods safe to repeat (ts-proto method names, e.g. "listDeadLetters"): retried on UNAVAILABLE. Others never are. */
  idempotent?: readonly M[];
  retry?: RetryOptions;
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
}

export function createClient<K extends GrpcClientConstructor>(
  ctor: K,
  address: string,
  opts: CreateClientOptions<keyof K["service"] & string>,
): InstanceType<K> {
  const serviceConfig = retryServiceConfig(ctor.service, opts.idempotent ?? [], opts.retry ?? {});
  const channelOptions: Partial<ClientOptions> = {
    ...opts.channelOptions,
    // Our config, not one a DNS TXT record might supply.
    "grpc.service_config_disable_resolution": 1,
    interceptors: [clientInterceptor(address, opts)],
  };
  if (serviceConfig) channelOptions["grpc.service_config"] = JSON.stringify(serviceConfig);
  return new ctor(address, opts.credentials ?? grpcCredentials.createInsecure(), channelOptions) as InstanceType<K>;
}

function retryServiceConfig(service: ServiceDefinition, idempotent: readonly string[], retry: RetryOptions): object | undefined {
  const names = idempotent.map((key) => {
    const method = service[key];
    if (!method) throw new Error(`createClient: no method "${key}" in this service`);
    const path = method.path;
    return { service: path.slice(1, path.lastIndexOf("/")), method: path.slice(path.lastIndexOf("/") + 1) };
  });
  if (names.length === 0) return undefined;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
  return {
    methodConfig: [
      {
        name: names,
        retryPolicy: {
          maxAttempts: retry.maxAttempts ?? 4,
          initialBackoff: seconds(retry.initialBackoffMs ?? 100),
          maxBackoff: seconds(retry.maxBackoffMs ?? 2_000),
          backoffMultiplier: retry.backoffMultiplier ?? 2,
          retryableStatusCodes: ["UNAVAILABLE"],
        },
      },
    ],
  };
}

function clientInterceptor(target: string, opts: CreateClientOptions): Interceptor {
  const defaultDeadlineMs = opts.defaultDeadlineMs ?? 10_000;
  return (options, nextCall) => {
    const method = options.method_definition.path.slice(1);
    const scope = requestScope();
    const deadline = chooseDeadline(
      options.deadline,
      options.method_definition.responseStream ? Infinity : defaultDeadlineMs,
      scope?.deadline ?? Infinity,
    );
    const parent = context.active();
    const span = rpcTracer().startSpan(
      method,
      { kind: SpanKind.CLIENT, attributes: { [RPC_ATTR.system]: "grpc", [RPC_ATTR.method]: method, [RPC_ATTR.serverAddress]: target } },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    const startedAt = performance.now();
    const token = opts.token ? opts.token() : scope?.token;

    return new InterceptingCall(nextCall(deadline === undefined ? options : { ...options, deadline }), {
      start(metadata, _listener, next) {
        propagation.inject(spanContext, metadata, metadataSetter);
        if (token && metadata.get("authorization").length === 0) metadata.set("authorization", `Bearer ${token}`);
        next(metadata, {
          onReceiveStatus(received, nextStatus) {
            const seconds = (performance.now() - startedAt) / 1000;
            const name = codeName(received.code);
            span.setAttribute(RPC_ATTR.statusCode, name);
            if (received.code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: name });
            span.end();
            rpcInstruments().clientDuration.record(seconds, {
              [RPC_ATTR.system]: "grpc",
              [RPC_ATTR.method]: method,
              [RPC_ATTR.statusCode]: name,
            });
            context.with(spanContext, () =>
              opts.log.debug({ method, code: name, duration_ms: Math.round(seconds * 1e4) / 10, target }, "grpc client call"),
            );
            nextStatus(received);
          },
        });
      },
    });
  };
}

/** The caller's deadline, else the default; never later than the deadline of the call being served. */
function chooseDeadline(explicit: Deadline | undefined, defaultMs: number, inherited: number): Date | undefined {
  let at = explicit === undefined ? Date.now() + defaultMs : deadlineMs(explicit);
  at = Math.min(at, inherited);
  return Number.isFinite(at) ? new Date(at) : undefined;
}
