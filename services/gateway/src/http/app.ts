/**
 * The HTTP server: fastify with request ids, security headers, CORS for the configured portals, rate
 * limits, bearer authentication, the routes of every service, the OpenAPI document and its docs page
 * (both from installed packages), and errors as problem+json. Wiring only; each part is its own module.
 */
import { randomUUID } from "node:crypto";
import fastifyCors from "@fastify/cors";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { Logger, Verifier } from "@ministry/platform";
import AjvModule, { type Options as AjvOptions } from "ajv";
import addFormatsModule from "ajv-formats";
import helmet from "helmet";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { DescMessage } from "@bufbuild/protobuf";
import type { ServiceClients } from "../contracts/clients.js";
import { messageSchemas, type JsonSchema } from "../contracts/json-schema.js";
import { methodByPath } from "../contracts/registry.js";
import type { RouteGroup } from "../routes/route.js";
import { authenticate } from "./auth.js";
import { isServiceError, registerRpcRoute, type BuiltRoute } from "./bridge.js";
import { HttpMetrics } from "./metrics.js";
import { HttpProblem, problemFromGrpc, problemOf, problemSchema, titleOf, type Problem } from "./problem.js";
import { RateLimiter } from "./rate-limit.js";

export interface AppOptions {
  log: Logger;
  verifier: Verifier;
  clients: ServiceClients;
  groups: RouteGroup[];
  version: string;
  publicBaseUrl: string;
  corsOrigins: string[];
  rateLimit: { perUser: number; perIp: number; windowMs: number };
  bodyLimit: number;
  deadlineMs: number;
  exportDeadlineMs: number;
  trustProxy: boolean;
  /** Extra parts (SSE, dev sign-in, ops page, calendar feeds), registered after the routes. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  /** Shown at the top of the docs page (e.g. where the dev sign-in is). */
  docsNote?: string;
}

