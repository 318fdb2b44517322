/**
 * find and aggregate: candidates from the planner, the full filter from mingo, then sort, skip, limit
 * and projection. Results are lazy iterators so a cursor holds only what it has not returned yet.
 */
import type { Document } from "bson";
import { Aggregator, Query } from "mingo";
import { ProcessingMode } from "mingo/core";
import { cloneDocumentTree } from "../update/bson-util.js";
import { MongoError } from "../errors.js";
import type { CollectionData } from "../storage/collection-data.js";
import { plan, type Plan } from "./planner.js";
import { runSimpleGroup, simpleGroupOf } from "./simple-group.js";
import { firstUnsafeStage, readsOtherCollections } from "./stage-safety.js";
import { topK } from "./top-k.js";

export type CollectionResolver = (name: string) => Document[];

const BASE_OPTIONS = { idKey: "_id", scriptEnabled: false, useStrictMode: true } as const;

/** mingo's own errors, in mongod's words and codes where they differ. */
export function translateMingoError(err: unknown): MongoError {
  if (err instanceof MongoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const unknownQuery = /unknown query operator (\$\w+)/.exec(message);
  if (unknownQuery) return new MongoError("BadValue", `unknown operator: ${unknownQuery[1]}`);
  const unknownStage = /unregistered pipeline operator (\$\w+)/.exec(message);
  if (unknownStage) return new MongoError("Location40324", `Unrecognized pipeline stage name: '${unknownStage[1]}'`);
  const unknownExpr =
    /(?:unregistered (?:expression|accumulator|window) operator (\$\w+))|(?:(?:expression|accumulator|operator|window) '(\$\w+)' is not registered)/i.exec(
      message,
    );
  if (unknownExpr) return new MongoError("InvalidPipelineOperator", `Unrecognized expression '${unknownExpr[1] ?? unknownExpr[2]}'`);
  return new MongoError("BadValue", message);
}

export function compileFilter(filter: unknown): Query {
  if (filter === undefined || filter === null) return new Query({}, BASE_OPTIONS);
  if (typeof filter !== "object" || Array.isArray(filter)) throw new MongoError("TypeMismatch", "filter must be an object");
  try {
    return new Query(filter as Document, BASE_OPTIONS);
  } catch (err) {
    throw translateMingoError(err);
  }
}

export function validateSort(sort: unknown): Document | undefined {
  if (sort === undefined || sort === null) return undefined;
  if (typeof sort !== "object" || Array.isArray(sort)) throw new MongoError("TypeMismatch", "sort must be an object");
  for (const [field, dir] of Object.entries(sort as Document)) {
    const ok = dir === 1 || dir === -1 || (typeof dir === "object" && dir !== null && "$meta" in dir);
    if (!ok) throw new MongoError("BadValue", `$sort key ordering must be 1 (for ascending) or -1 (for descending) (field '${field}')`);
    if (typeof dir === "object") throw new MongoError("NotImplemented", "embedded-mongo does not support $meta sorts");
  }
  return Object.keys(sort as Document).length === 0 ? undefined : (sort as Document);
}

export interface FindSpec {
  filter: Document;
  sort?: Document;
  projection?: Document;
  skip?: number;
  limit?: number;
  hint?: unknown;
}

/** Restores the document's own field order, which mingo's projection does not keep. */
function inDocumentOrder(original: Document, projected: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(original)) if (key in projected) out[key] = projected[key];
  for (const key of Object.keys(projected)) if (!(key in out)) out[key] = projected[key];
  return out;
}

/**
 * The result of a find, lazily. With `stable`, later writes to `data` cannot disturb the iteration
 * (for results that outlive the command in a cursor): small `_id` lookups are read at once, anything
 * else iterates a copy-on-write snapshot.
 */
export function runFind(data: CollectionData, spec: FindSpec, stable = false): IterableIterator<Document> {
  const sort = validateSort(spec.sort);
  const p = plan(data, spec.filter, sort, spec.hint);
  const exact = p.exact === true;
  if (stable && p.stage === "IDHACK") return [...findResults(data, spec, sort, p, exact)][Symbol.iterator]();
  return findResults(stable ? data.clone() : data, spec, sort, p, exact);
}

