/**
 * mongod's SafeNum arithmetic for $inc, $mul and $bit: int32 + int32 widens to int64, int64
 * overflow is an error, anything with a double is a double, anything with a decimal is a decimal
 * (doubles converted with 15 significant digits, as mongod does).
 *
 * JS numbers are classified the way `bson` serializes them: an integer in int32 range is an int,
 * every other number a double. `Long`s are int64. Results that are int64 and fit in 2^53 come back
 * as JS numbers, the shape `bson.deserialize` would give them; larger ones stay `Long`.
 */
import { Decimal128, Long } from "bson";
import { decimalParts, isInt32Number } from "./bson-util.js";

interface DecimalValue {
  kind: "finite" | "nan" | "inf";
  neg: boolean;
  coef: bigint;
  exp: number;
}

export type Num =
  | { kind: "int"; n: number }
  | { kind: "double"; n: number }
  | { kind: "long"; l: bigint }
  | { kind: "decimal"; d: DecimalValue; raw?: unknown };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bsontype(v: unknown): string | undefined {
  return v !== null && typeof v === "object" ? (v as { _bsontype?: string })._bsontype : undefined;
}

/** The numeric view of a value, or undefined when it is not a number. */
export function toNum(v: unknown): Num | undefined {
  if (typeof v === "number") return isInt32Number(v) ? { kind: "int", n: v } : { kind: "double", n: v };
  if (typeof v === "bigint") return { kind: "long", l: v };
  switch (bsontype(v)) {
    case "Long":
      return { kind: "long", l: BigInt.asIntN(64, BigInt((v as Long).toString())) };
    case "Int32":
      return { kind: "int", n: (v as { value: number }).value };
    case "Double":
      return { kind: "double", n: (v as { value: number }).value };
    case "Decimal128":
      return { kind: "decimal", d: decimalParts(v as object), raw: v };
  }
  return undefined;
}

/** An integral view for $bit: int32, or int64 (Long, or a JS integer outside int32 that fits 2^53). */
export function toIntegral(v: unknown): { kind: "int" | "long"; l: bigint } | undefined {
  if (typeof v === "number") {
    if (isInt32Number(v)) return { kind: "int", l: BigInt(v) };
    if (Number.isSafeInteger(v)) return { kind: "long", l: BigInt(v) };
    return undefined;
  }
  const t = bsontype(v);
  if (t === "Long") return { kind: "long", l: BigInt.asIntN(64, BigInt((v as Long).toString())) };
  if (t === "Int32") return { kind: "int", l: BigInt((v as { value: number }).value) };
  return undefined;
}

export function longToValue(l: bigint): number | Long {
  return l >= -SAFE && l <= SAFE ? Number(l) : Long.fromBigInt(l);
}

/** Back to a document value. */
export function fromNum(x: Num): unknown {
  switch (x.kind) {
    case "int":
    case "double":
      return x.n;
    case "long":
      return longToValue(x.l);
    case "decimal":
      return x.raw ?? decimalToBson(x.d);
  }
}

function decimalToBson(d: DecimalValue): Decimal128 {
  if (d.kind === "nan") return Decimal128.fromString("NaN");
  if (d.kind === "inf") return Decimal128.fromString(d.neg ? "-Infinity" : "Infinity");
  return Decimal128.fromString(`${d.neg ? "-" : ""}${d.coef.toString()}E${d.exp}`);
}

function digitsOf(c: bigint): number {
  return c === 0n ? 1 : c.toString().length;
}

function roundDecimal(neg: boolean, coef: bigint, exp: number): DecimalValue {
  let c = coef < 0n ? -coef : coef;
  let e = exp;
  const roundBy = (k: number) => {
    const p = 10n ** BigInt(k);
    let q = c / p;
    const r = c % p;
    const half = p / 2n;
    if (r > half || (r === half && q % 2n === 1n)) q += 1n;
    c = q;
    e += k;
  };
  const extra = digitsOf(c) - 34;
  if (extra > 0) {
    roundBy(extra);
    if (digitsOf(c) > 34) {
      c /= 10n;
      e += 1;
    }
  }
  if (e < -6176) {
    roundBy(-6176 - e);
  }
  if (e > 6111) {
    const shift = e - 6111;
    if (c === 0n) e = 6111;
    else if (digitsOf(c) + shift <= 34) {
      c *= 10n ** BigInt(shift);
      e = 6111;
    } else return { kind: "inf", neg, coef: 0n, exp: 0 };
  }
  return { kind: "finite", neg, coef: c, exp: e };
}

function toDecimal(x: Num): DecimalValue {
  switch (x.kind) {
    case "decimal":
      return x.d;
    case "int":
      return { kind: "finite", neg: x.n < 0, coef: BigInt(Math.abs(x.n)), exp: 0 };
    case "long":
      return { kind: "finite", neg: x.l < 0n, coef: x.l < 0n ? -x.l : x.l, exp: 0 };
    case "double": {
      const n = x.n;
      if (Number.isNaN(n)) return { kind: "nan", neg: false, coef: 0n, exp: 0 };
      if (!Number.isFinite(n)) return { kind: "inf", neg: n < 0, coef: 0n, exp: 0 };
      // mongod: Decimal128(double, kRoundTo15Digits).
      const p = decimalParts({ toString: () => n.toPrecision(15) });
      return { kind: "finite", neg: p.neg, coef: p.coef, exp: p.exp };
    }
  }
}

