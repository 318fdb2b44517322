/**
 * Applying MongoDB update specifications (command field `u` of `update`, `update` of
 * `findAndModify`) to documents, as mongod 7 does: replacement, operator and pipeline updates,
 * upsert documents, with mongod's error codes and messages.
 *
 * Documents are never mutated: results share unchanged subtrees with the input and copy only
 * the containers along changed paths.
 */
import type { Document } from "bson";
import { ObjectId, Timestamp } from "bson";
import { MongoError } from "../errors.js";
import { binaryEqual, compareValues, formatElement, isDocument, typeName } from "./bson-util.js";
import { applyFlat, applyTree, dollarPrefixedError, type EngineContext } from "./engine.js";
import { checkArrayFilters, compileArrayFilters, parseModifiers, type ArrayFilterMap, type ParsedUpdate } from "./parse.js";
import { runPipeline, validatePipeline } from "./pipeline.js";
import { findMatchedField } from "./positional.js";
import { idSeedFromFilter, seedFromFilter } from "./upsert.js";

export type UpdateKind = "replacement" | "operators" | "pipeline";

export interface ApplyOptions {
  /** For `$[<identifier>]`. */
  arrayFilters?: Document[];
  /** The update's filter: needed for the positional `$` operator. */
  query?: Document;
  /** True when this update creates the upserted document: only then does $setOnInsert apply. */
  isUpsertInsert?: boolean;
  /** For $currentDate and $$NOW in pipelines. */
  now: Date;
  /** `let` variables for pipeline updates. */
  variables?: Document;
}

// One-entry memos: a command classifies then applies the same `u`, and an updateMany applies it
// to every matched document. (Strong references to one object each; cheaper than WeakMaps.)
let lastU: object | null = null;
let lastParsed: ParsedUpdate | null = null;
let lastFilters: object | null = null;
let lastFilterMap: ArrayFilterMap | null = null;
const NO_FILTERS: ArrayFilterMap = new Map();

function hasOwn(o: object, k: string): boolean {
  return Object.hasOwn(o, k);
}

function parsedOperators(u: Document): ParsedUpdate {
  if (u === lastU && lastParsed) return lastParsed;
  const p = parseModifiers(u);
  lastU = u;
  lastParsed = p;
  return p;
}

function arrayFilterMap(filters: Document[] | undefined): ArrayFilterMap {
  if (!filters || filters.length === 0) return NO_FILTERS;
  if (filters === lastFilters && lastFilterMap) return lastFilterMap;
  const m = compileArrayFilters(filters);
  lastFilters = filters;
  lastFilterMap = m;
  return m;
}

/** Top-level `$` fields of a replacement are refused, except a well-formed DBRef ($ref, $id[, $db]). */
function validateReplacement(u: Document): void {
  const keys = Object.keys(u);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k.charCodeAt(0) !== 36) continue;
    const dbref =
      (k === "$ref" && typeof u[k] === "string" && keys[i + 1] === "$id") ||
      (k === "$id" && keys[i - 1] === "$ref") ||
      (k === "$db" && keys[i - 1] === "$id" && keys[i - 2] === "$ref" && typeof u[k] === "string");
    if (!dbref) throw dollarPrefixedError(k);
  }
}

function isOperatorStyle(u: Document): boolean {
  for (const k in u) return k.charCodeAt(0) === 36;
  return false;
}

/**
 * Validates the shape of `u` and says which kind of update it is. Operator updates are fully
 * parsed (unknown operators, bad arguments, path conflicts, ...) so parse errors surface even
 * when no document matches; array filter identifiers are checked by `validateUpdate`/`applyUpdate`.
 */
export function classifyUpdate(u: unknown): UpdateKind {
  if (Array.isArray(u)) {
    validatePipeline(u);
    return "pipeline";
  }
  if (!isDocument(u)) {
    throw new MongoError("FailedToParse", "Update argument must be either an object or an array");
  }
  if (!isOperatorStyle(u)) {
    validateReplacement(u);
    return "replacement";
  }
  parsedOperators(u);
  return "operators";
}

