/**
 * A benchmark's child processes: each server, store and load client runs in a process of its own (as in
 * production, where they never share an event loop). Every child started here is registered, so a
 * failure, Ctrl-C or SIGTERM stops all of them before the bench exits: none is left listening on the
 * machine. Children announce readiness and results as JSON lines on stdout (`jsonLine`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findNatsServerBinary, freePort } from "./nats-server.js";

const running = new Set<BenchChild>();
/**
 * TypeScript children (baseline servers, load clients) run through tsx, as the benches themselves do;
 * found from here (the repository's), so a script anywhere runs.
 */
function tsxLoader(): string {
  try {
    return import.meta.resolve("tsx");
  } catch {
    return "tsx";
  }
}

export interface BenchChild {
  name: string;
  proc: ChildProcess;
  /** Its stop signal (SIGTERM unless given), SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
  /** Its exit, whenever it comes: code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface BenchStartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where its stdout and stderr go (a log file), instead of being parsed for the ready line. */
  logFile?: string;
  stopSignal?: NodeJS.Signals;
  /** Whether it reads from our pipe (`child.proc.stdin`); otherwise stdin is closed. */
  stdin?: boolean;
  /** Whether its stderr is shown (prefixed with its name); default yes. */
  echoStderr?: boolean;
}

/** Starts `command args`; it is stopped with the others by `stopBenchChildren` (and on Ctrl-C). */
export function startBenchChild(name: string, command: string, args: string[], opts: BenchStartOptions = {}): BenchChild {
  const stdio: ("pipe" | "ignore" | number)[] = [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"];
  if (opts.logFile) {
    const fd = fs.openSync(opts.logFile, "a");
    stdio[1] = fd;
    stdio[2] = fd;
  }
  const proc = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio });
  if (typeof stdio[1] === "number") fs.closeSync(stdio[1]);
  // A child's stderr (a baseline, a load client) is shown as it comes: its errors explain a failure.
  if (!opts.logFile && opts.echoStderr !== false) proc.stderr?.on("data", (c: Buffer) => process.stderr.write(`[${name}] ${c}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const child: BenchChild = {
    name,
    proc,
    exited,
    async stop(timeoutMs = 10_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(opts.stopSignal ?? "SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

/** A TypeScript script (absolute path) in its own Node process through tsx, run from the script's directory. */
export function startBenchScript(name: string, script: string, args: string[], opts: BenchStartOptions = {}): BenchChild {
  return startBenchChild(name, process.execPath, ["--import", tsxLoader(), script, ...args], { cwd: path.dirname(script), ...opts });
}

/**
 * The first output line of `child` (stdout, or stderr too when `stderr`) for which `pick` returns a
 * value; rejects when it exits first or after `timeoutMs` (default 2 minutes).
 */
export function firstLine<T>(
  child: BenchChild,
  pick: (line: string) => T | undefined,
  opts: { timeoutMs?: number; stderr?: boolean } = {},
): Promise<T> {
  const streams = [child.proc.stdout, opts.stderr ? child.proc.stderr : null].filter((s) => s !== null);
  return new Promise<T>((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      detach();
      reject(new Error(`${child.name}: no awaited line within ${timeoutMs} ms`));
    }, timeoutMs);
    const buffered = new Map<unknown, string>();
    const listeners = streams.map((stream) => {
      const onData = (chunk: Buffer) => {
        let text = (buffered.get(stream) ?? "") + chunk.toString();
        let nl = text.indexOf("\n");
        while (nl >= 0) {
          const value = pick(text.slice(0, nl).trim());
          text = text.slice(nl + 1);
          nl = text.indexOf("\n");
          if (value !== undefined) {
            clearTimeout(timer);
            detach();
            resolve(value);
            return;
          }
        }
        buffered.set(stream, text);
      };
      stream.on("data", onData);
      return [stream, onData] as const;
    });
    function detach() {
      for (const [s, l] of listeners) s.off("data", l);
      // Keep draining, so a chatty child never blocks on a full pipe.
      for (const s of streams) s.resume();
    }
    void child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited (${signal ?? code}) before the awaited line`));
    });
  });
}

