/**
 * Which aggregation stages may run on the stored documents themselves. The input of an aggregation is
 * the stored objects (copying every document would cost more than most pipelines), and mingo writes
 * into its input in several stages: dotted $set/$addFields/$project/$unset, $unwind with
 * preserveNullAndEmptyArrays or includeArrayIndex, $fill, $setWindowFields. A stage may also hand a
 * reference to a stored object on ($push of $$ROOT, $replaceRoot, $lookup's joined documents) for a
 * later stage to write into.
 *
 * So this is an allow-list: a stage runs on the stored objects only when it is listed here and its
 * arguments have the shape its check accepts; anything else — a stage added later included — works on
 * copies from that stage on. The checks rely on mingo's expression, accumulator and query operators
 * being pure (they build new values and never write into their arguments; true of mingo 7.2).
 */
import type { Document } from "bson";

type SafetyCheck = (arg: unknown) => boolean;

const always: SafetyCheck = () => true;

function isPlainObject(v: unknown): v is Document {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** A top-level field name: mingo sets and removes it on its own shallow copy of the document. */
function topLevelField(name: string): boolean {
  return name.length > 0 && !name.includes(".") && !name.startsWith("$");
}

/** An expression value, as opposed to a nested projection ({a: {b: 1}}), which mingo applies by path. */
function expressionValue(v: unknown): boolean {
  if (!isPlainObject(v)) return true;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0].startsWith("$");
}

/** $addFields/$set of top-level fields: mingo copies the document shallowly and sets them on the copy. */
const topLevelFields: SafetyCheck = (arg) =>
  isPlainObject(arg) && Object.entries(arg).every(([k, v]) => topLevelField(k) && expressionValue(v));

/** $project of top-level fields: mingo builds a new document, taking included values by reference. */
const topLevelProjection: SafetyCheck = topLevelFields;

const topLevelUnset: SafetyCheck = (arg) =>
  typeof arg === "string" ? topLevelField(arg) : Array.isArray(arg) && arg.every((f) => typeof f === "string" && topLevelField(f));

/** $unwind builds new documents for array elements, but writes into the input for these two options. */
const plainUnwind: SafetyCheck = (arg) =>
  typeof arg === "string" ||
  (isPlainObject(arg) &&
    arg.includeArrayIndex === undefined &&
    (arg.preserveNullAndEmptyArrays === undefined || arg.preserveNullAndEmptyArrays === false));

const subPipelineSafe: SafetyCheck = (arg) => {
  if (!isPlainObject(arg) || arg.pipeline === undefined) return true;
  return Array.isArray(arg.pipeline) && firstUnsafeStage(arg.pipeline) === arg.pipeline.length;
};

const everySubPipelineSafe: SafetyCheck = (arg) =>
  isPlainObject(arg) && Object.values(arg).every((p) => Array.isArray(p) && firstUnsafeStage(p) === p.length);

const SAFE_STAGES: Record<string, SafetyCheck> = {
  $match: always,
  $sort: always,
  $limit: always,
  $skip: always,
  $sample: always,
  $count: always,
  // New output documents; accumulators and group keys only read.
  $group: always,
  $bucket: always,
  $bucketAuto: always,
  $sortByCount: always,
  // New documents for the gaps; the input passes through untouched.
  $densify: always,
  // mingo copies the literal documents.
  $documents: always,
  // The kept document as is, or new documents for $$DESCEND.
  $redact: always,
  // A value of the document (or a new one) becomes the root; nothing is written.
  $replaceRoot: always,
  $replaceWith: always,
  // New documents ({...doc, as: [...]}) built from the foreign documents.
  $graphLookup: always,
  $lookup: subPipelineSafe,
  $unionWith: subPipelineSafe,
  // mingo's $facet copies its input for the sub-pipelines itself.
  $facet: everySubPipelineSafe,
  $addFields: topLevelFields,
  $set: topLevelFields,
  $project: topLevelProjection,
  $unset: topLevelUnset,
  $unwind: plainUnwind,
};

/** Whether mingo may run this stage on the stored objects. */
export function stageIsSafe(stage: Document): boolean {
  const name = Object.keys(stage)[0];
  const check = Object.hasOwn(SAFE_STAGES, name) ? SAFE_STAGES[name] : undefined;
  return check?.(stage[name]) === true;
}

/** The index of the first stage that needs copies of its input (the pipeline's length if none does). */
export function firstUnsafeStage(pipeline: readonly Document[]): number {
  const i = pipeline.findIndex((stage) => !stageIsSafe(stage));
  return i === -1 ? pipeline.length : i;
}

const READS_OTHER_COLLECTIONS = new Set(["$lookup", "$unionWith", "$graphLookup"]);

/** Whether these stages bring in documents of other collections ($facet and sub-pipelines included). */
export function readsOtherCollections(pipeline: readonly Document[]): boolean {
  return pipeline.some((stage) => {
    const name = Object.keys(stage)[0];
    if (READS_OTHER_COLLECTIONS.has(name)) return true;
    const arg = stage[name];
    if (name === "$facet" && isPlainObject(arg)) return Object.values(arg).some((p) => Array.isArray(p) && readsOtherCollections(p));
    return false;
  });
}
