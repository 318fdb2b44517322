/**
 * Chooses how to find candidate documents for a filter: `_id` point lookups, an index range scan, or a
 * full scan. Candidates are a superset of the answer: every candidate is checked against the full filter
 * afterwards, so an index only ever narrows the search and never changes the result.
 */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import type { CollectionData, IndexData } from "../storage/collection-data.js";
import { complement, encodeValue, idKey } from "../storage/keys.js";

export interface Plan {
  /** For explain-like diagnostics and tests: "IDHACK", "IXSCAN <name>", "COLLSCAN". */
  readonly stage: string;
  /** Candidate documents, in index order when `sortedBy` is set. */
  candidates(data: CollectionData): Iterable<Document>;
  /** The sort this plan's order already satisfies, so no in-memory sort is needed. */
  readonly providesSort: boolean;
  /**
   * The candidates are exactly the matches, so the filter need not run: a filter of nothing but an `_id`
   * equality or `$in` (key equality is MongoDB's equality for `_id`, which cannot be an array), or one
   * whose every condition an index scan's key ranges hold (holdsWholeFilter).
   */
  readonly exact?: boolean;
  /**
   * For an exact plan over an index: how many documents match, from the index entries alone (a
   * covered count, as mongod's COUNT_SCAN).
   */
  count?(data: CollectionData): number;
}

/** A half-open key range [low, high) over an index tree (keys are index key + `_id` key). */
interface KeyRange {
  low: string;
  high: string;
  /** The encoded values of the leading equality fields this range is within (one per field). */
  parts?: string[];
}

/**
 * At most this many ranges are merged into one sorted stream (a linear pick per document); beyond it,
 * sorting the matches in memory is cheaper.
 */
const MAX_MERGED_RANGES = 64;

const TOP = "\uffff\uffff";

function nextChar(s: string): string {
  return String.fromCharCode(s.charCodeAt(0) + 1);
}

function isPlainObject(v: unknown): v is Document {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof RegExp) &&
    (v as { _bsontype?: string })._bsontype === undefined &&
    !(v instanceof Uint8Array)
  );
}

function isOperatorObject(v: unknown): v is Document {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys[0].startsWith("$");
}

/** A value that an index key can match by equality (arrays and regexes match by other rules). */
function indexableScalar(v: unknown): boolean {
  return !Array.isArray(v) && !(v instanceof RegExp) && (v as { _bsontype?: string } | null)?._bsontype !== "BSONRegExp";
}

interface FieldPredicate {
  eq?: unknown[];
  low?: { value: unknown; inclusive: boolean };
  high?: { value: unknown; inclusive: boolean };
}

/** Index-usable conditions per field path, from top-level fields and top-level `$and`. */
function analyze(filter: Document, out = new Map<string, FieldPredicate>()): Map<string, FieldPredicate> {
  for (const [path, cond] of Object.entries(filter)) {
    if (path === "$and" && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainObject(sub)) analyze(sub, out);
      continue;
    }
    if (path.startsWith("$")) continue;
    const pred = out.get(path) ?? {};
    if (isOperatorObject(cond)) {
      for (const [op, arg] of Object.entries(cond)) {
        if (op === "$eq" && indexableScalar(arg)) pred.eq = [arg];
        else if (op === "$in" && Array.isArray(arg) && arg.every(indexableScalar)) pred.eq = arg;
        else if ((op === "$gt" || op === "$gte") && indexableScalar(arg) && arg !== null)
          pred.low = { value: arg, inclusive: op === "$gte" };
        else if ((op === "$lt" || op === "$lte") && indexableScalar(arg) && arg !== null)
          pred.high = { value: arg, inclusive: op === "$lte" };
      }
    } else if (indexableScalar(cond)) {
      pred.eq = [cond];
    }
    if (pred.eq || pred.low || pred.high) out.set(path, pred);
  }
  return out;
}

function encodeFor(v: unknown, direction: 1 | -1): string {
  const enc = encodeValue(v);
  return direction === 1 ? enc : complement(enc);
}

interface IndexRanges {
  ranges: KeyRange[];
  score: number;
  /** The fields whose predicates the ranges hold: the equality prefix, then the range field if any. */
  used: string[];
  /** Whether the range field's ranges hold both its bounds (a multikey index holds one). */
  bothBounds: boolean;
}

