/**
 * The transactional outbox. A command adds its events to the `outbox` collection in the same MongoDB
 * transaction as its state change, so an event exists if and only if the change committed. A relay
 * publishes unsent records with `Nats-Msg-Id` = `ce-id` (one aggregate's in sequence order, different
 * aggregates' concurrently), marks them sent, and is nudged as soon as a session that added records ends;
 * it polls as well, to pick up what a crashed process left.
 *
 * An event the broker could never take is refused when it is added (larger than the connection's
 * max_payload), so the command fails instead of storing something unpublishable. A record the broker
 * still refuses for good (an invalid subject or header, a max_payload lowered since) is parked with the
 * reason: the relay goes on with the next records, and an operator sees it (metrics, OperationsService)
 * and retries or discards it.
 */
import { ROOT_CONTEXT, context as otelContext, type BatchObservableCallback, type Counter } from "@opentelemetry/api";
import { ObjectId, type Binary, type ClientSession, type Collection, type Db, type Filter } from "mongodb";
import { systemClock, type Clock } from "../clock.js";
import { InvalidArgument, NotFound } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";
import { isPermanentPublishError, publishedSize, type EventBus } from "./bus.js";
import { encodeEvent, type EncodedEvent, type OutgoingEvent } from "./event-type.js";
import { OUTBOX_COLLECTION, OUTBOX_SEQUENCE_COLLECTION } from "./indexes.js";
import { eventsMeter } from "./telemetry.js";
import { Sleeper, backoffDelay, errorMessage, isDuplicateKeyError, type BackoffOptions } from "./util.js";

export interface OutboxRecord {
  _id?: ObjectId;
  /** Allocated when the record is added; the relay publishes in this order. */
  seq: number;
  eventId: string;
  type: string;
  subject: string;
  aggregateId: string;
  headers: Record<string, string>;
  data: Uint8Array | Binary;
  createdAt: Date;
  /**
   * null until the relay has published it; the TTL index removes sent records after the retention. Real
   * time, never the service's clock: a test clock must not drive real-time expiry.
   */
  sentAt: Date | null;
  publishCount: number;
  /** Set when the broker refused the record for good; the relay skips it until an operator retries it. */
  parkedAt?: Date | null;
  parkReason?: string;
}

/** The relay's work: neither sent nor parked (`null` also matches records written before parking existed). */
const UNSENT: Filter<OutboxRecord> = { sentAt: null, parkedAt: null };
const PARKED: Filter<OutboxRecord> = { parkedAt: { $type: "date" } };

/** NATS's default max_payload, for an outbox that adds records without a connection to ask. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface OutboxOptions {
  db: Db;
  /** Needed by the relay (`start`); adding records needs only the database. */
  bus?: EventBus;
  clock?: Clock;
  log?: Logger;
  /** Fallback polling, for records a crashed process committed but never published. Default 5 s. */
  pollIntervalMs?: number;
  /** Records read per relay pass. Default 100. */
  batchSize?: number;
  /** Back-off after a failed pass (broker or database down). Default 200 ms doubling to 10 s. */
  retry?: Partial<BackoffOptions>;
  /**
   * The largest message the broker takes (headers and body). Default: the connected server's
   * `max_payload`, or NATS's default of 1 MiB when the outbox has no bus.
   */
  maxPayloadBytes?: number;
}

// Two relays of one outbox in one process would only race each other: one loop per database.
const runningRelays = new Set<string>();

export class Outbox {
  readonly records: Collection<OutboxRecord>;
  private readonly sequence: Collection<{ _id: string; value: number }>;
  private readonly bus?: EventBus;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly retry: BackoffOptions;
  private readonly sleeper = new Sleeper();
  private readonly watchedSessions = new WeakSet<ClientSession>();
  private readonly relayKey: string;
  private readonly maxPayloadOverride?: number;
  private readonly parkedCounter: Counter;
  private running = false;
  private nudged = false;
  private failures = 0;
  private lastError?: string;
  private loop?: Promise<void>;
  private unregisterGauges?: () => void;

