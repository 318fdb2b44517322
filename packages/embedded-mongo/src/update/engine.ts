/**
 * Applies a parsed update tree to a document, copy-on-write: containers along changed paths are
 * shallow-copied once, everything else is shared with the input (which is never mutated).
 *
 * The traversal mirrors mongod's UpdateObjectNode/UpdateArrayNode/ModifierNode::apply: children
 * in `cmpPathsAndArrayIndexes` order, missing path components tracked as "path to create" below
 * the deepest existing element, new fields appended to their parent in application order.
 */
import type { Document } from "bson";
import { Timestamp } from "bson";
import { MongoError } from "../errors.js";
import { binaryEqual, compareStrings, compareValues, formatElement, idElementString, isDocument, MISSING, typeName } from "./bson-util.js";
import { addNums, bitNums, debugNum, fromNum, identicalNums, longToValue, mulNums, toIntegral, toNum, type Num } from "./numeric.js";
import {
  finalizeNode,
  newObjNode,
  type ArrNode,
  type ArrayFilterMap,
  type Leaf,
  type ObjNode,
  type RenameSpec,
  type UNode,
} from "./parse.js";

const MAX_PADDING = 1500000;

/** Leaf result meaning "remove this field from its parent object". */
const REMOVE: unique symbol = Symbol("remove");
type Result = unknown; // a value, MISSING (nothing there / created) or REMOVE

interface ResolvedRename {
  value: unknown;
}

export interface EngineContext {
  doc: Document;
  insert: boolean;
  now: Date;
  filters: ArrayFilterMap;
  /** Index string matched by the query for `$`, or "" when none. Computed lazily. */
  matchedField: () => string;
  modified: boolean;
  path: string[];
  renames: Map<RenameSpec, ResolvedRename | null> | null;
}

let tsLastSecs = 0;
let tsInc = 0;
/** A Timestamp from a process-wide monotonic clock, like mongod's logical clock reserveTicks(1). */
function nextTimestamp(now: Date): Timestamp {
  const secs = Math.floor(now.getTime() / 1000);
  if (secs > tsLastSecs) {
    tsLastSecs = secs;
    tsInc = 0;
  }
  tsInc++;
  return new Timestamp({ t: tsLastSecs, i: tsInc });
}

function isCanonicalIndex(s: string): number {
  // parseUnsignedBase10Integer: digits only (leading zeros allowed).
  if (s.length === 0 || s.length > 15) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return Number(s);
}

function lookup(container: unknown, key: string): unknown {
  if (Array.isArray(container)) {
    const i = isCanonicalIndex(key);
    return i >= 0 && i < container.length ? container[i] : MISSING;
  }
  if (isDocument(container)) {
    return Object.hasOwn(container, key) ? container[key] : MISSING;
  }
  return MISSING;
}

/**
 * A shallow copy keeping field order. Spread is fastest for small objects; documents with many
 * fields (which V8 keeps in dictionary mode when built by bson.deserialize) copy several times
 * faster key by key.
 */
export function shallowCopy(obj: Document): Document {
  const ks = Object.keys(obj);
  if (ks.length <= 16) return { ...obj };
  const out: Document = {};
  for (let i = 0; i < ks.length; i++) out[ks[i]] = obj[ks[i]];
  return out;
}

