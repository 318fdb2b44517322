/**
 * OpenTelemetry for a service process: traces (W3C trace context propagated globally, OTLP export when
 * an endpoint is configured), metrics (Prometheus text for the admin port's `/metrics`, plus OTLP when
 * configured), and MongoDB spans from the driver's command monitoring. Started once per process, before
 * anything that creates instruments; `shutdown()` flushes and unregisters, so a test file can start again.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  context,
  DiagLogLevel,
  diag,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Meter,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from "mongodb";
import type { Logger } from "./logger.js";
import { prometheusText } from "./prometheus-text.js";

const INSTRUMENTATION_NAME = "ministry.platform";

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP collector base URL (OTEL_EXPORTER_OTLP_ENDPOINT), e.g. "http://otel-collector:4318". */
  otlpEndpoint?: string;
  /** Tests: an in-memory exporter, exported span by span (no batching delay). */
  spanExporter?: SpanExporter;
  /** OTLP metrics push interval. */
  metricExportIntervalMs?: number;
  /** Where the SDK's own warnings go (a collector that cannot be reached, dropped spans); silent without it. */
  log?: Logger;
}

export interface Telemetry {
  tracer: Tracer;
  meter: Meter;
  tracerProvider: NodeTracerProvider;
  meterProvider: MeterProvider;
  /**
   * Whether finished spans go anywhere (an OTLP endpoint or a test exporter). Without, per-command
   * database spans are work nobody reads: the service leaves the driver's command events off.
   */
  exportsSpans: boolean;
  /** Flushes pending spans and metrics, then unregisters the global providers. */
  shutdown(): Promise<void>;
}

let active: { telemetry: Telemetry; prometheus: PrometheusExporter } | undefined;

export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (active) throw new Error("telemetry is already started in this process: call shutdown() on it before starting again");
  if (opts.log) {
    const log = opts.log.child({ component: "opentelemetry" });
    diag.setLogger(
      {
        error: (message, ...args) => log.warn({ args }, message),
        warn: (message, ...args) => log.warn({ args }, message),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      ...(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
    }),
  );
  const endpoint = opts.otlpEndpoint?.replace(/\/+$/, "");

  const spanProcessors: SpanProcessor[] = [];
  if (opts.spanExporter) spanProcessors.push(new SimpleSpanProcessor(opts.spanExporter));
  if (endpoint) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })));
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context (and baggage) propagator.
  tracerProvider.register();

  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const readers: IMetricReader[] = [prometheus];
  if (endpoint) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
        exportIntervalMillis: opts.metricExportIntervalMs ?? 15_000,
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(meterProvider);

  let stopped: Promise<void> | undefined;
  const telemetry: Telemetry = {
    tracer: trace.getTracer(INSTRUMENTATION_NAME),
    meter: metrics.getMeter(INSTRUMENTATION_NAME),
    tracerProvider,
    meterProvider,
    exportsSpans: spanProcessors.length > 0,
    shutdown() {
      stopped ??= (async () => {
        try {
          await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          metrics.disable();
          if (opts.log) diag.disable();
          if (active?.telemetry === telemetry) active = undefined;
        }
      })();
      return stopped;
    },
  };
  active = { telemetry, prometheus };
  return telemetry;
}

/**
 * The `/metrics` handler for the admin port: Prometheus text of the running telemetry's metrics, each
 * name carrying its unit (prometheus-text.ts). Looked up per request, so it may be mounted before
 * `startTelemetry`; until then it answers 503.
 */
export function metricsHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    if (!active) {
      res.statusCode = 503;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("# telemetry not started\n");
      return;
    }
    const { prometheus } = active;
    prometheus.collect().then(
      ({ resourceMetrics, errors }) => {
        if (errors.length > 0) diag.error("metrics collection errors", ...errors);
        res.statusCode = 200;
        res.setHeader("content-type", "text/plain; version=0.0.4; charset=utf-8");
        res.end(prometheusText(resourceMetrics));
      },
      (err: unknown) => {
        res.statusCode = 500;
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end(`# failed to collect metrics: ${String(err)}\n`);
      },
    );
  };
}

