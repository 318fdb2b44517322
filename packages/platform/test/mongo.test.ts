import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMongo, ensureIndexes, inTransaction, pingMongo, type MongoConnection } from "../src/mongo.js";

let conn: MongoConnection;
beforeAll(async () => {
  conn = await connectMongo({ dbName: "platform_mongo_test" });
});
afterAll(async () => {
  await conn?.close();
});

describe("mongo", () => {
  it("starts an embedded server when MONGODB_URI is unset, and answers ping", async () => {
    expect(conn.embedded).toBeDefined();
    expect(await pingMongo(conn.db)).toBe(true);
  });

  it("emits the driver's command events only when asked (a service without a span exporter leaves them off)", async () => {
    expect(conn.client.options.monitorCommands).toBe(true);
    const quiet = await connectMongo({ dbName: "platform_mongo_quiet", monitorCommands: false });
    try {
      let events = 0;
      quiet.client.on("commandStarted", () => events++);
      await quiet.db.collection("c").insertOne({ a: 1 });
      expect(quiet.client.options.monitorCommands).toBe(false);
      expect(events).toBe(0);
    } finally {
      await quiet.close();
    }
  });

  it("creates declared indexes, and creating them again is a no-op", async () => {
    const declared = [{ collection: "things", indexes: [{ key: { code: 1 }, name: "code_1", unique: true }] }];
    await ensureIndexes(conn.db, declared);
    await ensureIndexes(conn.db, declared);
    const names = (await conn.db.collection("things").listIndexes().toArray()).map((i) => i.name);
    expect(names).toEqual(["_id_", "code_1"]);
  });

  it("commits a unit of work atomically, and an error undoes all of it", async () => {
    const c = conn.db.collection<{ _id: string; n: number }>("units");
    await inTransaction(conn.client, async (session) => {
      await c.insertOne({ _id: "a", n: 1 }, { session });
      await c.insertOne({ _id: "b", n: 2 }, { session });
    });
    await expect(
      inTransaction(conn.client, async (session) => {
        await c.insertOne({ _id: "c", n: 3 }, { session });
        throw new Error("rule broken");
      }),
    ).rejects.toThrow("rule broken");
    expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(["a", "b"]);
  });

  it("retries a unit of work that hit a write conflict, so concurrent increments both apply", async () => {
    const c = conn.db.collection<{ _id: string; n: number }>("counters");
    await c.insertOne({ _id: "k", n: 0 });
    let attempts = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        inTransaction(conn.client, async (session) => {
          attempts++;
          const doc = await c.findOne({ _id: "k" }, { session });
          await new Promise((r) => setTimeout(r, 20));
          await c.updateOne({ _id: "k" }, { $set: { n: (doc?.n ?? 0) + 1 } }, { session });
        }),
      ),
    );
    expect((await c.findOne({ _id: "k" }))?.n).toBe(3);
    expect(attempts).toBeGreaterThan(3);
  });
});
