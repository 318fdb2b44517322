/**
 * The documents service's queue of edXML packets to send (packages and status packets), kept in MongoDB,
 * and the sender that drives the connector from it.
 *
 * A packet is queued inside the transaction of the command that produced it (`enqueue`), so issuing a
 * document and queueing its package commit together or not at all. Each record goes through one state
 * machine:
 *
 *   queued ──claim──▶ sending (leased) ──▶ sent
 *     ▲                   │  └──────────▶ failed   (the exchange refused it: 4xx; never retried by itself)
 *     └── back-off ◀──────┘                         (the exchange was unavailable: retried later)
 *
 * A sender claims a due record with a lease (an atomic findOneAndUpdate), so two replicas never send the
 * same record at the same time; the lease is renewed while the send lasts and expires when its holder
 * crashes, and another sender takes the record over. Every attempt of a record posts the same
 * Idempotency-Key, so a send whose answer was lost, or one taken over from a crashed holder, is
 * answered by the exchange with the id it already stored and is delivered once.
 *
 * Leases, schedules and ages are in real time, never a test clock (a test clock must not drive expiry).
 */
import { randomUUID } from "node:crypto";
import {
  backoffDelay,
  type BackoffOptions,
  type CollectionIndexes,
  errorMessage,
  FailedPrecondition,
  FieldChecks,
  type FieldViolation,
  type Logger,
  NotFound,
} from "@ministry/platform";
import { Binary, type ClientSession, type Collection, type Db, type Filter, ObjectId } from "mongodb";
import { BackgroundLoop } from "./background-loop.js";
import { type Delivery, type ExchangeConnector, ExchangeError, ExchangeRefused, ExchangeUnavailable } from "./connector.js";
import { DEFAULT_EDXML_LIMITS, DEFAULT_STATUS_MAX_BYTES, EdxmlInvalid, isOrganId, parseDocumentId, parseStatus } from "./edxml/index.js";
import { packageIdempotencyKey, statusIdempotencyKey } from "./protocol.js";

export const EXCHANGE_OUTGOING = "exchange_outgoing";

export type OutgoingKind = "package" | "status";
export type OutgoingState = "queued" | "sending" | "sent" | "failed";

/** Why the exchange refused a record for good: the HTTP status and each problem it named. */
export interface OutgoingFailure {
  status?: number;
  message: string;
  problems: FieldViolation[];
}

/** A record as stored. */
export interface OutgoingRecord {
  _id: ObjectId;
  kind: OutgoingKind;
  /** The service's document. */
  documentId: string;
  /** The edXML DocumentId (the package's, or the one a status packet answers). */
  edxmlDocumentId: string;
  /** The recipients' OrganIds (a status packet: the organ whose document it answers). */
  to: string[];
  bytes: Binary;
  size: number;
  /** Posted on every attempt, so the exchange stores the packet once however many attempts it takes. */
  idempotencyKey: string;
  state: OutgoingState;
  /** Claims so far (each claim is one connector call, itself possibly several HTTP requests). */
  attempts: number;
  /** HTTP requests the connector made for this record, over all attempts. */
  requests: number;
  createdAt: Date;
  /** When a queued record is due. */
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  exchangeId?: string;
  /** The exchange had it stored already (an earlier attempt's answer was lost). */
  duplicate?: boolean;
  sentAt?: Date;
  failedAt?: Date;
  failure?: OutgoingFailure;
}

/** What the service shows of a record (ExchangeService.GetPackage). */
export interface OutgoingView {
  id: string;
  kind: OutgoingKind;
  documentId: string;
  edxmlDocumentId: string;
  to: string[];
  state: OutgoingState;
  attempts: number;
  requests: number;
  createdAt: Date;
  /** Queued records: when the next attempt is due. */
  nextAttemptAt?: Date;
  /** The last retryable error, while the record waits for another attempt. */
  lastError?: string;
  exchangeId?: string;
  duplicate?: boolean;
  sentAt?: Date;
  failedAt?: Date;
  failure?: OutgoingFailure;
}

