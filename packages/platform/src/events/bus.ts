/**
 * The event bus: one NATS connection per service, its JetStream stream (one per producing service) and
 * the durable pull consumers of the services that read it, declared idempotently at start-up, and typed
 * publishing of CloudEvents with the trace context in the headers.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { InvalidArgumentError, InvalidSubjectError, nanos, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, propagation, type Counter } from "@opentelemetry/api";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { createLogger, type Logger } from "../logger.js";
import { encodeEvent, extractContext, streamName, type EncodedEvent, type OutgoingEvent } from "./event-type.js";
import { ATTR, eventsMeter, eventsTracer, toMsgHdrs } from "./telemetry.js";

export interface EventBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name the server shows, usually the service name. */
  name?: string;
  log?: Logger;
  clock?: Clock;
  /** Timeout of JetStream API requests and publish acknowledgements. Default 5 s. */
  requestTimeoutMs?: number;
  /** Wait between reconnect attempts; the bus reconnects forever. Default 500 ms. */
  reconnectTimeWaitMs?: number;
}

export interface StreamOptions {
  /** The producing service: stream `<SERVICE>` with subjects `<service>.>`. */
  service: string;
  /** 1 in the default run, 3 in production (`NATS_STREAM_REPLICAS`). */
  replicas?: number;
  /** How long events stay in the stream for consumers to catch up or replay. Default 7 days. */
  maxAgeMs?: number;
  /** Window in which a re-published `Nats-Msg-Id` is dropped. At least (and by default) 2 minutes. */
  duplicateWindowMs?: number;
}

export interface DurableConsumerOptions {
  /** The producing service whose stream is read (`meetings` → stream `MEETINGS`). */
  producer: string;
  /** The durable name (`<service>-<STREAM>`). */
  consumer: string;
  /**
   * Earlier names of this durable on the same stream. When the durable does not exist yet and one of
   * these does, the new one starts where the old one's acknowledgements ended and the old one is removed,
   * so a rename neither replays the stream nor leaves a durable that piles up pending messages.
   */
  legacyNames?: string[];
  /** One subject filter (nats-server 2.9 takes one), e.g. `meetings.meeting.*`. */
  filterSubject?: string;
  /** Deliveries after which the server stops redelivering. */
  maxDeliver: number;
  /** Time the server waits for an ack before redelivering. */
  ackWaitMs: number;
  /** Unacknowledged messages the server lets out at once. Default 256. */
  maxAckPending?: number;
  /** Replicas of the producer's stream when the consumer has to declare it (the producer never started yet). */
  streamReplicas?: number;
}

const MIN_DUPLICATE_WINDOW_MS = 2 * 60_000;
const DEFAULT_MAX_AGE_MS = 7 * 24 * 3600_000;

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** Room for the trace context the publishing span puts in place of the stored one (a tracestate may grow). */
const TRACE_HEADER_ALLOWANCE = 256;

/**
 * The bytes an event takes against the server's max_payload when the relay publishes it: the encoded
 * headers (with `Nats-Msg-Id`) plus the body, and room for the publishing span's trace context.
 */
export function publishedSize(event: EncodedEvent): number {
  const headers = toMsgHdrs({ ...event.headers, "Nats-Msg-Id": event.id });
  return Buffer.byteLength(headers.toString(), "utf8") + event.data.length + TRACE_HEADER_ALLOWANCE;
}

/**
 * A refusal no retry can change: the client's own checks (max_payload exceeded, an invalid subject or
 * header) or the stream's message size limit. Timeouts, a broker that is down and "no stream" are not.
 */
export function isPermanentPublishError(err: unknown): boolean {
  if (err instanceof InvalidArgumentError || err instanceof InvalidSubjectError) return true;
  return err instanceof JetStreamApiError && STREAM_SIZE_REFUSALS.has(err.code);
}

/** nats-server's JSStreamMessageExceedsMaximumErr and JSStreamHeaderExceedsMaximumErr. */
const STREAM_SIZE_REFUSALS = new Set([10054, 10097]);

export class EventBus {
  readonly js: JetStreamClient;
  readonly log: Logger;
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number;
  private jsmPromise?: Promise<JetStreamManager>;
  private readonly published: Counter;

