/**
 * Parsing of operator-style updates into mongod's update tree (UpdateObjectNode /
 * UpdateArrayNode / leaf nodes), with mongod's parse-time validation and messages.
 *
 * All operators are merged into one tree keyed by path component, so `{$set: {a: 1}, $inc: {a: 1}}`
 * is a conflict, and children are applied in mongod's order (string names lexicographically,
 * numeric names numerically: `cmpPathsAndArrayIndexes`).
 */
import type { Document } from "bson";
import { Query } from "mingo";
import { MongoError } from "../errors.js";
import { compareStrings, compareValues, formatDoc, formatElement, isDocument, typeName } from "./bson-util.js";
import { toIntegral, toNum, type BitOp, type Num } from "./numeric.js";

export type LeafOp =
  | "$set"
  | "$setOnInsert"
  | "$unset"
  | "$inc"
  | "$mul"
  | "$min"
  | "$max"
  | "$currentDate"
  | "$push"
  | "$addToSet"
  | "$pop"
  | "$pull"
  | "$pullAll"
  | "$bit"
  | "$rename"
  | "$renameSource";

export interface RenameSpec {
  from: string;
  fromParts: string[];
  to: string;
}

export type PushSort = { whole: 1 | -1 } | { pattern: [string[], 1 | -1][] };

export interface Leaf {
  t: "leaf";
  op: LeafOp;
  /** The dotted path as written in the update (for messages). */
  path: string;
  value?: unknown;
  num?: Num;
  isDate?: boolean;
  values?: unknown[];
  position?: number;
  slice?: number;
  sort?: PushSort;
  popFront?: boolean;
  matcher?: (el: unknown) => boolean;
  bitOps?: { op: BitOp; operand: { kind: "int" | "long"; l: bigint } }[];
  rename?: RenameSpec;
}

export interface ObjNode {
  t: "obj";
  children: Map<string, UNode>;
  order: string[];
  positional: UNode | null;
}

export interface ArrNode {
  t: "arr";
  /** Keyed by array filter identifier; "" for `$[]`. */
  children: Map<string, UNode>;
  order: string[];
}

export type UNode = ObjNode | ArrNode | Leaf;

export interface ParsedUpdate {
  root: ObjNode;
  /** The update uses the positional `$` operator somewhere. */
  positional: boolean;
  /** Array filter identifiers used, with the first path that used each (for messages). */
  identifiers: Map<string, string>;
  /**
   * Set when every path is a plain top-level field (no dots, no `$`, no $rename): the fields in
   * application order with their leaves, so the engine can skip the tree. `root` is then empty.
   */
  flat: { names: string[]; leaves: Leaf[] } | null;
}

export const UPDATE_OPERATORS: ReadonlySet<string> = new Set([
  "$addToSet",
  "$bit",
  "$currentDate",
  "$inc",
  "$max",
  "$min",
  "$mul",
  "$pop",
  "$pull",
  "$pullAll",
  "$push",
  "$rename",
  "$set",
  "$setOnInsert",
  "$unset",
]);

/** mongod's `pathsupport::cmpPathsAndArrayIndexes` as a sort comparator. */
export function comparePathComponents(a: string, b: string): number {
  const al = a.length;
  const bl = b.length;
  const isDigit = (c: number) => c >= 48 && c <= 57;
  if (
    al === 0 ||
    bl === 0 ||
    !isDigit(a.charCodeAt(0)) ||
    !isDigit(b.charCodeAt(0)) ||
    (a.charCodeAt(0) === 48 && al > 1) ||
    (b.charCodeAt(0) === 48 && bl > 1)
  ) {
    return compareStrings(a, b);
  }
  if (al !== bl) return al - bl;
  for (let i = 0; i < al; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (!isDigit(ca) || !isDigit(cb)) break;
    if (ca !== cb) return ca - cb;
  }
  return compareStrings(a, b);
}

export function newObjNode(): ObjNode {
  return { t: "obj", children: new Map(), order: [], positional: null };
}

function newArrNode(): ArrNode {
  return { t: "arr", children: new Map(), order: [] };
}

/** Sorts children (after parsing or merging). */
export function finalizeNode(node: UNode): void {
  if (node.t === "leaf") return;
  node.order = [...node.children.keys()].sort(comparePathComponents);
  for (const child of node.children.values()) finalizeNode(child);
  if (node.t === "obj" && node.positional) finalizeNode(node.positional);
}