export interface NewOutgoing {
  /** The bytes buildPackage or buildStatus made. */
  packageBytes: Buffer;
  documentId: string;
  edxmlDocumentId: string;
  to: readonly string[];
  kind: OutgoingKind;
  /**
   * A key of the caller's own for a second package of one DocumentId to the same recipients that is a
   * different delivery (an update or replacement); by default the protocol's key.
   */
  idempotencyKey?: string;
}

export interface Backlog {
  /** Records not yet sent nor failed (queued or being sent). */
  count: number;
  oldestCreatedAt?: Date;
  /** Age of the oldest of them (0 when none). */
  oldestAgeMs: number;
  /** Records the exchange refused for good, waiting for someone to look at them. */
  failed: number;
}

export function exchangeOutgoingIndexes(): CollectionIndexes[] {
  return [
    {
      collection: EXCHANGE_OUTGOING,
      indexes: [
        // one record per delivery: the same key twice would be one delivery at the exchange anyway
        { key: { idempotencyKey: 1 }, name: "idempotencyKey_unique", unique: true },
        // the sender's claims: due queued records, and sending ones whose lease expired
        { key: { state: 1, nextAttemptAt: 1 }, name: "state_nextAttemptAt" },
        { key: { state: 1, leaseUntil: 1 }, name: "state_leaseUntil" },
        // the backlog's oldest record
        { key: { state: 1, createdAt: 1 }, name: "state_createdAt" },
        // a document's packets (GetPackage)
        { key: { documentId: 1, createdAt: 1 }, name: "documentId_createdAt" },
      ],
    },
  ];
}

const OPEN: Filter<OutgoingRecord> = { state: { $in: ["queued", "sending"] } };
const MAX_DOCUMENT_ID_LENGTH = 200;
const MAX_RECIPIENTS = 500;
const MAX_KEY_LENGTH = 200;

export interface OutgoingQueueOptions {
  db: Db;
  /** The largest package accepted (default: the codec's limit). */
  maxPackageBytes?: number;
}

export class OutgoingQueue {
  readonly records: Collection<OutgoingRecord>;
  private readonly maxPackageBytes: number;
  private readonly listeners = new Set<() => void>();
  private readonly watchedSessions = new WeakSet<ClientSession>();

  constructor(opts: OutgoingQueueOptions) {
    this.records = opts.db.collection<OutgoingRecord>(EXCHANGE_OUTGOING);
    this.maxPackageBytes = opts.maxPackageBytes ?? DEFAULT_EDXML_LIMITS.maxPackageBytes;
  }

  /**
   * Queues a packet in the caller's transaction (refused outside one: a package queued without its
   * document, or a document issued without its package, is what this prevents). Senders are nudged when
   * the session ends. Returns the record's id.
   */
  async enqueue(session: ClientSession, item: NewOutgoing): Promise<string> {
    if (!session.inTransaction())
      throw new Error("exchange packets are queued inside the transaction that produces them (use inTransaction)");
    const checked = this.check(item);
    const known = await this.records.findOne({ idempotencyKey: checked.idempotencyKey }, { session, projection: { _id: 1 } });
    if (known) {
      throw new FailedPrecondition(
        "Gói tin này đã được xếp hàng gửi / This packet is queued already (send an update under a key of its own)",
        "EXCHANGE_PACKET_QUEUED",
        { recordId: known._id.toHexString() },
      );
    }
    const now = new Date();
    const record: OutgoingRecord = {
      _id: new ObjectId(),
      kind: item.kind,
      documentId: item.documentId,
      edxmlDocumentId: item.edxmlDocumentId,
      to: checked.to,
      bytes: new Binary(item.packageBytes),
      size: item.packageBytes.length,
      idempotencyKey: checked.idempotencyKey,
      state: "queued",
      attempts: 0,
      requests: 0,
      createdAt: now,
      nextAttemptAt: now,
      leaseOwner: null,
      leaseUntil: null,
      lastError: null,
    };
    await this.records.insertOne(record, { session });
    this.notifyWhenEnded(session);
    return record._id.toHexString();
  }