/** Key ranges for an index given the predicates, or undefined if its first field has no usable predicate. */
function rangesFor(ix: IndexData, preds: Map<string, FieldPredicate>): IndexRanges | undefined {
  const fields = ix.compiled.spec.fields;
  const used: string[] = [];
  // Each prefix: the encoded values of the equality fields so far, and their concatenation. Kept in key
  // order, so that ranges scanned one after another come out in index order.
  let prefixes: { key: string; parts: string[] }[] = [{ key: "", parts: [] }];
  let score = 0;
  for (const field of fields) {
    const pred = preds.get(field.path);
    if (!pred) break;
    if (pred.eq) {
      if (pred.eq.length === 0) return { ranges: [], score: 1000, used: [], bothBounds: false };
      const next = new Map<string, { key: string; parts: string[] }>();
      for (const p of prefixes) {
        for (const v of pred.eq) {
          const enc = encodeFor(v, field.direction);
          next.set(p.key + enc, { key: p.key + enc, parts: [...p.parts, enc] });
        }
      }
      prefixes = [...next.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      score += 10;
      used.push(field.path);
      continue;
    }
    // A range ends the usable prefix. Both bounds together only on a non-multikey index: on a multikey
    // index different elements may satisfy each bound.
    if (field.direction === 1) {
      const bounded = pred.low && pred.high && !ix.multikey ? [pred.low, pred.high] : [pred.low ?? pred.high];
      const lowBound = bounded.includes(pred.low) ? pred.low : undefined;
      const highBound = bounded.includes(pred.high) ? pred.high : undefined;
      // A key is the prefix, this field's value, then the later fields and the `_id` (which never reach
      // TOP): an exclusive bound starts after, or ends before, every key holding the bound's value.
      const ranges = prefixes.map(({ key: p, parts }) => {
        const anchor = encodeValue((lowBound ?? highBound)!.value);
        const low = lowBound ? p + encodeValue(lowBound.value) + (lowBound.inclusive ? "" : TOP) : p + anchor[0];
        const high = highBound ? p + encodeValue(highBound.value) + (highBound.inclusive ? TOP : "") : p + nextChar(anchor[0]);
        return { low, high, parts };
      });
      used.push(field.path);
      return { ranges, score: score + 5, used, bothBounds: bounded.length === 2 };
    }
    break;
  }
  if (score === 0) return undefined;
  return { ranges: prefixes.map(({ key: p, parts }) => ({ low: p, high: p + TOP, parts })), score, used, bothBounds: false };
}

/** The entries of one range, in index order or reversed. */
function* rangeEntries(ix: IndexData, r: KeyRange, reverse: boolean): Generator<[string, string]> {
  const entries = reverse ? ix.tree.entriesReversed(r.high) : ix.tree.entries(r.low);
  for (const entry of entries) {
    const key = entry[0];
    if (reverse ? key < r.low : key >= r.high) return;
    if (reverse && key >= r.high) continue;
    yield entry;
  }
}

/**
 * The entries of several ranges as one stream ordered by the index fields from `from` on (mongod's
 * SORT_MERGE): with `{a: {$in: [...]}, b: ...}` on `{a: 1, b: 1}` and a sort on `b`, each `a` value's
 * range is in `b` order, and merging them gives the sort without reading every match. The part of a
 * key before field `from` is the range's own equality values, so what follows it compares across ranges.
 */
function* mergedEntries(ix: IndexData, ranges: KeyRange[], from: number, reverse: boolean): Generator<[string, string]> {
  const heads: { it: Generator<[string, string]>; entry: [string, string]; offset: number; rest: string }[] = [];
  for (const r of ranges) {
    const offset = (r.parts ?? []).slice(0, from).reduce((n, part) => n + part.length, 0);
    const it = rangeEntries(ix, r, reverse);
    const first = it.next();
    if (!first.done) heads.push({ it, entry: first.value, offset, rest: first.value[0].slice(offset) });
  }
  while (heads.length > 0) {
    let best = 0;
    for (let i = 1; i < heads.length; i++) {
      if (reverse ? heads[i].rest > heads[best].rest : heads[i].rest < heads[best].rest) best = i;
    }
    const head = heads[best];
    yield head.entry;
    const next = head.it.next();
    if (next.done) heads.splice(best, 1);
    else {
      head.entry = next.value;
      head.rest = next.value[0].slice(head.offset);
    }
  }
}

/**
 * The documents of the ranges, each once. With `mergeFrom`, the ranges are merged into index order from
 * that field on (see mergedEntries); otherwise they are read one after another, which is index order
 * too since they are sorted and do not overlap.
 */
function* scanRanges(data: CollectionData, ix: IndexData, ranges: KeyRange[], reverse = false, mergeFrom?: number): Iterable<Document> {
  const seen = ix.multikey || ranges.length > 1 ? new Set<string>() : undefined;
  const entries =
    mergeFrom !== undefined && ranges.length > 1
      ? mergedEntries(ix, ranges, mergeFrom, reverse)
      : (function* () {
          for (const r of reverse ? [...ranges].reverse() : ranges) yield* rangeEntries(ix, r, reverse);
        })();
  for (const [, idk] of entries) {
    if (seen) {
      if (seen.has(idk)) continue;
      seen.add(idk);
    }
    const rec = data.docs.get(idk);
    if (rec) yield rec.doc;
  }
}

/** Does iterating this index (forward or reversed) give the requested sort order? */
function sortDirection(ix: IndexData, sort: Document | undefined, eqPrefix: number): { dir: 1 | -1; start: number } | undefined {
  if (!sort || ix.multikey) return undefined;
  const sortFields = Object.entries(sort);
  if (sortFields.length === 0) return undefined;
  const fields = ix.compiled.spec.fields;
  // Sort fields may follow an equality prefix of the index (constant fields, or fields whose values are
  // separate ranges, merged).
  for (let start = 0; start <= eqPrefix; start++) {
    if (sortFields.length > fields.length - start) continue;
    let ok = true;
    let d: 1 | -1 | undefined;
    for (let i = 0; i < sortFields.length; i++) {
      const [path, want] = sortFields[i];
      const f = fields[start + i];
      if (f.path !== path || (want !== 1 && want !== -1)) {
        ok = false;
        break;
      }
      const rel = (f.direction === want ? 1 : -1) as 1 | -1;
      if (d === undefined) d = rel;
      else if (d !== rel) {
        ok = false;
        break;
      }
    }
    if (ok && d !== undefined) return { dir: d, start };
  }
  return undefined;
}

/** Leading index fields with an equality predicate: with one value each (`single`), and with any number. */
function eqPrefixLength(ix: IndexData, preds: Map<string, FieldPredicate>): { single: number; any: number } {
  let single = 0;
  let any = 0;
  for (const f of ix.compiled.spec.fields) {
    const p = preds.get(f.path);
    if (!p?.eq) break;
    if (p.eq.length === 1 && single === any) single++;
    any++;
  }
  return { single, any };
}

/**
 * Whether the index gives the sort: the direction to read it in, and from which field the ranges must be
 * merged (when the sort starts after a field matched with several values).
 */
function sortPlan(
  ix: IndexData,
  sort: Document | undefined,
  preds: Map<string, FieldPredicate>,
  rangeCount: number,
): { dir: 1 | -1; mergeFrom?: number } | undefined {
  const eq = eqPrefixLength(ix, preds);
  const s = sortDirection(ix, sort, rangeCount <= MAX_MERGED_RANGES ? eq.any : eq.single);
  if (!s) return undefined;
  return s.start > eq.single && rangeCount > 1 ? { dir: s.dir, mergeFrom: s.start } : { dir: s.dir };
}

function usable(ix: IndexData): boolean {
  // Sparse and partial indexes leave documents out: only a hint may choose them.
  return !ix.compiled.spec.sparse && !ix.compiled.spec.partialFilterExpression;
}

/**
 * The number of entries in the ranges (disjoint, and one per document on an index that is not multikey):
 * the tree counts a leaf's entries in a range by two searches, without visiting them.
 */
function countEntries(ix: IndexData, ranges: readonly KeyRange[]): number {
  let n = 0;
  for (const r of ranges) n += ix.tree.forRange(r.low, r.high, false);
  return n;
}

/**
 * A value whose index key matches exactly the documents the filter (mingo) matches: strings, booleans,
 * dates and ObjectIds. Not numbers: 1, 1.0 and Long 1 share a key, as mongod compares them, while the
 * filter tells a stored Long from a number, and an answer must not depend on the plan. Not null (which
 * also matches a missing field), nor documents, arrays or regular expressions.
 */
function exactEquality(v: unknown): boolean {
  if (typeof v === "string" || typeof v === "boolean") return true;
  return v instanceof Date || (v as { _bsontype?: string } | null)?._bsontype === "ObjectId";
}

/** A range bound whose type bracket holds only values that compare to it as the operator does. */
function exactBound(v: unknown): boolean {
  return typeof v === "string" || v instanceof Date;
}

/**
 * Whether the index ranges hold every condition of the filter, so every document they reach matches and
 * no other does: an index that is not multikey (an array would match by element), a filter of nothing
 * but top-level fields and `$and`, each field named once, with an equality, `$in` or bounds the ranges
 * encode exactly, on the fields the ranges were built from.
 */
function holdsWholeFilter(ix: IndexData, r: IndexRanges, preds: Map<string, FieldPredicate>, filter: Document): boolean {
  if (ix.multikey || ix.compiled.spec.partialFilterExpression) return false;
  const named = new Map<string, number>();
  if (!conditionsExact(filter, named)) return false;
  const rangeField = r.used.length > 0 && !preds.get(r.used[r.used.length - 1])?.eq ? r.used[r.used.length - 1] : undefined;
  for (const [path, times] of named) {
    if (times !== 1 || !r.used.includes(path)) return false;
    const pred = preds.get(path);
    if (!pred) return false;
    if (path === rangeField) {
      if (pred.low && pred.high && (!r.bothBounds || encodeValue(pred.low.value)[0] !== encodeValue(pred.high.value)[0])) return false;
    } else if (pred.low || pred.high) return false;
  }
  return r.used.every((path) => named.has(path));
}

/** Counts the fields the filter names; false as soon as a condition is not one an index range is exact for. */
function conditionsExact(filter: Document, named: Map<string, number>): boolean {
  for (const [path, cond] of Object.entries(filter)) {
    if (path === "$and") {
      if (!Array.isArray(cond)) return false;
      for (const sub of cond) if (!isPlainObject(sub) || !conditionsExact(sub, named)) return false;
      continue;
    }
    if (path.startsWith("$")) return false;
    if (isOperatorObject(cond)) {
      // The planner keeps one equality, one lower and one upper bound per field: two of a kind are not held.
      let equalities = 0;
      let lows = 0;
      let highs = 0;
      for (const [op, arg] of Object.entries(cond)) {
        if (op === "$eq" || op === "$in") {
          equalities++;
          if (op === "$eq" ? !exactEquality(arg) : !Array.isArray(arg) || !arg.every(exactEquality)) return false;
        } else if (op === "$gt" || op === "$gte" || op === "$lt" || op === "$lte") {
          if (op === "$gt" || op === "$gte") lows++;
          else highs++;
          if (!exactBound(arg)) return false;
        } else return false;
      }
      if (equalities > 1 || lows > 1 || highs > 1) return false;
    } else if (!exactEquality(cond)) return false;
    named.set(path, (named.get(path) ?? 0) + 1);
  }
  return true;
}

export function resolveHint(data: CollectionData, hint: unknown): IndexData | "_id_" | "$natural" | undefined {
  if (hint === undefined || hint === null) return undefined;
  if (typeof hint === "string") {
    if (hint === "_id_") return "_id_";
    const ix = data.indexes.get(hint);
    if (!ix)
      throw new MongoError(
        "BadValue",
        "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index",
      );
    return ix;
  }
  if (isPlainObject(hint)) {
    const entries = Object.entries(hint);
    if (entries.length === 0) return undefined;
    if (entries[0][0] === "$natural") return "$natural";
    if (entries.length === 1 && entries[0][0] === "_id") return "_id_";
    const wanted = JSON.stringify(hint);
    for (const ix of data.indexes.values()) {
      const pattern: Document = {};
      for (const f of ix.compiled.spec.fields) pattern[f.path] = f.direction;
      if (JSON.stringify(pattern) === wanted) return ix;
    }
    throw new MongoError(
      "BadValue",
      "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index",
    );
  }
  throw new MongoError("FailedToParse", "hint must be a string or an object");
}

export function plan(data: CollectionData, filter: Document, sort?: Document, hint?: unknown): Plan {
  const preds = analyze(filter);
  const hinted = resolveHint(data, hint);
  const idPred = preds.get("_id");

  if (hinted === undefined && idPred?.eq && (!sort || Object.keys(sort).length === 0)) {
    const keys = [...new Set(idPred.eq.map((v) => idKey(v)))];
    return {
      stage: "IDHACK",
      providesSort: false,
      exact: isOnlyIdEquality(filter),
      *candidates(d) {
        for (const k of keys) {
          const rec = d.docs.get(k);
          if (rec) yield rec.doc;
        }
      },
    };
  }

  let best: { ix: IndexData; ranges: KeyRange[]; score: number; sorted?: ReturnType<typeof sortPlan>; exact: boolean } | undefined;
  if (hinted && hinted !== "_id_" && hinted !== "$natural") {
    const r = rangesFor(hinted, preds);
    const ranges = r?.ranges ?? [{ low: "", high: TOP }];
    const exact = r !== undefined && usable(hinted) && holdsWholeFilter(hinted, r, preds, filter);
    best = { ix: hinted, ranges, score: r?.score ?? 0, sorted: sortPlan(hinted, sort, preds, ranges.length), exact };
  } else if (hinted === undefined) {
    for (const ix of data.indexes.values()) {
      if (!usable(ix)) continue;
      const r = rangesFor(ix, preds);
      const ranges = r?.ranges ?? [{ low: "", high: TOP }];
      const sorted = sortPlan(ix, sort, preds, ranges.length);
      if (!r && sorted === undefined) continue;
      const exact = r !== undefined && holdsWholeFilter(ix, r, preds, filter);
      // An exact plan reads no document to test it (and counts without reading any); an order the index
      // gives still weighs more, since it lets a limit stop early.
      const score = (r?.score ?? 0) + (sorted !== undefined ? 3 : 0) + (ix.compiled.spec.unique && r ? 1 : 0) + (exact ? 2 : 0);
      if (!best || score > best.score) best = { ix, ranges, score, sorted, exact };
    }
  }
  if (best) {
    const chosen = best;
    const sorted = chosen.sorted;
    const indexOf = (d: CollectionData) => d.indexes.get(chosen.ix.compiled.spec.name) ?? chosen.ix;
    return {
      stage: `IXSCAN ${chosen.ix.compiled.spec.name}${sorted?.mergeFrom !== undefined ? " SORT_MERGE" : ""}${chosen.exact ? " EXACT" : ""}`,
      providesSort: sorted !== undefined,
      exact: chosen.exact,
      candidates: (d) => scanRanges(d, indexOf(d), chosen.ranges, sorted?.dir === -1, sorted?.mergeFrom),
      count: chosen.exact ? (d) => countEntries(indexOf(d), chosen.ranges) : undefined,
    };
  }
  // `_id` order: the documents tree is keyed by it.
  const natural = naturalDirection(sort, hinted);
  if (natural !== undefined) {
    return { stage: "COLLSCAN", providesSort: true, candidates: (d) => d.naturalOrder(natural === -1) };
  }
  const idSort = sortOnIdOnly(sort);
  if (hinted === "_id_" || idSort !== undefined || idPred) {
    const ranges = idPred ? idRanges(idPred) : [{ low: "", high: TOP }];
    return {
      stage: idPred ? "IXSCAN _id_" : hinted === "_id_" ? "IXSCAN _id_" : "COLLSCAN",
      providesSort: idSort !== undefined,
      candidates: (d) => scanDocs(d, ranges, idSort === -1),
    };
  }
  return {
    stage: "COLLSCAN",
    providesSort: false,
    candidates: (d) => d.naturalOrder(),
  };
}

/** `sort: {$natural: ±1}` or `hint: {$natural: ±1}`: insertion order. */
function naturalDirection(sort: Document | undefined, hinted: unknown): 1 | -1 | undefined {
  const s = sort && Object.keys(sort).length === 1 && sort.$natural !== undefined ? sort.$natural : undefined;
  if (s !== undefined) return s === -1 ? -1 : 1;
  return hinted === "$natural" && (!sort || Object.keys(sort).length === 0) ? 1 : undefined;
}

function isOnlyIdEquality(filter: Document): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== "_id") return false;
  const cond = filter._id;
  if (!isOperatorObject(cond)) return indexableScalar(cond);
  const ops = Object.keys(cond);
  return ops.length === 1 && (ops[0] === "$eq" || ops[0] === "$in");
}

