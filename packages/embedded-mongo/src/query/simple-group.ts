/**
 * `$group` by top-level fields with `$sum` accumulators, computed without mingo. It is the shape of a
 * report's counts ("how many tasks by unit, kind and status"), and mingo's general $group (an
 * expression evaluation and a hash of the key object per document) costs several times the scan
 * itself. Anything else — expressions in the key, other accumulators, dotted paths, key values that are
 * documents, arrays or other BSON types — is left to mingo, so results never depend on which path ran.
 */
import type { Document } from "bson";

type KeySpec = { kind: "constant"; value: unknown } | { kind: "field"; field: string } | { kind: "object"; parts: [string, KeyPart][] };
type KeyPart = { field: string } | { value: unknown };
type Accumulator = { name: string; constant: number } | { name: string; field: string };

export interface SimpleGroup {
  key: KeySpec;
  accumulators: Accumulator[];
}

const FIELD = /^\$[^$.][^.]*$/;

function isPlainObject(v: unknown): v is Document {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function scalarConstant(v: unknown): boolean {
  return v === null || typeof v === "number" || typeof v === "boolean" || (typeof v === "string" && !v.startsWith("$"));
}

/** The stage as a SimpleGroup, or undefined when mingo must run it. */
export function simpleGroupOf(stage: unknown): SimpleGroup | undefined {
  if (!isPlainObject(stage) || !("_id" in stage)) return undefined;
  const id = stage._id;
  let key: KeySpec;
  if (typeof id === "string" && FIELD.test(id)) key = { kind: "field", field: id.slice(1) };
  else if (scalarConstant(id)) key = { kind: "constant", value: id };
  else if (isPlainObject(id) && Object.keys(id).length > 0) {
    const parts: [string, KeyPart][] = [];
    for (const [name, v] of Object.entries(id)) {
      if (name.startsWith("$") || name.includes(".")) return undefined;
      if (typeof v === "string" && FIELD.test(v)) parts.push([name, { field: v.slice(1) }]);
      else if (scalarConstant(v)) parts.push([name, { value: v }]);
      else return undefined;
    }
    key = { kind: "object", parts };
  } else return undefined;
  const accumulators: Accumulator[] = [];
  for (const [name, spec] of Object.entries(stage)) {
    if (name === "_id") continue;
    if (name.startsWith("$") || name.includes(".") || !isPlainObject(spec) || Object.keys(spec).length !== 1 || !("$sum" in spec))
      return undefined;
    const arg = spec.$sum;
    if (typeof arg === "number" && Number.isFinite(arg)) accumulators.push({ name, constant: arg });
    else if (typeof arg === "string" && FIELD.test(arg)) accumulators.push({ name, field: arg.slice(1) });
    else return undefined;
  }
  return { key, accumulators };
}

/** A value usable in a key: scalars and dates. Documents, arrays and other BSON types are mingo's. */
function tag(v: unknown): string | undefined {
  switch (typeof v) {
    case "undefined":
      return "u";
    case "string":
      return `s${v}`;
    case "number":
      return Number.isNaN(v) ? "N" : `d${v === 0 ? 0 : v}`;
    case "boolean":
      return v ? "T" : "F";
    case "object":
      if (v === null) return "n";
      if (v instanceof Date) return `t${v.getTime()}`;
      return undefined;
    default:
      return undefined;
  }
}

interface Bucket {
  id: unknown;
  sums: number[];
}

/**
 * The groups of `docs`, or undefined when a document holds a key value this path does not compare
 * (the caller then runs the stage in mingo over the same documents).
 */
export function runSimpleGroup(group: SimpleGroup, docs: readonly Document[]): Document[] | undefined {
  const buckets = new Map<string, Bucket>();
  const { key, accumulators } = group;
  for (const doc of docs) {
    let k: string;
    let id: unknown;
    if (key.kind === "constant") {
      k = "";
      id = key.value;
    } else if (key.kind === "field") {
      const v = doc[key.field];
      const t = tag(v);
      if (t === undefined) return undefined;
      // A missing field and null are one group, whose _id is null.
      k = t === "u" ? "n" : t;
      id = v ?? null;
    } else {
      const tags: string[] = [];
      for (const [, part] of key.parts) {
        const t = "field" in part ? tag(doc[part.field]) : "c";
        if (t === undefined) return undefined;
        tags.push(t);
      }
      k = tags.join("\u0000");
      id = undefined;
    }
    let bucket = buckets.get(k);
    if (!bucket) {
      if (key.kind === "object") {
        // As in mongod, a field missing from the document is left out of the _id document.
        const out: Document = {};
        for (const [name, part] of key.parts) {
          const v = "field" in part ? doc[part.field] : part.value;
          if (v !== undefined) out[name] = v;
        }
        id = out;
      }
      bucket = { id, sums: accumulators.map(() => 0) };
      buckets.set(k, bucket);
    }
    for (let i = 0; i < accumulators.length; i++) {
      const a = accumulators[i];
      if ("constant" in a) bucket.sums[i] += a.constant;
      else {
        const v = doc[a.field];
        // $sum ignores what is not a number.
        if (typeof v === "number") bucket.sums[i] += v;
      }
    }
  }
  return [...buckets.values()].map((b) => {
    const out: Document = { _id: b.id };
    accumulators.forEach((a, i) => {
      out[a.name] = b.sums[i];
    });
    return out;
  });
}
