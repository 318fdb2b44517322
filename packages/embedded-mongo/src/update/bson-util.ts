/**
 * BSON value helpers for the update engine: type names, mongod's BSON ordering
 * (`compareValues`), byte-for-byte equality as mongod's no-op detection sees it
 * (`binaryEqual`), and `BSONElement::toString()`-style formatting for error messages.
 *
 * Values are what `bson.deserialize` returns with default options: JS numbers for int32/double
 * (and for int64 within 2^53), `Long` beyond that, plain objects for documents, plain arrays,
 * `Date`, `RegExp`, and the bson classes (ObjectId, Binary, Decimal128, Timestamp, ...).
 */
import type { Document } from "bson";

/** A field that is absent (distinct from BSON `undefined` and `null`). */
export const MISSING: unique symbol = Symbol("missing");
export type Missing = typeof MISSING;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function isInt32Number(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX && !Object.is(n, -0);
}

/** A BSON embedded document: a plain object (not an array, not a Date/RegExp/bson class). */
export function isDocument(v: unknown): v is Document {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function bsontype(v: unknown): string | undefined {
  return v !== null && typeof v === "object" ? ((v as { _bsontype?: string })._bsontype ?? undefined) : undefined;
}

/** mongod's `typeName()` for a value. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case "number":
      return isInt32Number(v) ? "int" : "double";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "undefined":
      return "undefined";
    case "bigint":
      return "long";
    case "function":
      return "javascript";
    case "symbol":
      return "symbol";
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  if (v instanceof RegExp) return "regex";
  switch (bsontype(v)) {
    case "ObjectId":
    case "ObjectID":
      return "objectId";
    case "Long":
      return "long";
    case "Int32":
      return "int";
    case "Double":
      return "double";
    case "Decimal128":
      return "decimal";
    case "Binary":
      return "binData";
    case "Timestamp":
      return "timestamp";
    case "BSONRegExp":
      return "regex";
    case "MinKey":
      return "minKey";
    case "MaxKey":
      return "maxKey";
    case "Code":
      return (v as { scope?: unknown }).scope ? "javascriptWithScope" : "javascript";
    case "BSONSymbol":
    case "Symbol":
      return "symbol";
    case "DBRef":
      return "object";
    case "DBPointer":
      return "dbPointer";
  }
  if (v instanceof Uint8Array) return "binData";
  return "object";
}

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

/** mongod's canonical type order (`canonicalizeBSONType`). */
export function canonicalTypeRank(v: unknown): number {
  switch (typeof v) {
    case "number":
    case "bigint":
      return 10;
    case "string":
      return 15;
    case "boolean":
      return 40;
    case "undefined":
      return 0;
  }
  if (v === null) return 5;
  if (Array.isArray(v)) return 25;
  if (v instanceof Date) return 45;
  if (v instanceof RegExp) return 50;
  switch (bsontype(v)) {
    case "Long":
    case "Int32":
    case "Double":
    case "Decimal128":
      return 10;
    case "BSONSymbol":
    case "Symbol":
      return 15;
    case "Binary":
      return 30;
    case "ObjectId":
    case "ObjectID":
      return 35;
    case "Timestamp":
      return 47;
    case "BSONRegExp":
      return 50;
    case "DBPointer":
      return 55;
    case "Code":
      return (v as { scope?: unknown }).scope ? 65 : 60;
    case "MinKey":
      return -1;
    case "MaxKey":
      return 127;
    case "DBRef":
      return 20;
  }
  if (v instanceof Uint8Array) return 30;
  return 20;
}

/** Byte-wise (UTF-8) comparison of two strings, as mongod compares field names and strings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      // UTF-16 order equals UTF-8 byte order except between surrogates (non-BMP) and U+E000..U+FFFF.
      if (ca >= 0xd800 && cb >= 0xd800) {
        const ka = ca >= 0xd800 && ca <= 0xdfff ? ca + 0x2000 : ca >= 0xe000 ? ca - 0x800 : ca;
        const kb = cb >= 0xd800 && cb <= 0xdfff ? cb + 0x2000 : cb >= 0xe000 ? cb - 0x800 : cb;
        return ka < kb ? -1 : 1;
      }
      return ca < cb ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

interface DecimalParts {
  kind: "finite" | "nan" | "inf";
  neg: boolean;
  coef: bigint;
  exp: number;
}

/** Splits a Decimal128 into sign, integer coefficient and exponent. */
export function decimalParts(d: { toString(): string }): DecimalParts {
  const s = d.toString();
  if (s === "NaN" || s === "-NaN") return { kind: "nan", neg: false, coef: 0n, exp: 0 };
  if (s === "Infinity") return { kind: "inf", neg: false, coef: 0n, exp: 0 };
  if (s === "-Infinity") return { kind: "inf", neg: true, coef: 0n, exp: 0 };
  let i = 0;
  let neg = false;
  if (s[0] === "-") {
    neg = true;
    i = 1;
  } else if (s[0] === "+") i = 1;
  let ePos = s.indexOf("E", i);
  if (ePos < 0) ePos = s.indexOf("e", i);
  const mant = ePos < 0 ? s.slice(i) : s.slice(i, ePos);
  let exp = ePos < 0 ? 0 : Number(s.slice(ePos + 1));
  const dot = mant.indexOf(".");
  let digits = mant;
  if (dot >= 0) {
    digits = mant.slice(0, dot) + mant.slice(dot + 1);
    exp -= mant.length - dot - 1;
  }
  return { kind: "finite", neg, coef: BigInt(digits === "" ? "0" : digits), exp };
}

function decimalToNumber(d: unknown): number {
  return Number((d as { toString(): string }).toString());
}

function compareFiniteDecimalParts(a: DecimalParts, b: DecimalParts): number {
  const sa = a.coef === 0n ? 0 : a.neg ? -1 : 1;
  const sb = b.coef === 0n ? 0 : b.neg ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const e = Math.min(a.exp, b.exp);
  const ca = a.coef * 10n ** BigInt(a.exp - e);
  const cb = b.coef * 10n ** BigInt(b.exp - e);
  const r = ca < cb ? -1 : ca > cb ? 1 : 0;
  return sa < 0 ? -r : r;
}

function cmpNum(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  // NaN is smaller than every other number and equal to itself.
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an && bn ? 0 : an ? -1 : 1;
}

function toBigIntIfIntegral(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v;
  const t = bsontype(v);
  if (t === "Long") return BigInt((v as { toString(): string }).toString());
  if (t === "Int32") return BigInt((v as { value: number }).value);
  if (t === "Double") {
    const n = (v as { value: number }).value;
    return Number.isInteger(n) ? BigInt(n) : undefined;
  }
  return undefined;
}

function numberOf(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const t = bsontype(v);
  if (t === "Long") return (v as { toNumber(): number }).toNumber();
  if (t === "Int32" || t === "Double") return (v as { value: number }).value;
  if (t === "Decimal128") return decimalToNumber(v);
  return NaN;
}

function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return cmpNum(a, b);
  const ta = bsontype(a);
  const tb = bsontype(b);
  if (ta === "Decimal128" || tb === "Decimal128") {
    const pa = ta === "Decimal128" ? decimalParts(a as object) : undefined;
    const pb = tb === "Decimal128" ? decimalParts(b as object) : undefined;
    if (pa && pb && pa.kind === "finite" && pb.kind === "finite") return compareFiniteDecimalParts(pa, pb);
    return cmpNum(numberOf(a), numberOf(b));
  }
  const ia = toBigIntIfIntegral(a);
  const ib = toBigIntIfIntegral(b);
  if (ia !== undefined && ib !== undefined) return ia < ib ? -1 : ia > ib ? 1 : 0;
  return cmpNum(numberOf(a), numberOf(b));
}

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const b = (v as { buffer?: Uint8Array }).buffer;
  if (b instanceof Uint8Array) {
    const pos = (v as { position?: number }).position;
    return typeof pos === "number" ? b.subarray(0, pos) : b;
  }
  if (typeof (v as { value?: (asRaw: boolean) => unknown }).value === "function") {
    const raw = (v as { value: (asRaw: boolean) => unknown }).value(true);
    if (raw instanceof Uint8Array) return raw;
  }
  return new Uint8Array(0);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function oidBytes(v: unknown): Uint8Array {
  const id = (v as { id?: Uint8Array }).id;
  if (id instanceof Uint8Array) return id;
  return new Uint8Array(Buffer.from(String((v as { toHexString(): string }).toHexString()), "hex"));
}

