/**
 * Server-side cursors: the rest of a result after its first batch, handed out by getMore in batches
 * the way mongod sizes them (a count, capped at 16 MiB of documents), and killed when abandoned.
 */
import { BSON, Long, type Document } from "bson";
import { MongoError } from "./errors.js";
import type { Transaction } from "./storage/engine.js";

/** mongod's default first batch. */
export const DEFAULT_FIRST_BATCH = 101;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export interface OpenCursor {
  id: Long;
  ns: string;
  iterator: Iterator<Document>;
  /** A document read past the end of the last batch (it did not fit). */
  pending?: Document;
  /** Documents still allowed by `limit`. */
  remaining: number;
  lastUsed: number;
  /** getMore must come from the same transaction as the command that opened the cursor. */
  txn?: Transaction;
  sessionId?: string;
}

/**
 * BSON sizes of the documents batches return. Stored documents are never changed (an update stores a
 * new object), so a size is computed once per stored document rather than once per read; a projected
 * document is a new object and gets its size computed (and forgotten with it).
 */
const sizes = new WeakMap<Document, number>();

function bsonSize(doc: Document): number {
  let size = sizes.get(doc);
  if (size === undefined) {
    size = BSON.calculateObjectSize(doc);
    sizes.set(doc, size);
  }
  return size;
}

export interface Batch {
  docs: Document[];
  exhausted: boolean;
}

export function takeBatch(
  source: { iterator: Iterator<Document>; pending?: Document; remaining: number },
  batchSize: number | undefined,
): Batch {
  const docs: Document[] = [];
  const max = batchSize && batchSize > 0 ? batchSize : Number.POSITIVE_INFINITY;
  let bytes = 0;
  while (docs.length < max && source.remaining > 0) {
    let doc = source.pending;
    source.pending = undefined;
    if (!doc) {
      const next = source.iterator.next();
      if (next.done) return { docs, exhausted: true };
      doc = next.value;
    }
    const size = bsonSize(doc);
    if (docs.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      source.pending = doc;
      return { docs, exhausted: false };
    }
    bytes += size;
    docs.push(doc);
    source.remaining--;
  }
  if (source.remaining <= 0) return { docs, exhausted: true };
  // Peek so an exactly-consumed result closes the cursor now instead of costing an empty getMore.
  if (!source.pending) {
    const next = source.iterator.next();
    if (next.done) return { docs, exhausted: true };
    source.pending = next.value;
  }
  return { docs, exhausted: false };
}

export class CursorRegistry {
  private readonly cursors = new Map<string, OpenCursor>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = setInterval(() => this.reap(), Math.min(60_000, Math.max(50, Math.floor(timeoutMs / 4))));
    this.timer.unref();
  }

  open(
    ns: string,
    iterator: Iterator<Document>,
    pending: Document | undefined,
    remaining: number,
    txn?: Transaction,
    sessionId?: string,
  ): OpenCursor {
    let id: Long;
    do {
      id = Long.fromBits(Math.floor(Math.random() * 0x100000000), Math.floor(Math.random() * 0x7fffffff) + 1);
    } while (this.cursors.has(id.toString()));
    const cursor: OpenCursor = { id, ns, iterator, pending, remaining, lastUsed: Date.now(), txn, sessionId };
    this.cursors.set(id.toString(), cursor);
    return cursor;
  }

  get(id: Long | number, ns: string): OpenCursor {
    const cursor = this.cursors.get(Long.fromValue(id).toString());
    if (!cursor) throw new MongoError("CursorNotFound", `cursor id ${String(id)} not found`);
    if (cursor.ns !== ns)
      throw new MongoError(
        "Unauthorized",
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    cursor.lastUsed = Date.now();
    return cursor;
  }

  kill(id: Long | number): boolean {
    return this.cursors.delete(Long.fromValue(id).toString());
  }

  /** Closes the cursors of a transaction that ended: their snapshot is gone. */
  killForTransaction(txn: Transaction): void {
    for (const [key, c] of this.cursors) if (c.txn === txn) this.cursors.delete(key);
  }

  killForSession(sessionId: string): void {
    for (const [key, c] of this.cursors) if (c.sessionId === sessionId) this.cursors.delete(key);
  }

  get size(): number {
    return this.cursors.size;
  }

  private reap(): void {
    const cutoff = Date.now() - this.timeoutMs;
    for (const [key, c] of this.cursors) if (c.lastUsed < cutoff) this.cursors.delete(key);
  }

  close(): void {
    clearInterval(this.timer);
    this.cursors.clear();
  }
}
