import { AckPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineEvent, encodeEvent, parseCloudEventHeaders, PermanentError, type EventBus } from "../../src/events/index.js";
import { Actor } from "@ministry/proto/ministry/common/v1/common";
import { TaskAssigned, actor, ceIds, startInfra, streamMessages, type Infra } from "./helpers.js";

let infra: Infra;
let bus: EventBus;

beforeAll(async () => {
  infra = await startInfra();
  bus = await infra.bus();
});
afterAll(async () => {
  await infra?.dispose();
});

describe("event definitions", () => {
  it("derive subject, CloudEvents type and source from service, aggregate and event", () => {
    expect(TaskAssigned).toMatchObject({
      subject: "tasks.task.assigned",
      type: "ministry.tasks.task.assigned.v1",
      source: "/ministry/tasks",
    });
    expect(defineEvent({ service: "documents", aggregate: "exchange", event: "status_changed", message: Actor, version: 2 }).type).toBe(
      "ministry.documents.exchange.status_changed.v2",
    );
    expect(() => defineEvent({ service: "Tasks", aggregate: "task", event: "created", message: Actor })).toThrow(/lower-case/);
    expect(() => TaskAssigned.of("", actor("u1"))).toThrow(/aggregate/);
  });

  it("reject missing or malformed CloudEvents headers as permanent", () => {
    const { headers } = encodeEvent(TaskAssigned.of("task-1", actor("u1")));
    expect(parseCloudEventHeaders(headers)).toMatchObject({ type: TaskAssigned.type, aggregateId: "task-1" });
    for (const name of ["ce-id", "ce-type", "ce-source", "ce-specversion", "ce-time", "content-type"]) {
      const { [name]: _dropped, ...rest } = headers;
      expect(() => parseCloudEventHeaders(rest)).toThrow(PermanentError);
    }
    expect(() => parseCloudEventHeaders({ ...headers, "content-type": "application/json" })).toThrow(/content-type/);
    expect(() => parseCloudEventHeaders({ ...headers, "ce-specversion": "0.3" })).toThrow(/specversion/);
  });
});

