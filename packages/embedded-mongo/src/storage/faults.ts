/**
 * TEST-ONLY fault injection: makes every write to the durable store fail, as a full disk or an I/O
 * error would, so tests can check that a write is never acknowledged without reaching disk. It is
 * reachable only through startEmbeddedMongo's `testOnlyPersistenceFaults` option: not from the wire,
 * not from the CLI, not exported by the package.
 */
import type { Document } from "bson";
import type { DocChange, Persistence, StoredCollection } from "./persistence.js";

export class PersistenceFaults {
  private failure: Error | undefined;
  /** How many writes failed (so a test can tell a failure really happened). */
  failed = 0;

  /** From now on every write fails with this message, until `heal()`. */
  failWrites(message = "disk I/O error"): void {
    this.failure = Object.assign(new Error(message), { code: "SQLITE_IOERR" });
  }

  heal(): void {
    this.failure = undefined;
  }

  check(): void {
    if (this.failure) {
      this.failed++;
      throw this.failure;
    }
  }
}

/** A Persistence whose writes fail while `faults` says so; reads and close always pass through. */
export class FaultInjectingPersistence implements Persistence {
  constructor(
    private readonly inner: Persistence,
    private readonly faults: PersistenceFaults,
  ) {}

  get durable(): boolean {
    return this.inner.durable;
  }
  loadCollections(): StoredCollection[] {
    return this.inner.loadCollections();
  }
  loadDocuments(collId: number): Iterable<Document> {
    return this.inner.loadDocuments(collId);
  }
  createCollection(db: string, name: string, options: Document): number {
    this.faults.check();
    return this.inner.createCollection(db, name, options);
  }
  dropCollection(id: number): void {
    this.faults.check();
    this.inner.dropCollection(id);
  }
  renameCollection(id: number, db: string, name: string): void {
    this.faults.check();
    this.inner.renameCollection(id, db, name);
  }
  saveIndexes(id: number, indexes: Document[]): void {
    this.faults.check();
    this.inner.saveIndexes(id, indexes);
  }
  applyChanges(changes: DocChange[]): void {
    this.faults.check();
    this.inner.applyChanges(changes);
  }
  probe(): void {
    this.faults.check();
    this.inner.probe();
  }
  close(): void {
    this.inner.close();
  }
}