function sortOnIdOnly(sort: Document | undefined): 1 | -1 | undefined {
  if (!sort) return undefined;
  const entries = Object.entries(sort);
  if (entries.length !== 1 || entries[0][0] !== "_id") return undefined;
  return entries[0][1] === -1 ? -1 : entries[0][1] === 1 ? 1 : undefined;
}

function idRanges(pred: FieldPredicate): KeyRange[] {
  if (pred.eq) return pred.eq.map((v) => ({ low: idKey(v), high: idKey(v) + TOP })).sort((a, b) => (a.low < b.low ? -1 : 1));
  const anchor = encodeValue((pred.low ?? pred.high)!.value);
  return [
    {
      low: pred.low ? encodeValue(pred.low.value) : anchor[0],
      high: pred.high ? encodeValue(pred.high.value) + TOP : nextChar(anchor[0]),
    },
  ];
}

function* scanDocs(data: CollectionData, ranges: KeyRange[], reverse: boolean): Iterable<Document> {
  const ordered = reverse ? [...ranges].reverse() : ranges;
  for (const r of ordered) {
    if (reverse) {
      for (const [key, rec] of data.docs.entriesReversed(r.high)) {
        if (key < r.low) break;
        if (key >= r.high) continue;
        yield rec.doc;
      }
    } else {
      for (const [key, rec] of data.docs.entries(r.low)) {
        if (key >= r.high) break;
        yield rec.doc;
      }
    }
  }
}