function timestampParts(v: unknown): [number, number] {
  const t = v as { t?: number; i?: number; high?: number; low?: number };
  if (typeof t.t === "number" && typeof t.i === "number") return [t.t, t.i];
  return [(t.high ?? 0) >>> 0, (t.low ?? 0) >>> 0];
}

/** Entries of a document-like value (plain object or DBRef) in BSON field order. */
function docEntries(v: unknown): [string, unknown][] {
  if (bsontype(v) === "DBRef") {
    const r = v as { collection: string; oid: unknown; db?: string; fields?: Document };
    const e: [string, unknown][] = [
      ["$ref", r.collection],
      ["$id", r.oid],
    ];
    if (r.db) e.push(["$db", r.db]);
    if (r.fields) for (const k of Object.keys(r.fields)) e.push([k, r.fields[k]]);
    return e;
  }
  return Object.entries(v as Document);
}

/**
 * mongod's BSON comparison of two values (`BSONElement::compareElements` without field names):
 * canonical type first, then value. Objects compare field by field (type, name, value), arrays
 * element by element.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ra = canonicalTypeRank(a);
  const rb = canonicalTypeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case -1:
    case 0:
    case 5:
    case 127:
      return 0;
    case 10:
      return compareNumbers(a, b);
    case 15: {
      const sa = typeof a === "string" ? a : String((a as { value?: string }).value ?? a);
      const sb = typeof b === "string" ? b : String((b as { value?: string }).value ?? b);
      return compareStrings(sa, sb);
    }
    case 20:
      return compareDocs(docEntries(a), docEntries(b));
    case 25: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      const n = Math.min(xa.length, xb.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(xa[i], xb[i]);
        if (c !== 0) return c;
      }
      return xa.length < xb.length ? -1 : xa.length > xb.length ? 1 : 0;
    }
    case 30: {
      const ba = bytesOf(a);
      const bb = bytesOf(b);
      if (ba.length !== bb.length) return ba.length < bb.length ? -1 : 1;
      const sta = (a as { sub_type?: number }).sub_type ?? 0;
      const stb = (b as { sub_type?: number }).sub_type ?? 0;
      if (sta !== stb) return sta < stb ? -1 : 1;
      return compareBytes(ba, bb);
    }
    case 35:
      return compareBytes(oidBytes(a), oidBytes(b));
    case 40:
      return a === b ? 0 : a ? 1 : -1;
    case 45: {
      const da = (a as Date).getTime();
      const db = (b as Date).getTime();
      return cmpNum(da, db);
    }
    case 47: {
      const [ta, ia] = timestampParts(a);
      const [tb, ib] = timestampParts(b);
      if (ta !== tb) return ta < tb ? -1 : 1;
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    }
    case 50: {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return compareStrings(pa, pb) || compareStrings(fa, fb);
    }
    default:
      return compareStrings(String(a), String(b));
  }
}

function compareDocs(ea: [string, unknown][], eb: [string, unknown][]): number {
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) {
    const [ka, va] = ea[i];
    const [kb, vb] = eb[i];
    const ra = canonicalTypeRank(va);
    const rb = canonicalTypeRank(vb);
    if (ra !== rb) return ra < rb ? -1 : 1;
    const c = compareStrings(ka, kb);
    if (c !== 0) return c;
    const cv = compareValues(va, vb);
    if (cv !== 0) return cv;
  }
  return ea.length < eb.length ? -1 : ea.length > eb.length ? 1 : 0;
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern?: string; options?: string };
  return [r.pattern ?? "", r.options ?? ""];
}

// ---------------------------------------------------------------------------------------------
// Binary equality (mongod's `binaryEqualValues`: same BSON type and same bytes)
// ---------------------------------------------------------------------------------------------

export function binaryEqual(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "number" || Object.is(a, b);
  if (typeof a === "number" || typeof b === "number") {
    return typeof a === "number" && typeof b === "number" && Object.is(a, b);
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!binaryEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const da = isDocument(a);
  const db = isDocument(b);
  if (da || db) {
    if (!(da && db)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) return false;
      if (!binaryEqual((a as Document)[ka[i]], (b as Document)[kb[i]])) return false;
    }
    return true;
  }
  if (a instanceof Date) return b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (a instanceof RegExp) return b instanceof RegExp && a.source === b.source && a.flags === b.flags;
  const ta = bsontype(a);
  const tb = bsontype(b);
  if (ta !== tb) return false;
  switch (ta) {
    case "ObjectId":
    case "ObjectID":
      return compareBytes(oidBytes(a), oidBytes(b)) === 0;
    case "Long":
    case "Timestamp":
    case "Decimal128":
    case "Int32":
    case "Double":
    case "BSONSymbol":
    case "Symbol":
      if (ta === "Decimal128") return compareBytes(bytesOf(a), bytesOf(b)) === 0;
      if (ta === "Int32" || ta === "Double") return Object.is((a as { value: number }).value, (b as { value: number }).value);
      return (
        String(a) === String(b) &&
        (ta !== "Long" || Boolean((a as { unsigned?: boolean }).unsigned) === Boolean((b as { unsigned?: boolean }).unsigned))
      );
    case "Binary":
      return (
        ((a as { sub_type?: number }).sub_type ?? 0) === ((b as { sub_type?: number }).sub_type ?? 0) &&
        compareBytes(bytesOf(a), bytesOf(b)) === 0
      );
    case "MinKey":
    case "MaxKey":
      return true;
    case "BSONRegExp": {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return pa === pb && fa === fb;
    }
    case "Code":
      return (
        String((a as { code: unknown }).code) === String((b as { code: unknown }).code) &&
        binaryEqual((a as { scope?: unknown }).scope ?? null, (b as { scope?: unknown }).scope ?? null)
      );
    case "DBRef": {
      const ea = docEntries(a);
      const eb = docEntries(b);
      return ea.length === eb.length && ea.every(([k, v], i) => k === eb[i][0] && binaryEqual(v, eb[i][1]));
    }
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b) === 0;
  return compareValues(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------
// Formatting like mongod's BSONElement::toString / BSONObj::toString
// ---------------------------------------------------------------------------------------------

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Number.isInteger(n)) {
    if (Math.abs(n) < 1e16) return `${Object.is(n, -0) ? "-0" : String(n)}.0`;
    return n
      .toExponential()
      .replace(/e\+?(-?)(\d)$/, "e+$10$2")
      .replace(/e\+(\d\d+)$/, "e+$1");
  }
  return String(Number(n.toPrecision(16)));
}

/** The value part of `BSONElement::toString()`. */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case "number":
      return isInt32Number(v) ? String(v) : formatDouble(v);
    case "string":
      return `"${v}"`;
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "undefined";
    case "bigint":
      return String(v);
  }
  if (v === null) return "null";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[ ${v.map((x) => formatValue(x)).join(", ")} ]`;
  }
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
  switch (bsontype(v)) {
    case "ObjectId":
    case "ObjectID":
      return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
    case "Long":
      return String(v);
    case "Int32":
    case "Double":
      return formatValue((v as { value: number }).value);
    case "Decimal128":
      return `NumberDecimal("${String(v)}")`;
    case "Timestamp": {
      const [t, i] = timestampParts(v);
      return `Timestamp(${t}, ${i})`;
    }
    case "Binary": {
      const st = (v as { sub_type?: number }).sub_type ?? 0;
      return `BinData(${st}, ${Buffer.from(bytesOf(v)).toString("hex").toUpperCase()})`;
    }
    case "BSONRegExp": {
      const [p, f] = regexParts(v);
      return `/${p}/${f}`;
    }
    case "MinKey":
      return "MinKey";
    case "MaxKey":
      return "MaxKey";
    case "Code":
      return String((v as { code: unknown }).code);
    case "BSONSymbol":
    case "Symbol":
      return `"${String((v as { value?: string }).value ?? v)}"`;
    case "DBRef":
      return formatDoc(Object.fromEntries(docEntries(v)));
  }
  if (v instanceof Uint8Array) return `BinData(0, ${Buffer.from(v).toString("hex").toUpperCase()})`;
  if (isDocument(v)) return formatDoc(v);
  return String(v);
}

/** `BSONObj::toString()`: `{ a: 1, b: "x" }`, `{}` when empty. */
export function formatDoc(doc: Document): string {
  const keys = Object.keys(doc);
  if (keys.length === 0) return "{}";
  return `{ ${keys.map((k) => `${k}: ${formatValue(doc[k])}`).join(", ")} }`;
}

/** `BSONElement::toString()`: `name: value`. */
export function formatElement(name: string, value: unknown): string {
  return `${name}: ${formatValue(value)}`;
}

/** `_id: <value>` of a document, or `no id`, as mongod's error messages print it. */
export function idElementString(doc: unknown): string {
  if (isDocument(doc) && Object.hasOwn(doc, "_id")) return formatElement("_id", doc._id);
  return "no id";
}

// ---------------------------------------------------------------------------------------------
// Misc
// ---------------------------------------------------------------------------------------------

/** Deep copy of plain objects and arrays; bson values and other leaves are shared. */
export function cloneDocumentTree<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneDocumentTree(x)) as T;
  if (isDocument(v)) {
    const out: Document = {};
    for (const k of Object.keys(v)) out[k] = cloneDocumentTree(v[k]);
    return out as T;
  }
  return v;
}
