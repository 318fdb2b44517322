import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createShutdown } from "../src/shutdown.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

const uninstallers: (() => void)[] = [];
afterEach(() => {
  for (const u of uninstallers.splice(0)) u();
});

describe("createShutdown", () => {
  it("runs the steps in registration order, each awaited before the next", async () => {
    const { log } = capturingLogger();
    const shutdown = createShutdown({ log, timeoutMs: 2_000 });
    const events: string[] = [];
    const step = (name: string, ms: number) => async () => {
      events.push(`${name}:start`);
      await sleep(ms);
      events.push(`${name}:end`);
    };
    shutdown.register("stop accepting gRPC", step("grpc", 30));
    shutdown.register("drain consumers", step("consumers", 10));
    shutdown.register("flush the outbox", () => {
      events.push("outbox:sync");
    });
    shutdown.register("close NATS and MongoDB", step("connections", 5));
    shutdown.register("stop the admin server", step("admin", 0));

    expect(shutdown.started).toBe(false);
    const result = await shutdown.run("test");
    expect(shutdown.started).toBe(true);
    expect(events).toEqual([
      "grpc:start",
      "grpc:end",
      "consumers:start",
      "consumers:end",
      "outbox:sync",
      "connections:start",
      "connections:end",
      "admin:start",
      "admin:end",
    ]);
    expect(result).toEqual({
      reason: "test",
      timedOut: false,
      finished: ["stop accepting gRPC", "drain consumers", "flush the outbox", "close NATS and MongoDB", "stop the admin server"],
      failed: [],
      unfinished: [],
    });
  });

  it("runs only once: a second run returns the same result without running the steps again", async () => {
    const { log } = capturingLogger();
    const shutdown = createShutdown({ log, timeoutMs: 1_000 });
    let runs = 0;
    shutdown.register("count", async () => {
      runs++;
      await sleep(10);
    });
    const [a, b] = await Promise.all([shutdown.run("first"), shutdown.run("second")]);
    expect(a).toBe(b);
    expect(a.reason).toBe("first");
    expect(runs).toBe(1);
    shutdown.register("late", () => {
      runs += 100;
    });
    await shutdown.run("third");
    expect(runs).toBe(1);
  });

  it("goes on after a failing step and reports it", async () => {
    const { log, lines } = capturingLogger();
    const shutdown = createShutdown({ log, timeoutMs: 1_000 });
    const ran: string[] = [];
    shutdown.register("drain consumers", () => {
      ran.push("drain");
      throw new Error("consumer stuck");
    });
    shutdown.register("close connections", () => {
      ran.push("close");
    });
    const result = await shutdown.run("test");
    expect(ran).toEqual(["drain", "close"]);
    expect(result.timedOut).toBe(false);
    expect(result.failed).toEqual([{ name: "drain consumers", error: "consumer stuck" }]);
    expect(result.finished).toEqual(["drain consumers", "close connections"]);
    expect(lines.some((l) => l.step === "drain consumers" && String(l.msg).includes("failed"))).toBe(true);
  });

  it("resolves at the deadline, aborts the running step's signal, skips the rest and logs what did not finish", async () => {
    const { log, lines } = capturingLogger();
    const shutdown = createShutdown({ log, timeoutMs: 150 });
    let sawAbort = false;
    let laterRan = false;
    shutdown.register("stop accepting gRPC", () => {});
    shutdown.register("drain consumers", (signal) => {
      signal.addEventListener("abort", () => {
        sawAbort = true;
      });
      return new Promise<void>(() => {});
    });
    shutdown.register("flush the outbox", () => {
      laterRan = true;
    });
    shutdown.register("stop the admin server", () => {
      laterRan = true;
    });

    const started = Date.now();
    const result = await shutdown.run("SIGTERM");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
    expect(result.timedOut).toBe(true);
    expect(result.finished).toEqual(["stop accepting gRPC"]);
    expect(result.unfinished).toEqual(["drain consumers", "flush the outbox", "stop the admin server"]);
    expect(sawAbort).toBe(true);
    await sleep(20);
    expect(laterRan).toBe(false);
    const report = lines.find((l) => String(l.msg).includes("did not finish"));
    expect(report).toMatchObject({ running: "drain consumers", notStarted: ["flush the outbox", "stop the admin server"] });
  });

  it("on a signal runs the steps and exits 0; a second signal exits 1 at once", async () => {
    const { log } = capturingLogger();
    const shutdown = createShutdown({ log, timeoutMs: 1_000 });
    const exits: number[] = [];
    let release!: () => void;
    shutdown.register("slow", () => new Promise<void>((r) => (release = r)));
    uninstallers.push(shutdown.installSignalHandlers({ signals: ["SIGUSR2"], exit: (code) => exits.push(code) }));

    process.emit("SIGUSR2", "SIGUSR2");
    await sleep(10);
    expect(shutdown.started).toBe(true);
    process.emit("SIGUSR2", "SIGUSR2");
    expect(exits).toEqual([1]);
    release();
    await shutdown.run("ignored");
    await sleep(10);
    expect(exits).toEqual([1, 0]);
  });

  it("exits 1 when the deadline passes or a step fails", async () => {
    for (const step of [() => new Promise<void>(() => {}), () => Promise.reject(new Error("boom"))]) {
      const { log } = capturingLogger();
      const shutdown = createShutdown({ log, timeoutMs: 50 });
      const exits: number[] = [];
      shutdown.register("bad", step);
      uninstallers.push(shutdown.installSignalHandlers({ signals: ["SIGUSR2"], exit: (code) => exits.push(code) }));
      process.emit("SIGUSR2", "SIGUSR2");
      await shutdown.run("ignored");
      await sleep(10);
      expect(exits).toEqual([1]);
      uninstallers.pop()?.();
    }
  });

  it("in a real process: SIGTERM runs the steps in order and exits 0, or 1 after the timeout", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shutdown-child-"));
    const script = path.join(dir, "child.ts");
    const shutdownModule = pathToFileURL(path.join(repoRoot, "packages/platform/src/shutdown.ts")).href;
    const loggerModule = pathToFileURL(path.join(repoRoot, "packages/platform/src/logger.ts")).href;
    fs.writeFileSync(
      script,
      `import { createShutdown } from ${JSON.stringify(shutdownModule)};
import { createLogger } from ${JSON.stringify(loggerModule)};
const hang = process.argv[2] === "hang";
const shutdown = createShutdown({ log: createLogger("child", "silent"), timeoutMs: 300 });
const keepAlive = setInterval(() => {}, 1000);
shutdown.register("stop accepting gRPC", async () => { console.log("step grpc"); });
shutdown.register("drain consumers", () => { console.log("step consumers"); return hang ? new Promise(() => {}) : undefined; });
shutdown.register("close connections", async () => { clearInterval(keepAlive); console.log("step close"); });
shutdown.installSignalHandlers();
console.log("ready");
`,
    );
    const runChild = (mode: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", script, mode], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("ready\n") && !out.includes("signalled")) {
            out += "signalled\n";
            child.kill("SIGTERM");
          }
        });
        child.on("exit", (code) => resolve({ code, out }));
      });
    try {
      const clean = await runChild("clean");
      expect(clean.code).toBe(0);
      expect(clean.out).toBe("ready\nsignalled\nstep grpc\nstep consumers\nstep close\n");
      const hung = await runChild("hang");
      expect(hung.code).toBe(1);
      expect(hung.out).toBe("ready\nsignalled\nstep grpc\nstep consumers\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
