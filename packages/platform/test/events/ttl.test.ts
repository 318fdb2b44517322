/**
 * A test clock never drives real-time expiry: with the service's clock in 2020, the inbox and the sent
 * outbox records outlive the TTL monitor's passes (which use real time), so deduplication keeps working
 * in long test files and in any run whose clock is not the wall clock.
 */
import { startEmbeddedMongo, type EmbeddedMongo } from "@ministry/embedded-mongo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import {
  EVENTS_INDEXES,
  EventConsumer,
  INBOX_COLLECTION,
  OUTBOX_COLLECTION,
  Outbox,
  toEncodedEvent,
  type EventBus,
} from "../../src/events/index.js";
import { connectMongo, ensureIndexes, inTransaction, type MongoConnection } from "../../src/mongo.js";
import { startNatsServer, type NatsServerHandle } from "../../src/testing/index.js";
import { EventBus as Bus } from "../../src/events/bus.js";
import { TaskAssigned, actor, waitFor } from "./helpers.js";

let mongo: EmbeddedMongo;
let conn: MongoConnection;
let nats: NatsServerHandle;
let bus: EventBus;

beforeAll(async () => {
  // A TTL monitor that passes often, so the test sees passes instead of waiting a minute for one.
  [mongo, nats] = await Promise.all([startEmbeddedMongo({ port: 0, ttlMonitorIntervalMs: 25, logLevel: "warn" }), startNatsServer()]);
  conn = await connectMongo({ uri: mongo.uri, dbName: "events_ttl" });
  await ensureIndexes(conn.db, EVENTS_INDEXES);
  bus = await Bus.connect({ servers: nats.url, name: "ttl-test" });
  await bus.ensureStream({ service: "tasks" });
});
afterAll(async () => {
  await bus?.close();
  await conn?.close();
  await mongo?.stop();
  await nats?.dispose();
});

describe("retention under a test clock", () => {
  it("keeps inbox and sent outbox records through TTL passes, and a re-publish still changes nothing", async () => {
    const clock = new ManualClock("2020-03-30T03:00:00Z");
    const db = conn.db;
    const outbox = new Outbox({ db, bus, clock, pollIntervalMs: 600_000 });
    const handled: string[] = [];
    const consumer = new EventConsumer({ bus, client: conn.client, db, name: "notifications", producer: "tasks", clock }).on(
      TaskAssigned,
      async (e) => {
        handled.push(e.aggregateId);
      },
    );
    outbox.start();
    await consumer.start();
    try {
      const event = TaskAssigned.of("task-1", actor("u1"));
      await inTransaction(conn.client, (session) => outbox.add(session, event));
      await waitFor("the event handled", () => handled.length === 1);
      await waitFor("the outbox record sent", async () => (await outbox.records.findOne({ eventId: event.id }))?.sentAt);

      // Records the TTL indexes do expire, to see passes happen over both collections.
      await db.collection(INBOX_COLLECTION).insertOne({ consumer: "sentinel", eventId: "old", processedAt: new Date(0) });
      await db.collection(OUTBOX_COLLECTION).insertOne({ seq: -1, eventId: "old", sentAt: new Date(0) });
      await waitFor("a TTL pass over the inbox", async () => !(await db.collection(INBOX_COLLECTION).findOne({ eventId: "old" })));
      await waitFor("a TTL pass over the outbox", async () => !(await db.collection(OUTBOX_COLLECTION).findOne({ eventId: "old" })));

      expect(await consumer.inbox.countDocuments({ eventId: event.id })).toBe(1);
      expect(await outbox.records.countDocuments({ eventId: event.id })).toBe(1);
      // The same event again, past the broker's duplicate window (another Nats-Msg-Id): the inbox drops
      // it. The stream delivers in order, so once the next event is handled the copy has been decided.
      await bus.publishEncoded(toEncodedEvent((await outbox.records.findOne({ eventId: event.id }))!), { msgId: "again" });
      await bus.publish(TaskAssigned.of("task-2", actor("u2")));
      await waitFor("the next event handled", () => handled.includes("task-2"));
      expect(handled).toEqual(["task-1", "task-2"]);
    } finally {
      await consumer.stop();
      await outbox.stop();
    }
  });
});
