/**
 * The storage core below the wire: key encoding order, index maintenance, and the planner's promise
 * that an index narrows the search without changing the answer.
 */
import { Binary, Long, MaxKey, MinKey, ObjectId, Timestamp, type Document } from "bson";
import { describe, expect, it } from "vitest";
import { runAggregate, runFind } from "../src/query/execute.js";
import { plan } from "../src/query/planner.js";
import { Catalog } from "../src/storage/catalog.js";
import { CollectionData } from "../src/storage/collection-data.js";
import { Engine } from "../src/storage/engine.js";
import { parseIndexSpec } from "../src/storage/index-spec.js";
import { complement, encodeValue, idKey } from "../src/storage/keys.js";
import { MemoryPersistence } from "../src/storage/persistence.js";

describe("order-preserving key encoding", () => {
  // MongoDB's comparison order (docs: "Comparison/Sort Order"), one representative run per bracket.
  const ordered: unknown[] = [
    new MinKey(),
    null,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    -1.5,
    -1,
    0,
    0.5,
    1,
    2 ** 53,
    Long.fromString("9007199254740993"), // 2^53 + 1: not representable as a double
    Number.POSITIVE_INFINITY,
    "",
    "A",
    "a",
    "a\u0000",
    "a\u0001",
    "ab",
    "b",
    "Đà Nẵng",
    {},
    { a: 1 },
    { a: 1, b: 1 },
    { a: 2 },
    { b: 1 },
    { a: "x" }, // field types compare before field names: a string value ranks above any number value
    [],
    [1],
    [1, 2],
    [2],
    new Binary(Buffer.from([9])),
    new Binary(Buffer.from([1, 2])),
    new ObjectId("000000000000000000000001"),
    new ObjectId("ffffffffffffffffffffffff"),
    false,
    true,
    new Date(-1000),
    new Date(0),
    new Date(1_600_000_000_000),
    new Timestamp({ t: 1, i: 5 }),
    new Timestamp({ t: 2, i: 0 }),
    /a/,
    /b/i,
    new MaxKey(),
  ];

  it("sorts every BSON type in MongoDB's order", () => {
    const keys = ordered.map(encodeValue);
    for (let i = 1; i < keys.length; i++) {
      expect(keys[i - 1] < keys[i], `${String(ordered[i - 1])} < ${String(ordered[i])}`).toBe(true);
    }
  });

  it("gives equal numbers of different types one key, and -0 the key of 0", () => {
    expect(encodeValue(1)).toBe(encodeValue(Long.fromNumber(1)));
    expect(encodeValue(-0)).toBe(encodeValue(0));
    expect(encodeValue(Long.fromString("9007199254740993"))).not.toBe(encodeValue(2 ** 53));
  });

  it("reverses the order under complement (descending index fields)", () => {
    const keys = ordered.map((v) => complement(encodeValue(v)));
    for (let i = 1; i < keys.length; i++) expect(keys[i - 1] > keys[i]).toBe(true);
  });
});

