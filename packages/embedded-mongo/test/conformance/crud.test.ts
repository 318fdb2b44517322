import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoBulkWriteError, ObjectId, type CommandStartedEvent, type Collection, type Db, type Document } from "mongodb";
import { collName, expectServerError, caught, openTarget, type Target, type AnyDoc } from "./harness.js";

let t: Target;
let db: Db;

beforeAll(async () => {
  t = await openTarget("crud");
  db = t.db();
});
afterAll(async () => {
  await t?.close();
});

function seedDocs(n: number): Document[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: i,
    n: i,
    group: i % 3,
    name: `doc${i}`,
    tags: i % 2 === 0 ? ["even", `t${i % 4}`] : ["odd"],
    nested: { x: i * 2, y: "y" },
  }));
}

describe("insert", () => {
  it("insertOne returns the inserted id and stores the document as given", async () => {
    const c = db.collection<AnyDoc>(collName("ins1"));
    const res = await c.insertOne({ _id: "a", v: 1, sub: { k: [1, 2] } });
    expect(res.acknowledged).toBe(true);
    expect(res.insertedId).toBe("a");
    expect(await c.findOne({ _id: "a" })).toEqual({ _id: "a", v: 1, sub: { k: [1, 2] } });

    const doc: Document = { v: 2 };
    const res2 = await c.insertOne(doc);
    expect(res2.insertedId).toBeInstanceOf(ObjectId);
    expect(await c.findOne({ _id: res2.insertedId })).toEqual({ _id: res2.insertedId, v: 2 });
  });

  it("insertMany returns insertedCount and insertedIds", async () => {
    const c = db.collection<AnyDoc>(collName("ins2"));
    const res = await c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    expect(res.insertedCount).toBe(3);
    expect(res.insertedIds).toEqual({ 0: 1, 1: 2, 2: 3 });
    expect(await c.countDocuments()).toBe(3);
  });

  it("ordered insertMany stops at the first duplicate and reports index and code", async () => {
    const c = db.collection<AnyDoc>(collName("ins3"));
    const err = await caught(c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }], { ordered: true }));
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const bulkErr = err as MongoBulkWriteError;
    expect(bulkErr.code).toBe(11000);
    const writeErrors = Array.isArray(bulkErr.writeErrors) ? bulkErr.writeErrors : [bulkErr.writeErrors];
    expect(writeErrors).toHaveLength(1);
    expect(writeErrors[0].index).toBe(2);
    expect(writeErrors[0].code).toBe(11000);
    expect(writeErrors[0].errmsg).toMatch(/^E11000 duplicate key error/);
    expect(bulkErr.insertedCount).toBe(2);
    expect(bulkErr.insertedIds).toEqual({ 0: 1, 1: 2 });
    const ids = (await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id);
    expect(ids).toEqual([1, 2]);
  });

  it("unordered insertMany continues past duplicates and reports every failed index", async () => {
    const c = db.collection<AnyDoc>(collName("ins4"));
    const err = await caught(c.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }, { _id: 1 }], { ordered: false }));
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const bulkErr = err as MongoBulkWriteError;
    const writeErrors = Array.isArray(bulkErr.writeErrors) ? bulkErr.writeErrors : [bulkErr.writeErrors];
    expect(writeErrors.map((e) => e.index)).toEqual([1, 3, 5]);
    expect(writeErrors.map((e) => e.code)).toEqual([11000, 11000, 11000]);
    expect(bulkErr.insertedCount).toBe(3);
    const ids = (await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id);
    expect(ids).toEqual([1, 2, 3]);
  });

  it("a duplicate against an existing document fails only that document in an unordered batch", async () => {
    const c = db.collection<AnyDoc>(collName("ins5"));
    await c.insertOne({ _id: "x" });
    const err = await caught(c.insertMany([{ _id: "a" }, { _id: "x" }, { _id: "b" }], { ordered: false }));
    const bulkErr = err as MongoBulkWriteError;
    expect(bulkErr).toBeInstanceOf(MongoBulkWriteError);
    const writeErrors = Array.isArray(bulkErr.writeErrors) ? bulkErr.writeErrors : [bulkErr.writeErrors];
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[1, 11000]]);
    expect(bulkErr.insertedCount).toBe(2);
    expect(await c.countDocuments()).toBe(3);
  });

  it("refuses a $-prefixed field name in _id (DollarPrefixedFieldName), for inserts and upserts alike", async () => {
    const c = db.collection<AnyDoc>(collName("dollarid"));
    expect((await caught(c.insertOne({ _id: { $a: 1 } }))).code).toBe(52);
    const bulkErr = (await caught(c.insertMany([{ _id: { a: 1, $b: 1 } }]))) as MongoBulkWriteError;
    expect(bulkErr).toBeInstanceOf(MongoBulkWriteError);
    expect(bulkErr.code).toBe(52);
    expect((await caught(c.updateOne({ "_id.$a": 1 }, { $set: { x: 1 } }, { upsert: true }))).code).toBe(52);
    expect((await caught(c.replaceOne({ x: 1 }, { _id: { $a: 1 }, x: 1 }, { upsert: true }))).code).toBe(52);
    expect(await c.countDocuments()).toBe(0);
    // Dotted names in _id and $-prefixed names elsewhere are accepted (MongoDB 5.0+).
    await c.insertOne({ _id: { "a.b": 1 } });
    await c.insertOne({ _id: 2, a: { $b: 1 }, $c: 1 });
    expect(await c.countDocuments()).toBe(2);
  });
});

