import { startEmbeddedMongo, type EmbeddedMongo } from "@ministry/embedded-mongo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { FailedPrecondition } from "../src/errors.js";
import { connectMongo, ensureIndexes, type MongoConnection } from "../src/mongo.js";
import { REQUESTS_COLLECTION, RequestLog, requestsIndexes, type RequestKey, type ResultCodec } from "../src/requests.js";

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

type Session = Parameters<Parameters<RequestLog["once"]>[2]>[0];

async function increment(session: Session): Promise<number> {
  const counters = conn.db.collection<{ _id: string; n: number }>("counters");
  const after = await counters.findOneAndUpdate({ _id: "c" }, { $inc: { n: 1 } }, { upsert: true, returnDocument: "after", session });
  return after!.n;
}

async function counter(): Promise<number> {
  return ((await conn.db.collection("counters").findOne({ _id: "c" as never }))?.n as number | undefined) ?? 0;
}

const request = (requestId: string, extra: Partial<RequestKey> = {}): RequestKey => ({
  method: "Increment",
  caller: "u1",
  requestId,
  target: "counter:c",
  fingerprint: RequestLog.fingerprint({ by: 1 }),
  ...extra,
});

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FailedPrecondition);
    return (e as FailedPrecondition).reason;
  }
  throw new Error("expected FailedPrecondition");
}

