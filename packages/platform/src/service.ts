/**
 * The runtime every service starts through, so its `main.ts` is wiring only:
 * config → logger → telemetry → MongoDB (+ declared indexes) → NATS (own stream) → outbox relay and
 * consumers → gRPC (+ OperationsService) → admin HTTP, and a graceful shutdown that undoes it in reverse.
 */
import type { z } from "zod";
import { OperationsServiceService } from "@ministry/proto/ministry/platform/v1/operations";
import { startAdminServer, type AdminRoute, type AdminServer } from "./admin/index.js";
import { createLocalAuthority, createVerifier, type LocalAuthority, type Verifier } from "./auth/index.js";
import { currentIdentity } from "./auth/scope.js";
import { requireRole } from "./auth/identity.js";
import { systemClock, type Clock } from "./clock.js";
import { baseConfigSchema, ConfigError, loadConfig, withBaseRules, type BaseConfig } from "./config.js";
import { PermissionDenied } from "./errors.js";
import {
  AuditLog,
  createOperations,
  DeadLetterStore,
  EventBus,
  EventConsumer,
  eventsIndexes,
  operationsServiceServer,
  Outbox,
  type EventConsumerOptions,
  type OperationsApi,
} from "./events/index.js";
import { createGrpcServer, type GrpcServer, type GrpcServiceRegistration } from "./grpc/index.js";
import { createLogger, type Logger } from "./logger.js";
import { connectMongo, ensureIndexes, pingMongo, type CollectionIndexes, type MongoConnection } from "./mongo.js";
import { RequestLog, requestsIndexes } from "./requests.js";
import { createShutdown, type Shutdown } from "./shutdown.js";
import { instrumentMongoClient, metricsHandler, startTelemetry, type Telemetry } from "./telemetry.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";

export interface ServiceContext<C extends BaseConfig = BaseConfig> {
  readonly name: string;
  readonly config: C;
  readonly log: Logger;
  readonly clock: Clock;
  readonly mongo: MongoConnection;
  readonly bus: EventBus;
  /** Add events inside a command's transaction; the relay publishes them after commit. */
  readonly outbox: Outbox;
  readonly audit: AuditLog;
  /** Runs a mutation once per request id (idempotent retries) in a transaction. */
  readonly requests: RequestLog;
  readonly verifier: Verifier;
  /** Set in DEV_MODE without AUTH_JWKS_URL (the default run): issues tokens for the seeded people. */
  readonly authority?: LocalAuthority;
  /** A durable consumer of another service's stream, started with the service and drained on stop. */
  consumer(opts: Omit<EventConsumerOptions, "bus" | "client" | "db" | "name" | "clock" | "log" | "audit">): EventConsumer;
}

export interface ServiceSpec<S extends z.ZodObject = z.ZodObject> {
  /** The service's name: its stream (`TASKS`), database (unless MONGODB_DB), durable consumer names, logs. */
  name: string;
  /** Variables of this service, added to the base ones and validated with them. */
  config?: S;
  indexes?: CollectionIndexes[];
  /** Wires the service's own parts; returns its gRPC services, its extra admin paths and anything to stop first. */
  setup(
    ctx: ServiceContext<BaseConfig & z.infer<S>>,
  ): Promise<{ grpc?: GrpcServiceRegistration[]; adminRoutes?: AdminRoute[]; stop?: () => Promise<void> }>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Tests: an in-memory exporter. */
  spanExporter?: SpanExporter;
  /**
   * Telemetry already started in this process (one per process): tests that run several services in one
   * process give each the same one, and stop it themselves after the services.
   */
  telemetry?: Telemetry;
}

export interface RunningService<C extends BaseConfig = BaseConfig> {
  ctx: ServiceContext<C>;
  grpc: GrpcServer;
  admin: AdminServer;
  shutdown: Shutdown;
  stop(reason?: string): Promise<void>;
}

