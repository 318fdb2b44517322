/**
 * Whether the durable store accepts writes. A write that SQLite refuses (a full disk, an I/O error)
 * fails its command, and the command's changes are taken back out of memory; from then on every command
 * fails, naming the cause, until a probe write succeeds again. So nothing is acknowledged that is not
 * on disk, and nothing is read that a restart would not find.
 */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import type { DocChange, Persistence, StoredCollection } from "./persistence.js";

export class PersistenceFailure extends MongoError {
  constructor(message: string) {
    super("InternalError", message);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wraps the store: a failed write marks it unhealthy and becomes a PersistenceFailure. */
export class GuardedPersistence implements Persistence {
  private failure: string | undefined;

  constructor(private readonly inner: Persistence) {}

  get durable(): boolean {
    return this.inner.durable;
  }

  /** Throws while the store does not accept writes; a successful probe write makes it healthy again. */
  assertHealthy(): void {
    if (this.failure === undefined) return;
    try {
      this.inner.probe();
      this.failure = undefined;
    } catch (err) {
      this.failure = reason(err);
      throw new PersistenceFailure(`embedded-mongo's data directory does not accept writes (${this.failure}); commands fail until it does`);
    }
  }

  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      this.failure = reason(err);
      throw new PersistenceFailure(
        `embedded-mongo could not write to its data directory (${this.failure}); the command was not applied, and commands fail until the directory accepts writes again`,
      );
    }
  }

  loadCollections(): StoredCollection[] {
    return this.inner.loadCollections();
  }
  loadDocuments(collId: number): Iterable<Document> {
    return this.inner.loadDocuments(collId);
  }
  createCollection(db: string, name: string, options: Document): number {
    return this.write(() => this.inner.createCollection(db, name, options));
  }
  dropCollection(id: number): void {
    this.write(() => this.inner.dropCollection(id));
  }
  renameCollection(id: number, db: string, name: string): void {
    this.write(() => this.inner.renameCollection(id, db, name));
  }
  saveIndexes(id: number, indexes: Document[]): void {
    this.write(() => this.inner.saveIndexes(id, indexes));
  }
  applyChanges(changes: DocChange[]): void {
    this.write(() => this.inner.applyChanges(changes));
  }
  probe(): void {
    this.write(() => this.inner.probe());
  }
  close(): void {
    this.inner.close();
  }
}
