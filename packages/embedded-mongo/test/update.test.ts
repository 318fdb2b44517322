import { Binary, Decimal128, Long, ObjectId, Timestamp, type Document } from "bson";
import { describe, expect, it } from "vitest";
import { MongoError } from "../src/errors.js";
import { applyUpdate, buildUpsertDocument, classifyUpdate, upsertSeed, validateUpdate, type ApplyOptions } from "../src/update/apply.js";

const NOW = new Date("2024-05-06T07:08:09.010Z");

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Applies `u` to a frozen copy of `doc` and returns the result. */
function run(doc: Document, u: Document | Document[], opts: Partial<ApplyOptions> = {}) {
  return applyUpdate(deepFreeze(doc), deepFreeze(u), { now: NOW, ...opts });
}

function upd(doc: Document, u: Document | Document[], opts: Partial<ApplyOptions> = {}): Document {
  return run(doc, u, opts).doc;
}

function fail(fn: () => unknown): MongoError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MongoError);
    return err as MongoError;
  }
  throw new Error("expected an error");
}

function expectError(fn: () => unknown, code: number, codeName: string, message?: string | RegExp): MongoError {
  const err = fail(fn);
  expect({ code: err.code, codeName: err.codeName }).toEqual({ code, codeName });
  if (typeof message === "string") expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  return err;
}

function updErr(
  doc: Document,
  u: Document | Document[],
  code: number,
  codeName: string,
  message?: string | RegExp,
  opts: Partial<ApplyOptions> = {},
) {
  return expectError(() => run(doc, u, opts), code, codeName, message);
}

const keys = (d: Document) => Object.keys(d);

describe("classifyUpdate", () => {
  it("recognizes the three kinds", () => {
    expect(classifyUpdate({ $set: { a: 1 } })).toBe("operators");
    expect(classifyUpdate({ a: 1 })).toBe("replacement");
    expect(classifyUpdate({})).toBe("replacement");
    expect(classifyUpdate([{ $set: { a: 1 } }])).toBe("pipeline");
    expect(classifyUpdate([])).toBe("pipeline");
  });

  it("rejects unknown operators and operators mixed with fields (FailedToParse)", () => {
    expectError(
      () => classifyUpdate({ $foo: { a: 1 } }),
      9,
      "FailedToParse",
      "Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array",
    );
    expectError(
      () => classifyUpdate({ $set: { a: 1 }, b: 2 }),
      9,
      "FailedToParse",
      "Unknown modifier: b. Expected a valid update modifier or pipeline-style update specified as an array",
    );
    expectError(() => classifyUpdate({ $pushAll: { a: [1] } }), 9, "FailedToParse", /Unknown modifier: \$pushAll/);
  });

  it("rejects an operator whose argument is not a document", () => {
    expectError(
      () => classifyUpdate({ $set: 5 }),
      9,
      "FailedToParse",
      "Modifiers operate on fields but we found type int instead. For example: {$mod: {<field>: ...}} not {$set: 5}",
    );
    expectError(() => classifyUpdate({ $unset: "a" }), 9, "FailedToParse", /found type string instead/);
  });

  it("accepts an empty operator document (a no-op since MongoDB 5.0)", () => {
    expect(classifyUpdate({ $set: {} })).toBe("operators");
    const r = run({ _id: 1, a: 1 }, { $set: {}, $unset: {} });
    expect(r.modified).toBe(false);
    expect(r.doc).toEqual({ _id: 1, a: 1 });
  });

  it("refuses $-prefixed top-level fields in a replacement (DollarPrefixedFieldName)", () => {
    expectError(
      () => classifyUpdate({ a: 1, $set: { b: 1 } }),
      52,
      "DollarPrefixedFieldName",
      "The dollar ($) prefixed field '$set' in '$set' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.",
    );
    // Nested $-fields and a well-formed DBRef are allowed.
    expect(classifyUpdate({ a: { $x: 1 } })).toBe("replacement");
    expect(classifyUpdate({ a: 1, $ref: "c", $id: 1 })).toBe("replacement");
  });

  it("refuses pipeline stages other than the update stages", () => {
    expectError(() => classifyUpdate([{ $match: { a: 1 } }]), 72, "InvalidOptions", "$match is not allowed to be used within an update");
    expectError(
      () => classifyUpdate([{ $set: { a: 1 } }, { $group: { _id: null } }]),
      72,
      "InvalidOptions",
      "$group is not allowed to be used within an update",
    );
    expectError(() => classifyUpdate([{ $lookup: {} }]), 72, "InvalidOptions", /\$lookup is not allowed/);
    expectError(() => classifyUpdate([{ $nope: {} }]), 40324, "Location40324", "Unrecognized pipeline stage name: '$nope'");
    expectError(() => classifyUpdate([{ $set: {}, $unset: "a" }]), 40323, "Location40323", /exactly one field/);
    expectError(() => classifyUpdate([5 as unknown as Document]), 14, "TypeMismatch");
    for (const s of ["$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"]) {
      expect(classifyUpdate([{ [s]: s === "$unset" ? "a" : {} }])).toBe("pipeline");
    }
  });

  it("rejects a non-document, non-array update", () => {
    expectError(() => classifyUpdate(5), 9, "FailedToParse", "Update argument must be either an object or an array");
    expectError(() => classifyUpdate(null), 9, "FailedToParse");
  });

  it("reports parse errors even without a document to apply to", () => {
    expectError(() => classifyUpdate({ $set: { a: 1 }, $inc: { a: 1 } }), 40, "ConflictingUpdateOperators");
    expectError(() => classifyUpdate({ $inc: { a: "x" } }), 14, "TypeMismatch");
  });
});

describe("field order", () => {
  it("keeps existing fields in place and appends new ones", () => {
    const d = upd({ _id: 1, a: 1, b: 2, c: 3 }, { $set: { b: 20, d: 4 } });
    expect(d).toEqual({ _id: 1, a: 1, b: 20, c: 3, d: 4 });
    expect(keys(d)).toEqual(["_id", "a", "b", "c", "d"]);
  });

  it("appends several new fields in lexicographic order of name, across operators", () => {
    const d = upd({ _id: 1 }, { $set: { z: 1, b: 1, m: 1 }, $inc: { c: 1, a: 1 } });
    expect(keys(d)).toEqual(["_id", "a", "b", "c", "m", "z"]);
  });

  it("creates nested documents with their fields in lexicographic order", () => {
    const d = upd({ _id: 1 }, { $set: { "x.c": 1, "x.a": 2, w: 0, "x.b": 3 } });
    expect(d).toEqual({ _id: 1, w: 0, x: { a: 2, b: 3, c: 1 } });
    expect(keys(d)).toEqual(["_id", "w", "x"]);
    expect(keys(d.x)).toEqual(["a", "b", "c"]);
  });

  it("processes numeric path components in numeric order (a.2 before a.10)", () => {
    const d = upd({ _id: 1, a: [] }, { $set: { "a.10": "ten", "a.2": "two" } });
    expect(d.a).toHaveLength(11);
    expect(d.a[2]).toBe("two");
    expect(d.a[10]).toBe("ten");
    expect(d.a[3]).toBeNull();
  });

  it("keeps _id first, also when the upserted _id comes from the update", () => {
    const d = buildUpsertDocument({ a: 1 }, { $set: { _id: 5, b: 2 } }, { now: NOW });
    expect(keys(d)).toEqual(["_id", "a", "b"]);
    expect(d._id).toBe(5);
  });

  it("sorts upper case before lower case (byte order)", () => {
    expect(keys(upd({ _id: 1 }, { $set: { b: 1, B: 1, a: 1, A: 1 } }))).toEqual(["_id", "A", "B", "a", "b"]);
  });
});