  constructor(opts: OutboxOptions) {
    this.records = opts.db.collection<OutboxRecord>(OUTBOX_COLLECTION);
    this.sequence = opts.db.collection<{ _id: string; value: number }>(OUTBOX_SEQUENCE_COLLECTION);
    this.bus = opts.bus;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.log ?? createLogger("events", "silent")).child({ component: "outbox" });
    this.pollIntervalMs = opts.pollIntervalMs ?? 5_000;
    this.batchSize = opts.batchSize ?? 100;
    this.retry = { initialMs: opts.retry?.initialMs ?? 200, maxMs: opts.retry?.maxMs ?? 10_000 };
    this.relayKey = `${opts.db.databaseName}.${OUTBOX_COLLECTION}`;
    this.maxPayloadOverride = opts.maxPayloadBytes;
    this.parkedCounter = eventsMeter().createCounter("outbox.records_parked", {
      description: "Outbox records the relay parked because the broker refused them for good, by type",
      unit: "{event}",
    });
  }

  /** What the broker takes: the server's max_payload as the connection last heard it. */
  get maxPayloadBytes(): number {
    return this.maxPayloadOverride ?? this.bus?.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /**
   * Writes the events inside the caller's transaction, capturing the active trace context in their
   * headers. Call it after the aggregate's own write (state, audit, outbox), so that of two transactions
   * on one aggregate the later one also gets the later sequence. The relay is nudged when the session ends.
   */
  async add(session: ClientSession, events: OutgoingEvent<unknown> | readonly OutgoingEvent<unknown>[]): Promise<void> {
    const list: readonly OutgoingEvent<unknown>[] = Array.isArray(events) ? events : [events as OutgoingEvent<unknown>];
    if (list.length === 0) return;
    if (!session.inTransaction()) throw new Error("outbox.add must run inside a transaction (use inTransaction)");
    const now = this.clock.now();
    const encoded = list.map((e) => encodeEvent(e, { now }));
    this.assertPublishable(encoded);
    const last = await this.allocate(list.length);
    const records: OutboxRecord[] = encoded.map((e, i) => ({
      seq: last - list.length + 1 + i,
      eventId: e.id,
      type: e.type,
      subject: e.subject,
      aggregateId: e.aggregateId,
      headers: e.headers,
      data: e.data,
      createdAt: now,
      sentAt: null,
      publishCount: 0,
    }));
    // Most commands add one event: insertOne spares the driver's bulk-write machinery (a few % of a
    // command's CPU in the service under load).
    if (records.length === 1) await this.records.insertOne(records[0], { session });
    else await this.records.insertMany(records, { session });
    this.nudgeWhenEnded(session);
  }

  /** An event larger than the broker takes could never be published: the command fails and stores nothing. */
  private assertPublishable(encoded: readonly EncodedEvent[]): void {
    const max = this.maxPayloadBytes;
    for (const e of encoded) {
      const size = publishedSize(e);
      if (size > max) {
        throw new InvalidArgument([
          {
            field: "event",
            description:
              `Thay đổi này tạo sự kiện ${e.type} dài ${size} byte, vượt giới hạn ${max} byte của hệ thống sự kiện / ` +
              `This change makes a ${e.type} event of ${size} bytes, more than the ${max} bytes the event broker takes`,
          },
        ]);
      }
    }
  }

  /** Wakes the relay now (it also wakes by itself when a session that added records ends). */
  nudge(): void {
    this.nudged = true;
    this.sleeper.wake();
  }

  /**
   * Marks sent records created in [from, to) unsent again, so the relay publishes them once more with
   * their original `ce-id` (JetStream drops those it still holds inside the duplicate window; consumers
   * drop the rest through their inbox). Returns how many records were marked.
   */
  async republish(from: Date, to: Date, session?: ClientSession): Promise<number> {
    if (!(from.getTime() < to.getTime()))
      throw new InvalidArgument([{ field: "to", description: "Phải sau thời điểm bắt đầu / Must be later than from" }]);
    const result = await this.records.updateMany(
      { createdAt: { $gte: from, $lt: to }, sentAt: { $ne: null } },
      { $set: { sentAt: null } },
      { session },
    );
    if (session) this.nudgeWhenEnded(session);
    else this.nudge();
    return result.modifiedCount;
  }

  /** Records waiting for the relay (parked ones excluded) and when the oldest of them was committed. */
  async backlog(): Promise<{ count: number; oldestCreatedAt?: Date }> {
    const count = await this.records.countDocuments(UNSENT);
    if (count === 0) return { count };
    const [oldest] = await this.records
      .find(UNSENT, { projection: { createdAt: 1 } })
      .sort({ seq: 1 })
      .limit(1)
      .toArray();
    return { count, oldestCreatedAt: oldest?.createdAt };
  }

  /** Parked records, oldest first; the page token is the sequence of the last record of the previous page. */
  async parked(
    opts: { pageSize?: number; pageToken?: string } = {},
  ): Promise<{ items: ParkedRecord[]; nextPageToken: string; totalSize: number }> {
    const { limit, after } = parsePage(opts.pageSize, opts.pageToken);
    const filter: Filter<OutboxRecord> = after === undefined ? PARKED : { ...PARKED, seq: { $gt: after } };
    const items = (await this.records
      .find(filter)
      .sort({ seq: 1 })
      .limit(limit + 1)
      .toArray()) as ParkedRecord[];
    const more = items.length > limit;
    if (more) items.length = limit;
    const nextPageToken = more ? Buffer.from(String(items[items.length - 1]!.seq), "utf8").toString("base64url") : "";
    return { items, nextPageToken, totalSize: await this.records.countDocuments(PARKED) };
  }

  /** Hands a parked record back to the relay. */
  async retryParked(id: string, session?: ClientSession): Promise<ParkedRecord> {
    const record = await this.records.findOneAndUpdate(
      { ...PARKED, _id: parseRecordId(id) },
      { $set: { parkedAt: null } },
      { session, returnDocument: "before" },
    );
    if (!record) throw new NotFound(`Không tìm thấy sự kiện bị giữ lại ${id} / Parked event ${id} not found`);
    if (session) this.nudgeWhenEnded(session);
    else this.nudge();
    return record as ParkedRecord;
  }

  /** Removes a parked record for good (the caller audits it in the same transaction). */
  async discardParked(id: string, session?: ClientSession): Promise<ParkedRecord> {
    const record = await this.records.findOneAndDelete({ ...PARKED, _id: parseRecordId(id) }, { session });
    if (!record) throw new NotFound(`Không tìm thấy sự kiện bị giữ lại ${id} / Parked event ${id} not found`);
    return record as ParkedRecord;
  }

  /** For health checks and tests: whether the relay runs, and how its last passes went. */
  relayStatus(): { running: boolean; consecutiveFailures: number; lastError?: string } {
    return { running: this.running, consecutiveFailures: this.failures, lastError: this.lastError };
  }

  /** Starts the relay loop (one per database per process) and the backlog gauges. */
  start(): void {
    if (this.running) return;
    if (!this.bus) throw new Error("the outbox relay needs an EventBus");
    if (runningRelays.has(this.relayKey)) throw new Error(`an outbox relay for ${this.relayKey} already runs in this process`);
    runningRelays.add(this.relayKey);
    this.running = true;
    this.nudged = true;
    this.registerGauges();
    // the relay's own spans hang off each record's stored trace context, never off whoever started it
    this.loop = otelContext.with(ROOT_CONTEXT, () => this.run()).finally(() => runningRelays.delete(this.relayKey));
  }

  /** Stops after the publishes in flight; records not yet marked sent are published by the next relay. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.sleeper.wakeAll();
    await this.loop;
    this.loop = undefined;
    this.unregisterGauges?.();
    this.unregisterGauges = undefined;
  }

  private async allocate(count: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Outside the caller's transaction on purpose: one counter inside every transaction would make all
        // of a service's commands conflict with each other.
        const doc = await this.sequence.findOneAndUpdate(
          { _id: "outbox" },
          { $inc: { value: count } },
          { upsert: true, returnDocument: "after" },
        );
        return doc!.value;
      } catch (err) {
        // two first-ever upserts can race on the new document; the loser simply increments it
        if (!isDuplicateKeyError(err) || attempt >= 2) throw err;
      }
    }
  }

  private nudgeWhenEnded(session: ClientSession): void {
    if (this.watchedSessions.has(session)) return;
    this.watchedSessions.add(session);
    // `ended` comes right after inTransaction commits (or aborts: a nudge that finds nothing is harmless)
    session.once("ended", () => this.nudge());
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let full = false;
      try {
        full = await this.relayBatch();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.lastError = errorMessage(err);
        const delayMs = backoffDelay(this.failures, this.retry);
        this.log.warn({ err, failures: this.failures, delayMs }, "outbox relay pass failed; retrying");
        // nudges do not shorten a back-off: a commit storm must not hammer a broker that is down
        if (this.running) await this.sleeper.sleep(delayMs, false);
        continue;
      }
      // a stop() during the pass has already woken every sleeper: a sleep begun now would hold it up
      if (full || this.nudged || !this.running) continue;
      await this.sleeper.sleep(this.pollIntervalMs, true);
    }
  }

  /**
   * One pass: publish up to a batch, mark what went out. True when the batch was full and all of it went
   * out (or was parked). An aggregate's records go out one after another in sequence order; different
   * aggregates go out concurrently, so a pass costs about the longest chain's acks, not the sum of all.
   */
  private async relayBatch(): Promise<boolean> {
    const batch = await this.records.find(UNSENT).sort({ seq: 1 }).limit(this.batchSize).toArray();
    if (batch.length === 0) return false;
    const pass: RelayPass = { sent: [], done: 0, failures: [] };
    try {
      await runChains(chainsByAggregate(batch), MAX_CHAINS_IN_FLIGHT, (chain) => this.publishChain(chain, pass));
    } finally {
      // a crash before this update means a re-publish, which the broker drops by Nats-Msg-Id
      if (pass.sent.length > 0) {
        await this.records.updateMany({ _id: { $in: pass.sent } }, { $set: { sentAt: new Date() }, $inc: { publishCount: 1 } });
      }
    }
    // the other chains have finished and what they sent is marked; now the pass fails and backs off
    if (pass.failures.length > 0) throw pass.failures[0];
    return batch.length === this.batchSize && pass.done === batch.length;
  }

  /**
   * Publishes one aggregate's records in sequence order, each after the previous one's ack: a failure
   * ends the chain, so a later event of the aggregate never overtakes an earlier one (the next pass
   * starts the chain again at the failed record).
   */
  private async publishChain(chain: readonly OutboxRecord[], pass: RelayPass): Promise<void> {
    for (const record of chain) {
      if (!this.running) return;
      try {
        await this.publishOrPark(record, pass);
      } catch (err) {
        pass.failures.push(err);
        return;
      }
      pass.done++;
    }
  }

  private async publishOrPark(record: OutboxRecord, pass: RelayPass): Promise<void> {
    try {
      await this.bus!.publishEncoded(toEncodedEvent(record));
      pass.sent.push(record._id!);
    } catch (err) {
      // Retrying a refusal that can never change would stop every later event: set it aside.
      if (!isPermanentPublishError(err)) throw err;
      await this.park(record, err);
    }
  }

  private async park(record: OutboxRecord, err: unknown): Promise<void> {
    const reason = errorMessage(err);
    await this.records.updateOne({ _id: record._id }, { $set: { parkedAt: this.clock.now(), parkReason: reason } });
    this.parkedCounter.add(1, { type: record.type });
    this.log.error(
      { err, seq: record.seq, eventId: record.eventId, type: record.type, subject: record.subject },
      "the broker refused an outbox record for good; parked it and going on with the next",
    );
  }

  private registerGauges(): void {
    const meter = eventsMeter();
    const backlog = meter.createObservableGauge("outbox.backlog", {
      description: "Outbox records committed but not yet published",
      unit: "{event}",
    });
    const age = meter.createObservableGauge("outbox.oldest_unsent_age", {
      description: "Age of the oldest unpublished outbox record",
      unit: "s",
    });
    const parked = meter.createObservableGauge("outbox.parked", {
      description: "Outbox records parked because the broker refused them for good, waiting for an operator",
      unit: "{event}",
    });
    const attributes = { db: this.relayKey.slice(0, -OUTBOX_COLLECTION.length - 1) };
    const callback: BatchObservableCallback = async (result) => {
      try {
        const { count, oldestCreatedAt } = await this.backlog();
        result.observe(backlog, count, attributes);
        result.observe(age, oldestCreatedAt ? Math.max(0, (this.clock.now().getTime() - oldestCreatedAt.getTime()) / 1000) : 0, attributes);
        result.observe(parked, await this.records.countDocuments(PARKED), attributes);
      } catch (err) {
        this.log.debug({ err }, "outbox backlog unavailable");
      }
    };
    meter.addBatchObservableCallback(callback, [backlog, age, parked]);
    this.unregisterGauges = () => meter.removeBatchObservableCallback(callback, [backlog, age, parked]);
  }
}