/** `classifyUpdate` plus the array filter checks: unknown identifiers, unused filters, filters on a pipeline. */
export function validateUpdate(u: unknown, arrayFilters?: Document[]): UpdateKind {
  const kind = classifyUpdate(u);
  if (kind === "pipeline") {
    if (arrayFilters && arrayFilters.length > 0) {
      throw new MongoError("FailedToParse", "arrayFilters may not be specified for pipeline-style updates");
    }
  } else if (kind === "operators") {
    const filters = arrayFilterMap(arrayFilters);
    const parsed = parsedOperators(u as Document);
    if (parsed.identifiers.size > 0 || filters.size > 0) checkArrayFilters(parsed, filters, u as Document);
  } else {
    arrayFilterMap(arrayFilters);
  }
  return kind;
}

/** Moves `_id` to the front (update_stage's ensureIdFieldIsFirst). */
function idFirst(doc: Document): Document {
  if (!hasOwn(doc, "_id")) return doc;
  let first: string | undefined;
  for (const k in doc) {
    first = k;
    break;
  }
  if (first === "_id") return doc;
  const out: Document = { _id: doc._id };
  for (const k of Object.keys(doc)) if (k !== "_id") out[k] = doc[k];
  return out;
}

/** storage_validation::storageValidIdField. */
function checkIdForStorage(doc: Document): void {
  if (!hasOwn(doc, "_id")) return;
  const id = doc._id;
  const t = typeName(id);
  if (t === "regex" || t === "array" || t === "undefined") {
    throw new MongoError("InvalidIdField", `The '_id' value cannot be of type ${t}`);
  }
  checkIdFieldNames(id);
}

/**
 * No field name in `_id` may start with `$`, at any depth (MongoDB's documented rule; mongod 7.0
 * enforces it on the first level, 7.1 at every level). Elsewhere such names are allowed.
 */
export function checkIdFieldNames(id: unknown): void {
  const field = dollarPrefixedFieldIn(id);
  if (field !== undefined) {
    throw new MongoError("DollarPrefixedFieldName", `_id fields may not contain '$'-prefixed fields: ${field} is not valid for storage.`);
  }
}