describe("input immutability and structural sharing", () => {
  it("never mutates the input and shares untouched subtrees", () => {
    const doc = deepFreeze({ _id: 1, keep: { deep: [1, { x: 1 }] }, change: { y: 1, z: [1] } });
    const r = applyUpdate(doc, { $set: { "change.y": 2 }, $push: { "change.z": 2 } }, { now: NOW });
    expect(r.doc).toEqual({ _id: 1, keep: { deep: [1, { x: 1 }] }, change: { y: 2, z: [1, 2] } });
    expect(r.doc).not.toBe(doc);
    expect(r.doc.keep).toBe(doc.keep);
    expect(doc).toEqual({ _id: 1, keep: { deep: [1, { x: 1 }] }, change: { y: 1, z: [1] } });
  });

  it("returns the input itself when nothing changed", () => {
    const doc = deepFreeze({ _id: 1, a: 1 });
    const r = applyUpdate(doc, { $set: { a: 1 } }, { now: NOW });
    expect(r.modified).toBe(false);
    expect(r.doc).toBe(doc);
  });

  it("does not mutate the input in pipeline updates (nested $set/$unset)", () => {
    const doc = deepFreeze({ _id: 1, b: { c: 2 } });
    const r = applyUpdate(doc, [{ $set: { "b.d": 3 } }, { $unset: "b.c" }], { now: NOW });
    expect(r.doc).toEqual({ _id: 1, b: { d: 3 } });
    expect(doc).toEqual({ _id: 1, b: { c: 2 } });
  });
});

describe("$set", () => {
  it("sets top-level and nested fields", () => {
    expect(upd({ _id: 1, a: { b: 1 } }, { $set: { "a.b": 2, "a.c": 3, d: [1] } })).toEqual({ _id: 1, a: { b: 2, c: 3 }, d: [1] });
  });

  it("is a no-op for the same value (modified false)", () => {
    expect(run({ _id: 1, a: 1, b: { c: [1, 2] } }, { $set: { a: 1, b: { c: [1, 2] } } }).modified).toBe(false);
    expect(run({ _id: 1, d: new Date(5) }, { $set: { d: new Date(5) } }).modified).toBe(false);
  });

  it("counts a change of field order or of -0/0 as a modification", () => {
    expect(run({ _id: 1, a: { x: 1, y: 2 } }, { $set: { a: { y: 2, x: 1 } } }).modified).toBe(true);
    const r = run({ _id: 1, a: 0 }, { $set: { a: -0 } });
    expect(r.modified).toBe(true);
    expect(Object.is(r.doc.a, -0)).toBe(true);
  });

  it("sets a numeric path on an array, padding with nulls", () => {
    expect(upd({ _id: 1, a: [1, 2] }, { $set: { "a.3": 9 } })).toEqual({ _id: 1, a: [1, 2, null, 9] });
    expect(upd({ _id: 1, a: [1, 2] }, { $set: { "a.0": 9 } })).toEqual({ _id: 1, a: [9, 2] });
    expect(upd({ _id: 1, a: [{ b: 1 }] }, { $set: { "a.0.c": 2, "a.2.d": 3 } })).toEqual({
      _id: 1,
      a: [{ b: 1, c: 2 }, null, { d: 3 }],
    });
  });

  it("treats a numeric component on a document as a field name", () => {
    expect(upd({ _id: 1, a: {} }, { $set: { "a.0": 1 } })).toEqual({ _id: 1, a: { "0": 1 } });
  });

  it("refuses to create a field inside a non-document (PathNotViable)", () => {
    updErr({ _id: 1, a: 5 }, { $set: { "a.b": 1 } }, 28, "PathNotViable", "Cannot create field 'b' in element {a: 5}");
    updErr({ _id: 1, a: 5 }, { $set: { "a.b.c": 1 } }, 28, "PathNotViable", "Cannot create field 'b' in element {a: 5}");
    updErr({ _id: 1, a: [1, 2] }, { $set: { "a.b": 1 } }, 28, "PathNotViable", "Cannot create field 'b' in element {a: [ 1, 2 ]}");
    updErr({ _id: 1, a: { b: "x" } }, { $set: { "a.b.c": 1 } }, 28, "PathNotViable", "Cannot create field 'c' in element {b: \"x\"}");
  });

  it("refuses to set _id to another value (ImmutableField) but allows the same value", () => {
    updErr(
      { _id: 1, a: 1 },
      { $set: { _id: 2 } },
      66,
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
    updErr(
      { _id: { x: 1 } },
      { $set: { "_id.x": 2 } },
      66,
      "ImmutableField",
      "Performing an update on the path '_id.x' would modify the immutable field '_id'",
    );
    updErr({ _id: { x: 1 } }, { $set: { "_id.y": 2 } }, 66, "ImmutableField", /would modify the immutable field '_id'/);
    expect(run({ _id: 1, a: 1 }, { $set: { _id: 1 } }).modified).toBe(false);
  });

  it("refuses a new $-prefixed top-level field", () => {
    updErr({ _id: 1 }, { $set: { $x: 1 } }, 52, "DollarPrefixedFieldName", /The dollar \(\$\) prefixed field '\$x' in '\$x'/);
    expect(upd({ _id: 1 }, { $set: { "a.$x": 1 } })).toEqual({ _id: 1, a: { $x: 1 } });
  });

  it("validates paths: empty components and positional placement", () => {
    updErr({ _id: 1 }, { $set: { "": 1 } }, 56, "EmptyFieldName", "An empty update path is not valid.");
    updErr(
      { _id: 1 },
      { $set: { "a..b": 1 } },
      56,
      "EmptyFieldName",
      "The update path 'a..b' contains an empty field name, which is not allowed.",
    );
    updErr(
      { _id: 1 },
      { $set: { "a.": 1 } },
      56,
      "EmptyFieldName",
      "The update path 'a.' contains an empty field name, which is not allowed.",
    );
    updErr(
      { _id: 1 },
      { $set: { "$.a": 1 } },
      2,
      "BadValue",
      "Cannot have positional (i.e. '$') element in the first position in path '$.a'",
    );
    updErr({ _id: 1 }, { $set: { "a.$.b.$": 1 } }, 2, "BadValue", "Too many positional (i.e. '$') elements found in path 'a.$.b.$'");
    updErr({ _id: 1 }, { $set: { "$[].a": 1 } }, 2, "BadValue", /array filter identifier .* in the first position in path '\$\[\]\.a'/);
  });
});

describe("conflicts", () => {
  it("rejects the same path twice or a path and its prefix (ConflictingUpdateOperators)", () => {
    updErr(
      { _id: 1 },
      { $set: { a: 1 }, $inc: { a: 1 } },
      40,
      "ConflictingUpdateOperators",
      "Updating the path 'a' would create a conflict at 'a'",
    );
    updErr(
      { _id: 1 },
      { $set: { a: 1, "a.b": 1 } },
      40,
      "ConflictingUpdateOperators",
      "Updating the path 'a.b' would create a conflict at 'a'",
    );
    updErr(
      { _id: 1 },
      { $set: { "a.b": 1 }, $unset: { a: 1 } },
      40,
      "ConflictingUpdateOperators",
      "Updating the path 'a' would create a conflict at 'a'",
    );
    updErr(
      { _id: 1 },
      { $set: { "a.b.c": 1 }, $inc: { "a.b": 1 } },
      40,
      "ConflictingUpdateOperators",
      "Updating the path 'a.b' would create a conflict at 'a.b'",
    );
    updErr(
      { _id: 1 },
      { $set: { "a.$[]": 1, "a.b": 1 } },
      40,
      "ConflictingUpdateOperators",
      "Updating the path 'a.b' would create a conflict at 'a'",
    );
  });

  it("allows sibling paths", () => {
    expect(upd({ _id: 1, a: { b: 1 } }, { $set: { "a.b": 2 }, $inc: { "a.c": 1 } })).toEqual({ _id: 1, a: { b: 2, c: 1 } });
  });

  it("detects a conflict created at run time between positional and explicit paths", () => {
    updErr(
      { _id: 1, a: [1, 2] },
      { $set: { "a.$": 5, "a.0": 6 } },
      40,
      "ConflictingUpdateOperators",
      "Update created a conflict at 'a.0'",
      {
        query: { a: 1 },
      },
    );
  });

  it("detects two array filters updating the same element", () => {
    updErr(
      { _id: 1, a: [1, 2] },
      { $set: { "a.$[x]": 0, "a.$[y]": 0 } },
      40,
      "ConflictingUpdateOperators",
      "Update created a conflict at 'a.0'",
      { arrayFilters: [{ x: 1 }, { y: { $lt: 2 } }] },
    );
  });
});

describe("$unset", () => {
  it("removes fields, nested fields; missing fields are a no-op", () => {
    expect(upd({ _id: 1, a: 1, b: { c: 1, d: 2 } }, { $unset: { a: "", "b.c": 1, zz: 1 } })).toEqual({ _id: 1, b: { d: 2 } });
    expect(run({ _id: 1 }, { $unset: { a: 1, "b.c": 1 } }).modified).toBe(false);
    expect(run({ _id: 1, a: 5 }, { $unset: { "a.b": 1 } }).modified).toBe(false);
  });

  it("sets an array element to null instead of removing it", () => {
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $unset: { "a.1": 1 } })).toEqual({ _id: 1, a: [1, null, 3] });
  });

  it("keeps the order of the remaining fields", () => {
    expect(keys(upd({ _id: 1, a: 1, b: 2, c: 3 }, { $unset: { b: 1 }, $set: { d: 4 } }))).toEqual(["_id", "a", "c", "d"]);
  });

  it("cannot remove _id", () => {
    updErr(
      { _id: 1, a: 1 },
      { $unset: { _id: 1 } },
      66,
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  });
});

