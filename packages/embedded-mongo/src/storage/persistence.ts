/**
 * Durable storage behind the in-memory trees: SQLite (better-sqlite3) in WAL mode. Every committed
 * change set is one SQLite transaction, so a kill -9 loses nothing that was acknowledged and never
 * shows half a transaction. The database is opened in EXCLUSIVE locking mode: that OS-level lock is
 * what keeps a second server off the same data directory (no stale lock files to clean up).
 *
 * Durability matches mongod's default (journal flushed on an interval, not per write): synchronous=NORMAL
 * survives a process crash; a power loss can drop the last few commits.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { BSON, type Document } from "bson";

export interface StoredCollection {
  id: number;
  db: string;
  name: string;
  options: Document;
  indexes: Document[];
}

export interface DocChange {
  collId: number;
  idk: string;
  doc: Document | null;
}

export interface Persistence {
  readonly durable: boolean;
  loadCollections(): StoredCollection[];
  loadDocuments(collId: number): Iterable<Document>;
  createCollection(db: string, name: string, options: Document): number;
  dropCollection(id: number): void;
  renameCollection(id: number, db: string, name: string): void;
  saveIndexes(id: number, indexes: Document[]): void;
  applyChanges(changes: DocChange[]): void;
  /** A small write that succeeds only if the store accepts writes (health checks after a failure). */
  probe(): void;
  close(): void;
}

export const DESERIALIZE_OPTIONS = { promoteLongs: true, promoteValues: true, promoteBuffers: false, bsonRegExp: false } as const;

export class MemoryPersistence implements Persistence {
  readonly durable = false;
  private nextId = 1;
  loadCollections(): StoredCollection[] {
    return [];
  }
  loadDocuments(): Iterable<Document> {
    return [];
  }
  createCollection(): number {
    return this.nextId++;
  }
  dropCollection(): void {}
  renameCollection(): void {}
  saveIndexes(): void {}
  applyChanges(): void {}
  probe(): void {}
  close(): void {}
}

export class DataDirError extends Error {}

export class SqlitePersistence implements Persistence {
  readonly durable = true;
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(dataDir: string) {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.accessSync(dataDir, fs.constants.W_OK | fs.constants.R_OK);
    } catch (err) {
      throw new DataDirError(`data directory ${dataDir} is unusable: ${(err as Error).message}`);
    }
    const file = path.join(dataDir, "embedded-mongo.sqlite");
    try {
      this.db = new Database(file, { timeout: 0 });
      this.db.pragma("locking_mode = EXCLUSIVE");
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS collections (
          id INTEGER PRIMARY KEY, db TEXT NOT NULL, name TEXT NOT NULL, options BLOB NOT NULL, indexes BLOB NOT NULL,
          UNIQUE (db, name));
        -- rowid order is insertion order ($natural): updates keep the row (upsert, not replace).
        CREATE TABLE IF NOT EXISTS docs (coll INTEGER NOT NULL, k TEXT NOT NULL, doc BLOB NOT NULL, PRIMARY KEY (coll, k));
      `);
      // A write takes the exclusive lock now, so a second instance fails at start, not at its first write.
      this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_at', ?)").run(new Date().toISOString());
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
        throw new DataDirError(`data directory ${dataDir} is locked: another embedded-mongo instance is using it`);
      }
      throw new DataDirError(`data directory ${dataDir} is unusable: ${(err as Error).message}`);
    }
    this.stmts = {
      collections: this.db.prepare("SELECT id, db, name, options, indexes FROM collections ORDER BY id"),
      docs: this.db.prepare("SELECT doc FROM docs WHERE coll = ? ORDER BY rowid"),
      createColl: this.db.prepare("INSERT INTO collections (db, name, options, indexes) VALUES (?, ?, ?, ?)"),
      dropColl: this.db.prepare("DELETE FROM collections WHERE id = ?"),
      dropDocs: this.db.prepare("DELETE FROM docs WHERE coll = ?"),
      rename: this.db.prepare("UPDATE collections SET db = ?, name = ? WHERE id = ?"),
      saveIndexes: this.db.prepare("UPDATE collections SET indexes = ? WHERE id = ?"),
      put: this.db.prepare("INSERT INTO docs (coll, k, doc) VALUES (?, ?, ?) ON CONFLICT (coll, k) DO UPDATE SET doc = excluded.doc"),
      del: this.db.prepare("DELETE FROM docs WHERE coll = ? AND k = ?"),
      probe: this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('probed_at', ?)"),
    };
  }

  loadCollections(): StoredCollection[] {
    const rows = this.stmts.collections.all() as { id: number; db: string; name: string; options: Buffer; indexes: Buffer }[];
    return rows.map((r) => ({
      id: r.id,
      db: r.db,
      name: r.name,
      options: BSON.deserialize(r.options, DESERIALIZE_OPTIONS),
      indexes: (BSON.deserialize(r.indexes, DESERIALIZE_OPTIONS).list ?? []) as Document[],
    }));
  }

  *loadDocuments(collId: number): Iterable<Document> {
    for (const row of this.stmts.docs.iterate(collId) as Iterable<{ doc: Buffer }>) {
      yield BSON.deserialize(row.doc, DESERIALIZE_OPTIONS);
    }
  }

  createCollection(db: string, name: string, options: Document): number {
    const res = this.stmts.createColl.run(db, name, BSON.serialize(options), BSON.serialize({ list: [] }));
    return Number(res.lastInsertRowid);
  }

  dropCollection(id: number): void {
    this.db.transaction(() => {
      this.stmts.dropDocs.run(id);
      this.stmts.dropColl.run(id);
    })();
  }

  renameCollection(id: number, db: string, name: string): void {
    this.stmts.rename.run(db, name, id);
  }

  saveIndexes(id: number, indexes: Document[]): void {
    this.stmts.saveIndexes.run(BSON.serialize({ list: indexes }), id);
  }

  applyChanges(changes: DocChange[]): void {
    if (changes.length === 0) return;
    if (changes.length === 1) {
      this.applyOne(changes[0]);
      return;
    }
    this.db.transaction(() => {
      for (const c of changes) this.applyOne(c);
    })();
  }

  private applyOne(c: DocChange): void {
    if (c.doc === null) this.stmts.del.run(c.collId, c.idk);
    else this.stmts.put.run(c.collId, c.idk, BSON.serialize(c.doc));
  }

  probe(): void {
    this.stmts.probe.run(new Date().toISOString());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
