/**
 * Typed configuration from environment variables, validated once at start-up. A bad or missing value
 * stops the process with a message naming the variable, instead of failing later in some corner.
 */
import { z } from "zod";

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join("; ")}`);
  }
}

/** Parses `env` against a zod schema whose keys are the variable names. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? "(environment)"),
      message: issue.code === "invalid_type" && env[String(issue.path[0])] === undefined ? "is required but not set" : issue.message,
    })),
  );
}

/** Ports, URLs and booleans as environment variables spell them. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: () => z.string().url(),
  bool: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0", "yes", "no"])
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

/** What every service reads; a service extends it with its own variables. */
export const baseConfigSchema = z.object({
  SERVICE_NAME: z.string().min(1),
  /** The deployed version (image tag, release), shown by /healthz and as service.version in telemetry. */
  SERVICE_VERSION: z.string().min(1).optional(),
  /** "production" refuses DEV_MODE. */
  NODE_ENV: z.string().optional(),
  /**
   * The default run's development defaults: with it, an unset MONGODB_URI starts the embedded
   * MongoDB-compatible store and an unset AUTH_JWKS_URL a local signing authority. Without it, both are
   * required. Refused when NODE_ENV=production.
   */
  DEV_MODE: env.bool(false),
  LOG_LEVEL: env.logLevel(),
  /**
   * The share (0 to 1) of gRPC calls that ended OK in time that get an access-log line; refused,
   * failed and slow calls are always logged. 0 by default: a line per call costs more than a cached read.
   */
  ACCESS_LOG_SAMPLE: z.coerce.number().min(0).max(1).default(0),
  /** A gRPC call slower than this many milliseconds is logged at warn, whatever its outcome. */
  SLOW_CALL_MS: env.int(500, 1),
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: env.port(0),
  ADMIN_PORT: env.port(0),
  /** A MongoDB replica set. Unset (DEV_MODE only): the embedded MongoDB-compatible server. */
  MONGODB_URI: z.string().startsWith("mongodb").optional(),
  MONGODB_DB: z.string().min(1).optional(),
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** JetStream stream replicas: 1 in the default run, 3 in production. */
  NATS_STREAM_REPLICAS: env.int(1, 1),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url().optional(),
  /** JWKS of the ministry's OIDC provider. Unset (DEV_MODE only): a local signing key. */
  AUTH_JWKS_URL: env.url().optional(),
  AUTH_ISSUER: z.string().default("ministry-ops-dev"),
  AUTH_AUDIENCE: z.string().default("ministry-ops"),
  /** Default run: the local signing key shared by the gateway and the services (generated on first use). */
  AUTH_LOCAL_KEY_PATH: z.string().optional(),
  /** The longest lifetime (exp - iat) of a token accepted, in seconds. Default 12 hours. */
  AUTH_MAX_TOKEN_LIFETIME_S: env.int(12 * 3600, 60),
  SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * The rules between variables: production never starts the embedded store or the development signing
 * authority, and outside DEV_MODE their production counterparts are required. Applied with
 * `withBaseRules` to the base schema and anything extending it.
 */
function baseRules(c: BaseConfig, ctx: z.RefinementCtx): void {
  if (!c.DEV_MODE && !c.MONGODB_URI) {
    ctx.addIssue({
      code: "custom",
      path: ["MONGODB_URI"],
      message: "is required (a MongoDB replica set); only DEV_MODE=true may leave it unset for the embedded store",
    });
  }
  devModeRules(c, ctx);
}

/** The variables the development rules read; the gateway, which has no MongoDB, applies them too. */
export interface DevModeVariables {
  DEV_MODE: boolean;
  NODE_ENV?: string;
  AUTH_JWKS_URL?: string;
  AUTH_LOCAL_KEY_PATH?: string;
}

/**
 * DEV_MODE never in production; outside it, the OIDC provider's JWKS is required and the development
 * signing key refused.
 */
export function devModeRules(c: DevModeVariables, ctx: z.RefinementCtx): void {
  if (c.DEV_MODE && c.NODE_ENV === "production") {
    ctx.addIssue({
      code: "custom",
      path: ["DEV_MODE"],
      message: "must not be true when NODE_ENV=production (it starts the embedded store and the development signing authority)",
    });
  }
  if (!c.DEV_MODE && !c.AUTH_JWKS_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_JWKS_URL"],
      message: "is required (the OIDC provider's JWKS); only DEV_MODE=true may leave it unset for the development signing authority",
    });
  }
  if (!c.DEV_MODE && c.AUTH_LOCAL_KEY_PATH) {
    ctx.addIssue({ code: "custom", path: ["AUTH_LOCAL_KEY_PATH"], message: "is a development setting: set DEV_MODE=true or remove it" });
  }
}

/** A service's schema (the base one, or one extending it) with the base rules between variables. */
export function withBaseRules<S extends z.ZodObject>(schema: S) {
  return schema.superRefine((c, ctx) => baseRules(c as unknown as BaseConfig, ctx));
}
