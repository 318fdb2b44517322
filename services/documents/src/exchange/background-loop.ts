/**
 * What the exchange's background loops (the sender of queued packages, the poller of the inbox) share:
 * the loop itself, which runs one pass after another, backs off after a failed pass (the platform's
 * back-off with jitter, and its sleep that a nudge or a stop cuts short) and never lets an error escape.
 */
import { backoffDelay, errorMessage, Sleeper, type BackoffOptions, type Logger } from "@ministry/platform";

export interface LoopPass {
  /** How long to rest before the next pass when nothing nudges (ms). */
  restMs: number;
}

/**
 * Runs `pass` until stopped: after a pass it rests `restMs` (a nudge ends the rest), after a failed one
 * it backs off (a nudge does not shorten that: a burst of commits must not hammer an endpoint that is
 * down). `stop()` waits for the pass under way.
 */
export class BackgroundLoop {
  private readonly sleeper = new Sleeper();
  private running = false;
  private nudged = false;
  private failures = 0;
  private lastError: string | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<LoopPass>,
    private readonly backoff: BackoffOptions,
    private readonly log?: Logger,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  status(): { running: boolean; consecutiveFailures: number; lastError?: string } {
    return { running: this.running, consecutiveFailures: this.failures, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  nudge(): void {
    this.nudged = true;
    this.sleeper.wake();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.sleeper.wakeAll();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let restMs: number;
      try {
        ({ restMs } = await this.pass());
        this.failures = 0;
        this.lastError = undefined;
      } catch (err) {
        // A pass cut short by stop() (its requests aborted) is not a failure to report.
        if (!this.running) break;
        this.failures++;
        this.lastError = errorMessage(err);
        const delayMs = backoffDelay(this.failures, this.backoff);
        this.log?.warn({ err, failures: this.failures, delayMs }, `${this.name}: pass failed; retrying`);
        if (this.running) await this.sleeper.sleep(delayMs, false);
        continue;
      }
      // a stop() or a nudge during the pass has already woken every sleeper: do not start a rest now
      if (this.nudged || !this.running) continue;
      await this.sleeper.sleep(restMs, true);
    }
  }
}