/** The first stdout line that is a JSON object with `key`: its value. */
export function jsonLine<T>(child: BenchChild, key: string, timeoutMs?: number): Promise<T> {
  return firstLine(
    child,
    (line) => {
      if (!line.startsWith("{")) return undefined;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return key in parsed ? (parsed[key] as T) : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs },
  );
}

/** Every stdout line of `child` that is a JSON object with `key`, its value passed to `each` (until it exits). */
export function onJsonLines<T>(child: BenchChild, key: string, each: (value: T) => void): void {
  let text = "";
  child.proc.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      const line = text.slice(0, nl).trim();
      text = text.slice(nl + 1);
      nl = text.indexOf("\n");
      if (!line.startsWith("{")) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (key in parsed) each(parsed[key] as T);
      } catch {
        // not one of ours
      }
    }
  });
}

/** Polls `url` until it answers 200; fails when `child` exits first or after `timeoutMs`, with its log's tail. */
export async function waitForHttpOk(url: string, child: BenchChild, opts: { logFile?: string; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const tail = () => (opts.logFile && fs.existsSync(opts.logFile) ? `\n${logTail(opts.logFile)}` : "");
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null)
      throw new Error(`${child.name} exited before it was ready${tail()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready within ${timeoutMs} ms${tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last lines of a log file. */
export function logTail(file: string, lines = 20): string {
  return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

/** Stops every child still running, newest first (clients before the servers they use). */
export async function stopBenchChildren(): Promise<void> {
  for (const child of [...running].reverse()) await child.stop();
}

let interrupted = false;
/** Whether Ctrl-C or SIGTERM is ending the bench (the failures that follow are its doing). */
export const benchInterrupted = () => interrupted;

/** Ctrl-C or SIGTERM: every child is stopped, then the bench exits 130 / 143. */
export function stopBenchChildrenOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`bench: ${signal}, stopping ${running.size} child process(es)\n`);
      void stopBenchChildren().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  // Whatever else ends the process: a last synchronous SIGKILL, so no child outlives the bench.
  process.on("exit", () => {
    for (const child of running) child.proc.kill("SIGKILL");
  });
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A process's CPU time so far (user + system, ms), from /proc; undefined where there is no /proc. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th, stime the 15th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** A nats-server with JetStream (its store under `dir`/nats) as a bench's own process; resolves to its URL. */
export async function startBenchNats(dir: string): Promise<string> {
  const port = await freePort();
  const child = startBenchChild(
    "nats",
    findNatsServerBinary(),
    ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", path.join(dir, "nats")],
    {
      // nats-server exits 0 on SIGINT after a clean JetStream shutdown.
      stopSignal: "SIGINT",
      echoStderr: false,
    },
  );
  await firstLine(child, (l) => (l.includes("Server is ready") ? true : undefined), { stderr: true, timeoutMs: 30_000 });
  return `nats://127.0.0.1:${port}`;
}

/**
 * packages/embedded-mongo's CLI (built: `cli`, its dist/cli.js), in memory, as a bench's own process;
 * `nodeArgs` go before the script (a CPU profile's flags).
 */
export async function startBenchMongo(
  cli: string,
  opts: { name?: string; nodeArgs?: string[] } = {},
): Promise<{ uri: string; pid: number }> {
  const port = await freePort();
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run ./scripts/bootstrap (or pnpm build) first`);
  const child = startBenchChild(opts.name ?? "mongodb", process.execPath, [
    ...(opts.nodeArgs ?? []),
    cli,
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--log-level",
    "info",
  ]);
  const uri = await firstLine(child, (l) => (l.includes("embedded-mongo ready") ? (JSON.parse(l) as { uri: string }).uri : undefined));
  return { uri, pid: child.proc.pid! };
}
