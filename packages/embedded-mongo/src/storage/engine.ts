/**
 * Reads and writes against committed data or a transaction's snapshot, with MongoDB's transaction rules:
 * - a transaction reads a snapshot taken at its first operation, plus its own writes;
 * - its writes are invisible to everyone else until commit and vanish on abort;
 * - the first transaction to write a document (or a unique key) holds it; another transaction writing it
 *   gets WriteConflict (TransientTransactionError), and so does a transaction writing a document that was
 *   committed after its snapshot;
 * - a write outside any transaction waits until the transaction holding the document ends.
 */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import type { Catalog, Collection } from "./catalog.js";
import type { CollectionData, DocRecord } from "./collection-data.js";
import { indexKeys } from "./index-spec.js";
import { idKey } from "./keys.js";
import type { DocChange } from "./persistence.js";

export function writeConflict(): MongoError {
  return new MongoError(
    "WriteConflict",
    "Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.",
    {},
    ["TransientTransactionError"],
  );
}

/** Thrown before anything is changed when a non-transactional write must wait for a transaction to end. */
export class LockedByTransaction extends Error {
  constructor(readonly until: Promise<void>) {
    super("document is locked by a transaction");
  }
}

export class Transaction {
  state: "active" | "committed" | "aborted" = "active";
  readonly working = new Map<number, CollectionData>();
  readonly writes = new Map<number, Map<string, Document | null>>();
  readonly locks: string[] = [];
  readonly startedAt = Date.now();
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  constructor(
    readonly txnNumber: number,
    readonly snapshotSeq: number,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  markEnded(state: "committed" | "aborted"): void {
    this.state = state;
    this.working.clear();
    this.resolveEnded();
  }
}

function lockKey(collId: number, idk: string): string {
  return `${collId}|${idk}`;
}

function uniqueLockKey(collId: number, index: string, key: string): string {
  return `${collId}|${index}|${key}`;
}

interface PendingChange extends DocChange {
  /** The collection data the change was applied to, and the record it replaced: what undoes it. */
  data: CollectionData;
  previous: DocRecord | undefined;
}

export interface Writer {
  readonly data: CollectionData;
  insert(doc: Document): string;
  replace(idk: string, oldDoc: Document, newDoc: Document): void;
  remove(idk: string, oldDoc: Document): void;
  /** Fails fast (before any change) if one of these documents is held by a transaction. */
  assertUnlocked(idks: Iterable<string>): void;
}

export class Engine {
  /** Increments with every committed write; a transaction's snapshot is a point in this sequence. */
  private seq = 0;
  private readonly active = new Set<Transaction>();
  private readonly locks = new Map<string, Transaction>();
  /** Last commit sequence per document, kept only while transactions are active (for conflict detection). */
  private readonly recentWrites = new Map<string, number>();
  /**
   * Non-transactional changes applied in memory and not yet persisted, with what each replaced. Every
   * command persists its changes before it yields (flush), so this only ever holds the running
   * command's changes, and undoing them on a persistence failure touches no one else's.
   */
  private pending: PendingChange[] = [];

  constructor(readonly catalog: Catalog) {}

  begin(txnNumber: number): Transaction {
    const txn = new Transaction(txnNumber, this.seq);
    this.active.add(txn);
    return txn;
  }

  get activeTransactions(): ReadonlySet<Transaction> {
    return this.active;
  }

  /** What a reader sees of a collection: the transaction's snapshot, or the committed data. */
  read(coll: Collection, txn?: Transaction): CollectionData {
    if (!txn) return coll.data;
    let working = txn.working.get(coll.id);
    if (!working) {
      // Untouched since the snapshot (a write would have cloned it for us first), so this is the snapshot.
      working = coll.data.clone();
      txn.working.set(coll.id, working);
    }
    return working;
  }

  writer(coll: Collection, txn?: Transaction): Writer {
    return txn ? this.transactionWriter(coll, txn) : this.committedWriter(coll);
  }

  /**
   * Persists what non-transactional writes changed since the last flush. Called by each command before
   * it replies or waits; if the store refuses the write, the changes are taken back out of memory
   * (newest first) and the failure is thrown, so nothing is acknowledged or seen that is not on disk.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    try {
      this.catalog.persist(changes);
    } catch (err) {
      for (let i = changes.length - 1; i >= 0; i--) changes[i].data.restore(changes[i].idk, changes[i].previous);
      throw err;
    }
  }

  /**
   * Applies the transaction's writes as one change and persists them, or changes nothing and throws.
   * Each statement was checked against the transaction's own view when it ran (as mongod does), and
   * the locks keep others off its documents and unique keys; so the commit checks only the final state
   * (applyAll), which is what lets values swapped statement by statement commit.
   */
  commit(txn: Transaction): void {
    if (txn.state !== "active") throw new Error(`transaction ${txn.txnNumber} is ${txn.state}`);
    const applied: { data: CollectionData; changes: { idk: string; doc: Document | null }[]; previous: (DocRecord | undefined)[] }[] = [];
    const persisted: DocChange[] = [];
    const touched: Collection[] = [];
    try {
      for (const [collId, writes] of txn.writes) {
        const coll = this.catalog.byIdOrUndefined(collId);
        if (!coll) continue; // dropped while the transaction ran: its writes die with it, as the collection did
        this.snapshotForOthers(coll, txn);
        const changes = [...writes].map(([idk, doc]) => ({ idk, doc }));
        applied.push({ data: coll.data, changes, previous: coll.data.applyAll(changes) });
        touched.push(coll);
        for (const c of changes) persisted.push({ collId, idk: c.idk, doc: c.doc });
      }
      this.catalog.persist(persisted);
    } catch (err) {
      for (const { data, changes, previous } of applied.reverse()) {
        for (let i = changes.length - 1; i >= 0; i--) data.restore(changes[i].idk, previous[i]);
      }
      throw err;
    }
    this.seq++;
    for (const coll of touched) coll.lastWriteSeq = this.seq;
    for (const c of persisted) this.noteWrite(c.collId, c.idk);
    this.end(txn, "committed");
  }

