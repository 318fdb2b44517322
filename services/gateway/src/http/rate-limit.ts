/**
 * Fixed-window request limits, one per client address (checked before the token, so guessing tokens is
 * limited too) and one per signed-in person. An answer over the limit is 429 with Retry-After; every
 * answer carries the IETF RateLimit headers. Kept in this process: behind a load balancer each replica
 * limits its share, which is what a per-replica budget is for; a shared store would add a round trip to
 * every request.
 */
import { HttpProblem } from "./problem.js";

interface Window {
  count: number;
  resetAt: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request for `key`; returns what is left, or throws 429 when none is. */
  take(key: string, what: string): { remaining: number; resetSeconds: number } {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    const resetSeconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    const headers = {
      "ratelimit-limit": String(this.limit),
      "ratelimit-remaining": String(Math.max(0, this.limit - w.count)),
      "ratelimit-reset": String(resetSeconds),
    };
    if (w.count > this.limit) {
      throw new HttpProblem(
        429,
        "RATE_LIMITED",
        `Quá ${this.limit} yêu cầu trong ${Math.round(this.windowMs / 1000)} giây (${what}); thử lại sau ${resetSeconds} giây / Over ${this.limit} requests per ${Math.round(this.windowMs / 1000)} s (${what}); retry in ${resetSeconds} s`,
        {},
        { ...headers, "retry-after": String(resetSeconds) },
      );
    }
    return { remaining: this.limit - w.count, resetSeconds };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}
