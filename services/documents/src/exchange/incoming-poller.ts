/**
 * The poller of the ministry's inbox at the exchange: it polls the configured organ's inbox with the
 * connector, hands each item to the service's handler inside a transaction together with an inbox record
 * keyed by the exchange's item id, and acknowledges the item only after that transaction committed.
 *
 * The exchange hands an item out again until it is acknowledged (at least once), so:
 * - an item redelivered after its transaction committed (the ack was lost, the process stopped between
 *   commit and ack, another replica polled it too) finds its inbox record: it is acknowledged, not
 *   handled again;
 * - a malformed item is recorded as refused with its problems (the service answers it with a status 02)
 *   and acknowledged: it never comes back;
 * - a handler that throws leaves the item unacknowledged for the next pass; after `maxFailures` failures
 *   it is parked as failed (recorded, acknowledged) so one poisonous item cannot hold up the inbox.
 *
 * The cursor is kept in MongoDB and only moves past items that are recorded and acknowledged: an item
 * left unacknowledged stays after the cursor, so the next poll gets it again (the exchange answers only
 * unacknowledged items after the cursor, so a cursor moved past one would never see it again).
 */
import { createHash } from "node:crypto";
import {
  type BackoffOptions,
  type CollectionIndexes,
  errorMessage,
  type FieldViolation,
  inTransaction,
  isDuplicateKeyError,
  type Logger,
} from "@ministry/platform";
import {
  Binary,
  type ClientSession,
  type Collection,
  type Db,
  type MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
} from "mongodb";
import { BackgroundLoop } from "./background-loop.js";
import { type ExchangeConnector, ExchangeRefused, type PolledItem } from "./connector.js";
import { EdxmlInvalid } from "./edxml/index.js";
import { DEFAULT_POLL_LIMIT } from "./protocol.js";

export const EXCHANGE_INCOMING = "exchange_incoming";
export const EXCHANGE_CURSORS = "exchange_cursors";

/** A well-formed item: a package or a status packet, parsed. */
export type ReadableItem = Extract<PolledItem, { kind: "package" | "status" }>;
export type InvalidItem = Extract<PolledItem, { kind: "invalid" }>;

/** Does the item's work with `session`: every write through it, so it commits with the inbox record or not at all. */
export type IncomingHandler = (item: ReadableItem, session: ClientSession) => Promise<void>;
/** Optional work for a refused item in the same transaction as its inbox record (e.g. queueing a status 02). */
export type RefusedHandler = (item: InvalidItem, problems: FieldViolation[], session: ClientSession) => Promise<void>;

/**
 * - handled: the handler's transaction committed;
 * - refused: the item did not parse (problems say why);
 * - failed: the handler failed `maxFailures` times; parked, acknowledged;
 * - retrying: the handler failed, fewer times than that: the item stays at the exchange for the next pass.
 */
export type IncomingState = "handled" | "refused" | "failed" | "retrying";

export interface IncomingRecord {
  /** The exchange's item id. */
  _id: string;
  organ: string;
  state: IncomingState;
  kind: "package" | "status";
  cursor: string;
  deliveredAt: string;
  /** The edXML DocumentId the item is (a package) or answers (a status), when it could be read. */
  edxmlDocumentId?: string;
  size: number;
  sha256: string;
  /** A refused or failed item's bytes (up to `keepBytesUpTo`), to answer it or to look at it. */
  bytes?: Binary;
  problems?: FieldViolation[];
  failures: number;
  lastError?: string;
  firstSeenAt: Date;
  /** When it was handled, refused or parked. */
  settledAt?: Date;
  ackedAt?: Date;
}

