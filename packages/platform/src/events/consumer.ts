/**
 * The idempotent consumer: reads a producing service's stream through this service's durable pull
 * consumer (one per (service, stream), named `<service>-<STREAM>`), and runs each event's handler in a
 * MongoDB transaction together with an inbox record keyed by (consuming service, ce-id). A redelivered or
 * re-published event finds its inbox record and is acked with no effect. Retryable failures are nak'ed
 * with exponential back-off; permanent ones, and events still failing after the maximum deliveries, go to
 * the dead letters (keyed by stream and durable consumer) while the next events keep flowing.
 */
import type { Consumer, ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  type BatchObservableCallback,
  type Counter,
  type Span,
} from "@opentelemetry/api";
import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Binary,
  type ClientSession,
  type Collection,
  type Db,
  type MongoClient,
  type ObjectId,
} from "mongodb";
import { systemClock, type Clock } from "../clock.js";
import { FailedPrecondition, InvalidArgument, NotFound } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";
import { inTransaction } from "../mongo.js";
import { AuditLog, SYSTEM_ACTOR } from "./audit.js";
import type { EventBus } from "./bus.js";
import { DeadLetterStore, parseDeadLetterId, type DeadLetterRecord } from "./dead-letters.js";
import {
  CE,
  PermanentError,
  decodeBody,
  extractContext,
  headerValue,
  parseCloudEventHeaders,
  streamName,
  type CloudEventAttributes,
  type EventType,
} from "./event-type.js";
import { INBOX_COLLECTION } from "./indexes.js";
import { ATTR, eventsMeter, eventsTracer, fromMsgHdrs } from "./telemetry.js";
import { Sleeper, backoffDelay, errorMessage, isDuplicateKeyError, type BackoffOptions } from "./util.js";

export interface ReceivedEvent<T> extends CloudEventAttributes {
  data: T;
  /** The NATS subject it arrived on. */
  subject: string;
  headers: Record<string, string>;
  /** 1 on the first delivery; counts redeliveries, and replays of a dead letter. */
  deliveries: number;
  /** True when an operator replays it from the dead letters. */
  replayed: boolean;
}

/**
 * Does the event's work with `session`: every write goes through it, so the work commits with the inbox
 * record or not at all (and may run again, as the driver retries transient transaction errors).
 * Throw `PermanentError` (or `InvalidArgument`) for an event no retry can fix; anything else is retried.
 */
export type EventHandler<T> = (event: ReceivedEvent<T>, session: ClientSession) => Promise<void>;

export interface InboxRecord {
  _id?: ObjectId;
  /**
   * The consuming service (not the durable consumer): whichever of its consumers handled an event, the
   * service has handled it, and renaming a durable consumer must not make old events new again.
   */
  consumer: string;
  eventId: string;
  type: string;
  subject: string;
  aggregateId: string;
  /** When it was handled, in real time (the TTL index's field). */
  processedAt: Date;
}

export interface EventConsumerOptions {
  bus: EventBus;
  client: MongoClient;
  db: Db;
  /** The consuming service: the key of its inbox, and the first half of the durable consumer's name. */
  name: string;
  /** The producing service whose stream is read (`meetings` → stream `MEETINGS`). */
  producer: string;
  /** One subject filter, e.g. `meetings.meeting.*`; the whole stream when unset. */
  filterSubject?: string;
  /** Deliveries (first one included) before a retryable failure becomes a dead letter. Default 5. */
  maxDeliveries?: number;
  /** Redelivery when a handler neither acks nor naks (a crash). Long handlers are kept alive. Default 30 s. */
  ackWaitMs?: number;
  /**
   * Delay of a retry after a retryable failure, and of the pauses while the database is unreachable.
   * Default 1 s doubling to 60 s.
   */
  retry?: Partial<BackoffOptions>;
  /** How long one pull waits for a message before asking again. Default 10 s. */
  fetchExpiresMs?: number;
  /** Which errors no retry can fix. Default: `PermanentError`, `InvalidArgument`, or `err.permanent === true`. */
  isPermanent?: (err: unknown) => boolean;
  /** Declare the durable consumer on start. Default true. */
  declare?: boolean;
  audit?: AuditLog;
  clock?: Clock;
  log?: Logger;
}

