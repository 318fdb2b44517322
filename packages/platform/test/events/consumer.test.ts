import { headers as natsHeaders } from "@nats-io/nats-core";
import { MongoNetworkError, MongoServerError, type Binary, type ClientSession, type CommandFailedEvent, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InvalidArgument } from "../../src/errors.js";
import { inTransaction } from "../../src/mongo.js";
import {
  AuditLog,
  EventConsumer,
  isInfrastructureError,
  Outbox,
  PermanentError,
  encodeEvent,
  streamName,
  type EventBus,
  type EventConsumerOptions,
} from "../../src/events/index.js";
import { toMsgHdrs } from "../../src/events/telemetry.js";
import { runCrashChild } from "./crash.js";
import { TaskAssigned, TaskWithdrawn, actor, startInfra, waitFor, type Infra } from "./helpers.js";

let infra: Infra;
let bus: EventBus;

beforeAll(async () => {
  infra = await startInfra();
  bus = await infra.bus();
});
afterAll(async () => {
  await infra?.dispose();
});

async function fresh(name: string): Promise<Db> {
  const jsm = await bus.jsm();
  await jsm.streams.delete("TASKS").catch(() => undefined);
  await bus.ensureStream({ service: "tasks" });
  return infra.db(name);
}

function consumerOf(db: Db, opts: Partial<EventConsumerOptions> = {}): EventConsumer {
  return new EventConsumer({
    bus,
    client: infra.mongo.client,
    db,
    name: "notifications",
    producer: "tasks",
    retry: { initialMs: 20, maxMs: 100 },
    ...opts,
  });
}

/** All delivered messages settled (acked or terminated) by the consumer. */
async function settled(consumer: string, expectedDelivered?: number): Promise<boolean> {
  const info = await (await bus.jsm()).consumers.info(streamName("tasks"), consumer);
  return (
    info.num_pending === 0 &&
    info.num_ack_pending === 0 &&
    info.num_redelivered === 0 &&
    (expectedDelivered === undefined || info.delivered.consumer_seq >= expectedDelivered)
  );
}