export function exchangeIncomingIndexes(): CollectionIndexes[] {
  return [
    {
      collection: EXCHANGE_INCOMING,
      indexes: [
        // what came in per organ and state (refused ones to answer, failed ones to look at)
        { key: { organ: 1, state: 1, firstSeenAt: 1 }, name: "organ_state_firstSeenAt" },
        { key: { edxmlDocumentId: 1 }, name: "edxmlDocumentId" },
      ],
    },
    // one document per organ; the index also creates the collection at start-up, so the first cursor's
    // upsert never has to create it
    { collection: EXCHANGE_CURSORS, indexes: [{ key: { updatedAt: 1 }, name: "updatedAt" }] },
  ];
}

interface CursorDocument {
  _id: string;
  /** The cursor as a number (cursors are the decimal text of a sequence that only grows). */
  position: number;
  updatedAt: Date;
}

export interface PollPass {
  polled: number;
  handled: number;
  /** Redelivered items already handled (or refused, or parked): acknowledged, nothing run. */
  duplicates: number;
  refused: number;
  /** Handler failures this pass (the item stays for the next pass). */
  retrying: number;
  /** Items parked after `maxFailures` failures. */
  failed: number;
  acked: number;
  /** The cursor kept after the pass. */
  cursor: string | undefined;
}

export interface ExchangePollerOptions {
  client: MongoClient;
  db: Db;
  connector: Pick<ExchangeConnector, "poll" | "ack">;
  /** The ministry's OrganId whose inbox is polled. */
  organ: string;
  handler: IncomingHandler;
  onRefused?: RefusedHandler;
  /** Handler failures before an item is parked as failed (default 5). */
  maxFailures?: number;
  /** Items per poll (default the protocol's 20, at most 100). */
  pageSize?: number;
  /** Pages per pass at most, so a long backlog does not hold a pass forever (default 50). */
  maxPagesPerPass?: number;
  /** Rest between passes (default 10 s). */
  pollIntervalMs?: number;
  /** Back-off after a failed pass (the exchange or the database unavailable; default 1 s doubling to 60 s). */
  passRetry?: Partial<BackoffOptions>;
  /** A refused or failed item's bytes are kept up to this size (default 1 MiB); larger ones by hash only. */
  keepBytesUpTo?: number;
  log?: Logger;
}

/** Thrown inside the transaction when the inbox already has the item: nothing to do but acknowledge. */
const ALREADY_SETTLED = Symbol("already settled");

type ItemOutcome = "handled" | "duplicate" | "refused" | "retrying" | "failed";

export class ExchangePoller {
  private readonly opts: ExchangePollerOptions;
  private readonly records: Collection<IncomingRecord>;
  private readonly cursors: Collection<CursorDocument>;
  private readonly maxFailures: number;
  private readonly pageSize: number;
  private readonly maxPagesPerPass: number;
  private readonly pollIntervalMs: number;
  private readonly keepBytesUpTo: number;
  private readonly loop: BackgroundLoop;