describe("find", () => {
  let c: Collection<AnyDoc>;
  beforeAll(async () => {
    c = db.collection<AnyDoc>(collName("find"));
    await c.insertMany(seedDocs(20));
  });

  it("filters with comparison operators and sorts", async () => {
    const docs = await c
      .find({ n: { $gte: 5, $lt: 10 } })
      .sort({ n: 1 })
      .toArray();
    expect(docs.map((d) => d._id)).toEqual([5, 6, 7, 8, 9]);
    const desc = await c
      .find({ n: { $in: [1, 3, 17] } })
      .sort({ n: -1 })
      .toArray();
    expect(desc.map((d) => d._id)).toEqual([17, 3, 1]);
  });

  it("supports common query operators", async () => {
    const ids = async (filter: Document) => (await c.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
    expect(await ids({ $or: [{ n: 1 }, { n: 19 }] })).toEqual([1, 19]);
    expect(await ids({ $and: [{ group: 0 }, { n: { $gt: 10 } }] })).toEqual([12, 15, 18]);
    expect(await ids({ n: { $nin: [0, 1, 2], $lte: 4 } })).toEqual([3, 4]);
    expect(await ids({ n: { $ne: 0 }, group: 0, nested: { x: 6, y: "y" } })).toEqual([3]);
    expect(await ids({ tags: "t2" })).toEqual([2, 6, 10, 14, 18]);
    expect(await ids({ tags: { $size: 1 }, n: { $lt: 6 } })).toEqual([1, 3, 5]);
    expect(await ids({ "nested.x": { $gt: 34 } })).toEqual([18, 19]);
    expect(await ids({ name: { $regex: "^doc1[5-7]$" } })).toEqual([15, 16, 17]);
    expect(await ids({ missing: { $exists: true } })).toEqual([]);
    expect((await ids({ missing: null })).length).toBe(20);
    expect(await ids({ $expr: { $eq: ["$n", { $multiply: ["$group", 6] }] } })).toEqual([0]);
  });

  it("matches array elements with $elemMatch", async () => {
    const c2 = db.collection<AnyDoc>(collName("elem"));
    await c2.insertMany([
      {
        _id: 1,
        items: [
          { k: "a", q: 1 },
          { k: "b", q: 5 },
        ],
      },
      {
        _id: 2,
        items: [
          { k: "a", q: 5 },
          { k: "b", q: 1 },
        ],
      },
    ]);
    const em = await c2.find({ items: { $elemMatch: { k: "a", q: { $gte: 5 } } } }).toArray();
    expect(em.map((d) => d._id)).toEqual([2]);
    // without $elemMatch the conditions may be satisfied by different elements
    const loose = await c2
      .find({ "items.k": "a", "items.q": { $gte: 5 } })
      .sort({ _id: 1 })
      .toArray();
    expect(loose.map((d) => d._id)).toEqual([1, 2]);
  });

  it("applies inclusion, exclusion and dotted projections", async () => {
    const inc = await c.findOne({ _id: 4 }, { projection: { name: 1 } });
    expect(inc).toEqual({ _id: 4, name: "doc4" });
    const noId = await c.findOne({ _id: 4 }, { projection: { name: 1, _id: 0 } });
    expect(noId).toEqual({ name: "doc4" });
    const exc = await c.findOne({ _id: 4 }, { projection: { tags: 0, nested: 0 } });
    expect(exc).toEqual({ _id: 4, n: 4, group: 1, name: "doc4" });
    const dotted = await c.findOne({ _id: 4 }, { projection: { "nested.x": 1, _id: 0 } });
    expect(dotted).toEqual({ nested: { x: 8 } });
  });

  it("leaves stored documents whole after projections that exclude or slice nested fields", async () => {
    const c = db.collection<AnyDoc>(collName("projkeep"));
    await c.insertOne({ _id: 1, result: { lines: [1, 2, 3], q: 1 }, arr: [{ a: 1, b: 2 }], top: "t" });
    expect((await c.find({}, { projection: { "result.lines": 0 } }).toArray())[0]).toEqual({
      _id: 1,
      result: { q: 1 },
      arr: [{ a: 1, b: 2 }],
      top: "t",
    });
    await c.find({}, { projection: { "arr.b": 0, top: 0 } }).toArray();
    await c.find({}, { projection: { "result.lines": { $slice: 1 } } }).toArray();
    await c.findOneAndUpdate({ _id: 1 }, { $set: { x: 1 } }, { projection: { "result.q": 0 } });
    await c.aggregate([{ $project: { "result.lines": 0 } }]).toArray();
    await c.aggregate([{ $unset: "arr.a" }]).toArray();
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, result: { lines: [1, 2, 3], q: 1 }, arr: [{ a: 1, b: 2 }], top: "t", x: 1 });
  });

  it("sorts on several keys", async () => {
    const docs = await c
      .find({ n: { $lt: 9 } })
      .sort({ group: 1, n: -1 })
      .toArray();
    expect(docs.map((d) => d._id)).toEqual([6, 3, 0, 7, 4, 1, 8, 5, 2]);
  });

  it("applies skip and limit after the sort", async () => {
    const docs = await c.find({}).sort({ n: 1 }).skip(5).limit(3).toArray();
    expect(docs.map((d) => d._id)).toEqual([5, 6, 7]);
    const tail = await c.find({}).sort({ n: -1 }).skip(18).limit(10).toArray();
    expect(tail.map((d) => d._id)).toEqual([1, 0]);
  });

  it("honours batchSize: all documents arrive through getMore", async () => {
    const started: CommandStartedEvent[] = [];
    const listener = (ev: CommandStartedEvent) => {
      if (ev.databaseName === db.databaseName) started.push(ev);
    };
    t.client.on("commandStarted", listener);
    try {
      const docs = await c.find({}).sort({ _id: 1 }).batchSize(4).toArray();
      expect(docs.map((d) => d._id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      t.client.off("commandStarted", listener);
    }
    const find = started.find((e) => e.commandName === "find");
    expect(find?.command.batchSize).toBe(4);
    expect(started.filter((e) => e.commandName === "getMore").length).toBeGreaterThanOrEqual(4);
  });

  it("accepts a hint by index name or key pattern, and rejects a hint naming no index", async () => {
    await c.createIndex({ group: 1 }, { name: "by_group" });
    const byName = await c.find({ group: 2 }).hint("by_group").sort({ _id: 1 }).toArray();
    expect(byName.map((d) => d._id)).toEqual([2, 5, 8, 11, 14, 17]);
    const byKey = await c
      .find({ group: 2, n: { $gt: 10 } })
      .hint({ group: 1 })
      .sort({ _id: 1 })
      .toArray();
    expect(byKey.map((d) => d._id)).toEqual([11, 14, 17]);
    const natural = await c.find({ group: 2 }).hint({ $natural: 1 }).toArray();
    expect(natural).toHaveLength(6);
    const err = await expectServerError(c.find({ group: 2 }).hint("no_such_index").toArray(), 2, "BadValue");
    expect(err.message).toMatch(/hint provided does not correspond to an existing index/);
  });
});

describe("update", () => {
  it("updateOne and updateMany report matched and modified counts; a no-op $set is not modified", async () => {
    const c = db.collection<AnyDoc>(collName("upd1"));
    await c.insertMany(seedDocs(9));
    const one = await c.updateOne({ group: 1 }, { $set: { flag: true } });
    expect(one).toMatchObject({ acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });

    const many = await c.updateMany({ group: 1 }, { $set: { flag: true } });
    expect(many.matchedCount).toBe(3);
    expect(many.modifiedCount).toBe(2); // one already had flag: true

    const again = await c.updateMany({ group: 1 }, { $set: { flag: true } });
    expect(again.matchedCount).toBe(3);
    expect(again.modifiedCount).toBe(0);

    const none = await c.updateOne({ group: 99 }, { $set: { flag: true } });
    expect(none).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedId: null });

    const inc = await c.updateMany({ group: 0 }, { $inc: { n: 100 } });
    expect(inc.modifiedCount).toBe(3);
    expect((await c.find({ group: 0 }).sort({ _id: 1 }).toArray()).map((d) => d.n)).toEqual([100, 103, 106]);
  });

  it("supports the common update operators", async () => {
    const c = db.collection<AnyDoc>(collName("ops"));
    await c.insertOne({ _id: 1, a: 5, b: 10, old: "x", arr: [1, 2, 3], set: ["a"], rm: 1, m: 3, lo: 5, hi: 5 });
    await c.updateOne({ _id: 1 }, {
      $inc: { a: 2, newCounter: 1 },
      $unset: { rm: "" },
      $rename: { old: "renamed" },
      $push: { arr: { $each: [4, 5] } },
      $addToSet: { set: { $each: ["a", "b", "b"] } },
      $mul: { m: 4 },
      $min: { lo: 2 },
      $max: { hi: 3 },
      $set: { "deep.path.v": 1 },
    } as Document);
    expect(await c.findOne({ _id: 1 })).toEqual({
      _id: 1,
      a: 7,
      b: 10,
      arr: [1, 2, 3, 4, 5],
      set: ["a", "b"],
      m: 12,
      lo: 2,
      hi: 5,
      newCounter: 1,
      renamed: "x",
      deep: { path: { v: 1 } },
    });
    await c.updateOne({ _id: 1 }, { $pull: { arr: { $gte: 4 } }, $pop: { set: -1 } } as Document);
    const after = await c.findOne({ _id: 1 });
    expect(after?.arr).toEqual([1, 2, 3]);
    expect(after?.set).toEqual(["b"]);
  });

  it("updateOne and replaceOne refuse a sort option: wire version 21 is MongoDB 7.0, which has no such field", async () => {
    const c = db.collection<AnyDoc>(collName("updsort"));
    await c.insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
    const unknownField = (err: { code?: number; message: string }) => {
      expect(err.code, err.message).toBe(40415);
      expect(err.message).toMatch(/sort/);
    };
    unknownField(await caught(c.updateOne({}, { $set: { x: 1 } }, { sort: { n: -1 } })));
    unknownField(await caught(c.replaceOne({}, { x: 1 }, { sort: { n: -1 } })));
    unknownField(await caught(c.bulkWrite([{ updateOne: { filter: {}, update: { $set: { x: 1 } }, sort: { n: -1 } } }])));
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
  });

  it("replaceOne replaces the whole document but keeps _id", async () => {
    const c = db.collection<AnyDoc>(collName("repl"));
    await c.insertMany([
      { _id: 1, a: 1, b: 2 },
      { _id: 2, a: 1 },
    ]);
    const res = await c.replaceOne({ a: 1, b: 2 }, { replaced: true });
    expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, replaced: true });
    expect(await c.findOne({ _id: 2 })).toEqual({ _id: 2, a: 1 });
    const miss = await c.replaceOne({ a: 42 }, { x: 1 });
    expect(miss).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
  });

  it("upsert inserts a document seeded from the equality parts of the filter", async () => {
    const c = db.collection<AnyDoc>(collName("ups"));
    const res = await c.updateOne(
      { "profile.email": "x@y", kind: "user", age: { $gt: 18 }, $and: [{ region: "eu" }], level: { $eq: 3 } },
      { $set: { visits: 1 } },
      { upsert: true },
    );
    expect(res.matchedCount).toBe(0);
    expect(res.modifiedCount).toBe(0);
    expect(res.upsertedCount).toBe(1);
    expect(res.upsertedId).toBeInstanceOf(ObjectId);
    const doc = await c.findOne({ _id: res.upsertedId! });
    expect(doc).toEqual({
      _id: res.upsertedId,
      profile: { email: "x@y" },
      kind: "user",
      region: "eu",
      level: 3,
      visits: 1,
    });

    // the same upsert now matches the existing document
    const again = await c.updateOne({ "profile.email": "x@y", kind: "user" }, { $inc: { visits: 1 } }, { upsert: true });
    expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect(await c.countDocuments()).toBe(1);
  });

  it("upsert takes _id from the filter, and replaceOne upserts too", async () => {
    const c = db.collection<AnyDoc>(collName("ups2"));
    const res = await c.updateOne({ _id: "custom" }, { $set: { v: 1 } }, { upsert: true });
    expect(res.upsertedId).toBe("custom");
    expect(await c.findOne({ _id: "custom" })).toEqual({ _id: "custom", v: 1 });

    const rep = await c.replaceOne({ key: "k1" }, { key: "k1", v: 2 }, { upsert: true });
    expect(rep.upsertedCount).toBe(1);
    expect(rep.upsertedId).toBeInstanceOf(ObjectId);
    expect(await c.findOne({ key: "k1" })).toEqual({ _id: rep.upsertedId, key: "k1", v: 2 });

    const many = await c.updateMany({ tag: "zz" }, { $set: { v: 3 } }, { upsert: true });
    expect(many.upsertedCount).toBe(1);
    expect(await c.findOne({ tag: "zz" })).toMatchObject({ tag: "zz", v: 3 });
  });

  it("$setOnInsert applies only when the upsert inserts", async () => {
    const c = db.collection<AnyDoc>(collName("soi"));
    await c.updateOne({ _id: "s" }, { $set: { seen: 1 }, $setOnInsert: { created: "first" } }, { upsert: true });
    expect(await c.findOne({ _id: "s" })).toEqual({ _id: "s", seen: 1, created: "first" });
    const res = await c.updateOne({ _id: "s" }, { $set: { seen: 2 }, $setOnInsert: { created: "second", other: 1 } }, { upsert: true });
    expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
    expect(await c.findOne({ _id: "s" })).toEqual({ _id: "s", seen: 2, created: "first" });
    const onlySoi = await c.updateOne({ _id: "s" }, { $setOnInsert: { created: "third" } });
    expect(onlySoi).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect((await c.findOne({ _id: "s" }))?.created).toBe("first");
  });

  it("arrayFilters and $[] update selected or all array elements", async () => {
    const c = db.collection<AnyDoc>(collName("af"));
    await c.insertMany([
      { _id: 1, grades: [{ score: 50 }, { score: 70 }, { score: 90 }], nums: [1, 5, 10] },
      { _id: 2, grades: [{ score: 65 }], nums: [7] },
    ]);
    const res = await c.updateMany({}, { $set: { "grades.$[g].passed": true } }, { arrayFilters: [{ "g.score": { $gte: 60 } }] });
    expect(res).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect((await c.findOne({ _id: 1 }))?.grades).toEqual([{ score: 50 }, { score: 70, passed: true }, { score: 90, passed: true }]);
    await c.updateOne({ _id: 1 }, { $set: { "nums.$[x]": 0 } }, { arrayFilters: [{ x: { $gt: 4 } }] });
    expect((await c.findOne({ _id: 1 }))?.nums).toEqual([1, 0, 0]);
    await c.updateOne({ _id: 1 }, { $inc: { "grades.$[].score": 1 } });
    expect((await c.findOne({ _id: 1 }))?.grades.map((g: Document) => g.score)).toEqual([51, 71, 91]);
  });

  it("the positional $ operator updates the first matched element", async () => {
    const c = db.collection<AnyDoc>(collName("pos"));
    await c.insertOne({
      _id: 1,
      items: [
        { sku: "a", qty: 1 },
        { sku: "b", qty: 1 },
        { sku: "b", qty: 1 },
      ],
      scores: [1, 2, 3],
    });
    await c.updateOne({ _id: 1, "items.sku": "b" }, { $inc: { "items.$.qty": 5 } });
    await c.updateOne({ scores: 2 }, { $set: { "scores.$": 20 } });
    expect(await c.findOne({ _id: 1 })).toEqual({
      _id: 1,
      items: [
        { sku: "a", qty: 1 },
        { sku: "b", qty: 6 },
        { sku: "b", qty: 1 },
      ],
      scores: [1, 20, 3],
    });
  });

  it("pipeline updates compute fields from the document", async () => {
    const c = db.collection<AnyDoc>(collName("pipe"));
    await c.insertMany([
      { _id: 1, a: 2, b: 3, tmp: 1, name: "x" },
      { _id: 2, a: 10, b: 1, tmp: 1, name: "y" },
    ]);
    const res = await c.updateMany({}, [
      { $set: { total: { $add: ["$a", "$b"] }, label: { $concat: ["n-", "$name"] } } },
      { $unset: "tmp" },
    ]);
    expect(res).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, a: 2, b: 3, name: "x", total: 5, label: "n-x" },
      { _id: 2, a: 10, b: 1, name: "y", total: 11, label: "n-y" },
    ]);
  });
});