describe("event bus", () => {
  it("declares a service's stream idempotently: file storage, replicas, duplicate window, max age", async () => {
    const first = await bus.ensureStream({ service: "meetings", replicas: 1, maxAgeMs: 3 * 24 * 3600_000 });
    const again = await bus.ensureStream({ service: "meetings", replicas: 1, maxAgeMs: 3 * 24 * 3600_000 });
    expect(again.config).toEqual(first.config);
    expect(first.config).toMatchObject({
      name: "MEETINGS",
      subjects: ["meetings.>"],
      storage: StorageType.File,
      num_replicas: 1,
      duplicate_window: nanos(120_000),
      max_age: nanos(3 * 24 * 3600_000),
    });
    const changed = await bus.ensureStream({ service: "meetings", maxAgeMs: 14 * 24 * 3600_000, duplicateWindowMs: 300_000 });
    expect(changed.config).toMatchObject({ max_age: nanos(14 * 24 * 3600_000), duplicate_window: nanos(300_000) });
    await expect(bus.ensureStream({ service: "meetings", duplicateWindowMs: 60_000 })).rejects.toThrow(/2 minutes/);
  });

  it("declares a durable pull consumer idempotently, and updates a changed one", async () => {
    await bus.ensureStream({ service: "meetings" });
    const opts = { producer: "meetings", consumer: "tasks", filterSubject: "meetings.meeting.*", maxDeliver: 7, ackWaitMs: 15_000 };
    const first = await bus.ensureConsumer(opts);
    const again = await bus.ensureConsumer(opts);
    expect(again.created).toEqual(first.created);
    expect(first.config).toMatchObject({
      durable_name: "tasks",
      ack_policy: AckPolicy.Explicit,
      max_deliver: 7,
      ack_wait: nanos(15_000),
      filter_subject: "meetings.meeting.*",
    });
    expect(first.config.deliver_subject).toBeUndefined();
    const changed = await bus.ensureConsumer({ ...opts, maxDeliver: 9, ackWaitMs: 20_000 });
    expect(changed.config).toMatchObject({ max_deliver: 9, ack_wait: nanos(20_000) });
    expect(changed.created).toEqual(first.created);
  });

  it("renames a durable consumer: the new one starts after the old one's acknowledgements, and the old one goes", async () => {
    const Happened = defineEvent({ service: "renaming", aggregate: "thing", event: "happened", message: Actor });
    await bus.ensureStream({ service: "renaming" });
    const opts = { producer: "renaming", maxDeliver: 3, ackWaitMs: 5_000 };
    await bus.ensureConsumer({ ...opts, consumer: "tasks" });
    const events = [1, 2, 3].map((i) => Happened.of(`thing-${i}`, actor(`u${i}`)));
    for (const e of events) await bus.publish(e);
    // the old durable handled the first two
    const old = await bus.js.consumers.get("RENAMING", "tasks");
    const batch = await old.fetch({ max_messages: 2, expires: 2_000 });
    for await (const m of batch) m.ack();
    const jsm = await bus.jsm();
    for (let floor = 0; floor < 2; ) floor = (await jsm.consumers.info("RENAMING", "tasks")).ack_floor.stream_seq;

    const renamed = await bus.ensureConsumer({ ...opts, consumer: "tasks-RENAMING", legacyNames: ["tasks"] });
    expect(renamed.num_pending).toBe(1);
    const next = await (await bus.js.consumers.get("RENAMING", "tasks-RENAMING")).next({ expires: 2_000 });
    expect(next?.headers?.get("ce-id")).toBe(events[2]!.id);
    next?.ack();
    await expect(jsm.consumers.info("RENAMING", "tasks")).rejects.toThrow(/consumer not found/);
    // once renamed, declaring it again changes nothing
    expect((await bus.ensureConsumer({ ...opts, consumer: "tasks-RENAMING", legacyNames: ["tasks"] })).created).toEqual(renamed.created);
    // a crash between creating the new durable and removing the old one: the next start removes it
    await bus.ensureConsumer({ ...opts, consumer: "tasks" });
    await bus.ensureConsumer({ ...opts, consumer: "tasks-RENAMING", legacyNames: ["tasks"] });
    await expect(jsm.consumers.info("RENAMING", "tasks")).rejects.toThrow(/consumer not found/);
  });

  it("publishes a CloudEvent in binary mode, with Nats-Msg-Id equal to ce-id", async () => {
    await bus.ensureStream({ service: "tasks" });
    const time = new Date("2020-03-30T01:02:03.004Z");
    const event = TaskAssigned.of("task-42", actor("u1"), { time });
    const ack = await bus.publish(event);
    expect(ack).toMatchObject({ stream: "TASKS", duplicate: false });
    const stored = await (await bus.jsm()).streams.getMessage("TASKS", { seq: ack.seq });
    const h = stored!.header;
    expect(h.get("ce-specversion")).toBe("1.0");
    expect(h.get("ce-id")).toBe(event.id);
    expect(h.get("ce-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(h.get("ce-type")).toBe("ministry.tasks.task.assigned.v1");
    expect(h.get("ce-source")).toBe("/ministry/tasks");
    expect(h.get("ce-subject")).toBe("task-42");
    expect(h.get("ce-time")).toBe("2020-03-30T01:02:03.004Z");
    expect(h.get("content-type")).toBe("application/protobuf");
    expect(h.get("Nats-Msg-Id")).toBe(event.id);
    expect(stored!.subject).toBe("tasks.task.assigned");
    expect(TaskAssigned.codec.decode(stored!.data)).toEqual(actor("u1"));
  });

  it("lets the server drop a re-publish of the same event inside the duplicate window", async () => {
    const jsm = await bus.jsm();
    await jsm.streams.delete("TASKS").catch(() => undefined);
    await bus.ensureStream({ service: "tasks" });
    const encoded = encodeEvent(TaskAssigned.of("task-1", actor("u1")));
    expect((await bus.publishEncoded(encoded)).duplicate).toBe(false);
    expect((await bus.publishEncoded(encoded)).duplicate).toBe(true);
    expect(ceIds(await streamMessages(bus, "tasks"))).toEqual([encoded.id]);
  });
});
