/**
 * The array position the update's filter matched (mongod's MatchDetails::elemMatchKey), used
 * to resolve the positional `$` operator.
 *
 * For each predicate of the filter (and of its `$and`s), walk the predicate's path in the
 * document; at the first array met, the key is the index of the first element for which the
 * rest of the predicate holds. `$or` (unless it has a single clause), `$nor`, `$not`, `$ne` and
 * `$nin` record nothing (mongod passes no match details into them). When several predicates record a key, the last one wins, as in
 * mongod's AND evaluation.
 */
import type { Document } from "bson";
import { Query } from "mingo";
import { isDocument } from "./bson-util.js";

const NEGATIONS = new Set(["$ne", "$nin", "$not"]);

function matches(cond: Document, doc: Document): boolean {
  try {
    return new Query(cond).test(doc);
  } catch {
    return false;
  }
}

function isOperatorObject(cond: unknown): cond is Document {
  if (!isDocument(cond)) return false;
  const keys = Object.keys(cond);
  return keys.length > 0 && keys[0].startsWith("$") && keys[0] !== "$ref" && keys[0] !== "$id" && keys[0] !== "$db";
}

function isIndex(s: string): boolean {
  return s.length > 0 && /^[0-9]+$/.test(s);
}

/** Key for one `path: cond` predicate, walking from `value` at parts[i]. */
function keyFor(value: unknown, parts: string[], i: number, cond: unknown): string | undefined {
  if (i === parts.length) {
    if (!Array.isArray(value)) return undefined;
    if (isOperatorObject(cond) && Object.keys(cond).some((k) => NEGATIONS.has(k))) return undefined;
    for (let j = 0; j < value.length; j++) {
      if (isOperatorObject(cond) && Object.hasOwn(cond, "$elemMatch")) {
        if (matches({ v: cond }, { v: [value[j]] })) return String(j);
      } else if (matches({ v: cond }, { v: value[j] })) {
        return String(j);
      }
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    const part = parts[i];
    if (isIndex(part)) {
      const idx = Number(part);
      if (idx < value.length) {
        const k = keyFor(value[idx], parts, i + 1, cond);
        if (k !== undefined) return k;
      }
    }
    if (isOperatorObject(cond) && Object.keys(cond).some((k) => NEGATIONS.has(k))) return undefined;
    const rest = parts.slice(i).join(".");
    for (let j = 0; j < value.length; j++) {
      const el = value[j];
      if (isDocument(el) && matches({ [rest]: cond }, el)) return String(j);
    }
    return undefined;
  }
  if (isDocument(value)) {
    const part = parts[i];
    if (!Object.hasOwn(value, part)) return undefined;
    return keyFor(value[part], parts, i + 1, cond);
  }
  return undefined;
}

function scan(filter: Document, doc: Document): string | undefined {
  let key: string | undefined;
  for (const k of Object.keys(filter)) {
    if (k === "$and" || k === "$or") {
      const clauses = filter[k];
      // A one-clause $or is its clause (query canonicalization); other $ors record nothing.
      if (Array.isArray(clauses) && (k === "$and" || clauses.length === 1)) {
        for (const c of clauses) {
          if (!isDocument(c)) continue;
          const r = scan(c, doc);
          if (r !== undefined) key = r;
        }
      }
      continue;
    }
    if (k.startsWith("$")) continue;
    const cond = filter[k];
    // The predicate must hold for the document for its key to count.
    const r = keyFor(doc, k.split("."), 0, cond);
    if (r !== undefined) key = r;
  }
  return key;
}

/** The matched array index as a string, or "" when the filter matched no array element. */
export function findMatchedField(filter: Document | undefined, doc: Document): string {
  if (!filter || !isDocument(filter)) return "";
  return scan(filter, doc) ?? "";
}
