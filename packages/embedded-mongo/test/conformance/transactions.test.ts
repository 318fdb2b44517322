import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoServerError, type ClientSession, type Collection, type Db, type Document } from "mongodb";
import { collName, caught, expectServerError, openTarget, sleep, type Target, type AnyDoc } from "./harness.js";

let t: Target;
let db: Db;

beforeAll(async () => {
  t = await openTarget("transactions");
  db = t.db();
});
afterAll(async () => {
  await t?.close();
});

/** A fresh, explicitly created collection (transactions should not depend on implicit creation). */
async function freshCollection(prefix: string, docs: Document[] = []): Promise<Collection<AnyDoc>> {
  const c = await db.createCollection(collName(prefix));
  if (docs.length > 0) await c.insertMany(docs);
  return c;
}

async function withSessions<T>(n: number, fn: (...s: ClientSession[]) => Promise<T>): Promise<T> {
  const sessions = Array.from({ length: n }, () => t.client.startSession());
  try {
    return await fn(...sessions);
  } finally {
    for (const s of sessions) {
      if (s.inTransaction()) await s.abortTransaction().catch(() => undefined);
      await s.endSession();
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("commit and abort", () => {
  it("commit makes all writes of the transaction visible", async () => {
    const c = await freshCollection("commit", [{ _id: "keep", v: 1 }]);
    await withSessions(1, async (s) => {
      s.startTransaction();
      await c.insertOne({ _id: "a", v: 1 }, { session: s });
      await c.insertMany([{ _id: "b" }, { _id: "c" }], { session: s });
      await c.updateOne({ _id: "keep" }, { $inc: { v: 1 } }, { session: s });
      await c.deleteOne({ _id: "c" }, { session: s });
      await s.commitTransaction();
    });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: "a", v: 1 }, { _id: "b" }, { _id: "keep", v: 2 }]);
  });

  it("abort discards every write of the transaction", async () => {
    const c = await freshCollection("abort", [{ _id: "keep", v: 1 }, { _id: "gone" }]);
    await withSessions(1, async (s) => {
      s.startTransaction();
      await c.insertOne({ _id: "new" }, { session: s });
      await c.updateOne({ _id: "keep" }, { $set: { v: 99 } }, { session: s });
      await c.deleteOne({ _id: "gone" }, { session: s });
      expect(await c.countDocuments({}, { session: s })).toBe(2);
      await s.abortTransaction();
    });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: "gone" }, { _id: "keep", v: 1 }]);
  });

  it("withTransaction commits and returns the callback's result", async () => {
    const c = await freshCollection("wt", [{ _id: 1, n: 0 }]);
    const result = await withSessions(1, (s) =>
      s.withTransaction(async () => {
        await c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: s });
        return "done";
      }),
    );
    expect(result).toBe("done");
    expect((await c.findOne({ _id: 1 }))?.n).toBe(1);
  });

  it("a duplicate key inside a transaction fails that write and the transaction can still be aborted", async () => {
    const c = await freshCollection("txdup", [{ _id: 1 }]);
    await withSessions(1, async (s) => {
      s.startTransaction();
      await c.insertOne({ _id: 2 }, { session: s });
      const err = await caught(c.insertOne({ _id: 1 }, { session: s }));
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(11000);
      await s.abortTransaction();
    });
    expect(await c.countDocuments()).toBe(1);
  });

  it("unique values swapped statement by statement commit (each statement is checked, not the steps at commit)", async () => {
    const outbox = await freshCollection("outbox");
    const items = await freshCollection("swap", [
      { _id: "a", v: 1 },
      { _id: "b", v: 2 },
    ]);
    await items.createIndex({ v: 1 }, { unique: true });
    await withSessions(1, async (s) => {
      s.startTransaction();
      await outbox.insertOne({ _id: "evt-1", type: "swapped" }, { session: s });
      await items.updateOne({ _id: "a" }, { $set: { v: 3 } }, { session: s });
      await items.updateOne({ _id: "b" }, { $set: { v: 1 } }, { session: s });
      await items.updateOne({ _id: "a" }, { $set: { v: 2 } }, { session: s });
      await s.commitTransaction();
    });
    expect(await items.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: "a", v: 2 },
      { _id: "b", v: 1 },
    ]);
    expect(await outbox.find().toArray()).toEqual([{ _id: "evt-1", type: "swapped" }]);
    // The index holds the final values only: the freed value 3 can be taken, the swapped ones cannot.
    await items.insertOne({ _id: "c", v: 3 });
    await expectServerError(items.insertOne({ _id: "d", v: 1 }), 11000);
  });
});

