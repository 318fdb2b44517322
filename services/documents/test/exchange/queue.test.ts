/**
 * The outgoing queue and its sender against the embedded MongoDB and the real exchange simulator over
 * loopback: packages queued in the producing transaction, delivered exactly once through an outage, lost
 * answers, two replicas sending at once and a crashed holder; a refused package fails for good with its
 * problems; wrong credentials keep the records waiting; an aborted transaction leaves nothing to send.
 */
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { ensureIndexes, FailedPrecondition, inTransaction } from "@ministry/platform";
import { until } from "@ministry/platform/testing";
import { type Db, MongoClient } from "mongodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ExchangeSimulator, startExchangeSimulator } from "../../exchange-simulator/simulator.js";
import { type ExchangeCredentials, ExchangeConnector } from "../../src/exchange/connector.js";
import { buildStatus } from "../../src/exchange/edxml/index.js";
import { ExchangeSender, type ExchangeSenderOptions, exchangeOutgoingIndexes, OutgoingQueue } from "../../src/exchange/outgoing-queue.js";
import { sampleStatus } from "./edxml-samples.js";
import { CREDENTIALS, MINISTRY, packageBytes } from "./exchange-helpers.js";

type Server = Awaited<ReturnType<typeof startEmbeddedMongo>>;

let server: Server;
let client: MongoClient;
let db: Db;
let sim: ExchangeSimulator;
let queue: OutgoingQueue;
const senders: ExchangeSender[] = [];

beforeAll(async () => {
  server = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
  client = new MongoClient(server.uri);
  await client.connect();
  db = client.db("documents_exchange_queue_test");
  await ensureIndexes(db, exchangeOutgoingIndexes());
  sim = await startExchangeSimulator({ port: 0, credentials: CREDENTIALS });
  queue = new OutgoingQueue({ db });
});
afterAll(async () => {
  await sim?.stop();
  await client?.close();
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
  await sim.reset();
  await queue.records.deleteMany({});
});

/** A connector that tries once or twice quickly: the queue's own back-off does the rest. */
function connector(opts: { maxAttempts?: number; credentials?: ExchangeCredentials } = {}): ExchangeConnector {
  return new ExchangeConnector({
    baseUrl: sim.url,
    credentials: opts.credentials ?? CREDENTIALS,
    requestTimeoutMs: 10_000,
    retry: { maxAttempts: opts.maxAttempts ?? 1, initialDelayMs: 1, maxDelayMs: 5 },
  });
}

function sender(opts: Partial<ExchangeSenderOptions> = {}): ExchangeSender {
  const s = new ExchangeSender({
    queue,
    connector: connector(),
    retry: { initialMs: 10, maxMs: 80 },
    passRetry: { initialMs: 10, maxMs: 80 },
    pollIntervalMs: 200,
    ...opts,
  });
  senders.push(s);
  return s;
}

/** Queues the ministry's package number `n` in a transaction of its own; gives its DocumentId and record id. */
async function enqueuePackage(n: number): Promise<{ documentId: string; recordId: string }> {
  const p = packageBytes(n, MINISTRY);
  const recordId = await inTransaction(client, (session) =>
    queue.enqueue(session, { packageBytes: p.bytes, documentId: `doc-${n}`, edxmlDocumentId: p.documentId, to: p.to, kind: "package" }),
  );
  return { documentId: p.documentId, recordId };
}

function receivedPackages(): string[] {
  return sim
    .received()
    .filter((p) => p.kind === "package")
    .map((p) => p.documentId);
}

async function allSent(count: number) {
  return until(async () => {
    const records = await queue.records.find({ state: "sent" }).toArray();
    return records.length === count ? records : undefined;
  }, `${count} records sent`);
}

