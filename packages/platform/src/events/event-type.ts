/**
 * Typed event definitions and their CloudEvents 1.0 binary-mode encoding (headers + protobuf body), as the
 * CloudEvents NATS protocol binding spells it. One definition pairs a subject and a `ce-type` with the
 * ts-proto codec of its payload, so publishing and handling an event are both type-checked.
 */
import { randomUUID } from "node:crypto";
import { ROOT_CONTEXT, context as otelContext, propagation, type Context } from "@opentelemetry/api";

/** What ts-proto generates for a message (`MessageFns<T>`), reduced to what events need. */
export interface ProtoCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

export interface OutgoingEvent<T> {
  readonly type: EventType<T>;
  /** `ce-subject`: the id of the aggregate the event is about. */
  readonly aggregateId: string;
  readonly data: T;
  /** `ce-id`; also the JetStream `Nats-Msg-Id`, so a re-publish inside the duplicate window is dropped. */
  readonly id: string;
  /** `ce-time`; the clock of whoever encodes the event when unset. */
  readonly time?: Date;
}

export interface EventType<T> {
  readonly service: string;
  readonly aggregate: string;
  readonly event: string;
  readonly version: number;
  /** NATS subject: `<service>.<aggregate>.<event>`. */
  readonly subject: string;
  /** `ce-type`: `ministry.<service>.<aggregate>.<event>.v<version>`. */
  readonly type: string;
  /** `ce-source`: `/ministry/<service>`. */
  readonly source: string;
  readonly codec: ProtoCodec<T>;
  /** An event of this type about `aggregateId`, with a fresh UUID unless `id` is given. */
  of(aggregateId: string, data: T, opts?: { id?: string; time?: Date }): OutgoingEvent<T>;
}

export interface EventTypeSpec<T> {
  service: string;
  aggregate: string;
  event: string;
  /** The ts-proto message, e.g. `TaskCreated` from `@ministry/proto/ministry/tasks/v1/events`. */
  message: ProtoCodec<T>;
  version?: number;
}

const TOKEN = /^[a-z][a-z0-9_]*$/;

export function defineEvent<T>(spec: EventTypeSpec<T>): EventType<T> {
  for (const key of ["service", "aggregate", "event"] as const) {
    if (!TOKEN.test(spec[key])) throw new Error(`event ${key} "${spec[key]}" must be lower-case letters, digits and underscores`);
  }
  const version = spec.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw new Error(`event version must be a positive integer, got ${version}`);
  const definition: EventType<T> = {
    service: spec.service,
    aggregate: spec.aggregate,
    event: spec.event,
    version,
    subject: `${spec.service}.${spec.aggregate}.${spec.event}`,
    type: `ministry.${spec.service}.${spec.aggregate}.${spec.event}.v${version}`,
    source: `/ministry/${spec.service}`,
    codec: spec.message,
    of(aggregateId, data, opts = {}) {
      if (!aggregateId) throw new Error(`${definition.type}: an event needs the id of its aggregate (ce-subject)`);
      return { type: definition, aggregateId, data, id: opts.id ?? randomUUID(), time: opts.time };
    },
  };
  return Object.freeze(definition);
}

/** The stream of a producing service: `MEETINGS` holds `meetings.>`. */
export function streamName(service: string): string {
  return service.toUpperCase();
}

/** An event ready for the wire (and for the outbox): headers, body and where it goes. */
export interface EncodedEvent {
  id: string;
  type: string;
  subject: string;
  aggregateId: string;
  headers: Record<string, string>;
  data: Uint8Array;
}

export const CE = {
  specversion: "ce-specversion",
  id: "ce-id",
  type: "ce-type",
  source: "ce-source",
  subject: "ce-subject",
  time: "ce-time",
  contentType: "content-type",
} as const;

export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

/**
 * Encodes the event and captures the trace context of `ctx` (the caller's active context by default) as
 * `traceparent`/`tracestate`, so whoever publishes it later — the outbox relay — continues the caller's trace.
 */
export function encodeEvent<T>(event: OutgoingEvent<T>, opts: { now?: Date; context?: Context } = {}): EncodedEvent {
  const time = event.time ?? opts.now ?? new Date();
  const headers: Record<string, string> = {
    [CE.specversion]: "1.0",
    [CE.id]: event.id,
    [CE.type]: event.type.type,
    [CE.source]: event.type.source,
    [CE.subject]: event.aggregateId,
    [CE.time]: time.toISOString(),
    [CE.contentType]: PROTOBUF_CONTENT_TYPE,
  };
  propagation.inject(opts.context ?? otelContext.active(), headers);
  return {
    id: event.id,
    type: event.type.type,
    subject: event.type.subject,
    aggregateId: event.aggregateId,
    headers,
    data: event.type.codec.encode(event.data).finish(),
  };
}

/**
 * An error no retry can fix: the event goes to the dead letters at once. Handlers throw it (or an
 * `InvalidArgument`) for events that fail validation; undecodable bodies and missing CloudEvents headers
 * raise it too.
 */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentError";
  }
}

export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  /** `ce-subject`: the aggregate id (empty when the producer sent none). */
  aggregateId: string;
  time: Date;
}

/** Case-insensitive header lookup: NATS header names, like HTTP's, are not case-sensitive for us. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (name in headers) return headers[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Reads and checks the CloudEvents binary-mode attributes; a missing or malformed one is permanent. */
export function parseCloudEventHeaders(headers: Record<string, string>): CloudEventAttributes {
  const required = (name: string) => {
    const v = headerValue(headers, name);
    if (!v) throw new PermanentError(`missing CloudEvents header ${name}`);
    return v;
  };
  const specversion = required(CE.specversion);
  if (specversion !== "1.0") throw new PermanentError(`unsupported ce-specversion "${specversion}"`);
  const contentType = required(CE.contentType);
  if (contentType.split(";")[0]!.trim().toLowerCase() !== PROTOBUF_CONTENT_TYPE) {
    throw new PermanentError(`unsupported content-type "${contentType}", expected ${PROTOBUF_CONTENT_TYPE}`);
  }
  const rawTime = required(CE.time);
  const time = new Date(rawTime);
  if (Number.isNaN(time.getTime())) throw new PermanentError(`malformed ce-time "${rawTime}"`);
  return {
    id: required(CE.id),
    type: required(CE.type),
    source: required(CE.source),
    aggregateId: headerValue(headers, CE.subject) ?? "",
    time,
  };
}

/** Decodes a protobuf body; bytes that do not parse are permanent. */
export function decodeBody<T>(type: EventType<T>, data: Uint8Array): T {
  try {
    return type.codec.decode(data);
  } catch (err) {
    throw new PermanentError(`cannot decode ${type.type} body: ${(err as Error).message}`, { cause: err });
  }
}

/** The trace context an encoded event carries, as the parent of whatever handles or publishes it. */
export function extractContext(headers: Record<string, string>, base: Context = ROOT_CONTEXT): Context {
  return propagation.extract(base, headers);
}