function isArrayFilterIdentifier(part: string): boolean {
  return part.length >= 3 && part.charCodeAt(0) === 36 && part.charCodeAt(1) === 91 && part.charCodeAt(part.length - 1) === 93;
}

function isDynamic(parts: string[]): "positional" | "filter" | undefined {
  for (const p of parts) {
    if (p === "$") return "positional";
    if (isArrayFilterIdentifier(p)) return "filter";
  }
  return undefined;
}

function emptyFieldError(path: string): MongoError {
  if (path === "") return new MongoError("EmptyFieldName", "An empty update path is not valid.");
  return new MongoError("EmptyFieldName", `The update path '${path}' contains an empty field name, which is not allowed.`);
}

/** FieldRef parsing plus `fieldchecker::isUpdatable` and the positional checks. */
function parsePath(path: string): string[] {
  if (path === "") throw emptyFieldError(path);
  if (path.indexOf(".") < 0 && path.charCodeAt(0) !== 36) return [path];
  const parts = path.split(".");
  for (const p of parts) if (p === "") throw emptyFieldError(path);
  let positionalCount = 0;
  let positionalIndex = -1;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "$") {
      if (positionalCount === 0) positionalIndex = i;
      positionalCount++;
    }
  }
  if (positionalCount > 1) {
    throw new MongoError("BadValue", `Too many positional (i.e. '$') elements found in path '${path}'`);
  }
  if (positionalCount === 1 && positionalIndex === 0) {
    throw new MongoError("BadValue", `Cannot have positional (i.e. '$') element in the first position in path '${path}'`);
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Leaf construction (the per-operator `init()` validation)
// ---------------------------------------------------------------------------------------------

function _isNumber(v: unknown): boolean {
  return toNum(v) !== undefined;
}

/** MatchExpressionParser::parseIntegerElementToLong. */
function parseIntegerElement(name: string, v: unknown): { ok: true; value: number } | { ok: false; message: string } {
  const n = toNum(v);
  if (!n) return { ok: false, message: `Expected a number in: ${formatElement(name, v)}` };
  if (n.kind === "int") return { ok: true, value: n.n };
  if (n.kind === "long") return { ok: true, value: Number(n.l) };
  if (n.kind === "double") {
    if (Number.isNaN(n.n)) return { ok: false, message: `Expected an integer, but found NaN in: ${formatElement(name, v)}` };
    if (n.n >= 2 ** 63 || n.n < -(2 ** 63)) {
      return { ok: false, message: `Cannot represent as a 64-bit integer: ${formatElement(name, v)}` };
    }
    if (!Number.isInteger(n.n)) return { ok: false, message: `Expected an integer: ${formatElement(name, v)}` };
    return { ok: true, value: n.n };
  }
  const s = String(v);
  const x = Number(s);
  if (Number.isNaN(x)) return { ok: false, message: `Expected an integer, but found NaN in: ${formatElement(name, v)}` };
  if (!Number.isInteger(x)) return { ok: false, message: `Expected an integer: ${formatElement(name, v)}` };
  return { ok: true, value: x };
}

function dedupe(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) if (!out.some((x) => compareValues(x, v) === 0)) out.push(v);
  return out;
}

const PATH_ACCEPTING_KEYWORDS = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$type",
  "$size",
  "$all",
  "$elemMatch",
  "$regex",
  "$options",
  "$not",
  "$mod",
  "$bitsAllSet",
  "$bitsAllClear",
  "$bitsAnySet",
  "$bitsAnyClear",
  "$geoWithin",
  "$geoIntersects",
  "$near",
  "$nearSphere",
  "$within",
  "$_internalSchemaType",
]);

