import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, Document } from "mongodb";
import { collName, expectServerError, openTarget, sleep, type Target, type AnyDoc } from "./harness.js";

let t: Target;
let db: Db;

beforeAll(async () => {
  t = await openTarget("indexes");
  db = t.db();
});
afterAll(async () => {
  await t?.close();
});

const dupPrefix = (coll: string, index: string) =>
  `E11000 duplicate key error collection: ${db.databaseName}.${coll} index: ${index} dup key:`;

describe("index management", () => {
  it("createIndex / listIndexes / dropIndex shapes, with _id_ always present", async () => {
    const name = collName("ix");
    const c = db.collection<AnyDoc>(name);
    await c.insertOne({ _id: 1, email: "a@x", n: 1 });
    expect(await c.listIndexes().toArray()).toEqual([{ v: 2, key: { _id: 1 }, name: "_id_" }]);

    expect(await c.createIndex({ email: 1 }, { unique: true })).toBe("email_1");
    expect(await c.createIndex({ n: -1, email: 1 })).toBe("n_-1_email_1");
    expect(await c.createIndex({ n: 1 }, { name: "custom" })).toBe("custom");
    // creating an identical index again is a no-op
    expect(await c.createIndex({ email: 1 }, { unique: true })).toBe("email_1");

    const list = await c.listIndexes().toArray();
    expect(list).toEqual([
      { v: 2, key: { _id: 1 }, name: "_id_" },
      { v: 2, key: { email: 1 }, name: "email_1", unique: true },
      { v: 2, key: { n: -1, email: 1 }, name: "n_-1_email_1" },
      { v: 2, key: { n: 1 }, name: "custom" },
    ]);
    expect(await c.indexExists(["email_1", "custom"])).toBe(true);
    expect(await c.indexExists("nope_1")).toBe(false);

    const dropped = await c.dropIndex("custom");
    expect(dropped).toMatchObject({ nIndexesWas: 4, ok: 1 });
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(["_id_", "email_1", "n_-1_email_1"]);

    await c.dropIndexes();
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(["_id_"]);
  });

  it("raw createIndexes replies count indexes before and after", async () => {
    const name = collName("ixraw");
    const res = await db.command({ createIndexes: name, indexes: [{ key: { a: 1 }, name: "a_1" }] });
    expect(res).toMatchObject({ ok: 1, createdCollectionAutomatically: true, numIndexesBefore: 1, numIndexesAfter: 2 });
    const again = await db.command({ createIndexes: name, indexes: [{ key: { a: 1 }, name: "a_1" }] });
    expect(again).toMatchObject({ ok: 1, numIndexesBefore: 2, numIndexesAfter: 2, note: "all indexes already exist" });
    const more = await db.command({ createIndexes: name, indexes: [{ key: { b: 1 }, name: "b_1" }] });
    expect(more).toMatchObject({ ok: 1, createdCollectionAutomatically: false, numIndexesBefore: 2, numIndexesAfter: 3 });
    const colls = await db.listCollections({ name }).toArray();
    expect(colls).toHaveLength(1);
  });

  it("dropping _id_ or an unknown index fails", async () => {
    const c = db.collection<AnyDoc>(collName("ixdrop"));
    await c.insertOne({ a: 1 });
    const idErr = await expectServerError(c.dropIndex("_id_"), 72, "InvalidOptions");
    expect(idErr.message).toMatch(/_id index/);
    const missing = await expectServerError(c.dropIndex("nope_1"), 27, "IndexNotFound");
    expect(missing.message).toContain("nope_1");
  });

  it("listIndexes on a missing collection fails with NamespaceNotFound (26)", async () => {
    await expectServerError(db.command({ listIndexes: collName("missing") }), 26, "NamespaceNotFound");
  });

  it("conflicting index definitions are rejected", async () => {
    const c = db.collection<AnyDoc>(collName("ixconf"));
    await c.createIndex({ email: 1 });
    // same (generated) name, different options
    await expectServerError(c.createIndex({ email: 1 }, { unique: true }), 86, "IndexKeySpecsConflict");
    // same key and options, different name
    await expectServerError(c.createIndex({ email: 1 }, { name: "email_again" }), 85, "IndexOptionsConflict");
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(["_id_", "email_1"]);
  });
});

