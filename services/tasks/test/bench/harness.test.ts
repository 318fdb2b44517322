/**
 * The bench harness's parts (bench/): the load client reports a figure against the real baseline server
 * and the real embedded store, and the profile reader finds a real profile's hot function and keeps to a
 * window. (Starting and stopping the processes is the platform's, tested with it.) No figure is asserted: only that the parts
 * work, since timings on a shared machine mean nothing in a test.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type EmbeddedMongo, startEmbeddedMongo } from "@ministry/embedded-mongo";
import { type BenchStartOptions, jsonLine, startBenchScript, stopBenchChildren } from "@ministry/platform/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CpuProfile, topSelfTime } from "../../bench/cpuprofile-top.js";
import type { LoadJob, LoadResult } from "../../bench/load.js";

const node = process.execPath;
const benchDir = fileURLToPath(new URL("../../bench/", import.meta.url));
/** A script of bench/ in its own process, as bench/run.ts starts them. */
const startScript = (name: string, script: string, args: string[], opts?: BenchStartOptions) =>
  startBenchScript(name, path.join(benchDir, script), args, opts);

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const child = startScript("load", "load.ts", [JSON.stringify(job)]);
  const result = await jsonLine<LoadResult>(child, "result");
  expect((await child.exited).code).toBe(0);
  return result;
}

function expectFigure(r: LoadResult): void {
  expect(r.n).toBeGreaterThan(0);
  expect(r.calls_per_sec).toBeGreaterThan(0);
  expect(r.p50_ms).toBeLessThanOrEqual(r.p99_ms);
  expect(r.to_us).toBeGreaterThan(r.from_us);
}

describe("bench load client", () => {
  let mongo: EmbeddedMongo;
  let dir: string;
  const timing = { seconds: 0.2, inFlight: 4, warmupSeconds: 0.1 };

  beforeAll(async () => {
    mongo = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-test-"));
  });
  afterAll(async () => {
    await stopBenchChildren();
    await mongo.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("measures TaskService calls against the bare baseline server (CreateTask, GetTask, a full ListTasks page)", async () => {
    const bare = startScript("baseline bare", "baselines.ts", ["bare"]);
    const { port } = await jsonLine<{ port: number }>(bare, "ready");
    const address = `127.0.0.1:${port}`;
    const idsFile = path.join(dir, "ids.txt");
    fs.writeFileSync(idsFile, "a\nb\n");
    expectFigure(await runLoad({ kind: "grpc", ...timing, address, method: "createTask" }));
    expectFigure(await runLoad({ kind: "grpc", ...timing, address, method: "getTask", idsFile }));
    expectFigure(
      await runLoad({ kind: "grpc", ...timing, address, method: "listTasks", list: { programmeId: "bnv-2020", page: { pageSize: 50 } } }),
    );
    await bare.stop();
  });

  it("measures the store's ceiling through the driver (ping, a 3-write transaction)", async () => {
    expectFigure(await runLoad({ kind: "driver", ...timing, uri: mongo.uri, db: "bench_test", op: "ping" }));
    expectFigure(await runLoad({ kind: "driver", ...timing, uri: mongo.uri, db: "bench_test", op: "transaction" }));
  });

  it("runs one job a line from stdin, a result for each, as the bench drives it", async () => {
    const child = startScript("load", "load.ts", [], { stdin: true });
    for (const op of ["ping", "insertOne"] as const) {
      const result = jsonLine<LoadResult>(child, "result");
      child.proc.stdin?.write(`${JSON.stringify({ kind: "driver", ...timing, uri: mongo.uri, db: "bench_test", op })}\n`);
      expectFigure(await result);
    }
    child.proc.stdin?.end();
    expect((await child.exited).code).toBe(0);
  });

  it("fails, rather than report a figure, when the calls fail", async () => {
    // ListTasks asking for a page of 10 gets the bare server's 50: not the page the figure claims.
    const bare = startScript("baseline bare", "baselines.ts", ["bare"]);
    const { port } = await jsonLine<{ port: number }>(bare, "ready");
    const child = startScript("load", "load.ts", [
      JSON.stringify({ kind: "grpc", ...timing, address: `127.0.0.1:${port}`, method: "listTasks", list: { page: { pageSize: 10 } } }),
    ]);
    await expect(jsonLine(child, "result")).rejects.toThrow(/exited/);
    expect((await child.exited).code).not.toBe(0);
    await bare.stop();
  });
});

describe("cpuprofile-top", () => {
  it("names a real profile's hot function, and counts only the samples inside a window", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cpuprof-test-"));
    try {
      execFileSync(node, [
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        "-e",
        "function spinHere() { let x = 0; const end = Date.now() + 300; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } spinHere();",
      ]);
      const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      const profile = JSON.parse(fs.readFileSync(path.join(dir, file!), "utf8")) as CpuProfile;
      const top = topSelfTime(profile);
      expect(top.slice(0, 3).map((e) => e.functionName)).toContain("spinHere");
      const spin = top.find((e) => e.functionName === "spinHere")!;
      expect(spin.location).toMatch(/:1$/);
      expect(spin.busyShare).toBeGreaterThan(0);
      expect(spin.busyShare).toBeLessThanOrEqual(1);
      // A window before the profile began holds no samples.
      expect(topSelfTime(profile, { from_us: profile.startTime - 2_000_000, to_us: profile.startTime - 1_000_000 })).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
