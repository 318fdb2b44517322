import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { context, trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { connectMongo, ensureIndexes, inTransaction, type MongoConnection } from "../../src/mongo.js";
import { AuditLog, EVENTS_INDEXES, eventsIndexes } from "../../src/events/index.js";
import { actor } from "./helpers.js";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider());

let mongo: MongoConnection;
beforeAll(async () => {
  mongo = await connectMongo({ dbName: "audit_test" });
  await ensureIndexes(mongo.db, EVENTS_INDEXES);
});
afterAll(async () => {
  await mongo?.close();
});

describe("audit", () => {
  it("writes the record in the change's transaction, with the active trace id and the clock's time", async () => {
    const clock = new ManualClock("2020-03-30T02:00:00Z");
    const audit = new AuditLog(mongo.db, { clock });
    const span = trace.getTracer("test").startSpan("AssignTask");
    await context.with(trace.setSpan(context.active(), span), () =>
      inTransaction(mongo.client, async (session) => {
        await mongo.db.collection("tasks").updateOne({ _id: "t1" as never }, { $set: { assignee: "u2" } }, { session, upsert: true });
        await audit.record(session, {
          actor: actor("u1"),
          action: "task.assigned",
          target: { type: "task", id: "t1" },
          change: { assignee: { from: null, to: "u2" } },
        });
      }),
    );
    span.end();
    const [record] = await audit.forTarget({ type: "task", id: "t1" });
    expect(record).toMatchObject({
      at: new Date("2020-03-30T02:00:00Z"),
      actor: { userId: "u1", roles: ["staff"], unit: { id: "VP" } },
      action: "task.assigned",
      change: { assignee: { from: null, to: "u2" } },
      traceId: span.spanContext().traceId,
    });
  });

  it("leaves no record when the transaction aborts", async () => {
    const audit = new AuditLog(mongo.db);
    await expect(
      inTransaction(mongo.client, async (session) => {
        await audit.record(session, { actor: actor("u1"), action: "task.withdrawn", target: { type: "task", id: "t2" } });
        throw new Error("version conflict");
      }),
    ).rejects.toThrow("version conflict");
    expect(await audit.forTarget({ type: "task", id: "t2" })).toEqual([]);
  });
});

describe("declared indexes", () => {
  it("create cleanly (twice), and the inbox key is unique", async () => {
    await ensureIndexes(mongo.db, EVENTS_INDEXES);
    const names = (await mongo.db.collection("outbox").listIndexes().toArray()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(["seq_unique", "unsent_by_seq", "sentAt_ttl", "createdAt"]));
    const ttl = (await mongo.db.collection("outbox").listIndexes().toArray()).find((i) => i.name === "sentAt_ttl");
    expect(ttl?.expireAfterSeconds).toBe(7 * 24 * 3600);
    const inbox = mongo.db.collection("inbox");
    await inbox.insertOne({ consumer: "c", eventId: "e1" });
    await expect(inbox.insertOne({ consumer: "c", eventId: "e1" })).rejects.toMatchObject({ code: 11000 });
    await inbox.insertOne({ consumer: "other", eventId: "e1" });
    expect(
      eventsIndexes({ outboxRetentionMs: 3_600_000 })
        .find((c) => c.collection === "outbox")!
        .indexes.find((i) => i.name === "sentAt_ttl")!.expireAfterSeconds,
    ).toBe(3600);
  });
});
