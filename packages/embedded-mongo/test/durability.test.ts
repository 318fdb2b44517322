/**
 * A write is acknowledged only once it is on disk. The data directory is made to fail on demand
 * (storage/faults.ts, test-only): the failing command gets an error and leaves nothing behind, every
 * command after it fails until the directory accepts writes again, a retried write is not answered
 * from a reply cached before the write was persisted, and a restart finds what was acknowledged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Long, MongoClient, MongoServerError, type Db } from "mongodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmbeddedMongo, type EmbeddedMongo } from "../src/index.js";
import { PersistenceFaults } from "../src/storage/faults.js";
import { caught, type AnyDoc } from "./conformance/harness.js";

let dataDir: string;
let faults: PersistenceFaults;
let srv: EmbeddedMongo;
let client: MongoClient;
let db: Db;

async function start(): Promise<void> {
  faults = new PersistenceFaults();
  srv = await startEmbeddedMongo({ port: 0, dataDir, logLevel: "silent", testOnlyPersistenceFaults: faults });
  client = new MongoClient(srv.uri, { serverSelectionTimeoutMS: 5_000 });
  db = client.db("durability");
}

async function restart(): Promise<void> {
  await client.close();
  await srv.stop();
  await start();
}

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "emb-durability-"));
  await start();
});

afterEach(async () => {
  await client?.close();
  await srv?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The server's refusal: an error reply (not a dropped connection) that says the write did not happen. */
function expectPersistenceError(err: unknown): void {
  expect(err, String(err)).toBeInstanceOf(MongoServerError);
  expect((err as MongoServerError).message).toMatch(/data directory/);
}

describe("a write that cannot reach disk", () => {
  it("is refused and leaves nothing behind; every command after it fails until the disk accepts writes", async () => {
    const c = db.collection<AnyDoc>("c");
    await c.insertOne({ _id: "kept" });
    faults.failWrites();
    expectPersistenceError(await caught(c.insertOne({ _id: "lost" })));
    expect(faults.failed).toBeGreaterThan(0);
    expectPersistenceError(await caught(c.findOne({ _id: "kept" })));
    expectPersistenceError(await caught(c.updateOne({ _id: "kept" }, { $set: { v: 1 } })));
    faults.heal();
    expect(await c.find().toArray()).toEqual([{ _id: "kept" }]);
    await restart();
    expect(await db.collection("c").find().toArray()).toEqual([{ _id: "kept" }]);
  });

  it("is executed again when retried, not answered from a reply cached before it reached disk", async () => {
    await db.createCollection("r"); // so the write that fails is the document's, not the collection's creation
    const session = client.startSession();
    try {
      const cmd = { insert: "r", documents: [{ _id: "once" }], txnNumber: Long.fromNumber(1) };
      faults.failWrites();
      expectPersistenceError(await caught(db.command(cmd, { session })));
      faults.heal();
      expect(await db.command(cmd, { session })).toMatchObject({ n: 1, ok: 1 });
      expect(await db.command(cmd, { session })).toMatchObject({ n: 1, ok: 1 }); // now from the cache
    } finally {
      await session.endSession();
    }
    await restart();
    expect(await db.collection("r").find().toArray()).toEqual([{ _id: "once" }]);
  });

  it("in a transaction's commit commits nothing of the transaction", async () => {
    const outbox = db.collection<AnyDoc>("outbox");
    const items = db.collection<AnyDoc>("items");
    await outbox.insertOne({ _id: "old" });
    await items.insertOne({ _id: "a", v: 1 });
    const session = client.startSession();
    try {
      session.startTransaction();
      await outbox.insertOne({ _id: "evt" }, { session });
      await items.updateOne({ _id: "a" }, { $set: { v: 2 } }, { session });
      faults.failWrites();
      expectPersistenceError(await caught(session.commitTransaction()));
    } finally {
      await session.endSession();
    }
    faults.heal();
    expect(await outbox.find().toArray()).toEqual([{ _id: "old" }]);
    expect(await items.find().toArray()).toEqual([{ _id: "a", v: 1 }]);
    await restart();
    expect(await db.collection("outbox").find().toArray()).toEqual([{ _id: "old" }]);
    expect(await db.collection("items").find().toArray()).toEqual([{ _id: "a", v: 1 }]);
  });

  it("by another command does not take back what a command waiting for a transaction wrote before it waited", async () => {
    const items = db.collection<AnyDoc>("wait");
    await items.insertMany([
      { _id: "free", v: 0 },
      { _id: "held", v: 0 },
    ]);
    const session = client.startSession();
    try {
      session.startTransaction();
      await items.updateOne({ _id: "held" }, { $set: { v: 1 } }, { session });
      // One command: the first statement applies, the second waits for the transaction holding "held".
      const waiting = items.bulkWrite([
        { updateOne: { filter: { _id: "free" }, update: { $set: { v: 1 } } } },
        { updateOne: { filter: { _id: "held" }, update: { $set: { v: 2 } } } },
      ]);
      while ((await items.findOne({ _id: "free" }))?.v !== 1) await new Promise((r) => setImmediate(r));
      faults.failWrites();
      expectPersistenceError(await caught(items.insertOne({ _id: "other" })));
      faults.heal();
      await session.commitTransaction();
      expect((await waiting).modifiedCount).toBe(2);
    } finally {
      await session.endSession();
    }
    const expected = [
      { _id: "free", v: 1 },
      { _id: "held", v: 2 },
    ];
    expect(await items.find().toArray()).toEqual(expected);
    await restart();
    expect(await db.collection("wait").find().toArray()).toEqual(expected);
  });

  it("of an index definition leaves no index behind", async () => {
    const c = db.collection<AnyDoc>("ix");
    await c.insertOne({ _id: 1, v: 1 });
    faults.failWrites();
    expectPersistenceError(await caught(c.createIndex({ v: 1 }, { unique: true })));
    faults.heal();
    expect((await c.listIndexes().toArray()).map((ix) => ix.name)).toEqual(["_id_"]);
    await c.insertOne({ _id: 2, v: 1 }); // no unique index in memory either
    await restart();
    expect((await db.collection("ix").listIndexes().toArray()).map((ix) => ix.name)).toEqual(["_id_"]);
    expect(await db.collection("ix").countDocuments()).toBe(2);
  });
});