describe("$inc and $mul", () => {
  it("increments and multiplies", () => {
    expect(upd({ _id: 1, a: 1, b: 2.5, c: 3 }, { $inc: { a: 2, b: 0.5 }, $mul: { c: 4 } })).toEqual({ _id: 1, a: 3, b: 3, c: 12 });
  });

  it("creates a missing field: $inc with the argument, $mul with zero", () => {
    expect(upd({ _id: 1 }, { $inc: { a: 5, "n.x": -1 }, $mul: { b: 7 } })).toEqual({ _id: 1, a: 5, b: 0, n: { x: -1 } });
  });

  it("is a no-op when the value does not change", () => {
    expect(run({ _id: 1, a: 5 }, { $inc: { a: 0 } }).modified).toBe(false);
    expect(run({ _id: 1, a: 5 }, { $mul: { a: 1 } }).modified).toBe(false);
  });

  it("refuses a non-numeric field (TypeMismatch) with mongod's message", () => {
    updErr(
      { _id: 1, a: "x" },
      { $inc: { a: 1 } },
      14,
      "TypeMismatch",
      "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string",
    );
    updErr(
      { _id: "k", a: { b: [1] } },
      { $mul: { "a.b": 2 } },
      14,
      "TypeMismatch",
      "Cannot apply $mul to a value of non-numeric type. {_id: \"k\"} has the field 'b' of non-numeric type array",
    );
    updErr({ _id: 1, a: null }, { $inc: { a: 1 } }, 14, "TypeMismatch", /non-numeric type null/);
  });

  it("refuses a non-numeric argument", () => {
    updErr({ _id: 1 }, { $inc: { a: "1" } }, 14, "TypeMismatch", 'Cannot increment with non-numeric argument: {a: "1"}');
    updErr({ _id: 1 }, { $mul: { a: null } }, 14, "TypeMismatch", "Cannot multiply with non-numeric argument: {a: null}");
  });

  it("widens int32 overflow to a 64-bit value", () => {
    expect(upd({ _id: 1, a: 2147483647 }, { $inc: { a: 1 } }).a).toBe(2147483648);
    expect(upd({ _id: 1, a: 65536 }, { $mul: { a: 65536 } }).a).toBe(4294967296);
  });

  it("keeps Long arithmetic exact beyond 2^53 and fails on int64 overflow (BadValue)", () => {
    const r = upd({ _id: 1, a: Long.fromString("9007199254740993") }, { $inc: { a: 2 } });
    expect(r.a).toBeInstanceOf(Long);
    expect(r.a.toString()).toBe("9007199254740995");
    updErr(
      { _id: 1, a: Long.fromString("9223372036854775807") },
      { $inc: { a: 1 } },
      2,
      "BadValue",
      "Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) for document {_id: 1}",
    );
    updErr(
      { _id: 1, a: 42 },
      { $mul: { a: Long.fromString("9223372036854775807") } },
      2,
      "BadValue",
      "Failed to apply $mul operations to current value ((NumberInt)42) for document {_id: 1}",
    );
  });

  it("does decimal arithmetic with Decimal128", () => {
    const r = upd(
      { _id: 1, a: Decimal128.fromString("1.10"), b: 2 },
      { $inc: { a: Decimal128.fromString("2.05") }, $mul: { b: Decimal128.fromString("1.5") } },
    );
    expect(r.a).toBeInstanceOf(Decimal128);
    expect(r.a.toString()).toBe("3.15");
    expect(r.b.toString()).toBe("3.0");
    // A double meets a decimal with 15 significant digits, as in mongod.
    expect(upd({ _id: 1, a: Decimal128.fromString("1") }, { $inc: { a: 0.1 } }).a.toString()).toBe("1.100000000000000");
  });

  it("refuses _id changes", () => {
    updErr({ _id: 1 }, { $inc: { _id: 1 } }, 66, "ImmutableField");
  });
});

describe("$min and $max", () => {
  it("update only when the new value is smaller / larger", () => {
    expect(upd({ _id: 1, a: 5, b: 5 }, { $min: { a: 3 }, $max: { b: 3 } })).toEqual({ _id: 1, a: 3, b: 5 });
    expect(upd({ _id: 1, a: 5, b: 5 }, { $min: { a: 7 }, $max: { b: 7 } })).toEqual({ _id: 1, a: 5, b: 7 });
    expect(run({ _id: 1, a: 5 }, { $min: { a: 5 } }).modified).toBe(false);
    expect(run({ _id: 1, a: 5 }, { $max: { a: 5 } }).modified).toBe(false);
  });

  it("create missing fields", () => {
    expect(upd({ _id: 1 }, { $min: { a: 1 }, $max: { "b.c": 2 } })).toEqual({ _id: 1, a: 1, b: { c: 2 } });
  });

  it("compare across BSON types in mongod's order", () => {
    // numbers < strings < objects < arrays < ObjectId < booleans < dates
    expect(upd({ _id: 1, a: "x" }, { $max: { a: 5 } }).a).toBe("x");
    expect(upd({ _id: 1, a: "x" }, { $min: { a: 5 } }).a).toBe(5);
    expect(upd({ _id: 1, a: null }, { $max: { a: 0 } }).a).toBe(0);
    expect(upd({ _id: 1, a: true }, { $max: { a: new Date(0) } }).a).toEqual(new Date(0));
    expect(upd({ _id: 1, a: new Date(10) }, { $min: { a: new Date(5) } }).a).toEqual(new Date(5));
    expect(upd({ _id: 1, a: Long.fromString("9007199254740993") }, { $max: { a: 9007199254740992 } }).a.toString()).toBe(
      "9007199254740993",
    );
  });
});

