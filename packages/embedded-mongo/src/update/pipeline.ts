/**
 * Pipeline-style updates: validation of the stages mongod allows in an update, and execution of
 * the stages on one document with mingo's Aggregator.
 */
import type { Document } from "bson";
import { Timestamp } from "bson";
import { Aggregator } from "mingo";
import { MongoError } from "../errors.js";
import { cloneDocumentTree, isDocument } from "./bson-util.js";

const ALLOWED_STAGES = new Set(["$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"]);

/** Aggregation stages mongod knows (those not in ALLOWED_STAGES are refused in an update). */
const KNOWN_STAGES = new Set([
  ...ALLOWED_STAGES,
  "$bucket",
  "$bucketAuto",
  "$changeStream",
  "$changeStreamSplitLargeEvent",
  "$collStats",
  "$count",
  "$currentOp",
  "$densify",
  "$documents",
  "$facet",
  "$fill",
  "$geoNear",
  "$graphLookup",
  "$group",
  "$indexStats",
  "$limit",
  "$listLocalSessions",
  "$listSampledQueries",
  "$listSearchIndexes",
  "$listSessions",
  "$lookup",
  "$match",
  "$merge",
  "$out",
  "$planCacheStats",
  "$querySettings",
  "$redact",
  "$sample",
  "$search",
  "$searchMeta",
  "$setWindowFields",
  "$shardedDataDistribution",
  "$skip",
  "$sort",
  "$sortByCount",
  "$unionWith",
  "$unwind",
  "$vectorSearch",
]);

/** Checks the shape of an update pipeline the way mongod parses it. */
export function validatePipeline(stages: unknown[]): void {
  for (const stage of stages) {
    if (!isDocument(stage)) {
      throw new MongoError("TypeMismatch", "Each element of the 'pipeline' array must be an object");
    }
    const keys = Object.keys(stage);
    if (keys.length !== 1) {
      throw new MongoError("Location40323", "A pipeline stage specification object must contain exactly one field.");
    }
    const name = keys[0];
    if (ALLOWED_STAGES.has(name)) continue;
    if (KNOWN_STAGES.has(name)) {
      throw new MongoError("InvalidOptions", `${name} is not allowed to be used within an update`);
    }
    throw new MongoError("Location40324", `Unrecognized pipeline stage name: '${name}'`);
  }
}

/** Replaces `$$NOW` / `$$CLUSTER_TIME` by literals so the whole update sees one clock reading. */
function bindSystemVariables(expr: unknown, now: Date, clusterTime: () => Timestamp): unknown {
  if (typeof expr === "string") {
    if (expr === "$$NOW") return { $literal: now };
    if (expr === "$$CLUSTER_TIME") return { $literal: clusterTime() };
    return expr;
  }
  if (Array.isArray(expr)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < expr.length; i++) {
      const v = bindSystemVariables(expr[i], now, clusterTime);
      if (v !== expr[i]) {
        out ??= expr.slice();
        out[i] = v;
      }
    }
    return out ?? expr;
  }
  if (isDocument(expr)) {
    let out: Document | null = null;
    for (const k of Object.keys(expr)) {
      if (k === "$literal") continue;
      const v = bindSystemVariables(expr[k], now, clusterTime);
      if (v !== expr[k]) {
        out ??= { ...expr };
        out[k] = v;
      }
    }
    return out ?? expr;
  }
  return expr;
}

function wrapMingoError(err: unknown, stageName: string): MongoError {
  if (err instanceof MongoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const op = /(\$[A-Za-z_]\w*)'? is not registered/.exec(message) ?? /unknown (?:\w+ )?operator:? '?(\$\w+)/i.exec(message);
  if (op) {
    return new MongoError("InvalidPipelineOperator", `Invalid ${stageName} :: caused by :: Unrecognized expression '${op[1]}'`);
  }
  return new MongoError("BadValue", message);
}

/** Runs the stages over a copy of `doc`; returns mingo's output document. */
export function runPipeline(doc: Document, stages: Document[], now: Date, variables: Document | undefined): Document {
  let ts: Timestamp | undefined;
  const clusterTime = () => (ts ??= new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 }));
  const bound = stages.map((s) => bindSystemVariables(s, now, clusterTime) as Document);
  let out: Document[];
  try {
    out = new Aggregator(bound, variables ? { variables } : undefined).run([cloneDocumentTree(doc)]) as Document[];
  } catch (err) {
    const stageName = Object.keys(stages[0] ?? {})[0] ?? "pipeline";
    throw wrapMingoError(err, stageName);
  }
  const result = out[0];
  if (!isDocument(result)) {
    throw new MongoError("BadValue", "The update pipeline did not produce a document");
  }
  return result;
}