/** Wraps mingo's errors as mongod's BadValue (query parse errors). */
function compileQuery(filter: Document): Query {
  try {
    return new Query(filter);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /unknown (?:query )?operator:? ['"]?(\$[\w]+)/i.exec(message);
    throw new MongoError("BadValue", m ? `unknown operator: ${m[1]}` : message);
  }
}

function testQuery(q: Query, doc: Document): boolean {
  try {
    return q.test(doc);
  } catch (err) {
    throw new MongoError("BadValue", err instanceof Error ? err.message : String(err));
  }
}

/** The $pull matcher (PullNode::ObjectMatcher / WrappedObjectMatcher / EqualityMatcher). */
export function makePullMatcher(cond: unknown): (el: unknown) => boolean {
  if (isDocument(cond)) {
    const keys = Object.keys(cond);
    const first = keys[0];
    if (first === undefined || !PATH_ACCEPTING_KEYWORDS.has(first)) {
      const q = compileQuery(cond);
      return (el) => isDocument(el) && testQuery(q, el);
    }
    const q = compileQuery({ v: cond });
    return (el) => testQuery(q, { v: el });
  }
  if (cond instanceof RegExp || (cond as { _bsontype?: string } | null)?._bsontype === "BSONRegExp") {
    const q = compileQuery({ v: cond });
    return (el) => testQuery(q, { v: el });
  }
  return (el) => compareValues(el, cond) === 0;
}

function parsePushSort(sort: unknown): PushSort {
  if (isDocument(sort)) {
    const keys = Object.keys(sort);
    if (keys.length === 0) throw new MongoError("BadValue", "The $sort pattern is empty when it should be a set of fields.");
    const pattern: [string[], 1 | -1][] = [];
    for (const k of keys) {
      const n = toNum(sort[k]);
      const dir = n && n.kind !== "decimal" ? Number(n.kind === "long" ? n.l : n.n) : 0;
      if (dir !== 1 && dir !== -1) throw new MongoError("BadValue", "The $sort element value must be either 1 or -1");
      if (k === "") throw new MongoError("BadValue", "The $sort field cannot be empty");
      const parts = k.split(".");
      if (parts.some((p) => p === "")) throw new MongoError("BadValue", `The $sort field is a dotted field but has an empty part: ${k}`);
      pattern.push([parts, dir]);
    }
    return { pattern };
  }
  const n = toNum(sort);
  if (n) {
    const dir = n.kind === "decimal" ? Number(String(sort)) : n.kind === "long" ? Number(n.l) : n.n;
    if (dir === 1 || dir === -1) return { whole: dir };
    throw new MongoError("BadValue", "The $sort element value must be either 1 or -1");
  }
  throw new MongoError("BadValue", "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields");
}

function makeLeaf(op: LeafOp, path: string, arg: unknown): Leaf {
  const leaf: Leaf = {
    t: "leaf",
    op,
    path,
    value: undefined,
    num: undefined,
    isDate: undefined,
    values: undefined,
    position: undefined,
    slice: undefined,
    sort: undefined,
    popFront: undefined,
    matcher: undefined,
    bitOps: undefined,
    rename: undefined,
  };
  switch (op) {
    case "$set":
    case "$setOnInsert":
    case "$min":
    case "$max":
      leaf.value = arg;
      break;
    case "$unset":
      break;
    case "$inc":
    case "$mul": {
      const n = toNum(arg);
      if (!n) {
        throw new MongoError(
          "TypeMismatch",
          `Cannot ${op === "$inc" ? "increment" : "multiply"} with non-numeric argument: {${formatElement(path, arg)}}`,
        );
      }
      leaf.num = n;
      break;
    }
    case "$currentDate": {
      if (typeof arg === "boolean") {
        leaf.isDate = true;
      } else if (isDocument(arg)) {
        let found = false;
        for (const k of Object.keys(arg)) {
          if (k === "$type") {
            const t = arg[k];
            if (t === "date") {
              leaf.isDate = true;
              found = true;
            } else if (t === "timestamp") {
              leaf.isDate = false;
              found = true;
            }
          } else {
            throw new MongoError("BadValue", `Unrecognized $currentDate option: ${k}`);
          }
        }
        if (!found) {
          throw new MongoError(
            "BadValue",
            "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
          );
        }
      } else {
        throw new MongoError(
          "BadValue",
          `${typeName(arg)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      }
      break;
    }
    case "$push": {
      if (isDocument(arg) && Object.hasOwn(arg, "$each")) {
        const valid = new Set(["$each", "$slice", "$sort", "$position"]);
        for (const k of Object.keys(arg)) {
          if (!valid.has(k)) throw new MongoError("BadValue", `Unrecognized clause in $push: ${k}`);
        }
        const each = arg.$each;
        if (!Array.isArray(each)) {
          throw new MongoError("BadValue", `The argument to $each in $push must be an array but it was of type: ${typeName(each)}`);
        }
        leaf.values = each;
        if (Object.hasOwn(arg, "$slice")) {
          const r = parseIntegerElement("$slice", arg.$slice);
          if (!r.ok) {
            throw new MongoError("BadValue", `The value for $slice must be an integer value but was given type: ${typeName(arg.$slice)}`);
          }
          leaf.slice = r.value;
        }
        if (Object.hasOwn(arg, "$sort")) leaf.sort = parsePushSort(arg.$sort);
        if (Object.hasOwn(arg, "$position")) {
          const r = parseIntegerElement("$position", arg.$position);
          if (!r.ok) {
            throw new MongoError("BadValue", `The value for $position must be an integer value, not of type: ${typeName(arg.$position)}`);
          }
          leaf.position = r.value;
        }
      } else {
        leaf.values = [arg];
      }
      break;
    }
    case "$addToSet": {
      let values: unknown[] = [arg];
      if (isDocument(arg)) {
        const keys = Object.keys(arg);
        if (keys[0] === "$each") {
          const each = arg.$each;
          if (!Array.isArray(each)) {
            throw new MongoError(
              "TypeMismatch",
              `The argument to $each in $addToSet must be an array but it was of type ${typeName(each)}`,
            );
          }
          if (keys.length > 1) throw new MongoError("BadValue", `Found unexpected fields after $each in $addToSet: ${formatDoc(arg)}`);
          values = each;
        }
      }
      leaf.values = dedupe(values);
      break;
    }
    case "$pop": {
      const r = parseIntegerElement(path, arg);
      if (!r.ok) throw new MongoError("FailedToParse", r.message);
      if (r.value !== 1 && r.value !== -1) throw new MongoError("FailedToParse", `$pop expects 1 or -1, found: ${r.value}`);
      leaf.popFront = r.value === -1;
      break;
    }
    case "$pull":
      leaf.matcher = makePullMatcher(arg);
      break;
    case "$pullAll": {
      if (!Array.isArray(arg)) throw new MongoError("BadValue", `$pullAll requires an array argument but was given a ${typeName(arg)}`);
      const values = arg;
      leaf.matcher = (el) => values.some((v) => compareValues(el, v) === 0);
      break;
    }
    case "$bit": {
      if (!isDocument(arg)) {
        throw new MongoError(
          "BadValue",
          `The $bit modifier is not compatible with a ${typeName(arg)}. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}`,
        );
      }
      const ops: { op: BitOp; operand: { kind: "int" | "long"; l: bigint } }[] = [];
      for (const k of Object.keys(arg)) {
        if (k !== "and" && k !== "or" && k !== "xor") {
          throw new MongoError(
            "BadValue",
            `The $bit modifier only supports 'and', 'or', and 'xor', not '${k}' which is an unknown operator: {${formatElement(k, arg[k])}}`,
          );
        }
        const operand = toIntegral(arg[k]);
        if (!operand) {
          throw new MongoError(
            "BadValue",
            `The $bit modifier field must be an Integer(32/64 bit); a '${typeName(arg[k])}' is not supported here: {${formatElement(k, arg[k])}}`,
          );
        }
        ops.push({ op: k, operand });
      }
      if (ops.length === 0) {
        throw new MongoError("BadValue", "You must pass in at least one bitwise operation. The format is: {$bit: {field: {and/or/xor: #}}");
      }
      leaf.bitOps = ops;
      break;
    }
    case "$rename":
    case "$renameSource":
      break;
  }
  return leaf;
}

// ---------------------------------------------------------------------------------------------
// Tree construction (UpdateObjectNode::parseAndMerge)
// ---------------------------------------------------------------------------------------------

function conflict(path: string, at: string): MongoError {
  return new MongoError("ConflictingUpdateOperators", `Updating the path '${path}' would create a conflict at '${at}'`);
}

function insertLeaf(root: ObjNode, parts: string[], path: string, leaf: Leaf, identifiers: Map<string, string>): void {
  const childNameOf = (i: number): string => {
    const part = parts[i];
    if (isArrayFilterIdentifier(part)) {
      if (i === 0) {
        throw new MongoError(
          "BadValue",
          `Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`,
        );
      }
      const id = part.slice(2, -1);
      if (id !== "" && !identifiers.has(id)) identifiers.set(id, path);
      return id;
    }
    return part;
  };
  let current: ObjNode | ArrNode = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const name = childNameOf(i);
    const childShouldBeArray = isArrayFilterIdentifier(parts[i + 1]);
    let child: UNode | null | undefined = current.t === "obj" && parts[i] === "$" ? current.positional : current.children.get(name);
    if (child) {
      if ((childShouldBeArray && child.t !== "arr") || (!childShouldBeArray && child.t !== "obj")) {
        throw conflict(path, parts.slice(0, i + 1).join("."));
      }
    } else {
      child = childShouldBeArray ? newArrNode() : newObjNode();
      if (current.t === "obj" && parts[i] === "$") current.positional = child;
      else current.children.set(name, child);
    }
    current = child as ObjNode | ArrNode;
  }
  const last = parts.length - 1;
  const name = childNameOf(last);
  const existing = current.t === "obj" && parts[last] === "$" ? current.positional : current.children.get(name);
  if (existing) throw conflict(path, path);
  if (current.t === "obj" && parts[last] === "$") current.positional = leaf;
  else current.children.set(name, leaf);
}

function modifierTypeError(op: string, arg: unknown): MongoError {
  return new MongoError(
    "FailedToParse",
    `Modifiers operate on fields but we found type ${typeName(arg)} instead. For example: {$mod: {<field>: ...}} not {${formatElement(op, arg)}}`,
  );
}

export function unknownModifierError(op: string): MongoError {
  return new MongoError(
    "FailedToParse",
    `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
  );
}

/**
 * Parses an operator-style update. Array filter identifiers are collected, not resolved: see
 * `checkArrayFilters`.
 */
function isSimpleField(f: string): boolean {
  return f.length > 0 && f.charCodeAt(0) !== 36 && f.indexOf(".") < 0;
}

/** The flat form, when the update only names plain top-level fields (see ParsedUpdate.flat). */
function parseFlat(u: Document): ParsedUpdate | null {
  const ops = Object.keys(u);
  const fieldsOf: string[][] = new Array(ops.length);
  let total = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === "$rename" || !UPDATE_OPERATORS.has(op)) return null;
    const arg = u[op];
    if (!isDocument(arg)) return null;
    const fields = Object.keys(arg);
    for (let j = 0; j < fields.length; j++) if (!isSimpleField(fields[j])) return null;
    fieldsOf[i] = fields;
    total += fields.length;
  }
  const names: string[] = new Array(total);
  const leaves: Leaf[] = new Array(total);
  let n = 0;
  let seen: Set<string> | null = total > 8 ? new Set() : null;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as LeafOp;
    const arg = u[op] as Document;
    const fields = fieldsOf[i];
    for (let j = 0; j < fields.length; j++) {
      const field = fields[j];
      const leaf = makeLeaf(op, field, arg[field]);
      if (seen) {
        if (seen.has(field)) throw conflict(field, field);
        seen.add(field);
      } else {
        for (let k = 0; k < n; k++) if (names[k] === field) throw conflict(field, field);
      }
      names[n] = field;
      leaves[n] = leaf;
      n++;
    }
  }
  if (n > 32) {
    const order = names.map((_, i) => i).sort((a, b) => comparePathComponents(names[a], names[b]));
    const sortedNames = order.map((i) => names[i]);
    const sortedLeaves = order.map((i) => leaves[i]);
    return { root: EMPTY_ROOT, positional: false, identifiers: EMPTY_IDENTIFIERS, flat: { names: sortedNames, leaves: sortedLeaves } };
  }
  if (n > 1) {
    // Insertion sort by mongod's field order (updates name few fields).
    for (let i = 1; i < n; i++) {
      const name = names[i];
      const leaf = leaves[i];
      let j = i - 1;
      while (j >= 0 && comparePathComponents(names[j], name) > 0) {
        names[j + 1] = names[j];
        leaves[j + 1] = leaves[j];
        j--;
      }
      names[j + 1] = name;
      leaves[j + 1] = leaf;
    }
  }
  seen = null;
  return { root: EMPTY_ROOT, positional: false, identifiers: EMPTY_IDENTIFIERS, flat: { names, leaves } };
}