describe("findOneAndX", () => {
  let c: Collection<AnyDoc>;
  beforeAll(async () => {
    c = db.collection<AnyDoc>(collName("fam"));
    await c.insertMany([
      { _id: 1, q: "x", v: 1 },
      { _id: 2, q: "x", v: 2 },
      { _id: 3, q: "x", v: 3 },
    ]);
  });

  it("findOneAndUpdate returns the document before or after, honouring sort and projection", async () => {
    const before = await c.findOneAndUpdate({ q: "x" }, { $inc: { v: 10 } }, { sort: { v: -1 }, returnDocument: "before" });
    expect(before).toEqual({ _id: 3, q: "x", v: 3 });
    const after = await c.findOneAndUpdate(
      { q: "x" },
      { $inc: { v: 10 } },
      { sort: { v: 1 }, returnDocument: "after", projection: { v: 1, _id: 0 } },
    );
    expect(after).toEqual({ v: 11 });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, q: "x", v: 11 });
    expect(await c.findOneAndUpdate({ q: "nope" }, { $set: { v: 0 } })).toBeNull();
  });

  it("findOneAndUpdate with upsert", async () => {
    const after = await c.findOneAndUpdate({ _id: 99 }, { $set: { v: 1 } }, { upsert: true, returnDocument: "after" });
    expect(after).toEqual({ _id: 99, v: 1 });
    const before = await c.findOneAndUpdate({ _id: 100 }, { $set: { v: 2 } }, { upsert: true, returnDocument: "before" });
    expect(before).toBeNull();
    expect(await c.findOne({ _id: 100 })).toEqual({ _id: 100, v: 2 });

    const meta = await c.findOneAndUpdate(
      { _id: 101 },
      { $set: { v: 3 } },
      { upsert: true, returnDocument: "after", includeResultMetadata: true },
    );
    expect(meta.ok).toBe(1);
    expect(meta.value).toEqual({ _id: 101, v: 3 });
    expect(meta.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false, upserted: 101 });
    const meta2 = await c.findOneAndUpdate({ _id: 101 }, { $set: { v: 4 } }, { includeResultMetadata: true });
    expect(meta2.lastErrorObject).toMatchObject({ n: 1, updatedExisting: true });
    expect(meta2.value).toEqual({ _id: 101, v: 3 });
    await c.deleteMany({ _id: { $in: [99, 100, 101] } });
  });

  it("findOneAndReplace returns the replaced or replacement document", async () => {
    const before = await c.findOneAndReplace({ q: "x" }, { q: "y", v: 0 }, { sort: { _id: -1 } });
    expect(before).toEqual({ _id: 3, q: "x", v: 13 });
    const after = await c.findOneAndReplace({ q: "y" }, { q: "y", v: 1 }, { returnDocument: "after", projection: { _id: 1, v: 1 } });
    expect(after).toEqual({ _id: 3, v: 1 });
    const ups = await c.findOneAndReplace({ _id: 7 }, { q: "z" }, { upsert: true, returnDocument: "after" });
    expect(ups).toEqual({ _id: 7, q: "z" });
    expect(await c.findOneAndReplace({ q: "none" }, { q: "w" })).toBeNull();
    await c.deleteOne({ _id: 7 });
  });

  it("findOneAndDelete deletes the first document in sort order and returns it", async () => {
    // state here: { _id: 1, v: 11 } and { _id: 2, v: 2 } have q "x"
    const del = await c.findOneAndDelete({ q: "x" }, { sort: { v: 1 }, projection: { q: 0 } });
    expect(del).toEqual({ _id: 2, v: 2 });
    expect(await c.findOne({ _id: 2 })).toBeNull();
    expect(await c.findOneAndDelete({ q: "none" })).toBeNull();
    expect(await c.countDocuments()).toBe(2);
  });
});

