import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoServerError, type Collection, type Db, type Document } from "mongodb";
import { collName, expectServerError, openTarget, type Target, type AnyDoc } from "./harness.js";

let t: Target;
let db: Db;
let c: Collection<AnyDoc>;

beforeAll(async () => {
  t = await openTarget("errors");
  db = t.db();
  c = db.collection<AnyDoc>(collName("err"));
  await c.insertMany([
    { _id: 1, a: "text", n: 5, sub: 1 },
    { _id: 2, a: "more", n: 6 },
  ]);
});
afterAll(async () => {
  await t?.close();
});

// Write commands report these as writeErrors entries ({ index, code, errmsg }), which carry no
// codeName, so only the code is asserted for them.
describe("update errors", () => {
  it("modifying _id with $set fails with ImmutableField (66)", async () => {
    const err = await expectServerError(c.updateOne({ _id: 1 }, { $set: { _id: 99 } }), 66);
    expect(err.message).toMatch(/_id/);
    expect(await c.findOne({ _id: 1 })).toMatchObject({ _id: 1, a: "text" });
    expect(await c.findOne({ _id: 99 })).toBeNull();
  });

  it("a replacement changing _id fails with ImmutableField (66)", async () => {
    await expectServerError(c.replaceOne({ _id: 1 }, { _id: 100, a: "x" }), 66);
    expect(await c.findOne({ _id: 100 })).toBeNull();
  });

  it("$inc on a string fails with TypeMismatch (14)", async () => {
    const err = await expectServerError(c.updateOne({ _id: 1 }, { $inc: { a: 1 } }), 14);
    expect(err.message).toMatch(/Cannot apply \$inc to a value of non-numeric type/);
    expect((await c.findOne({ _id: 1 }))?.a).toBe("text");
  });

  it("$inc with a non-numeric argument fails with TypeMismatch (14)", async () => {
    await expectServerError(c.updateOne({ _id: 1 }, { $inc: { n: "x" } } as Document), 14);
    expect((await c.findOne({ _id: 1 }))?.n).toBe(5);
  });

  it("updateMany stops at the failing document with the same error", async () => {
    await expectServerError(c.updateMany({}, { $inc: { a: 1 } }), 14);
  });

  it("an unknown update operator fails with FailedToParse (9)", async () => {
    const err = await expectServerError(c.updateOne({ _id: 1 }, { $foo: { a: 1 } } as Document), 9);
    expect(err.message).toMatch(/Unknown modifier: \$foo/);
  });

  it("two operators on the same path fail with ConflictingUpdateOperators (40)", async () => {
    await expectServerError(c.updateOne({ _id: 1 }, { $set: { n: 1 }, $inc: { n: 1 } }), 40);
    expect((await c.findOne({ _id: 1 }))?.n).toBe(5);
  });

  it("creating a field inside a scalar fails with PathNotViable (28)", async () => {
    await expectServerError(c.updateOne({ _id: 1 }, { $set: { "sub.deeper": 1 } }), 28);
  });
});

describe("command and query errors", () => {
  it("an unknown command fails with CommandNotFound (59) naming the command", async () => {
    const err = await expectServerError(db.command({ someUnknownCmd: 1 }), 59, "CommandNotFound");
    expect(err.message).toContain("someUnknownCmd");
    expect(err.message).toMatch(/no such command/);
    expect(err.errorResponse.ok).toBe(0);
  });

  it("an unknown query operator fails with BadValue (2)", async () => {
    const err = await expectServerError(c.find({ a: { $foo: 1 } }).toArray(), 2, "BadValue");
    expect(err.message).toMatch(/unknown operator: \$foo/);
  });

  it("an unknown top-level query operator fails with BadValue (2)", async () => {
    const err = await expectServerError(c.find({ $foo: [{ a: 1 }] }).toArray(), 2, "BadValue");
    expect(err.message).toMatch(/unknown top level operator: \$foo/);
  });

  it("the same error surfaces from countDocuments and deleteMany filters", async () => {
    await expectServerError(c.countDocuments({ a: { $foo: 1 } }), 2, "BadValue");
    await expectServerError(c.deleteMany({ a: { $foo: 1 } }), 2);
    expect(await c.countDocuments()).toBe(2);
  });
});

describe("aggregation errors", () => {
  it("an unknown pipeline stage fails with 40324", async () => {
    const err = await expectServerError(c.aggregate([{ $foo: {} }]).toArray(), 40324, "Location40324");
    expect(err.message).toContain("Unrecognized pipeline stage name: '$foo'");
  });

  it("a stage object with two fields fails with 40323", async () => {
    await expectServerError(c.aggregate([{ $match: {}, $sort: { _id: 1 } }]).toArray(), 40323, "Location40323");
  });

  it("an unknown expression operator fails with InvalidPipelineOperator (168)", async () => {
    const err = await expectServerError(c.aggregate([{ $project: { x: { $foo: 1 } } }]).toArray(), 168, "InvalidPipelineOperator");
    expect(err.message).toMatch(/Unrecognized expression '\$foo'/);
  });
});

describe("error shape", () => {
  it("server errors carry code, codeName and errmsg as the driver expects", async () => {
    const err = await expectServerError(db.command({ someUnknownCmd: 1 }), 59);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(typeof err.errmsg).toBe("string");
    expect(err.errorResponse).toMatchObject({ ok: 0, code: 59, codeName: "CommandNotFound" });
    expect(err.hasErrorLabel("TransientTransactionError")).toBe(false);
  });

  it("the connection stays usable after errors", async () => {
    await expectServerError(db.command({ someUnknownCmd: 1 }), 59);
    expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await c.countDocuments()).toBe(2);
  });
});
