import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Long, type CommandStartedEvent, type Collection, type Db, type Document } from "mongodb";
import { collName, cursorIdOf, expectServerError, openTarget, type Target, type AnyDoc } from "./harness.js";

const N = 10_000;

let t: Target;
let db: Db;
let c: Collection<AnyDoc>;

beforeAll(async () => {
  t = await openTarget("cursors");
  db = t.db();
  c = db.collection<AnyDoc>(collName("big"));
  // inserted in shuffled order so that reading back in _id order requires a real sort or index walk
  const ids = Array.from({ length: N }, (_, i) => i);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  await c.insertMany(ids.map((i) => ({ _id: i, v: i % 10, pad: "x".repeat(20) })));
});
afterAll(async () => {
  await t?.close();
});

async function readAll(batchSize: number): Promise<{ ids: number[]; getMores: CommandStartedEvent[] }> {
  const started: CommandStartedEvent[] = [];
  const listener = (ev: CommandStartedEvent) => {
    if (ev.databaseName === db.databaseName && ev.commandName === "getMore") started.push(ev);
  };
  t.client.on("commandStarted", listener);
  try {
    const ids: number[] = [];
    for await (const doc of c.find({}, { sort: { _id: 1 }, batchSize })) ids.push(doc._id as number);
    return { ids, getMores: started };
  } finally {
    t.client.off("commandStarted", listener);
  }
}

function isAscendingRange(ids: number[]): boolean {
  return ids.length === N && ids.every((id, i) => id === i);
}

const L = (id: unknown) => Long.fromBigInt(cursorIdOf(id));

describe("large result sets", () => {
  it("reads 10,000 documents with batchSize 7 through many getMores", async () => {
    const { ids, getMores } = await readAll(7);
    expect(ids.length).toBe(N);
    expect(isAscendingRange(ids)).toBe(true);
    expect(getMores.length).toBeGreaterThanOrEqual(Math.ceil((N - 7) / 7));
    expect(getMores.every((g) => g.command.batchSize === 7)).toBe(true);
  });

  it("reads 10,000 documents with batchSize 1000", async () => {
    const { ids, getMores } = await readAll(1000);
    expect(isAscendingRange(ids)).toBe(true);
    expect(getMores.length).toBeGreaterThanOrEqual(9);
    expect(getMores.length).toBeLessThanOrEqual(10);
  });

  it("toArray without batchSize returns every document", async () => {
    const docs = await c.find({ v: 3 }).sort({ _id: -1 }).toArray();
    expect(docs).toHaveLength(N / 10);
    expect(docs[0]._id).toBe(9993);
    expect(docs[docs.length - 1]._id).toBe(3);
  });
});