describe("$currentDate", () => {
  it("sets a date or a timestamp", () => {
    const d = upd({ _id: 1, a: 1 }, { $currentDate: { a: true, b: { $type: "date" }, c: { $type: "timestamp" } } });
    expect(d.a).toEqual(NOW);
    expect(d.b).toEqual(NOW);
    expect(d.c).toBeInstanceOf(Timestamp);
    expect((d.c as Timestamp).t).toBe(Math.floor(NOW.getTime() / 1000));
  });

  it("always modifies", () => {
    expect(run({ _id: 1, a: NOW }, { $currentDate: { a: true } }).modified).toBe(true);
  });

  it("validates its argument", () => {
    updErr(
      { _id: 1 },
      { $currentDate: { a: { $type: "x" } } },
      2,
      "BadValue",
      /'\$type' string field is required to be 'date' or 'timestamp'/,
    );
    updErr({ _id: 1 }, { $currentDate: { a: { foo: 1 } } }, 2, "BadValue", "Unrecognized $currentDate option: foo");
    updErr({ _id: 1 }, { $currentDate: { a: 1 } }, 2, "BadValue", /int is not valid type for \$currentDate/);
  });
});

describe("$rename", () => {
  it("moves a field, appending the target", () => {
    const d = upd({ _id: 1, a: 1, b: 2 }, { $rename: { a: "z" } });
    expect(d).toEqual({ _id: 1, b: 2, z: 1 });
    expect(keys(d)).toEqual(["_id", "b", "z"]);
  });

  it("overwrites an existing target in place", () => {
    const d = upd({ _id: 1, a: 1, b: 2, c: 3 }, { $rename: { c: "a" } });
    expect(keys(d)).toEqual(["_id", "a", "b"]);
    expect(d).toEqual({ _id: 1, a: 3, b: 2 });
  });

  it("works with nested paths and is a no-op for a missing source", () => {
    expect(upd({ _id: 1, a: { b: 1 } }, { $rename: { "a.b": "c.d" } })).toEqual({ _id: 1, a: {}, c: { d: 1 } });
    expect(run({ _id: 1, a: 1 }, { $rename: { x: "y" } }).modified).toBe(false);
  });

  it("validates source and target", () => {
    updErr({ _id: 1, a: 1 }, { $rename: { a: "a" } }, 2, "BadValue", 'The source and target field for $rename must differ: a: "a"');
    updErr(
      { _id: 1, a: 1 },
      { $rename: { a: "a.b" } },
      2,
      "BadValue",
      'The source and target field for $rename must not be on the same path: a: "a.b"',
    );
    updErr({ _id: 1, a: 1 }, { $rename: { a: 5 } }, 2, "BadValue", "The 'to' field for $rename must be a string: a: 5");
    updErr({ _id: 1, a: [1] }, { $rename: { "a.$": "b" } }, 2, "BadValue", "The source field for $rename may not be dynamic: a.$");
    updErr({ _id: 1, a: 1 }, { $rename: { a: "b.$[]" } }, 2, "BadValue", "The destination field for $rename may not be dynamic: b.$[]");
    updErr(
      { _id: 1, a: 1 },
      { $rename: { a: "b" }, $set: { b: 1 } },
      40,
      "ConflictingUpdateOperators",
      "Updating the path 'b' would create a conflict at 'b'",
    );
  });

  it("refuses to rename onto or from _id", () => {
    updErr(
      { _id: 1, a: 1 },
      { $rename: { a: "_id" } },
      66,
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
    updErr(
      { _id: 1, a: 1 },
      { $rename: { _id: "b" } },
      66,
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  });

  it("refuses array elements as source or destination", () => {
    updErr(
      { _id: 1, a: [{ b: 1 }] },
      { $rename: { "a.0.b": "c" } },
      2,
      "BadValue",
      "The source field cannot be an array element, 'a.0.b' in doc with _id: 1 has an array field called 'a'",
    );
    updErr(
      { _id: 1, a: [{ b: 1 }], c: 1 },
      { $rename: { c: "a.0.d" } },
      2,
      "BadValue",
      "The destination field cannot be an array element, 'a.0.d' in doc with _id: 1 has an array field called 'a'",
    );
    updErr(
      { _id: 1, a: [{ b: 1 }] },
      { $rename: { "a.b": "c" } },
      28,
      "PathNotViable",
      "cannot use the part (a of a.b) to traverse the element ({a: [ { b: 1 } ]})",
    );
  });
});

describe("$setOnInsert", () => {
  it("applies only when inserting", () => {
    const r = run({ _id: 1, a: 1 }, { $setOnInsert: { b: 2 }, $set: { a: 2 } });
    expect(r.doc).toEqual({ _id: 1, a: 2 });
    expect(run({ _id: 1 }, { $setOnInsert: { b: 2 } }).modified).toBe(false);
    expect(upd({ _id: 1 }, { $setOnInsert: { b: 2, "c.d": 1 } }, { isUpsertInsert: true })).toEqual({ _id: 1, b: 2, c: { d: 1 } });
  });

  it("conflicts with another operator on the same path", () => {
    updErr({ _id: 1 }, { $setOnInsert: { a: 1 }, $set: { a: 2 } }, 40, "ConflictingUpdateOperators");
  });
});

describe("$push", () => {
  it("appends a value, creating the array when missing", () => {
    expect(upd({ _id: 1, a: [1] }, { $push: { a: 2, b: [3] } })).toEqual({ _id: 1, a: [1, 2], b: [[3]] });
  });

  it("supports $each, $position, $slice and $sort", () => {
    expect(upd({ _id: 1, a: [1, 2] }, { $push: { a: { $each: [3, 4] } } }).a).toEqual([1, 2, 3, 4]);
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $push: { a: { $each: [9], $position: 1 } } }).a).toEqual([1, 9, 2, 3]);
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $push: { a: { $each: [9], $position: -1 } } }).a).toEqual([1, 2, 9, 3]);
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $push: { a: { $each: [9], $position: -5 } } }).a).toEqual([9, 1, 2, 3]);
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $push: { a: { $each: [4], $slice: 2 } } }).a).toEqual([1, 2]);
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $push: { a: { $each: [4], $slice: -2 } } }).a).toEqual([3, 4]);
    expect(upd({ _id: 1, a: [3, 1] }, { $push: { a: { $each: [2], $sort: 1 } } }).a).toEqual([1, 2, 3]);
    expect(upd({ _id: 1, a: [3, 1] }, { $push: { a: { $each: [2], $sort: -1, $slice: 2 } } }).a).toEqual([3, 2]);
    expect(upd({ _id: 1, a: [{ n: 2, s: "b" }, { n: 1 }] }, { $push: { a: { $each: [{ n: 3 }, 7], $sort: { n: -1 } } } }).a).toEqual([
      { n: 3 },
      { n: 2, s: "b" },
      { n: 1 },
      7,
    ]);
    expect(upd({ _id: 1 }, { $push: { a: { $each: [], $slice: 0 } } })).toEqual({ _id: 1, a: [] });
  });

  it("is a no-op for an empty $each on an already sorted array", () => {
    expect(run({ _id: 1, a: [1, 2] }, { $push: { a: { $each: [], $sort: 1 } } }).modified).toBe(false);
    expect(run({ _id: 1, a: [2, 1] }, { $push: { a: { $each: [], $sort: 1 } } }).modified).toBe(true);
  });

  it("pushes a document without $each literally", () => {
    expect(upd({ _id: 1, a: [] }, { $push: { a: { x: 1 } } }).a).toEqual([{ x: 1 }]);
  });

  it("refuses a non-array field (BadValue)", () => {
    updErr(
      { _id: 1, a: "s" },
      { $push: { a: 1 } },
      2,
      "BadValue",
      "The field 'a' must be an array but is of type string in document {_id: 1}",
    );
    updErr(
      { _id: 1, a: { b: 5 } },
      { $push: { "a.b": 1 } },
      2,
      "BadValue",
      "The field 'a.b' must be an array but is of type int in document {_id: 1}",
    );
  });

  it("validates its clauses", () => {
    updErr(
      { _id: 1 },
      { $push: { a: { $each: 1 } } },
      2,
      "BadValue",
      "The argument to $each in $push must be an array but it was of type: int",
    );
    updErr({ _id: 1 }, { $push: { a: { $each: [], $foo: 1 } } }, 2, "BadValue", "Unrecognized clause in $push: $foo");
    updErr({ _id: 1 }, { $push: { a: { $each: [], $slice: "x" } } }, 2, "BadValue", /\$slice must be an integer value/);
    updErr({ _id: 1 }, { $push: { a: { $each: [], $position: 1.5 } } }, 2, "BadValue", /\$position must be an integer value/);
    updErr({ _id: 1 }, { $push: { a: { $each: [], $sort: 2 } } }, 2, "BadValue", "The $sort element value must be either 1 or -1");
    updErr({ _id: 1 }, { $push: { a: { $each: [], $sort: {} } } }, 2, "BadValue", /\$sort pattern is empty/);
  });
});

