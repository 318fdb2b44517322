/**
 * Order-preserving string encoding of BSON values.
 *
 * `encodeValue(a) < encodeValue(b)` (plain JS string comparison) exactly when MongoDB orders a before b
 * (type brackets MinKey < null < numbers < strings < objects < arrays < BinData < ObjectId < bool < Date
 * < Timestamp < RegExp < MaxKey; numbers compare by value across int/long/double). Equal values encode
 * equally (1, 1.0 and Long(1) give one key), so the encoding serves as `_id` identity, unique-index key
 * and index range bound alike. Every encoding is prefix-free, so components can be concatenated for
 * compound keys and complemented for descending fields.
 *
 * Encodings contain no surrogate code units, so they round-trip through SQLite TEXT.
 */
import {
  type Binary,
  type BSONRegExp,
  type BSONSymbol,
  type Decimal128,
  type Double,
  type Int32,
  Long,
  MaxKey,
  MinKey,
  type ObjectId,
  type Timestamp,
} from "bson";

export const Tag = {
  End: "\x00",
  MinKey: "\x01",
  Null: "\x05",
  Number: "\x0a",
  String: "\x0f",
  Object: "\x14",
  Array: "\x19",
  BinData: "\x1e",
  ObjectId: "\x23",
  Boolean: "\x28",
  Date: "\x2d",
  Timestamp: "\x32",
  RegExp: "\x37",
  MaxKey: "\x3c",
} as const;

/** Sorts after every encoding that starts with the same type tag: the upper end of a type bracket. */
export const BRACKET_END = "\x7f";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/** IEEE-754 bits made unsigned-comparable: flip the sign bit of positives, every bit of negatives. */
function orderedDouble(x: number): string {
  if (Number.isNaN(x)) return "0000000000000000"; // NaN sorts below every number, as in MongoDB
  f64[0] = x === 0 ? 0 : x; // -0 equals 0
  let hi = littleEndian ? u32[1] : u32[0];
  let lo = littleEndian ? u32[0] : u32[1];
  if (hi & 0x80000000) {
    hi = ~hi;
    lo = ~lo;
  } else {
    hi = hi | 0x80000000;
  }
  return hex8(hi) + hex8(lo);
}

/** Numbers beyond 2^53 cannot be told apart as doubles: a 4-digit signed remainder keeps them exact. */
const EXACT = "8000";

function numberBody(x: number): string {
  return orderedDouble(x) + EXACT;
}

function longBody(v: Long): string {
  const big = v.toBigInt();
  const approx = Number(big);
  if (!Number.isFinite(approx)) return orderedDouble(approx) + EXACT;
  const diff = Number(big - BigInt(approx));
  return orderedDouble(approx) + (diff + 0x8000).toString(16).padStart(4, "0");
}

/** 0x00 and 0x01 are escaped so that the 0x00 terminator sorts below every continuation. */
function escapeString(s: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 1) {
      out += s.slice(start, i) + (c === 0 ? "\x01\x01" : "\x01\x02");
      start = i + 1;
    }
  }
  return `${start === 0 ? s : out + s.slice(start)}\x00`;
}

function bytesHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** The type tag followed by the self-delimiting body. */
export function encodeValue(v: unknown): string {
  if (v === null || v === undefined) return Tag.Null;
  switch (typeof v) {
    case "number":
      return Tag.Number + numberBody(v);
    case "string":
      return Tag.String + escapeString(v);
    case "boolean":
      return Tag.Boolean + (v ? "1" : "0");
    case "bigint":
      return Tag.Number + longBody(Long.fromBigInt(v));
    case "object":
      return encodeObjectLike(v as object);
    default:
      throw new TypeError(`cannot encode a value of type ${typeof v}`);
  }
}

function encodeObjectLike(v: object): string {
  if (Array.isArray(v)) {
    let out = Tag.Array;
    for (const el of v) out += encodeValue(el);
    return out + Tag.End;
  }
  if (v instanceof Date) return Tag.Date + orderedDouble(v.getTime());
  if (v instanceof RegExp) return Tag.RegExp + escapeString(v.source) + escapeString(v.flags);
  const bsontype = (v as { _bsontype?: string })._bsontype;
  switch (bsontype) {
    case undefined:
      break;
    case "ObjectId":
      return Tag.ObjectId + (v as ObjectId).toHexString();
    case "Long":
      return Tag.Number + longBody(v as Long);
    case "Int32":
    case "Double":
      return Tag.Number + numberBody((v as Int32 | Double).valueOf());
    case "Decimal128":
      // Decimal128 ranks by its double approximation: exact for the values services store (money is not kept here).
      return Tag.Number + numberBody(Number.parseFloat((v as Decimal128).toString()));
    case "Binary": {
      const b = v as Binary;
      const bytes = b.buffer.subarray(0, b.position);
      // MongoDB orders BinData by length, then subtype, then bytes.
      return Tag.BinData + hex8(bytes.length) + b.sub_type.toString(16).padStart(2, "0") + bytesHex(bytes);
    }
    case "Timestamp": {
      const t = v as Timestamp;
      return Tag.Timestamp + hex8(t.high) + hex8(t.low);
    }
    case "BSONRegExp": {
      const r = v as BSONRegExp;
      return Tag.RegExp + escapeString(r.pattern) + escapeString(r.options);
    }
    case "BSONSymbol":
      return Tag.String + escapeString((v as BSONSymbol).valueOf());
    case "MinKey":
      return Tag.MinKey;
    case "MaxKey":
      return Tag.MaxKey;
    default:
      throw new TypeError(`cannot encode BSON type ${bsontype}`);
  }
  if (v instanceof Uint8Array) {
    return `${Tag.BinData + hex8(v.length)}00${bytesHex(v)}`;
  }
  // Embedded document: per field, the value's type bracket first, then the name, then the value (MongoDB's order).
  let out = Tag.Object;
  for (const [name, value] of Object.entries(v)) {
    if (value === undefined) continue;
    const enc = encodeValue(value);
    out += enc[0] + escapeString(name) + enc.slice(1);
  }
  return out + Tag.End;
}

/** Reverses the order of a prefix-free encoding, for descending index fields. */
export function complement(encoded: string): string {
  let out = "";
  for (let i = 0; i < encoded.length; i++) out += String.fromCharCode(0xffff - encoded.charCodeAt(i));
  return out;
}

/** The `_id` identity key of a document. */
export function idKey(id: unknown): string {
  return encodeValue(id);
}

export { MinKey, MaxKey };