describe("RequestLog", () => {
  it("runs every call without a request id, and one with an id once, answering retries with the first result", async () => {
    const start = await counter();
    expect(await log.once(undefined, numberCodec, increment)).toBe(start + 1);
    expect(await log.once(undefined, numberCodec, increment)).toBe(start + 2);
    expect(await log.once(request("r-1"), numberCodec, increment)).toBe(start + 3);
    expect(await log.once(request("r-1"), numberCodec, increment)).toBe(start + 3);
    // The same request id from another caller is another request.
    expect(await log.once(request("r-1", { caller: "u2" }), numberCodec, increment)).toBe(start + 4);
    expect(await counter()).toBe(start + 4);
  });

  it("oncePrepared runs prepare before the transaction and hands its result to work; a retry the log answers runs neither", async () => {
    let prepared = 0;
    const prepare = async () => ++prepared * 100;
    const work = async (session: Session, base: number) => base + (await increment(session));
    const start = await counter();
    expect(await log.oncePrepared(undefined, numberCodec, prepare, work)).toBe(100 + start + 1);
    const first = await log.oncePrepared(request("r-prepared"), numberCodec, prepare, work);
    expect(first).toBe(200 + start + 2);
    expect(await log.oncePrepared(request("r-prepared"), numberCodec, prepare, work)).toBe(first);
    expect(prepared).toBe(2);
    // a request id reused for something else is refused before prepare runs
    expect(await reasonOf(log.oncePrepared(request("r-prepared", { target: "counter:d" }), numberCodec, prepare, work))).toBe(
      "REQUEST_ID_REUSED",
    );
    expect(prepared).toBe(2);
    expect(await counter()).toBe(start + 2);
  });

  it("refuses a request id reused for another target, method or request (REQUEST_ID_REUSED), running nothing", async () => {
    const first = await log.once(request("r-reuse"), numberCodec, increment);
    const before = await counter();
    for (const reuse of [
      { target: "counter:d" },
      { method: "Decrement" },
      { fingerprint: RequestLog.fingerprint({ by: 2 }) },
      { fingerprint: undefined },
    ])
      expect(await reasonOf(log.once(request("r-reuse", reuse), numberCodec, increment))).toBe("REQUEST_ID_REUSED");
    expect(await counter()).toBe(before);
    expect(await log.once(request("r-reuse"), numberCodec, increment)).toBe(first);
  });

  it("callers and request ids that run into each other are still told apart", async () => {
    const before = await counter();
    await log.once(request("b:c", { caller: "a" }), numberCodec, increment);
    expect(await log.once(request("c", { caller: "a:b" }), numberCodec, increment)).toBe(before + 2);
  });

  it("two concurrent calls with one key change the state once and both answer the committed result", async () => {
    const before = await counter();
    const answers = await Promise.all([
      log.once(request("r-concurrent"), numberCodec, increment),
      log.once(request("r-concurrent"), numberCodec, increment),
    ]);
    expect(answers).toEqual([before + 1, before + 1]);
    expect(await counter()).toBe(before + 1);
  });

  it("two concurrent calls with one id for two targets: one runs, the other is refused", async () => {
    const before = await counter();
    const outcomes = await Promise.allSettled([
      log.once(request("r-race", { target: "counter:x" }), numberCodec, increment),
      log.once(request("r-race", { target: "counter:y" }), numberCodec, increment),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as FailedPrecondition).reason).toBe("REQUEST_ID_REUSED");
    expect(await counter()).toBe(before + 1);
  });

  it("a failed call stores nothing, so its retry runs", async () => {
    await expect(
      log.once(request("r-2"), numberCodec, async (session) => {
        await increment(session);
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    const before = await counter();
    expect(await log.once(request("r-2"), numberCodec, increment)).toBe(before + 1);
  });

  it("fingerprints a request by its content: key order and absent members do not matter, bytes and dates do", () => {
    const f = RequestLog.fingerprint;
    expect(f({ a: 1, b: "x", c: undefined })).toBe(f({ b: "x", a: 1 }));
    expect(f({ a: "1" })).not.toBe(f({ a: 1 }));
    expect(f({ a: ["x", "y"] })).not.toBe(f({ a: ["xy"] }));
    expect(f({ content: new Uint8Array([1, 2]) })).not.toBe(f({ content: new Uint8Array([1, 3]) }));
    expect(f({ at: new Date(1) })).not.toBe(f({ at: new Date(2) }));
  });
});

describe("RequestLog under a test clock", () => {
  let mongo: EmbeddedMongo;
  let own: MongoConnection;
  beforeAll(async () => {
    // A TTL monitor that passes often, so the test sees passes instead of waiting a minute for one.
    mongo = await startEmbeddedMongo({ port: 0, ttlMonitorIntervalMs: 25, logLevel: "warn" });
    own = await connectMongo({ uri: mongo.uri, dbName: "platform_requests_ttl" });
    await ensureIndexes(own.db, requestsIndexes());
  });
  afterAll(async () => {
    await own?.close();
    await mongo?.stop();
  });

  it("a clock set in 2020 never drives real-time expiry: the record outlives a TTL pass and keeps answering", async () => {
    const clock = new ManualClock("2020-03-30T03:00:00Z");
    const testLog = new RequestLog(own.client, own.db, { clock });
    const counters = own.db.collection<{ _id: string; n: number }>("counters");
    const bump = async (session: Session) =>
      (await counters.findOneAndUpdate({ _id: "c" }, { $inc: { n: 1 } }, { upsert: true, returnDocument: "after", session }))!.n;
    expect(await testLog.once(request("r-ttl"), numberCodec, bump)).toBe(1);

    // A record the TTL index does expire, to see a pass happen.
    const requests = own.db.collection(REQUESTS_COLLECTION);
    await requests.insertOne({ _id: "expired" as never, at: new Date(0) });
    const deadline = Date.now() + 15_000;
    while (await requests.findOne({ _id: "expired" as never })) {
      if (Date.now() > deadline) throw new Error("no TTL pass");
      await new Promise((r) => setTimeout(r, 10));
    }

    expect(await requests.findOne({ _id: RequestLog.recordId(request("r-ttl")) as never })).toMatchObject({
      requestedAt: new Date("2020-03-30T03:00:00Z"),
    });
    expect(await testLog.once(request("r-ttl"), numberCodec, bump)).toBe(1);
  });
});
