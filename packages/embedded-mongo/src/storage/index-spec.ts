/**
 * Index definitions and the keys a document contributes to an index (MongoDB's multikey rules:
 * one key per array element, `null` for a missing field, no two array fields in one compound key).
 */
import type { Document } from "bson";
import { Query } from "mingo";
import { MongoError } from "../errors.js";
import { complement, encodeValue, Tag } from "./keys.js";

export interface IndexField {
  path: string;
  direction: 1 | -1;
}

export interface IndexSpec {
  name: string;
  fields: IndexField[];
  unique: boolean;
  sparse: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Document;
  /** The definition as listIndexes reports it. */
  definition: Document;
}

const ALLOWED_OPTIONS = new Set([
  "key",
  "name",
  "unique",
  "sparse",
  "expireAfterSeconds",
  "partialFilterExpression",
  "background",
  "v",
  "ns",
  "hidden",
]);

export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${v}`)
    .join("_");
}

/** Parses one entry of createIndexes' `indexes` array, refusing what this server does not implement. */
export function parseIndexSpec(raw: Document): IndexSpec {
  const key = raw.key;
  if (key === null || typeof key !== "object" || Array.isArray(key) || Object.keys(key).length === 0) {
    throw new MongoError("CannotCreateIndex", "Index keys cannot be empty.");
  }
  for (const option of Object.keys(raw)) {
    if (!ALLOWED_OPTIONS.has(option)) {
      if (option === "collation") {
        throw new MongoError("CannotCreateIndex", "embedded-mongo does not support collations; only simple binary comparison");
      }
      throw new MongoError(
        "CannotCreateIndex",
        `The field '${option}' is not valid for an index specification (embedded-mongo supports: ${[...ALLOWED_OPTIONS].join(", ")})`,
        {},
        [],
      );
    }
  }
  const fields: IndexField[] = [];
  for (const [path, dir] of Object.entries(key as Document)) {
    const n = typeof dir === "number" ? dir : Number.NaN;
    if (n !== 1 && n !== -1) {
      throw new MongoError(
        "CannotCreateIndex",
        typeof dir === "string"
          ? `embedded-mongo does not support '${dir}' indexes (only ascending and descending fields)`
          : `Values in the index key pattern can only be 1 or -1, found ${String(dir)} for '${path}'`,
      );
    }
    if (path === "" || path.startsWith("$") || path.split(".").some((p) => p === "")) {
      throw new MongoError("CannotCreateIndex", `Index key contains an illegal field name: '${path}'`);
    }
    fields.push({ path, direction: n as 1 | -1 });
  }
  const name = typeof raw.name === "string" && raw.name !== "" ? raw.name : defaultIndexName(key as Document);
  if (raw.expireAfterSeconds !== undefined) {
    const s = raw.expireAfterSeconds;
    if (typeof s !== "number" || !Number.isFinite(s) || s < 0) {
      throw new MongoError("CannotCreateIndex", "TTL index 'expireAfterSeconds' option must be a non-negative number");
    }
    if (fields.length !== 1)
      throw new MongoError("CannotCreateIndex", "TTL indexes are single-field indexes, compound indexes do not support TTL");
  }
  const partial = raw.partialFilterExpression;
  if (partial !== undefined && (partial === null || typeof partial !== "object" || Array.isArray(partial))) {
    throw new MongoError("CannotCreateIndex", "partialFilterExpression must be an object");
  }
  const unique = raw.unique === true || raw.unique === 1;
  const sparse = raw.sparse === true || raw.sparse === 1;
  const definition: Document = { v: 2, key, name };
  if (unique) definition.unique = true;
  if (sparse) definition.sparse = true;
  if (raw.expireAfterSeconds !== undefined) definition.expireAfterSeconds = raw.expireAfterSeconds;
  if (partial !== undefined) definition.partialFilterExpression = partial;
  return { name, fields, unique, sparse, expireAfterSeconds: raw.expireAfterSeconds, partialFilterExpression: partial, definition };
}

/** Same definition, for createIndexes' "already exists" no-op. */
export function sameIndex(a: IndexSpec, b: IndexSpec): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(s: IndexSpec): unknown {
  return [s.name, s.fields, s.unique, s.sparse, s.expireAfterSeconds ?? null, s.partialFilterExpression ?? null];
}

export function sameKeyPattern(a: IndexSpec, b: IndexSpec): boolean {
  return JSON.stringify(a.fields) === JSON.stringify(b.fields);
}

/** Values at a dotted path, expanding arrays the way MongoDB's index key generator does. */
function valuesAtPath(doc: unknown, parts: string[], i: number, out: unknown[], arrayPaths: Set<string>): void {
  if (i === parts.length) {
    if (Array.isArray(doc)) {
      arrayPaths.add(parts.join("."));
      if (doc.length === 0) out.push(undefined);
      else for (const el of doc) out.push(el);
    } else {
      out.push(doc);
    }
    return;
  }
  if (doc === null || typeof doc !== "object") {
    out.push(null);
    return;
  }
  if (Array.isArray(doc)) {
    const part = parts[i];
    if (/^\d+$/.test(part)) {
      valuesAtPath(doc[Number(part)], parts, i + 1, out, arrayPaths);
      return;
    }
    arrayPaths.add(parts.slice(0, i).join("."));
    if (doc.length === 0) out.push(null);
    for (const el of doc) valuesAtPath(el, parts, i, out, arrayPaths);
    return;
  }
  const next = (doc as Record<string, unknown>)[parts[i]];
  if (next === undefined) {
    out.push(null);
    return;
  }
  valuesAtPath(next, parts, i + 1, out, arrayPaths);
}

export interface CompiledIndex {
  spec: IndexSpec;
  parts: string[][];
  partial?: Query;
}

export function compileIndex(spec: IndexSpec): CompiledIndex {
  return {
    spec,
    parts: spec.fields.map((f) => f.path.split(".")),
    partial: spec.partialFilterExpression ? new Query(spec.partialFilterExpression, {}) : undefined,
  };
}

function fieldKey(value: unknown, direction: 1 | -1): string {
  // An empty array is indexed as `undefined`, which MongoDB ranks with null.
  const enc = value === undefined ? Tag.Null : encodeValue(value);
  return direction === 1 ? enc : complement(enc);
}

/**
 * The distinct encoded keys (without the `_id` suffix) the document contributes, each with the field
 * values it stands for (for E11000's keyValue), and whether the document makes the index multikey.
 * Empty when a sparse or partial index leaves the document out.
 */
export function indexKeys(index: CompiledIndex, doc: Document): { keys: IndexKey[]; multikey: boolean } {
  const { spec, parts } = index;
  if (index.partial && !index.partial.test(doc)) return { keys: [], multikey: false };
  const perField: unknown[][] = [];
  const arrayFields: string[] = [];
  let allMissing = true;
  for (let f = 0; f < parts.length; f++) {
    const values: unknown[] = [];
    const arrayPaths = new Set<string>();
    valuesAtPath(doc, parts[f], 0, values, arrayPaths);
    if (arrayPaths.size > 0) arrayFields.push(spec.fields[f].path);
    if (!isMissing(doc, parts[f])) allMissing = false;
    perField.push(values);
  }
  if (spec.sparse && allMissing) return { keys: [], multikey: false };
  if (arrayFields.length > 1) {
    throw new MongoError("CannotIndexParallelArrays", `cannot index parallel arrays ${arrayFields.map((p) => `[${p}]`).join(" ")}`);
  }
  let keys: IndexKey[] = [{ key: "", values: [] }];
  for (let f = 0; f < perField.length; f++) {
    const dir = spec.fields[f].direction;
    const next: IndexKey[] = [];
    for (const prefix of keys) {
      for (const v of perField[f]) next.push({ key: prefix.key + fieldKey(v, dir), values: [...prefix.values, v ?? null] });
    }
    keys = next;
  }
  if (keys.length > 1) {
    const seen = new Set<string>();
    keys = keys.filter((k) => {
      if (seen.has(k.key)) return false;
      seen.add(k.key);
      return true;
    });
  }
  return { keys, multikey: arrayFields.length > 0 };
}

export interface IndexKey {
  key: string;
  values: unknown[];
}

function isMissing(doc: unknown, parts: string[]): boolean {
  let cur: unknown = doc;
  for (const p of parts) {
    if (cur === null || typeof cur !== "object") return true;
    if (Array.isArray(cur)) return false; // arrays are not "missing" for sparse purposes
    cur = (cur as Record<string, unknown>)[p];
    if (cur === undefined) return true;
  }
  return false;
}

/** The index key pattern and the offending values, as an E11000 error reports them. */
export function keyPatternOf(spec: IndexSpec): Document {
  const pattern: Document = {};
  for (const f of spec.fields) pattern[f.path] = f.direction;
  return pattern;
}

export function keyValueOf(spec: IndexSpec, values: unknown[]): Document {
  const value: Document = {};
  for (let i = 0; i < spec.fields.length; i++) value[spec.fields[i].path] = values[i];
  return value;
}

/** Whether the index's key pattern is exactly `pattern` (dropIndexes and hint by key pattern). */
export function indexKeysMatch(spec: IndexSpec, pattern: Document): boolean {
  const entries = Object.entries(pattern);
  return (
    entries.length === spec.fields.length &&
    entries.every(([path, dir], i) => spec.fields[i].path === path && spec.fields[i].direction === dir)
  );
}