  /** One record's state, or NotFound. */
  async get(id: string, session?: ClientSession): Promise<OutgoingView> {
    const record = ObjectId.isValid(id) && id.length === 24 ? await this.records.findOne({ _id: new ObjectId(id) }, { session }) : null;
    if (!record) throw new NotFound(`Không tìm thấy gói tin gửi ${id} / Outgoing packet ${id} not found`);
    return viewOf(record);
  }

  /** The packets of one of the service's documents, oldest first. */
  async forDocument(documentId: string, session?: ClientSession): Promise<OutgoingView[]> {
    const records = await this.records
      .find({ documentId }, { session, projection: { bytes: 0 } })
      .sort({ createdAt: 1, _id: 1 })
      .toArray();
    return records.map(viewOf);
  }

  /** For metrics: what waits to be sent and for how long, and how many the exchange refused. */
  async backlog(now = new Date()): Promise<Backlog> {
    const [count, failed, oldest] = await Promise.all([
      this.records.countDocuments(OPEN),
      this.records.countDocuments({ state: "failed" }),
      this.records
        .find(OPEN, { projection: { createdAt: 1 } })
        .sort({ createdAt: 1 })
        .limit(1)
        .next(),
    ]);
    if (!oldest) return { count, oldestAgeMs: 0, failed };
    return { count, oldestCreatedAt: oldest.createdAt, oldestAgeMs: Math.max(0, now.getTime() - oldest.createdAt.getTime()), failed };
  }

  /** Hands a failed record back to the senders (an operator fixed the cause); the same key is posted again. */
  async requeue(id: string, session?: ClientSession): Promise<OutgoingView> {
    const _id = ObjectId.isValid(id) && id.length === 24 ? new ObjectId(id) : undefined;
    const record = _id
      ? await this.records.findOneAndUpdate(
          { _id, state: "failed" },
          { $set: { state: "queued", nextAttemptAt: new Date(), lastError: null }, $unset: { failedAt: "", failure: "" } },
          { session, returnDocument: "after", projection: { bytes: 0 } },
        )
      : null;
    if (!record) throw new NotFound(`Không có gói tin gửi bị từ chối ${id} / No failed outgoing packet ${id}`);
    if (session) this.notifyWhenEnded(session);
    else this.notify();
    return viewOf(record);
  }

  /** Calls `listener` whenever records may have become due (a transaction that queued some ended). */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private notifyWhenEnded(session: ClientSession): void {
    if (this.watchedSessions.has(session)) return;
    this.watchedSessions.add(session);
    // `ended` comes right after inTransaction commits or aborts (a nudge that finds nothing is harmless)
    session.once("ended", () => this.notify());
  }

  private check(item: NewOutgoing): { to: string[]; idempotencyKey: string } {
    const checks = new FieldChecks();
    const to = [...new Set(item.to)];
    if (item.kind !== "package" && item.kind !== "status")
      checks.add("kind", "Loại gói tin không hợp lệ", "kind must be package or status");
    if (item.packageBytes.length === 0) checks.add("package", "Gói tin trống", "The packet is empty");
    if (item.packageBytes.length > this.maxPackageBytes) {
      checks.add("package", `Gói tin vượt quá ${this.maxPackageBytes} byte`, `The packet exceeds ${this.maxPackageBytes} bytes`);
    }
    checks.length("document_id", item.documentId, MAX_DOCUMENT_ID_LENGTH, { vi: "Mã văn bản", en: "The document id" });
    if (!item.documentId) checks.add("document_id", "Bắt buộc", "Required");
    try {
      parseDocumentId(item.edxmlDocumentId);
    } catch {
      checks.add("edxml_document_id", "Không phải mã định danh văn bản edXML", "Not an edXML DocumentId");
    }
    if (to.length === 0) checks.add("to", "Cần ít nhất một cơ quan nhận", "At least one recipient is required");
    checks.count("to", to, MAX_RECIPIENTS, { vi: "Số cơ quan nhận", en: "The recipients" });
    const bad = to.find((o) => !isOrganId(o));
    if (bad !== undefined) checks.add("to", `Mã định danh cơ quan không hợp lệ: ${bad}`, `Not an OrganId: ${bad}`);
    if (item.idempotencyKey !== undefined) {
      checks.length("idempotency_key", item.idempotencyKey, MAX_KEY_LENGTH, { vi: "Khóa chống trùng", en: "The idempotency key" });
      if (!item.idempotencyKey.trim()) checks.add("idempotency_key", "Khóa chống trùng trống", "The idempotency key is empty");
    }
    checks.check();
    if (item.kind === "package") return { to, idempotencyKey: item.idempotencyKey ?? packageIdempotencyKey(item.edxmlDocumentId, to) };
    // A status packet is small: read it now, so a broken one is refused here and not by the exchange later.
    // The connector derives the key from the packet itself; ours must be the same.
    const status = parseStatus(item.packageBytes, DEFAULT_STATUS_MAX_BYTES);
    if (status.responseFor.documentId !== item.edxmlDocumentId) {
      new FieldChecks()
        .add(
          "edxml_document_id",
          "Không khớp với văn bản mà gói trạng thái trả lời",
          "Does not match the document the status packet answers",
        )
        .check();
    }
    return { to, idempotencyKey: statusIdempotencyKey(status) };
  }
}