describe("$addToSet", () => {
  it("adds values that are not present", () => {
    expect(upd({ _id: 1, a: [1, 2] }, { $addToSet: { a: 3 } }).a).toEqual([1, 2, 3]);
    expect(upd({ _id: 1, a: [1, 2] }, { $addToSet: { a: { $each: [2, 3, 3, 4] } } }).a).toEqual([1, 2, 3, 4]);
    expect(upd({ _id: 1 }, { $addToSet: { a: { $each: [1, 1, 2] } } }).a).toEqual([1, 2]);
  });

  it("is a no-op when everything is present; compares numbers by value and documents by field order", () => {
    expect(run({ _id: 1, a: [1, { x: 1, y: 2 }] }, { $addToSet: { a: { $each: [1, { x: 1, y: 2 }] } } }).modified).toBe(false);
    expect(
      run({ _id: 1, a: [Long.fromString("9007199254740993")] }, { $addToSet: { a: Long.fromString("9007199254740993") } }).modified,
    ).toBe(false);
    expect(upd({ _id: 1, a: [{ x: 1, y: 2 }] }, { $addToSet: { a: { y: 2, x: 1 } } }).a).toHaveLength(2);
  });

  it("refuses a non-array field", () => {
    updErr(
      { _id: 1, a: 5 },
      { $addToSet: { a: 1 } },
      2,
      "BadValue",
      "Cannot apply $addToSet to non-array field. Field named 'a' has non-array type int",
    );
  });

  it("validates $each", () => {
    updErr(
      { _id: 1 },
      { $addToSet: { a: { $each: 1 } } },
      14,
      "TypeMismatch",
      "The argument to $each in $addToSet must be an array but it was of type int",
    );
    updErr({ _id: 1 }, { $addToSet: { a: { $each: [1], b: 1 } } }, 2, "BadValue", /Found unexpected fields after \$each in \$addToSet/);
  });
});

describe("$pop", () => {
  it("removes the last or first element", () => {
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $pop: { a: 1 } }).a).toEqual([1, 2]);
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $pop: { a: -1 } }).a).toEqual([2, 3]);
  });

  it("is a no-op on an empty array or a missing field", () => {
    expect(run({ _id: 1, a: [] }, { $pop: { a: 1 } }).modified).toBe(false);
    expect(run({ _id: 1 }, { $pop: { a: 1 } }).modified).toBe(false);
  });

  it("refuses a non-array field and bad arguments", () => {
    updErr({ _id: 1, a: 5 }, { $pop: { a: 1 } }, 14, "TypeMismatch", "Path 'a' contains an element of non-array type 'int'");
    updErr({ _id: 1, a: [] }, { $pop: { a: 2 } }, 9, "FailedToParse", "$pop expects 1 or -1, found: 2");
    updErr({ _id: 1, a: [] }, { $pop: { a: "x" } }, 9, "FailedToParse", 'Expected a number in: a: "x"');
    updErr(
      { _id: 1, a: 5 },
      { $pop: { "a.b": 1 } },
      28,
      "PathNotViable",
      "Cannot use the part (b) of (a.b) to traverse the element ({a: 5})",
    );
  });
});

describe("$pull and $pullAll", () => {
  it("removes equal values", () => {
    expect(upd({ _id: 1, a: [1, 2, 1, 3] }, { $pull: { a: 1 } }).a).toEqual([2, 3]);
    expect(upd({ _id: 1, a: [[1], [2]] }, { $pull: { a: [1] } }).a).toEqual([[2]]);
  });

  it("removes values matching a condition", () => {
    expect(upd({ _id: 1, a: [1, 5, 8] }, { $pull: { a: { $gte: 5 } } }).a).toEqual([1]);
    expect(upd({ _id: 1, a: ["apple", "kiwi"] }, { $pull: { a: /^a/ } }).a).toEqual(["kiwi"]);
    expect(upd({ _id: 1, a: [1, 2, 3, 4] }, { $pull: { a: { $in: [2, 4] } } }).a).toEqual([1, 3]);
  });

  it("matches documents against a query on their fields", () => {
    const doc = { _id: 1, a: [{ x: 1, y: 1 }, { x: 2, y: 1 }, { x: 2, y: 2 }, 5] };
    expect(upd(doc, { $pull: { a: { x: 2 } } }).a).toEqual([{ x: 1, y: 1 }, 5]);
    expect(upd(doc, { $pull: { a: { x: 2, y: { $gt: 1 } } } }).a).toEqual([{ x: 1, y: 1 }, { x: 2, y: 1 }, 5]);
    expect(upd(doc, { $pull: { a: {} } }).a).toEqual([5]);
  });

  it("$pullAll removes all listed values", () => {
    expect(upd({ _id: 1, a: [1, 2, 3, 2, 1] }, { $pullAll: { a: [1, 2] } }).a).toEqual([3]);
    updErr({ _id: 1, a: [] }, { $pullAll: { a: 1 } }, 2, "BadValue", "$pullAll requires an array argument but was given a int");
  });

  it("is a no-op when nothing matches or the field is missing", () => {
    expect(run({ _id: 1, a: [1] }, { $pull: { a: 9 } }).modified).toBe(false);
    expect(run({ _id: 1 }, { $pull: { a: 9 }, $pullAll: { b: [1] } }).modified).toBe(false);
  });

  it("refuses a non-array field", () => {
    updErr({ _id: 1, a: 5 }, { $pull: { a: 1 } }, 2, "BadValue", "Cannot apply $pull to a non-array value");
    updErr({ _id: 1, a: 5 }, { $pullAll: { a: [1] } }, 2, "BadValue", "Cannot apply $pull to a non-array value");
  });
});

