/**
 * The bench's child processes: each server and the load client run in a process of their own (as in
 * production, where they never share an event loop). Every child started here is registered, so a failure,
 * Ctrl-C or SIGTERM stops all of them before the bench exits: none is left listening on the machine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const running = new Set<Child>();
/** TypeScript children (baseline servers, the load client) run through tsx, as the bench itself does. */
const TSX = ["--import", "tsx"];
export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));

export interface Child {
  name: string;
  proc: ChildProcess;
  /** SIGTERM (SIGINT for nats-server), SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
  /** Its exit, whenever it comes: code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
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

/** Starts `command args`; it is stopped with the others by `stopAll` (and on Ctrl-C). */
export function start(name: string, command: string, args: string[], opts: StartOptions = {}): Child {
  const stdio: ("pipe" | "ignore" | number)[] = [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"];
  if (opts.logFile) {
    const fd = fs.openSync(opts.logFile, "a");
    stdio[1] = fd;
    stdio[2] = fd;
  }
  const proc = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio });
  if (typeof stdio[1] === "number") fs.closeSync(stdio[1]);
  // A child's stderr (the baselines, the load client) is shown as it comes: their errors explain a failure.
  if (!opts.logFile && opts.echoStderr !== false) proc.stderr?.on("data", (c: Buffer) => process.stderr.write(`[${name}] ${c}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const child: Child = {
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

/** A TypeScript script of this directory in its own Node process. */
export function startScript(name: string, script: string, args: string[], opts: StartOptions = {}): Child {
  return start(name, process.execPath, [...TSX, `${BENCH_DIR}${script}`, ...args], { cwd: BENCH_DIR, ...opts });
}

/**
 * The first output line of `child` (stdout, or stderr too when `stderr`) for which `pick` returns a
 * value; rejects when it exits first. The children announce readiness and results this way.
 */
export function firstLine<T>(
  child: Child,
  pick: (line: string) => T | undefined,
  opts: { timeoutMs?: number; stderr?: boolean } = {},
): Promise<T> {
  const streams = [child.proc.stdout, opts.stderr ? child.proc.stderr : null].filter((s) => s !== null);
  return new Promise<T>((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => reject(new Error(`${child.name}: not ready within ${timeoutMs} ms`)), timeoutMs);
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
            for (const [s, l] of listeners) s.off("data", l);
            // Keep draining, so a chatty child never blocks on a full pipe.
            for (const s of streams) s.resume();
            resolve(value);
            return;
          }
        }
        buffered.set(stream, text);
      };
      stream.on("data", onData);
      return [stream, onData] as const;
    });
    void child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited (${signal ?? code}) before it was ready`));
    });
  });
}

/** The first stdout line that is a JSON object with `key`: its value. */
export function jsonLine<T>(child: Child, key: string, timeoutMs?: number): Promise<T> {
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

/** Stops every child still running, newest first (clients before the servers they use). */
export async function stopAll(): Promise<void> {
  for (const child of [...running].reverse()) await child.stop();
}

let interrupted = false;
/** Whether Ctrl-C or SIGTERM is ending the bench (the failures that follow are its doing). */
export const wasInterrupted = () => interrupted;
/** Ctrl-C or SIGTERM: every child is stopped, then the bench exits 130 / 143. */
export function stopOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`bench: ${signal}, stopping ${running.size} child process(es)\n`);
      void stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  // Whatever else ends the process: a last synchronous SIGKILL, so no child outlives the bench.
  process.on("exit", () => {
    for (const child of running) child.proc.kill("SIGKILL");
  });
}
