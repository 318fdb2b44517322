/**
 * A background job that looks at the clock every `intervalMs` (reminders, watches): one pass at a time (a
 * slow pass is never overlapped by the next), a failed pass logged and tried again at the next tick, the
 * timer unref'd so it never keeps a process alive, and `stop()` waiting for the pass under way.
 */
import type { Logger } from "./logger.js";

export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<unknown>,
    private readonly opts: { intervalMs: number; log: Logger },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((err: unknown) => this.opts.log.warn({ err }, `${this.name} failed; the next pass tries again`))
        .finally(() => {
          this.running = undefined;
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