describe("$bit", () => {
  it("applies and/or/xor", () => {
    expect(upd({ _id: 1, a: 13 }, { $bit: { a: { and: 10 } } }).a).toBe(8);
    expect(upd({ _id: 1, a: 13 }, { $bit: { a: { or: 2 } } }).a).toBe(15);
    expect(upd({ _id: 1, a: 13 }, { $bit: { a: { xor: 5, or: 16 } } }).a).toBe(24);
    expect(upd({ _id: 1 }, { $bit: { a: { or: 5 } } }).a).toBe(5);
    expect(run({ _id: 1, a: 13 }, { $bit: { a: { or: 1 } } }).modified).toBe(false);
  });

  it("works on 64-bit values", () => {
    const r = upd({ _id: 1, a: Long.fromString("9223372036854775807") }, { $bit: { a: { and: Long.fromString("9223372036854775806") } } });
    expect(r.a.toString()).toBe("9223372036854775806");
  });

  it("validates", () => {
    updErr(
      { _id: 1, a: "s" },
      { $bit: { a: { and: 1 } } },
      2,
      "BadValue",
      "Cannot apply $bit to a value of non-integral type._id: 1 has the field a of non-integer type string",
    );
    updErr({ _id: 1, a: 1 }, { $bit: { a: 5 } }, 2, "BadValue", /The \$bit modifier is not compatible with a int/);
    updErr({ _id: 1, a: 1 }, { $bit: { a: { nand: 1 } } }, 2, "BadValue", /only supports 'and', 'or', and 'xor', not 'nand'/);
    updErr(
      { _id: 1, a: 1 },
      { $bit: { a: { and: 1.5 } } },
      2,
      "BadValue",
      /must be an Integer\(32\/64 bit\); a 'double' is not supported here/,
    );
    updErr({ _id: 1, a: 1 }, { $bit: { a: {} } }, 2, "BadValue", /at least one bitwise operation/);
  });
});

describe("positional $", () => {
  it("updates the element matched by the query", () => {
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $set: { "a.$": 9 } }, { query: { a: 2 } }).a).toEqual([1, 9, 3]);
    expect(upd({ _id: 1, a: [{ x: 1 }, { x: 5 }, { x: 5 }] }, { $inc: { "a.$.x": 1 } }, { query: { "a.x": 5 } }).a).toEqual([
      { x: 1 },
      { x: 6 },
      { x: 5 },
    ]);
    expect(upd({ _id: 1, a: [3, 8, 9] }, { $set: { "a.$": 0 } }, { query: { _id: 1, a: { $gt: 5 } } }).a).toEqual([3, 0, 9]);
    expect(
      upd(
        {
          _id: 1,
          a: [
            { x: 1, y: 1 },
            { x: 1, y: 2 },
          ],
        },
        { $set: { "a.$.z": 1 } },
        { query: { a: { $elemMatch: { x: 1, y: 2 } } } },
      ).a,
    ).toEqual([
      { x: 1, y: 1 },
      { x: 1, y: 2, z: 1 },
    ]);
    expect(upd({ _id: 1, a: [1, 2] }, { $set: { "a.$": 7 } }, { query: { $and: [{ _id: 1 }, { a: 2 }] } }).a).toEqual([1, 7]);
  });

  it("fails without a matching array condition in the query (BadValue)", () => {
    updErr(
      { _id: 1, a: [1, 2] },
      { $set: { "a.$": 9 } },
      2,
      "BadValue",
      "The positional operator did not find the match needed from the query.",
      { query: { _id: 1 } },
    );
    updErr(
      { _id: 1, a: [1, 2] },
      { $set: { "a.$": 9 } },
      2,
      "BadValue",
      "The positional operator did not find the match needed from the query.",
    );
  });

  it("merges with an explicit path for the same element when they do not overlap", () => {
    expect(upd({ _id: 1, a: [{ x: 1 }, { x: 2 }] }, { $set: { "a.$.y": 1, "a.1.z": 2 } }, { query: { "a.x": 2 } }).a).toEqual([
      { x: 1 },
      { x: 2, y: 1, z: 2 },
    ]);
  });
});

describe("$[] and $[<identifier>]", () => {
  it("$[] updates every element", () => {
    expect(upd({ _id: 1, a: [1, 2, 3] }, { $inc: { "a.$[]": 10 } }).a).toEqual([11, 12, 13]);
    expect(upd({ _id: 1, a: [{ b: 1 }, { b: 2 }] }, { $set: { "a.$[].c": 0 } }).a).toEqual([
      { b: 1, c: 0 },
      { b: 2, c: 0 },
    ]);
    expect(run({ _id: 1, a: [] }, { $set: { "a.$[].c": 0 } }).modified).toBe(false);
  });

  it("$[x] updates the elements matching the array filter", () => {
    expect(upd({ _id: 1, a: [1, 5, 10] }, { $set: { "a.$[big]": 0 } }, { arrayFilters: [{ big: { $gte: 5 } }] }).a).toEqual([1, 0, 0]);
    expect(
      upd(
        {
          _id: 1,
          g: [
            { s: 80, m: 1 },
            { s: 95, m: 1 },
          ],
        },
        { $inc: { "g.$[e].m": 1 } },
        { arrayFilters: [{ "e.s": { $gte: 90 } }] },
      ).g,
    ).toEqual([
      { s: 80, m: 1 },
      { s: 95, m: 2 },
    ]);
  });

  it("matches filters against the array as it was before the update", () => {
    expect(upd({ _id: 1, a: [1, 2] }, { $inc: { "a.$[x]": 1 } }, { arrayFilters: [{ x: { $lt: 2 } }] }).a).toEqual([2, 2]);
  });

  it("supports nested identifiers", () => {
    const doc = { _id: 1, a: [{ b: [1, 2, 3] }, { b: [4, 5] }] };
    expect(upd(doc, { $set: { "a.$[i].b.$[j]": 0 } }, { arrayFilters: [{ "i.b": 5 }, { j: { $gte: 4 } }] }).a).toEqual([
      { b: [1, 2, 3] },
      { b: [0, 0] },
    ]);
    expect(upd(doc, { $mul: { "a.$[].b.$[j]": 2 } }, { arrayFilters: [{ j: { $in: [1, 5] } }] }).a).toEqual([
      { b: [2, 2, 3] },
      { b: [4, 10] },
    ]);
  });

  it("accepts filters with $or and several conditions on one identifier", () => {
    expect(
      upd(
        {
          _id: 1,
          a: [
            { x: 1, y: 1 },
            { x: 2, y: 2 },
            { x: 3, y: 0 },
          ],
        },
        { $set: { "a.$[e].hit": true } },
        {
          arrayFilters: [{ $or: [{ "e.x": 1 }, { "e.y": 0 }] }],
        },
      ).a,
    ).toEqual([
      { x: 1, y: 1, hit: true },
      { x: 2, y: 2 },
      { x: 3, y: 0, hit: true },
    ]);
  });

  it("reports a missing array filter and unused array filters", () => {
    updErr({ _id: 1, a: [1] }, { $set: { "a.$[x]": 1 } }, 2, "BadValue", "No array filter found for identifier 'x' in path 'a.$[x]'");
    updErr(
      { _id: 1, a: [1] },
      { $set: { "a.$[x]": 1 } },
      9,
      "FailedToParse",
      "The array filter for identifier 'y' was not used in the update { $set: { a.$[x]: 1 } }",
      { arrayFilters: [{ x: 1 }, { y: 1 }] },
    );
    expectError(() => validateUpdate({ $set: { a: 1 } }, [{ y: 1 }]), 9, "FailedToParse", /identifier 'y' was not used/);
  });

  it("validates array filters", () => {
    const u = { $set: { "a.$[x]": 1 } };
    updErr({ _id: 1, a: [1] }, u, 9, "FailedToParse", "Found multiple array filters with the same top-level field name x", {
      arrayFilters: [{ x: 1 }, { x: 2 }],
    });
    updErr({ _id: 1, a: [1] }, u, 9, "FailedToParse", /Expected a single top-level field name, found 'x' and 'y'/, {
      arrayFilters: [{ x: 1, y: 2 }],
    });
    updErr({ _id: 1, a: [1] }, u, 9, "FailedToParse", "Cannot use an expression without a top-level field name in arrayFilters", {
      arrayFilters: [{}],
    });
    updErr(
      { _id: 1, a: [1] },
      { $set: { "a.$[X]": 1 } },
      2,
      "BadValue",
      /must be an alphanumeric string beginning with a lowercase letter, found 'X'/,
      {
        arrayFilters: [{ X: 1 }],
      },
    );
  });

  it("requires an existing array", () => {
    updErr(
      { _id: 1 },
      { $set: { "a.$[].b": 1 } },
      2,
      "BadValue",
      "The path 'a' must exist in the document in order to apply array updates.",
    );
    updErr({ _id: 1, a: 5 }, { $set: { "a.$[].b": 1 } }, 2, "BadValue", "Cannot apply array updates to non-array element a: 5");
  });
});