describe("idempotent consumer", () => {
  it("runs the handler once per event, with its inbox record in the same transaction", async () => {
    const db = await fresh("consumer_once");
    const consumer = consumerOf(db).on(TaskAssigned, async (event, session) => {
      expect(event.deliveries).toBe(1);
      await db.collection("notified").insertOne({ task: event.aggregateId, user: event.data.userId, type: event.type }, { session });
    });
    await consumer.start();
    try {
      const event = TaskAssigned.of("task-1", actor("u1"));
      await bus.publish(event);
      await waitFor("the effect", async () => (await db.collection("notified").countDocuments()) === 1);
      await waitFor("the ack", () => settled("notifications-TASKS", 1));
      expect(await db.collection("notified").findOne({}, { projection: { _id: 0 } })).toEqual({
        task: "task-1",
        user: "u1",
        type: "ministry.tasks.task.assigned.v1",
      });
      expect(await consumer.inbox.findOne({ consumer: "notifications", eventId: event.id })).toMatchObject({
        type: event.type.type,
        aggregateId: "task-1",
      });
    } finally {
      await consumer.stop();
    }
  });

  it("changes nothing for the same event published again under another Nats-Msg-Id", async () => {
    const db = await fresh("consumer_duplicate");
    let calls = 0;
    const consumer = consumerOf(db).on(TaskAssigned, async (event, session) => {
      calls++;
      await db.collection("notified").insertOne({ task: event.aggregateId }, { session });
    });
    await consumer.start();
    try {
      const encoded = encodeEvent(TaskAssigned.of("task-1", actor("u1")));
      await bus.publishEncoded(encoded);
      // past the broker's deduplication: the same ce-id in a second stream message
      const second = await bus.publishEncoded(encoded, { msgId: `${encoded.id}-again` });
      expect(second.duplicate).toBe(false);
      await waitFor("both messages settled", () => settled("notifications-TASKS", 2));
      expect(calls).toBe(1);
      expect(await db.collection("notified").countDocuments()).toBe(1);
      expect(await consumer.inbox.countDocuments()).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it("changes nothing on redelivery after a consumer process died between commit and ack", async () => {
    const dbName = "consumer_crash";
    const db = await fresh(dbName);
    const event = TaskAssigned.of("task-1", actor("u1"));
    await bus.publish(event);
    const result = await runCrashChild({
      mode: "consumer",
      natsUrl: infra.nats.url,
      mongoUri: infra.mongo.embedded!.uri,
      dbName,
      consumer: "notifications",
      ackWaitMs: 1_000,
    });
    expect(result.signal, result.stderr).toBe("SIGKILL");
    expect(await db.collection("assignments").countDocuments({ by: "child" })).toBe(1);
    let calls = 0;
    const consumer = consumerOf(db, { ackWaitMs: 1_000 }).on(TaskAssigned, async (_event, session) => {
      calls++;
      await db.collection("assignments").insertOne({ by: "parent" }, { session });
    });
    await consumer.start();
    try {
      // the server redelivers after ack_wait; the inbox record makes it a no-op that is acked
      await waitFor("the redelivery settled", () => settled("notifications-TASKS", 2));
      expect(calls).toBe(0);
      expect(await db.collection("assignments").countDocuments()).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it("dead-letters an undecodable body and a message without CloudEvents headers at once, and goes on", async () => {
    const db = await fresh("consumer_poison");
    const handled: string[] = [];
    const consumer = consumerOf(db).on(TaskAssigned, async (event) => {
      handled.push(event.aggregateId);
    });
    await consumer.start();
    try {
      const undecodable = encodeEvent(TaskAssigned.of("task-bad", actor("x")));
      await bus.js.publish(undecodable.subject, new Uint8Array([0xff, 0xff, 0xff, 0xff]), {
        headers: toMsgHdrs(undecodable.headers),
        msgID: undecodable.id,
      });
      await bus.js.publish("tasks.task.assigned", new Uint8Array([1, 2, 3]), { headers: natsHeaders() });
      await bus.publish(TaskAssigned.of("task-good", actor("u1")));
      await waitFor("the good event", () => handled.includes("task-good"));
      await waitFor("two dead letters", async () => (await consumer.deadLetters.count({ consumer: "notifications-TASKS" })) === 2);
      await waitFor("everything settled", () => settled("notifications-TASKS", 3));
      const letters = await consumer.deadLetters.collection.find({}).sort({ streamSequence: 1 }).toArray();
      expect(letters[0]).toMatchObject({
        consumer: "notifications-TASKS",
        stream: "TASKS",
        eventId: undecodable.id,
        eventType: TaskAssigned.type,
        subject: "tasks.task.assigned",
        deliveries: 1,
      });
      expect(letters[0]!.error).toMatch(/cannot decode/);
      expect(Buffer.from((letters[0]!.data as Binary).value())).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]));
      expect(letters[1]).toMatchObject({ eventId: `nats:TASKS:${letters[1]!.streamSequence}`, deliveries: 1 });
      expect(letters[1]!.error).toMatch(/missing CloudEvents header/);
      expect(handled).toEqual(["task-good"]);
    } finally {
      await consumer.stop();
    }
  });

  it("retries a retryable failure with back-off and dead-letters it after maxDeliveries, while later events flow", async () => {
    const db = await fresh("consumer_retry");
    const attempts: number[] = [];
    const handled: string[] = [];
    const consumer = consumerOf(db, { maxDeliveries: 3 })
      .on(TaskAssigned, async (event) => {
        attempts.push(event.deliveries);
        throw new Error("downstream unavailable");
      })
      .on(TaskWithdrawn, async (event) => {
        handled.push(event.aggregateId);
      });
    await consumer.start();
    try {
      const poison = TaskAssigned.of("task-1", actor("u1"));
      await bus.publish(poison);
      await bus.publish(TaskWithdrawn.of("task-2", { id: "VP", name: "Văn phòng Bộ" }));
      await bus.publish(TaskWithdrawn.of("task-3", { id: "VP", name: "Văn phòng Bộ" }));
      await waitFor("the dead letter", async () => consumer.deadLetters.collection.findOne({ eventId: poison.id }));
      await waitFor("everything settled", () => settled("notifications-TASKS"));
      expect(attempts).toEqual([1, 2, 3]);
      expect(handled).toEqual(["task-2", "task-3"]);
      const letter = await consumer.deadLetters.collection.findOne({ eventId: poison.id });
      expect(letter).toMatchObject({ deliveries: 3, error: "downstream unavailable", eventType: TaskAssigned.type });
      expect(letter!.headers["ce-id"]).toBe(poison.id);
      expect(await consumer.inbox.countDocuments({ eventId: poison.id })).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("dead-letters at once what the handler marks permanent (PermanentError, InvalidArgument)", async () => {
    const db = await fresh("consumer_permanent");
    const attempts: string[] = [];
    const consumer = consumerOf(db, { maxDeliveries: 5 }).on(TaskAssigned, async (event) => {
      attempts.push(event.aggregateId);
      if (event.aggregateId === "task-1") throw new PermanentError("assignee unknown");
      throw new InvalidArgument([{ field: "user_id", description: "is required" }]);
    });
    await consumer.start();
    try {
      await bus.publish(TaskAssigned.of("task-1", actor("u1")));
      await bus.publish(TaskAssigned.of("task-2", actor("")));
      await waitFor("two dead letters", async () => (await consumer.deadLetters.count()) === 2);
      expect(attempts).toEqual(["task-1", "task-2"]);
      const errors = (await consumer.deadLetters.collection.find({}).sort({ streamSequence: 1 }).toArray()).map((d) => [
        d.deliveries,
        d.error,
      ]);
      expect(errors).toEqual([
        [1, "assignee unknown"],
        [1, "user_id: is required"],
      ]);
    } finally {
      await consumer.stop();
    }
  });

  it("waits out an unreachable database with the message in hand, spending none of its deliveries", async () => {
    const db = await fresh("consumer_outage");
    const attempts: number[] = [];
    const consumer = consumerOf(db, { maxDeliveries: 2 }).on(TaskAssigned, async (event, session) => {
      attempts.push(event.deliveries);
      if (attempts.length <= 3) throw new MongoNetworkError("connect ECONNREFUSED 127.0.0.1:27017");
      await db.collection("notified").insertOne({ task: event.aggregateId }, { session });
    });
    await consumer.start();
    try {
      await bus.publish(TaskAssigned.of("task-1", actor("u1")));
      await waitFor("the event handled once the database is back", async () => (await db.collection("notified").countDocuments()) === 1);
      await waitFor("settled", () => settled("notifications-TASKS", 1));
      // four attempts on the first delivery: maxDeliveries 2 was never reached, nothing dead-lettered
      expect(attempts).toEqual([1, 1, 1, 1]);
      expect(await consumer.deadLetters.count()).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("spends a delivery on a transaction error that outlives the driver's retries, and dead-letters the event: it never stalls", async () => {
    const db = await fresh("consumer_transient");
    const attempts: number[] = [];
    // The driver retries a TransientTransactionError for 120 s of performance.now() before giving up. Each
    // failing attempt moves that clock on by 70 s, so the driver gives up after two attempts per delivery.
    let skewMs = 0;
    const realNow = performance.now.bind(performance);
    const spy = vi.spyOn(performance, "now").mockImplementation(() => realNow() + skewMs);
    const consumer = consumerOf(db, { maxDeliveries: 2 }).on(TaskAssigned, async (event) => {
      attempts.push(event.deliveries);
      skewMs += 70_000;
      // what a transaction that timed out on the server answers, labelled transient by the server
      throw new MongoServerError({
        message: "Transaction 7 has been aborted.",
        code: 251,
        codeName: "NoSuchTransaction",
        errorLabels: ["TransientTransactionError"],
      });
    });
    await consumer.start();
    try {
      const event = TaskAssigned.of("task-1", actor("u1"));
      await bus.publish(event);
      const letter = await waitFor("the dead letter", async () => consumer.deadLetters.collection.findOne({ eventId: event.id }));
      await waitFor("settled", () => settled("notifications-TASKS", 1));
      // two deliveries, two driver attempts each: the label alone no longer counts as an outage
      expect(attempts).toEqual([1, 1, 2, 2]);
      expect(letter).toMatchObject({ deliveries: 2, error: "Transaction 7 has been aborted." });
    } finally {
      spy.mockRestore();
      await consumer.stop();
    }
  });

  it("a stop while a handler retries against a document another transaction holds returns at once; the event is handled later", async () => {
    const db = await fresh("consumer_stop_conflict");
    await db.collection("counters").insertOne({ _id: "c" as never, n: 0 });
    const write = (session?: ClientSession) => db.collection("counters").updateOne({ _id: "c" as never }, { $inc: { n: 1 } }, { session });
    // What a process killed in the middle of a transaction leaves: the document held until it expires.
    const orphan = infra.mongo.client.startSession();
    orphan.startTransaction();
    await db.collection("counters").updateOne({ _id: "c" as never }, { $set: { heldBy: "orphan" } }, { session: orphan });
    const conflict = new Promise<void>((resolve) => {
      const listener = (e: CommandFailedEvent) => {
        if ((e.failure as { code?: unknown }).code !== 112) return;
        infra.mongo.client.off("commandFailed", listener);
        resolve();
      };
      infra.mongo.client.on("commandFailed", listener);
    });
    const first = consumerOf(db).on(TaskAssigned, async (_event, session) => {
      await write(session);
    });
    await first.start();
    const event = TaskAssigned.of("task-1", actor("u1"));
    try {
      await bus.publish(event);
      await conflict;
      await first.stop();
      expect(await first.inbox.countDocuments({ eventId: event.id })).toBe(0);
    } finally {
      await orphan.abortTransaction();
      await orphan.endSession();
    }
    // the message went back: the next consumer handles it once
    const second = consumerOf(db).on(TaskAssigned, async (_event, session) => {
      await write(session);
    });
    await second.start();
    try {
      await waitFor("the event handled", async () => (await db.collection("counters").findOne({ _id: "c" as never }))?.n === 1);
      await waitFor("settled", () => settled("notifications-TASKS", 1));
      expect(await second.deadLetters.count()).toBe(0);
    } finally {
      await second.stop();
    }
  });

  it("tells an outage (no server, network, no primary) from an error of the event", () => {
    expect(isInfrastructureError(new MongoNetworkError("connect ECONNREFUSED"))).toBe(true);
    expect(isInfrastructureError(new MongoServerError({ message: "not primary", code: 10107, codeName: "NotWritablePrimary" }))).toBe(true);
    expect(isInfrastructureError(new MongoServerError({ message: "stepped down", code: 189, codeName: "PrimarySteppedDown" }))).toBe(true);
    for (const label of ["TransientTransactionError", "RetryableWriteError"]) {
      const err = new MongoServerError({ message: "aborted", code: 251, codeName: "NoSuchTransaction", errorLabels: [label] });
      expect(isInfrastructureError(err), label).toBe(false);
    }
    expect(isInfrastructureError(new MongoServerError({ message: "dup", code: 11000 }))).toBe(false);
    expect(isInfrastructureError(new Error("ECONNREFUSED"))).toBe(false);
  });

  it("loses and duplicates nothing end to end (outbox → broker → consumer) across a broker kill and restart", async () => {
    const db = await fresh("consumer_broker");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000, retry: { initialMs: 50, maxMs: 500 } });
    const calls = new Map<string, number>();
    // a killed nats-server may come back without the last acks it had received (2.9 writes consumer state
    // asynchronously): it redelivers those after ack_wait, kept short here, and the inbox absorbs them
    const consumer = consumerOf(db, { fetchExpiresMs: 2_000, ackWaitMs: 2_000 }).on(TaskAssigned, async (event, session) => {
      calls.set(event.aggregateId, (calls.get(event.aggregateId) ?? 0) + 1);
      await db.collection("notified").insertOne({ task: event.aggregateId }, { session });
    });
    outbox.start();
    await consumer.start();
    const commit = (i: number) =>
      inTransaction(infra.mongo.client, (session) => outbox.add(session, TaskAssigned.of(`task-${i}`, actor(`u${i}`))));
    try {
      for (let i = 0; i < 3; i++) await commit(i);
      await waitFor("the first events handled", async () => (await db.collection("notified").countDocuments()) === 3);
      await infra.nats.stop({ kill: true });
      for (let i = 3; i < 8; i++) await commit(i);
      await infra.nats.restart();
      await waitFor("every event handled after the restart", async () => (await db.collection("notified").countDocuments()) >= 8, 40_000);
      await waitFor("the outbox drained", async () => (await outbox.backlog()).count === 0);
      await waitFor("everything settled", () => settled("notifications-TASKS", 8), 30_000);
      expect(await db.collection("notified").countDocuments()).toBe(8);
      expect(await consumer.inbox.countDocuments()).toBe(8);
      expect([...calls.values()].every((n) => n === 1)).toBe(true);
      expect(calls.size).toBe(8);
    } finally {
      await consumer.stop();
      await outbox.stop();
    }
  });

  it("acks events of types it has no handler for, without effect", async () => {
    const db = await fresh("consumer_ignored");
    const consumer = consumerOf(db).on(TaskAssigned, async () => undefined);
    await consumer.start();
    try {
      await bus.publish(TaskWithdrawn.of("task-1", { id: "VP", name: "" }));
      await waitFor("settled", () => settled("notifications-TASKS", 1));
      expect(await consumer.inbox.countDocuments()).toBe(0);
      expect(await consumer.deadLetters.count()).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("replays a dead letter: the handler runs again, the dead letter goes, with an audit record; a handled event only removes it", async () => {
    const db = await fresh("consumer_replay");
    let healthy = false;
    const consumer = consumerOf(db, { maxDeliveries: 1 }).on(TaskAssigned, async (event, session) => {
      if (!healthy) throw new Error("directory service down");
      await db.collection("notified").insertOne({ task: event.aggregateId, replayed: event.replayed }, { session });
    });
    await consumer.start();
    try {
      const first = TaskAssigned.of("task-1", actor("u1"));
      const second = TaskAssigned.of("task-2", actor("u2"));
      await bus.publish(first);
      await bus.publish(second);
      await waitFor("two dead letters", async () => (await consumer.deadLetters.count()) === 2);
      const [a, b] = await consumer.deadLetters.collection.find({}).sort({ streamSequence: 1 }).toArray();

      // still failing: stays a dead letter with the new error
      const failed = await consumer.replayDeadLetter(a!._id!.toHexString());
      expect(failed).toEqual({ replayed: false, error: "directory service down" });
      expect(await consumer.deadLetters.collection.findOne({ _id: a!._id })).toMatchObject({ deliveries: 2 });

      healthy = true;
      const ops = actor("ops-1");
      expect(await consumer.replayDeadLetter(a!._id!.toHexString(), ops)).toEqual({ replayed: true });
      expect(
        await db
          .collection("notified")
          .find({}, { projection: { _id: 0 } })
          .toArray(),
      ).toEqual([{ task: "task-1", replayed: true }]);
      expect(await consumer.deadLetters.collection.findOne({ _id: a!._id })).toBeNull();
      expect(await consumer.inbox.countDocuments({ eventId: first.id })).toBe(1);

      // the second event was handled meanwhile (e.g. re-published): replay finds its inbox record
      await inTransaction(infra.mongo.client, (session) =>
        consumer.inbox.insertOne(
          {
            consumer: "notifications",
            eventId: second.id,
            type: TaskAssigned.type,
            subject: TaskAssigned.subject,
            aggregateId: "task-2",
            processedAt: new Date(),
          },
          { session },
        ),
      );
      expect(await consumer.replayDeadLetter(b!._id!.toHexString(), ops)).toEqual({ replayed: true });
      expect(await db.collection("notified").countDocuments()).toBe(1);
      expect(await consumer.deadLetters.count()).toBe(0);

      const audit = await new AuditLog(db).collection.find({ action: "deadletter.replayed" }).sort({ at: 1, _id: 1 }).toArray();
      expect(audit.map((r) => [r.actor.userId, r.target.id, r.change.outcome])).toEqual([
        ["ops-1", a!._id!.toHexString(), "processed"],
        ["ops-1", b!._id!.toHexString(), "already processed"],
      ]);
      await expect(consumer.replayDeadLetter(a!._id!.toHexString())).rejects.toMatchObject({ kind: "NotFound" });
      await expect(consumer.replayDeadLetter("not-an-id")).rejects.toMatchObject({ kind: "InvalidArgument" });
    } finally {
      await consumer.stop();
    }
  });

  it("discards a dead letter with an audit record of who and why", async () => {
    const db = await fresh("consumer_discard");
    const consumer = consumerOf(db, { maxDeliveries: 1 }).on(TaskAssigned, async () => {
      throw new PermanentError("obsolete");
    });
    await consumer.start();
    try {
      await bus.publish(TaskAssigned.of("task-1", actor("u1")));
      const letter = await waitFor("the dead letter", () => consumer.deadLetters.collection.findOne({}));
      const id = letter._id!.toHexString();
      await expect(consumer.discardDeadLetter(id, "  ")).rejects.toMatchObject({ kind: "InvalidArgument" });
      await consumer.discardDeadLetter(id, "task withdrawn in the meantime", actor("ops-1"));
      expect(await consumer.deadLetters.count()).toBe(0);
      const [record] = await new AuditLog(db).collection.find({ action: "deadletter.discarded" }).toArray();
      expect(record).toMatchObject({
        actor: { userId: "ops-1" },
        target: { type: "deadletter", id },
        change: { reason: "task withdrawn in the meantime", error: "obsolete" },
      });
      await expect(consumer.discardDeadLetter(id, "again")).rejects.toMatchObject({ kind: "NotFound" });
    } finally {
      await consumer.stop();
    }
  });

  it("stop drains: the handler in flight finishes and is acked before stop resolves", async () => {
    const db = await fresh("consumer_drain");
    const order: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const handlerStarted = new Promise<void>((r) => (started = r));
    const consumer = consumerOf(db).on(TaskAssigned, async (event, session) => {
      order.push(`start ${event.aggregateId}`);
      started();
      await released;
      await db.collection("notified").insertOne({ task: event.aggregateId }, { session });
      order.push(`end ${event.aggregateId}`);
    });
    await consumer.start();
    await bus.publish(TaskAssigned.of("task-1", actor("u1")));
    await bus.publish(TaskAssigned.of("task-2", actor("u2")));
    await handlerStarted;
    const stopping = consumer.stop().then(() => order.push("stopped"));
    // let the stop run as far as it can on its own before the handler is released
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    release();
    await stopping;
    expect(order).toEqual(["start task-1", "end task-1", "stopped"]);
    expect(await db.collection("notified").countDocuments()).toBe(1);
    // task-1 acked before stop resolved; task-2, never started, waits for the next instance
    const info = await (await bus.jsm()).consumers.info(streamName("tasks"), "notifications-TASKS");
    expect(info.ack_floor.stream_seq).toBe(1);
    expect(info.num_ack_pending).toBe(0);
    const next = consumerOf(db).on(TaskAssigned, async (event, session) => {
      await db.collection("notified").insertOne({ task: event.aggregateId }, { session });
    });
    await next.start();
    try {
      await waitFor("task-2 handled by the next instance", async () => (await db.collection("notified").countDocuments()) === 2);
    } finally {
      await next.stop();
    }
  });
});