function decimalAdd(a: DecimalValue, b: DecimalValue): DecimalValue {
  if (a.kind === "nan" || b.kind === "nan") return { kind: "nan", neg: false, coef: 0n, exp: 0 };
  if (a.kind === "inf" || b.kind === "inf") {
    if (a.kind === "inf" && b.kind === "inf" && a.neg !== b.neg) return { kind: "nan", neg: false, coef: 0n, exp: 0 };
    return a.kind === "inf" ? a : b;
  }
  const e = Math.min(a.exp, b.exp);
  const ca = (a.neg ? -a.coef : a.coef) * 10n ** BigInt(a.exp - e);
  const cb = (b.neg ? -b.coef : b.coef) * 10n ** BigInt(b.exp - e);
  const sum = ca + cb;
  const neg = sum < 0n || (sum === 0n && a.neg && b.neg);
  return roundDecimal(neg, sum, e);
}

function decimalMul(a: DecimalValue, b: DecimalValue): DecimalValue {
  const neg = a.neg !== b.neg;
  if (a.kind === "nan" || b.kind === "nan") return { kind: "nan", neg: false, coef: 0n, exp: 0 };
  if (a.kind === "inf" || b.kind === "inf") {
    const other = a.kind === "inf" ? b : a;
    if (other.kind === "finite" && other.coef === 0n) return { kind: "nan", neg: false, coef: 0n, exp: 0 };
    return { kind: "inf", neg, coef: 0n, exp: 0 };
  }
  return roundDecimal(neg, a.coef * b.coef, a.exp + b.exp);
}

function asDouble(x: Num): number {
  switch (x.kind) {
    case "int":
    case "double":
      return x.n;
    case "long":
      return Number(x.l);
    case "decimal":
      return Number(decimalToBson(x.d).toString());
  }
}

function asBig(x: Num): bigint {
  if (x.kind === "long") return x.l;
  if (x.kind === "int") return BigInt(x.n);
  throw new Error("not integral");
}

/** `a + b`, or undefined when the int64 result overflows. */
export function addNums(a: Num, b: Num): Num | undefined {
  if (a.kind === "decimal" || b.kind === "decimal") return { kind: "decimal", d: decimalAdd(toDecimal(a), toDecimal(b)) };
  if (a.kind === "double" || b.kind === "double") return { kind: "double", n: asDouble(a) + asDouble(b) };
  if (a.kind === "int" && b.kind === "int") {
    const r = a.n + b.n;
    return isInt32Number(r) || r === 0 ? { kind: "int", n: r === 0 ? 0 : r } : { kind: "long", l: BigInt(r) };
  }
  const r = asBig(a) + asBig(b);
  return r < INT64_MIN || r > INT64_MAX ? undefined : { kind: "long", l: r };
}

/** `a * b`, or undefined when the int64 result overflows. */
export function mulNums(a: Num, b: Num): Num | undefined {
  if (a.kind === "decimal" || b.kind === "decimal") return { kind: "decimal", d: decimalMul(toDecimal(a), toDecimal(b)) };
  if (a.kind === "double" || b.kind === "double") return { kind: "double", n: asDouble(a) * asDouble(b) };
  const r = asBig(a) * asBig(b);
  if (a.kind === "int" && b.kind === "int") {
    return r >= -2147483648n && r <= 2147483647n ? { kind: "int", n: Number(r) } : { kind: "long", l: r };
  }
  return r < INT64_MIN || r > INT64_MAX ? undefined : { kind: "long", l: r };
}

/** SafeNum::isIdentical: same type and equal value. */
export function identicalNums(a: Num, b: Num): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "int":
    case "double":
      return a.n === (b as { n: number }).n;
    case "long":
      return a.l === (b as { l: bigint }).l;
    case "decimal": {
      const x = a.d;
      const y = (b as { d: DecimalValue }).d;
      if (x.kind !== "finite" || y.kind !== "finite") return x.kind === y.kind && x.kind === "inf" && x.neg === y.neg;
      if (x.coef === 0n && y.coef === 0n) return true;
      if (x.neg !== y.neg) return false;
      const e = Math.min(x.exp, y.exp);
      return x.coef * 10n ** BigInt(x.exp - e) === y.coef * 10n ** BigInt(y.exp - e);
    }
  }
}

/** SafeNum::debugString, e.g. `(NumberLong)9223372036854775807`. */
export function debugNum(x: Num): string {
  switch (x.kind) {
    case "int":
      return `(NumberInt)${x.n}`;
    case "long":
      return `(NumberLong)${x.l}`;
    case "double":
      return `(NumberDouble)${x.n}`;
    case "decimal":
      return `(NumberDecimal)${String(fromNum(x))}`;
  }
}

export type BitOp = "and" | "or" | "xor";

/** One $bit step on int32/int64 operands; int32 op int32 stays int32. */
export function bitNums(
  op: BitOp,
  a: { kind: "int" | "long"; l: bigint },
  b: { kind: "int" | "long"; l: bigint },
): { kind: "int" | "long"; l: bigint } {
  const r = op === "and" ? a.l & b.l : op === "or" ? a.l | b.l : a.l ^ b.l;
  const kind = a.kind === "int" && b.kind === "int" ? "int" : "long";
  return { kind, l: kind === "int" ? BigInt.asIntN(32, r) : BigInt.asIntN(64, r) };
}