function viewOf(r: OutgoingRecord | Omit<OutgoingRecord, "bytes">): OutgoingView {
  return {
    id: r._id.toHexString(),
    kind: r.kind,
    documentId: r.documentId,
    edxmlDocumentId: r.edxmlDocumentId,
    to: r.to,
    state: r.state,
    attempts: r.attempts,
    requests: r.requests,
    createdAt: r.createdAt,
    ...(r.state === "queued" ? { nextAttemptAt: r.nextAttemptAt } : {}),
    ...(r.lastError && (r.state === "queued" || r.state === "sending") ? { lastError: r.lastError } : {}),
    ...(r.exchangeId !== undefined ? { exchangeId: r.exchangeId } : {}),
    ...(r.duplicate !== undefined ? { duplicate: r.duplicate } : {}),
    ...(r.sentAt ? { sentAt: r.sentAt } : {}),
    ...(r.failedAt ? { failedAt: r.failedAt } : {}),
    ...(r.failure ? { failure: r.failure } : {}),
  };
}

// ------------------------------------------------------------------------------------ the sender

/** What a pass did. */
export interface SendPass {
  sent: number;
  retrying: number;
  failed: number;
  /** Outcomes not recorded because the lease had passed to another sender meanwhile. */
  lostLeases: number;
}

export interface ExchangeSenderOptions {
  queue: OutgoingQueue;
  /** The connector; give it the service's shutdown signal and a retry policy of a few attempts. */
  connector: Pick<ExchangeConnector, "send" | "sendStatus">;
  /** This sender's name in leases (default: a random one per instance). */
  owner?: string;
  /** How long a claim holds without renewal (default 5 min); renewed every third of it while sending. */
  leaseMs?: number;
  /** Records sent at once (default 4). */
  concurrency?: number;
  /** Back-off of a record after the exchange was unavailable (default 5 s doubling to 15 min). */
  retry?: Partial<BackoffOptions>;
  /** The longest rest between passes when nothing nudges (default 30 s). */
  pollIntervalMs?: number;
  /** Back-off of the loop after a failed pass (the database unreachable; default 1 s doubling to 60 s). */
  passRetry?: Partial<BackoffOptions>;
  log?: Logger;
}

/**
 * Statuses that say something about this side's configuration, not about the packet: sending it again
 * once the credentials are fixed will work, so the record waits (at the longest back-off) instead of
 * failing for good.
 */
const CONFIGURATION_STATUSES = new Set([401, 403]);

type Outcome = "sent" | "retrying" | "failed" | "lost";

export class ExchangeSender {
  readonly owner: string;
  private readonly queue: OutgoingQueue;
  private readonly records: Collection<OutgoingRecord>;
  private readonly connector: Pick<ExchangeConnector, "send" | "sendStatus">;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly retry: BackoffOptions;
  private readonly pollIntervalMs: number;
  private readonly log?: Logger;
  private readonly loop: BackgroundLoop;
  private unsubscribe: (() => void) | undefined;

