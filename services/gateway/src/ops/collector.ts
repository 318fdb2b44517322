/**
 * The ops page's collector: every OPS_SCRAPE_INTERVAL_MS it reads each service's admin port (`/healthz`,
 * `/readyz`, `/metrics`) and the gateway's own metrics, keeps thirty minutes of reduced readings
 * (reading.ts) in a ring, and answers the overview: current figures over the last minute and the
 * chart series. It reads what the services publish for monitoring, never their databases.
 */
import type { Logger } from "@ministry/platform";
import { between, NO_FIGURES, type WindowFigures } from "./figures.js";
import { parsePrometheusText } from "./prometheus.js";
import { emptyReading, readingOf, type Health, type Reading, type ServiceName } from "./reading.js";

export interface ScrapeTarget {
  name: ServiceName;
  /** The admin base URL (http://host:port); absent for the gateway, read in-process. */
  adminUrl?: string;
}

export interface CollectorOptions {
  targets: ScrapeTarget[];
  intervalMs: number;
  log: Logger;
  /** The gateway's own health and metrics text (its admin server starts after the HTTP app). */
  self: () => Promise<{ health: Health; metrics: string }>;
  /** History kept; default 30 minutes. */
  historyMs?: number;
  /** The window of the current figures; default one minute. */
  windowMs?: number;
  /** Points per chart at most. */
  chartPoints?: number;
}

export interface Tick {
  at: number;
  readings: Partial<Record<ServiceName, Reading>>;
}

export class Collector {
  private readonly ticks: Tick[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  readonly historyMs: number;
  readonly windowMs: number;
  readonly chartPoints: number;

  constructor(private readonly opts: CollectorOptions) {
    this.historyMs = opts.historyMs ?? 30 * 60_000;
    this.windowMs = opts.windowMs ?? 60_000;
    this.chartPoints = opts.chartPoints ?? 120;
  }

  get targets(): ScrapeTarget[] {
    return this.opts.targets;
  }

  get intervalMs(): number {
    return this.opts.intervalMs;
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.scrapeOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.opts.log.warn({ err }, "ops scrape failed"))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Reads every target once (together, so a tick's readings are of one moment) and keeps the tick. */
  async scrapeOnce(): Promise<Tick> {
    const at = Date.now();
    const entries = await Promise.all(this.opts.targets.map(async (t) => [t.name, await this.read(t)] as const));
    const tick: Tick = { at, readings: Object.fromEntries(entries) };
    this.ticks.push(tick);
    while (this.ticks.length > 0 && this.ticks[0]!.at < at - this.historyMs) this.ticks.shift();
    return tick;
  }

  history(): readonly Tick[] {
    return this.ticks;
  }

  private async read(target: ScrapeTarget): Promise<Reading> {
    if (!target.adminUrl) {
      const { health, metrics } = await this.opts.self();
      return readingOf(target.name, parsePrometheusText(metrics), health);
    }
    const timeoutMs = Math.max(1_000, Math.min(5_000, this.opts.intervalMs * 2));
    const get = (path: string) => fetch(new URL(path, target.adminUrl), { signal: AbortSignal.timeout(timeoutMs) });
    let health: Health;
    try {
      const [live, ready] = await Promise.all([get("/healthz"), get("/readyz")]);
      const liveBody = (await live.json().catch(() => ({}))) as { version?: unknown };
      const readyBody = (await ready.json().catch(() => ({}))) as { checks?: Record<string, boolean | string> };
      health = {
        up: live.ok,
        ready: ready.ok,
        checks: readyBody.checks ?? {},
        version: typeof liveBody.version === "string" ? liveBody.version : null,
        ...(live.ok ? {} : { error: `/healthz: HTTP ${live.status}` }),
      };
    } catch (err) {
      return emptyReading({ up: false, ready: false, checks: {}, version: null, error: describe(err) });
    }
    try {
      const res = await get("/metrics");
      if (!res.ok) return emptyReading({ ...health, error: `/metrics: HTTP ${res.status}` });
      return readingOf(target.name, parsePrometheusText(await res.text()), health);
    } catch (err) {
      return emptyReading({ ...health, error: `/metrics: ${describe(err)}` });
    }
  }

  /** The figures of a service between the oldest reading inside the window and the latest one. */
  current(name: ServiceName): { reading?: Reading; figures: WindowFigures } {
    const latest = this.ticks.at(-1);
    const reading = latest?.readings[name];
    if (!latest || !reading) return { figures: NO_FIGURES };
    const from = latest.at - this.windowMs;
    const base = this.ticks.find((t) => t.at >= from && t !== latest && t.readings[name]?.metrics);
    if (!base) return { reading, figures: NO_FIGURES };
    return { reading, figures: between(base.readings[name]!, reading, (latest.at - base.at) / 1000) };
  }

  /** Ticks at least `step` apart, newest last, at most `chartPoints` of them. */
  chartTicks(): Tick[] {
    const step = Math.max(this.opts.intervalMs, this.historyMs / this.chartPoints);
    const out: Tick[] = [];
    for (let i = this.ticks.length - 1; i >= 0 && out.length < this.chartPoints + 1; i--) {
      const t = this.ticks[i]!;
      // Tolerate a scrape that started a little early, so the points stay evenly spaced.
      if (out.length === 0 || out[out.length - 1]!.at - t.at >= step * 0.9) out.push(t);
    }
    return out.reverse();
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e?.name === "TimeoutError") return "timeout";
  return e?.cause?.code ?? e?.message ?? String(err);
}