describe("replacement", () => {
  it("replaces everything but _id, which stays first", () => {
    const r = run({ _id: 1, a: 1, b: 2 }, { c: 3, d: { e: 4 } });
    expect(r.doc).toEqual({ _id: 1, c: 3, d: { e: 4 } });
    expect(keys(r.doc)).toEqual(["_id", "c", "d"]);
    expect(r.modified).toBe(true);
  });

  it("accepts the same _id anywhere in the replacement and moves it first", () => {
    const d = upd({ _id: 1, a: 1 }, { b: 2, _id: 1 });
    expect(keys(d)).toEqual(["_id", "b"]);
  });

  it("refuses a different _id (ImmutableField)", () => {
    updErr(
      { _id: 1, a: 1 },
      { _id: 2, a: 1 },
      66,
      "ImmutableField",
      "After applying the update, the (immutable) field '_id' was found to have been altered to _id: 2",
    );
  });

  it("is a no-op only for a byte-identical replacement", () => {
    expect(run({ _id: 1, a: 1 }, { _id: 1, a: 1 }).modified).toBe(false);
    expect(run({ _id: 1, a: 1 }, { a: 2 }).modified).toBe(true);
  });

  it("replaces with an empty document", () => {
    expect(upd({ _id: 1, a: 1 }, {})).toEqual({ _id: 1 });
  });

  it("refuses an invalid _id type", () => {
    updErr({ a: 1 }, { _id: [1], a: 1 }, 53, "InvalidIdField", "The '_id' value cannot be of type array");
  });
});

describe("pipeline updates", () => {
  it("runs $set/$unset/$project/$replaceWith on the document", () => {
    expect(upd({ _id: 1, a: 1, b: 2 }, [{ $set: { c: { $add: ["$a", "$b"] } } }, { $unset: "a" }])).toEqual({ _id: 1, b: 2, c: 3 });
    expect(upd({ _id: 1, a: 1, b: 2 }, [{ $project: { b: 1 } }])).toEqual({ _id: 1, b: 2 });
    expect(upd({ _id: 1, a: { x: 1 } }, [{ $replaceWith: "$a" }])).toEqual({ _id: 1, x: 1 });
    expect(upd({ _id: 1, a: { x: 1 } }, [{ $replaceRoot: { newRoot: { y: "$a.x" } } }])).toEqual({ _id: 1, y: 1 });
  });

  it("binds $$NOW to the operation time and let variables", () => {
    expect(upd({ _id: 1 }, [{ $set: { t: "$$NOW", v: "$$limit" } }], { variables: { limit: 10 } })).toEqual({ _id: 1, t: NOW, v: 10 });
    expect(upd({ _id: 1 }, [{ $set: { t: { $literal: "$$NOW" } } }]).t).toBe("$$NOW");
  });

  it("keeps _id when a stage removes it and refuses to change it", () => {
    expect(upd({ _id: 1, a: 1 }, [{ $unset: "_id" }])).toEqual({ _id: 1, a: 1 });
    expect(keys(upd({ _id: 1, a: 1 }, [{ $project: { _id: 0, a: 1 } }]))).toEqual(["_id", "a"]);
    updErr(
      { _id: 1, a: 1 },
      [{ $set: { _id: 2 } }],
      66,
      "ImmutableField",
      "After applying the update, the (immutable) field '_id' was found to have been altered to _id: 2",
    );
  });

  it("reports modified false when the pipeline changes nothing", () => {
    expect(run({ _id: 1, a: 1 }, [{ $set: { a: 1 } }]).modified).toBe(false);
    expect(run({ _id: 1, a: 1 }, [{ $set: { a: 2 } }]).modified).toBe(true);
  });

  it("refuses arrayFilters", () => {
    updErr({ _id: 1 }, [{ $set: { a: 1 } }], 9, "FailedToParse", "arrayFilters may not be specified for pipeline-style updates", {
      arrayFilters: [{ x: 1 }],
    });
  });
});

describe("upsertSeed", () => {
  it("takes equality conditions, including $eq, $and and _id", () => {
    expect(upsertSeed({ _id: 7, a: 1, b: { $eq: "x" }, $and: [{ c: true }, { d: { $gt: 1 } }] })).toEqual({
      _id: 7,
      a: 1,
      b: "x",
      c: true,
    });
    expect(keys(upsertSeed({ b: 1, _id: 2 }))).toEqual(["_id", "b"]);
  });

  it("builds nested documents from dotted paths", () => {
    expect(upsertSeed({ "a.b": 1, "a.c": 2, "x.y.z": null })).toEqual({ a: { b: 1, c: 2 }, x: { y: { z: null } } });
  });

  it("ignores non-equality operators, multi-value $in, multi-branch $or, $nor, regexes", () => {
    expect(
      upsertSeed({
        a: { $gt: 1 },
        b: { $in: [1, 2] },
        $or: [{ c: 1 }, { c: 2 }],
        $nor: [{ d: 1 }],
        e: /x/,
        f: { $ne: 1 },
        g: { $exists: true },
      }),
    ).toEqual({});
  });

  it("takes single-value $in and single-branch $or", () => {
    expect(upsertSeed({ a: { $in: [5] }, $or: [{ b: 2 }] })).toEqual({ a: 5, b: 2 });
  });

  it("keeps document and array values whole", () => {
    expect(upsertSeed({ a: { x: 1, $y: 2 }, b: [1, 2] })).toEqual({ a: { x: 1, $y: 2 }, b: [1, 2] });
  });

  it("rejects conflicting equalities (NotSingleValueField)", () => {
    expectError(
      () => upsertSeed({ a: 1, $and: [{ a: 2 }] }),
      54,
      "NotSingleValueField",
      "cannot infer query fields to set, path 'a' is matched twice",
    );
    expectError(
      () => upsertSeed({ a: 1, $and: [{ a: 1 }] }),
      54,
      "NotSingleValueField",
      "cannot infer query fields to set, path 'a' is matched twice",
    );
    expectError(
      () => upsertSeed({ a: { b: 1 }, "a.c": 2 }),
      54,
      "NotSingleValueField",
      "cannot infer query fields to set, both paths 'a.c' and 'a' are matched",
    );
  });
});