  constructor(opts: ExchangeSenderOptions) {
    this.queue = opts.queue;
    this.records = opts.queue.records;
    this.connector = opts.connector;
    this.owner = opts.owner ?? `sender-${randomUUID()}`;
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.retry = { initialMs: opts.retry?.initialMs ?? 5_000, maxMs: opts.retry?.maxMs ?? 15 * 60_000 };
    this.pollIntervalMs = opts.pollIntervalMs ?? 30_000;
    this.log = opts.log;
    this.loop = new BackgroundLoop(
      "exchange sender",
      () => this.passAndRest(),
      { initialMs: opts.passRetry?.initialMs ?? 1_000, maxMs: opts.passRetry?.maxMs ?? 60_000 },
      opts.log,
    );
  }

  start(): void {
    if (this.loop.isRunning) return;
    this.unsubscribe = this.queue.onEnqueued(() => this.loop.nudge());
    this.loop.start();
  }

  /** Stops after the sends under way have been recorded; a record left leased is taken over when its lease ends. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loop.stop();
  }

  /** Wakes the loop now (it also wakes when a transaction that queued records ends). */
  nudge(): void {
    this.loop.nudge();
  }

  status(): { running: boolean; consecutiveFailures: number; lastError?: string } {
    return this.loop.status();
  }