const instrumented = new WeakSet<MongoClient>();

/**
 * Spans for every command the driver sends (the client needs `monitorCommands: true`, as `connectMongo`
 * sets): named `<command> <db>.<collection>`, with the db.* conventions, children of the span active
 * when the command was issued. The command and reply bodies are never recorded (they hold personal
 * data), nor failure messages (a duplicate-key message quotes the key). Returns an undo function.
 */
export function instrumentMongoClient(client: MongoClient): () => void {
  if (instrumented.has(client)) return () => {};
  instrumented.add(client);
  const pending = new Map<string, Span>();
  const keyOf = (e: { address: string; connectionId?: string | number; requestId: number }) =>
    `${e.address}|${e.connectionId ?? ""}|${e.requestId}`;

  const onStarted = (e: CommandStartedEvent) => {
    const collection = collectionOf(e);
    const [address, port] = splitAddress(e.address);
    const attributes: Record<string, string | number> = {
      [ATTR_DB_SYSTEM_NAME]: "mongodb",
      [ATTR_DB_NAMESPACE]: e.databaseName,
      [ATTR_DB_OPERATION_NAME]: e.commandName,
      [ATTR_SERVER_ADDRESS]: address,
    };
    if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
    if (collection) attributes[ATTR_DB_COLLECTION_NAME] = collection;
    const name = collection ? `${e.commandName} ${e.databaseName}.${collection}` : `${e.commandName} ${e.databaseName}`;
    pending.set(keyOf(e), trace.getTracer(INSTRUMENTATION_NAME).startSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active()));
  };
  const onSucceeded = (e: CommandSucceededEvent) => {
    const span = take(e);
    if (!span) return;
    const writeErrors = (e.reply as { writeErrors?: { code?: number }[] } | undefined)?.writeErrors;
    if (Array.isArray(writeErrors) && writeErrors.length > 0) {
      span.setAttribute(ATTR_ERROR_TYPE, "write_error");
      if (writeErrors[0]?.code !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, String(writeErrors[0].code));
      span.setStatus({ code: SpanStatusCode.ERROR, message: "write error" });
    }
    span.end();
  };
  const onFailed = (e: CommandFailedEvent) => {
    const span = take(e);
    if (!span) return;
    const failure = e.failure as Error & { code?: unknown; codeName?: unknown };
    const type = typeof failure.codeName === "string" ? failure.codeName : failure.name;
    span.setAttribute(ATTR_ERROR_TYPE, type);
    if (typeof failure.code === "number" || typeof failure.code === "string")
      span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, String(failure.code));
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    span.end();
  };
  const take = (e: { address: string; connectionId?: string | number; requestId: number }) => {
    const key = keyOf(e);
    const span = pending.get(key);
    pending.delete(key);
    return span;
  };
  const onClose = () => {
    for (const span of pending.values()) span.end();
    pending.clear();
  };

  client.on("commandStarted", onStarted);
  client.on("commandSucceeded", onSucceeded);
  client.on("commandFailed", onFailed);
  client.on("close", onClose);
  return () => {
    client.off("commandStarted", onStarted);
    client.off("commandSucceeded", onSucceeded);
    client.off("commandFailed", onFailed);
    client.off("close", onClose);
    onClose();
    instrumented.delete(client);
  };
}

function collectionOf(e: CommandStartedEvent): string | undefined {
  const cmd = e.command as Record<string, unknown> | undefined;
  if (!cmd) return undefined;
  if (e.commandName === "getMore" && typeof cmd.collection === "string") return cmd.collection;
  const value = cmd[e.commandName];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function splitAddress(address: string): [string, number | undefined] {
  const i = address.lastIndexOf(":");
  if (i <= 0) return [address, undefined];
  const port = Number(address.slice(i + 1));
  return Number.isInteger(port) ? [address.slice(0, i).replace(/^\[|\]$/g, ""), port] : [address, undefined];
}