export async function startService<S extends z.ZodObject>(
  spec: ServiceSpec<S>,
  opts: StartOptions = {},
): Promise<RunningService<BaseConfig & z.infer<S>>> {
  const env = { SERVICE_NAME: spec.name, ...(opts.env ?? process.env) };
  const schema = withBaseRules(spec.config ? baseConfigSchema.extend(spec.config.shape) : baseConfigSchema);
  const config = loadConfig(schema, env) as BaseConfig & z.infer<S>;
  const log = createLogger(config.SERVICE_NAME, config.LOG_LEVEL);
  if (config.DEV_MODE) {
    const parts = [!config.MONGODB_URI && "the embedded MongoDB-compatible store", !config.AUTH_JWKS_URL && "a local signing authority"];
    log.warn(
      { devMode: true },
      `DEV_MODE: development defaults${parts.some(Boolean) ? ` (${parts.filter(Boolean).join(", ")})` : ""}; never in production`,
    );
  }
  const clock = opts.clock ?? systemClock;
  const shutdown = createShutdown({ log, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  // Everything started so far is undone if a later step fails, so a failed start leaves nothing behind.
  const undo: { name: string; step: () => Promise<unknown> }[] = [];
  try {
    const shared = opts.telemetry;
    const telemetry: Telemetry =
      shared ??
      startTelemetry({
        serviceName: config.SERVICE_NAME,
        serviceVersion: config.SERVICE_VERSION,
        otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
        spanExporter: opts.spanExporter,
        log,
      });
    if (!shared) undo.push({ name: "telemetry", step: () => telemetry.shutdown() });

    const mongo = await connectMongo({
      uri: config.MONGODB_URI,
      dbName: config.MONGODB_DB ?? config.SERVICE_NAME,
      log,
      allowEmbedded: config.DEV_MODE,
      monitorCommands: telemetry.exportsSpans,
    });
    undo.push({ name: "mongodb", step: () => mongo.close() });
    if (telemetry.exportsSpans) instrumentMongoClient(mongo.client);
    await ensureIndexes(mongo.db, [...eventsIndexes(), ...requestsIndexes(), ...(spec.indexes ?? [])]);

    const bus = await EventBus.connect({ servers: config.NATS_URL, name: config.SERVICE_NAME, log, clock });
    undo.push({ name: "nats", step: () => bus.close() });
    await bus.ensureStream({ service: config.SERVICE_NAME, replicas: config.NATS_STREAM_REPLICAS });

    const outbox = new Outbox({ db: mongo.db, bus, clock, log });
    const audit = new AuditLog(mongo.db, { clock });
    // the configuration rules allow no JWKS only in DEV_MODE
    const authority = config.AUTH_JWKS_URL
      ? undefined
      : await createLocalAuthority({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, keyPath: config.AUTH_LOCAL_KEY_PATH });
    const verifierOptions = {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      maxTokenLifetimeSec: config.AUTH_MAX_TOKEN_LIFETIME_S,
    };
    const verifier = config.AUTH_JWKS_URL
      ? createVerifier({ ...verifierOptions, jwksUrl: config.AUTH_JWKS_URL })
      : createVerifier({ ...verifierOptions, localAuthority: authority });

    const consumers: EventConsumer[] = [];
    const ctx: ServiceContext<BaseConfig & z.infer<S>> = {
      name: config.SERVICE_NAME,
      config,
      log,
      clock,
      mongo,
      bus,
      outbox,
      audit,
      requests: new RequestLog(mongo.client, mongo.db, { clock }),
      verifier,
      authority,
      consumer(o) {
        const c = new EventConsumer({ ...o, bus, client: mongo.client, db: mongo.db, name: config.SERVICE_NAME, clock, log, audit });
        consumers.push(c);
        return c;
      },
    };
    const own = await spec.setup(ctx);

    const operations = operatorsOnly(
      createOperations({ client: mongo.client, deadLetters: new DeadLetterStore(mongo.db), consumers, outbox, audit }),
    );
    const grpc = createGrpcServer({
      log,
      accessLog: { sampleRate: config.ACCESS_LOG_SAMPLE, slowMs: config.SLOW_CALL_MS },
      auth: verifier,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      services: [
        ...(own.grpc ?? []),
        { definition: OperationsServiceService, implementation: operationsServiceServer(operations, { actorOf: actorOfCaller }) },
      ],
    });
    await grpc.start();
    undo.push({ name: "grpc", step: () => grpc.shutdown() });
    outbox.start();
    undo.push({ name: "outbox relay", step: () => outbox.stop() });
    for (const c of consumers) await c.start();
    undo.push({ name: "consumers", step: () => Promise.all(consumers.map((c) => c.stop())) });

    const admin = await startAdminServer({
      port: config.ADMIN_PORT,
      host: config.GRPC_HOST,
      log,
      metrics: metricsHandler(),
      routes: own.adminRoutes,
      version: config.SERVICE_VERSION,
      readiness: async () => {
        const checks: Record<string, boolean | string> = {
          mongodb: (await pingMongo(mongo.db)) || "MongoDB does not answer ping",
          nats: !bus.nc.isClosed() || "NATS connection closed",
          outbox_relay: outbox.relayStatus().running || "outbox relay stopped",
          grpc: grpc.serving || "gRPC server not serving",
        };
        for (const c of consumers) checks[`consumer_${c.name}`] = c.running || "consumer stopped";
        return { ready: Object.values(checks).every((v) => v === true), checks };
      },
    });

    // Shutdown: stop being ready, stop taking calls, drain consumers, let the relay flush, close connections.
    shutdown.register("mark not ready", async () => admin.markNotReady("shutting down"));
    shutdown.register("stop gRPC", () => grpc.shutdown());
    if (own.stop) shutdown.register(`${spec.name} parts`, own.stop);
    shutdown.register("drain consumers", async () => {
      await Promise.all(consumers.map((c) => c.stop()));
    });
    shutdown.register("flush outbox", async () => {
      outbox.nudge();
      await outbox.stop();
    });
    shutdown.register("close NATS", () => bus.close());
    shutdown.register("close MongoDB", () => mongo.close());
    if (!shared) shutdown.register("flush telemetry", () => telemetry.shutdown());
    shutdown.register("stop admin server", () => admin.close());

    log.info(
      { grpc: grpc.address, admin: admin.port, mongodb: mongo.embedded ? "embedded" : "MONGODB_URI", nats: config.NATS_URL },
      `${spec.name} ready`,
    );
    return {
      ctx,
      grpc,
      admin,
      shutdown,
      async stop(reason = "stop") {
        await shutdown.run(reason);
      },
    };
  } catch (err) {
    for (const { name, step } of undo.reverse()) {
      await step().catch((e: unknown) => log.warn({ err: e, step: name }, "cleanup after a failed start failed"));
    }
    throw err;
  }
}

/**
 * `main.ts` of a service: starts it, stops it on SIGINT/SIGTERM, and exits 1 with a message naming
 * the variable when the configuration is bad.
 */
export async function runService<S extends z.ZodObject>(spec: ServiceSpec<S>): Promise<void> {
  try {
    const running = await startService(spec);
    running.shutdown.installSignalHandlers();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${spec.name}: cannot start: ${err.message}\n`);
      for (const p of err.problems) process.stderr.write(`  ${p.variable}: ${p.message}\n`);
    } else {
      process.stderr.write(`${spec.name}: cannot start: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exit(1);
  }
}

/** Dead letters and republishing are for operators: roles `ops` or `admin`. */
function operatorsOnly(api: OperationsApi): OperationsApi {
  const guard =
    <Req, Res>(fn: (req: Req, actor?: Parameters<OperationsApi["listDeadLetters"]>[1]) => Promise<Res>) =>
    (req: Req, actor?: Parameters<OperationsApi["listDeadLetters"]>[1]) => {
      const identity = currentIdentity();
      if (!identity) throw new PermissionDenied("Cần đăng nhập với vai trò vận hành / Operations need an authenticated operator");
      requireRole(identity, "ops", "admin");
      return fn(req, actor);
    };
  return {
    listDeadLetters: guard(api.listDeadLetters),
    replayDeadLetter: guard(api.replayDeadLetter),
    discardDeadLetter: guard(api.discardDeadLetter),
    republishOutbox: guard(api.republishOutbox),
    listParkedEvents: guard(api.listParkedEvents),
    retryParkedEvent: guard(api.retryParkedEvent),
    discardParkedEvent: guard(api.discardParkedEvent),
  };
}

function actorOfCaller(): { userId: string; displayName: string; roles: string[] } | undefined {
  const identity = currentIdentity();
  return identity ? { userId: identity.userId, displayName: identity.name, roles: identity.roles } : undefined;
}
