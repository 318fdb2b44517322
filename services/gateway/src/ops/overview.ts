/**
 * GET /v1/ops/overview's answer: every figure of the ops page now (the last minute) and its chart series
 * (the last thirty minutes), from the collector's readings.
 */
import type { Collector, Tick } from "./collector.js";
import { between } from "./figures.js";
import type { Reading, ServiceName } from "./reading.js";

export const SERVICE_LABELS: Record<ServiceName, string> = {
  gateway: "Cổng API / Gateway",
  tasks: "Nhiệm vụ / Tasks",
  notifications: "Thông báo / Notifications",
  meetings: "Họp giao ban / Meetings",
  documents: "Văn bản / Documents",
};

export interface ServiceOverview {
  name: ServiceName;
  label: string;
  up: boolean;
  ready: boolean;
  checks: Record<string, boolean | string>;
  version: string | null;
  error: string | null;
  requestRate: number | null;
  errorRatio: number | null;
  p99Seconds: number | null;
  deadLetters: number;
  outbox: { backlog: number; oldestAgeSeconds: number; parked: number } | null;
  consumers: { consumer: string; stream: string; pending: number; ackPending: number; deadLetters: number }[];
}

export interface EventRow {
  type: string;
  publishedPerMinute: number;
  consumedPerMinute: number;
  failedPerMinute: number;
  deadLetteredPerMinute: number;
}

export interface Overview {
  at: string;
  scrapeIntervalMs: number;
  windowSeconds: number;
  services: ServiceOverview[];
  events: EventRow[];
  deadLetters: { total: number; byService: Record<string, number> };
  domain: { overdueTasksByUnit: Record<string, number> | null; documentsAwaitingByUnit: Record<string, number> | null };
  series: Series;
}

export interface Series {
  /** Milliseconds since the epoch of each point. */
  t: number[];
  services: Record<string, { requestRate: (number | null)[]; errorRatio: (number | null)[]; p99Seconds: (number | null)[] }>;
  deadLetters: number[];
  outboxBacklog: number[];
  outboxOldestAgeSeconds: number[];
  consumerPending: number[];
  publishedPerMinute: (number | null)[];
  consumedPerMinute: (number | null)[];
  overdueTasks: (number | null)[];
  documentsAwaiting: (number | null)[];
}

const sum = (values: Iterable<number>) => {
  let s = 0;
  for (const v of values) s += v;
  return s;
};

function deadLettersOf(r: Reading | undefined): number {
  return r ? sum(Object.values(r.consumers).map((c) => c.deadLetters)) : 0;
}

export function buildOverview(collector: Collector): Overview {
  const names = collector.targets.map((t) => t.name);
  const services: ServiceOverview[] = [];
  const events = new Map<string, EventRow>();
  const row = (type: string) => {
    const found = events.get(type);
    if (found) return found;
    const created = { type, publishedPerMinute: 0, consumedPerMinute: 0, failedPerMinute: 0, deadLetteredPerMinute: 0 };
    events.set(type, created);
    return created;
  };
  for (const name of names) {
    const { reading, figures } = collector.current(name);
    for (const [type, v] of Object.entries(figures.publishedPerMinute)) row(type).publishedPerMinute += v;
    for (const [type, v] of Object.entries(figures.consumedPerMinute)) row(type).consumedPerMinute += v;
    for (const [type, v] of Object.entries(figures.failedPerMinute)) row(type).failedPerMinute += v;
    for (const [type, v] of Object.entries(figures.deadLetteredPerMinute)) row(type).deadLetteredPerMinute += v;
    // Types seen at all (even with no traffic in the window) keep their row, so the table does not jump.
    for (const map of [reading?.published, reading?.consumed]) for (const type of Object.keys(map ?? {})) row(type);
    services.push({
      name,
      label: SERVICE_LABELS[name],
      up: reading?.up ?? false,
      ready: reading?.ready ?? false,
      checks: reading?.checks ?? {},
      version: reading?.version ?? null,
      error: reading ? (reading.error ?? null) : "chưa đọc / not read yet",
      requestRate: figures.requestRate,
      errorRatio: figures.errorRatio,
      p99Seconds: figures.p99Seconds,
      deadLetters: deadLettersOf(reading),
      outbox: reading?.outbox ?? null,
      consumers: Object.entries(reading?.consumers ?? {})
        .map(([consumer, c]) => ({ consumer, ...c }))
        .sort((a, b) => a.consumer.localeCompare(b.consumer)),
    });
  }
  const latest = collector.history().at(-1);
  return {
    at: new Date(latest?.at ?? Date.now()).toISOString(),
    scrapeIntervalMs: collector.intervalMs,
    windowSeconds: collector.windowMs / 1000,
    services,
    events: [...events.values()].sort((a, b) => a.type.localeCompare(b.type)),
    deadLetters: {
      total: sum(services.map((s) => s.deadLetters)),
      byService: Object.fromEntries(services.map((s) => [s.name, s.deadLetters])),
    },
    domain: {
      overdueTasksByUnit: latest?.readings.tasks?.byUnit ?? null,
      documentsAwaitingByUnit: latest?.readings.documents?.byUnit ?? null,
    },
    series: seriesOf(collector.chartTicks(), names),
  };
}

function seriesOf(ticks: Tick[], names: ServiceName[]): Series {
  const s: Series = {
    t: ticks.map((t) => t.at),
    services: Object.fromEntries(names.map((n) => [n, { requestRate: [], errorRatio: [], p99Seconds: [] }])),
    deadLetters: [],
    outboxBacklog: [],
    outboxOldestAgeSeconds: [],
    consumerPending: [],
    publishedPerMinute: [],
    consumedPerMinute: [],
    overdueTasks: [],
    documentsAwaiting: [],
  };
  ticks.forEach((tick, i) => {
    const previous = ticks[i - 1];
    const readings = names.map((n) => tick.readings[n]).filter((r): r is Reading => r !== undefined);
    let published: number | null = previous ? 0 : null;
    let consumed: number | null = previous ? 0 : null;
    for (const name of names) {
      const now = tick.readings[name];
      const then = previous?.readings[name];
      const f = now && then ? between(then, now, (tick.at - previous!.at) / 1000) : undefined;
      const out = s.services[name]!;
      out.requestRate.push(f?.requestRate ?? null);
      out.errorRatio.push(f?.errorRatio ?? null);
      out.p99Seconds.push(f?.p99Seconds ?? null);
      if (f && published !== null && consumed !== null) {
        published += sum(Object.values(f.publishedPerMinute));
        consumed += sum(Object.values(f.consumedPerMinute));
      }
    }
    s.publishedPerMinute.push(published);
    s.consumedPerMinute.push(consumed);
    s.deadLetters.push(sum(readings.map(deadLettersOf)));
    s.outboxBacklog.push(sum(readings.map((r) => r.outbox?.backlog ?? 0)));
    s.outboxOldestAgeSeconds.push(Math.max(0, ...readings.map((r) => r.outbox?.oldestAgeSeconds ?? 0)));
    s.consumerPending.push(sum(readings.flatMap((r) => Object.values(r.consumers).map((c) => c.pending))));
    const overdue = tick.readings.tasks?.byUnit;
    s.overdueTasks.push(overdue ? sum(Object.values(overdue)) : null);
    const awaiting = tick.readings.documents?.byUnit;
    s.documentsAwaiting.push(awaiting ? sum(Object.values(awaiting)) : null);
  });
  return s;
}