export type ConsumeOutcome = "processed" | "duplicate" | "ignored" | "retried" | "dead_lettered";

/** The durable consumer of `service` on `producer`'s stream: `tasks` reading `meetings` is `tasks-MEETINGS`. */
export function durableConsumerName(service: string, producer: string): string {
  return `${service}-${streamName(producer)}`;
}

export function isPermanentError(err: unknown): boolean {
  return (
    err instanceof PermanentError ||
    err instanceof InvalidArgument ||
    (typeof err === "object" && err !== null && (err as { permanent?: unknown }).permanent === true)
  );
}

/**
 * Server states of a replica set without a writable primary (an election, a shutdown): MongoDB's
 * "state change" errors, which the driver reacts to by selecting a server again.
 */
const NO_PRIMARY_CODES = new Set([
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * The database is unreachable: no server can be selected, the network failed, or no primary is there.
 * Not the event's fault, so the consumer waits with the message in hand instead of spending its
 * deliveries. Anything else, including an error labelled TransientTransactionError that is still there
 * after the driver's own transaction retries (e.g. NoSuchTransaction after a transaction timed out),
 * belongs to the event and spends a delivery: a consumer must never wait for ever on one event.
 */
export function isInfrastructureError(err: unknown): boolean {
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError
  ) {
    return true;
  }
  return err instanceof MongoError && typeof err.code === "number" && NO_PRIMARY_CODES.has(err.code);
}

/**
 * Deliveries the server allows beyond `maxDeliveries`, so the delivery on which a dead letter could not be
 * stored (database down), or a handler that crashed the process on its last try, still reaches the
 * dead-letter path instead of the server silently giving up on the message.
 */
const SERVER_EXTRA_DELIVERIES = 2;

interface Registration {
  type: EventType<unknown>;
  handler: EventHandler<unknown>;
}

const ALREADY_PROCESSED = Symbol("already processed");
/**
 * Thrown inside a handler's transaction once the consumer stops: the driver retries a conflicting
 * transaction for up to two minutes (a document held by a transaction a killed process left open stays
 * held for a minute), and a stop must not wait for that. The message goes back for redelivery.
 */
const STOPPING = new Error("the consumer is stopping");

export class EventConsumer {
  /** The durable consumer, `<service>-<STREAM>`: what dead letters, metrics and operators name it by. */
  readonly name: string;
  /** The consuming service: the key of the inbox. */
  readonly service: string;
  readonly stream: string;
  readonly deadLetters: DeadLetterStore;
  readonly inbox: Collection<InboxRecord>;
  private readonly bus: EventBus;
  private readonly client: MongoClient;
  private readonly producer: string;
  private readonly filterSubject?: string;
  private readonly maxDeliveries: number;
  private readonly ackWaitMs: number;
  private readonly retry: BackoffOptions;
  private readonly fetchExpiresMs: number;
  private readonly isPermanent: (err: unknown) => boolean;
  private readonly declare: boolean;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly handlers = new Map<string, Registration>();
  private readonly sleeper = new Sleeper();
  private readonly consumed: Counter;
  private readonly deadLettered: Counter;
  private readonly failed: Counter;
  private stopping = false;
  private loop?: Promise<void>;
  private fetching?: ConsumerMessages;
  private unregisterGauges?: () => void;

  constructor(opts: EventConsumerOptions) {
    this.bus = opts.bus;
    this.client = opts.client;
    this.service = opts.name;
    this.name = durableConsumerName(opts.name, opts.producer);
    this.producer = opts.producer;
    this.stream = streamName(opts.producer);
    this.filterSubject = opts.filterSubject;
    this.maxDeliveries = opts.maxDeliveries ?? 5;
    if (!Number.isInteger(this.maxDeliveries) || this.maxDeliveries < 1) throw new Error("maxDeliveries must be a positive integer");
    this.ackWaitMs = opts.ackWaitMs ?? 30_000;
    this.retry = { initialMs: opts.retry?.initialMs ?? 1_000, maxMs: opts.retry?.maxMs ?? 60_000 };
    this.fetchExpiresMs = opts.fetchExpiresMs ?? 10_000;
    this.isPermanent = opts.isPermanent ?? isPermanentError;
    this.declare = opts.declare ?? true;
    this.clock = opts.clock ?? systemClock;
    this.audit = opts.audit ?? new AuditLog(opts.db, { clock: this.clock });
    this.deadLetters = new DeadLetterStore(opts.db);
    this.inbox = opts.db.collection<InboxRecord>(INBOX_COLLECTION);
    this.log = (opts.log ?? createLogger("events", "silent")).child({ component: "consumer", consumer: this.name, stream: this.stream });
    const meter = eventsMeter();
    this.consumed = meter.createCounter("events.consumed", {
      description: "Events a consumer received, by type and outcome",
      unit: "{event}",
    });
    this.deadLettered = meter.createCounter("events.dead_lettered", {
      description: "Events a consumer moved to its dead letters, by type",
      unit: "{event}",
    });
    this.failed = meter.createCounter("events.failed", {
      description: "Attempts at an event whose handler failed (retried, dead-lettered, or a failed replay), by type",
      unit: "{event}",
    });
  }

  /** Consuming now (started and not stopping): what a readiness check asks. */
  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** Registers the handler of one event type of the producer's stream; events of other types are acked and ignored. */
  on<T>(type: EventType<T>, handler: EventHandler<T>): this {
    if (type.service !== this.producer) throw new Error(`${type.type} is not in stream ${this.stream}`);
    if (this.handlers.has(type.type)) throw new Error(`${this.name} already handles ${type.type}`);
    this.handlers.set(type.type, { type: type as EventType<unknown>, handler: handler as EventHandler<unknown> });
    return this;
  }

  /** Declares the durable consumer (unless told not to) and starts consuming. */
  async start(): Promise<void> {
    if (this.loop) return;
    if (this.declare) {
      await this.bus.ensureConsumer({
        producer: this.producer,
        consumer: this.name,
        // before consumers were named per stream, a service's durable on every stream was its bare name
        legacyNames: [this.service],
        filterSubject: this.filterSubject,
        maxDeliver: this.maxDeliveries + SERVER_EXTRA_DELIVERIES,
        ackWaitMs: this.ackWaitMs,
      });
    }
    this.stopping = false;
    this.registerGauges();
    this.loop = otelContext.with(ROOT_CONTEXT, () => this.run());
  }

  /**
   * Drains: stops fetching, lets the handler in flight finish and settle its message, then ends the pull.
   * A handler paused on an unreachable database gives its message back (nak) for another instance.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.sleeper.wakeAll();
    const closing = this.fetching?.close();
    await this.loop;
    await closing?.catch(() => undefined);
    await Promise.race([this.bus.nc.flush().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
    this.unregisterGauges?.();
    this.unregisterGauges = undefined;
    this.loop = undefined;
  }

  /**
   * Runs the handler again on a dead letter's stored event, with the same inbox rule: on success (or when
   * the event turns out to be handled already) the dead letter is removed in the same transaction, with an
   * audit record. A failure stays a dead letter: its original error is kept, the attempt is added.
   */
  async replayDeadLetter(id: string, actor: Actor = SYSTEM_ACTOR): Promise<{ replayed: boolean; error?: string }> {
    const record = await this.deadLetters.get(id);
    if (!record) throw new NotFound(`Không tìm thấy sự kiện lỗi ${id} / Dead letter ${id} not found`);
    if (record.consumer !== this.name || record.stream !== this.stream) {
      throw new FailedPrecondition(
        `Sự kiện lỗi ${id} thuộc bộ tiếp nhận ${record.consumer} của luồng ${record.stream}, không phải ${this.name} của luồng ${this.stream} / ` +
          `Dead letter ${id} belongs to consumer ${record.consumer} on ${record.stream}, not ${this.name} on ${this.stream}`,
        "DEAD_LETTER_OF_OTHER_CONSUMER",
        { consumer: record.consumer, stream: record.stream },
      );
    }
    const deliveries = record.deliveries + 1;
    return eventsTracer().startActiveSpan(
      `${record.subject} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { ...this.spanAttributes(record.subject, record.headers, deliveries), "messaging.replay": true },
      },
      extractContext(record.headers),
      async (span) => {
        try {
          const event = this.decode(record.subject, record.headers, bytesOf(record.data), deliveries, true);
          if (!event) throw new PermanentError(`${this.name} has no handler for ${headerValue(record.headers, CE.type)}`);
          const entry = (outcome: string) => ({
            actor,
            action: "deadletter.replayed",
            target: { type: "deadletter", id },
            change: { consumer: this.name, stream: this.stream, eventId: record.eventId, eventType: record.eventType, outcome },
          });
          const outcome = await this.process(event.registration, event.event, async (session) => {
            await this.deadLetters.remove(record._id, session);
            await this.audit.record(session, entry("processed"));
          });
          if (outcome === "duplicate") {
            await inTransaction(this.client, async (session) => {
              await this.deadLetters.remove(record._id, session);
              await this.audit.record(session, entry("already processed"));
            });
          }
          this.consumed.add(1, {
            consumer: this.name,
            stream: this.stream,
            type: record.eventType,
            outcome: outcome === "duplicate" ? "duplicate" : "processed",
          });
          return { replayed: true };
        } catch (err) {
          const error = errorMessage(err);
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error });
          this.failed.add(1, { consumer: this.name, stream: this.stream, type: record.eventType || "unknown" });
          await this.deadLetters.markFailed(record._id, { error, at: this.clock.now(), replay: true, by: actor.userId });
          this.log.warn({ err, deadLetter: id }, "dead letter replay failed");
          return { replayed: false, error };
        } finally {
          span.end();
        }
      },
    );
  }

  /** Removes a dead letter for good, with an audit record of who did it and why. */
  async discardDeadLetter(id: string, reason: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    parseDeadLetterId(id);
    await this.deadLetters.discard(this.client, this.audit, id, reason, actor);
  }

  /**
   * Pulls one message at a time: nothing waits in a client-side buffer while a handler runs (where its
   * ack_wait would tick and spend deliveries), and stopping leaves nothing fetched but unstarted.
   */
  private async run(): Promise<void> {
    let failures = 0;
    let consumer: Consumer | undefined;
    while (!this.stopping) {
      try {
        consumer ??= await this.bus.js.consumers.get(this.stream, this.name);
        const batch = await consumer.fetch({ max_messages: 1, expires: this.fetchExpiresMs });
        this.fetching = batch;
        if (this.stopping) {
          await batch.close();
          break;
        }
        for await (const msg of batch) {
          if (this.stopping) {
            msg.nak();
            continue;
          }
          await this.handle(msg);
        }
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        failures++;
        consumer = undefined;
        const delayMs = backoffDelay(failures, { initialMs: 250, maxMs: 10_000 });
        this.log.warn({ err, failures, delayMs }, "pulling from the consumer failed; retrying");
        await this.sleeper.sleep(delayMs, false);
      } finally {
        this.fetching = undefined;
      }
    }
  }

  private spanAttributes(subject: string, headers: Record<string, string>, deliveries: number) {
    return {
      [ATTR.system]: "nats",
      [ATTR.operation]: "process",
      [ATTR.destination]: subject,
      [ATTR.consumerGroup]: this.name,
      [ATTR.messageId]: headerValue(headers, CE.id) ?? "",
      [ATTR.eventType]: headerValue(headers, CE.type) ?? "",
      [ATTR.eventSubject]: headerValue(headers, CE.subject) ?? "",
      [ATTR.deliveryCount]: deliveries,
    };
  }

  /** Never throws: every message ends acked, nak'ed or terminated (or, if NATS is gone, redelivered later). */
  private async handle(msg: JsMsg): Promise<void> {
    const headers = fromMsgHdrs(msg.headers);
    const deliveries = msg.info.deliveryCount;
    await eventsTracer().startActiveSpan(
      `${msg.subject} process`,
      { kind: SpanKind.CONSUMER, attributes: this.spanAttributes(msg.subject, headers, deliveries) },
      extractContext(headers),
      async (span) => {
        const keepAlive = setInterval(() => msg.working(), Math.max(1_000, Math.floor(this.ackWaitMs / 2)));
        try {
          const outcome = await this.handleInSpan(msg, headers, deliveries, span);
          span.setAttribute("messaging.outcome", outcome);
          this.consumed.add(1, { consumer: this.name, stream: this.stream, type: headerValue(headers, CE.type) ?? "unknown", outcome });
        } catch (err) {
          // only the broker calls themselves can get here; the server redelivers after ack_wait
          this.log.error({ err, subject: msg.subject, seq: msg.seq }, "could not settle a message");
        } finally {
          clearInterval(keepAlive);
          span.end();
        }
      },
    );
  }

  private async handleInSpan(msg: JsMsg, headers: Record<string, string>, deliveries: number, span: Span): Promise<ConsumeOutcome> {
    for (let outage = 1; ; outage++) {
      let outcome: "processed" | "duplicate" | "ignored";
      try {
        if (deliveries > this.maxDeliveries) {
          throw new PermanentError(
            `delivered ${deliveries} times (maximum ${this.maxDeliveries}) without an outcome: handler timeouts or crashes`,
          );
        }
        const decoded = this.decode(msg.subject, headers, msg.data, deliveries, false);
        outcome = decoded ? await this.process(decoded.registration, decoded.event) : "ignored";
      } catch (err) {
        if (err === STOPPING) {
          msg.nak();
          return "retried";
        }
        if (isInfrastructureError(err) && !this.isPermanent(err)) {
          if (await this.pauseForOutage(msg, err, outage)) continue;
          return "retried";
        }
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
        this.failed.add(1, { consumer: this.name, stream: this.stream, type: headerValue(headers, CE.type) ?? "unknown" });
        if (this.isPermanent(err) || deliveries >= this.maxDeliveries) {
          return this.deadLetter(msg, headers, err, deliveries);
        }
        const delayMs = backoffDelay(deliveries, this.retry);
        this.log.warn(
          { err, subject: msg.subject, eventId: headerValue(headers, CE.id), deliveries, delayMs },
          "event handler failed; retrying",
        );
        msg.nak(delayMs);
        return "retried";
      }
      // outside the try: a failed ack after a commit is not a handler failure (the redelivery is a duplicate)
      msg.ack();
      return outcome;
    }
  }

  /**
   * Waits out an unreachable database with the message in hand (the keep-alive holds its ack_wait off),
   * so an outage spends none of the event's deliveries. False when stopping: the message goes back.
   */
  private async pauseForOutage(msg: JsMsg, err: unknown, outage: number): Promise<boolean> {
    if (!this.stopping) {
      const delayMs = backoffDelay(outage, this.retry);
      this.log.warn({ err, subject: msg.subject, outage, delayMs }, "database unreachable; pausing the consumer");
      await this.sleeper.sleep(delayMs, false);
    }
    if (this.stopping) {
      msg.nak();
      return false;
    }
    return true;
  }

  /** The typed event and its handler; undefined for a type this consumer does not handle. */
  private decode(subject: string, headers: Record<string, string>, data: Uint8Array, deliveries: number, replayed: boolean) {
    const attributes = parseCloudEventHeaders(headers);
    const registration = this.handlers.get(attributes.type);
    if (!registration) return undefined;
    const event: ReceivedEvent<unknown> = {
      ...attributes,
      data: decodeBody(registration.type, data),
      subject,
      headers,
      deliveries,
      replayed,
    };
    return { registration, event };
  }

  /** Handler and inbox record in one transaction; "duplicate" when the inbox already has the event. */
  private async process(
    registration: Registration,
    event: ReceivedEvent<unknown>,
    alsoInTransaction?: (session: ClientSession) => Promise<void>,
  ): Promise<"processed" | "duplicate"> {
    try {
      await inTransaction(this.client, async (session) => {
        if (this.stopping) throw STOPPING;
        try {
          await this.inbox.insertOne(
            {
              consumer: this.service,
              eventId: event.id,
              type: event.type,
              subject: event.subject,
              aggregateId: event.aggregateId,
              // real time, not the service's clock: it drives the TTL, and a test clock must never expire it
              processedAt: new Date(),
            },
            { session },
          );
        } catch (err) {
          if (isDuplicateKeyError(err)) throw ALREADY_PROCESSED;
          throw err;
        }
        await registration.handler(event, session);
        await alsoInTransaction?.(session);
      });
      return "processed";
    } catch (err) {
      if (err === ALREADY_PROCESSED) return "duplicate";
      throw err;
    }
  }

  private async deadLetter(msg: JsMsg, headers: Record<string, string>, err: unknown, deliveries: number): Promise<ConsumeOutcome> {
    const eventType = headerValue(headers, CE.type) ?? "";
    for (let outage = 1; ; outage++) {
      try {
        await this.deadLetters.record({
          consumer: this.name,
          stream: this.stream,
          streamSequence: msg.seq,
          subject: msg.subject,
          eventId: headerValue(headers, CE.id) || `nats:${this.stream}:${msg.seq}`,
          eventType,
          headers,
          data: msg.data,
          error: errorMessage(err),
          deliveries,
          failedAt: this.clock.now(),
        });
        break;
      } catch (storeErr) {
        // never terminate a message whose dead letter is not stored
        if (isInfrastructureError(storeErr)) {
          if (await this.pauseForOutage(msg, storeErr, outage)) continue;
          return "retried";
        }
        this.log.error(
          { err: storeErr, cause: errorMessage(err), subject: msg.subject, seq: msg.seq },
          "could not store a dead letter; leaving the message for redelivery",
        );
        msg.nak(backoffDelay(deliveries, this.retry));
        return "retried";
      }
    }
    msg.term();
    this.deadLettered.add(1, { consumer: this.name, stream: this.stream, type: eventType || "unknown" });
    this.log.error({ err, subject: msg.subject, eventId: headerValue(headers, CE.id), deliveries }, "event moved to dead letters");
    return "dead_lettered";
  }

  private registerGauges(): void {
    const meter = eventsMeter();
    const deadLetters = meter.createObservableGauge("events.dead_letters", {
      description: "Dead letters waiting for an operator",
      unit: "{event}",
    });
    const pending = meter.createObservableGauge("events.consumer.pending", {
      description: "Events in the stream not yet delivered to the consumer",
      unit: "{event}",
    });
    const ackPending = meter.createObservableGauge("events.consumer.ack_pending", {
      description: "Events delivered but not yet acknowledged",
      unit: "{event}",
    });
    const attributes = { consumer: this.name, stream: this.stream };
    const callback: BatchObservableCallback = async (result) => {
      try {
        result.observe(deadLetters, await this.deadLetters.count({ stream: this.stream, consumer: this.name }), attributes);
        const info = await (await this.bus.jsm()).consumers.info(this.stream, this.name);
        result.observe(pending, info.num_pending, attributes);
        result.observe(ackPending, info.num_ack_pending, attributes);
      } catch (err) {
        this.log.debug({ err }, "consumer gauges unavailable");
      }
    };
    meter.addBatchObservableCallback(callback, [deadLetters, pending, ackPending]);
    this.unregisterGauges = () => meter.removeBatchObservableCallback(callback, [deadLetters, pending, ackPending]);
  }
}

function bytesOf(data: Uint8Array | Binary): Uint8Array {
  return data instanceof Uint8Array ? data : data.value();
}

export type { DeadLetterRecord };
