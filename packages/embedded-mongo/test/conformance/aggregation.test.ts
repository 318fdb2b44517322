import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Long, type CommandStartedEvent, type Collection, type Db, type Document } from "mongodb";
import { collName, cursorIdOf, openTarget, type Target, type AnyDoc } from "./harness.js";

let t: Target;
let db: Db;
let orders: Collection<AnyDoc>;
let customers: Collection<AnyDoc>;

beforeAll(async () => {
  t = await openTarget("aggregation");
  db = t.db();
  orders = db.collection<AnyDoc>(collName("orders"));
  customers = db.collection<AnyDoc>(collName("customers"));
  await orders.insertMany([
    { _id: 1, cust: "a", amount: 10, items: ["x", "y"], at: new Date("2020-03-30T20:00:00Z") },
    { _id: 2, cust: "b", amount: 20, items: ["y"], at: new Date("2020-03-30T10:00:00Z") },
    { _id: 3, cust: "a", amount: 30, items: [], at: new Date("2020-03-31T18:30:00Z") },
    { _id: 4, cust: "c", amount: 5, at: new Date("2020-12-31T17:15:00Z") },
    { _id: 5, cust: "a", amount: 15, items: ["z", "x", "x"], at: new Date("2021-01-01T00:00:00Z") },
  ]);
  await customers.insertMany([
    { _id: "a", name: "Alice", tier: 1 },
    { _id: "b", name: "Bob", tier: 2 },
    { _id: "z", name: "Zed", tier: 2 },
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe("basic stages", () => {
  it("$match + $sort", async () => {
    const out = await orders.aggregate([{ $match: { amount: { $gte: 15 } } }, { $sort: { amount: -1 } }]).toArray();
    expect(out.map((d) => d._id)).toEqual([3, 2, 5]);
  });

  it("$group with $sum, $avg, $push, $min, $max and a count", async () => {
    const out = await orders
      .aggregate([
        { $sort: { _id: 1 } },
        {
          $group: {
            _id: "$cust",
            total: { $sum: "$amount" },
            avg: { $avg: "$amount" },
            amounts: { $push: "$amount" },
            n: { $sum: 1 },
            min: { $min: "$amount" },
            max: { $max: "$amount" },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: "a", total: 55, avg: 55 / 3, amounts: [10, 30, 15], n: 3, min: 10, max: 30 },
      { _id: "b", total: 20, avg: 20, amounts: [20], n: 1, min: 20, max: 20 },
      { _id: "c", total: 5, avg: 5, amounts: [5], n: 1, min: 5, max: 5 },
    ]);
  });

  it("$group with _id null aggregates everything", async () => {
    const out = await orders.aggregate([{ $group: { _id: null, total: { $sum: "$amount" }, avg: { $avg: "$amount" } } }]).toArray();
    expect(out).toEqual([{ _id: null, total: 80, avg: 16 }]);
  });

  it("$project includes, excludes and computes fields", async () => {
    const out = await orders
      .aggregate([
        { $match: { _id: { $in: [1, 2] } } },
        { $sort: { _id: 1 } },
        { $project: { _id: 0, cust: 1, double: { $multiply: ["$amount", 2] }, firstItem: { $arrayElemAt: ["$items", 0] } } },
      ])
      .toArray();
    expect(out).toEqual([
      { cust: "a", double: 20, firstItem: "x" },
      { cust: "b", double: 40, firstItem: "y" },
    ]);
    const excl = await orders.aggregate([{ $match: { _id: 4 } }, { $project: { at: 0, amount: 0 } }]).toArray();
    expect(excl).toEqual([{ _id: 4, cust: "c" }]);
  });

  it("$addFields, $skip and $limit", async () => {
    const out = await orders
      .aggregate([
        { $sort: { _id: 1 } },
        { $skip: 1 },
        { $limit: 2 },
        { $addFields: { big: { $gt: ["$amount", 15] } } },
        { $project: { big: 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: 2, big: true },
      { _id: 3, big: true },
    ]);
  });

  it("$unwind emits one document per array element", async () => {
    const out = await orders.aggregate([{ $unwind: "$items" }, { $sort: { _id: 1, items: 1 } }, { $project: { items: 1 } }]).toArray();
    expect(out.map((d) => [d._id, d.items])).toEqual([
      [1, "x"],
      [1, "y"],
      [2, "y"],
      [5, "x"],
      [5, "x"],
      [5, "z"],
    ]);
    // one input document unwinds in array order
    const five = await orders.aggregate([{ $match: { _id: 5 } }, { $unwind: "$items" }]).toArray();
    expect(five.map((d) => d.items)).toEqual(["z", "x", "x"]);
    expect(five[0]).toEqual({ _id: 5, cust: "a", amount: 15, items: "z", at: new Date("2021-01-01T00:00:00Z") });
  });

  it("$unwind with preserveNullAndEmptyArrays and includeArrayIndex", async () => {
    const out = await orders
      .aggregate([
        { $match: { _id: { $in: [2, 3, 4] } } },
        { $unwind: { path: "$items", preserveNullAndEmptyArrays: true, includeArrayIndex: "idx" } },
        { $project: { items: 1, idx: 1 } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: 2, items: "y", idx: 0 },
      { _id: 3, idx: null },
      { _id: 4, idx: null },
    ]);
  });

  it("$count counts the documents reaching it (and yields nothing for none)", async () => {
    expect(await orders.aggregate([{ $match: { cust: "a" } }, { $count: "n" }]).toArray()).toEqual([{ n: 3 }]);
    expect(await orders.aggregate([{ $match: { cust: "nobody" } }, { $count: "n" }]).toArray()).toEqual([]);
  });

  it("$sortByCount-like pipelines: $group then $sort on the computed field", async () => {
    const out = await orders
      .aggregate([{ $unwind: "$items" }, { $group: { _id: "$items", n: { $sum: 1 } } }, { $sort: { n: -1, _id: 1 } }])
      .toArray();
    expect(out).toEqual([
      { _id: "x", n: 3 },
      { _id: "y", n: 2 },
      { _id: "z", n: 1 },
    ]);
  });

  it("$setWindowFields computes running totals and document numbers per partition", async () => {
    const out = await orders
      .aggregate([
        {
          $setWindowFields: {
            partitionBy: "$cust",
            sortBy: { amount: 1 },
            output: {
              running: { $sum: "$amount", window: { documents: ["unbounded", "current"] } },
              "pos.n": { $documentNumber: {} },
            },
          },
        },
        { $project: { cust: 1, amount: 1, running: 1, pos: 1 } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: 1, cust: "a", amount: 10, running: 10, pos: { n: 1 } },
      { _id: 2, cust: "b", amount: 20, running: 20, pos: { n: 1 } },
      { _id: 3, cust: "a", amount: 30, running: 55, pos: { n: 3 } },
      { _id: 4, cust: "c", amount: 5, running: 5, pos: { n: 1 } },
      { _id: 5, cust: "a", amount: 15, running: 25, pos: { n: 2 } },
    ]);
  });
});

describe("$group by fields with $sum (counts as reports make them)", () => {
  let c: Collection<AnyDoc>;
  const sortById = (docs: Document[]) => [...docs].sort((a, b) => (JSON.stringify(a._id) < JSON.stringify(b._id) ? -1 : 1));
  beforeAll(async () => {
    c = db.collection<AnyDoc>(collName("tallies"));
    await c.insertMany([
      { _id: 1, unit: "VP", status: "done", onTime: true, n: 2, at: new Date("2020-03-01T00:00:00Z") },
      { _id: 2, unit: "VP", status: "done", onTime: false, n: 3, at: new Date("2020-03-01T00:00:00Z") },
      { _id: 3, unit: "VP", status: "open", n: "x" },
      { _id: 4, unit: "PC", status: "open", onTime: null, n: 4.5 },
      { _id: 5, status: "open", n: 1 },
      { _id: 6, unit: "PC", status: "done", onTime: true, at: new Date("2020-04-01T00:00:00Z") },
    ]);
  });

  it("groups by one field: a missing field and null make one group with _id null", async () => {
    const out = await c.aggregate([{ $group: { _id: "$onTime", count: { $sum: 1 } } }]).toArray();
    expect(sortById(out)).toEqual(
      sortById([
        { _id: true, count: 2 },
        { _id: false, count: 1 },
        { _id: null, count: 3 },
      ]),
    );
  });

  it("groups by several fields: a missing field is left out of the _id document, null is kept", async () => {
    const out = await c
      .aggregate([
        { $match: { status: "open" } },
        { $group: { _id: { unit: "$unit", onTime: "$onTime" }, count: { $sum: 1 }, total: { $sum: "$n" } } },
      ])
      .toArray();
    expect(sortById(out)).toEqual(
      sortById([
        { _id: { unit: "VP" }, count: 1, total: 0 },
        { _id: { unit: "PC", onTime: null }, count: 1, total: 4.5 },
        { _id: {}, count: 1, total: 1 },
      ]),
    );
  });

  it("groups dates by instant, takes constants in the key, and feeds later stages", async () => {
    const out = await c
      .aggregate([
        { $match: { status: "done" } },
        { $group: { _id: { at: "$at", kind: "report" }, weight: { $sum: 2 } } },
        { $sort: { weight: -1, "_id.at": 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: { at: new Date("2020-03-01T00:00:00Z"), kind: "report" }, weight: 4 },
      { _id: { at: new Date("2020-04-01T00:00:00Z"), kind: "report" }, weight: 2 },
    ]);
  });

  it("groups by a field holding arrays or documents as whole values", async () => {
    const g = db.collection<AnyDoc>(collName("tallies2"));
    await g.insertMany([
      { _id: 1, tags: ["a", "b"] },
      { _id: 2, tags: ["a", "b"] },
      { _id: 3, tags: { x: 1 } },
    ]);
    const out = await g.aggregate([{ $group: { _id: "$tags", count: { $sum: 1 } } }]).toArray();
    expect(sortById(out)).toEqual(
      sortById([
        { _id: ["a", "b"], count: 2 },
        { _id: { x: 1 }, count: 1 },
      ]),
    );
  });
});

describe("$lookup and $facet", () => {
  it("$lookup joins another collection of the same database", async () => {
    const out = await orders
      .aggregate([
        { $sort: { _id: 1 } },
        { $lookup: { from: customers.collectionName, localField: "cust", foreignField: "_id", as: "customer" } },
        { $project: { cust: 1, customer: 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: 1, cust: "a", customer: [{ _id: "a", name: "Alice", tier: 1 }] },
      { _id: 2, cust: "b", customer: [{ _id: "b", name: "Bob", tier: 2 }] },
      { _id: 3, cust: "a", customer: [{ _id: "a", name: "Alice", tier: 1 }] },
      { _id: 4, cust: "c", customer: [] },
      { _id: 5, cust: "a", customer: [{ _id: "a", name: "Alice", tier: 1 }] },
    ]);
  });

  it("$lookup matches array local fields element-wise", async () => {
    const out = await orders
      .aggregate([
        { $match: { _id: 5 } },
        { $lookup: { from: customers.collectionName, localField: "items", foreignField: "_id", as: "hits" } },
        { $project: { names: "$hits.name" } },
      ])
      .toArray();
    expect(out).toEqual([{ _id: 5, names: ["Zed"] }]);
  });

  it("$lookup with let and pipeline", async () => {
    const out = await customers
      .aggregate([
        { $sort: { _id: 1 } },
        {
          $lookup: {
            from: orders.collectionName,
            let: { cid: "$_id" },
            pipeline: [{ $match: { $expr: { $eq: ["$cust", "$$cid"] } } }, { $group: { _id: null, total: { $sum: "$amount" } } }],
            as: "agg",
          },
        },
        { $project: { total: { $ifNull: [{ $arrayElemAt: ["$agg.total", 0] }, 0] } } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: "a", total: 55 },
      { _id: "b", total: 20 },
      { _id: "z", total: 0 },
    ]);
  });

  it("$facet runs sub-pipelines over the same input", async () => {
    const out = await orders
      .aggregate([
        { $match: { amount: { $gte: 10 } } },
        {
          $facet: {
            byCust: [{ $group: { _id: "$cust", n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
            total: [{ $count: "n" }],
            top: [{ $sort: { amount: -1 } }, { $limit: 1 }, { $project: { _id: 1 } }],
          },
        },
      ])
      .toArray();
    expect(out).toEqual([
      {
        byCust: [
          { _id: "a", n: 3 },
          { _id: "b", n: 1 },
        ],
        total: [{ n: 4 }],
        top: [{ _id: 3 }],
      },
    ]);
  });
});

describe("dates", () => {
  it("$dateToString honours an IANA timezone", async () => {
    const out = await orders
      .aggregate([
        { $sort: { _id: 1 } },
        {
          $project: {
            utc: { $dateToString: { date: "$at", format: "%Y-%m-%d" } },
            vn: { $dateToString: { date: "$at", format: "%Y-%m-%d", timezone: "Asia/Ho_Chi_Minh" } },
            vnTime: { $dateToString: { date: "$at", format: "%H:%M", timezone: "Asia/Ho_Chi_Minh" } },
          },
        },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: 1, utc: "2020-03-30", vn: "2020-03-31", vnTime: "03:00" },
      { _id: 2, utc: "2020-03-30", vn: "2020-03-30", vnTime: "17:00" },
      { _id: 3, utc: "2020-03-31", vn: "2020-04-01", vnTime: "01:30" },
      { _id: 4, utc: "2020-12-31", vn: "2021-01-01", vnTime: "00:15" },
      { _id: 5, utc: "2021-01-01", vn: "2021-01-01", vnTime: "07:00" },
    ]);
  });

  it("$dateToString default format is ISO-8601 in UTC with milliseconds", async () => {
    const out = await orders.aggregate([{ $match: { _id: 1 } }, { $project: { s: { $dateToString: { date: "$at" } } } }]).toArray();
    expect(out).toEqual([{ _id: 1, s: "2020-03-30T20:00:00.000Z" }]);
  });

  it("groups by local day in a timezone", async () => {
    const out = await orders
      .aggregate([
        { $match: { _id: { $in: [1, 2, 3] } } },
        {
          $group: {
            _id: { $dateToString: { date: "$at", format: "%Y-%m-%d", timezone: "Asia/Ho_Chi_Minh" } },
            total: { $sum: "$amount" },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(out).toEqual([
      { _id: "2020-03-30", total: 20 },
      { _id: "2020-03-31", total: 10 },
      { _id: "2020-04-01", total: 30 },
    ]);
  });
});

describe("aggregate cursors", () => {
  let big: Collection<AnyDoc>;
  beforeAll(async () => {
    big = db.collection<AnyDoc>(collName("aggbig"));
    await big.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, v: i % 5 })));
  });

  it("small batchSize: the driver fetches the rest with getMore, in order", async () => {
    const started: CommandStartedEvent[] = [];
    const listener = (ev: CommandStartedEvent) => {
      if (ev.databaseName === db.databaseName) started.push(ev);
    };
    t.client.on("commandStarted", listener);
    try {
      const out = await big.aggregate([{ $match: { v: { $gte: 0 } } }, { $sort: { _id: 1 } }], { batchSize: 3 }).toArray();
      expect(out.map((d) => d._id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      t.client.off("commandStarted", listener);
    }
    const getMores = started.filter((e) => e.commandName === "getMore");
    expect(getMores.length).toBeGreaterThanOrEqual(16);
    expect(getMores[0].command.batchSize).toBe(3);
  });

  it("the raw aggregate command returns a cursor with firstBatch and a live id", async () => {
    const res = await db.command({ aggregate: big.collectionName, pipeline: [{ $sort: { _id: 1 } }], cursor: { batchSize: 3 } });
    expect(res.ok).toBe(1);
    expect(res.cursor.ns).toBe(`${db.databaseName}.${big.collectionName}`);
    expect(res.cursor.firstBatch.map((d: Document) => d._id)).toEqual([0, 1, 2]);
    const id = cursorIdOf(res.cursor.id);
    expect(id).not.toBe(0n);
    const more = await db.command({ getMore: Long.fromBigInt(id), collection: big.collectionName, batchSize: 100 });
    expect(more.cursor.nextBatch).toHaveLength(47);
    expect(more.cursor.nextBatch[0]._id).toBe(3);
    expect(cursorIdOf(more.cursor.id)).toBe(0n);
  });

  it("batchSize 0 returns an empty first batch and an open cursor", async () => {
    const res = await db.command({ aggregate: big.collectionName, pipeline: [{ $match: { v: 1 } }], cursor: { batchSize: 0 } });
    expect(res.cursor.firstBatch).toEqual([]);
    const id = cursorIdOf(res.cursor.id);
    expect(id).not.toBe(0n);
    const more = await db.command({ getMore: Long.fromBigInt(id), collection: big.collectionName });
    expect(more.cursor.nextBatch).toHaveLength(10);
    expect(cursorIdOf(more.cursor.id)).toBe(0n);
  });

  it("a result that fits in the first batch comes back with cursor id 0", async () => {
    const res = await db.command({ aggregate: big.collectionName, pipeline: [{ $match: { v: 2 } }], cursor: {} });
    expect(res.cursor.firstBatch).toHaveLength(10);
    expect(cursorIdOf(res.cursor.id)).toBe(0n);
  });
});