describe("delete and counts", () => {
  it("deleteOne and deleteMany report deletedCount", async () => {
    const c = db.collection<AnyDoc>(collName("del"));
    await c.insertMany(seedDocs(10));
    expect(await c.deleteOne({ group: 0 })).toEqual({ acknowledged: true, deletedCount: 1 });
    expect((await c.deleteMany({ group: 1 })).deletedCount).toBe(3);
    expect((await c.deleteMany({ group: 1 })).deletedCount).toBe(0);
    expect((await c.deleteOne({ nope: 1 })).deletedCount).toBe(0);
    expect(await c.countDocuments()).toBe(6);
    expect((await c.deleteMany({})).deletedCount).toBe(6);
    expect(await c.countDocuments()).toBe(0);
  });

  it("countDocuments and estimatedDocumentCount", async () => {
    const c = db.collection<AnyDoc>(collName("cnt"));
    expect(await c.countDocuments()).toBe(0);
    expect(await c.estimatedDocumentCount()).toBe(0);
    await c.insertMany(seedDocs(25));
    expect(await c.countDocuments()).toBe(25);
    expect(await c.countDocuments({ group: 2 })).toBe(8);
    expect(await c.countDocuments({}, { skip: 20 })).toBe(5);
    expect(await c.countDocuments({}, { limit: 7 })).toBe(7);
    expect(await c.countDocuments({ group: 0 }, { skip: 2, limit: 3 })).toBe(3);
    expect(await c.estimatedDocumentCount()).toBe(25);
  });

  it("distinct unwinds array values and honours the filter", async () => {
    const c = db.collection<AnyDoc>(collName("dist"));
    await c.insertMany([
      { _id: 1, tags: ["a", "b"], k: 1, sub: { v: "p" } },
      { _id: 2, tags: ["b", "c"], k: 1, sub: { v: "q" } },
      { _id: 3, tags: "d", k: 2, sub: { v: "p" } },
      { _id: 4, tags: [], k: 2 },
      { _id: 5, k: 3 },
    ]);
    expect((await c.distinct("tags")).sort()).toEqual(["a", "b", "c", "d"]);
    expect((await c.distinct("tags", { k: 1 })).sort()).toEqual(["a", "b", "c"]);
    expect((await c.distinct("k")).sort()).toEqual([1, 2, 3]);
    expect((await c.distinct("sub.v")).sort()).toEqual(["p", "q"]);
    expect(await c.distinct("nothing")).toEqual([]);
  });
});