describe("isolation", () => {
  it("writes in a transaction are invisible outside until commit; the transaction reads its own writes", async () => {
    const c = await freshCollection("iso", [{ _id: "x", v: 1 }]);
    await withSessions(1, async (s) => {
      s.startTransaction();
      await c.insertOne({ _id: "new", v: 1 }, { session: s });
      await c.updateOne({ _id: "x" }, { $set: { v: 2 } }, { session: s });

      // inside: own writes visible
      expect(await c.findOne({ _id: "new" }, { session: s })).toEqual({ _id: "new", v: 1 });
      expect(await c.findOne({ _id: "x" }, { session: s })).toEqual({ _id: "x", v: 2 });
      expect(await c.countDocuments({}, { session: s })).toBe(2);
      const agg = await c.aggregate([{ $group: { _id: null, total: { $sum: "$v" } } }], { session: s }).toArray();
      expect(agg).toEqual([{ _id: null, total: 3 }]);

      // outside: nothing uncommitted is visible
      expect(await c.findOne({ _id: "new" })).toBeNull();
      expect(await c.findOne({ _id: "x" })).toEqual({ _id: "x", v: 1 });
      expect(await c.countDocuments()).toBe(1);
      expect(await c.find({ v: 2 }).toArray()).toEqual([]);

      await s.commitTransaction();
    });
    expect(await c.findOne({ _id: "new" })).toEqual({ _id: "new", v: 1 });
    expect(await c.findOne({ _id: "x" })).toEqual({ _id: "x", v: 2 });
  });

  it("reads outside never see uncommitted writes of several open transactions", async () => {
    const c = await freshCollection("iso2", [{ _id: 0, v: 0 }]);
    await withSessions(2, async (a, b) => {
      a.startTransaction();
      b.startTransaction();
      await c.insertMany(
        Array.from({ length: 20 }, (_, i) => ({ _id: 100 + i, v: 1 })),
        { session: a },
      );
      await c.insertOne({ _id: 200, v: 1 }, { session: b });
      await c.updateOne({ _id: 0 }, { $set: { v: 5 } }, { session: b });
      for (let i = 0; i < 3; i++) {
        expect(await c.countDocuments()).toBe(1);
        expect(await c.find({ v: { $gt: 0 } }).toArray()).toEqual([]);
        expect(await c.distinct("v")).toEqual([0]);
      }
      // one transaction does not see the other's writes either
      expect(await c.countDocuments({}, { session: a })).toBe(21);
      expect(await c.findOne({ _id: 200 }, { session: a })).toBeNull();
      expect(await c.findOne({ _id: 0 }, { session: a })).toEqual({ _id: 0, v: 0 });
      expect(await c.countDocuments({}, { session: b })).toBe(2);
      await a.abortTransaction();
      await b.commitTransaction();
    });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 0, v: 5 },
      { _id: 200, v: 1 },
    ]);
  });

  it("a transaction reads from one snapshot: later commits by others are not visible in it", async () => {
    const c = await freshCollection("snap", [
      { _id: 1, v: "old" },
      { _id: 2, v: "other" },
    ]);
    await withSessions(1, async (s) => {
      s.startTransaction();
      expect(await c.findOne({ _id: 1 }, { session: s })).toEqual({ _id: 1, v: "old" });
      await c.updateOne({ _id: 1 }, { $set: { v: "new" } });
      await c.insertOne({ _id: 3, v: "late" });
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, v: "new" });
      expect(await c.findOne({ _id: 1 }, { session: s })).toEqual({ _id: 1, v: "old" });
      expect(await c.findOne({ _id: 3 }, { session: s })).toBeNull();
      // writing a document changed by a commit after the snapshot is a write conflict
      const err = await caught(c.updateOne({ _id: 1 }, { $set: { v: "txn" } }, { session: s }));
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(112);
      expect(err.hasErrorLabel("TransientTransactionError")).toBe(true);
      await s.abortTransaction();
    });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, v: "new" });
  });
});