function dotted(parts: string[], n = parts.length): string {
  let s = "";
  for (let i = 0; i < n; i++) s += i === 0 ? parts[i] : `.${parts[i]}`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Node application
// ---------------------------------------------------------------------------------------------

/**
 * Where a missing element would be created: the deepest existing element (`base`, named
 * `baseName`, at depth `missingFrom` of ctx.path) below which ctx.path[missingFrom..] is missing.
 */
interface CreateInfo {
  missingFrom: number;
  base: unknown;
  baseName: string;
}

function applyNode(node: UNode, value: unknown, ctx: EngineContext, create: CreateInfo | null, parentIsArray: boolean): Result {
  switch (node.t) {
    case "obj":
      return applyObject(node, value, ctx, create);
    case "arr":
      return applyArray(node, value, ctx, create);
    default:
      return applyLeaf(node, value, ctx, create, parentIsArray);
  }
}

function mergeNodes(a: UNode, b: UNode, path: string): UNode {
  if (a.t === "obj" && b.t === "obj") {
    const m = newObjNode();
    for (const [k, v] of a.children) m.children.set(k, v);
    for (const [k, v] of b.children) {
      const prev = m.children.get(k);
      m.children.set(k, prev ? mergeNodes(prev, v, `${path}.${k}`) : v);
    }
    m.positional = a.positional && b.positional ? mergeNodes(a.positional, b.positional, `${path}.$`) : (a.positional ?? b.positional);
    finalizeNode(m);
    return m;
  }
  if (a.t === "arr" && b.t === "arr") {
    const m: ArrNode = { t: "arr", children: new Map(a.children), order: [] };
    for (const [k, v] of b.children) {
      const prev = m.children.get(k);
      m.children.set(k, prev ? mergeNodes(prev, v, `${path}.$[${k}]`) : v);
    }
    finalizeNode(m);
    return m;
  }
  throw new MongoError("ConflictingUpdateOperators", `Update created a conflict at '${path}'`);
}

function applyObject(node: ObjNode, value: unknown, ctx: EngineContext, create: CreateInfo | null): Result {
  let positional = node.positional;
  let matched = "";
  if (positional) {
    matched = ctx.matchedField();
    if (!matched) throw new MongoError("BadValue", "The positional operator did not find the match needed from the query.");
  }
  let cur: unknown = value; // MISSING while this element does not exist
  let owned = false;
  let removed = false;
  const order = node.order;
  const apply = (child: UNode, field: string) => {
    ctx.path.push(field);
    try {
      let res: Result;
      if (cur === MISSING) {
        res = applyNode(child, MISSING, ctx, create, false);
      } else {
        const childValue = lookup(cur, field);
        if (childValue === MISSING) {
          res = applyNode(
            child,
            MISSING,
            ctx,
            { missingFrom: ctx.path.length - 1, base: cur, baseName: ctx.path[ctx.path.length - 2] ?? "" },
            false,
          );
        } else {
          res = applyNode(child, childValue, ctx, null, Array.isArray(cur));
          if (Object.is(res, childValue)) return;
        }
      }
      if (res === MISSING) return;
      if (cur === MISSING) {
        cur = {};
        owned = true;
      } else if (!owned) {
        cur = Array.isArray(cur) ? cur.slice() : shallowCopy(cur as Document);
        owned = true;
      }
      if (Array.isArray(cur)) {
        const idx = isCanonicalIndex(field);
        if (res === REMOVE) {
          cur[idx] = null;
        } else {
          if (idx - cur.length > MAX_PADDING) {
            throw new MongoError("CannotBackfillArray", `can't backfill more than ${MAX_PADDING} elements`);
          }
          while (cur.length < idx) cur.push(null);
          cur[idx] = res;
        }
      } else if (res === REMOVE) {
        (cur as Document)[field] = REMOVE;
        removed = true;
      } else {
        (cur as Document)[field] = res;
      }
    } finally {
      ctx.path.pop();
    }
  };
  for (let i = 0; i < order.length; i++) {
    const name = order[i];
    const child = node.children.get(name) as UNode;
    if (positional) {
      if (name === matched) {
        apply(mergeNodes(positional, child, dotted([...ctx.path, matched])), name);
        positional = null;
        continue;
      }
      if (compareStrings(matched, name) < 0) {
        apply(positional, matched);
        positional = null;
      }
    }
    apply(child, name);
  }
  if (positional) apply(positional, matched);
  if (removed) {
    const src = cur as Document;
    const out: Document = {};
    for (const k of Object.keys(src)) if (src[k] !== REMOVE) out[k] = src[k];
    cur = out;
  }
  return cur;
}

function applyArray(node: ArrNode, value: unknown, ctx: EngineContext, create: CreateInfo | null): Result {
  if (create || value === MISSING) {
    throw new MongoError("BadValue", `The path '${dotted(ctx.path)}' must exist in the document in order to apply array updates.`);
  }
  if (!Array.isArray(value)) {
    throw new MongoError(
      "BadValue",
      `Cannot apply array updates to non-array element ${formatElement(ctx.path[ctx.path.length - 1], value)}`,
    );
  }
  // Which updates apply to which element is decided on the array as it was before any update.
  const matches: UNode[][] = [];
  for (let i = 0; i < value.length; i++) {
    const el = value[i];
    const list: UNode[] = [];
    for (const id of node.order) {
      if (id === "") list.push(node.children.get(id) as UNode);
      else {
        const filter = ctx.filters.get(id);
        if (filter?.(el)) list.push(node.children.get(id) as UNode);
      }
    }
    matches.push(list);
  }
  let out: unknown[] | null = null;
  for (let i = 0; i < value.length; i++) {
    const list = matches[i];
    if (list.length === 0) continue;
    const field = String(i);
    ctx.path.push(field);
    try {
      let merged = list[0];
      for (let j = 1; j < list.length; j++) merged = mergeNodes(merged, list[j], dotted(ctx.path));
      const res = applyNode(merged, value[i], ctx, null, true);
      if (Object.is(res, value[i]) || res === MISSING) continue;
      if (!out) out = value.slice();
      out[i] = res === REMOVE ? null : res;
    } finally {
      ctx.path.pop();
    }
  }
  return out ?? value;
}

// ---------------------------------------------------------------------------------------------
// Leaves
// ---------------------------------------------------------------------------------------------

function fieldName(ctx: EngineContext): string {
  return ctx.path[ctx.path.length - 1];
}

/** Immutable `_id`: an update to an existing element at or under `_id`. */
function checkIdNotModified(ctx: EngineContext): void {
  if (ctx.path[0] === "_id") {
    throw new MongoError("ImmutableField", `Performing an update on the path '${dotted(ctx.path)}' would modify the immutable field '_id'`);
  }
}

/** PathNotViable for modifiers that do not create (UpdateLeafNode::checkViability). */
function checkViability(ctx: EngineContext, create: CreateInfo): void {
  const base = create.base;
  const part = ctx.path[create.missingFrom];
  if (isDocument(base)) return;
  if (Array.isArray(base) && isCanonicalIndex(part) >= 0) return;
  const taken = dotted(ctx.path, create.missingFrom);
  const toCreate = ctx.path.slice(create.missingFrom).join(".");
  throw new MongoError(
    "PathNotViable",
    `Cannot use the part (${part}) of (${taken}.${toCreate}) to traverse the element ({${formatElement(create.baseName, base)}})`,
  );
}

const DBREF_FIELDS = new Set(["$ref", "$id", "$db"]);

/** Checks before creating a missing element (pathsupport::createPathAt + the immutable-path check). */
function checkCreate(ctx: EngineContext, create: CreateInfo, newValue: unknown): void {
  const base = create.base;
  const part = ctx.path[create.missingFrom];
  if (!isDocument(base) && !(Array.isArray(base) && isCanonicalIndex(part) >= 0)) {
    throw new MongoError("PathNotViable", `Cannot create field '${part}' in element {${formatElement(create.baseName, base)}}`);
  }
  if (create.missingFrom >= 1 && ctx.path[0] === "_id") {
    const taken = dotted(ctx.path, create.missingFrom);
    let after: unknown = newValue;
    for (let i = ctx.path.length - 1; i > create.missingFrom; i--) after = { [ctx.path[i]]: after };
    const updatedBase = Array.isArray(base) ? [...base, after] : { ...(base as Document), [part]: after };
    throw new MongoError(
      "ImmutableField",
      `Updating the path '${taken}' to ${formatElement(create.baseName, updatedBase)} would modify the immutable field '_id'`,
    );
  }
  if (create.missingFrom === 0 && part.charCodeAt(0) === 36 && !DBREF_FIELDS.has(part)) {
    throw dollarPrefixedError(part);
  }
}

export function dollarPrefixedError(field: string): MongoError {
  return new MongoError(
    "DollarPrefixedFieldName",
    `The dollar ($) prefixed field '${field}' in '${field}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
  );
}

/** Sets a new element (allowCreation modifiers). */
function created(ctx: EngineContext, create: CreateInfo, newValue: unknown): Result {
  checkCreate(ctx, create, newValue);
  ctx.modified = true;
  return newValue;
}

/** Replaces an existing element's value. */
function replaced(ctx: EngineContext, newValue: unknown): Result {
  checkIdNotModified(ctx);
  ctx.modified = true;
  return newValue;
}

function arithmetic(leaf: Leaf, value: unknown, ctx: EngineContext): Result {
  const op = leaf.op as "$inc" | "$mul";
  const cur = toNum(value);
  if (!cur) {
    throw new MongoError(
      "TypeMismatch",
      `Cannot apply ${op} to a value of non-numeric type. {${idElementString(ctx.doc)}} has the field '${fieldName(ctx)}' of non-numeric type ${typeName(value)}`,
    );
  }
  const arg = leaf.num as Num;
  const result = op === "$inc" ? addNums(arg, cur) : mulNums(arg, cur);
  if (result && identicalNums(result, cur)) return value;
  if (!result) {
    throw new MongoError(
      "BadValue",
      `Failed to apply ${op} operations to current value (${debugNum(cur)}) for document {${idElementString(ctx.doc)}}`,
    );
  }
  return replaced(ctx, fromNum(result));
}

function newArithmeticValue(leaf: Leaf): unknown {
  const arg = leaf.num as Num;
  if (leaf.op === "$inc") return fromNum(arg);
  // $mul on a missing field: a zero of the argument's type.
  const zero = mulNums(arg, { kind: "int", n: 0 });
  return fromNum(zero as Num);
}

function sortKey(el: unknown, parts: string[]): unknown {
  // extractElementsBasedOnTemplate(useNullIfMissing): getFieldDotted, no array expansion.
  let v: unknown = el;
  for (const p of parts) {
    if (isDocument(v)) {
      v = Object.hasOwn(v, p) ? v[p] : MISSING;
    } else if (Array.isArray(v)) {
      const i = isCanonicalIndex(p);
      v = i >= 0 && i < v.length ? v[i] : MISSING;
    } else {
      v = MISSING;
    }
    if (v === MISSING) return null;
  }
  return v;
}

function performPush(leaf: Leaf, arr: unknown[]): unknown[] {
  const values = leaf.values as unknown[];
  let out = arr;
  if (values.length > 0) {
    const size = arr.length;
    const pos = leaf.position;
    let at: number;
    if (pos === undefined || pos > size) at = size;
    else if (pos >= 0) at = pos;
    else if (-pos < size) at = size + pos;
    else at = 0;
    out = [...arr.slice(0, at), ...values, ...arr.slice(at)];
  }
  const sort = leaf.sort;
  if (sort) {
    const copy = out === arr ? arr.slice() : out;
    if ("whole" in sort) {
      const dir = sort.whole;
      copy.sort((a, b) => dir * compareValues(a, b));
    } else {
      const pattern = sort.pattern;
      const keyed = copy.map((el) => ({ el, keys: pattern.map(([parts]) => sortKey(isDocument(el) ? el : {}, parts)) }));
      keyed.sort((a, b) => {
        for (let i = 0; i < pattern.length; i++) {
          const c = compareValues(a.keys[i], b.keys[i]);
          if (c !== 0) return pattern[i][1] * c;
        }
        return 0;
      });
      for (let i = 0; i < keyed.length; i++) copy[i] = keyed[i].el;
    }
    out = copy;
  }
  const slice = leaf.slice;
  if (slice !== undefined && out.length > Math.abs(slice)) {
    out = slice >= 0 ? out.slice(0, slice) : out.slice(out.length + slice);
  }
  return out;
}

function sameElements(a: unknown[], b: unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function resolveRename(ctx: EngineContext, spec: RenameSpec): ResolvedRename | null {
  ctx.renames ??= new Map();
  if (ctx.renames.has(spec)) return ctx.renames.get(spec) as ResolvedRename | null;
  // pathsupport::findLongestPrefix on the source path.
  const parts = spec.fromParts;
  let cur: unknown = ctx.doc;
  let arrayAncestor: string | undefined;
  let prevName = "";
  let resolved: ResolvedRename | null = null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    let next: unknown;
    if (isDocument(cur)) {
      next = Object.hasOwn(cur, p) ? cur[p] : MISSING;
    } else if (Array.isArray(cur)) {
      const idx = isCanonicalIndex(p);
      if (idx < 0) {
        if (i === 0) break;
        throw new MongoError(
          "PathNotViable",
          `cannot use the part (${parts[i - 1]} of ${spec.from}) to traverse the element ({${formatElement(prevName, cur)}})`,
        );
      }
      arrayAncestor = prevName;
      next = idx < cur.length ? cur[idx] : MISSING;
    } else {
      if (i === 0) break;
      throw new MongoError(
        "PathNotViable",
        `cannot use the part (${parts[i - 1]} of ${spec.from}) to traverse the element ({${formatElement(prevName, cur)}})`,
      );
    }
    if (next === MISSING) break;
    if (i === parts.length - 1) {
      resolved = { value: next };
    }
    prevName = p;
    cur = next;
  }
  if (resolved && arrayAncestor !== undefined) {
    throw new MongoError(
      "BadValue",
      `The source field cannot be an array element, '${spec.from}' in doc with ${idElementString(ctx.doc)} has an array field called '${arrayAncestor}'`,
    );
  }
  ctx.renames.set(spec, resolved);
  return resolved;
}

function checkRenameDestination(ctx: EngineContext, spec: RenameSpec, create: CreateInfo | null): void {
  // No array may lie on the destination path above the element being written.
  let cur: unknown = ctx.doc;
  const depth = create ? create.missingFrom : ctx.path.length - 1;
  let innermost: string | undefined;
  for (let i = 0; i < depth; i++) {
    cur = lookup(cur, ctx.path[i]);
    if (Array.isArray(cur)) innermost = ctx.path[i];
  }
  if (innermost !== undefined) {
    throw new MongoError(
      "BadValue",
      `The destination field cannot be an array element, '${spec.to}' in doc with ${idElementString(ctx.doc)} has an array field called '${innermost}'`,
    );
  }
}

function applyLeaf(leaf: Leaf, value: unknown, ctx: EngineContext, create: CreateInfo | null, _parentIsArray: boolean): Result {
  const exists = create === null && value !== MISSING;
  switch (leaf.op) {
    case "$setOnInsert":
      if (!ctx.insert) return exists ? value : MISSING;
      if (!exists) return created(ctx, create as CreateInfo, leaf.value);
      if (binaryEqual(value, leaf.value)) return value;
      return replaced(ctx, leaf.value);

    case "$set":
      if (!exists) return created(ctx, create as CreateInfo, leaf.value);
      if (binaryEqual(value, leaf.value)) return value;
      return replaced(ctx, leaf.value);

    case "$unset":
      if (!exists) return MISSING;
      checkIdNotModified(ctx);
      ctx.modified = true;
      return REMOVE;

    case "$inc":
    case "$mul":
      if (!exists) return created(ctx, create as CreateInfo, newArithmeticValue(leaf));
      return arithmetic(leaf, value, ctx);

    case "$min":
    case "$max": {
      if (!exists) return created(ctx, create as CreateInfo, leaf.value);
      const c = compareValues(value, leaf.value);
      if (c === 0 || (leaf.op === "$max" ? c > 0 : c < 0)) return value;
      return replaced(ctx, leaf.value);
    }

    case "$currentDate": {
      const v = leaf.isDate ? new Date(ctx.now.getTime()) : nextTimestamp(ctx.now);
      if (!exists) return created(ctx, create as CreateInfo, v);
      return replaced(ctx, v);
    }

    case "$push": {
      if (!exists) return created(ctx, create as CreateInfo, performPush(leaf, []));
      if (!Array.isArray(value)) {
        throw new MongoError(
          "BadValue",
          `The field '${dotted(ctx.path)}' must be an array but is of type ${typeName(value)} in document {${idElementString(ctx.doc)}}`,
        );
      }
      const out = performPush(leaf, value);
      if (sameElements(out, value)) return value;
      return replaced(ctx, out);
    }

    case "$addToSet": {
      const values = leaf.values as unknown[];
      if (!exists) return created(ctx, create as CreateInfo, values.slice());
      if (!Array.isArray(value)) {
        throw new MongoError(
          "BadValue",
          `Cannot apply $addToSet to non-array field. Field named '${fieldName(ctx)}' has non-array type ${typeName(value)}`,
        );
      }
      const toAdd = values.filter((v) => !value.some((e) => compareValues(e, v) === 0));
      if (toAdd.length === 0) return value;
      return replaced(ctx, [...value, ...toAdd]);
    }

    case "$pop": {
      if (!exists) {
        if (create) checkViability(ctx, create);
        return MISSING;
      }
      if (!Array.isArray(value)) {
        throw new MongoError("TypeMismatch", `Path '${dotted(ctx.path)}' contains an element of non-array type '${typeName(value)}'`);
      }
      if (value.length === 0) return value;
      return replaced(ctx, leaf.popFront ? value.slice(1) : value.slice(0, -1));
    }

    case "$pull":
    case "$pullAll": {
      if (!exists) {
        if (create) checkViability(ctx, create);
        return MISSING;
      }
      if (!Array.isArray(value)) throw new MongoError("BadValue", "Cannot apply $pull to a non-array value");
      const matcher = leaf.matcher as (el: unknown) => boolean;
      const out = value.filter((el) => !matcher(el));
      if (out.length === value.length) return value;
      return replaced(ctx, out);
    }

    case "$bit": {
      const ops = leaf.bitOps as NonNullable<Leaf["bitOps"]>;
      let acc: { kind: "int" | "long"; l: bigint };
      if (!exists) acc = { kind: "int", l: 0n };
      else {
        const cur = toIntegral(value);
        if (!cur) {
          throw new MongoError(
            "BadValue",
            `Cannot apply $bit to a value of non-integral type.${idElementString(ctx.doc)} has the field ${fieldName(ctx)} of non-integer type ${typeName(value)}`,
          );
        }
        acc = cur;
      }
      const start = acc;
      for (const { op, operand } of ops) acc = bitNums(op, acc, operand);
      const v = acc.kind === "int" ? Number(acc.l) : longToValue(acc.l);
      if (!exists) return created(ctx, create as CreateInfo, v);
      if (acc.kind === start.kind && acc.l === start.l) return value;
      return replaced(ctx, v);
    }

    case "$renameSource": {
      const spec = leaf.rename as RenameSpec;
      const src = resolveRename(ctx, spec);
      if (!src || !exists) return exists ? value : MISSING;
      checkIdNotModified(ctx);
      ctx.modified = true;
      return REMOVE;
    }

    case "$rename": {
      const spec = leaf.rename as RenameSpec;
      const src = resolveRename(ctx, spec);
      if (!src) return exists ? value : MISSING;
      checkRenameDestination(ctx, spec, create);
      if (!exists) return created(ctx, create as CreateInfo, src.value);
      return replaced(ctx, src.value);
    }
  }
  return value;
}

/** Runs the tree over the document; returns the new document (the input itself when nothing changed). */
export function applyTree(root: ObjNode, ctx: EngineContext): Document {
  const res = applyObject(root, ctx.doc, ctx, null);
  return res as Document;
}

/** The same for a flat update (top-level fields only, already in application order). */
export function applyFlat(names: string[], leaves: Leaf[], ctx: EngineContext): Document {
  const doc = ctx.doc;
  const rootCreate: CreateInfo = { missingFrom: 0, base: doc, baseName: "" };
  let out: Document | null = null;
  let removed = false;
  const path = ctx.path;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    path.push(name);
    const value = Object.hasOwn(doc, name) ? doc[name] : MISSING;
    const res = applyLeaf(leaves[i], value, ctx, value === MISSING ? rootCreate : null, false);
    path.pop();
    if (Object.is(res, value) || res === MISSING) continue;
    if (out === null) out = shallowCopy(doc);
    if (res === REMOVE) removed = true;
    out[name] = res;
  }
  if (out === null) return doc;
  if (removed) {
    const src: Document = out;
    out = {};
    for (const k of Object.keys(src)) if (src[k] !== REMOVE) out[k] = src[k];
  }
  return out;
}
