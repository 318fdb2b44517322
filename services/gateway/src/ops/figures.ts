/**
 * Rates and quantiles between two readings of one service, computed as Prometheus computes `rate` and
 * `histogram_quantile`: counters are differences over the elapsed time (a counter that went down means
 * the process restarted, so its new value is the increase), p99 interpolates inside the bucket holding
 * the 99th percentile of the calls between the two readings.
 */
import type { Reading } from "./reading.js";

export interface WindowFigures {
  /** Calls (gRPC for the services, HTTP for the gateway) per second. */
  requestRate: number | null;
  /** Share of those calls that failed (not OK; for the gateway: HTTP 5xx); null without calls. */
  errorRatio: number | null;
  /** 99th percentile of call durations in seconds; null without calls. */
  p99Seconds: number | null;
  /** Events per minute by CloudEvents type. */
  publishedPerMinute: Record<string, number>;
  consumedPerMinute: Record<string, number>;
  failedPerMinute: Record<string, number>;
  deadLetteredPerMinute: Record<string, number>;
}

export const NO_FIGURES: WindowFigures = {
  requestRate: null,
  errorRatio: null,
  p99Seconds: null,
  publishedPerMinute: {},
  consumedPerMinute: {},
  failedPerMinute: {},
  deadLetteredPerMinute: {},
};

function increase(now: number, then: number): number {
  return now >= then ? now - then : now;
}

function perMinute(now: Record<string, number>, then: Record<string, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, value] of Object.entries(now)) {
    const inc = increase(value, then[type] ?? 0);
    if (inc > 0) out[type] = (inc * 60) / seconds;
  }
  return out;
}

/** The q-quantile of a cumulative histogram ([upper bound, count], +Inf last), as histogram_quantile does. */
export function quantile(q: number, buckets: [number, number][]): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (buckets.length === 0 || total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [upper, count] of buckets) {
    if (count >= rank) {
      if (upper === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? upper : lowerBound + (upper - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = upper;
    lowerCount = count;
  }
  return lowerBound;
}

/** What happened between two readings of one service (`then` older). */
export function between(then: Reading, now: Reading, seconds: number): WindowFigures {
  if (!then.metrics || !now.metrics || seconds <= 0) return NO_FIGURES;
  const calls = increase(now.calls, then.calls);
  const errors = now.calls >= then.calls ? increase(now.errors, then.errors) : now.errors;
  const restarted = now.calls < then.calls;
  const older = new Map(then.buckets);
  const buckets: [number, number][] = now.buckets.map(([le, count]) => [le, restarted ? count : increase(count, older.get(le) ?? 0)]);
  return {
    requestRate: calls / seconds,
    errorRatio: calls > 0 ? Math.min(1, errors / calls) : null,
    p99Seconds: calls > 0 ? quantile(0.99, buckets) : null,
    publishedPerMinute: perMinute(now.published, then.published, seconds),
    consumedPerMinute: perMinute(now.consumed, then.consumed, seconds),
    failedPerMinute: perMinute(now.failed, then.failed, seconds),
    deadLetteredPerMinute: perMinute(now.deadLettered, then.deadLettered, seconds),
  };
}