describe("bulkWrite", () => {
  it("executes mixed ordered operations and reports every count", async () => {
    const c = db.collection<AnyDoc>(collName("bulk"));
    const res = await c.bulkWrite([
      { insertOne: { document: { _id: "b1", v: 1 } } },
      { insertOne: { document: { _id: "b2", v: 2 } } },
      { updateOne: { filter: { _id: "b1" }, update: { $set: { v: 10 } } } },
      { updateMany: { filter: { v: { $gte: 2 } }, update: { $inc: { v: 1 } } } },
      { replaceOne: { filter: { _id: "b2" }, replacement: { v: 100 } } },
      { deleteOne: { filter: { _id: "b1" } } },
      { updateOne: { filter: { _id: "b3" }, update: { $set: { v: 3 } }, upsert: true } },
      { deleteMany: { filter: { v: { $gt: 1000 } } } },
    ]);
    expect(res.insertedCount).toBe(2);
    expect(res.matchedCount).toBe(4);
    expect(res.modifiedCount).toBe(4);
    expect(res.deletedCount).toBe(1);
    expect(res.upsertedCount).toBe(1);
    expect(res.upsertedIds).toEqual({ 6: "b3" });
    expect(res.insertedIds).toEqual({ 0: "b1", 1: "b2" });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: "b2", v: 100 },
      { _id: "b3", v: 3 },
    ]);
  });

  it("unordered bulkWrite reports write errors at their original indexes", async () => {
    const c = db.collection<AnyDoc>(collName("bulk2"));
    await c.insertOne({ _id: "exists" });
    const err = await caught(
      c.bulkWrite(
        [
          { insertOne: { document: { _id: "n1" } } },
          { updateOne: { filter: { _id: "exists" }, update: { $set: { touched: true } } } },
          { insertOne: { document: { _id: "exists" } } },
          { deleteOne: { filter: { _id: "n1" } } },
          { insertOne: { document: { _id: "n2" } } },
        ],
        { ordered: false },
      ),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const bulkErr = err as MongoBulkWriteError;
    const writeErrors = Array.isArray(bulkErr.writeErrors) ? bulkErr.writeErrors : [bulkErr.writeErrors];
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[2, 11000]]);
    expect(bulkErr.insertedCount).toBe(2);
    expect(bulkErr.matchedCount).toBe(1);
    expect(bulkErr.deletedCount).toBe(1);
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: "exists", touched: true }, { _id: "n2" }]);
  });
});
