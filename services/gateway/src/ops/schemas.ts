/** OpenAPI schemas of the ops API's answers (documentation: answers are serialized as built). */

const num = { type: "number" } as const;
const numOrNull = { type: ["number", "null"] } as const;
const counts = { type: "object", additionalProperties: num } as const;
const countsOrNull = { type: ["object", "null"], additionalProperties: num } as const;
const series = { type: "array", items: numOrNull } as const;

export function problemRef(description: string) {
  return { description, content: { "application/problem+json": { schema: { $ref: "Problem#" } } } };
}

export const serviceSchema = {
  type: "object",
  properties: {
    name: { type: "string", enum: ["gateway", "tasks", "notifications", "meetings", "documents"] },
    label: { type: "string" },
    up: { type: "boolean", description: "/healthz answered 200" },
    ready: { type: "boolean", description: "/readyz answered 200" },
    checks: { type: "object", additionalProperties: { type: ["boolean", "string"] }, description: "/readyz's checks" },
    version: { type: ["string", "null"], description: "Null when the service does not say" },
    error: { type: ["string", "null"], description: "Why the service could not be read" },
    requestRate: { ...numOrNull, description: "Calls per second over the last minute (gRPC; HTTP for the gateway)" },
    errorRatio: { ...numOrNull, description: "Share of calls not OK (gateway: HTTP 5xx); null without calls" },
    p99Seconds: { ...numOrNull, description: "99th percentile of call durations over the last minute" },
    deadLetters: { type: "integer" },
    outbox: {
      type: ["object", "null"],
      properties: { backlog: num, oldestAgeSeconds: num, parked: num },
      required: ["backlog", "oldestAgeSeconds", "parked"],
    },
    consumers: {
      type: "array",
      items: {
        type: "object",
        properties: { consumer: { type: "string" }, stream: { type: "string" }, pending: num, ackPending: num, deadLetters: num },
        required: ["consumer", "stream", "pending", "ackPending", "deadLetters"],
      },
    },
  },
  required: [
    "name",
    "label",
    "up",
    "ready",
    "checks",
    "version",
    "error",
    "requestRate",
    "errorRatio",
    "p99Seconds",
    "deadLetters",
    "outbox",
    "consumers",
  ],
} as const;

export const overviewSchema = {
  type: "object",
  properties: {
    at: { type: "string", format: "date-time", description: "When the services were last read" },
    scrapeIntervalMs: { type: "integer" },
    windowSeconds: { type: "integer", description: "The window of rates and p99" },
    services: { type: "array", items: serviceSchema },
    events: {
      type: "array",
      items: {
        type: "object",
        properties: {
          type: { type: "string" },
          publishedPerMinute: num,
          consumedPerMinute: num,
          failedPerMinute: num,
          deadLetteredPerMinute: num,
        },
        required: ["type", "publishedPerMinute", "consumedPerMinute", "failedPerMinute", "deadLetteredPerMinute"],
      },
    },
    deadLetters: { type: "object", properties: { total: { type: "integer" }, byService: counts }, required: ["total", "byService"] },
    domain: {
      type: "object",
      properties: { overdueTasksByUnit: countsOrNull, documentsAwaitingByUnit: countsOrNull },
      required: ["overdueTasksByUnit", "documentsAwaitingByUnit"],
    },
    series: {
      type: "object",
      description: "Chart points (the last 30 minutes); rates are between one point and the previous one",
      properties: {
        t: { type: "array", items: { type: "integer" }, description: "Epoch milliseconds" },
        services: {
          type: "object",
          additionalProperties: {
            type: "object",
            properties: { requestRate: series, errorRatio: series, p99Seconds: series },
            required: ["requestRate", "errorRatio", "p99Seconds"],
          },
        },
        deadLetters: series,
        outboxBacklog: series,
        outboxOldestAgeSeconds: series,
        consumerPending: series,
        publishedPerMinute: series,
        consumedPerMinute: series,
        overdueTasks: series,
        documentsAwaiting: series,
      },
      required: [
        "t",
        "services",
        "deadLetters",
        "outboxBacklog",
        "outboxOldestAgeSeconds",
        "consumerPending",
        "publishedPerMinute",
        "consumedPerMinute",
        "overdueTasks",
        "documentsAwaiting",
      ],
    },
  },
  required: ["at", "scrapeIntervalMs", "windowSeconds", "services", "events", "deadLetters", "domain", "series"],
} as const;

const time = { type: ["string", "null"], format: "date-time" } as const;

export const deadLetterSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    service: { type: "string" },
    consumer: { type: "string", description: "<service>-<STREAM>" },
    stream: { type: "string" },
    subject: { type: "string" },
    eventId: { type: "string" },
    eventType: { type: "string" },
    error: { type: "string", description: "The first failure's error" },
    deliveries: { type: "integer" },
    firstFailedAt: time,
    failedAt: time,
    attempts: {
      type: "array",
      items: {
        type: "object",
        properties: { at: time, error: { type: "string" }, replay: { type: "boolean" }, by: { type: "string" } },
        required: ["at", "error", "replay", "by"],
      },
    },
    headers: { type: "object", additionalProperties: { type: "string" } },
    data: { type: "string", contentEncoding: "base64" },
  },
  required: [
    "id",
    "service",
    "consumer",
    "stream",
    "subject",
    "eventId",
    "eventType",
    "error",
    "deliveries",
    "firstFailedAt",
    "failedAt",
    "attempts",
    "headers",
    "data",
  ],
} as const;