function* findResults(data: CollectionData, spec: FindSpec, sort: Document | undefined, p: Plan, exact: boolean): Generator<Document> {
  // An exact plan needs the filter only for a positional projection.
  const query = exact && !spec.projection ? undefined : compileFilter(spec.filter);
  let matches: Iterable<Document> = query && !exact ? filterIterable(p.candidates(data), query) : p.candidates(data);
  let skip = spec.skip ?? 0;
  let remaining = spec.limit && spec.limit > 0 ? spec.limit : Number.POSITIVE_INFINITY;
  if (sort && !p.providesSort) matches = sorted([...matches], sort, skip + remaining);
  const projection = spec.projection && Object.keys(spec.projection).length > 0 ? spec.projection : undefined;
  for (const doc of matches) {
    if (skip > 0) {
      skip--;
      continue;
    }
    if (remaining-- <= 0) return;
    yield projection ? project(query!, doc, projection) : doc;
  }
}

/**
 * The documents in `sort` order, as far as the first `keep` of them when that is fewer (top-k: a heap
 * of `keep` rather than a sort of all).
 */
function sorted(docs: Document[], sort: Document, keep: number): Document[] {
  if (keep < docs.length) {
    let top: Document[] | undefined;
    try {
      top = topK(docs, sort, keep);
    } catch {
      // a value the key encoding does not take: sorted the general way below
    }
    if (top) return top;
  }
  try {
    return new Query({}, BASE_OPTIONS).find<Document>(docs).sort(sort).all();
  } catch (err) {
    throw translateMingoError(err);
  }
}

function* filterIterable(docs: Iterable<Document>, query: Query): Generator<Document> {
  for (const doc of docs) if (query.test(doc)) yield doc;
}

/** A find-style projection of one document; `filter` gives positional (`a.$`) projections their match. */
export function applyProjection(doc: Document, projection: Document, filter: Document = {}): Document {
  return project(compileFilter(filter), doc, projection);
}

/**
 * The top-level fields a plain inclusion projection ({a: 1, b: 1}, optionally _id: 0) keeps, or
 * undefined for any other projection. Those are most projections, and picking fields needs no mingo.
 */
function plainInclusion(projection: Document): { fields: Set<string>; withId: boolean } | undefined {
  const fields = new Set<string>();
  let withId = true;
  for (const [key, value] of Object.entries(projection)) {
    if (key === "_id" && (value === 0 || value === false)) {
      withId = false;
      continue;
    }
    if (key.startsWith("$") || key.includes(".") || !(value === 1 || value === true)) return undefined;
    fields.add(key);
  }
  return fields.size > 0 ? { fields, withId } : undefined;
}

const plainInclusions = new WeakMap<Document, ReturnType<typeof plainInclusion> | null>();

function project(query: Query, doc: Document, projection: Document): Document {
  let plain = plainInclusions.get(projection);
  if (plain === undefined) {
    plain = plainInclusion(projection) ?? null;
    plainInclusions.set(projection, plain);
  }
  if (plain) {
    const out: Document = {};
    for (const key of Object.keys(doc)) {
      if (key === "_id" ? plain.withId || plain.fields.has(key) : plain.fields.has(key)) out[key] = doc[key];
    }
    return out;
  }
  try {
    // mingo removes excluded nested fields ({"a.b": 0}) from the document it is given, which here is
    // the stored document itself: such projections work on a copy.
    const input = touchesNestedFields(projection) ? cloneDocumentTree(doc) : doc;
    const projected = query.find<Document>([input], projection).next() as Document | undefined;
    return inDocumentOrder(doc, projected ?? {});
  } catch (err) {
    throw translateMingoError(err);
  }
}

/** Dotted paths and operators ($slice, $elemMatch...) make mingo work inside nested values. */
function touchesNestedFields(projection: Document): boolean {
  return Object.entries(projection).some(([key, value]) => key.includes(".") || (typeof value === "object" && value !== null));
}