const EMPTY_ROOT: ObjNode = newObjNode();
const EMPTY_IDENTIFIERS: Map<string, string> = new Map();

export function parseModifiers(u: Document): ParsedUpdate {
  const flat = parseFlat(u);
  if (flat) return flat;
  const root = newObjNode();
  const identifiers = new Map<string, string>();
  let positional = false;
  for (const op of Object.keys(u)) {
    if (!UPDATE_OPERATORS.has(op)) throw unknownModifierError(op);
    const arg = u[op];
    if (!isDocument(arg)) throw modifierTypeError(op, arg);
    for (const field of Object.keys(arg)) {
      const value = arg[field];
      if (op === "$rename") {
        // A placeholder at the source path, the rename itself at the target path.
        const fromParts = parsePath(field);
        if (fromParts.includes("$")) positional = true;
        const source = makeLeaf("$renameSource", field, undefined);
        insertLeaf(root, fromParts, field, source, identifiers);
        if (typeof value !== "string") {
          throw new MongoError("BadValue", `The 'to' field for $rename must be a string: ${formatElement(field, value)}`);
        }
        const toParts = parsePath(value);
        if (toParts.includes("$")) positional = true;
        if (value.includes("\0")) throw new MongoError("BadValue", "The 'to' field for $rename cannot contain an embedded null byte");
        const modExpr = formatElement(field, value);
        if (field === value) throw new MongoError("BadValue", `The source and target field for $rename must differ: ${modExpr}`);
        if (value.startsWith(`${field}.`) || field.startsWith(`${value}.`)) {
          throw new MongoError("BadValue", `The source and target field for $rename must not be on the same path: ${modExpr}`);
        }
        if (isDynamic(fromParts)) throw new MongoError("BadValue", `The source field for $rename may not be dynamic: ${field}`);
        if (isDynamic(toParts)) throw new MongoError("BadValue", `The destination field for $rename may not be dynamic: ${value}`);
        const spec: RenameSpec = { from: field, fromParts, to: value };
        source.rename = spec;
        const target = makeLeaf("$rename", value, undefined);
        target.rename = spec;
        insertLeaf(root, toParts, value, target, identifiers);
        continue;
      }
      const parts = parsePath(field);
      if (parts.includes("$")) positional = true;
      const leaf = makeLeaf(op as LeafOp, field, value);
      insertLeaf(root, parts, field, leaf, identifiers);
    }
  }
  finalizeNode(root);
  return { root, positional, identifiers, flat: null };
}