  /** Sends every record due now (the concurrency's worth at a time) and returns what became of them. */
  async runOnce(): Promise<SendPass> {
    const pass: SendPass = { sent: 0, retrying: 0, failed: 0, lostLeases: 0 };
    const worker = async () => {
      for (;;) {
        const record = await this.claim();
        if (!record) return;
        const outcome = await this.sendOne(record);
        if (outcome === "sent") pass.sent++;
        else if (outcome === "retrying") pass.retrying++;
        else if (outcome === "failed") pass.failed++;
        else pass.lostLeases++;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    return pass;
  }

  private async passAndRest(): Promise<{ restMs: number }> {
    await this.runOnce();
    return { restMs: await this.untilNextDue() };
  }

  /** How long until a queued record is due or a lease ends (capped by the poll interval). */
  private async untilNextDue(): Promise<number> {
    const [queued, leased] = await Promise.all([
      this.records
        .find({ state: "queued" }, { projection: { nextAttemptAt: 1 } })
        .sort({ nextAttemptAt: 1 })
        .limit(1)
        .next(),
      this.records
        .find({ state: "sending" }, { projection: { leaseUntil: 1 } })
        .sort({ leaseUntil: 1 })
        .limit(1)
        .next(),
    ]);
    const now = Date.now();
    const due = [queued?.nextAttemptAt, leased?.leaseUntil ?? undefined].filter((d): d is Date => d instanceof Date);
    const soonest = due.reduce((m, d) => Math.min(m, d.getTime() - now), this.pollIntervalMs);
    return Math.max(0, soonest);
  }

  /** Takes one due record: a queued one whose time has come, or a sending one whose holder's lease ended. */
  private async claim(): Promise<OutgoingRecord | null> {
    const now = new Date();
    return this.records.findOneAndUpdate(
      {
        $or: [
          { state: "queued", nextAttemptAt: { $lte: now } },
          { state: "sending", leaseUntil: { $lte: now } },
        ],
      },
      { $set: { state: "sending", leaseOwner: this.owner, leaseUntil: new Date(now.getTime() + this.leaseMs) }, $inc: { attempts: 1 } },
      { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: "after" },
    );
  }

  private async sendOne(record: OutgoingRecord): Promise<Outcome> {
    const renewal = setInterval(() => void this.renewLease(record._id), Math.max(1, Math.floor(this.leaseMs / 3)));
    try {
      let delivery: Delivery;
      try {
        const bytes = bytesOf(record.bytes);
        delivery =
          record.kind === "package"
            ? await this.connector.send(bytes, { documentId: record.edxmlDocumentId, to: record.to, idempotencyKey: record.idempotencyKey })
            : await this.connector.sendStatus(bytes);
      } catch (err) {
        return await this.recordFailure(record, err);
      }
      return await this.recordSent(record, delivery);
    } finally {
      clearInterval(renewal);
    }
  }

  private async renewLease(id: ObjectId): Promise<void> {
    try {
      await this.records.updateOne(
        { _id: id, state: "sending", leaseOwner: this.owner },
        { $set: { leaseUntil: new Date(Date.now() + this.leaseMs) } },
      );
    } catch (err) {
      // the next renewal tries again; an expired lease only means another sender posts the same key
      this.log?.warn({ err }, "exchange sender: lease renewal failed");
    }
  }

  /** Only the lease's holder records an outcome: a sender whose lease passed to another leaves it to that one. */
  private held(record: OutgoingRecord): Filter<OutgoingRecord> {
    return { _id: record._id, state: "sending", leaseOwner: this.owner };
  }

  private async recordSent(record: OutgoingRecord, delivery: Delivery): Promise<Outcome> {
    const result = await this.records.updateOne(this.held(record), {
      $set: {
        state: "sent",
        exchangeId: delivery.id,
        duplicate: delivery.duplicate,
        sentAt: new Date(),
        leaseOwner: null,
        leaseUntil: null,
        lastError: null,
      },
      $inc: { requests: delivery.attempts },
    });
    return result.modifiedCount === 1 ? "sent" : this.lost(record);
  }

  private async recordFailure(record: OutgoingRecord, err: unknown): Promise<Outcome> {
    const failure = permanentFailure(err);
    const requests = err instanceof ExchangeError ? err.attempts : 0;
    if (failure) {
      const result = await this.records.updateOne(this.held(record), {
        $set: { state: "failed", failedAt: new Date(), failure, leaseOwner: null, leaseUntil: null, lastError: null },
        $inc: { requests },
      });
      if (result.modifiedCount !== 1) return this.lost(record);
      this.log?.error(
        { recordId: record._id.toHexString(), documentId: record.documentId, edxmlDocumentId: record.edxmlDocumentId, failure },
        "the exchange refused a packet for good; it will not be sent again unless requeued",
      );
      return "failed";
    }
    const configuration = err instanceof ExchangeRefused && CONFIGURATION_STATUSES.has(err.status ?? 0);
    const backoff = configuration ? this.retry.maxMs : backoffDelay(record.attempts, this.retry);
    // The exchange knows when it will be back: its Retry-After wins when it is the longer wait.
    const retryAfterMs = err instanceof ExchangeUnavailable ? (err.retryAfterMs ?? 0) : 0;
    const delayMs = Math.max(backoff, retryAfterMs);
    const result = await this.records.updateOne(this.held(record), {
      $set: {
        state: "queued",
        nextAttemptAt: new Date(Date.now() + delayMs),
        leaseOwner: null,
        leaseUntil: null,
        lastError: errorMessage(err),
      },
      $inc: { requests },
    });
    if (result.modifiedCount !== 1) return this.lost(record);
    this.log?.warn(
      { err, recordId: record._id.toHexString(), attempts: record.attempts, delayMs },
      "exchange sender: will try again later",
    );
    return "retrying";
  }

  private lost(record: OutgoingRecord): Outcome {
    // Another sender took the record over after our lease ended; it posts the same key, so the exchange
    // stores the packet once whichever of us it answered.
    this.log?.warn({ recordId: record._id.toHexString() }, "exchange sender: lease lost before the outcome was recorded");
    return "lost";
  }
}

/** The refusal that no retry can fix, or undefined when the record should be tried again later. */
function permanentFailure(err: unknown): OutgoingFailure | undefined {
  if (err instanceof ExchangeRefused) {
    if (CONFIGURATION_STATUSES.has(err.status ?? 0)) return undefined;
    return { status: err.status, message: err.message, problems: [...err.violations] };
  }
  // a status packet the connector could not read: it will never read
  if (err instanceof EdxmlInvalid) return { message: err.message, problems: [...err.problems] };
  return undefined;
}

/** The stored bytes as a Buffer, without a copy (a package can be tens of MB). */
function bytesOf(binary: Binary): Buffer {
  return Buffer.from(binary.buffer.buffer, binary.buffer.byteOffset, binary.length());
}
