/**
 * The benches' process handling (@ministry/platform/testing): a child's JSON lines are read, every child is
 * stopped (one that ignores SIGTERM is killed), a child that dies before its line fails the wait, and the
 * load worker measures calls and brackets the measured span for the CPU sample.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  jsonLine,
  LoadDriver,
  onJsonLines,
  processCpuMs,
  startBenchChild,
  startBenchScript,
  stopBenchChildren,
} from "../../src/testing/index.js";

const node = process.execPath;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-processes-test-"));
afterAll(async () => {
  await stopBenchChildren();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("bench processes", () => {
  it("reads a child's ready line and stops it; one that ignores SIGTERM is killed", async () => {
    const ready = startBenchChild("ready", node, [
      "-e",
      "console.log(JSON.stringify({ ready: { port: 7 } })); setInterval(() => {}, 1000);",
    ]);
    expect(await jsonLine<{ port: number }>(ready, "ready")).toEqual({ port: 7 });
    const stubborn = startBenchChild("stubborn", node, [
      "-e",
      'process.on("SIGTERM", () => {}); console.log("{\\"ready\\":1}"); setInterval(() => {}, 1000);',
    ]);
    await jsonLine(stubborn, "ready");
    await stubborn.stop(300);
    expect((await stubborn.exited).signal).toBe("SIGKILL");
    await stopBenchChildren();
    expect((await ready.exited).signal).toBe("SIGTERM");
  });

  it("rejects when the child exits before its line", async () => {
    const child = startBenchChild("quits", node, ["-e", "process.exit(3)"]);
    await expect(jsonLine(child, "ready")).rejects.toThrow(/quits exited \(3\)/);
  });

  it("passes every JSON line with the key to a listener", async () => {
    const child = startBenchChild("counts", node, [
      "-e",
      "for (let i = 1; i <= 3; i++) console.log(JSON.stringify({ n: i })); console.log('not json');",
    ]);
    const seen: number[] = [];
    onJsonLines<number>(child, "n", (n) => seen.push(n));
    await child.exited;
    expect(seen).toEqual([1, 2, 3]);
  });

  it("reads a process's CPU time from /proc", () => {
    const cpu = processCpuMs(process.pid);
    expect(cpu).toBeGreaterThan(0);
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });
});

describe("bench load", () => {
  it("runs jobs through a load worker and reports each figure with the watched processes' CPU per call", async () => {
    const worker = path.join(dir, "worker.mts");
    const testing = path.resolve(import.meta.dirname, "../../src/testing/index.ts");
    fs.writeFileSync(
      worker,
      `import { runLoadWorker } from ${JSON.stringify(testing)};
await runLoadWorker<{ seconds: number; inFlight: number; warmupSeconds: number; fail?: boolean }>(async (job) => ({
  call: async () => {
    if (job.fail) throw new Error("refused");
    await new Promise((r) => setTimeout(r, 1));
  },
  close() {},
}));
`,
    );
    const driver = new LoadDriver(() => startBenchScript("load", worker, [], { stdin: true }));
    const timing = { seconds: 0.3, inFlight: 4, warmupSeconds: 0.1 };
    for (let i = 0; i < 2; i++) {
      const r = await driver.run(timing, { self: process.pid });
      expect(r.n).toBeGreaterThan(0);
      expect(r.calls_per_sec).toBeGreaterThan(0);
      expect(r.p50_ms).toBeLessThanOrEqual(r.p99_ms);
      expect(r.to_us).toBeGreaterThan(r.from_us);
      expect(Object.keys(r.cpu_ms_per_call).sort()).toEqual(["client", "self"]);
    }
    // A failing call is no figure: the worker ends and the job fails.
    await expect(driver.run({ ...timing, fail: true })).rejects.toThrow(/exited/);
    await driver.stop();
  });
});