/** Every stage this server runs (on mingo, or its own fast paths for some). */
export const SUPPORTED_STAGES: ReadonlySet<string> = new Set([
  "$addFields",
  "$bucket",
  "$bucketAuto",
  "$count",
  "$densify",
  "$documents",
  "$facet",
  "$fill",
  "$graphLookup",
  "$group",
  "$limit",
  "$lookup",
  "$match",
  "$project",
  "$redact",
  "$replaceRoot",
  "$replaceWith",
  "$sample",
  "$set",
  "$setWindowFields",
  "$skip",
  "$sort",
  "$sortByCount",
  "$unionWith",
  "$unset",
  "$unwind",
]);
/** Stages mongod has and this server refuses by name rather than answer wrongly. */
const UNSUPPORTED_STAGES = new Set([
  "$out",
  "$merge",
  "$geoNear",
  "$collStats",
  "$indexStats",
  "$changeStream",
  "$currentOp",
  "$listSessions",
  "$listLocalSessions",
  "$planCacheStats",
  "$search",
  "$searchMeta",
  "$vectorSearch",
  "$listSearchIndexes",
  "$changeStreamSplitLargeEvent",
]);
/** Operators that run client JavaScript in mongod; this server runs none. */
const JAVASCRIPT_OPERATOR = /"\$(function|accumulator|where)":/;

function validatePipeline(pipeline: unknown, nested = false): void {
  if (!Array.isArray(pipeline)) throw new MongoError("TypeMismatch", "'pipeline' option must be specified as an array");
  pipeline.forEach((stage, i) => {
    if (stage === null || typeof stage !== "object" || Array.isArray(stage) || Object.keys(stage).length !== 1) {
      throw new MongoError("Location40323", "A pipeline stage specification object must contain exactly one field.");
    }
    const name = Object.keys(stage)[0];
    const arg = (stage as Document)[name];
    if (UNSUPPORTED_STAGES.has(name)) throw new MongoError("NotImplemented", `embedded-mongo does not support the ${name} stage`);
    if (!SUPPORTED_STAGES.has(name)) throw new MongoError("Location40324", `Unrecognized pipeline stage name: '${name}'`);
    if (name === "$documents" && (i !== 0 || nested))
      throw new MongoError("Location40324", "$documents is only valid as the first stage of a pipeline");
    if (name === "$facet" && arg && typeof arg === "object") {
      for (const sub of Object.values(arg as Document)) validatePipeline(sub, true);
    }
    if ((name === "$lookup" || name === "$unionWith") && arg && typeof arg === "object" && Array.isArray((arg as Document).pipeline)) {
      validatePipeline((arg as Document).pipeline, true);
    }
  });
  if (!nested) {
    const js = JAVASCRIPT_OPERATOR.exec(JSON.stringify(pipeline));
    if (js) throw new MongoError("NotImplemented", `embedded-mongo does not run server-side JavaScript ($${js[1]})`);
  }
}

export interface AggregateSpec {
  pipeline: Document[];
  variables?: Document;
  /** Documents of another collection of the same database, for $lookup, $graphLookup and $unionWith. */
  resolve: CollectionResolver;
}

/**
 * Runs a pipeline over a collection (or over nothing, for `aggregate: 1` with $documents). A leading
 * $match (with an optional $sort after it) is planned like a find, so it uses indexes.
 *
 * The documents read are the stored objects. Stages that may write into their input (see
 * stage-safety.ts) get deep copies: everything that reaches the first such stage is copied there, and
 * so are the documents of other collections when a stage from there on reads them.
 */
