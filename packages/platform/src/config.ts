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

/** Parses `env` against a zod object schema whose keys are the variable names. */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
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
  LOG_LEVEL: env.logLevel(),
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: env.port(0),
  ADMIN_PORT: env.port(0),
  /** Unset: the embedded MongoDB-compatible server (default run and tests). */
  MONGODB_URI: z.string().startsWith("mongodb").optional(),
  MONGODB_DB: z.string().min(1).optional(),
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** JetStream stream replicas: 1 in the default run, 3 in production. */
  NATS_STREAM_REPLICAS: env.int(1, 1),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url().optional(),
  /** JWKS of the ministry's OIDC provider; unset in the default run, which uses a local key. */
  AUTH_JWKS_URL: env.url().optional(),
  AUTH_ISSUER: z.string().default("ministry-ops-dev"),
  AUTH_AUDIENCE: z.string().default("ministry-ops"),
  /** Default run: the local signing key shared by the gateway and the services (generated on first use). */
  AUTH_LOCAL_KEY_PATH: z.string().optional(),
  SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;
