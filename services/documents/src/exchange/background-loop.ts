/**
 * What the exchange's background loops (the sender of queued packages, the poller of the inbox) share:
 * exponential back-off with jitter, a sleep that a nudge or a stop cuts short, and the loop itself, which
 * runs one pass after another, backs off after a failed pass and never lets an error escape.
 */
import type { Logger } from "@ministry/platform";

export interface BackoffSettings {
  /** The first delay, doubled each further failure up to `maxMs`. */
  initialMs: number;
  maxMs: number;
}

/** The delay after the n-th failure (1-based), with up to 20 % jitter so replicas spread out. */
export function backoffDelay(failures: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const base = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.min(settings.maxMs, Math.round(base * (1 + random() * 0.2)));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** A sleep that `wake()` ends early (a nudge); `wakeAll()` also ends sleeps a nudge must not shorten (stop). */
export class Sleeper {
  private readonly sleeping = new Set<{ wakeable: boolean; done: () => void }>();

  sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        wakeable,
        done: () => {
          clearTimeout(timer);
          this.sleeping.delete(entry);
          resolve();
        },
      };
      const timer = setTimeout(entry.done, Math.max(0, ms));
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
    private readonly backoff: BackoffSettings,
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
        this.failures++;
        this.lastError = errorText(err);
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