export interface GatewayApp {
  app: FastifyInstance;
  routes: BuiltRoute[];
}

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(opts: AppOptions): Promise<GatewayApp> {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.log as unknown as FastifyBaseLogger,
    // Requests are logged by the onResponse hook below (failures always, the rest at debug).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: opts.trustProxy,
    bodyLimit: opts.bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
  });

  // Two validators: query strings and path parameters arrive as text and are coerced to their types
  // (and a single value to a list); JSON bodies must already have the right types.
  const ajvBase: AjvOptions = { allErrors: true, strict: false, removeAdditional: false, useDefaults: false };
  const strict = addFormats(new Ajv({ ...ajvBase }));
  const coercing = addFormats(new Ajv({ ...ajvBase, coerceTypes: "array" }));
  const schemas = messageSchemas(collectMessages(opts.groups));
  for (const s of [...schemas, problemSchema as JsonSchema]) {
    strict.addSchema(s);
    coercing.addSchema(s);
    app.addSchema(s);
  }
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? strict : coercing).compile(schema));
  // Answers are built from the contracts (toJson), so they are serialized as they are.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const metrics = new HttpMetrics();
  const perIp = new RateLimiter(opts.rateLimit.perIp, opts.rateLimit.windowMs);
  const perUser = new RateLimiter(opts.rateLimit.perUser, opts.rateLimit.windowMs);

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
    const left = perIp.take(`ip:${req.ip}`, "địa chỉ / address");
    reply
      .header("ratelimit-limit", String(perIp.limit))
      .header("ratelimit-remaining", String(left.remaining))
      .header("ratelimit-reset", String(left.resetSeconds));
    // Preflights (answered by the CORS plugin) carry no token by design.
    if (req.method === "OPTIONS" || req.routeOptions.config?.public || !req.url.startsWith("/v1/")) return;
    req.caller = await authenticate(req, opts.verifier, req.routeOptions.url === "/v1/me/events");
    const mine = perUser.take(`user:${req.caller.identity.userId}`, "người dùng / user");
    reply
      .header("ratelimit-limit", String(perUser.limit))
      .header("ratelimit-remaining", String(mine.remaining))
      .header("ratelimit-reset", String(mine.resetSeconds));
  });
  app.addHook("onResponse", async (req, reply) => {
    metrics.record(req, reply);
    const status = reply.statusCode;
    // The line is built only when it is written: at info and above a 2xx/4xx answer logs nothing.
    if (status < 500 && !opts.log.isLevelEnabled("debug")) return;
    const line = { reqId: req.id, method: req.method, route: req.routeOptions.url ?? "(none)", status, ms: Math.round(reply.elapsedTime) };
    if (status >= 500) opts.log.error(line, "request failed");
    else opts.log.debug(line, "request");
  });

  // Security headers from helmet, built once: @fastify/helmet calls helmet(options) on every request,
  // parsing the options and rebuilding the CSP header each time (about 5 % of the gateway's CPU per call).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook("onRequest", (req, reply, done) => securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)));
  await app.register(fastifyCors, {
    // Exact origins only; none configured, none allowed.
    origin: opts.corsOrigins.length ? opts.corsOrigins : false,
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["authorization", "content-type", "idempotency-key", "if-match", "last-event-id", "x-request-id"],
    exposedHeaders: ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "content-disposition"],
    maxAge: 600,
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "ministry-ops API",
        version: opts.version,
        description: [
          "Cổng HTTP/JSON của hệ thống điều hành Bộ: họp giao ban trực tuyến, chương trình công tác, văn bản, thông báo. / The HTTP/JSON API of the ministry's operations platform: online briefings, the work programme and its tasks, documents, notifications.",
          "Bodies and answers are the services' messages in proto3's JSON mapping (lowerCamelCase names, enums by name, 64-bit numbers as strings). Errors are RFC 9457 problem+json. Send `Idempotency-Key` to make a retried command safe and `If-Match` with the version you read to refuse a lost update (412).",
          opts.docsNote ?? "",
        ].join("\n\n"),
      },
      servers: [{ url: opts.publicBaseUrl }],
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
      tags: opts.groups.map((g) => ({ name: g.tag, description: g.description })),
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String((json as { $id?: string }).$id ?? `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: "/docs",
    uiConfig: { persistAuthorization: true, docExpansion: "none", deepLinking: true, tryItOutEnabled: true, displayRequestDuration: true },
    staticCSP: false,
    theme: { title: "ministry-ops API — Tài liệu / Docs" },
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof HttpProblem) reply.headers(err.headers);
    const problem = toProblem(err, req, opts.log);
    // A service that is overloaded or away: tell the client when to try again.
    if ((problem.status === 429 || problem.status === 503) && !reply.hasHeader("retry-after"))
      reply.header("retry-after", problem.status === 429 ? "1" : "5");
    return sendProblem(req, reply, problem);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      req,
      reply,
      problemOf(
        404,
        "NO_SUCH_ROUTE",
        `Không có đường dẫn ${req.method} ${req.url.split("?")[0]} / No route ${req.method} ${req.url.split("?")[0]}`,
      ),
    ),
  );

  const bridge = { clients: opts.clients, deadlineMs: opts.deadlineMs, exportDeadlineMs: opts.exportDeadlineMs, bodyLimit: opts.bodyLimit };
  const routes: BuiltRoute[] = [];
  for (const group of opts.groups) for (const spec of group.routes) routes.push(registerRpcRoute(app, spec, group.tag, bridge));

  app.get("/openapi.json", { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  app.get("/", { schema: { hide: true }, config: { public: true } }, async (_req, reply) => reply.redirect("/docs"));
  for (const plugin of opts.plugins ?? []) await plugin(app);
  app.decorate("gatewayMetrics", metrics);
  return { app, routes };
}

function collectMessages(groups: RouteGroup[]): DescMessage[] {
  const out: DescMessage[] = [];
  for (const g of groups)
    for (const r of g.routes) {
      const m = methodByPath(r.rpc);
      out.push(m.input, m.output);
    }
  return out;
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  problem.instance ??= req.url.split("?")[0];
  problem.requestId = req.id;
  return reply
    .code(problem.status)
    .header("content-type", "application/problem+json; charset=utf-8")
    .header("cache-control", "no-store")
    .send(JSON.stringify(problem));
}

function toProblem(err: FastifyError | Error, req: FastifyRequest, log: Logger): Problem {
  if (err instanceof HttpProblem) {
    return problemOf(err.status, err.reason, err.message, err.extra);
  }
  if (isServiceError(err)) {
    const problem = problemFromGrpc(err);
    if (problem.status >= 500) log.warn({ reqId: req.id, grpcStatus: problem.grpcStatus, err: err.details }, "service call failed");
    return problem;
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    return problemOf(400, "VALIDATION_FAILED", "Yêu cầu không hợp lệ / The request does not match its schema", {
      violations: fe.validation.map((v) => ({
        field: fieldOf(fe.validationContext ?? "", v.instancePath, v.params as Record<string, unknown>),
        description: v.message ?? v.keyword,
      })),
    });
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    const reason = (fe.code ?? "BAD_REQUEST").replace(/^FST_ERR_/, "").replace(/^CTP_/, "");
    return problemOf(fe.statusCode, reason, fe.message);
  }
  log.error({ reqId: req.id, err }, "unexpected error");
  return problemOf(500, "INTERNAL", `${titleOf(500)} (${req.id})`);
}

/** An Ajv error's place as a field path in JSON names: `/attachments/0/documentId` → `attachments[0].documentId`. */
function fieldOf(context: string, instancePath: string, params: Record<string, unknown>): string {
  let path = instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
  const extra = params.additionalProperty ?? params.missingProperty;
  if (typeof extra === "string") path = path ? `${path}.${extra}` : extra;
  if (context === "body" || !path) return path || context;
  return path;
}

declare module "fastify" {
  interface FastifyInstance {
    gatewayMetrics: HttpMetrics;
  }
}
