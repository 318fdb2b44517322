/**
 * Production configuration: the development store and signing authority can neither be needed nor
 * switched on. A service process runs with `@ministry/embedded-mongo` unresolvable (as a production image
 * without it), with NODE_ENV=production, against a real MongoDB-wire server and NATS.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedMongo, type EmbeddedMongo } from "@ministry/embedded-mongo";
import { startNatsServer, type NatsServerHandle } from "../src/testing/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

let nats: NatsServerHandle;
let mongo: EmbeddedMongo;

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNatsServer(), startEmbeddedMongo({ port: 0, logLevel: "warn" })]);
});
afterAll(async () => {
  await mongo?.stop();
  await nats?.dispose();
});

/** Runs the service process to its end; async, because the MongoDB-wire server it talks to lives in this process. */
function runService(env: Record<string, string>, opts: { withoutDevStore?: boolean } = {}) {
  const args = [
    ...(opts.withoutDevStore === false ? [] : ["--import", path.join(here, "fixtures", "without-dev-store.mjs")]),
    "--import",
    "tsx",
    path.join(here, "fixtures", "production-service.ts"),
  ];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, NATS_URL: nats.url, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 45_000,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (status) => resolve({ status, stdout, stderr })),
  );
}

describe("production configuration", () => {
  it("starts without the development store installed when MONGODB_URI and AUTH_JWKS_URL are set", async () => {
    const out = await runService({
      NODE_ENV: "production",
      MONGODB_URI: mongo.uri,
      // read only when a token arrives: the process starts without reaching it
      AUTH_JWKS_URL: "https://sso.example.invalid/.well-known/jwks.json",
    });
    expect(out.stdout + out.stderr).toContain("started mongodb=MONGODB_URI authority=none");
    expect(out.status).toBe(0);
  });

  it("the development store cannot be reached in that image: proof the test's hook works", async () => {
    const out = await runService({ DEV_MODE: "true" });
    expect(out.stdout).toMatch(/failed: Cannot find package '@ministry\/embedded-mongo'/);
    expect(out.status).toBe(1);
  });

  it("refuses DEV_MODE under NODE_ENV=production, and the development defaults without DEV_MODE, naming the variables", async () => {
    const dev = await runService({
      NODE_ENV: "production",
      DEV_MODE: "true",
      MONGODB_URI: mongo.uri,
      AUTH_JWKS_URL: "https://sso.example.invalid/jwks",
    });
    expect(dev.status).toBe(1);
    expect(dev.stdout).toMatch(/DEV_MODE: must not be true when NODE_ENV=production/);
    const bare = await runService({ NODE_ENV: "production" });
    expect(bare.status).toBe(1);
    expect(bare.stdout).toMatch(/MONGODB_URI: is required/);
    expect(bare.stdout).toMatch(/AUTH_JWKS_URL: is required/);
  });

  it("in DEV_MODE, with the store installed, starts the embedded store and the local authority, and says so", async () => {
    const out = await runService({ DEV_MODE: "true", LOG_LEVEL: "warn" }, { withoutDevStore: false });
    expect(out.stdout).toContain("started mongodb=embedded authority=local");
    expect(out.stdout).toMatch(
      /DEV_MODE: development defaults \(the embedded MongoDB-compatible store, a local signing authority\); never in production/,
    );
    expect(out.status).toBe(0);
  });
});
