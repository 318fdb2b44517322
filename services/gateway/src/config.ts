/**
 * The gateway's configuration. It owns no database and no stream, so it does not take the services'
 * base schema (which asks for MongoDB); it shares the platform's rules for the development switches:
 * DEV_MODE is refused under NODE_ENV=production, and the dev sign-in page needs DEV_MODE and the local
 * signing key, so no production configuration can turn it on.
 */
import { baseConfigSchema, devModeRules, env, loadConfig } from "@ministry/platform";
import { z } from "zod";

const list = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const gatewayConfigSchema = z
  .object({
    SERVICE_NAME: z.string().min(1).default("gateway"),
    SERVICE_VERSION: z.string().default("0.1.0"),
    // What every service reads about its environment, logs, telemetry and tokens, as the services read it.
    ...baseConfigSchema.pick({
      NODE_ENV: true,
      DEV_MODE: true,
      LOG_LEVEL: true,
      OTEL_EXPORTER_OTLP_ENDPOINT: true,
      AUTH_JWKS_URL: true,
      AUTH_ISSUER: true,
      AUTH_AUDIENCE: true,
      AUTH_LOCAL_KEY_PATH: true,
      AUTH_MAX_TOKEN_LIFETIME_S: true,
      SHUTDOWN_TIMEOUT_MS: true,
    }).shape,
    HTTP_HOST: z.string().default("127.0.0.1"),
    HTTP_PORT: env.port(0),
    /** /healthz, /readyz and /metrics of the gateway itself. */
    ADMIN_PORT: env.port(0),
    /** The public base URL, the OpenAPI document's server; default "/" (wherever the document was read from). */
    PUBLIC_BASE_URL: z.string().optional(),
    TASKS_GRPC_ADDR: z.string().min(1).default("127.0.0.1:15051"),
    NOTIFICATIONS_GRPC_ADDR: z.string().min(1).default("127.0.0.1:15052"),
    MEETINGS_GRPC_ADDR: z.string().min(1).default("127.0.0.1:15053"),
    DOCUMENTS_GRPC_ADDR: z.string().min(1).default("127.0.0.1:15054"),
    /** The services' admin ports (health, metrics; the meetings' calendar feeds), read by the ops page. */
    TASKS_ADMIN_URL: z.string().url().default("http://127.0.0.1:19091"),
    NOTIFICATIONS_ADMIN_URL: z.string().url().default("http://127.0.0.1:19092"),
    MEETINGS_ADMIN_URL: z.string().url().default("http://127.0.0.1:19093"),
    DOCUMENTS_ADMIN_URL: z.string().url().default("http://127.0.0.1:19094"),
    /** Deadline of a gRPC call made for an HTTP request (exports and uploads get EXPORT_DEADLINE_MS). */
    GRPC_DEADLINE_MS: env.int(10_000, 100),
    EXPORT_DEADLINE_MS: env.int(60_000, 100),
    /** After a JWKS fetch, an unknown key id waits this long before the JWKS is fetched again (key rotation). */
    AUTH_JWKS_COOLDOWN_MS: env.int(30_000, 0),
    /** A fetched JWKS is refreshed after this long. */
    AUTH_JWKS_MAX_AGE_MS: env.int(600_000, 1000),
    /** The dev sign-in page (/dev/sign-in): DEV_MODE with the local signing key only. */
    DEV_SIGN_IN: env.bool(false),
    /** Portal origins allowed by CORS (comma-separated, exact origins); none by default. */
    CORS_ORIGINS: list,
    /** Requests per RATE_LIMIT_WINDOW_MS per signed-in person, and per client address. */
    RATE_LIMIT_PER_USER: env.int(600, 1),
    RATE_LIMIT_PER_IP: env.int(1200, 1),
    RATE_LIMIT_WINDOW_MS: env.int(60_000, 100),
    /** Largest JSON body accepted, and largest upload (attachments, programme imports). */
    BODY_LIMIT_BYTES: env.int(1_048_576, 1024),
    UPLOAD_LIMIT_BYTES: env.int(50 * 1_048_576, 1024),
    /** Behind a reverse proxy: trust X-Forwarded-For from it (the client address of the per-IP limit). */
    TRUST_PROXY: env.bool(false),
    /** How often the ops page's collector reads the services' metrics and health. */
    OPS_SCRAPE_INTERVAL_MS: env.int(5_000, 100),
    /** Open SSE streams at once (each holds one gRPC stream to the notifications service). */
    SSE_MAX_STREAMS: env.int(10_000, 1),
    /** Open SSE streams one person may hold (429 beyond). */
    SSE_MAX_STREAMS_PER_USER: env.int(8, 1),
  })
  .superRefine((c, ctx) => {
    devModeRules(c, ctx);
    if (c.DEV_SIGN_IN && (!c.DEV_MODE || c.NODE_ENV === "production" || c.AUTH_JWKS_URL))
      ctx.addIssue({
        code: "custom",
        path: ["DEV_SIGN_IN"],
        message: "issues tokens for anyone: only with DEV_MODE=true, the local signing key (no AUTH_JWKS_URL) and never in production",
      });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, source);
}
