/**
 * One scrape of one service reduced to what the ops page shows: cumulative counters (calls, failures,
 * events by type), the latency histogram summed over methods, and the gauges. Only these few numbers
 * are kept per scrape, so thirty minutes of history stays small whatever the services export.
 *
 * Whose is a series: in production each service has its own process and `/metrics`; in the tests (and
 * any run with several services in one process) every admin port shows the same process-wide metrics.
 * So a series counts for a service when its labels name that service (the RPC method's package, the
 * event type's source, the durable consumer `<service>-<STREAM>`, the outbox's database) or, when its
 * labels name none, when the process is that service's own (`target_info` says so).
 */
import type { Sample } from "./prometheus.js";

/** Server streams that stay open for their client (SSE behind the gateway), left out of rates, errors and p99. */
const LIVE_STREAMS = new Set(["ministry.notifications.v1.NotificationService/StreamNotifications"]);
const LIVE_ROUTES = new Set(["/v1/me/events"]);

export const SERVICES = ["gateway", "tasks", "notifications", "meetings", "documents"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Health {
  up: boolean;
  ready: boolean;
  checks: Record<string, boolean | string>;
  version: string | null;
  /** Why the service could not be read (connection refused, timeout, HTTP status). */
  error?: string;
}

export interface Reading extends Health {
  /** Whether /metrics was read in this scrape (counters below are meaningless otherwise). */
  metrics: boolean;
  calls: number;
  errors: number;
  /** Cumulative histogram of call durations: upper bounds (seconds, +Inf last) and counts. */
  buckets: [number, number][];
  published: Record<string, number>;
  consumed: Record<string, number>;
  failed: Record<string, number>;
  deadLettered: Record<string, number>;
  outbox: { backlog: number; oldestAgeSeconds: number; parked: number } | null;
  consumers: Record<string, { stream: string; pending: number; ackPending: number; deadLetters: number }>;
  /** Domain gauges by unit: tasks.overdue (tasks), documents.awaiting_handling (documents). */
  byUnit: Record<string, number> | null;
}

const KNOWN = new Set<string>(SERVICES);

function known(name: string | undefined): ServiceName | undefined {
  return name !== undefined && KNOWN.has(name) ? (name as ServiceName) : undefined;
}

/** The service a series' labels name, if any. */
export function ownerOf(sample: Sample): ServiceName | undefined {
  const { name, labels } = sample;
  if (name.startsWith("rpc_server_")) return known(/^ministry\.([a-z0-9_]+)\./.exec(labels.rpc_method ?? "")?.[1]);
  if (name.startsWith("http_server_request_duration")) return "gateway";
  if (name === "events_published_total") return known(/^ministry\.([a-z0-9_]+)\./.exec(labels.type ?? "")?.[1]);
  if (name.startsWith("events_")) return known(labels.consumer?.slice(0, labels.consumer.lastIndexOf("-")));
  if (name.startsWith("outbox_")) return known(labels.db);
  if (name === "tasks_overdue") return "tasks";
  if (name === "documents_awaiting_handling") return "documents";
  return undefined;
}

export function emptyReading(health: Health): Reading {
  return {
    ...health,
    metrics: false,
    calls: 0,
    errors: 0,
    buckets: [],
    published: {},
    consumed: {},
    failed: {},
    deadLettered: {},
    outbox: null,
    consumers: {},
    byUnit: null,
  };
}

const add = (map: Record<string, number>, key: string, value: number) => {
  map[key] = (map[key] ?? 0) + value;
};

/** The service's figures in one scrape of its `/metrics`. */
export function readingOf(service: ServiceName, samples: Sample[], health: Health): Reading {
  const r = emptyReading(health);
  r.metrics = true;
  const info = samples.find((s) => s.name === "target_info")?.labels;
  const ownProcess = info?.service_name === service;
  if (r.version === null && ownProcess && info?.service_version) r.version = info.service_version;
  const buckets = new Map<number, number>();
  const consumer = (labels: Record<string, string>) =>
    (r.consumers[labels.consumer ?? "?"] ??= { stream: labels.stream ?? "", pending: 0, ackPending: 0, deadLetters: 0 });
  for (const s of samples) {
    // A live stream lasts as long as its client stays and ends CANCELLED when it leaves: neither its
    // duration nor that end says anything about the service's health.
    if (LIVE_STREAMS.has(s.labels.rpc_method ?? "") || LIVE_ROUTES.has(s.labels.http_route ?? "")) continue;
    const owner = ownerOf(s);
    if (owner !== service && !(owner === undefined && ownProcess)) continue;
    const { labels, value } = s;
    switch (s.name) {
      case "rpc_server_calls_total":
        if (service === "gateway") break;
        r.calls += value;
        if (labels.rpc_status_code !== "OK") r.errors += value;
        break;
      case "rpc_server_call_duration_seconds_bucket":
        if (service !== "gateway") buckets.set(le(labels), (buckets.get(le(labels)) ?? 0) + value);
        break;
      case "http_server_request_duration_seconds_count":
        if (service !== "gateway") break;
        r.calls += value;
        if (Number(labels.http_response_status_code) >= 500) r.errors += value;
        break;
      case "http_server_request_duration_seconds_bucket":
        if (service === "gateway") buckets.set(le(labels), (buckets.get(le(labels)) ?? 0) + value);
        break;
      case "events_published_total":
        add(r.published, labels.type ?? "unknown", value);
        break;
      case "events_consumed_total":
        // Retried and dead-lettered deliveries are failures, counted by events_failed_total.
        if (labels.outcome !== "retried" && labels.outcome !== "dead_lettered") add(r.consumed, labels.type ?? "unknown", value);
        break;
      case "events_failed_total":
        add(r.failed, labels.type ?? "unknown", value);
        break;
      case "events_dead_lettered_total":
        add(r.deadLettered, labels.type ?? "unknown", value);
        break;
      case "events_dead_letters":
        consumer(labels).deadLetters += value;
        break;
      case "events_consumer_pending":
        consumer(labels).pending += value;
        break;
      case "events_consumer_ack_pending":
        consumer(labels).ackPending += value;
        break;
      case "outbox_backlog":
        r.outbox ??= { backlog: 0, oldestAgeSeconds: 0, parked: 0 };
        r.outbox.backlog += value;
        break;
      case "outbox_oldest_unsent_age_seconds":
        r.outbox ??= { backlog: 0, oldestAgeSeconds: 0, parked: 0 };
        r.outbox.oldestAgeSeconds = Math.max(r.outbox.oldestAgeSeconds, value);
        break;
      case "outbox_parked":
        r.outbox ??= { backlog: 0, oldestAgeSeconds: 0, parked: 0 };
        r.outbox.parked += value;
        break;
      case "tasks_overdue":
      case "documents_awaiting_handling":
        r.byUnit ??= {};
        add(r.byUnit, labels.unit ?? "?", value);
        break;
    }
  }
  r.buckets = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  return r;
}

function le(labels: Record<string, string>): number {
  return labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(labels.le);
}