function dollarPrefixedFieldIn(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    for (const el of v) {
      const found = dollarPrefixedFieldIn(el);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isDocument(v)) return undefined;
  for (const k of Object.keys(v)) {
    if (k.charCodeAt(0) === 36) return k;
    const found = dollarPrefixedFieldIn(v[k]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function alteredIdError(newId: unknown): MongoError {
  return new MongoError(
    "ImmutableField",
    `After applying the update, the (immutable) field '_id' was found to have been altered to ${formatElement("_id", newId)}`,
  );
}

let replacementTsInc = 0;

/** ObjectReplaceExecutor: zero Timestamps at the top level (but not `_id`) become the current time. */
function fillZeroTimestamps(u: Document, now: Date): Document {
  let out: Document | null = null;
  for (const k of Object.keys(u)) {
    if (k === "_id") continue;
    const v = u[k];
    if ((v as { _bsontype?: string } | null)?._bsontype === "Timestamp" && (v as Timestamp).isZero()) {
      out ??= { ...u };
      out[k] = new Timestamp({ t: Math.floor(now.getTime() / 1000), i: ++replacementTsInc });
    }
  }
  return out ?? u;
}

/**
 * ObjectReplaceExecutor::applyReplacementUpdate: the original `_id` is kept when the new content
 * has none, and may not change when it has one. `modified` is false only when the new content is
 * byte-for-byte the original document (mongod's check, made before `_id` is carried over).
 */
function replaceDocument(doc: Document, content: Document): { doc: Document; modified: boolean } {
  const modified = !binaryEqual(doc, content);
  if (!modified) return { doc, modified: false };
  const contentHasId = hasOwn(content, "_id");
  let out: Document;
  if (contentHasId) {
    if (hasOwn(doc, "_id") && compareValues(content._id, doc._id) !== 0) throw alteredIdError(content._id);
    out = idFirst(content);
    if (out === content) out = { ...content };
  } else if (hasOwn(doc, "_id")) {
    out = { _id: doc._id };
    for (const k of Object.keys(content)) out[k] = content[k];
  } else {
    out = { ...content };
  }
  checkIdForStorage(out);
  return { doc: out, modified: true };
}

function applyOperators(doc: Document, u: Document, opts: ApplyOptions): { doc: Document; modified: boolean } {
  const parsed = parsedOperators(u);
  const filters = arrayFilterMap(opts.arrayFilters);
  if (parsed.identifiers.size > 0 || filters.size > 0) checkArrayFilters(parsed, filters, u);
  let matched: string | undefined;
  const ctx: EngineContext = {
    doc,
    insert: opts.isUpsertInsert === true,
    now: opts.now,
    filters,
    matchedField: () => (matched ??= findMatchedField(opts.query, doc)),
    modified: false,
    path: [],
    renames: null,
  };
  const out = parsed.flat ? applyFlat(parsed.flat.names, parsed.flat.leaves, ctx) : applyTree(parsed.root, ctx);
  if (!ctx.modified) return { doc, modified: false };
  return { doc: idFirst(out), modified: true };
}

function applyPipelineUpdate(doc: Document, stages: Document[], opts: ApplyOptions): { doc: Document; modified: boolean } {
  if (opts.arrayFilters && opts.arrayFilters.length > 0) {
    throw new MongoError("FailedToParse", "arrayFilters may not be specified for pipeline-style updates");
  }
  const transformed = runPipeline(doc, stages, opts.now, opts.variables);
  return replaceDocument(doc, transformed);
}

/**
 * Applies `u` to `doc`. Returns the updated document (a new object; the input when nothing
 * changed) and whether anything really changed (nModified semantics: a $set to the same value
 * does not count). `_id` stays first and may not change.
 */
export function applyUpdate(doc: Document, u: Document | Document[], opts: ApplyOptions): { doc: Document; modified: boolean } {
  const kind = classifyUpdate(u);
  switch (kind) {
    case "operators":
      return applyOperators(doc, u as Document, opts);
    case "pipeline":
      return applyPipelineUpdate(doc, u as Document[], opts);
    case "replacement":
      arrayFilterMap(opts.arrayFilters); // validated (mongod parses them), otherwise unused
      return replaceDocument(doc, fillZeroTimestamps(u as Document, opts.now));
  }
}

/**
 * The document an upsert starts from when nothing matched: the equality conditions of the filter
 * (`field: value`, `{$eq: v}`, single-value `$in`, `$and`, single-clause `$or`; dotted paths become
 * nested documents). Conflicting equalities → NotSingleValueField.
 */
export function upsertSeed(filter: Document): Document {
  return seedFromFilter(filter ?? {});
}

/**
 * The whole upsert insert: seed from the filter, then `u` applied with isUpsertInsert (for a
 * replacement: the replacement plus the filter's `_id`). `_id: new ObjectId()` is generated when
 * still missing, and `_id` is placed first.
 */
export function buildUpsertDocument(filter: Document, u: Document | Document[], opts: Omit<ApplyOptions, "isUpsertInsert">): Document {
  const kind = classifyUpdate(u);
  let doc: Document;
  if (kind === "replacement") {
    const seed = idSeedFromFilter(filter ?? {});
    const content = fillZeroTimestamps(u as Document, opts.now);
    if (hasOwn(seed, "_id") && hasOwn(content, "_id") && compareValues(seed._id, content._id) !== 0) {
      throw alteredIdError(content._id);
    }
    doc = hasOwn(seed, "_id") && !hasOwn(content, "_id") ? { _id: seed._id, ...content } : { ...content };
  } else if (kind === "operators") {
    // mongod applies the update to the new document without match details: `$` cannot resolve.
    doc = applyOperators(upsertSeed(filter), u as Document, { ...opts, query: undefined, isUpsertInsert: true }).doc;
  } else {
    const seed = upsertSeed(filter);
    doc = applyPipelineUpdate(seed, u as Document[], { ...opts, isUpsertInsert: true }).doc;
  }
  if (!hasOwn(doc, "_id")) {
    const out: Document = { _id: new ObjectId() };
    for (const k of Object.keys(doc)) out[k] = doc[k];
    doc = out;
  } else {
    doc = idFirst(doc);
  }
  checkIdForStorage(doc);
  return doc;
}
