export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** Exponential back-off for the n-th attempt (1-based), with up to 20 % jitter so retries spread out. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(opts.maxMs, Math.round(base * (1 + random() * 0.2)));
}

/** MongoDB's E11000; `keyPattern` names the unique index that refused the write. */
export function isDuplicateKeyError(err: unknown): err is { code: 11000; keyPattern?: Record<string, unknown> } {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === 11000;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * A sleep that can be cut short: `wake()` ends every sleep started with `wakeable`, `wakeAll()` every
 * sleep (used to stop a loop).
 */
export class Sleeper {
  private readonly sleeping = new Set<{ wakeable: boolean; done: () => void }>();

  sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        wakeable,
        done: () => {
          clearTimeout(timer);
          this.sleeping.delete(entry);
          resolve();
        },
      };
      const timer = setTimeout(entry.done, ms);
      this.sleeping.add(entry);
    });
  }

  wake(): void {
    for (const s of [...this.sleeping]) if (s.wakeable) s.done();
  }

  wakeAll(): void {
    for (const s of [...this.sleeping]) s.done();
  }
}