describe("raw find / getMore / killCursors", () => {
  it("the default first batch holds 101 documents and leaves a cursor open", async () => {
    const res = await db.command({ find: c.collectionName, filter: {} });
    expect(res.ok).toBe(1);
    expect(res.cursor.ns).toBe(`${db.databaseName}.${c.collectionName}`);
    expect(res.cursor.firstBatch).toHaveLength(101);
    const id = cursorIdOf(res.cursor.id);
    expect(id).not.toBe(0n);

    const more = await db.command({ getMore: L(res.cursor.id), collection: c.collectionName, batchSize: 50 });
    expect(more.ok).toBe(1);
    expect(more.cursor.ns).toBe(`${db.databaseName}.${c.collectionName}`);
    expect(more.cursor.nextBatch).toHaveLength(50);
    expect(cursorIdOf(more.cursor.id)).toBe(id);

    const rest = await db.command({ getMore: L(res.cursor.id), collection: c.collectionName, batchSize: N });
    expect(rest.cursor.nextBatch).toHaveLength(N - 151);
    expect(cursorIdOf(rest.cursor.id)).toBe(0n);

    // every document was returned exactly once
    const seen = new Set<number>(
      [...res.cursor.firstBatch, ...more.cursor.nextBatch, ...rest.cursor.nextBatch].map((d: Document) => d._id),
    );
    expect(seen.size).toBe(N);
  });

  it("a sorted find continues in sort order across getMore", async () => {
    const res = await db.command({ find: c.collectionName, filter: { v: 0 }, sort: { _id: -1 }, batchSize: 3 });
    expect(res.cursor.firstBatch.map((d: Document) => d._id)).toEqual([9990, 9980, 9970]);
    const more = await db.command({ getMore: L(res.cursor.id), collection: c.collectionName, batchSize: 2 });
    expect(more.cursor.nextBatch.map((d: Document) => d._id)).toEqual([9960, 9950]);
    await db.command({ killCursors: c.collectionName, cursors: [L(res.cursor.id)] });
  });

  it("killCursors reports the killed cursor; getMore on it fails with CursorNotFound (43)", async () => {
    const res = await db.command({ find: c.collectionName, filter: {}, batchSize: 5 });
    const id = cursorIdOf(res.cursor.id);
    expect(id).not.toBe(0n);
    const killed = await db.command({ killCursors: c.collectionName, cursors: [L(res.cursor.id)] });
    expect(killed.ok).toBe(1);
    expect(killed.cursorsKilled.map(cursorIdOf)).toEqual([id]);
    expect(killed.cursorsNotFound).toEqual([]);
    expect(killed.cursorsAlive).toEqual([]);
    expect(killed.cursorsUnknown).toEqual([]);

    const err = await expectServerError(db.command({ getMore: L(res.cursor.id), collection: c.collectionName }), 43, "CursorNotFound");
    expect(err.message).toContain(String(id));

    const again = await db.command({ killCursors: c.collectionName, cursors: [L(res.cursor.id)] });
    expect(again.cursorsKilled).toEqual([]);
    expect(again.cursorsNotFound.map(cursorIdOf)).toEqual([id]);
  });

  it("getMore on an exhausted cursor fails with CursorNotFound (43)", async () => {
    const res = await db.command({ find: c.collectionName, filter: { v: 1 }, batchSize: 10 });
    const rest = await db.command({ getMore: L(res.cursor.id), collection: c.collectionName });
    expect(rest.cursor.nextBatch).toHaveLength(990);
    expect(cursorIdOf(rest.cursor.id)).toBe(0n);
    await expectServerError(db.command({ getMore: L(res.cursor.id), collection: c.collectionName }), 43, "CursorNotFound");
  });

  it("singleBatch closes the cursor after the first batch", async () => {
    const res = await db.command({ find: c.collectionName, filter: {}, batchSize: 5, singleBatch: true });
    expect(res.cursor.firstBatch).toHaveLength(5);
    expect(cursorIdOf(res.cursor.id)).toBe(0n);
  });

  it("limit closes the cursor once it is reached", async () => {
    const small = await db.command({ find: c.collectionName, filter: {}, limit: 5 });
    expect(small.cursor.firstBatch).toHaveLength(5);
    expect(cursorIdOf(small.cursor.id)).toBe(0n);

    const big = await db.command({ find: c.collectionName, filter: {}, sort: { _id: 1 }, limit: 150 });
    expect(big.cursor.firstBatch).toHaveLength(101);
    expect(cursorIdOf(big.cursor.id)).not.toBe(0n);
    const more = await db.command({ getMore: L(big.cursor.id), collection: c.collectionName });
    expect(more.cursor.nextBatch).toHaveLength(49);
    expect(more.cursor.nextBatch[48]._id).toBe(149);
    expect(cursorIdOf(more.cursor.id)).toBe(0n);

    const viaDriver = await c.find({}).sort({ _id: 1 }).limit(12).batchSize(5).toArray();
    expect(viaDriver.map((d) => d._id)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("batchSize 0 returns an empty first batch with an open cursor", async () => {
    const res = await db.command({ find: c.collectionName, filter: { v: 9 }, batchSize: 0 });
    expect(res.cursor.firstBatch).toEqual([]);
    expect(cursorIdOf(res.cursor.id)).not.toBe(0n);
    const more = await db.command({ getMore: L(res.cursor.id), collection: c.collectionName, batchSize: 4 });
    expect(more.cursor.nextBatch).toHaveLength(4);
    await db.command({ killCursors: c.collectionName, cursors: [L(res.cursor.id)] });
  });

  it("a find on a missing collection returns an empty batch and cursor id 0", async () => {
    const res = await db.command({ find: collName("nothing"), filter: {} });
    expect(res.cursor.firstBatch).toEqual([]);
    expect(cursorIdOf(res.cursor.id)).toBe(0n);
  });

  it("a cursor closed early by the driver is killed on the server", async () => {
    const started: CommandStartedEvent[] = [];
    const listener = (ev: CommandStartedEvent) => {
      if (ev.databaseName === db.databaseName && ev.commandName === "killCursors") started.push(ev);
    };
    t.client.on("commandStarted", listener);
    try {
      const cursor = c.find({}, { batchSize: 10 });
      const first = await cursor.next();
      expect(first).not.toBeNull();
      await cursor.close();
    } finally {
      t.client.off("commandStarted", listener);
    }
    expect(started).toHaveLength(1);
    const killedId = started[0].command.cursors[0];
    await expectServerError(db.command({ getMore: L(killedId), collection: c.collectionName }), 43, "CursorNotFound");
  });
});
