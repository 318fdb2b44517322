import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../src/mongo.js";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { metrics } from "@opentelemetry/api";
import { Outbox, toEncodedEvent, type EncodedEvent, type EventBus, type OutboxRecord } from "../../src/events/index.js";
import { runCrashChild } from "./crash.js";
import { TaskAssigned, actor, ceIds, startInfra, streamMessages, waitFor, type Infra } from "./helpers.js";

class TestReader extends MetricReader {
  protected async onShutdown() {}
  protected async onForceFlush() {}
}
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

function gauge(collected: ResourceMetrics, name: string, db: string): number | undefined {
  for (const scope of collected.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      const point = metric.dataPoints.find((p) => p.attributes.db === db);
      if (point) return point.value as number;
    }
  }
  return undefined;
}

let infra: Infra;
let bus: EventBus;

beforeAll(async () => {
  infra = await startInfra();
  bus = await infra.bus();
});
afterAll(async () => {
  await infra?.dispose();
});

/** Each test gets its own database and stream, so counts never mix. */
async function fresh(name: string) {
  const jsm = await bus.jsm();
  await jsm.streams.delete("TASKS").catch(() => undefined);
  await bus.ensureStream({ service: "tasks" });
  return infra.db(name);
}

async function sentRecords(outbox: Outbox): Promise<OutboxRecord[]> {
  return outbox.records.find({}).sort({ seq: 1 }).toArray();
}

/**
 * The bus as the relay sees it, with each publish held back a random few milliseconds (acks that come
 * back in any order, as from a busy broker) and `fail` deciding which publishes fail first. It counts
 * publishes in flight, overall and per aggregate.
 */
function unevenBus(fail: (e: EncodedEvent) => Error | undefined = () => undefined) {
  const inFlight = new Map<string, number>();
  const stats = { maxInFlight: 0, maxPerAggregate: 0, current: 0 };
  const wrapped = Object.create(bus) as EventBus;
  wrapped.publishEncoded = async (e, opts) => {
    stats.current++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.current);
    const mine = (inFlight.get(e.aggregateId) ?? 0) + 1;
    inFlight.set(e.aggregateId, mine);
    stats.maxPerAggregate = Math.max(stats.maxPerAggregate, mine);
    try {
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 6)));
      const err = fail(e);
      if (err) throw err;
      return await bus.publishEncoded(e, opts);
    } finally {
      stats.current--;
      inFlight.set(e.aggregateId, (inFlight.get(e.aggregateId) ?? 1) - 1);
    }
  };
  return { bus: wrapped, stats };
}

/** The ce-ids of `messages` whose ce-subject is `aggregateId`, in stream order. */
function idsOf(messages: Awaited<ReturnType<typeof streamMessages>>, aggregateId: string): string[] {
  return ceIds(messages.filter((m) => m.header.get("ce-subject") === aggregateId));
}

