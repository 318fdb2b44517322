/**
 * Databases and collections with their committed data, and the DDL that changes them. Every change is
 * written through to the persistence layer before it is acknowledged, and is not kept in memory if
 * that write fails.
 */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import { CollectionData } from "./collection-data.js";
import { parseIndexSpec, sameIndex, sameKeyPattern, type IndexSpec } from "./index-spec.js";
import type { DocChange, Persistence } from "./persistence.js";

export class Collection {
  /** Sequence number of the last committed write, so transactions can tell what changed after their snapshot. */
  lastWriteSeq = 0;
  constructor(
    readonly id: number,
    public db: string,
    public name: string,
    readonly options: Document,
    public data: CollectionData,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  indexSpecs(): IndexSpec[] {
    return [...this.data.indexes.values()].map((ix) => ix.compiled.spec);
  }
}

const SUPPORTED_CREATE_OPTIONS = new Set([
  "create",
  "$db",
  "lsid",
  "$clusterTime",
  "writeConcern",
  "txnNumber",
  "autocommit",
  "startTransaction",
  "comment",
  "$readPreference",
]);

export function validateDbName(db: unknown): string {
  if (typeof db !== "string" || db.length === 0 || db.length > 63 || /[/\\. "$\0]/.test(db)) {
    throw new MongoError("InvalidNamespace", `Invalid database name: '${String(db)}'`);
  }
  return db;
}

export function validateCollectionName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new MongoError("InvalidNamespace", `Invalid collection name: '${String(name)}'`);
  }
  if (name.includes("\0") || name.includes("$") || name.startsWith(".") || name.startsWith("system.")) {
    throw new MongoError("InvalidNamespace", `Invalid collection name: '${name}'`);
  }
  return name;
}

export class Catalog {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly byId = new Map<number, Collection>();

  constructor(readonly persistence: Persistence) {
    for (const stored of persistence.loadCollections()) {
      const data = new CollectionData(`${stored.db}.${stored.name}`);
      for (const doc of persistence.loadDocuments(stored.id)) data.insert(doc);
      for (const def of stored.indexes) data.addIndex(parseIndexSpec(def));
      this.register(new Collection(stored.id, stored.db, stored.name, stored.options, data));
    }
  }

  private register(c: Collection): void {
    let colls = this.dbs.get(c.db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(c.db, colls);
    }
    colls.set(c.name, c);
    this.byId.set(c.id, c);
  }

  private unregister(c: Collection): void {
    const colls = this.dbs.get(c.db);
    colls?.delete(c.name);
    if (colls && colls.size === 0) this.dbs.delete(c.db);
    this.byId.delete(c.id);
  }

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  byIdOrUndefined(id: number): Collection | undefined {
    return this.byId.get(id);
  }

  /** The collection, created implicitly on first write as mongod does. */
  ensure(db: string, name: string): Collection {
    return this.get(db, name) ?? this.create(db, name, {});
  }

  create(db: string, name: string, command: Document): Collection {
    validateDbName(db);
    validateCollectionName(name);
    if (command.viewOn !== undefined || command.pipeline !== undefined) {
      throw new MongoError("NotImplemented", `embedded-mongo does not support views (create '${name}' with viewOn/pipeline)`);
    }
    for (const option of Object.keys(command)) {
      if (!SUPPORTED_CREATE_OPTIONS.has(option)) {
        throw new MongoError("InvalidOptions", `embedded-mongo does not support the collection option '${option}'`);
      }
    }
    if (this.get(db, name)) throw new MongoError("NamespaceExists", `Collection ${db}.${name} already exists.`);
    const id = this.persistence.createCollection(db, name, {});
    const c = new Collection(id, db, name, {}, new CollectionData(`${db}.${name}`));
    this.register(c);
    return c;
  }

  drop(db: string, name: string): boolean {
    const c = this.get(db, name);
    if (!c) return false;
    this.persistence.dropCollection(c.id);
    this.unregister(c);
    return true;
  }

  dropDatabase(db: string): void {
    for (const c of [...(this.dbs.get(db)?.values() ?? [])]) this.drop(db, c.name);
  }

  rename(from: Collection, toDb: string, toName: string, dropTarget: boolean): void {
    validateDbName(toDb);
    validateCollectionName(toName);
    const existing = this.get(toDb, toName);
    if (existing) {
      if (existing === from) throw new MongoError("IllegalOperation", "Can't rename a collection to itself");
      if (!dropTarget) throw new MongoError("NamespaceExists", "target namespace exists");
      this.drop(toDb, toName);
    }
    this.persistence.renameCollection(from.id, toDb, toName);
    this.unregister(from);
    from.db = toDb;
    from.name = toName;
    from.data = from.data.withNamespace(`${toDb}.${toName}`);
    this.register(from);
  }

  databases(): string[] {
    return [...this.dbs.keys()].sort();
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }

  allCollections(): Collection[] {
    return [...this.byId.values()];
  }

  /** createIndexes: builds each new index, or changes nothing if any of them fails. */
  createIndexes(c: Collection, rawSpecs: Document[]): { before: number; after: number; note?: string } {
    const before = c.data.indexes.size + 1;
    const toBuild: IndexSpec[] = [];
    for (const raw of rawSpecs) {
      const spec = parseIndexSpec(raw);
      // The _id index always exists and cannot be redefined.
      if (
        spec.name === "_id_" ||
        (spec.fields.length === 1 && spec.fields[0].path === "_id" && !spec.partialFilterExpression && !spec.unique)
      )
        continue;
      const sameName = c.data.indexes.get(spec.name)?.compiled.spec ?? toBuild.find((s) => s.name === spec.name);
      if (sameName) {
        if (sameIndex(sameName, spec)) continue;
        throw new MongoError(
          "IndexKeySpecsConflict",
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec.definition)}, existing index: ${JSON.stringify(sameName.definition)}`,
        );
      }
      const sameKey = [...c.data.indexes.values()]
        .map((ix) => ix.compiled.spec)
        .find(
          (s) =>
            sameKeyPattern(s, spec) &&
            JSON.stringify(s.partialFilterExpression ?? null) === JSON.stringify(spec.partialFilterExpression ?? null),
        );
      if (sameKey) {
        throw new MongoError("IndexOptionsConflict", `Index already exists with a different name: ${sameKey.name}`);
      }
      toBuild.push(spec);
    }
    if (toBuild.length === 0) return { before, after: before, note: "all indexes already exist" };
    const built: string[] = [];
    try {
      for (const spec of toBuild) {
        c.data.addIndex(spec);
        built.push(spec.name);
      }
      // Saved after the build (which can refuse the documents) and undone if the save fails.
      this.persistence.saveIndexes(
        c.id,
        c.indexSpecs().map((s) => s.definition),
      );
    } catch (err) {
      for (const name of built) c.data.dropIndex(name);
      throw err;
    }
    return { before, after: c.data.indexes.size + 1 };
  }

  dropIndex(c: Collection, name: string): void {
    // Saved first: if the save fails, the index is still there in memory as on disk.
    this.persistence.saveIndexes(
      c.id,
      c
        .indexSpecs()
        .filter((s) => s.name !== name)
        .map((s) => s.definition),
    );
    c.data.dropIndex(name);
  }

  persist(changes: DocChange[]): void {
    this.persistence.applyChanges(changes);
  }
}
