/**
 * Load for benchmarks, in a process of its own: a load worker keeps N calls in flight for S seconds after
 * a warm-up and answers with calls/s and latency percentiles; the bench drives it with jobs (one JSON a
 * line on the worker's stdin, one result line each) and reads the CPU time the processes it watches spent
 * per call while the load was measured. Each bench says what a job's calls are (`runLoadWorker`).
 *
 * The protocol, so the CPU sample brackets exactly the measured span:
 *   bench → worker  {job}
 *   worker → bench  {"measuring": true}      (warm-up done; the bench samples the CPU now)
 *   worker → bench  {"result": LoadResult}   (the bench samples again)
 */
import { type BenchChild, jsonLine, processCpuMs } from "./bench-processes.js";
import { measureInFlight } from "./bench.js";

export interface LoadTiming {
  seconds: number;
  inFlight: number;
  /** Seconds of the same load before measuring (connections, JIT, the store's caches). */
  warmupSeconds: number;
}

/** A bench setting from the environment: a number of at least 0, or the fallback when unset. */
export function benchNumber(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}=${env[name]} is not a number`);
  return v;
}

/** Every bench's load timing: BENCH_SECONDS (5), BENCH_IN_FLIGHT (32), BENCH_WARMUP_SECONDS (1). */
export function loadTimingFromEnv(env: NodeJS.ProcessEnv = process.env): LoadTiming {
  return {
    seconds: benchNumber("BENCH_SECONDS", 5, env),
    inFlight: benchNumber("BENCH_IN_FLIGHT", 32, env),
    warmupSeconds: benchNumber("BENCH_WARMUP_SECONDS", 1, env),
  };
}

export interface LoadResult {
  calls_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  n: number;
  /** The measured span on the machine's monotonic clock (µs, as V8's CPU profiles time their samples). */
  from_us: number;
  to_us: number;
}

/** What a job's calls are: `call(i)` with a running counter, and what to close afterwards. */
export interface LoadCalls {
  call: (i: number) => Promise<unknown>;
  close(): void | Promise<void>;
}

/** One job: warm-up, the "measuring" line, the measured span. A failed call fails the job. */
export async function runLoadJob(calls: LoadCalls, timing: LoadTiming): Promise<LoadResult> {
  try {
    // Warm-up under the same load, so the figure is not the first second's connections and compilation.
    if (timing.warmupSeconds > 0)
      await measureInFlight(calls.call, { seconds: timing.warmupSeconds, inFlight: timing.inFlight, warmup: 20 });
    const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
    process.stdout.write(`${JSON.stringify({ measuring: true })}\n`);
    const from_us = monotonicUs();
    const t = await measureInFlight(calls.call, { seconds: timing.seconds, inFlight: timing.inFlight, warmup: 0 });
    return { calls_per_sec: t.callsPerSec, p50_ms: t.p50, p99_ms: t.p99, n: t.n, from_us, to_us: monotonicUs() };
  } finally {
    await calls.close();
  }
}

/**
 * The load worker's main: a job as the first argument (one result line, then it ends), or jobs on stdin,
 * one JSON a line, each with a result line. A failed call ends the worker with exit code 1: a figure over
 * failing calls would mean nothing.
 */
export async function runLoadWorker<J extends LoadTiming>(callsFor: (job: J) => Promise<LoadCalls>): Promise<void> {
  const run = async (job: J) => process.stdout.write(`${JSON.stringify({ result: await runLoadJob(await callsFor(job), job) })}\n`);
  try {
    if (process.argv[2]) {
      await run(JSON.parse(process.argv[2]) as J);
      return;
    }
    // One load process for all of a bench's figures (each job with its own client and connections),
    // rather than a start-up per figure.
    const { createInterface } = await import("node:readline");
    for await (const line of createInterface({ input: process.stdin })) if (line.trim()) await run(JSON.parse(line) as J);
  } catch (err) {
    process.stderr.write(`load: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}

/** A figure's result, and the CPU each watched process spent per call while it was measured (ms). */
export type MeasuredLoad = LoadResult & { cpu_ms_per_call: Record<string, number> };

/**
 * The bench's side: one load worker (started on first use by `start`), given jobs in turn.
 * `watch` names processes (name → pid) whose CPU time per call the result carries; the worker itself is
 * watched as "client".
 */
export class LoadDriver {
  private child: BenchChild | undefined;

  constructor(private readonly start: () => BenchChild) {}

  async run<J extends LoadTiming>(job: J, watch: Record<string, number> = {}): Promise<MeasuredLoad> {
    this.child ??= this.start();
    const child = this.child;
    const pid = child.proc.pid;
    if (pid !== undefined && watch.client === undefined) watch = { ...watch, client: pid };
    const timeoutMs = (job.seconds + job.warmupSeconds) * 1000 + 120_000;
    const sample = () => Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, processCpuMs(pid)]));
    const startCpu = jsonLine<boolean>(child, "measuring", timeoutMs).then(sample);
    const result = jsonLine<LoadResult>(child, "result", timeoutMs);
    child.proc.stdin?.write(`${JSON.stringify(job)}\n`);
    const [from, r] = await Promise.all([startCpu, result]);
    const to = sample();
    const cpu: Record<string, number> = {};
    for (const name of Object.keys(watch)) {
      const a = from[name];
      const b = to[name];
      if (a !== undefined && b !== undefined && r.n > 0) cpu[name] = Number(((b - a) / r.n).toFixed(3));
    }
    return { ...r, cpu_ms_per_call: cpu };
  }

  /** The load worker's process id, once started (to watch its CPU too: a saturated client caps every figure). */
  get workerPid(): number | undefined {
    return this.child?.proc.pid;
  }

  async stop(): Promise<void> {
    await this.child?.stop();
    this.child = undefined;
  }
}