export function runAggregate(data: CollectionData | undefined, spec: AggregateSpec): Iterator<Document> {
  validatePipeline(spec.pipeline);
  let pipeline = rewriteCount(spec.pipeline);
  let source: Iterable<Document> = data ? data.naturalOrder() : [];
  if (data && pipeline.length > 0 && pipeline[0].$match && !hasExprOrText(pipeline[0].$match)) {
    const sortStage = pipeline[1]?.$sort as Document | undefined;
    const sort = sortStage ? validateSort(sortStage) : undefined;
    const p = plan(data, pipeline[0].$match as Document, sort);
    const query = compileFilter(pipeline[0].$match);
    source = p.exact ? p.candidates(data) : filterIterable(p.candidates(data), query);
    pipeline = pipeline.slice(sort && p.providesSort ? 2 : 1);
    // countDocuments' shape ({$group: {_id: 1, n: {$sum: 1}}}) over an exact plan: counted from the index.
    const counted = p.count && pipeline.length === 1 ? constantCount(pipeline[0], p.count(data)) : undefined;
    if (counted) return counted[Symbol.iterator]();
  }
  const simple = pipeline.length > 0 && pipeline[0].$group ? simpleGroupOf(pipeline[0].$group) : undefined;
  if (simple) {
    const docs = [...source];
    const grouped = runSimpleGroup(simple, docs);
    if (grouped) {
      if (pipeline.length === 1) return grouped[Symbol.iterator]();
      source = grouped;
      pipeline = pipeline.slice(1);
    } else source = docs;
  }
  const unsafeFrom = firstUnsafeStage(pipeline);
  const copyForeign = readsOtherCollections(pipeline.slice(unsafeFrom));
  const options = {
    ...BASE_OPTIONS,
    // mingo's $setWindowFields and $fill compute through its $function operator with functions they
    // build; a command cannot carry a JS function (BSON code is not one, and validatePipeline refuses
    // the script operators by name), so no client script can run.
    scriptEnabled: true,
    collectionResolver: copyForeign ? (name: string) => spec.resolve(name).map(cloneDocumentTree) : spec.resolve,
    processingMode: ProcessingMode.CLONE_OFF,
    variables: spec.variables,
  };
  try {
    let it: Iterable<Document> = source;
    if (unsafeFrom > 0) it = new Aggregator(pipeline.slice(0, unsafeFrom), options).stream(it) as Iterable<Document>;
    if (unsafeFrom < pipeline.length) {
      it = new Aggregator(pipeline.slice(unsafeFrom), options).stream(copies(it)) as Iterable<Document>;
    }
    return wrapErrors(it[Symbol.iterator]());
  } catch (err) {
    throw translateMingoError(err);
  }
}

/**
 * A `$group` with a constant key and constant `$sum`s over `n` documents, without reading them; undefined
 * for any other stage. No documents make no group, as in mongod.
 */
function constantCount(stage: Document, n: number): Document[] | undefined {
  const group = stage.$group === undefined ? undefined : simpleGroupOf(stage.$group);
  if (!group || group.key.kind !== "constant" || Object.keys(stage).length !== 1) return undefined;
  const out: Document = { _id: group.key.value };
  for (const a of group.accumulators) {
    if (!("constant" in a)) return undefined;
    out[a.name] = a.constant * n;
  }
  return n === 0 ? [] : [out];
}

function* copies(docs: Iterable<Document>): Generator<Document> {
  for (const doc of docs) yield cloneDocumentTree(doc);
}

/** `$count` is `$group` + `$project` in mongod, so it yields nothing (not `{n: 0}`) when nothing reaches it. */
function rewriteCount(pipeline: Document[]): Document[] {
  return pipeline.flatMap((stage) => {
    if (typeof stage.$count !== "string") return [stage];
    const field = stage.$count;
    if (field === "" || field.startsWith("$") || field.includes(".")) {
      throw new MongoError("Location40323", "the count field must be a non-empty string that does not start with $ or contain '.'");
    }
    return [{ $group: { _id: null, [field]: { $sum: 1 } } }, { $project: { _id: 0 } }];
  });
}

function hasExprOrText(match: unknown): boolean {
  return JSON.stringify(match ?? {}).includes('"$text"');
}

function wrapErrors(it: Iterator<Document>): Iterator<Document> {
  return {
    next() {
      try {
        return it.next();
      } catch (err) {
        throw translateMingoError(err);
      }
    },
  };
}