describe("outbox", () => {
  it("publishes an event exactly once after its transaction commits, nudged without waiting for a poll", async () => {
    const db = await fresh("outbox_once");
    // a poll interval far beyond the test: only the nudge after the commit can publish in time
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    outbox.start();
    try {
      const event = TaskAssigned.of("task-1", actor("u1"));
      await inTransaction(infra.mongo.client, async (session) => {
        await db.collection("tasks").insertOne({ _id: "task-1" as never, assignee: "u1" }, { session });
        await outbox.add(session, event);
      });
      const [record] = await waitFor("the record to be marked sent", async () => {
        const r = await sentRecords(outbox);
        return r.length === 1 && r[0]!.sentAt ? r : undefined;
      });
      expect(record!.publishCount).toBe(1);
      expect(record!.eventId).toBe(event.id);
      // another pass must not publish it again: nudge, and wait for a later event to pass through the relay
      const barrier = TaskAssigned.of("task-2", actor("u2"));
      await inTransaction(infra.mongo.client, (session) => outbox.add(session, barrier));
      await waitFor("the barrier event", async () => (await streamMessages(bus, "tasks")).length === 2);
      const messages = await streamMessages(bus, "tasks");
      expect(ceIds(messages)).toEqual([event.id, barrier.id]);
      expect(TaskAssigned.codec.decode(messages[0]!.data)).toEqual(actor("u1"));
      const h = messages[0]!.header;
      expect(h.get("Nats-Msg-Id")).toBe(event.id);
      expect([h.get("ce-specversion"), h.get("ce-type"), h.get("ce-source"), h.get("ce-subject"), h.get("content-type")]).toEqual([
        "1.0",
        TaskAssigned.type,
        "/ministry/tasks",
        "task-1",
        "application/protobuf",
      ]);
      expect(Number.isNaN(Date.parse(h.get("ce-time")))).toBe(false);
    } finally {
      await outbox.stop();
    }
  });

  it("never publishes the event of an aborted transaction", async () => {
    const db = await fresh("outbox_abort");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    outbox.start();
    try {
      const aborted = TaskAssigned.of("task-1", actor("u1"));
      await expect(
        inTransaction(infra.mongo.client, async (session) => {
          await outbox.add(session, aborted);
          throw new Error("the command failed after adding its event");
        }),
      ).rejects.toThrow("the command failed");
      expect(await outbox.records.countDocuments()).toBe(0);
      const committed = TaskAssigned.of("task-2", actor("u2"));
      await inTransaction(infra.mongo.client, (session) => outbox.add(session, committed));
      await waitFor("the committed event", async () => (await streamMessages(bus, "tasks")).length >= 1);
      outbox.nudge();
      await waitFor("the committed record marked sent", async () => (await outbox.records.findOne({ eventId: committed.id }))?.sentAt);
      expect(ceIds(await streamMessages(bus, "tasks"))).toEqual([committed.id]);
    } finally {
      await outbox.stop();
    }
  });

  it("numbers records in commit order, and publishes each aggregate's in that order, across transactions and within one", async () => {
    const db = await fresh("outbox_order");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000, batchSize: 4 });
    // three aggregates, their events interleaved and split across transactions and relay batches
    const events = Array.from({ length: 12 }, (_, i) => TaskAssigned.of(`task-${i % 3}`, actor(`u${i}`)));
    // committed while the relay is stopped, three per transaction, then published in one go
    for (let i = 0; i < events.length; i += 3) {
      await inTransaction(infra.mongo.client, (session) => outbox.add(session, events.slice(i, i + 3)));
    }
    const records = await sentRecords(outbox);
    expect(records.map((r) => r.eventId)).toEqual(events.map((e) => e.id));
    expect(records.every((r, i) => i === 0 || r.seq > records[i - 1]!.seq)).toBe(true);
    outbox.start();
    try {
      await waitFor("all records sent", async () => (await outbox.backlog()).count === 0);
      // The order promised is per aggregate (different aggregates' records go out concurrently).
      const published = ceIds(await streamMessages(bus, "tasks"));
      expect([...published].sort()).toEqual(events.map((e) => e.id).sort());
      for (const aggregate of ["task-0", "task-1", "task-2"]) {
        const own = events.filter((e) => e.aggregateId === aggregate).map((e) => e.id);
        expect(published.filter((id) => own.includes(id))).toEqual(own);
      }
    } finally {
      await outbox.stop();
    }
  });

  it("publishes different aggregates concurrently and each aggregate's events in sequence order", async () => {
    const db = await fresh("outbox_chains");
    const uneven = unevenBus();
    const outbox = new Outbox({ db, bus: uneven.bus, pollIntervalMs: 600_000, batchSize: 32 });
    const aggregates = ["task-a", "task-b", "task-c", "task-d", "task-e", "task-f"];
    // 15 rounds, each a transaction with one event of every aggregate: the batches interleave them all
    const events = Array.from({ length: 15 }, (_, round) => aggregates.map((a) => TaskAssigned.of(a, actor(`u${round}`))));
    for (const round of events) await inTransaction(infra.mongo.client, (session) => outbox.add(session, round));
    outbox.start();
    try {
      await waitFor("all records sent", async () => (await outbox.backlog()).count === 0);
      const messages = await streamMessages(bus, "tasks");
      expect(messages).toHaveLength(aggregates.length * events.length);
      for (const [i, a] of aggregates.entries()) expect(idsOf(messages, a)).toEqual(events.map((round) => round[i]!.id));
      // several aggregates were in flight at once, never two records of one aggregate
      expect(uneven.stats.maxInFlight).toBeGreaterThan(1);
      expect(uneven.stats.maxPerAggregate).toBe(1);
    } finally {
      await outbox.stop();
    }
  });

  it("a transient failure stops its aggregate's chain only; the next pass publishes the rest in order", async () => {
    const db = await fresh("outbox_chain_failure");
    const events = ["task-a", "task-b", "task-c"].flatMap((a) => [0, 1, 2].map((i) => TaskAssigned.of(a, actor(`u${i}`))));
    // interleaved: a0 b0 c0 a1 b1 c1 a2 b2 c2
    const ordered = [0, 1, 2].flatMap((i) => [events[i]!, events[3 + i]!, events[6 + i]!]);
    const [a0, a1, a2] = events;
    let failed = false;
    const uneven = unevenBus((e) => {
      if (e.id !== a1!.id || failed) return undefined;
      failed = true;
      return new Error("broker timeout (injected)");
    });
    // a long back-off: the failed pass's outcome stays put until the relay is restarted below
    const outbox = new Outbox({ db, bus: uneven.bus, pollIntervalMs: 600_000, retry: { initialMs: 600_000, maxMs: 600_000 } });
    for (const e of ordered) await inTransaction(infra.mongo.client, (session) => outbox.add(session, e));
    outbox.start();
    try {
      await waitFor("the pass to fail", () => outbox.relayStatus().consecutiveFailures === 1);
      const unsent = (await outbox.records.find({ sentAt: null }).sort({ seq: 1 }).toArray()).map((r) => r.eventId);
      expect(unsent).toEqual([a1!.id, a2!.id]);
      const first = await streamMessages(bus, "tasks");
      expect(idsOf(first, "task-a")).toEqual([a0!.id]);
      expect(idsOf(first, "task-b")).toEqual(events.slice(3, 6).map((e) => e.id));
      expect(idsOf(first, "task-c")).toEqual(events.slice(6, 9).map((e) => e.id));
    } finally {
      await outbox.stop();
    }
    // a restarted relay passes at once, without the back-off
    outbox.start();
    try {
      await waitFor("the rest sent", async () => (await outbox.backlog()).count === 0);
      const messages = await streamMessages(bus, "tasks");
      expect(messages).toHaveLength(9);
      expect(idsOf(messages, "task-a")).toEqual([a0!.id, a1!.id, a2!.id]);
      await waitFor("a pass that succeeds", () => outbox.relayStatus().consecutiveFailures === 0);
    } finally {
      await outbox.stop();
    }
  });

  it("loses nothing when the process dies between commit and publish (relay in a child process killed by SIGKILL)", async () => {
    const dbName = "outbox_crash";
    const db = await fresh(dbName);
    const result = await runCrashChild({ mode: "relay", natsUrl: infra.nats.url, mongoUri: infra.mongo.embedded!.uri, dbName, count: 5 });
    expect(result.signal, result.stderr).toBe("SIGKILL");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    const before = await sentRecords(outbox);
    expect(before).toHaveLength(5);
    expect(await db.collection("tasks").countDocuments()).toBe(5);
    // the child died right after the last commit: that record was never published
    expect(before[4]!.sentAt).toBeNull();
    // a fresh relay (a restarted process) publishes what is left; whatever the child had already published
    // but not marked is dropped by the broker as a duplicate
    outbox.start();
    try {
      await waitFor("the backlog to drain", async () => (await outbox.backlog()).count === 0);
      const ids = ceIds(await streamMessages(bus, "tasks"));
      expect(ids).toEqual(before.map((r) => r.eventId));
    } finally {
      await outbox.stop();
    }
  });

  it("re-publishes a record published but not marked sent, and the broker drops the copy", async () => {
    const db = await fresh("outbox_unmarked");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    const event = TaskAssigned.of("task-1", actor("u1"));
    await inTransaction(infra.mongo.client, (session) => outbox.add(session, event));
    // what a relay that crashed after its publish and before its update leaves behind
    const [record] = await sentRecords(outbox);
    const first = await bus.publishEncoded(toEncodedEvent(record!));
    expect(first.duplicate).toBe(false);
    outbox.start();
    try {
      await waitFor("the record marked sent", async () => (await outbox.records.findOne({ eventId: event.id }))?.sentAt);
      expect(ceIds(await streamMessages(bus, "tasks"))).toEqual([event.id]);
    } finally {
      await outbox.stop();
    }
  });

  it("loses and duplicates nothing across a broker kill and restart", async () => {
    const db = await fresh("outbox_broker");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000, retry: { initialMs: 50, maxMs: 500 } });
    outbox.start();
    const committed: string[] = [];
    const commit = async (i: number) => {
      const event = TaskAssigned.of(`task-${i}`, actor(`u${i}`));
      await inTransaction(infra.mongo.client, (session) => outbox.add(session, event));
      committed.push(event.id);
    };
    try {
      for (let i = 0; i < 3; i++) await commit(i);
      await waitFor("the first events", async () => (await outbox.backlog()).count === 0);
      await infra.nats.stop({ kill: true });
      // commits go on while the broker is down: the relay fails, backs off and keeps them
      for (let i = 3; i < 8; i++) await commit(i);
      await waitFor("the relay to have tried and failed", () => outbox.relayStatus().consecutiveFailures >= 1);
      expect((await outbox.backlog()).count).toBe(5);
      await infra.nats.restart();
      await waitFor("the backlog to drain after the restart", async () => (await outbox.backlog()).count === 0, 30_000);
      const ids = ceIds(await streamMessages(bus, "tasks"));
      expect(new Set(ids).size).toBe(ids.length);
      // every event once (each of a task of its own: the order promised is per aggregate)
      expect([...ids].sort()).toEqual([...committed].sort());
    } finally {
      await outbox.stop();
    }
  });

  it("republish marks a time range unsent; the relay sends it again with the same ce-id", async () => {
    const db = await fresh("outbox_republish");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    outbox.start();
    try {
      const from = new Date(Date.now() - 1_000);
      const events = [TaskAssigned.of("task-1", actor("u1")), TaskAssigned.of("task-2", actor("u2"))];
      await inTransaction(infra.mongo.client, (session) => outbox.add(session, events));
      await waitFor(
        "both sent",
        async () => (await outbox.backlog()).count === 0 && (await outbox.records.countDocuments({ sentAt: { $ne: null } })) === 2,
      );
      await expect(outbox.republish(new Date(), from)).rejects.toMatchObject({ kind: "InvalidArgument" });
      const marked = await outbox.republish(from, new Date(Date.now() + 1_000));
      expect(marked).toBe(2);
      await waitFor(
        "both published a second time",
        async () => (await outbox.records.countDocuments({ publishCount: 2, sentAt: { $ne: null } })) === 2,
      );
      // inside the duplicate window the broker keeps one copy; consumers' inboxes absorb copies past it
      expect(ceIds(await streamMessages(bus, "tasks")).sort()).toEqual(events.map((e) => e.id).sort());
    } finally {
      await outbox.stop();
    }
  });

  it("reports backlog size and oldest unsent age as gauges, and refuses a second relay for the same database", async () => {
    const dbName = "outbox_metrics";
    const db = await fresh(dbName);
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000, retry: { initialMs: 50, maxMs: 500 } });
    await inTransaction(infra.mongo.client, (session) =>
      outbox.add(session, [TaskAssigned.of("t1", actor("u1")), TaskAssigned.of("t2", actor("u2"))]),
    );
    // without its stream the broker refuses the publishes: the records stay unsent while the gauges are read
    const jsm = await bus.jsm();
    await jsm.streams.delete("TASKS");
    outbox.start();
    try {
      expect(() => new Outbox({ db, bus }).start()).toThrow(/already runs/);
      const { resourceMetrics } = await reader.collect();
      expect(gauge(resourceMetrics, "outbox.backlog", dbName)).toBe(2);
      expect(gauge(resourceMetrics, "outbox.oldest_unsent_age", dbName)).toBeGreaterThanOrEqual(0);
      await bus.ensureStream({ service: "tasks" });
      await waitFor("the backlog to drain once the stream exists", async () => (await outbox.backlog()).count === 0, 30_000);
      const after = await reader.collect();
      expect(gauge(after.resourceMetrics, "outbox.backlog", dbName)).toBe(0);
    } finally {
      await outbox.stop();
    }
  });

  it("refuses an event larger than the broker takes when it is added: the command fails and stores nothing", async () => {
    const db = await fresh("outbox_too_large");
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    // the connected server's limit (1 MiB by default), as the connection heard it
    expect(outbox.maxPayloadBytes).toBe(bus.nc.info!.max_payload);
    const huge = TaskAssigned.of("task-1", { ...actor("u1"), displayName: "x".repeat(outbox.maxPayloadBytes) });
    const err = await inTransaction(infra.mongo.client, async (session) => {
      await db.collection("tasks").insertOne({ _id: "task-1" as never }, { session });
      await outbox.add(session, [TaskAssigned.of("task-1", actor("u1")), huge]);
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "InvalidArgument", violations: [{ field: "event" }] });
    expect((err as { violations: { description: string }[] }).violations[0]!.description).toMatch(
      /vượt giới hạn .* byte.*more than the \d+ bytes the event broker takes/,
    );
    // the whole transaction is gone: the state change, and the other event with it
    expect(await db.collection("tasks").countDocuments()).toBe(0);
    expect(await outbox.records.countDocuments()).toBe(0);
    // just under the limit is accepted: the check measures what the relay will send
    const headroom = 2_048;
    const fits = TaskAssigned.of("task-2", { ...actor("u2"), displayName: "y".repeat(outbox.maxPayloadBytes - headroom) });
    await inTransaction(infra.mongo.client, (session) => outbox.add(session, fits));
    outbox.start();
    try {
      await waitFor("the large event published", async () => (await outbox.records.findOne({ eventId: fits.id }))?.sentAt);
    } finally {
      await outbox.stop();
    }
  });

  it("parks a record the broker refuses for good, publishes the ones after it, and counts it on the gauges", async () => {
    const dbName = "outbox_parked";
    const db = await fresh(dbName);
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000, retry: { initialMs: 50, maxMs: 500 } });
    const before = TaskAssigned.of("t-before", actor("u1"));
    const after = TaskAssigned.of("t-after", actor("u2"));
    await inTransaction(infra.mongo.client, (session) => outbox.add(session, before));
    // A record the broker can never take, as one written before the size check existed would be (or
    // with a max_payload lowered since): it must not hold back every later event.
    const tooLarge = toEncodedEvent({
      ...(await outbox.records.findOne({ eventId: before.id }))!,
    });
    await outbox.records.insertOne({
      seq: 2,
      eventId: "too-large",
      type: tooLarge.type,
      subject: tooLarge.subject,
      aggregateId: "t-huge",
      headers: { ...tooLarge.headers, "ce-id": "too-large" },
      data: new Uint8Array(bus.nc.info!.max_payload + 1),
      createdAt: new Date(),
      sentAt: null,
      publishCount: 0,
    });
    await db.collection("outbox_sequence").updateOne({ _id: "outbox" as never }, { $set: { value: 2 } });
    await inTransaction(infra.mongo.client, (session) => outbox.add(session, after));
    outbox.start();
    try {
      await waitFor("the event after the refused one published", async () => (await outbox.records.findOne({ eventId: after.id }))?.sentAt);
      expect(ceIds(await streamMessages(bus, "tasks"))).toEqual([before.id, after.id]);
      const parked = await outbox.records.findOne({ eventId: "too-large" });
      expect(parked).toMatchObject({ sentAt: null, publishCount: 0, parkReason: expect.stringMatching(/max_payload/) });
      expect(parked!.parkedAt).toBeInstanceOf(Date);
      expect(outbox.relayStatus()).toMatchObject({ running: true, consecutiveFailures: 0 });
      // parked is not backlog: the backlog gauge says the relay is keeping up, the parked gauge says why an operator is needed
      expect(await outbox.backlog()).toEqual({ count: 0 });
      const { resourceMetrics } = await reader.collect();
      expect(gauge(resourceMetrics, "outbox.backlog", dbName)).toBe(0);
      expect(gauge(resourceMetrics, "outbox.parked", dbName)).toBe(1);
      expect((await outbox.parked()).items.map((r) => r.eventId)).toEqual(["too-large"]);
    } finally {
      await outbox.stop();
    }
  });
});
