/**
 * At most `limit` tasks at once, the rest waiting their turn in arrival order. Under a burst, a service
 * that starts every request's transaction at once makes them conflict, retry and fight over the
 * database's sessions, and does less in all; waiting in this queue costs nothing until a turn comes.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a concurrency limit is a whole number ≥ 1, got ${limit}`);
  }

  /** How many tasks wait for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The turn passes straight to the next in line, so `running` never drops below the limit while some wait.
      if (next) next();
      else this.running -= 1;
    }
  }
}