/** What one relay pass has done so far: records acked (to mark sent), records done (acked or parked), failures. */
interface RelayPass {
  sent: ObjectId[];
  done: number;
  failures: unknown[];
}

/**
 * Aggregates whose records a pass publishes at once: enough to hide the broker's round trip behind one
 * another, few enough that a large batch does not flood the connection.
 */
const MAX_CHAINS_IN_FLIGHT = 64;

/** The batch's records per aggregate, each list in the batch's (sequence) order. */
function chainsByAggregate(batch: readonly OutboxRecord[]): OutboxRecord[][] {
  const chains = new Map<string, OutboxRecord[]>();
  for (const record of batch) {
    const chain = chains.get(record.aggregateId);
    if (chain) chain.push(record);
    else chains.set(record.aggregateId, [record]);
  }
  return [...chains.values()];
}

/** Runs `run` on every chain, at most `limit` at a time; resolves when all have ended. */
async function runChains<C>(chains: readonly C[], limit: number, run: (chain: C) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chains.length) await run(chains[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, chains.length) }, worker));
}

export type ParkedRecord = OutboxRecord & { _id: ObjectId; parkedAt: Date; parkReason: string };

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

function parsePage(pageSize = 0, pageToken?: string): { limit: number; after?: number } {
  if (!Number.isInteger(pageSize) || pageSize < 0)
    throw new InvalidArgument([{ field: "page.page_size", description: "Kích thước trang không được âm / Must not be negative" }]);
  const limit = Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (!pageToken) return { limit };
  const after = Number(Buffer.from(pageToken, "base64url").toString("utf8"));
  if (!Number.isSafeInteger(after) || after < 0)
    throw new InvalidArgument([{ field: "page.page_token", description: "Mã trang không hợp lệ / Not a page token this service issued" }]);
  return { limit, after };
}

function parseRecordId(id: string): ObjectId {
  if (!id) throw new InvalidArgument([{ field: "id", description: "Bắt buộc / Required" }]);
  if (!/^[0-9a-f]{24}$/i.test(id))
    throw new InvalidArgument([{ field: "id", description: "Không phải mã của một bản ghi sự kiện đi / Not an outbox record id" }]);
  return new ObjectId(id);
}

function bytesOf(data: Uint8Array | Binary): Uint8Array {
  return data instanceof Uint8Array ? data : data.value();
}

export function toEncodedEvent(record: OutboxRecord): EncodedEvent {
  return {
    id: record.eventId,
    type: record.type,
    subject: record.subject,
    aggregateId: record.aggregateId,
    headers: record.headers,
    data: bytesOf(record.data),
  };
}
