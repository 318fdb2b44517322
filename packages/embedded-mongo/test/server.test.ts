/**
 * Behaviour specific to the embedded server that the portable conformance suite cannot check against
 * a real mongod with its default settings: cursor idle timeout, retryable-write replay, insertion
 * order, the handshake's replica-set shape, and the connection log lines.
 */
import { Writable } from "node:stream";
import { Long, MongoClient, MongoServerError } from "mongodb";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedMongo, type EmbeddedMongo } from "../src/index.js";

let srv: EmbeddedMongo;
let client: MongoClient;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  srv = await startEmbeddedMongo({ port: 0, cursorTimeoutMs: 200, logger: pino({ level: "debug" }, sink) });
  client = new MongoClient(srv.uri);
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await srv?.stop();
});

describe("embedded server specifics", () => {
  it("kills a cursor left idle past the cursor timeout", async () => {
    const db = client.db("srv_cursor");
    await db.collection<{ _id: number }>("c").insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
    const first = await db.command({ find: "c", filter: {}, batchSize: 2 });
    const id = first.cursor.id as Long;
    expect(id.isZero()).toBe(false);
    await new Promise((r) => setTimeout(r, 700));
    const err = await db.command({ getMore: id, collection: "c" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(43);
  });

  it("answers a retried write (same lsid and txnNumber) without writing twice", async () => {
    // A client of its own: the driver puts its pooled session id on commands, so no other write may share it.
    const retrying = new MongoClient(srv.uri, { maxPoolSize: 1 });
    try {
      const db = retrying.db("srv_retry");
      const cmd = { insert: "c", documents: [{ v: 1 }], txnNumber: Long.fromNumber(7) };
      const a = await db.command(cmd);
      const b = await db.command(cmd);
      expect(a).toMatchObject({ n: 1, ok: 1 });
      expect(b).toMatchObject({ n: 1, ok: 1 });
      expect(await client.db("srv_retry").collection("c").countDocuments()).toBe(1);
      const older = await db.command({ ...cmd, txnNumber: Long.fromNumber(6) }).catch((e: unknown) => e);
      expect((older as MongoServerError).codeName).toBe("TransactionTooOld");
    } finally {
      await retrying.close();
    }
  });

  it("returns documents in insertion order without a sort, and reversed with $natural: -1", async () => {
    const c = client.db("srv_natural").collection<{ _id: string }>("c");
    const ids = ["m", "b", "z", "a", "q"];
    for (const _id of ids) await c.insertOne({ _id });
    await c.updateOne({ _id: "b" }, { $set: { touched: true } }); // an update keeps the record's place
    expect((await c.find().toArray()).map((d) => d._id)).toEqual(ids);
    expect((await c.find().sort({ $natural: -1 }).toArray()).map((d) => d._id)).toEqual([...ids].reverse());
  });

  it("introduces itself as a single-node replica-set primary", async () => {
    const hello = await client.db("admin").command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: true, setName: "rs0", maxWireVersion: 21, logicalSessionTimeoutMinutes: 30 });
    expect(hello.hosts).toEqual([`127.0.0.1:${srv.port}`]);
    expect(hello.primary).toBe(hello.me);
    const status = await client.db("admin").command({ serverStatus: 1 });
    expect(status.storageEngine).toEqual({ name: "embedded-memory", persistent: false });
  });

  it("logs one structured line per connection accepted and closed, at debug level", async () => {
    const before = logLines.length;
    const other = new MongoClient(srv.uri, { maxPoolSize: 1 });
    await other.db("admin").command({ ping: 1 });
    await other.close();
    await new Promise((r) => setTimeout(r, 100));
    const lines = logLines.slice(before);
    const accepted = lines.filter((l) => l.msg === "connection accepted");
    const closed = lines.filter((l) => l.msg === "connection closed");
    expect(accepted.length).toBeGreaterThan(0);
    expect(closed.length).toBe(accepted.length);
    for (const l of [...accepted, ...closed]) {
      expect(l.level).toBe(20);
      expect(typeof l.conn).toBe("number");
    }
  });

  it("refuses what it does not implement by name instead of answering wrongly", async () => {
    const db = client.db("srv_refuse");
    await db.collection("c").insertOne({ a: 1 });
    const out = await db
      .collection("c")
      .aggregate([{ $out: "other" }])
      .toArray()
      .catch((e: unknown) => e);
    expect((out as MongoServerError).message).toMatch(/does not support the \$out stage/);
    const text = await db
      .collection("c")
      .createIndex({ a: "text" })
      .catch((e: unknown) => e);
    expect((text as MongoServerError).message).toMatch(/does not support 'text' indexes/);
    const coll = await db
      .collection("c")
      .find({}, { collation: { locale: "vi" } })
      .toArray()
      .catch((e: unknown) => e);
    expect((coll as MongoServerError).message).toMatch(/collations/);
    expect(await db.collection("c").countDocuments()).toBe(1);
  });

  it("refuses views by name: create with viewOn or pipeline", async () => {
    const db = client.db("srv_views");
    await db.collection("c").insertOne({ a: 1 });
    for (const options of [{ viewOn: "c", pipeline: [{ $match: { a: 1 } }] }, { viewOn: "c" }]) {
      const err = await db.createCollection("v", options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).codeName).toBe("NotImplemented");
      expect((err as MongoServerError).message).toMatch(/does not support views/);
    }
    expect((await db.listCollections().toArray()).map((c) => c.name)).toEqual(["c"]);
  });

  it("refuses a $-prefixed field name at any depth of _id (MongoDB 7.1+ and its documentation)", async () => {
    const c = client.db("srv_dollar_id").collection<{ _id: unknown }>("c");
    for (const _id of [{ a: { $b: 1 } }, { a: [{ $b: 1 }] }]) {
      const err = await c.insertOne({ _id }).catch((e: unknown) => e);
      expect((err as MongoServerError).code).toBe(52);
    }
    expect(await c.countDocuments()).toBe(0);
  });
});
