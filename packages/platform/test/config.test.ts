import { describe, expect, it } from "vitest";
import { z } from "zod";
import { baseConfigSchema, ConfigError, env, loadConfig } from "../src/config.js";

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

  it("reads booleans and ports as environment variables spell them", () => {
    const schema = z.object({ A: env.bool(false), B: env.bool(true), P: env.port(8080) });
    expect(loadConfig(schema, { A: "yes", B: "0" })).toEqual({ A: true, B: false, P: 8080 });
  });
});
