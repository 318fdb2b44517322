/**
 * The first `k` documents in a sort order, without sorting every match (mongod's top-k SORT under a
 * limit): a find sorted on fields no index orders, such as a list's first page or "the latest one",
 * keeps `k` documents in a heap instead of sorting thousands.
 *
 * Documents are compared by their sort key encoded as an index key (keys.ts: MongoDB's order, missing
 * as null), ties kept in the order the documents came. A sort field holding an array (sorted by its
 * smallest or largest element in MongoDB) is not compared here: the caller sorts the general way.
 */
import type { Document } from "bson";
import { complement, encodeValue } from "../storage/keys.js";

type Entry = { key: string; at: number; doc: Document };

/** The value at a dotted path, or `ARRAY` when an array is on the way (not compared here). */
const ARRAY = Symbol("array");
function sortValue(doc: Document, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const part of path) {
    if (Array.isArray(v)) return ARRAY;
    if (v === null || typeof v !== "object" || v instanceof Date || (v as { _bsontype?: string })._bsontype !== undefined) return undefined;
    v = (v as Document)[part];
  }
  return Array.isArray(v) ? ARRAY : v;
}

function before(a: Entry, b: Entry): boolean {
  return a.key < b.key || (a.key === b.key && a.at < b.at);
}

/**
 * The first `k` of `docs` in `sort` order, or undefined when a document's sort field holds an array.
 * `sort` is validated ({field: 1 | -1}).
 */
export function topK(docs: readonly Document[], sort: Document, k: number): Document[] | undefined {
  const fields = Object.entries(sort).map(([field, dir]) => ({ path: field.split("."), descending: dir === -1 }));
  // A max-heap of the best k so far: its root is the one to drop first.
  const heap: Entry[] = [];
  for (let at = 0; at < docs.length; at++) {
    const doc = docs[at];
    let key = "";
    for (const f of fields) {
      const v = sortValue(doc, f.path);
      if (v === ARRAY) return undefined;
      const enc = encodeValue(v ?? null);
      key += f.descending ? complement(enc) : enc;
    }
    const entry = { key, at, doc };
    if (heap.length < k) {
      heap.push(entry);
      siftUp(heap, heap.length - 1);
    } else if (k > 0 && before(entry, heap[0])) {
      heap[0] = entry;
      siftDown(heap, 0);
    }
  }
  return heap.sort((a, b) => (before(a, b) ? -1 : 1)).map((e) => e.doc);
}

function siftUp(heap: Entry[], i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[parent], heap[i])) return;
    [heap[parent], heap[i]] = [heap[i], heap[parent]];
    i = parent;
  }
}

function siftDown(heap: Entry[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < heap.length && before(heap[top], heap[l])) top = l;
    if (r < heap.length && before(heap[top], heap[r])) top = r;
    if (top === i) return;
    [heap[top], heap[i]] = [heap[i], heap[top]];
    i = top;
  }
}