describe("buildUpsertDocument", () => {
  it("seeds from the filter, applies the operators with $setOnInsert, generates an ObjectId _id first", () => {
    const d = buildUpsertDocument({ a: 1, "n.x": 2 }, { $set: { b: 2 }, $setOnInsert: { c: 3 }, $inc: { "n.y": 1 } }, { now: NOW });
    expect(d._id).toBeInstanceOf(ObjectId);
    expect(keys(d)).toEqual(["_id", "a", "n", "b", "c"]);
    expect(d).toMatchObject({ a: 1, n: { x: 2, y: 1 }, b: 2, c: 3 });
  });

  it("keeps the filter's _id", () => {
    expect(buildUpsertDocument({ _id: "k", a: { $gt: 1 } }, { $set: { b: 1 } }, { now: NOW })).toEqual({ _id: "k", b: 1 });
  });

  it("refuses an update that changes the filter's _id", () => {
    expectError(() => buildUpsertDocument({ _id: 1 }, { $set: { _id: 2 } }, { now: NOW }), 66, "ImmutableField");
  });

  it("lets $setOnInsert provide _id when the filter has none", () => {
    const d = buildUpsertDocument({ a: 1 }, { $setOnInsert: { _id: 9 } }, { now: NOW });
    expect(d).toEqual({ _id: 9, a: 1 });
    expect(keys(d)).toEqual(["_id", "a"]);
  });

  it("uses the replacement plus only the filter's _id for a replacement upsert", () => {
    const d = buildUpsertDocument({ _id: 5, a: 1 }, { b: 2 }, { now: NOW });
    expect(d).toEqual({ _id: 5, b: 2 });
    expect(keys(d)).toEqual(["_id", "b"]);
    const g = buildUpsertDocument({ a: 1 }, { b: 2 }, { now: NOW });
    expect(g._id).toBeInstanceOf(ObjectId);
    expect(keys(g)).toEqual(["_id", "b"]);
    expectError(() => buildUpsertDocument({ _id: 5 }, { _id: 6, b: 2 }, { now: NOW }), 66, "ImmutableField", /altered to _id: 6/);
    expect(buildUpsertDocument({ _id: 5 }, { b: 1, _id: 5 }, { now: NOW })).toEqual({ _id: 5, b: 1 });
  });

  it("runs a pipeline on the seed", () => {
    expect(buildUpsertDocument({ _id: 1, a: 2 }, [{ $set: { b: { $multiply: ["$a", 10] } } }], { now: NOW })).toEqual({
      _id: 1,
      a: 2,
      b: 20,
    });
  });

  it("refuses an array _id", () => {
    expectError(
      () => buildUpsertDocument({ _id: [1, 2] }, { $set: { a: 1 } }, { now: NOW }),
      53,
      "InvalidIdField",
      "The '_id' value cannot be of type array",
    );
  });

  it("propagates seed conflicts", () => {
    expectError(() => buildUpsertDocument({ a: 1, "a.b": 2 }, { $set: { c: 1 } }, { now: NOW }), 54, "NotSingleValueField");
  });
});

describe("BSON values", () => {
  it("keeps bson classes intact and compares ObjectIds by value", () => {
    const id = new ObjectId();
    const bin = new Binary(Buffer.from([1, 2, 3]));
    const d = upd({ _id: id, a: 1 }, { $set: { b: bin, c: new ObjectId(id.toHexString()) }, $addToSet: { l: id } });
    expect(d._id).toBe(id);
    expect(d.b).toBe(bin);
    expect(run(d, { $set: { c: new ObjectId(id.toHexString()) }, $addToSet: { l: new ObjectId(id.toHexString()) } }).modified).toBe(false);
  });

  it("prints ObjectId _ids in messages like mongod", () => {
    const id = new ObjectId("65f0a1b2c3d4e5f601234567");
    updErr(
      { _id: id, a: "x" },
      { $inc: { a: 1 } },
      14,
      "TypeMismatch",
      "Cannot apply $inc to a value of non-numeric type. {_id: ObjectId('65f0a1b2c3d4e5f601234567')} has the field 'a' of non-numeric type string",
    );
  });
});

describe("more mongod semantics", () => {
  it("resolves $ through a one-clause $or but not a multi-clause one", () => {
    expect(upd({ _id: 1, a: [1, 2] }, { $set: { "a.$": 0 } }, { query: { $or: [{ a: 2 }] } }).a).toEqual([1, 0]);
    updErr({ _id: 1, a: [1, 2] }, { $set: { "a.$": 0 } }, 2, "BadValue", /positional operator did not find the match/, {
      query: { $or: [{ a: 2 }, { b: 1 }] },
    });
    updErr({ _id: 1, a: [1, 2] }, { $set: { "a.$": 0 } }, 2, "BadValue", /positional operator did not find the match/, {
      query: { a: { $ne: 5 } },
    });
  });

  it("does not resolve $ in an upsert insert", () => {
    expectError(
      () => buildUpsertDocument({ a: 1 }, { $set: { "a.$": 1 } }, { now: NOW, query: { a: 1 } }),
      2,
      "BadValue",
      "The positional operator did not find the match needed from the query.",
    );
  });

  it("orders a rename target among the other new fields", () => {
    expect(keys(upd({ _id: 1, a: 1 }, { $rename: { a: "c" }, $set: { b: 1, d: 1 } }))).toEqual(["_id", "b", "c", "d"]);
  });

  it("merges $[] and $[x] updates of different fields of the same element", () => {
    expect(
      upd({ _id: 1, a: [{ v: 1 }, { v: 2 }] }, { $set: { "a.$[].seen": true, "a.$[big].big": true } }, { arrayFilters: [{ "big.v": 2 }] })
        .a,
    ).toEqual([
      { v: 1, seen: true },
      { v: 2, seen: true, big: true },
    ]);
  });

  it("nulls array elements with $unset through $[]", () => {
    expect(upd({ _id: 1, a: [1, 2] }, { $unset: { "a.$[]": 1 } }).a).toEqual([null, null]);
  });

  it("refuses to pad an array by more than 1500000 elements (CannotBackfillArray)", () => {
    updErr({ _id: 1, a: [] }, { $set: { "a.1500001": 1 } }, 34, "CannotBackfillArray", "can't backfill more than 1500000 elements");
  });

  it("creates deep paths below an array element", () => {
    expect(upd({ _id: 1, a: [{ b: {} }] }, { $set: { "a.0.b.c.d": 1 } }).a).toEqual([{ b: { c: { d: 1 } } }]);
  });

  it("applies $pull with $elemMatch-style conditions on nested arrays", () => {
    expect(upd({ _id: 1, r: [{ s: [1, 9] }, { s: [2] }] }, { $pull: { r: { s: { $elemMatch: { $gt: 5 } } } } }).r).toEqual([{ s: [2] }]);
  });

  it("fills zero timestamps in a replacement", () => {
    const d = upd({ _id: 1 }, { ts: new Timestamp({ t: 0, i: 0 }) });
    expect(d.ts).toBeInstanceOf(Timestamp);
    expect((d.ts as Timestamp).t).toBe(Math.floor(NOW.getTime() / 1000));
  });

  it("validateUpdate checks array filters against the update", () => {
    expect(validateUpdate({ $set: { "a.$[x]": 1 } }, [{ x: 1 }])).toBe("operators");
    expectError(() => validateUpdate({ $set: { "a.$[x]": 1 } }, []), 2, "BadValue", /No array filter found for identifier 'x'/);
    expectError(() => validateUpdate([{ $set: { a: 1 } }], [{ x: 1 }]), 9, "FailedToParse");
    expect(validateUpdate({ a: 1 }, [{ x: 1 }])).toBe("replacement");
  });

  it("applies several operators to one document, each field once, in mongod's order", () => {
    const d = upd(
      { _id: 1, n: 1, arr: [3, 1], gone: 1, obj: { x: 1 } },
      {
        $inc: { n: 1 },
        $push: { arr: { $each: [2], $sort: 1 } },
        $unset: { gone: 1 },
        $set: { "obj.y": 2, added: true },
        $min: { low: 0 },
        $currentDate: { at: true },
      },
    );
    expect(d).toEqual({ _id: 1, n: 2, arr: [1, 2, 3], obj: { x: 1, y: 2 }, added: true, at: NOW, low: 0 });
    expect(keys(d)).toEqual(["_id", "n", "arr", "obj", "added", "at", "low"]);
  });
});
