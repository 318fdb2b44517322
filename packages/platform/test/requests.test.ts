import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMongo, type MongoConnection } from "../src/mongo.js";
import { RequestLog, type ResultCodec } from "../src/requests.js";

let conn: MongoConnection;
let log: RequestLog;
beforeAll(async () => {
  conn = await connectMongo({ dbName: "platform_requests_test" });
  log = new RequestLog(conn.client, conn.db);
});
afterAll(async () => {
  await conn?.close();
});

const numberCodec: ResultCodec<number> = { toDocument: (n) => ({ n }), fromDocument: (d) => d.n as number };

async function increment(session: Parameters<Parameters<RequestLog["once"]>[2]>[0]): Promise<number> {
  const counters = conn.db.collection<{ _id: string; n: number }>("counters");
  const after = await counters.findOneAndUpdate({ _id: "c" }, { $inc: { n: 1 } }, { upsert: true, returnDocument: "after", session });
  return after!.n;
}

describe("RequestLog", () => {
  it("runs every call without a key, and one with a key once, answering retries with the first result", async () => {
    expect(await log.once(undefined, numberCodec, increment)).toBe(1);
    expect(await log.once(undefined, numberCodec, increment)).toBe(2);
    const key = RequestLog.key("Increment", "u1", "r-1");
    expect(await log.once(key, numberCodec, increment)).toBe(3);
    expect(await log.once(key, numberCodec, increment)).toBe(3);
    // The same request id from another caller, or for another method, is another request.
    expect(await log.once(RequestLog.key("Increment", "u2", "r-1"), numberCodec, increment)).toBe(4);
    expect(await log.once(RequestLog.key("Other", "u1", "r-1"), numberCodec, increment)).toBe(5);
    expect((await conn.db.collection("counters").findOne({ _id: "c" as never }))!.n).toBe(5);
  });

  it("two concurrent calls with one key change the state once and both answer the committed result", async () => {
    const key = RequestLog.key("Increment", "u1", "r-concurrent");
    const before = (await conn.db.collection("counters").findOne({ _id: "c" as never }))!.n as number;
    const answers = await Promise.all([log.once(key, numberCodec, increment), log.once(key, numberCodec, increment)]);
    expect(answers).toEqual([before + 1, before + 1]);
    expect((await conn.db.collection("counters").findOne({ _id: "c" as never }))!.n).toBe(before + 1);
  });

  it("a failed call stores nothing, so its retry runs", async () => {
    const key = RequestLog.key("Fail", "u1", "r-2");
    await expect(
      log.once(key, numberCodec, async (session) => {
        await increment(session);
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    const before = (await conn.db.collection("counters").findOne({ _id: "c" as never }))!.n as number;
    expect(await log.once(key, numberCodec, increment)).toBe(before + 1);
  });
});