describe("outgoing queue", () => {
  it("delivers 20 packages queued during an outage exactly once when the exchange is back", async () => {
    sim.setOutage({ mode: "unavailable", status: 503 });
    const queued = [];
    for (let n = 1; n <= 20; n++) queued.push(await enqueuePackage(n));
    expect(await queue.backlog()).toMatchObject({ count: 20, failed: 0 });

    sender().start();
    // every record has been tried, put back with a back-off and the reason, and tried again
    await until(
      async () => ((await queue.records.countDocuments({ attempts: { $gte: 2 } })) === 20 ? true : undefined),
      "every record retried",
    );
    expect(await queue.get(queued[0].recordId)).toMatchObject({
      state: expect.stringMatching(/queued|sending/),
      lastError: expect.stringMatching(/503/),
    });
    expect(receivedPackages()).toEqual([]);

    sim.setOutage(undefined);
    const sent = await allSent(20);
    expect(receivedPackages().sort()).toEqual(queued.map((q) => q.documentId).sort());
    expect(new Set(receivedPackages()).size).toBe(20);
    expect(sim.received().every((p) => p.posts === 1)).toBe(true);
    for (const r of sent) expect(r.exchangeId).toBe(sim.received().find((p) => p.documentId === r.edxmlDocumentId)?.id);
    expect(await queue.backlog()).toEqual({ count: 0, oldestAgeMs: 0, failed: 0 });

    const [view] = await queue.forDocument("doc-1");
    expect(view).toMatchObject({
      state: "sent",
      duplicate: false,
      edxmlDocumentId: queued[0].documentId,
      to: packageBytes(1, MINISTRY).to,
    });
    expect(view.attempts).toBeGreaterThanOrEqual(2);
    expect(view.requests).toBe(view.attempts);
    expect(view.sentAt).toBeInstanceOf(Date);
  });

  it("delivers exactly once when the exchange stores a package and the answer is lost", async () => {
    const queued = [await enqueuePackage(31), await enqueuePackage(32), await enqueuePackage(33)];
    // every post is stored and its answer dropped; the connector gives up at once, so the queue retries
    sim.setOutage({ mode: "lost-response", requests: 3 });
    const s = sender({ retry: { initialMs: 60_000, maxMs: 60_000 } });
    expect(await s.runOnce()).toMatchObject({ sent: 0, retrying: 3 });
    expect(await queue.backlog()).toMatchObject({ count: 3 });
    // their back-off is over
    await queue.records.updateMany({}, { $set: { nextAttemptAt: new Date() } });
    expect(await s.runOnce()).toMatchObject({ sent: 3 });
    const sent = await allSent(3);
    expect(receivedPackages().sort()).toEqual(queued.map((q) => q.documentId).sort());
    expect(sim.received().map((p) => p.posts)).toEqual([2, 2, 2]);
    // the second attempt was answered with the id stored by the first
    for (const r of sent) expect(r).toMatchObject({ duplicate: true, attempts: 2 });
  });

  it("sends each package once with two replicas sending at once", async () => {
    const queued = [];
    for (let n = 41; n <= 60; n++) queued.push(await enqueuePackage(n));
    const a = sender({ owner: "replica-a" });
    const b = sender({ owner: "replica-b" });
    a.start();
    b.start();
    const sent = await allSent(20);
    expect(receivedPackages().sort()).toEqual(queued.map((q) => q.documentId).sort());
    // posted once each: never two senders on one record
    expect(sim.received().map((p) => p.posts)).toEqual(Array(20).fill(1));
    expect(sent.every((r) => r.attempts === 1 && r.duplicate === false)).toBe(true);
  });

  it("takes over a record whose holder crashed once its lease has ended, posting the same key", async () => {
    const { recordId, documentId } = await enqueuePackage(70);
    // a replica that claimed it, posted it (stored at the exchange), and died before recording the outcome
    const crashed = await queue.records.findOne({});
    await connector().send(Buffer.from(crashed!.bytes.buffer), { documentId, to: crashed!.to, idempotencyKey: crashed!.idempotencyKey });
    await queue.records.updateOne(
      {},
      { $set: { state: "sending", leaseOwner: "crashed", leaseUntil: new Date(Date.now() + 60_000) }, $inc: { attempts: 1 } },
    );

    const s = sender({ owner: "survivor" });
    expect(await s.runOnce()).toEqual({ sent: 0, retrying: 0, failed: 0, lostLeases: 0 });
    // the lease ends
    await queue.records.updateOne({}, { $set: { leaseUntil: new Date(Date.now() - 1) } });
    s.start();
    await allSent(1);
    expect(await queue.get(recordId)).toMatchObject({ state: "sent", duplicate: true, attempts: 2 });
    expect(receivedPackages()).toEqual([documentId]);
    expect(sim.received()[0].posts).toBe(2);
  });

  it("fails a package the exchange refuses, with its problems, and never sends it again", async () => {
    const p = packageBytes(80, MINISTRY);
    const recordId = await inTransaction(client, (session) =>
      queue.enqueue(session, {
        packageBytes: Buffer.from("<edXMLEnvelope>not a package</edXMLEnvelope>"),
        documentId: "doc-80",
        edxmlDocumentId: p.documentId,
        to: p.to,
        kind: "package",
      }),
    );
    const s = sender();
    expect(await s.runOnce()).toEqual({ sent: 0, retrying: 0, failed: 1, lostLeases: 0 });
    const failed = await queue.get(recordId);
    expect(failed).toMatchObject({ state: "failed", attempts: 1, failure: { status: 400 } });
    expect(failed.failure?.problems.length).toBeGreaterThan(0);
    expect(failed.failure?.message).toMatch(/400/);
    expect(await queue.backlog()).toMatchObject({ count: 0, failed: 1 });

    s.start();
    await enqueuePackage(81); // the sender goes on with the others
    await allSent(1);
    expect(await queue.get(recordId)).toMatchObject({ state: "failed", attempts: 1 });
    expect(sim.requests().filter((r) => r.status === 400)).toHaveLength(1);
  });

  it("keeps records waiting on wrong credentials (the configuration's fault, not the package's)", async () => {
    const { recordId, documentId } = await enqueuePackage(90);
    const wrong = sender({ connector: connector({ credentials: { username: CREDENTIALS.username, password: "sai" } }) });
    expect(await wrong.runOnce()).toMatchObject({ retrying: 1, failed: 0 });
    expect(await queue.get(recordId)).toMatchObject({ state: "queued", lastError: expect.stringMatching(/401/) });

    sender().start();
    await allSent(1);
    expect(receivedPackages()).toEqual([documentId]);
  });

  it("sends a queued status packet under the status's own key", async () => {
    const status = sampleStatus();
    const recordId = await inTransaction(client, (session) =>
      queue.enqueue(session, {
        packageBytes: buildStatus(status),
        documentId: "doc-status",
        edxmlDocumentId: status.responseFor.documentId,
        to: [status.responseFor.organId],
        kind: "status",
      }),
    );
    await sender().runOnce();
    expect(await queue.get(recordId)).toMatchObject({ state: "sent", kind: "status" });
    expect(sim.received()).toMatchObject([{ kind: "status", documentId: status.responseFor.documentId, posts: 1 }]);
  });

  it("queues nothing when the transaction aborts, refuses outside a transaction, and refuses the same delivery twice", async () => {
    const p = packageBytes(100, MINISTRY);
    const item = { packageBytes: p.bytes, documentId: "doc-100", edxmlDocumentId: p.documentId, to: p.to, kind: "package" as const };
    await expect(
      inTransaction(client, async (session) => {
        await queue.enqueue(session, item);
        throw new Error("the document could not be issued");
      }),
    ).rejects.toThrow(/could not be issued/);
    expect(await queue.records.countDocuments()).toBe(0);
    expect(await sender().runOnce()).toEqual({ sent: 0, retrying: 0, failed: 0, lostLeases: 0 });
    expect(sim.received()).toEqual([]);

    const session = client.startSession();
    try {
      await expect(queue.enqueue(session, item)).rejects.toThrow(/inside the transaction/);
    } finally {
      await session.endSession();
    }

    await inTransaction(client, (s) => queue.enqueue(s, item));
    await expect(inTransaction(client, (s) => queue.enqueue(s, { ...item, to: [...p.to].reverse() }))).rejects.toBeInstanceOf(
      FailedPrecondition,
    );
    // an update of the same document is a delivery of its own under a key of its own
    await inTransaction(client, (s) => queue.enqueue(s, { ...item, idempotencyKey: "update-1" }));
    expect(await queue.records.countDocuments()).toBe(2);
    await expect(
      inTransaction(client, (s) => queue.enqueue(s, { ...item, to: ["not-an-organ"], edxmlDocumentId: "x" })),
    ).rejects.toMatchObject({ violations: expect.arrayContaining([expect.objectContaining({ field: "to" })]) });
  });
});
