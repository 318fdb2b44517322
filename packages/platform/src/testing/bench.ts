/**
 * Measuring for benchmarks (`pnpm bench`): calls kept in flight for a while, with throughput and
 * latency percentiles, so every bench measures its baseline and its subject the same way.
 */

export interface Throughput {
  callsPerSec: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Calls measured. */
  n: number;
}

/**
 * `inFlight` loops each calling `call` (with a running counter) until `seconds` have passed, after
 * `warmup` calls one at a time.
 */
export async function measureInFlight(
  call: (i: number) => Promise<unknown>,
  opts: { seconds: number; inFlight: number; warmup?: number },
): Promise<Throughput> {
  let counter = 0;
  for (let i = 0; i < (opts.warmup ?? 200); i++) await call(counter++);
  const latencies: number[] = [];
  const deadline = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.inFlight }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await call(counter++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.floor((latencies.length - 1) * p)].toFixed(3));
  return { callsPerSec: Math.round(latencies.length / elapsed), p50: pct(0.5), p99: pct(0.99), n: latencies.length };
}
