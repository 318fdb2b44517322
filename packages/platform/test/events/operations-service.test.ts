import type { ServerUnaryCall } from "@grpc/grpc-js";
import type { Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../src/mongo.js";
import {
  AuditLog,
  DeadLetterStore,
  EventConsumer,
  Outbox,
  createOperations,
  encodeEvent,
  operationsServiceServer,
  type EventBus,
  type OperationsApi,
} from "../../src/events/index.js";
import { TaskAssigned, actor, startInfra, waitFor, type Infra } from "./helpers.js";

let infra: Infra;
let bus: EventBus;
let db: Db;
let api: OperationsApi;
let consumer: EventConsumer;
let outbox: Outbox;
let healthy = false;

beforeAll(async () => {
  infra = await startInfra();
  bus = await infra.bus();
  await bus.ensureStream({ service: "tasks" });
  db = await infra.db("operations");
  outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
  consumer = new EventConsumer({ bus, client: infra.mongo.client, db, name: "notifications", producer: "tasks", maxDeliveries: 1 }).on(
    TaskAssigned,
    async (event, session) => {
      if (!healthy) throw new Error("mail server down");
      await db.collection("notified").insertOne({ task: event.aggregateId }, { session });
    },
  );
  api = createOperations({
    client: infra.mongo.client,
    deadLetters: new DeadLetterStore(db),
    consumers: [consumer],
    outbox,
    audit: new AuditLog(db),
  });
});
afterAll(async () => {
  await consumer?.stop();
  await outbox?.stop();
  await infra?.dispose();
});

describe("OperationsService", () => {
  it("lists dead letters newest first, page by page, filtered by consumer; bad paging input is InvalidArgument", async () => {
    const store = new DeadLetterStore(db);
    for (let i = 0; i < 5; i++) {
      const e = encodeEvent(TaskAssigned.of(`task-${i}`, actor(`u${i}`)));
      await store.record({
        consumer: "reports",
        stream: "TASKS",
        subject: e.subject,
        eventId: e.id,
        eventType: e.type,
        headers: e.headers,
        data: e.data,
        error: `boom ${i}`,
        deliveries: 5,
        failedAt: new Date(),
      });
    }
    const first = await api.listDeadLetters({ stream: "", consumer: "reports", page: { pageSize: 2, pageToken: "" } });
    expect(first.deadLetters.map((d) => d.error)).toEqual(["boom 4", "boom 3"]);
    expect(first.page).toMatchObject({ totalSize: "5" });
    expect(first.deadLetters[0]).toMatchObject({
      consumer: "reports",
      subject: "tasks.task.assigned",
      eventType: TaskAssigned.type,
      deliveries: 5,
    });
    expect(first.deadLetters[0]!.headers["ce-subject"]).toBe("task-4");
    expect(TaskAssigned.codec.decode(first.deadLetters[0]!.data)).toEqual(actor("u4"));
    expect(first.deadLetters[0]!.failedAt).toBeInstanceOf(Date);
    const second = await api.listDeadLetters({
      stream: "",
      consumer: "reports",
      page: { pageSize: 2, pageToken: first.page!.nextPageToken },
    });
    const third = await api.listDeadLetters({
      stream: "",
      consumer: "reports",
      page: { pageSize: 2, pageToken: second.page!.nextPageToken },
    });
    expect([...second.deadLetters, ...third.deadLetters].map((d) => d.error)).toEqual(["boom 2", "boom 1", "boom 0"]);
    expect(third.page!.nextPageToken).toBe("");
    expect((await api.listDeadLetters({ stream: "", consumer: "nobody" })).deadLetters).toEqual([]);

    await expect(api.listDeadLetters({ stream: "", consumer: "", page: { pageSize: -1, pageToken: "" } })).rejects.toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "page.page_size" }],
    });
    await expect(api.listDeadLetters({ stream: "", consumer: "", page: { pageSize: 2, pageToken: "garbage" } })).rejects.toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "page.page_token" }],
    });
    await db.collection("deadletters").deleteMany({ consumer: "reports" });
  });

  it("replays a dead letter through the consumer that failed it, and discards another with an audit record", async () => {
    healthy = false;
    await consumer.start();
    await bus.publish(TaskAssigned.of("task-a", actor("u1")));
    await bus.publish(TaskAssigned.of("task-b", actor("u2")));
    const page = await waitFor("two dead letters", async () => {
      const p = await api.listDeadLetters({ stream: "", consumer: "notifications-TASKS" });
      return p.deadLetters.length === 2 ? p : undefined;
    });
    const [b, a] = page.deadLetters;
    expect(a!.headers["ce-subject"]).toBe("task-a");

    healthy = true;
    const ops = actor("ops-1");
    expect(await api.replayDeadLetter({ id: a!.id }, ops)).toEqual({ replayed: true, error: "" });
    expect(await db.collection("notified").countDocuments({ task: "task-a" })).toBe(1);
    expect(await api.discardDeadLetter({ id: b!.id, reason: "duplicate request" }, ops)).toEqual({});
    expect((await api.listDeadLetters({ stream: "", consumer: "notifications-TASKS" })).deadLetters).toEqual([]);
    const audit = await new AuditLog(db).collection.find({ "actor.userId": "ops-1" }).sort({ at: 1, _id: 1 }).toArray();
    expect(audit.map((r) => r.action)).toEqual(["deadletter.replayed", "deadletter.discarded"]);

    await expect(api.replayDeadLetter({ id: "" })).rejects.toMatchObject({ kind: "InvalidArgument", violations: [{ field: "id" }] });
    await expect(api.replayDeadLetter({ id: a!.id })).rejects.toMatchObject({ kind: "NotFound" });
    await expect(api.discardDeadLetter({ id: "xyz", reason: "r" })).rejects.toMatchObject({ kind: "InvalidArgument" });
    await expect(api.discardDeadLetter({ id: b!.id, reason: "" })).rejects.toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "reason" }],
    });

    // a dead letter of a consumer this service does not run cannot be replayed here
    const store = new DeadLetterStore(db);
    const e = encodeEvent(TaskAssigned.of("task-c", actor("u3")));
    await store.record({
      consumer: "elsewhere",
      stream: "TASKS",
      subject: e.subject,
      eventId: e.id,
      eventType: e.type,
      headers: e.headers,
      data: e.data,
      error: "x",
      deliveries: 1,
      failedAt: new Date(),
    });
    const [other] = (await api.listDeadLetters({ stream: "", consumer: "elsewhere" })).deadLetters;
    await expect(api.replayDeadLetter({ id: other!.id })).rejects.toMatchObject({
      kind: "FailedPrecondition",
      reason: "CONSUMER_NOT_RUNNING",
    });
  });

  it("republishes a time range of the outbox, audited; a missing or inverted range is InvalidArgument", async () => {
    const from = new Date(Date.now() - 1_000);
    const event = TaskAssigned.of("task-r", actor("u9"));
    await inTransaction(infra.mongo.client, (session) => outbox.add(session, event));
    outbox.start();
    await waitFor("the record sent", async () => (await outbox.records.findOne({ eventId: event.id }))?.sentAt);
    const to = new Date(Date.now() + 1_000);

    await expect(api.republishOutbox({ from: undefined, to })).rejects.toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "from" }],
    });
    await expect(api.republishOutbox({ from: to, to: from })).rejects.toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "to" }],
    });
    expect(await api.republishOutbox({ from, to }, actor("ops-2"))).toEqual({ records: "1" });
    await waitFor("the record sent again", async () => (await outbox.records.findOne({ eventId: event.id, publishCount: 2 }))?.sentAt);
    expect(await new AuditLog(db).collection.findOne({ action: "outbox.republished" })).toMatchObject({
      actor: { userId: "ops-2" },
      change: { records: 1 },
    });
  });

  it("lists parked outbox records; an operator retries one (parked again while the cause stays) or discards it, audited", async () => {
    const record = (eventId: string, seq: number) => {
      const e = encodeEvent(TaskAssigned.of(`task-${eventId}`, actor("u1"), { id: eventId }));
      return {
        seq,
        eventId,
        type: e.type,
        subject: e.subject,
        aggregateId: e.aggregateId,
        headers: e.headers,
        // larger than the broker takes: written before the size check, or a max_payload lowered since
        data: new Uint8Array(bus.nc.info!.max_payload + 1),
        createdAt: new Date(),
        sentAt: null,
        publishCount: 0,
      };
    };
    const small = TaskAssigned.of("task-small", actor("u2"));
    await inTransaction(infra.mongo.client, (session) => outbox.add(session, small));
    await outbox.records.insertMany([record("big-1", 1_000_001), record("big-2", 1_000_002)]);
    outbox.start();
    outbox.nudge();
    const sent = await waitFor("the small event sent", () => outbox.records.findOne({ eventId: small.id, sentAt: { $ne: null } }));
    // Both parked before the first page is read: the relay parks them one after the other, and a page
    // read between the two would list one record while its total (counted after) says two.
    await waitFor("both records parked", async () => (await outbox.records.countDocuments({ parkedAt: { $type: "date" } })) === 2);
    const listed = await api.listParkedEvents({ page: { pageSize: 1, pageToken: "" } });
    expect(listed.page?.totalSize).toBe("2");
    expect(listed.parkedEvents).toHaveLength(1);
    expect(listed.parkedEvents[0]).toMatchObject({
      eventId: "big-1",
      eventType: TaskAssigned.type,
      aggregateId: "task-big-1",
      reason: expect.stringMatching(/max_payload/),
    });
    expect(Number(listed.parkedEvents[0]!.sizeBytes)).toBeGreaterThan(bus.nc.info!.max_payload);
    const rest = await api.listParkedEvents({ page: { pageSize: 1, pageToken: listed.page!.nextPageToken } });
    expect(rest.parkedEvents.map((p) => p.eventId)).toEqual(["big-2"]);
    expect(rest.page!.nextPageToken).toBe("");

    // a retry hands it back to the relay, which parks it again: the broker still refuses it
    const [first] = listed.parkedEvents;
    const parkedAt = first!.parkedAt!.getTime();
    await api.retryParkedEvent({ id: first!.id }, actor("ops-4"));
    await waitFor("parked again", async () => {
      const r = await outbox.records.findOne({ eventId: "big-1" });
      return r?.parkedAt instanceof Date && r.parkedAt.getTime() > parkedAt;
    });

    await expect(api.discardParkedEvent({ id: first!.id, reason: " " })).rejects.toMatchObject({ violations: [{ field: "reason" }] });
    await expect(api.discardParkedEvent({ id: first!.id, reason: "x".repeat(2_001) })).rejects.toMatchObject({
      violations: [{ field: "reason" }],
    });
    await api.discardParkedEvent({ id: first!.id, reason: "tiêu đề quá dài, đã sửa tay" }, actor("ops-4"));
    expect(await outbox.records.countDocuments({ eventId: "big-1" })).toBe(0);
    await expect(api.retryParkedEvent({ id: first!.id })).rejects.toMatchObject({ kind: "NotFound" });
    await expect(api.discardParkedEvent({ id: "nope", reason: "r" })).rejects.toMatchObject({ violations: [{ field: "id" }] });
    // a record that is not parked is not an operator's to touch
    await expect(api.discardParkedEvent({ id: sent._id!.toHexString(), reason: "r" })).rejects.toMatchObject({ kind: "NotFound" });
    const audit = await new AuditLog(db).collection.find({ "actor.userId": "ops-4" }).sort({ at: 1, _id: 1 }).toArray();
    expect(audit.map((r) => r.action)).toEqual(["outbox.parked_retried", "outbox.parked_discarded"]);
    expect(audit[1]!.change).toMatchObject({ reason: "tiêu đề quá dài, đã sửa tay", eventId: "big-1" });
    await outbox.records.deleteMany({ eventId: "big-2" });
  });

  it("serves the generated OperationsServiceServer interface over the same functions", async () => {
    const server = operationsServiceServer(api, { actorOf: () => actor("ops-3") });
    const call = <Req>(request: Req) => ({ request }) as unknown as ServerUnaryCall<Req, never>;
    const ok = await new Promise((resolve, reject) =>
      server.listDeadLetters(call({ consumer: "nobody", page: undefined }) as never, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(ok).toEqual({ deadLetters: [], page: { nextPageToken: "", totalSize: "0" } });
    const err = await new Promise((resolve) =>
      server.republishOutbox(call({ from: undefined, to: undefined }) as never, (e) => resolve(e)),
    );
    expect(err).toMatchObject({ kind: "InvalidArgument" });
  });
});
