/**
 * The two load drivers of bench/run.ts, both in the bench's own process and both closed loops with the
 * same number of requests in flight, measured the same way: every answer's latency (float ms), the
 * percentiles over the sorted list, throughput = answers / (last answer − start), and the CPU each
 * watched process spent over that span.
 *
 * - HTTP: autocannon, `connections` keep-alive connections, one request in flight on each. Runs end on
 *   an `amount` of requests rather than a duration, so every request sent is answered before the run
 *   ends: a run cut by a timer would leave requests the server still carries out after the count was
 *   taken, and the progress check (one new version per 2xx) could not be exact. The amount is what the
 *   rate seen in the warm-up makes last `seconds`.
 * - gRPC: `inFlight` loops each awaiting its call, until `seconds` have passed; the calls in flight
 *   then finish (and count).
 */
import autocannon from "autocannon";
import { processCpuMs } from "@ministry/platform/testing";

export interface LoadSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/** One measured run. */
export interface Measured {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts, failed calls. */
  errors: number;
  non2xx: number;
  /** Answers with 2xx (gRPC: OK) over the warm-up and the measured run: what the server carried out. */
  okTotal: number;
  /** CPU per request (ms) of each watched process over the measured run, "bench" being this process. */
  cpuMsPerRequest: Record<string, number>;
  /** The measured span on the machine's monotonic clock (µs), as V8's CPU profiles time their samples. */
  window: { from_us: number; to_us: number };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** CPU ms so far of each watched process (this one as "bench"). */
function cpuSample(watch: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(watch)) {
    const v = processCpuMs(pid);
    if (v !== undefined) out[name] = v;
  }
  const self = process.cpuUsage();
  out.bench = (self.user + self.system) / 1000;
  return out;
}

function cpuPerRequest(from: Record<string, number>, to: Record<string, number>, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(to)) {
    const a = from[name];
    const b = to[name];
    if (a !== undefined && b !== undefined && n > 0) out[name] = Number(((b - a) / n).toFixed(3));
  }
  return out;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? Number(sorted[Math.floor((sorted.length - 1) * p)]!.toFixed(2)) : 0;
}

/** What one request of a run is: a fixed one, or one built per request (a task id chosen in turn). */
export interface HttpTarget {
  url: string;
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  /** Builds each request's path and body (POST); unset: the fixed path, no body. */
  each?: () => { path: string; body?: string };
}

interface HttpRun {
  n: number;
  latencies: number[];
  errors: number;
  non2xx: number;
  ok: number;
  startedMs: number;
  lastMs: number;
  cpuFrom: Record<string, number>;
  cpuTo: Record<string, number>;
  fromUs: number;
  toUs: number;
}

async function autocannonRun(target: HttpTarget, connections: number, amount: number, watch: Record<string, number>): Promise<HttpRun> {
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let ok = 0;
  let lastMs = 0;
  let cpuTo: Record<string, number> = {};
  let toUs = 0;
  const request: autocannon.Request = { method: target.method, path: target.path, headers: target.headers };
  const each = target.each;
  if (each)
    request.setupRequest = (req) => {
      const r = each();
      return { ...req, path: r.path, ...(r.body !== undefined ? { body: r.body } : {}) };
    };
  const fromUs = monotonicUs();
  const cpuFrom = cpuSample(watch);
  const startedMs = performance.now();
  const instance = autocannon({ url: target.url, connections, pipelining: 1, amount, requests: [request], timeout: 30 }, () => {});
  const finished = new Promise<void>((resolve, reject) => {
    instance.on("done", () => resolve());
    instance.on("error", reject);
  });
  const answered = () => {
    // The last answer closes the span: autocannon itself reports up to a second later (its tick).
    if (latencies.length + errors + non2xx === amount) {
      lastMs = performance.now();
      cpuTo = cpuSample(watch);
      toUs = monotonicUs();
    }
  };
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    } else non2xx++;
    answered();
  });
  instance.on("reqError", () => {
    errors++;
    answered();
  });
  await finished;
  if (lastMs === 0) {
    lastMs = performance.now();
    cpuTo = cpuSample(watch);
    toUs = monotonicUs();
  }
  return { n: latencies.length + non2xx, latencies, errors, non2xx, ok, startedMs, lastMs, cpuFrom, cpuTo, fromUs, toUs };
}

/**
 * A probe of 10 requests per connection (the rate), the warm-up, then the measured run: its amount is
 * what the warm-up's rate does in `seconds`.
 */
export async function measureHttp(target: HttpTarget, s: LoadSettings, watch: Record<string, number>): Promise<Measured> {
  const rate = (r: HttpRun) => r.n / Math.max(0.001, (r.lastMs - r.startedMs) / 1000);
  const amountFor = (r: HttpRun, seconds: number) => Math.max(s.connections * 5, Math.round(rate(r) * seconds));
  const probe = await autocannonRun(target, s.connections, s.connections * 10, watch);
  const warm = s.warmupSeconds > 0 ? await autocannonRun(target, s.connections, amountFor(probe, s.warmupSeconds), watch) : probe;
  const warmups = warm === probe ? [probe] : [probe, warm];
  let run = await autocannonRun(target, s.connections, amountFor(warm, s.seconds), watch);
  // Still speeding up after the warm-up (a cold JIT): that run was more warm-up, the next is measured.
  if ((run.lastMs - run.startedMs) / 1000 < 0.75 * s.seconds) {
    const extra = run;
    run = await autocannonRun(target, s.connections, amountFor(extra, s.seconds), watch);
    warmups.push(extra);
  }
  // Every request sent counts in the checks (the server carried out the warm-up's too).
  const sum = (f: (r: HttpRun) => number) => [...warmups, run].reduce((acc, r) => acc + f(r), 0);
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const durationS = (run.lastMs - run.startedMs) / 1000;
  return {
    requests: run.n,
    durationS: Number(durationS.toFixed(2)),
    rps: Math.round(run.n / durationS),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    okTotal: sum((r) => r.ok),
    cpuMsPerRequest: cpuPerRequest(run.cpuFrom, run.cpuTo, run.n),
    window: { from_us: run.fromUs, to_us: run.toUs },
  };
}

/**
 * `call(i)` kept `inFlight` times in flight: the warm-up, then `seconds` measured. A call that throws
 * counts as an error (and is not timed); the loop goes on, so the figure says how many failed.
 */
export async function measureGrpc(
  call: (i: number) => Promise<unknown>,
  s: LoadSettings,
  watch: Record<string, number>,
): Promise<Measured> {
  let counter = 0;
  let okTotal = 0;
  const loop = async (seconds: number, latencies: number[] | undefined) => {
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: s.connections }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          try {
            await call(counter++);
            okTotal++;
            latencies?.push(performance.now() - t);
          } catch {
            errors++;
          }
        }
      }),
    );
    return errors;
  };
  let errors = s.warmupSeconds > 0 ? await loop(s.warmupSeconds, undefined) : 0;
  const latencies: number[] = [];
  const fromUs = monotonicUs();
  const cpuFrom = cpuSample(watch);
  const started = performance.now();
  errors += await loop(s.seconds, latencies);
  const durationS = (performance.now() - started) / 1000;
  const cpuTo = cpuSample(watch);
  const toUs = monotonicUs();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    durationS: Number(durationS.toFixed(2)),
    rps: Math.round(latencies.length / durationS),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors,
    non2xx: 0,
    okTotal,
    cpuMsPerRequest: cpuPerRequest(cpuFrom, cpuTo, latencies.length),
    window: { from_us: fromUs, to_us: toUs },
  };
}
