/**
 * The inbox poller against the embedded MongoDB and the real exchange simulator over loopback: each item
 * handled once in a transaction with its inbox record, acknowledged after the commit; a malformed item
 * refused with its problems and acknowledged; a redelivery after a lost ack handled once; a failing
 * handler's item kept for the next pass and parked after N failures; the cursor kept across instances.
 */
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { ensureIndexes } from "@ministry/platform";
import { until } from "@ministry/platform/testing";
import { type ClientSession, type Db, MongoClient } from "mongodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ExchangeSimulator, startExchangeSimulator } from "../../exchange-simulator/simulator.js";
import { ExchangeConnector, type PollResult } from "../../src/exchange/connector.js";
import { buildPackage } from "../../src/exchange/edxml/index.js";
import {
  EXCHANGE_CURSORS,
  EXCHANGE_INCOMING,
  ExchangePoller,
  type ExchangePollerOptions,
  exchangeIncomingIndexes,
  type ReadableItem,
} from "../../src/exchange/incoming-poller.js";
import { CREDENTIALS, MINISTRY, numberedPackage } from "./exchange-helpers.js";

type Server = Awaited<ReturnType<typeof startEmbeddedMongo>>;

let server: Server;
let client: MongoClient;
let db: Db;
let sim: ExchangeSimulator;

/** The real connector, noting the cursor each poll was made after. */
class CursorNotingConnector extends ExchangeConnector {
  readonly pollsAfter: (string | undefined)[] = [];
  override poll(organ: string, cursor?: string, opts?: { limit?: number }): Promise<PollResult> {
    this.pollsAfter.push(cursor);
    return super.poll(organ, cursor, opts);
  }
}

function connector(): CursorNotingConnector {
  return new CursorNotingConnector({
    baseUrl: sim.url,
    credentials: CREDENTIALS,
    retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 },
  });
}

/** What a handler registered: one document per exchange item, so a second handling could not commit. */
const REGISTERED = "registered_test";
const calls = new Map<string, number>();

async function register(item: ReadableItem, session: ClientSession): Promise<void> {
  calls.set(item.id, (calls.get(item.id) ?? 0) + 1);
  const documentId = item.kind === "package" ? item.package.header.documentId : item.status.responseFor.documentId;
  await db.collection<{ _id: string; documentId: string }>(REGISTERED).insertOne({ _id: item.id, documentId }, { session });
}

function poller(opts: Partial<ExchangePollerOptions> = {}): ExchangePoller {
  return new ExchangePoller({ client, db, connector: connector(), organ: MINISTRY, handler: register, pageSize: 4, ...opts });
}