describe("write conflicts", () => {
  it("two transactions writing one document: the second fails with WriteConflict (112), TransientTransactionError", async () => {
    const c = await freshCollection("wc", [{ _id: "doc", n: 0 }]);
    await withSessions(2, async (a, b) => {
      a.startTransaction();
      b.startTransaction();
      await c.updateOne({ _id: "doc" }, { $inc: { n: 1 } }, { session: a });
      const err = await caught(c.updateOne({ _id: "doc" }, { $inc: { n: 10 } }, { session: b }));
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(112);
      expect(err.codeName).toBe("WriteConflict");
      expect(err.hasErrorLabel("TransientTransactionError")).toBe(true);
      await b.abortTransaction();
      await a.commitTransaction();
    });
    expect((await c.findOne({ _id: "doc" }))?.n).toBe(1);
  });

  it("withTransaction retries after a conflict: two concurrent increments both apply", async () => {
    const c = await freshCollection("wcretry", [{ _id: "counter", n: 0 }]);
    const aWrote = deferred();
    const bTried = deferred();
    let aAttempts = 0;
    let bAttempts = 0;
    const bErrors: unknown[] = [];

    await withSessions(2, async (a, b) => {
      const runA = a.withTransaction(async () => {
        aAttempts++;
        await c.updateOne({ _id: "counter" }, { $inc: { n: 1 } }, { session: a });
        aWrote.resolve();
        await bTried.promise; // keep the transaction open until B has collided with it
      });
      const runB = (async () => {
        await aWrote.promise;
        return b.withTransaction(async () => {
          bAttempts++;
          try {
            await c.updateOne({ _id: "counter" }, { $inc: { n: 1 } }, { session: b });
          } catch (err) {
            bErrors.push(err);
            throw err;
          } finally {
            bTried.resolve();
          }
        });
      })();
      await Promise.all([runA, runB]);
    });

    expect((await c.findOne({ _id: "counter" }))?.n).toBe(2);
    expect(aAttempts).toBe(1);
    expect(bAttempts).toBeGreaterThanOrEqual(2);
    const first = bErrors[0] as MongoServerError;
    expect(first).toBeInstanceOf(MongoServerError);
    expect(first.code).toBe(112);
    expect(first.hasErrorLabel("TransientTransactionError")).toBe(true);
  });

  it("a write outside any transaction waits for the transaction holding the document", async () => {
    const c = await freshCollection("wcblock", [{ _id: "doc", n: 0 }]);
    await withSessions(1, async (s) => {
      s.startTransaction();
      await c.updateOne({ _id: "doc" }, { $inc: { n: 1 } }, { session: s });
      let outsideDone = false;
      const outside = c.updateOne({ _id: "doc" }, { $inc: { n: 10 } }).then((r) => {
        outsideDone = true;
        return r;
      });
      await sleep(300);
      expect(outsideDone).toBe(false);
      await s.commitTransaction();
      const res = await outside;
      expect(res.modifiedCount).toBe(1);
    });
    expect((await c.findOne({ _id: "doc" }))?.n).toBe(11);
  });
});