  abort(txn: Transaction): void {
    if (txn.state !== "active") return;
    this.end(txn, "aborted");
  }

  private end(txn: Transaction, state: "committed" | "aborted"): void {
    for (const key of txn.locks) if (this.locks.get(key) === txn) this.locks.delete(key);
    this.active.delete(txn);
    if (this.active.size === 0) this.recentWrites.clear();
    txn.markEnded(state);
  }

  /** Before committed data changes, every running transaction that has not read it yet keeps the old state. */
  private snapshotForOthers(coll: Collection, except?: Transaction): void {
    for (const txn of this.active) {
      if (txn !== except && !txn.working.has(coll.id)) txn.working.set(coll.id, coll.data.clone());
    }
  }

  private noteWrite(collId: number, idk: string): void {
    if (this.active.size > 0) this.recentWrites.set(lockKey(collId, idk), this.seq);
  }

  private committedWriter(coll: Collection): Writer {
    const engine = this;
    const data = coll.data;
    const checkDoc = (idk: string) => {
      const holder = engine.locks.get(lockKey(coll.id, idk));
      if (holder) throw new LockedByTransaction(holder.ended);
    };
    const checkUniqueKeys = (doc: Document) => {
      if (engine.locks.size === 0) return;
      for (const [name, ix] of data.indexes) {
        if (!ix.compiled.spec.unique) continue;
        for (const k of indexKeys(ix.compiled, doc).keys) {
          const holder = engine.locks.get(uniqueLockKey(coll.id, name, k.key));
          if (holder) throw new LockedByTransaction(holder.ended);
        }
      }
    };
    const committed = (idk: string, doc: Document | null, previous: DocRecord | undefined) => {
      engine.seq++;
      coll.lastWriteSeq = engine.seq;
      engine.noteWrite(coll.id, idk);
      engine.pending.push({ collId: coll.id, idk, doc, data, previous });
    };
    return {
      data,
      assertUnlocked(idks) {
        if (engine.locks.size === 0) return;
        for (const idk of idks) checkDoc(idk);
      },
      insert(doc) {
        if (engine.locks.size > 0) {
          checkDoc(idKey(doc._id)); // a transaction may hold this _id (it inserted it first)
          checkUniqueKeys(doc);
        }
        engine.snapshotForOthers(coll);
        const idk = data.insert(doc);
        committed(idk, doc, undefined);
        return idk;
      },
      replace(idk, oldDoc, newDoc) {
        checkDoc(idk);
        checkUniqueKeys(newDoc);
        engine.snapshotForOthers(coll);
        committed(idk, newDoc, data.replace(idk, oldDoc, newDoc));
      },
      remove(idk, oldDoc) {
        checkDoc(idk);
        engine.snapshotForOthers(coll);
        committed(idk, null, data.remove(idk, oldDoc));
      },
    };
  }

  private transactionWriter(coll: Collection, txn: Transaction): Writer {
    const data = this.read(coll, txn);
    let own = txn.writes.get(coll.id);
    if (!own) {
      own = new Map();
      txn.writes.set(coll.id, own);
    }
    const claim = (key: string) => {
      const holder = this.locks.get(key);
      if (holder && holder !== txn) throw writeConflict();
    };
    const claimDoc = (idk: string) => {
      const key = lockKey(coll.id, idk);
      claim(key);
      if ((this.recentWrites.get(key) ?? 0) > txn.snapshotSeq) throw writeConflict();
      return key;
    };
    /** Unique keys of `doc`: held by another transaction, or committed by someone after our snapshot → conflict. */
    const claimUniqueKeys = (doc: Document, idk: string): string[] => {
      const keys: string[] = [];
      for (const [name, ix] of data.indexes) {
        if (!ix.compiled.spec.unique) continue;
        const mainIx = coll.data.indexes.get(name);
        for (const k of indexKeys(ix.compiled, doc).keys) {
          const key = uniqueLockKey(coll.id, name, k.key);
          claim(key);
          const holder = mainIx ? coll.data.findUniqueHolder(mainIx, k.key, idk) : undefined;
          if (holder !== undefined && !own.has(holder) && data.get(holder) === undefined) throw writeConflict();
          keys.push(key);
        }
      }
      return keys;
    };
    const hold = (keys: string[]) => {
      for (const key of keys) {
        if (!this.locks.has(key)) {
          this.locks.set(key, txn);
          txn.locks.push(key);
        }
      }
    };
    return {
      data,
      assertUnlocked() {
        // Inside a transaction a held document is a conflict, detected per write.
      },
      insert(doc) {
        const idk = data.insert(doc);
        try {
          const keys = [claimDoc(idk), ...claimUniqueKeys(doc, idk)];
          if (coll.data.get(idk) !== undefined) throw writeConflict(); // committed by someone after our snapshot
          hold(keys);
        } catch (err) {
          data.remove(idk, doc);
          throw err;
        }
        own.set(idk, doc);
        return idk;
      },
      replace(idk, oldDoc, newDoc) {
        const keys = [claimDoc(idk), ...claimUniqueKeys(newDoc, idk)];
        data.replace(idk, oldDoc, newDoc);
        hold(keys);
        own.set(idk, newDoc);
      },
      remove(idk, oldDoc) {
        const key = claimDoc(idk);
        data.remove(idk, oldDoc);
        hold([key]);
        own.set(idk, null);
      },
    };
  }
}
