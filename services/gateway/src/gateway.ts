/**
 * The gateway process's parts, started in order and stopped in reverse: telemetry, the token verifier
 * (the OIDC provider's JWKS, or the default run's local signing key), gRPC clients to the four services,
 * the HTTP server, and the admin server (/healthz, /readyz, /metrics). `main.ts` runs it; tests start it
 * in-process beside the services.
 */

import {
  createLocalAuthority,
  createLogger,
  createVerifier,
  metricsHandler,
  startAdminServer,
  startTelemetry,
  type AdminServer,
  type LocalAuthority,
  type Logger,
  type Telemetry,
} from "@ministry/platform";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { FastifyInstance } from "fastify";
import { loadGatewayConfig, type GatewayConfig } from "./config.js";
import { ServiceClients } from "./contracts/clients.js";
import { buildApp } from "./http/app.js";
import type { BuiltRoute } from "./http/bridge.js";
import { calendarPlugin } from "./calendar.js";
import { devSignInPlugin } from "./dev-sign-in.js";
import { eventsPlugin } from "./events-stream.js";
import { mePlugin } from "./me.js";
import { opsPlugin } from "./ops/index.js";
import { documentFilesPlugin } from "./routes/documents-files.js";
import { allGroups } from "./routes/index.js";

export interface RunningGateway {
  config: GatewayConfig;
  app: FastifyInstance;
  routes: BuiltRoute[];
  /** http://host:port of the HTTP server. */
  url: string;
  admin: AdminServer;
  authority?: LocalAuthority;
  log: Logger;
  stop(): Promise<void>;
}

export interface GatewayStartOptions {
  env?: Record<string, string | undefined>;
  /** Telemetry already started in this process (tests running services beside the gateway). */
  telemetry?: Telemetry;
}

/** Which service's address a contract service is reached at. */
function addressOf(config: GatewayConfig): (service: DescService) => string {
  return (service) => {
    const pkg = service.typeName.split(".")[1];
    switch (pkg) {
      case "tasks":
        return config.TASKS_GRPC_ADDR;
      case "notifications":
        return config.NOTIFICATIONS_GRPC_ADDR;
      case "meetings":
        return config.MEETINGS_GRPC_ADDR;
      case "documents":
        return config.DOCUMENTS_GRPC_ADDR;
      default:
        throw new Error(`no address for ${service.typeName}`);
    }
  };
}

export async function startGateway(opts: GatewayStartOptions = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig({ SERVICE_NAME: "gateway", ...(opts.env ?? process.env) });
  const log = createLogger(config.SERVICE_NAME, config.LOG_LEVEL);
  const telemetry =
    opts.telemetry ??
    startTelemetry({
      serviceName: config.SERVICE_NAME,
      serviceVersion: config.SERVICE_VERSION,
      otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      log,
    });
  const undo: (() => Promise<unknown>)[] = [];
  if (!opts.telemetry) undo.push(() => telemetry.shutdown());
  try {
    const authority = config.AUTH_JWKS_URL
      ? undefined
      : await createLocalAuthority({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, keyPath: config.AUTH_LOCAL_KEY_PATH });
    if (authority) log.warn({ devMode: true }, "DEV_MODE: tokens are verified against the local signing key; never in production");
    const verifier = createVerifier({
      ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : { localAuthority: authority! }),
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      maxTokenLifetimeSec: config.AUTH_MAX_TOKEN_LIFETIME_S,
      jwksCooldownMs: config.AUTH_JWKS_COOLDOWN_MS,
      jwksMaxAgeMs: config.AUTH_JWKS_MAX_AGE_MS,
    });
    const clients = new ServiceClients(addressOf(config), log, (m: DescMethod) => readOnly.has(`${m.parent.typeName}/${m.name}`));
    undo.push(async () => clients.close());
    const readOnly = new Set(allGroups.flatMap((g) => g.routes.filter((r) => r.method === "GET").map((r) => r.rpc)));
    // Unset: "/", the server the document was read from (the docs page then calls whichever host served it).
    const publicBaseUrl = config.PUBLIC_BASE_URL ?? "/";
    const { app, routes } = await buildApp({
      log,
      verifier,
      clients,
      groups: allGroups,
      version: config.SERVICE_VERSION,
      publicBaseUrl,
      corsOrigins: config.CORS_ORIGINS,
      rateLimit: { perUser: config.RATE_LIMIT_PER_USER, perIp: config.RATE_LIMIT_PER_IP, windowMs: config.RATE_LIMIT_WINDOW_MS },
      bodyLimit: config.BODY_LIMIT_BYTES,
      deadlineMs: config.GRPC_DEADLINE_MS,
      exportDeadlineMs: config.EXPORT_DEADLINE_MS,
      trustProxy: config.TRUST_PROXY,
      docsNote: config.DEV_SIGN_IN
        ? "**Default run:** sign in as a seeded person at [/dev/sign-in](/dev/sign-in); the token is then filled in here (Authorize)."
        : undefined,
      plugins: [
        mePlugin,
        (a) => eventsPlugin(a, { clients, maxStreams: config.SSE_MAX_STREAMS, maxStreamsPerUser: config.SSE_MAX_STREAMS_PER_USER, log }),
        (a) => calendarPlugin(a, { meetingsAdminUrl: config.MEETINGS_ADMIN_URL }),
        (a) => documentFilesPlugin(a, { clients, uploadLimitBytes: config.UPLOAD_LIMIT_BYTES, deadlineMs: config.EXPORT_DEADLINE_MS }),
        (a) => opsPlugin(a, { config, log, clients }),
        ...(config.DEV_SIGN_IN && authority
          ? [(a: FastifyInstance) => devSignInPlugin(a, { authority, log, directoryAddress: config.NOTIFICATIONS_GRPC_ADDR })]
          : []),
      ],
    });
    undo.push(() => app.close());
    await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.HTTP_PORT;
    const url = `http://${config.HTTP_HOST}:${port}`;
    const admin = await startAdminServer({
      port: config.ADMIN_PORT,
      host: config.HTTP_HOST,
      log,
      metrics: metricsHandler(),
      version: config.SERVICE_VERSION,
      readiness: async () => ({ ready: true, checks: { http: app.server.listening } }),
    });
    undo.push(() => admin.close());
    log.info(
      { url, docs: `${url}/docs`, ops: `${url}/ops`, ...(config.DEV_SIGN_IN ? { signIn: `${url}/dev/sign-in` } : {}) },
      "gateway listening",
    );
    let stopped = false;
    return {
      config,
      app,
      routes,
      url,
      admin,
      authority,
      log,
      async stop() {
        if (stopped) return;
        stopped = true;
        admin.markNotReady("shutting down");
        for (const step of undo.reverse()) await step().catch((err) => log.warn({ err }, "stop step failed"));
      },
    };
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw err;
  }
}