  constructor(opts: ExchangePollerOptions) {
    this.opts = opts;
    this.records = opts.db.collection<IncomingRecord>(EXCHANGE_INCOMING);
    this.cursors = opts.db.collection<CursorDocument>(EXCHANGE_CURSORS);
    this.maxFailures = Math.max(1, opts.maxFailures ?? 5);
    this.pageSize = Math.min(100, Math.max(1, opts.pageSize ?? DEFAULT_POLL_LIMIT));
    this.maxPagesPerPass = Math.max(1, opts.maxPagesPerPass ?? 50);
    this.pollIntervalMs = opts.pollIntervalMs ?? 10_000;
    this.keepBytesUpTo = opts.keepBytesUpTo ?? 1024 * 1024;
    this.loop = new BackgroundLoop(
      "exchange poller",
      async () => {
        await this.runOnce();
        return { restMs: this.pollIntervalMs };
      },
      { initialMs: opts.passRetry?.initialMs ?? 1_000, maxMs: opts.passRetry?.maxMs ?? 60_000 },
      opts.log,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops after the item under way (its transaction commits or not; an unacknowledged one comes back). */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Polls now instead of at the end of the rest. */
  nudge(): void {
    this.loop.nudge();
  }

  status(): { running: boolean; consecutiveFailures: number; lastError?: string } {
    return this.loop.status();
  }

  /** The cursor kept for the organ (undefined before the first item was settled). */
  async cursor(): Promise<string | undefined> {
    const doc = await this.cursors.findOne({ _id: this.opts.organ });
    return doc ? String(doc.position) : undefined;
  }

  /** The inbox record of an exchange item. */
  async record(id: string): Promise<IncomingRecord | null> {
    return this.records.findOne({ _id: id });
  }

  /**
   * One pass: poll pages until the inbox has no more (or a page leaves an item for later), settling each
   * item in order. Throws when the exchange or the database cannot be reached (the loop backs off); what
   * was settled and acknowledged by then stays so.
   */
  async runOnce(): Promise<PollPass> {
    let cursor = await this.cursor();
    const pass: PollPass = { polled: 0, handled: 0, duplicates: 0, refused: 0, retrying: 0, failed: 0, acked: 0, cursor };
    for (let page = 0; page < this.maxPagesPerPass; page++) {
      const result = await this.opts.connector.poll(this.opts.organ, cursor, { limit: this.pageSize });
      pass.polled += result.items.length;
      // The cursor moves over the leading items that are settled and acknowledged, no further.
      let settledPrefix = true;
      for (const item of result.items) {
        const outcome = await this.settle(item);
        if (outcome === "retrying") pass.retrying++;
        else if (outcome === "handled") pass.handled++;
        else if (outcome === "duplicate") pass.duplicates++;
        else if (outcome === "refused") pass.refused++;
        else pass.failed++;
        if (outcome === "retrying") {
          settledPrefix = false;
          continue;
        }
        // the exchange unreachable now: stop the pass, keeping the cursor before this item
        await this.ack(item);
        pass.acked++;
        if (settledPrefix) {
          await this.keepCursor(item.cursor);
          cursor = item.cursor;
          pass.cursor = cursor;
        }
      }
      if (!settledPrefix || result.items.length < this.pageSize) break;
    }
    return pass;
  }

  /** Records the item (and runs the handler) once; a failing handler's item is counted and left for later. */
  private async settle(item: PolledItem): Promise<ItemOutcome> {
    if (item.kind === "invalid") return this.refuse(item);
    try {
      await this.inTransactionOnce(item, "handled", {}, (session) => this.opts.handler(item, session));
      return "handled";
    } catch (err) {
      if (err === ALREADY_SETTLED) return "duplicate";
      if (isStoreError(err)) throw err;
      return this.recordHandlerFailure(item, err);
    }
  }

  private async refuse(item: InvalidItem): Promise<ItemOutcome> {
    const problems = problemsOf(item.error);
    try {
      await this.inTransactionOnce(item, "refused", { problems, ...this.keptBytes(item) }, (session) =>
        this.opts.onRefused ? this.opts.onRefused(item, problems, session) : Promise.resolve(),
      );
    } catch (err) {
      if (err === ALREADY_SETTLED) return "duplicate";
      throw err;
    }
    this.opts.log?.warn({ itemId: item.id, organ: this.opts.organ, problems }, "exchange poller: refused a malformed item");
    return "refused";
  }

  /**
   * The inbox record, settled as `state`, and `work` in one transaction; ALREADY_SETTLED when another
   * pass (or replica) settled the item first. Two replicas settling one item at once write the same record:
   * one of them conflicts, runs again and finds it settled.
   */
  private async inTransactionOnce(
    item: PolledItem,
    state: "handled" | "refused" | "failed",
    extra: Partial<IncomingRecord>,
    work: (session: ClientSession) => Promise<void>,
  ): Promise<void> {
    await inTransaction(this.opts.client, async (session) => {
      const known = await this.records.findOne({ _id: item.id }, { session, projection: { state: 1 } });
      if (known && known.state !== "retrying") throw ALREADY_SETTLED;
      const now = new Date();
      try {
        await this.records.updateOne(
          { _id: item.id },
          {
            $set: { state, settledAt: now, ...extra },
            $setOnInsert: { ...this.identity(item), failures: 0, firstSeenAt: now },
          },
          { upsert: true, session },
        );
      } catch (err) {
        // two first settlements met on the new record: the loser runs again and finds it settled
        if (err instanceof MongoError && isDuplicateKeyError(err)) err.addErrorLabel("TransientTransactionError");
        throw err;
      }
      await work(session);
    });
  }

  private async recordHandlerFailure(item: ReadableItem, err: unknown): Promise<ItemOutcome> {
    const lastError = errorMessage(err);
    const now = new Date();
    const counted = await this.records
      .findOneAndUpdate(
        { _id: item.id, state: "retrying" },
        { $inc: { failures: 1 }, $set: { lastError }, $setOnInsert: { ...this.identity(item), firstSeenAt: now } },
        { upsert: true, returnDocument: "after" },
      )
      .catch((e: unknown) => {
        // settled meanwhile by another replica: the upsert met the settled record
        if (isDuplicateKeyError(e)) return null;
        throw e;
      });
    if (!counted) return "duplicate";
    this.opts.log?.warn(
      { err, itemId: item.id, failures: counted.failures },
      "exchange poller: the handler failed; the item stays for the next pass",
    );
    if (counted.failures < this.maxFailures) return "retrying";
    try {
      await this.inTransactionOnce(item, "failed", this.keptBytes(item), async () => {});
    } catch (e) {
      if (e === ALREADY_SETTLED) return "duplicate";
      throw e;
    }
    this.opts.log?.error(
      { itemId: item.id, failures: counted.failures, lastError },
      "exchange poller: parked an item its handler keeps failing on",
    );
    return "failed";
  }

  private identity(item: PolledItem): Omit<IncomingRecord, "_id" | "state" | "failures" | "firstSeenAt"> {
    const kind = item.kind === "invalid" ? (item.declaredKind === "status" ? "status" : "package") : item.kind;
    const edxmlDocumentId =
      item.kind === "package" ? item.package.header.documentId : item.kind === "status" ? item.status.responseFor.documentId : undefined;
    return {
      organ: this.opts.organ,
      kind,
      cursor: item.cursor,
      deliveredAt: item.deliveredAt,
      ...(edxmlDocumentId ? { edxmlDocumentId } : {}),
      size: item.bytes.length,
      sha256: createHash("sha256").update(item.bytes).digest("hex"),
    };
  }

  private keptBytes(item: PolledItem): { bytes?: Binary } {
    return item.bytes.length <= this.keepBytesUpTo ? { bytes: new Binary(item.bytes) } : {};
  }

  private async ack(item: PolledItem): Promise<void> {
    try {
      await this.opts.connector.ack(item.id);
    } catch (err) {
      // the exchange no longer knows the item: nothing is left to take
      if (!(err instanceof ExchangeRefused && err.status === 404)) throw err;
    }
    await this.records.updateOne({ _id: item.id }, { $set: { ackedAt: new Date() } });
  }

  /** Keeps the cursor (it only ever moves forward, whichever replica writes it). */
  private async keepCursor(cursor: string): Promise<void> {
    await this.cursors.updateOne(
      { _id: this.opts.organ },
      { $max: { position: Number(cursor) }, $set: { updatedAt: new Date() } },
      { upsert: true },
    );
  }
}

function problemsOf(error: Error): FieldViolation[] {
  if (error instanceof EdxmlInvalid) return [...error.problems];
  return [{ field: "", description: error.message }];
}

/**
 * The store unreachable is not the handler's fault: the pass stops and backs off, no failure is counted.
 * Other errors, a handler's own duplicate key included, count against the item.
 */
function isStoreError(err: unknown): boolean {
  return err instanceof MongoNetworkError || err instanceof MongoServerSelectionError || err instanceof MongoNotConnectedError;
}
