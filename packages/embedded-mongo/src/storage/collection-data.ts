/**
 * The documents of one collection and its secondary indexes, as B-trees keyed by order-preserving
 * encodings. Documents are immutable once stored (updates store a new object), so a `clone()` (O(1),
 * copy-on-write) is a consistent snapshot for a transaction or an open cursor.
 */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import { newNumberTree, newStringTree, type StringTree, type Tree } from "./btree.js";
import { compileIndex, indexKeys, keyPatternOf, keyValueOf, type CompiledIndex, type IndexKey, type IndexSpec } from "./index-spec.js";
import { idKey } from "./keys.js";
import { formatDocument } from "./format.js";

export interface IndexData {
  compiled: CompiledIndex;
  /** encoded index key + `_id` key → `_id` key */
  tree: StringTree<string>;
  multikey: boolean;
}

/** A stored document and its record id: the insertion order that `$natural` and collection scans follow. */
export interface DocRecord {
  doc: Document;
  rid: number;
}

export class CollectionData {
  constructor(
    readonly ns: string,
    /** `_id` key → record (the `_id_` index) */
    readonly docs: StringTree<DocRecord> = newStringTree<DocRecord>(),
    /** record id → `_id` key, in insertion order */
    readonly natural: Tree<number, string> = newNumberTree<string>(),
    readonly indexes: Map<string, IndexData> = new Map(),
    private nextRid = 1,
  ) {}

  clone(): CollectionData {
    return this.withNamespace(this.ns);
  }

  /** A copy-on-write clone, under another name after a rename. */
  withNamespace(ns: string): CollectionData {
    const indexes = new Map<string, IndexData>();
    for (const [name, ix] of this.indexes) indexes.set(name, { compiled: ix.compiled, tree: ix.tree.clone(), multikey: ix.multikey });
    return new CollectionData(ns, this.docs.clone(), this.natural.clone(), indexes, this.nextRid);
  }

  get size(): number {
    return this.docs.size;
  }

  get(idk: string): Document | undefined {
    return this.docs.get(idk)?.doc;
  }

  /** Documents in insertion order (`$natural`), optionally reversed. */
  *naturalOrder(reverse = false): Iterable<Document> {
    for (const [, idk] of reverse ? this.natural.entriesReversed() : this.natural.entries()) {
      const rec = this.docs.get(idk);
      if (rec) yield rec.doc;
    }
  }

  /** Builds a new index over the current documents; refuses (changing nothing) if a unique key repeats. */
  addIndex(spec: IndexSpec): void {
    const compiled = compileIndex(spec);
    const ix: IndexData = { compiled, tree: newStringTree<string>(), multikey: false };
    for (const [idk, { doc }] of this.docs.entries()) {
      const { keys, multikey } = indexKeys(compiled, doc);
      if (multikey) ix.multikey = true;
      for (const k of keys) {
        if (spec.unique) this.checkUniqueIn(ix, k, idk);
        ix.tree.set(k.key + idk, idk);
      }
    }
    this.indexes.set(spec.name, ix);
  }

  dropIndex(name: string): void {
    this.indexes.delete(name);
  }

  /** Inserts a new document; E11000 on a duplicate `_id` or unique key, leaving everything as it was. */
  insert(doc: Document): string {
    const idk = idKey(doc._id);
    if (this.docs.has(idk)) {
      throw duplicateKey(this.ns, "_id_", { _id: 1 }, { _id: doc._id });
    }
    const planned = this.planIndexKeys(doc, idk);
    const rid = this.nextRid++;
    this.docs.set(idk, { doc, rid });
    this.natural.set(rid, idk);
    for (const p of planned) this.applyKeys(p, idk, undefined);
    return idk;
  }

  /** Stores `newDoc` in the place of `oldDoc`; returns the record replaced, for `restore`. */
  replace(idk: string, oldDoc: Document, newDoc: Document): DocRecord {
    const planned = this.planIndexKeys(newDoc, idk);
    const oldKeys = new Map<IndexData, IndexKey[]>();
    for (const ix of this.indexes.values()) oldKeys.set(ix, indexKeys(ix.compiled, oldDoc).keys);
    const previous = this.docs.get(idk)!;
    this.docs.set(idk, { doc: newDoc, rid: previous.rid });
    for (const p of planned) this.applyKeys(p, idk, oldKeys.get(p.ix));
    return previous;
  }

