/**
 * Graceful shutdown as an ordered list of named steps (stop accepting gRPC, drain consumers, flush the
 * outbox, close NATS and MongoDB, stop the admin server), run once, each awaited, the whole bounded by a
 * deadline. An orchestrator sends SIGTERM and kills a little later; finishing within the deadline, or at
 * least saying what did not finish, beats being killed mid-step without a word.
 */
import type { Logger } from "./logger.js";

/** A step learns through `signal` that the deadline has passed, so it can give up early. */
export type ShutdownStep = (signal: AbortSignal) => Promise<void> | void;

export interface ShutdownResult {
  reason: string;
  /** The deadline passed before every step finished. */
  timedOut: boolean;
  /** Steps that finished, failed or not, in order. */
  finished: string[];
  /** Steps that threw, with the error message. */
  failed: { name: string; error: string }[];
  /** Steps still running at the deadline, or never started because of it. */
  unfinished: string[];
}

export interface Shutdown {
  /** Adds a step after those registered so far. */
  register(name: string, step: ShutdownStep): void;
  /** Runs the steps once; later calls return the same promise. Never rejects. */
  run(reason: string): Promise<ShutdownResult>;
  /** True once `run` was called. */
  readonly started: boolean;
  /**
   * Runs the steps on SIGINT/SIGTERM, then exits: 0 when every step finished, 1 after a timeout or a
   * failed step. A second signal while shutting down exits 1 at once. Returns a function that removes
   * the handlers.
   */
  installSignalHandlers(opts?: { signals?: NodeJS.Signals[]; exit?: (code: number) => void }): () => void;
}

export interface ShutdownOptions {
  log: Logger;
  timeoutMs: number;
}

export function createShutdown(opts: ShutdownOptions): Shutdown {
  const { log, timeoutMs } = opts;
  const steps: { name: string; step: ShutdownStep }[] = [];
  let running: Promise<ShutdownResult> | undefined;

  async function runSteps(reason: string): Promise<ShutdownResult> {
    const started = Date.now();
    const result: ShutdownResult = { reason, timedOut: false, finished: [], failed: [], unfinished: [] };
    const deadline = new AbortController();
    let current: string | undefined;
    let nextIndex = 0;
    log.info({ reason, timeoutMs, steps: steps.map((s) => s.name) }, "shutting down");

    const sequence = (async () => {
      for (; nextIndex < steps.length; nextIndex++) {
        if (deadline.signal.aborted) return;
        const { name, step } = steps[nextIndex];
        current = name;
        const stepStarted = Date.now();
        try {
          await step(deadline.signal);
          if (deadline.signal.aborted) return;
          log.info({ step: name, ms: Date.now() - stepStarted }, "shutdown step done");
        } catch (err) {
          if (deadline.signal.aborted) return;
          const message = err instanceof Error ? err.message : String(err);
          result.failed.push({ name, error: message });
          log.error({ step: name, err, ms: Date.now() - stepStarted }, "shutdown step failed; going on with the next");
        }
        result.finished.push(name);
        current = undefined;
      }
    })();

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const outcome = await Promise.race([sequence.then(() => false as const), timedOut]);
    clearTimeout(timer);

    if (outcome) {
      deadline.abort(new Error(`shutdown deadline of ${timeoutMs} ms passed`));
      result.timedOut = true;
      const notStarted = steps.slice(current === undefined ? nextIndex : nextIndex + 1).map((s) => s.name);
      result.unfinished = current === undefined ? notStarted : [current, ...notStarted];
      log.error(
        { reason, timeoutMs, running: current ?? null, notStarted, finished: result.finished },
        `shutdown did not finish within ${timeoutMs} ms`,
      );
    } else {
      log.info({ reason, ms: Date.now() - started, failed: result.failed.map((f) => f.name) }, "shutdown complete");
    }
    return result;
  }

  const shutdown: Shutdown = {
    register(name, step) {
      if (running) {
        log.warn({ step: name }, "shutdown step registered after shutdown began; it will not run");
        return;
      }
      steps.push({ name, step });
    },
    run(reason) {
      running ??= runSteps(reason);
      return running;
    },
    get started() {
      return running !== undefined;
    },
    installSignalHandlers({ signals = ["SIGINT", "SIGTERM"], exit = (code: number) => process.exit(code) } = {}) {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) {
          log.warn({ signal }, "second signal while shutting down: exiting now");
          exit(1);
          return;
        }
        signalled = true;
        // When shutdown already began for another reason, this waits for it rather than starting over.
        shutdown.run(signal).then((result) => exit(result.timedOut || result.failed.length > 0 ? 1 : 0));
      };
      for (const s of signals) process.on(s, onSignal);
      return () => {
        for (const s of signals) process.off(s, onSignal);
      };
    },
  };
  return shutdown;
}
