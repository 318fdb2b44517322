import { describe, expect, it } from "vitest";
import { z } from "zod";
import { baseConfigSchema, ConfigError, env, loadConfig, withBaseRules } from "../src/config.js";

describe("config", () => {
  it("parses and defaults the base variables", () => {
    const cfg = loadConfig(baseConfigSchema, { SERVICE_NAME: "tasks", GRPC_PORT: "50051", NATS_STREAM_REPLICAS: "3" });
    expect(cfg).toMatchObject({ SERVICE_NAME: "tasks", GRPC_PORT: 50051, ADMIN_PORT: 0, NATS_STREAM_REPLICAS: 3, LOG_LEVEL: "info" });
    expect(cfg.MONGODB_URI).toBeUndefined();
  });

  it("names every missing or bad variable", () => {
    const schema = baseConfigSchema.extend({ TASKS_DUE_SOON_DAYS: z.string().min(1), TASKS_ENABLED: env.bool(true) });
    let caught: unknown;
    try {
      loadConfig(schema, { GRPC_PORT: "70000", MONGODB_URI: "postgres://x", TASKS_ENABLED: "maybe" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    const variables = problems.map((p) => p.variable).sort();
    expect(variables).toEqual(["GRPC_PORT", "MONGODB_URI", "SERVICE_NAME", "TASKS_DUE_SOON_DAYS", "TASKS_ENABLED"]);
    expect(problems.find((p) => p.variable === "SERVICE_NAME")?.message).toBe("is required but not set");
    expect((caught as Error).message).toContain("GRPC_PORT");
  });

  it("allows the embedded store and the development authority only in DEV_MODE, never in production", () => {
    const schema = withBaseRules(baseConfigSchema);
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(schema, { SERVICE_NAME: "tasks", ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
      }
    };
    const production = { MONGODB_URI: "mongodb://db:27017/?replicaSet=rs0", AUTH_JWKS_URL: "https://sso.example/jwks" };
    // Nothing set: the development defaults need the switch, and say so.
    expect(problems({})).toEqual([
      expect.stringMatching(/^MONGODB_URI: is required.*DEV_MODE/),
      expect.stringMatching(/^AUTH_JWKS_URL: is required.*DEV_MODE/),
    ]);
    expect(problems({ DEV_MODE: "true" })).toEqual([]);
    expect(problems(production)).toEqual([]);
    // Production refuses the switch, whatever else is set.
    expect(problems({ DEV_MODE: "true", NODE_ENV: "production" })).toEqual([
      expect.stringMatching(/^DEV_MODE: must not be true when NODE_ENV=production/),
    ]);
    expect(problems({ ...production, DEV_MODE: "true", NODE_ENV: "production" })).toHaveLength(1);
    expect(problems({ ...production, NODE_ENV: "production" })).toEqual([]);
    // A development signing key outside DEV_MODE would be a second, unaudited authority.
    expect(problems({ ...production, AUTH_LOCAL_KEY_PATH: "/tmp/key.pem" })).toEqual([expect.stringMatching(/^AUTH_LOCAL_KEY_PATH:/)]);
  });

  it("reads booleans and ports as environment variables spell them", () => {
    const schema = z.object({ A: env.bool(false), B: env.bool(true), P: env.port(8080) });
    expect(loadConfig(schema, { A: "yes", B: "0" })).toEqual({ A: true, B: false, P: 8080 });
  });
});