// ---------------------------------------------------------------------------------------------
// Array filters
// ---------------------------------------------------------------------------------------------

export type ArrayFilterMap = Map<string, (el: unknown) => boolean>;

/** Collects the top-level field names (placeholders) of a filter, through $and/$or/$nor. */
function collectPlaceholders(filter: Document, out: string[]): void {
  for (const k of Object.keys(filter)) {
    if (k === "$and" || k === "$or" || k === "$nor") {
      const clauses = filter[k];
      if (Array.isArray(clauses)) for (const c of clauses) if (isDocument(c)) collectPlaceholders(c, out);
    } else if (k.startsWith("$")) {
      // $expr, $where, $comment, ...: no placeholder.
    } else {
      const dot = k.indexOf(".");
      out.push(dot < 0 ? k : k.slice(0, dot));
    }
  }
}

const IDENTIFIER_RE = /^[a-z][a-zA-Z0-9]*$/;

/** ParsedUpdate::parseArrayFilters: validates the filters and builds one matcher per identifier. */
export function compileArrayFilters(filters: readonly unknown[] | undefined): ArrayFilterMap {
  const out: ArrayFilterMap = new Map();
  if (!filters) return out;
  for (const f of filters) {
    if (!isDocument(f)) {
      throw new MongoError("TypeMismatch", `Each array filter must be an object, found: ${typeName(f)}`);
    }
    const names: string[] = [];
    collectPlaceholders(f, names);
    let placeholder: string | undefined;
    for (const n of names) {
      if (placeholder === undefined) placeholder = n;
      else if (n !== placeholder) {
        throw new MongoError(
          "FailedToParse",
          `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${placeholder}' and '${n}'`,
        );
      }
    }
    if (placeholder === undefined) {
      throw new MongoError("FailedToParse", "Cannot use an expression without a top-level field name in arrayFilters");
    }
    if (!IDENTIFIER_RE.test(placeholder)) {
      throw new MongoError(
        "BadValue",
        `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${placeholder}'`,
      );
    }
    if (out.has(placeholder)) {
      throw new MongoError("FailedToParse", `Found multiple array filters with the same top-level field name ${placeholder}`);
    }
    let q: Query;
    try {
      q = compileQuery(f);
    } catch (err) {
      throw new MongoError("BadValue", `Error parsing array filter :: caused by :: ${(err as Error).message}`);
    }
    const name = placeholder;
    out.set(name, (el) => testQuery(q, { [name]: el }));
  }
  return out;
}

/** The identifier checks mongod does while building the tree, and the unused-filter check after. */
export function checkArrayFilters(parsed: ParsedUpdate, filters: ArrayFilterMap, u: Document): void {
  for (const [id, path] of parsed.identifiers) {
    if (!filters.has(id)) throw new MongoError("BadValue", `No array filter found for identifier '${id}' in path '${path}'`);
  }
  const ids = [...filters.keys()].sort(compareStrings);
  for (const id of ids) {
    if (!parsed.identifiers.has(id)) {
      throw new MongoError("FailedToParse", `The array filter for identifier '${id}' was not used in the update ${formatDoc(u)}`);
    }
  }
}