describe("unique indexes", () => {
  it("a duplicate on a unique index fails with 11000, keyPattern and keyValue", async () => {
    const name = collName("uq");
    const c = db.collection<AnyDoc>(name);
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ _id: 1, email: "a@x" });
    const err = await expectServerError(c.insertOne({ _id: 2, email: "a@x" }), 11000);
    expect(err.keyPattern).toEqual({ email: 1 });
    expect(err.keyValue).toEqual({ email: "a@x" });
    expect(err.message.startsWith(dupPrefix(name, "email_1"))).toBe(true);
    expect(await c.countDocuments()).toBe(1);

    // updates that would create a duplicate fail the same way and change nothing
    await c.insertOne({ _id: 3, email: "b@x" });
    const upd = await expectServerError(c.updateOne({ _id: 3 }, { $set: { email: "a@x" } }), 11000);
    expect(upd.keyValue).toEqual({ email: "a@x" });
    expect((await c.findOne({ _id: 3 }))?.email).toBe("b@x");
    // upserting into a duplicate fails too
    await expectServerError(c.updateOne({ _id: 4 }, { $set: { email: "b@x" } }, { upsert: true }), 11000);
    expect(await c.findOne({ _id: 4 })).toBeNull();
  });

  it("a duplicate _id fails with 11000 on the _id_ index", async () => {
    const name = collName("uqid");
    const c = db.collection<AnyDoc>(name);
    await c.insertOne({ _id: 1, v: "first" });
    const err = await expectServerError(c.insertOne({ _id: 1, v: "second" }), 11000);
    expect(err.keyPattern).toEqual({ _id: 1 });
    expect(err.keyValue).toEqual({ _id: 1 });
    expect(err.message.startsWith(dupPrefix(name, "_id_"))).toBe(true);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, v: "first" });
  });

  it("compound unique indexes compare the whole key", async () => {
    const name = collName("uqc");
    const c = db.collection<AnyDoc>(name);
    expect(await c.createIndex({ a: 1, b: 1 }, { unique: true })).toBe("a_1_b_1");
    await c.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
      { a: 2, b: 1 },
    ]);
    const err = await expectServerError(c.insertOne({ a: 1, b: 1 }), 11000);
    expect(err.keyPattern).toEqual({ a: 1, b: 1 });
    expect(err.keyValue).toEqual({ a: 1, b: 1 });
    expect(err.message.startsWith(dupPrefix(name, "a_1_b_1"))).toBe(true);
  });

  it("a non-sparse unique index treats a missing field as null", async () => {
    const c = db.collection<AnyDoc>(collName("uqnull"));
    await c.createIndex({ x: 1 }, { unique: true });
    await c.insertOne({ _id: 1 });
    const err = await expectServerError(c.insertOne({ _id: 2 }), 11000);
    expect(err.keyValue).toEqual({ x: null });
  });

  it("a sparse unique index allows many documents without the field", async () => {
    const c = db.collection<AnyDoc>(collName("uqsparse"));
    await c.createIndex({ sku: 1 }, { unique: true, sparse: true });
    await c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }, { _id: 4, sku: "a" }]);
    await expectServerError(c.insertOne({ _id: 5, sku: "a" }), 11000);
    // an explicit null is indexed even by a sparse index
    await c.insertOne({ _id: 6, sku: null });
    await expectServerError(c.insertOne({ _id: 7, sku: null }), 11000);
    expect(await c.countDocuments()).toBe(5);
    const spec = (await c.listIndexes().toArray()).find((i) => i.name === "sku_1");
    expect(spec).toMatchObject({ unique: true, sparse: true });
  });

  it("a partial unique index only constrains documents matching its filter", async () => {
    const c = db.collection<AnyDoc>(collName("uqpart"));
    await c.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await c.insertMany([
      { _id: 1, email: "p@x", active: false },
      { _id: 2, email: "p@x", active: false },
      { _id: 3, email: "p@x" },
      { _id: 4, email: "p@x", active: true },
    ]);
    const err = await expectServerError(c.insertOne({ _id: 5, email: "p@x", active: true }), 11000);
    expect(err.keyValue).toEqual({ email: "p@x" });
    // moving a document into the filter creates the duplicate
    await expectServerError(c.updateOne({ _id: 1 }, { $set: { active: true } }), 11000);
    expect(await c.countDocuments({ active: true })).toBe(1);
    const spec = (await c.listIndexes().toArray()).find((i) => i.name === "email_1");
    expect(spec).toMatchObject({ unique: true, partialFilterExpression: { active: true } });
  });

  it("a unique multikey index constrains across documents, not within one", async () => {
    const c = db.collection<AnyDoc>(collName("uqmulti"));
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ _id: 1, tags: ["a", "a"] });
    await c.insertOne({ _id: 2, tags: ["b", "c"] });
    const err = await expectServerError(c.insertOne({ _id: 3, tags: ["d", "c"] }), 11000);
    expect(err.keyValue).toEqual({ tags: "c" });
  });

  it("creating a unique index over existing duplicates fails with 11000 and leaves no index", async () => {
    const c = db.collection<AnyDoc>(collName("uqbuild"));
    await c.insertMany([
      { _id: 1, k: "same" },
      { _id: 2, k: "same" },
      { _id: 3, k: "other" },
    ]);
    const err = await expectServerError(c.createIndex({ k: 1 }, { unique: true }), 11000, "DuplicateKey");
    expect(err.message).toMatch(/E11000 duplicate key error/);
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(["_id_"]);
    expect(await c.countDocuments()).toBe(3);
  });
});

describe("TTL indexes", () => {
  it("removes expired documents and keeps the others", async (ctx) => {
    if (!t.embedded) {
      const p = await t.client.db("admin").command({ getParameter: 1, ttlMonitorSleepSecs: 1 });
      ctx.skip(Number(p.ttlMonitorSleepSecs) > 3, `real server's TTL monitor sleeps ${p.ttlMonitorSleepSecs}s`);
    }
    const c = db.collection<AnyDoc>(collName("ttl"));
    expect(await c.createIndex({ createdAt: 1 }, { expireAfterSeconds: 1 })).toBe("createdAt_1");
    const spec = (await c.listIndexes().toArray()).find((i) => i.name === "createdAt_1");
    expect(spec).toMatchObject({ key: { createdAt: 1 }, expireAfterSeconds: 1 });

    const now = Date.now();
    const hour = 3600_000;
    await c.insertMany([
      { _id: "past", createdAt: new Date(now - hour) },
      { _id: "now", createdAt: new Date(now) },
      { _id: "arrayWithPast", createdAt: [new Date(now + hour), new Date(now - hour)] },
      { _id: "future", createdAt: new Date(now + hour) },
      { _id: "missing" },
      { _id: "notADate", createdAt: "2000-01-01T00:00:00Z" },
    ]);
    const expired = ["past", "now", "arrayWithPast"];
    const deadline = Date.now() + 10_000;
    let remaining: Document[] = [];
    while (Date.now() < deadline) {
      remaining = await c.find({}, { projection: { _id: 1 } }).toArray();
      if (!remaining.some((d) => expired.includes(d._id))) break;
      await sleep(200);
    }
    expect(remaining.map((d) => d._id).sort()).toEqual(["future", "missing", "notADate"]);
  });
});
