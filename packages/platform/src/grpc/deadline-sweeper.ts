/**
 * Call deadlines kept by one timer instead of one per call. A timer per call is, under load, an async
 * resource (AsyncLocalStorage's hooks run for it) and, since every call's remaining time differs, a
 * timer list of its own: measurably more CPU per call than the call's other bookkeeping. Here a call
 * goes into the bucket of the tick its deadline falls in, and one interval (running only while calls
 * wait) ends each tick's calls: a deadline ends at most one tick late.
 */
import { context, type Context } from "@opentelemetry/api";

interface Pending {
  readonly expire: () => void;
  /** The call's context when it was armed, so its expiry is logged with the call's trace. */
  readonly ctx: Context;
}

export class DeadlineSweeper {
  private readonly buckets = new Map<number, Set<Pending>>();
  private size = 0;
  private lastSwept: number;
  private timer?: NodeJS.Timeout;

  /** `now`: the time, for tests that move it; the interval itself runs on real time. */
  constructor(
    private readonly tickMs = 20,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSwept = Math.floor(now() / tickMs);
  }

  /** Runs `expire` once `at` (epoch ms) has passed, unless the returned function is called first. */
  add(at: number, expire: () => void): () => void {
    // Idle until now: nothing is due before this tick.
    if (!this.timer) this.lastSwept = Math.max(this.lastSwept, Math.floor(this.now() / this.tickMs));
    // The tick after the one `at` falls in, so a deadline never ends early; one already past, at the next.
    const bucket = Math.max(Math.floor(at / this.tickMs) + 1, this.lastSwept + 1);
    const entry: Pending = { expire, ctx: context.active() };
    let set = this.buckets.get(bucket);
    if (!set) {
      set = new Set();
      this.buckets.set(bucket, set);
    }
    set.add(entry);
    this.size++;
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const s = this.buckets.get(bucket);
      if (s?.delete(entry)) {
        this.size--;
        if (s.size === 0) this.buckets.delete(bucket);
        this.stopWhenIdle();
      }
    };
  }

  /** Calls waiting for their deadline (for tests). */
  get waiting(): number {
    return this.size;
  }

  /** Whether the interval runs (it runs only while calls wait). */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  private sweep(): void {
    const now = Math.floor(this.now() / this.tickMs);
    for (let b = this.lastSwept + 1; b <= now; b++) {
      const set = this.buckets.get(b);
      if (!set) continue;
      this.buckets.delete(b);
      this.size -= set.size;
      for (const entry of set) context.with(entry.ctx, entry.expire);
    }
    this.lastSwept = now;
    this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    if (this.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