  /** Removes the document; returns its record, for `restore`. */
  remove(idk: string, oldDoc: Document): DocRecord | undefined {
    const rec = this.docs.get(idk);
    if (rec) this.natural.delete(rec.rid);
    this.docs.delete(idk);
    for (const ix of this.indexes.values()) {
      for (const k of indexKeys(ix.compiled, oldDoc).keys) ix.tree.delete(k.key + idk);
    }
    return rec;
  }

  /**
   * Puts a document back as it was — its record (and so its place in `$natural` order), or its absence —
   * undoing the changes since. Changes are undone newest first, so every state restored was valid and
   * no unique check is needed.
   */
  restore(idk: string, previous: DocRecord | undefined): void {
    const current = this.docs.get(idk);
    if (current) this.detach(idk, current);
    if (previous) this.attach(idk, previous);
  }

  /**
   * Applies a write set as one change (a transaction's commit): every changed document leaves the
   * indexes first, so unique indexes are checked against the final state — values swapped between
   * documents are fine, as they were statement by statement. On a violation nothing is changed.
   * Returns each document's previous record, for `restore`.
   */
  applyAll(changes: readonly { idk: string; doc: Document | null }[]): (DocRecord | undefined)[] {
    const previous = changes.map((c) => this.docs.get(c.idk));
    changes.forEach((c, i) => {
      const rec = previous[i];
      if (rec) this.detach(c.idk, rec);
    });
    try {
      changes.forEach(({ idk, doc }, i) => {
        if (doc === null) return;
        const planned = this.planIndexKeys(doc, idk);
        const rid = previous[i]?.rid ?? this.nextRid++;
        this.docs.set(idk, { doc, rid });
        this.natural.set(rid, idk);
        for (const p of planned) this.applyKeys(p, idk, undefined);
      });
    } catch (err) {
      for (let i = 0; i < changes.length; i++) this.restore(changes[i].idk, previous[i]);
      throw err;
    }
    return previous;
  }

  private detach(idk: string, rec: DocRecord): void {
    this.docs.delete(idk);
    this.natural.delete(rec.rid);
    for (const ix of this.indexes.values()) {
      for (const k of indexKeys(ix.compiled, rec.doc).keys) ix.tree.delete(k.key + idk);
    }
  }

  private attach(idk: string, rec: DocRecord): void {
    this.docs.set(idk, rec);
    this.natural.set(rec.rid, idk);
    for (const ix of this.indexes.values()) {
      const { keys, multikey } = indexKeys(ix.compiled, rec.doc);
      if (multikey) ix.multikey = true;
      for (const k of keys) ix.tree.set(k.key + idk, idk);
    }
  }

  /** Computes every index key of `doc` and checks unique constraints before anything is changed. */
  private planIndexKeys(doc: Document, idk: string): PlannedKeys[] {
    const planned: PlannedKeys[] = [];
    for (const ix of this.indexes.values()) {
      const { keys, multikey } = indexKeys(ix.compiled, doc);
      if (ix.compiled.spec.unique) for (const k of keys) this.checkUniqueIn(ix, k, idk);
      planned.push({ ix, keys, multikey });
    }
    return planned;
  }

  private applyKeys(p: PlannedKeys, idk: string, oldKeys: IndexKey[] | undefined): void {
    if (p.multikey) p.ix.multikey = true;
    const keep = new Set(p.keys.map((k) => k.key));
    if (oldKeys) for (const k of oldKeys) if (!keep.has(k.key)) p.ix.tree.delete(k.key + idk);
    for (const k of p.keys) p.ix.tree.set(k.key + idk, idk);
  }

  /** The `_id` key of another document holding `key` in a unique index, if any. */
  findUniqueHolder(ix: IndexData, key: string, exceptIdk: string): string | undefined {
    for (const [entry, holder] of ix.tree.entries(key)) {
      if (!entry.startsWith(key)) return undefined;
      if (holder !== exceptIdk) return holder;
    }
    return undefined;
  }

  private checkUniqueIn(ix: IndexData, k: IndexKey, idk: string): void {
    if (this.findUniqueHolder(ix, k.key, idk) !== undefined) {
      const spec = ix.compiled.spec;
      throw duplicateKey(this.ns, spec.name, keyPatternOf(spec), keyValueOf(spec, k.values));
    }
  }
}

interface PlannedKeys {
  ix: IndexData;
  keys: IndexKey[];
  multikey: boolean;
}

export function duplicateKey(ns: string, indexName: string, keyPattern: Document, keyValue: Document): MongoError {
  return new MongoError(
    "DuplicateKey",
    `E11000 duplicate key error collection: ${ns} index: ${indexName} dup key: ${formatDocument(keyValue)}`,
    { keyPattern, keyValue },
  );
}