/** A small deterministic generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function randomValue(r: () => number): unknown {
  const pick = Math.floor(r() * 9);
  switch (pick) {
    case 0:
      return Math.floor(r() * 20) - 5;
    case 1:
      return Math.floor(r() * 20) + 0.5;
    case 2:
      return ["a", "b", "c", "Hà Nội", ""][Math.floor(r() * 5)];
    case 3:
      return null;
    case 4:
      return undefined; // field missing
    case 5:
      return [Math.floor(r() * 10), Math.floor(r() * 10)];
    case 6:
      return new Date(Date.UTC(2020, 0, 1 + Math.floor(r() * 30)));
    case 7:
      return { n: Math.floor(r() * 3) };
    default:
      return r() < 0.5;
  }
}

function dataset(n: number, seed: number): CollectionData {
  const r = rng(seed);
  const data = new CollectionData("t.c");
  for (let i = 0; i < n; i++) {
    const doc: Document = { _id: i };
    const a = randomValue(r);
    if (a !== undefined) doc.a = a;
    doc.b = Math.floor(r() * 5);
    data.insert(doc);
  }
  data.addIndex(parseIndexSpec({ key: { a: 1 }, name: "a_1" }));
  data.addIndex(parseIndexSpec({ key: { b: 1, a: -1 }, name: "b_1_a_-1" }));
  return data;
}

function queries(r: () => number): Document[] {
  const v = () => randomValue(r) ?? null;
  const scalar = () => {
    let x = v();
    while (Array.isArray(x)) x = v();
    return x;
  };
  return [
    { a: scalar() },
    { a: { $in: [scalar(), scalar()] } },
    { a: { $gt: scalar() } },
    { a: { $gte: scalar(), $lt: scalar() } },
    { a: { $lte: scalar() } },
    { b: Math.floor(r() * 5), a: { $gt: 3 } },
    { b: Math.floor(r() * 5), a: scalar() },
    { $and: [{ a: { $gt: 2 } }, { a: { $lt: 8 } }] },
    { a: null },
    // _id lookups answered by the key alone (exact), and with a further condition (filtered)
    { _id: Math.floor(r() * 300) },
    { _id: Math.floor(r() * 300) + 0.0 },
    { _id: { $in: [Math.floor(r() * 300), Math.floor(r() * 300), "x"] } },
    { _id: Math.floor(r() * 300), b: Math.floor(r() * 5) },
  ];
}

describe("planner", () => {
  it("uses the index for equality, ranges, and sorts, and _id lookups for _id", () => {
    const data = dataset(200, 1);
    expect(plan(data, { a: 3 }).stage).toBe("IXSCAN a_1");
    expect(plan(data, { a: { $gt: 3, $lt: 9 } }).stage).toBe("IXSCAN a_1");
    expect(plan(data, { b: 2, a: { $gt: 1 } }).stage).toBe("IXSCAN b_1_a_-1");
    expect(plan(data, { _id: 7 }).stage).toBe("IDHACK");
    expect(plan(data, { c: 1 }).stage).toBe("COLLSCAN");
    // The dataset has arrays in `a`: a multikey index cannot give a sort order, so it is not used for one.
    expect(plan(data, {}, { b: 1, a: -1 }).providesSort).toBe(false);
  });

  it("visits only the matching keys of an indexed equality over 100,000 documents", () => {
    const data = new CollectionData("t.big");
    for (let i = 0; i < 100_000; i++) data.insert({ _id: i, unit: `u${i % 10_000}` });
    data.addIndex(parseIndexSpec({ key: { unit: 1 }, name: "unit_1" }));
    const p = plan(data, { unit: "u42" });
    expect([...p.candidates(data)].length).toBe(10);
  });

  it("returns exactly what a full scan returns, for random data and queries", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const data = dataset(300, seed);
      const r = rng(seed * 7);
      for (const filter of queries(r)) {
        const viaPlanner = [...runFind(data, { filter })].map((d) => d._id).sort((x, y) => x - y);
        const viaScan = [...runFind(data, { filter, hint: { $natural: 1 } })].map((d) => d._id).sort((x, y) => x - y);
        expect(viaPlanner, JSON.stringify(filter)).toEqual(viaScan);
      }
    }
  });

  it("sorts through the index exactly as an in-memory sort does", () => {
    const data = new CollectionData("t.s");
    const r = rng(5);
    for (let i = 0; i < 500; i++) data.insert({ _id: i, k: Math.floor(r() * 50), s: ["x", "y", "z"][i % 3] });
    const inMemory = [...runFind(data, { filter: {}, sort: { k: -1, _id: 1 } })].map((d) => d._id);
    data.addIndex(parseIndexSpec({ key: { k: -1, _id: 1 }, name: "k_-1__id_1" }));
    expect(plan(data, {}, { k: -1, _id: 1 }).providesSort).toBe(true);
    expect([...runFind(data, { filter: {}, sort: { k: -1, _id: 1 } })].map((d) => d._id)).toEqual(inMemory);
    expect([...runFind(data, { filter: {}, sort: { k: 1, _id: -1 } })].map((d) => d._id)).toEqual([...inMemory].reverse());
  });

  it("merges the ranges of an $in into the index's order for a sort on a later field, as an in-memory sort does", () => {
    const data = new CollectionData("t.m");
    const r = rng(11);
    const statuses = ["a", "b", "c", "d"];
    for (let i = 0; i < 2000; i++) {
      data.insert({
        _id: i,
        unit: `u${i % 7}`,
        status: statuses[Math.floor(r() * 4)],
        deadline: new Date(Date.UTC(2020, 0, 1 + Math.floor(r() * 60))),
      });
    }
    const cases: { filter: Document; sort: Document; limit?: number }[] = [
      {
        filter: { unit: "u3", status: { $in: ["c", "a", "b"] }, deadline: { $lt: new Date(Date.UTC(2020, 1, 1)) } },
        sort: { deadline: 1, _id: 1 },
        limit: 50,
      },
      { filter: { unit: "u3", status: { $in: ["c", "a"] } }, sort: { deadline: -1, _id: -1 } },
      { filter: { unit: { $in: ["u1", "u5"] }, status: { $in: ["d", "a"] } }, sort: { deadline: 1, _id: 1 }, limit: 20 },
      // The sort starts at the $in field: the ranges read one after another, in key order, whatever the $in order.
      { filter: { unit: "u2", status: { $in: ["d", "b"] } }, sort: { status: 1, deadline: 1, _id: 1 } },
      { filter: { unit: "u2", status: { $in: ["b", "d"] } }, sort: { status: -1, deadline: -1, _id: -1 }, limit: 30 },
    ];
    const expected = cases.map((c) => [...runFind(data, { ...c, hint: { $natural: 1 } })].map((d) => d._id));
    data.addIndex(parseIndexSpec({ key: { unit: 1, status: 1, deadline: 1, _id: 1 }, name: "usd" }));
    expect(plan(data, cases[0].filter, cases[0].sort).stage).toBe("IXSCAN usd SORT_MERGE EXACT");
    cases.forEach((c, i) => {
      expect(plan(data, c.filter, c.sort).providesSort, JSON.stringify(c)).toBe(true);
      expect(
        [...runFind(data, c)].map((d) => d._id),
        JSON.stringify(c),
      ).toEqual(expected[i]);
    });
  });
});

const day = (d: number) => new Date(Date.UTC(2020, 0, d));

function drain(it: Iterator<Document>): Document[] {
  const out: Document[] = [];
  for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
  return out;
}

describe("exact plans and covered counts", () => {
  function tasks(): CollectionData {
    const data = new CollectionData("t.x");
    const r = rng(23);
    for (let i = 0; i < 3000; i++) {
      const doc: Document = {
        _id: i,
        programme: i % 3 === 0 ? "p1" : "p2",
        unit: `u${i % 5}`,
        status: ["a", "b", "c"][Math.floor(r() * 3)],
      };
      // Mostly dates, some other types in the same field (type brackets), some missing.
      const shape = r();
      if (shape < 0.85) doc.deadline = day(1 + Math.floor(r() * 40));
      else if (shape < 0.9) doc.deadline = `2020-01-${10 + Math.floor(r() * 20)}`;
      else if (shape < 0.95) doc.deadline = null;
      doc.n = i % 4 === 0 ? new Long(i % 7) : i % 7;
      data.insert(doc);
    }
    data.addIndex(parseIndexSpec({ key: { programme: 1, unit: 1, status: 1, deadline: 1 }, name: "pusd" }));
    data.addIndex(parseIndexSpec({ key: { n: 1, deadline: 1 }, name: "nd" }));
    return data;
  }
  const counted = (data: CollectionData, filter: Document, hint?: unknown) =>
    hint === undefined
      ? drain(runAggregate(data, { pipeline: [{ $match: filter }, { $group: { _id: 1, n: { $sum: 1 } } }], resolve: () => [] }))
      : [{ _id: 1, n: [...runFind(data, { filter, hint })].length }].filter((g) => g.n > 0);

  it("counts from the index exactly when its ranges hold every condition, and gives what a full scan gives", () => {
    const data = tasks();
    const exact: Document[] = [
      { programme: "p1", unit: "u2", status: { $in: ["a", "c"] }, deadline: { $lt: day(20) } },
      { $and: [{}, { $and: [{ programme: "p2" }, { unit: "u1" }] }, { status: "b", deadline: { $gt: day(10), $lte: day(30) } }] },
      // exclusive bounds on values many documents hold
      { programme: "p1", unit: "u0", status: "a", deadline: { $gt: day(5), $lt: day(6) } },
      { programme: "p1", unit: "u0", status: "a", deadline: { $gte: day(5), $lte: day(5) } },
      { programme: "p2", unit: "u3", status: "c", deadline: { $gte: "2020-01-15" } },
      { programme: "p1", unit: { $in: ["u9"] } },
    ];
    const notExact: Document[] = [
      { programme: "p1", unit: "u2", deadline: { $lt: day(20) } }, // a gap: deadline is not reached
      { programme: "p1", unit: "u2", status: "a", deadline: null }, // null also matches a missing field
      { programme: "p1", unit: "u2", status: { $in: ["a", "b"], $eq: "a" } }, // two equalities on one field
      { $and: [{ programme: "p1" }, { programme: "p2" }] }, // one field twice
      { programme: "p1", unit: "u1", status: "a", deadline: { $gt: "2020-01-12", $lt: day(30) } }, // bounds of two types
      { programme: "p1", $or: [{ unit: "u1" }, { unit: "u2" }] },
      { programme: "p1", unit: "u2", status: "b", deadline: { $lt: day(20) }, n: 3 }, // a field the index does not hold
      { n: { $gt: 2 } }, // a numeric range (NaN's place): not claimed
      // numbers: 1 and Long 1 share a key, the filter tells them apart
      { n: 1, deadline: { $lt: day(40) } },
      { n: { $in: [2, 3.0] } },
    ];
    for (const f of [...exact, ...notExact]) {
      const p = plan(data, f);
      expect(p.exact === true, JSON.stringify(f)).toBe(exact.includes(f));
      expect(p.count !== undefined, JSON.stringify(f)).toBe(exact.includes(f));
      const viaScan = counted(data, f, { $natural: 1 });
      expect(counted(data, f), JSON.stringify(f)).toEqual(viaScan);
      expect([...runFind(data, { filter: f })].map((d) => d._id).sort(), JSON.stringify(f)).toEqual(
        [...runFind(data, { filter: f, hint: { $natural: 1 } })].map((d) => d._id).sort(),
      );
    }
    expect(counted(data, exact[0])[0].n).toBeGreaterThan(10);
    expect(counted(data, exact[5])).toEqual([]);
  });

  it("does not claim an index once a document holds an array in it", () => {
    const data = tasks();
    const f = { programme: "p1", unit: "u2", status: "a" };
    expect(plan(data, f).exact).toBe(true);
    data.insert({ _id: "arr", programme: "p1", unit: ["u2", "u3"], status: "a" });
    expect(plan(data, f).exact).toBe(false);
    expect(counted(data, f)).toEqual(counted(data, f, { $natural: 1 }));
  });
});

describe("top-k sort under a limit", () => {
  it("gives the first documents of a sort no index orders as a full sort does, ties in arrival order", () => {
    const data = new CollectionData("t.k");
    const r = rng(5);
    for (let i = 0; i < 1500; i++) {
      const doc: Document = { _id: i, a: Math.floor(r() * 20), b: { c: `s${Math.floor(r() * 7)}` } };
      const shape = r();
      if (shape < 0.1) delete doc.a;
      else if (shape < 0.15) doc.a = null;
      else if (shape < 0.2) doc.a = day(1 + (i % 9));
      if (r() < 0.05) doc.b = {};
      data.insert(doc);
    }
    const sorts: Document[] = [{ a: 1 }, { a: -1 }, { "b.c": 1, a: -1 }, { a: 1, "b.c": -1, _id: -1 }];
    for (const sort of sorts) {
      const all = [...runFind(data, { filter: {}, sort })].map((d) => d._id);
      for (const [skip, limit] of [
        [0, 1],
        [0, 50],
        [30, 25],
        [1490, 20],
      ]) {
        expect(
          [...runFind(data, { filter: { _id: { $gte: 0 } }, sort, skip, limit })].map((d) => d._id),
          JSON.stringify({ sort, skip, limit }),
        ).toEqual(all.slice(skip, skip + limit));
      }
    }
  });

  it("sorts an array field the general way (by its smallest element ascending)", () => {
    const data = new CollectionData("t.ka");
    data.insert({ _id: 1, a: 5 });
    data.insert({ _id: 2, a: [9, 1] });
    data.insert({ _id: 3, a: 3 });
    expect([...runFind(data, { filter: {}, sort: { a: 1 }, limit: 2 })].map((d) => d._id)).toEqual([2, 3]);
  });
});

describe("collection data", () => {
  it("keeps indexes consistent through replace and remove, and refuses a duplicate without changing anything", () => {
    const data = new CollectionData("t.u");
    data.addIndex(parseIndexSpec({ key: { email: 1 }, name: "email_1", unique: true }));
    data.insert({ _id: 1, email: "a@x" });
    data.insert({ _id: 2, email: "b@x" });
    expect(() => data.insert({ _id: 3, email: "a@x" })).toThrow(
      /E11000 duplicate key error collection: t.u index: email_1 dup key: \{ email: "a@x" \}/,
    );
    expect(data.size).toBe(2);
    const k1 = [...data.docs.keys()][0];
    data.replace(k1, data.get(k1)!, { _id: 1, email: "c@x" });
    data.insert({ _id: 3, email: "a@x" }); // the old key was released
    const k2 = [...data.docs.keys()][1];
    data.remove(k2, data.get(k2)!);
    expect([...runFind(data, { filter: { email: "b@x" } })]).toEqual([]);
    expect([...runFind(data, { filter: { email: { $gte: "a" } } })].map((d) => d.email).sort()).toEqual(["a@x", "c@x"]);
  });

  it("a clone is a snapshot: later writes do not show in it", () => {
    const data = new CollectionData("t.snap");
    data.addIndex(parseIndexSpec({ key: { v: 1 }, name: "v_1" }));
    for (let i = 0; i < 1000; i++) data.insert({ _id: i, v: i });
    const snap = data.clone();
    for (let i = 1000; i < 2000; i++) data.insert({ _id: i, v: i });
    const k = [...data.docs.keys()][0];
    data.remove(k, data.get(k)!);
    expect(snap.size).toBe(1000);
    expect([...runFind(snap, { filter: { v: { $gte: 0 } } })].length).toBe(1000);
    expect([...runFind(data, { filter: { v: { $gte: 0 } } })].length).toBe(1999);
  });
});

describe("transaction commit", () => {
  function setup() {
    const catalog = new Catalog(new MemoryPersistence());
    const engine = new Engine(catalog);
    const outbox = catalog.create("db", "outbox", {});
    const items = catalog.create("db", "items", {});
    catalog.createIndexes(items, [{ key: { v: 1 }, name: "v_1", unique: true }]);
    for (const doc of [
      { _id: "a", v: 1 },
      { _id: "b", v: 2 },
    ])
      engine.writer(items).insert(doc);
    return { catalog, engine, outbox, items };
  }

  it("checks unique indexes against the final state of the write set, whatever the order of its writes", () => {
    const { engine, outbox, items } = setup();
    const txn = engine.begin(1);
    engine.writer(outbox, txn).insert({ _id: "evt" });
    const w = engine.writer(items, txn);
    const a = w.data.get(idKey("a"))!;
    w.replace(idKey("a"), a, { _id: "a", v: 3 });
    const b = w.data.get(idKey("b"))!;
    w.replace(idKey("b"), b, { _id: "b", v: 1 });
    w.replace(idKey("a"), w.data.get(idKey("a"))!, { _id: "a", v: 2 });
    engine.commit(txn);
    expect([...items.data.naturalOrder()]).toEqual([
      { _id: "a", v: 2 },
      { _id: "b", v: 1 },
    ]);
    expect(outbox.data.get(idKey("evt"))).toEqual({ _id: "evt" });
  });

  it("a commit whose write set cannot be applied changes nothing, in any collection", () => {
    const { engine, outbox, items } = setup();
    const txn = engine.begin(1);
    engine.writer(outbox, txn).insert({ _id: "evt" });
    engine.writer(items, txn).insert({ _id: "c", v: 7 });
    // A committed document that took the value behind the transaction's back (the locks prevent this
    // through the commands; the commit must still never apply half of the write set).
    items.data.insert({ _id: "d", v: 7 });
    expect(() => engine.commit(txn)).toThrow(/E11000/);
    expect(outbox.data.get(idKey("evt"))).toBeUndefined();
    expect(items.data.get(idKey("c"))).toBeUndefined();
    expect([...items.data.naturalOrder()].map((d) => d._id)).toEqual(["a", "b", "d"]);
    expect(outbox.data.size).toBe(0);
  });
});
