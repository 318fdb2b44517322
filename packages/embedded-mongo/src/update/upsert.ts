/**
 * The document an upsert starts from: the equality predicates of the filter
 * (pathsupport::extractEqualityMatches + addEqualitiesToDoc).
 */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import { compareStrings, isDocument } from "./bson-util.js";

function isOperatorObject(v: unknown): v is Document {
  if (!isDocument(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0) return false;
  const first = keys[0];
  return first.startsWith("$") && first !== "$ref" && first !== "$id" && first !== "$db";
}

function isRegex(v: unknown): boolean {
  return v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === "BSONRegExp";
}

/** Collects `[path, value]` for every equality predicate, through `$and` and single-clause `$or`. */
function collectEqualities(filter: Document, out: [string, unknown][]): void {
  for (const key of Object.keys(filter)) {
    const v = filter[key];
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(v)) continue;
      if (key === "$or" && v.length !== 1) continue; // a one-clause $or is its clause
      for (const clause of v) if (isDocument(clause)) collectEqualities(clause, out);
      continue;
    }
    if (key.startsWith("$")) continue; // $nor, $expr, $where, $text, $comment...
    if (isRegex(v)) continue;
    if (isOperatorObject(v)) {
      for (const op of Object.keys(v)) {
        const arg = v[op];
        if (op === "$eq") out.push([key, arg]);
        else if (op === "$in" && Array.isArray(arg) && arg.length === 1 && !isRegex(arg[0])) out.push([key, arg[0]]);
      }
      continue;
    }
    out.push([key, v]);
  }
}

/** Sorts the equalities and applies mongod's conflict rules (checkEqualityConflicts). */
function orderedEqualities(filter: Document): [string, unknown][] {
  const eq: [string, unknown][] = [];
  collectEqualities(filter, eq);
  eq.sort((a, b) => compareStrings(a[0], b[0]));
  const seen = new Set<string>();
  for (const [path] of eq) {
    const parts = path.split(".");
    for (let i = parts.length; i >= 1; i--) {
      const prefix = parts.slice(0, i).join(".");
      if (!seen.has(prefix)) continue;
      const message =
        i === parts.length
          ? `cannot infer query fields to set, path '${path}' is matched twice`
          : `cannot infer query fields to set, both paths '${path}' and '${prefix}' are matched`;
      throw new MongoError("NotSingleValueField", message);
    }
    seen.add(path);
  }
  return eq;
}

function setPath(doc: Document, parts: string[], value: unknown): void {
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    let next = cur[p];
    if (!isDocument(next)) {
      next = {};
      cur[p] = next;
    }
    cur = next as Document;
  }
  cur[parts[parts.length - 1]] = value;
}

function idFirst(doc: Document): Document {
  if (!Object.hasOwn(doc, "_id")) return doc;
  const keys = Object.keys(doc);
  if (keys[0] === "_id") return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== "_id") out[k] = doc[k];
  return out;
}

/** See `upsertSeed` in apply.ts. */
export function seedFromFilter(filter: Document): Document {
  const doc: Document = {};
  for (const [path, value] of orderedEqualities(filter)) setPath(doc, path.split("."), value);
  return idFirst(doc);
}

/** For a replacement upsert only the immutable `_id` is taken from the filter (extractFullEqualityMatches). */
export function idSeedFromFilter(filter: Document): Document {
  const eq: [string, unknown][] = [];
  collectEqualities(filter, eq);
  const doc: Document = {};
  let seen = false;
  for (const [path, value] of eq.filter(([p]) => p === "_id" || p.startsWith("_id.")).sort((a, b) => compareStrings(a[0], b[0]))) {
    if (path !== "_id") {
      throw new MongoError("NotExactValueField", `field at '_id' must be exactly specified, field at sub-path '${path}'found`);
    }
    if (seen) throw new MongoError("NotSingleValueField", "cannot infer query fields to set, path '_id' is matched twice");
    seen = true;
    doc._id = value;
  }
  return doc;
}