  /** Connects and keeps reconnecting for as long as the bus is open. */
  static async connect(opts: EventBusOptions): Promise<EventBus> {
    const nc = await connect({
      servers: opts.servers,
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: opts.reconnectTimeWaitMs ?? 500,
      timeout: opts.requestTimeoutMs ?? 5_000,
    });
    return new EventBus(nc, opts);
  }

  constructor(
    readonly nc: NatsConnection,
    opts: Omit<EventBusOptions, "servers"> = {},
  ) {
    this.log = opts.log ?? createLogger("events", "silent");
    this.clock = opts.clock ?? systemClock;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
    this.js = jetstream(nc, { timeout: this.requestTimeoutMs });
    this.published = eventsMeter().createCounter("events.published", {
      description: "Events stored by JetStream (including ones it dropped as duplicates), by type",
      unit: "{event}",
    });
    void this.watchStatus();
  }

  jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= jetstreamManager(this.nc, { timeout: this.requestTimeoutMs }).catch((err) => {
      this.jsmPromise = undefined;
      throw err;
    });
    return this.jsmPromise;
  }

  /** Creates the service's stream, or brings an existing one to this configuration. */
  async ensureStream(opts: StreamOptions): Promise<StreamInfo> {
    const duplicateWindowMs = opts.duplicateWindowMs ?? MIN_DUPLICATE_WINDOW_MS;
    const maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    if (duplicateWindowMs < MIN_DUPLICATE_WINDOW_MS)
      throw new Error(`duplicateWindowMs must be at least ${MIN_DUPLICATE_WINDOW_MS} (2 minutes)`);
    if (maxAgeMs < duplicateWindowMs) throw new Error("maxAgeMs must not be shorter than the duplicate window");
    const name = streamName(opts.service);
    const desired: Partial<StreamConfig> & { name: string } = {
      name,
      subjects: [`${opts.service}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: opts.replicas ?? 1,
      max_age: nanos(maxAgeMs),
      duplicate_window: nanos(duplicateWindowMs),
    };
    const jsm = await this.jsm();
    let info: StreamInfo;
    try {
      info = await jsm.streams.info(name);
    } catch (err) {
      if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
      try {
        return await jsm.streams.add(desired);
      } catch (addErr) {
        // another instance created it first: fall through and reconcile
        info = await jsm.streams.info(name).catch(() => Promise.reject(addErr));
      }
    }
    const c = info.config;
    const same =
      c.subjects?.length === 1 &&
      c.subjects[0] === desired.subjects![0] &&
      c.num_replicas === desired.num_replicas &&
      c.max_age === desired.max_age &&
      c.duplicate_window === desired.duplicate_window &&
      c.discard === desired.discard;
    if (same) return info;
    if (c.storage !== StorageType.File)
      throw new Error(`stream ${name} exists with ${c.storage} storage; it must be recreated with file storage`);
    this.log.info({ stream: name }, "updating stream configuration");
    const { name: _name, storage: _storage, retention: _retention, ...update } = desired;
    return jsm.streams.update(name, { ...c, ...update });
  }

  /**
   * Creates the durable pull consumer, or brings an existing one to this configuration; then removes the
   * durables it replaces (`legacyNames`). Removing comes last and runs on every call, so a crash between
   * creating the new durable and removing the old one is mended by the next start.
   */
  async ensureConsumer(opts: DurableConsumerOptions): Promise<ConsumerInfo> {
    const info = await this.declareConsumer(opts);
    const stream = streamName(opts.producer);
    const jsm = await this.jsm();
    for (const name of opts.legacyNames ?? []) {
      try {
        await jsm.consumers.delete(stream, name);
        this.log.info({ stream, consumer: opts.consumer, replaces: name }, "durable consumer renamed; removed the old one");
      } catch (err) {
        if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      }
    }
    return info;
  }

  private async declareConsumer(opts: DurableConsumerOptions): Promise<ConsumerInfo> {
    const stream = streamName(opts.producer);
    const desired: Partial<ConsumerConfig> = {
      durable_name: opts.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(opts.ackWaitMs),
      max_deliver: opts.maxDeliver,
      max_ack_pending: opts.maxAckPending ?? 256,
      ...(opts.filterSubject ? { filter_subject: opts.filterSubject } : {}),
    };
    const jsm = await this.jsm();
    let info: ConsumerInfo;
    try {
      info = await jsm.consumers.info(stream, opts.consumer);
    } catch (err) {
      if (isApiError(err, JetStreamApiCodes.StreamNotFound)) {
        // The consumer started before its producer ever did: declare the producer's stream with the
        // defaults, so the consumer can start now; the producer's own ensureStream later brings it to
        // its configuration.
        this.log.info({ stream, consumer: opts.consumer }, "stream not declared yet by its producer; declaring it");
        await this.ensureStream({ service: opts.producer, replicas: opts.streamReplicas });
        return this.declareConsumer(opts);
      }
      if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      const legacy = await this.legacyConsumer(jsm, stream, opts.legacyNames ?? []);
      try {
        // a renamed durable goes on where the old one's acknowledgements ended, replaying nothing
        return await jsm.consumers.add(
          stream,
          legacy ? { ...desired, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: legacy.ack_floor.stream_seq + 1 } : desired,
        );
      } catch (addErr) {
        info = await jsm.consumers.info(stream, opts.consumer).catch(() => Promise.reject(addErr));
      }
    }
    const c = info.config;
    const same =
      c.ack_wait === desired.ack_wait &&
      c.max_deliver === desired.max_deliver &&
      c.max_ack_pending === desired.max_ack_pending &&
      (c.filter_subject ?? "") === (desired.filter_subject ?? "");
    if (same) return info;
    this.log.info({ stream, consumer: opts.consumer }, "updating consumer configuration");
    return jsm.consumers.update(stream, opts.consumer, {
      ack_wait: desired.ack_wait,
      max_deliver: desired.max_deliver,
      max_ack_pending: desired.max_ack_pending,
      filter_subject: desired.filter_subject ?? "",
    });
  }

  private async legacyConsumer(jsm: JetStreamManager, stream: string, names: string[]): Promise<ConsumerInfo | undefined> {
    for (const name of names) {
      try {
        return await jsm.consumers.info(stream, name);
      } catch (err) {
        if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      }
    }
    return undefined;
  }

  /**
   * Publishes an event now, outside any transaction. Commands publish through the outbox instead; this
   * is for events with no state change behind them and for tests.
   */
  publish<T>(event: OutgoingEvent<T>): Promise<PubAck> {
    return this.publishEncoded(encodeEvent(event, { now: this.clock.now() }));
  }

  /**
   * Publishes an encoded event inside a PRODUCER span that continues the trace its headers carry, with
   * `Nats-Msg-Id` = `ce-id` (`msgId` overrides it, for tests that need a second copy past deduplication).
   */
  async publishEncoded(event: EncodedEvent, opts: { msgId?: string } = {}): Promise<PubAck> {
    const parent = extractContext(event.headers, ROOT_CONTEXT);
    return eventsTracer().startActiveSpan(
      `${event.subject} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [ATTR.system]: "nats",
          [ATTR.operation]: "send",
          [ATTR.destination]: event.subject,
          [ATTR.messageId]: event.id,
          [ATTR.eventType]: event.type,
          [ATTR.eventSubject]: event.aggregateId,
        },
      },
      parent,
      async (span) => {
        try {
          const headers = { ...event.headers };
          // the consumer's span becomes a child of this one, which is a child of the command that wrote it
          delete headers.traceparent;
          delete headers.tracestate;
          propagation.inject(otelContext.active(), headers);
          const ack = await this.js.publish(event.subject, event.data, {
            msgID: opts.msgId ?? event.id,
            headers: toMsgHdrs(headers),
            timeout: this.requestTimeoutMs,
          });
          if (ack.duplicate) span.setAttribute("messaging.nats.duplicate", true);
          this.published.add(1, { type: event.type });
          return ack;
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Drains: pending publishes and acks go out, subscriptions end, then the connection closes. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === "disconnect") this.log.warn({ server: s.server }, "NATS disconnected");
      else if (s.type === "reconnect") this.log.info({ server: s.server }, "NATS reconnected");
    }
  }
}