async function deliverPackages(numbers: number[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>(); // item id → DocumentId
  for (const n of numbers) {
    const pkg = numberedPackage(n);
    const { delivered } = await sim.deliver(buildPackage(pkg), { organs: [MINISTRY] });
    ids.set(delivered[0].id, pkg.header.documentId);
  }
  return ids;
}

async function registered(): Promise<string[]> {
  return (await db.collection<{ _id: string }>(REGISTERED).find().toArray()).map((d) => d._id).sort();
}

beforeAll(async () => {
  server = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
  client = new MongoClient(server.uri);
  await client.connect();
  db = client.db("documents_exchange_poller_test");
  await ensureIndexes(db, exchangeIncomingIndexes());
  await db.createCollection(REGISTERED);
  sim = await startExchangeSimulator({ port: 0, credentials: CREDENTIALS });
});
afterAll(async () => {
  await sim?.stop();
  await client?.close();
  await server?.stop();
});
afterEach(async () => {
  await sim.reset();
  calls.clear();
  await Promise.all([EXCHANGE_INCOMING, EXCHANGE_CURSORS, REGISTERED].map((c) => db.collection(c).deleteMany({})));
});

describe("incoming poller", () => {
  it("handles 9 items once each and refuses a malformed one; a second pass, a lost ack and a new instance change nothing", async () => {
    const first = await deliverPackages([1, 2, 3, 4, 5]);
    const { delivered } = await sim.deliver(Buffer.from("<edXMLEnvelope>hỏng</edXMLEnvelope>"), {
      organs: [MINISTRY],
      force: true,
      kind: "package",
    });
    const malformed = delivered[0].id;
    const rest = await deliverPackages([6, 7, 8, 9]);
    const good = [...first.keys(), ...rest.keys()].sort();

    const p = poller();
    expect(await p.runOnce()).toMatchObject({ polled: 10, handled: 9, refused: 1, duplicates: 0, retrying: 0, acked: 10 });
    expect(await registered()).toEqual(good);
    expect([...calls.values()]).toEqual(Array(9).fill(1));
    const refused = await p.record(malformed);
    expect(refused).toMatchObject({ state: "refused", kind: "package", organ: MINISTRY });
    expect(refused?.problems?.length).toBeGreaterThan(0);
    expect(refused?.bytes?.length()).toBeGreaterThan(0);
    expect(sim.inbox(MINISTRY).every((e) => e.ackedAt)).toBe(true);
    const cursor = await p.cursor();
    expect(cursor).toBe(sim.inbox(MINISTRY).at(-1)?.cursor.toString());

    // a second pass: nothing new
    expect(await p.runOnce()).toMatchObject({ polled: 0, handled: 0, cursor });

    // a redelivery: the item's transaction commits, then its ack fails (the exchange goes down)
    const [late] = (await deliverPackages([10])).keys();
    let outageStaged = false;
    const dropsAck = poller({
      handler: async (item, session) => {
        await register(item, session);
        if (!outageStaged) sim.setOutage({ mode: "unavailable", status: 503, requests: 1 });
        outageStaged = true;
      },
    });
    await expect(dropsAck.runOnce()).rejects.toThrow(/503/);
    expect(await dropsAck.record(late)).toMatchObject({ state: "handled" });
    expect(sim.inbox(MINISTRY).find((e) => e.id === late)?.ackedAt).toBeUndefined();
    expect(await dropsAck.cursor()).toBe(cursor); // not moved past the unacknowledged item

    // a new instance starts from the kept cursor, gets the item again, acknowledges it without handling it
    const again = connector();
    const fresh = poller({ connector: again });
    expect(await fresh.runOnce()).toMatchObject({ polled: 1, handled: 0, duplicates: 1, acked: 1 });
    expect(again.pollsAfter[0]).toBe(cursor);
    expect(sim.inbox(MINISTRY).find((e) => e.id === late)?.ackedAt).toBeDefined();
    expect(calls.get(late)).toBe(1);
    expect(await registered()).toEqual([...good, late].sort());
    expect(await fresh.cursor()).toBe(sim.inbox(MINISTRY).at(-1)?.cursor.toString());
  });

  it("keeps a failing handler's item for the next pass without moving the cursor past it, then parks it", async () => {
    const ids = [...(await deliverPackages([21, 22, 23])).keys()];
    const poison = ids[1];
    const p = poller({
      maxFailures: 2,
      handler: async (item, session) => {
        if (item.id === poison) throw new Error("the register is closed");
        await register(item, session);
      },
    });
    expect(await p.runOnce()).toMatchObject({ polled: 3, handled: 2, retrying: 1, acked: 2 });
    expect(await p.record(poison)).toMatchObject({ state: "retrying", failures: 1, lastError: "the register is closed" });
    expect(await p.cursor()).toBe(sim.inbox(MINISTRY)[0].cursor.toString());
    expect(sim.inbox(MINISTRY).find((e) => e.id === poison)?.ackedAt).toBeUndefined();

    expect(await p.runOnce()).toMatchObject({ polled: 1, failed: 1, acked: 1 });
    expect(await p.record(poison)).toMatchObject({ state: "failed", failures: 2 });
    // past the parked item (the one after it was acknowledged in the first pass: the exchange does not hand it out again)
    expect(await p.cursor()).toBe(sim.inbox(MINISTRY)[1].cursor.toString());
    expect(await registered()).toEqual([ids[0], ids[2]].sort());
    expect(await p.runOnce()).toMatchObject({ polled: 0 });
  });

  it("handles each item once with two replicas polling at once", async () => {
    const ids = [...(await deliverPackages([31, 32, 33, 34, 35, 36])).keys()].sort();
    const [a, b] = await Promise.all([poller().runOnce(), poller().runOnce()]);
    expect(a.handled + b.handled).toBe(6);
    expect(await registered()).toEqual(ids);
    expect(sim.inbox(MINISTRY).every((e) => e.ackedAt)).toBe(true);
  });

  it("runs in the background until stopped", async () => {
    const p = poller({ pollIntervalMs: 20, passRetry: { initialMs: 10, maxMs: 50 } });
    p.start();
    const ids = [...(await deliverPackages([41, 42])).keys()].sort();
    await until(async () => ((await registered()).length === 2 ? true : undefined), "both items handled");
    await p.stop();
    expect(await registered()).toEqual(ids);
    expect(p.status().running).toBe(false);
  });
});
