/**
 * The connector against the real exchange simulator over loopback HTTP: delivery exactly once through
 * outages, lost answers and a restart; Retry-After; which statuses are retried; polling with a cursor
 * and acknowledgements; a malformed inbox item reported in its place.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { until } from "@ministry/platform/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExchangeConnector, ExchangeRefused, ExchangeUnavailable, parseRetryAfter } from "../../src/exchange/connector.js";
import { buildPackage, buildStatus, EdxmlInvalid, EDXML_NS, parsePackage, parseStatus } from "../../src/exchange/edxml/index.js";
import { type ExchangeSimulator, startExchangeSimulator } from "../../exchange-simulator/simulator.js";
import { sampleStatus } from "./edxml-samples.js";
import { CREDENTIALS, GOVERNMENT_OFFICE, MINISTRY, numberedPackage, packageBytes, recordingConnector } from "./exchange-helpers.js";

let sim: ExchangeSimulator;

beforeAll(async () => {
  sim = await startExchangeSimulator({ port: 0, credentials: CREDENTIALS });
});
afterAll(async () => {
  await sim.stop();
});
afterEach(async () => {
  await sim.reset();
});

function receivedIds(kind = "package"): string[] {
  return sim
    .received()
    .filter((p) => p.kind === kind)
    .map((p) => p.documentId);
}

describe("sending packages", () => {
  it("delivers a package once, parsed back equal, and answers a repeat with the same id storing nothing", async () => {
    const { connector } = recordingConnector(sim.url);
    const pkg = numberedPackage(101, MINISTRY);
    const bytes = buildPackage(pkg);
    const to = pkg.header.to.map((o) => o.organId);

    const first = await connector.send(bytes, { documentId: pkg.header.documentId, to });
    expect(first).toMatchObject({ duplicate: false, attempts: 1 });
    const [stored] = sim.received();
    expect(sim.received()).toHaveLength(1);
    expect(stored).toMatchObject({ id: first.id, documentId: pkg.header.documentId, from: MINISTRY, to, posts: 1 });
    expect(parsePackage(Buffer.from(stored.data, "base64"), { maxPackageBytes: 1e7, maxAttachmentBytes: 1e7, maxAttachments: 10 })).toEqual(
      parsePackage(bytes, { maxPackageBytes: 1e7, maxAttachmentBytes: 1e7, maxAttachments: 10 }),
    );
    expect(
      parsePackage(Buffer.from(stored.data, "base64"), { maxPackageBytes: 1e7, maxAttachmentBytes: 1e7, maxAttachments: 10 }).header,
    ).toEqual(pkg.header);

    // The recipients' order does not change the key.
    const again = await connector.send(bytes, { documentId: pkg.header.documentId, to: [...to].reverse() });
    expect(again).toEqual({ id: first.id, duplicate: true, attempts: 1 });
    expect(receivedIds()).toEqual([pkg.header.documentId]);
    expect(sim.received()[0].posts).toBe(2);
  });

  it("refuses other content under a key already used (409), without retrying; a key of the caller's own is a new delivery", async () => {
    const { connector, delays } = recordingConnector(sim.url);
    const a = packageBytes(102, MINISTRY);
    const b = packageBytes(103, MINISTRY);
    await connector.send(a.bytes, a);
    const reused = await connector.send(b.bytes, { documentId: a.documentId, to: a.to }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(ExchangeRefused);
    expect(reused).toMatchObject({ status: 409, attempts: 1, retryable: false });
    expect(delays).toEqual([]);

    await expect(connector.send(b.bytes, { documentId: a.documentId, to: a.to, idempotencyKey: "update-1" })).resolves.toMatchObject({
      duplicate: false,
    });
    expect(receivedIds()).toEqual([a.documentId, b.documentId]);
  });

  it("refuses wrong credentials (401) and an invalid package (400 with each problem) at once, never retrying", async () => {
    const wrong = recordingConnector(sim.url, { credentials: { username: CREDENTIALS.username, password: "sai" } });
    const p = packageBytes(104, MINISTRY);
    const unauthorized = await wrong.connector.send(p.bytes, p).catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(ExchangeRefused);
    expect(unauthorized).toMatchObject({ status: 401, retryable: false, attempts: 1 });

    const bearer = recordingConnector(sim.url, { credentials: { token: "not-the-token" } });
    expect(await bearer.connector.send(p.bytes, p).catch((e: unknown) => e)).toMatchObject({ status: 401 });

    const { connector, delays } = recordingConnector(sim.url);
    const foreign = p.bytes.toString("utf8").replaceAll(EDXML_NS, "urn:not-edxml");
    const invalid = await connector.send(Buffer.from(foreign), p).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ExchangeRefused);
    expect(invalid).toMatchObject({ status: 400, attempts: 1 });
    expect((invalid as ExchangeRefused).violations[0].description).toMatch(/Wrong or missing namespace/);
    expect(wrong.delays.concat(bearer.delays, delays)).toEqual([]);
    expect(sim.received()).toEqual([]);
  });

  it.each([408, 429, 500, 502, 503, 504])("retries HTTP %i", async (status) => {
    sim.setOutage({ mode: "unavailable", status, requests: 1 });
    const { connector, delays } = recordingConnector(sim.url);
    const p = packageBytes(110 + status, MINISTRY);
    await expect(connector.send(p.bytes, p)).resolves.toMatchObject({ duplicate: false, attempts: 2 });
    expect(delays).toHaveLength(1);
    expect(sim.requests().map((r) => r.status)).toEqual([status, 202]);
  });

  it.each([400, 403, 404, 409, 413, 422])("never retries HTTP %i", async (status) => {
    sim.setOutage({ mode: "unavailable", status, requests: 1 });
    const { connector, delays } = recordingConnector(sim.url);
    const p = packageBytes(120 + status, MINISTRY);
    const err = await connector.send(p.bytes, p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeRefused);
    expect(err).toMatchObject({ status, attempts: 1 });
    expect(delays).toEqual([]);
    expect(sim.received()).toEqual([]);
  });
});

describe("exactly once through failures", () => {
  it("delivers every package once when the endpoint answers 503 for a while and comes back", async () => {
    sim.setOutage({ mode: "unavailable", status: 503 }); // until ended
    const { connector, delays } = recordingConnector(sim.url, {
      retry: { maxAttempts: 50 },
      // The Government Office comes back once a dozen attempts have failed.
      onSleep: () => {
        if (delays.length === 12) sim.setOutage(undefined);
      },
    });
    const packages = Array.from({ length: 5 }, (_, i) => packageBytes(201 + i, MINISTRY));
    const deliveries = await Promise.all(packages.map((p) => connector.send(p.bytes, p)));

    expect(deliveries.every((d) => !d.duplicate)).toBe(true);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(5);
    expect(receivedIds().sort()).toEqual(packages.map((p) => p.documentId).sort());
    expect(sim.requests().filter((r) => r.outcome === "outage").length).toBeGreaterThanOrEqual(12);
  });

  it.each([
    ["the connection dropped", { drop: true }],
    ["a 500 answer", { status: 500 }],
  ])("delivers once when the package was stored but %s", async (_what, failure) => {
    sim.setOutage({ mode: "lost-response", requests: 3, ...failure });
    const { connector } = recordingConnector(sim.url);
    const packages = Array.from({ length: 4 }, (_, i) => packageBytes(301 + i, MINISTRY));
    // Sent together: three requests are stored and their answers lost (first attempts or retries, as
    // they happen to arrive); every retry learns the package was stored already.
    const deliveries = await Promise.all(packages.map((p) => connector.send(p.bytes, p)));
    expect(sim.requests().filter((r) => /answer (dropped|failed)/.test(r.outcome))).toHaveLength(3);
    expect(receivedIds().sort()).toEqual(packages.map((p) => p.documentId).sort());
    for (const d of deliveries) {
      const packet = sim.received().find((r) => r.id === d.id)!;
      expect(packet.posts).toBe(d.attempts); // every attempt reached it, one stored the package
      expect(d.duplicate).toBe(d.attempts > 1);
    }
    expect(deliveries.some((d) => d.duplicate)).toBe(true);
    expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set(sim.received().map((r) => r.id)));
  });

  it("delivers once across the endpoint going down and coming back with its state (a restart)", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "exchange-restart-"));
    let down = await startExchangeSimulator({ port: 0, credentials: CREDENTIALS, dataDir });
    const port = down.port;
    const url = down.url;
    try {
      const before = packageBytes(401, MINISTRY);
      const { connector, delays, retries } = recordingConnector(url, {
        retry: { maxAttempts: 20 },
        onSleep: async () => {
          // Down for three attempts (connection refused), then back on the same port with what it stored.
          if (delays.length === 3) down = await startExchangeSimulator({ port, credentials: CREDENTIALS, dataDir });
        },
      });
      await connector.send(before.bytes, before);
      await down.stop();

      const during = packageBytes(402, MINISTRY);
      await expect(connector.send(during.bytes, during)).resolves.toMatchObject({ duplicate: false, attempts: 4 });
      // Three attempts that reached nobody (no HTTP status), then the fourth was answered.
      expect(retries.map((r) => r.status)).toEqual([undefined, undefined, undefined]);
      // A retry of the first one after the restart is still recognised.
      await expect(connector.send(before.bytes, before)).resolves.toMatchObject({ duplicate: true });
      expect(down.received().map((r) => r.documentId)).toEqual([before.documentId, during.documentId]);
    } finally {
      await down.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("gives up after the attempts allowed with a retryable error", async () => {
    sim.setOutage({ mode: "unavailable", status: 503 });
    const { connector, delays } = recordingConnector(sim.url, { retry: { maxAttempts: 3 } });
    const p = packageBytes(501, MINISTRY);
    const err = await connector.send(p.bytes, p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailable);
    expect(err).toMatchObject({ retryable: true, attempts: 3, status: 503 });
    expect(delays).toHaveLength(2);
  });
});

describe("back-off and Retry-After", () => {
  it("waits what Retry-After asks, then backs off exponentially with jitter when it asks nothing", async () => {
    const { connector, delays, retries } = recordingConnector(sim.url, {
      random: () => 0.5,
      retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    sim.setOutage({ mode: "unavailable", status: 429, retryAfterSeconds: 7, requests: 2 });
    const a = packageBytes(601, MINISTRY);
    await expect(connector.send(a.bytes, a)).resolves.toMatchObject({ attempts: 3 });
    expect(delays).toEqual([7_000, 7_000]);
    expect(retries.map((r) => [r.attempt, r.status, r.retryAfterMs])).toEqual([
      [1, 429, 7_000],
      [2, 429, 7_000],
    ]);
    expect(sim.requests().map((r) => r.status)).toEqual([429, 429, 202]);

    delays.length = 0;
    sim.setOutage({ mode: "unavailable", status: 503, requests: 5 });
    const b = packageBytes(602, MINISTRY);
    await expect(connector.send(b.bytes, b)).resolves.toMatchObject({ attempts: 6 });
    // 100, 200, 400, 800, then the 1 s ceiling; each with 10 % jitter (random 0.5 of up to 20 %), capped.
    expect(delays).toEqual([110, 220, 440, 880, 1_000]);
  });

  it("hands a Retry-After longer than it may wait back to the caller, without waiting", async () => {
    sim.setOutage({ mode: "unavailable", status: 503, retryAfterSeconds: 600, requests: 1 });
    const { connector, delays } = recordingConnector(sim.url, { retry: { maxRetryAfterMs: 60_000 } });
    const p = packageBytes(603, MINISTRY);
    const err = await connector.send(p.bytes, p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailable);
    expect(err).toMatchObject({ retryAfterMs: 600_000, attempts: 1, status: 503 });
    expect(delays).toEqual([]);
    expect(sim.received()).toEqual([]);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2020-03-05T03:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 05 Mar 2020 03:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 05 Mar 2020 02:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("stops waiting when its signal is aborted (the service shutting down)", async () => {
    sim.setOutage({ mode: "unavailable", status: 503 });
    const stop = new AbortController();
    const connector = new ExchangeConnector({
      baseUrl: sim.url,
      credentials: CREDENTIALS,
      signal: stop.signal,
      retry: { initialDelayMs: 60_000 },
    });
    const p = packageBytes(604, MINISTRY);
    const sending = connector.send(p.bytes, p);
    await until(() => (sim.requests().length > 0 ? true : undefined), "the first attempt");
    stop.abort(new Error("stopping"));
    await expect(sending).rejects.toThrow("stopping");
  });
});

describe("status packets", () => {
  it("sends a status once, retried through a lost answer", async () => {
    sim.setOutage({ mode: "lost-response", requests: 1 });
    const { connector } = recordingConnector(sim.url);
    const status = buildStatus(sampleStatus());
    await expect(connector.sendStatus(status)).resolves.toMatchObject({ duplicate: true, attempts: 2 });
    await expect(connector.sendStatus(status)).resolves.toMatchObject({ duplicate: true, attempts: 1 });
    const received = sim.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: "status", statusCode: "01", documentId: sampleStatus().responseFor.documentId, posts: 3 });
    expect(parseStatus(Buffer.from(received[0].data, "base64"))).toEqual(sampleStatus());
  });

  it("checks a status before sending it", async () => {
    const { connector } = recordingConnector(sim.url);
    const bad = buildStatus(sampleStatus()).toString("utf8").replace("<edXML:StatusCode>01", "<edXML:StatusCode>99");
    await expect(connector.sendStatus(Buffer.from(bad))).rejects.toBeInstanceOf(EdxmlInvalid);
    expect(sim.requests()).toEqual([]);
  });
});

describe("polling the inbox", () => {
  it("delivers each inbox item once across two polls with a cursor and acknowledgements", async () => {
    const packages = [701, 702, 703].map((n) => numberedPackage(n));
    for (const pkg of packages) await sim.deliver(buildPackage(pkg), { organs: [MINISTRY] });
    await sim.deliver(buildPackage(numberedPackage(799)), { organs: ["000.00.00.H41"] }); // someone else's
    const { connector } = recordingConnector(sim.url);

    const first = await connector.poll(MINISTRY, undefined, { limit: 2 });
    expect(first.items.map((i) => i.kind)).toEqual(["package", "package"]);
    for (const item of first.items) await connector.ack(item.id);

    const second = await connector.poll(MINISTRY, first.next, { limit: 2 });
    expect(second.items).toHaveLength(1);
    for (const item of second.items) await connector.ack(item.id);

    const seen = [...first.items, ...second.items].map((i) => (i.kind === "package" ? i.package : undefined));
    expect(seen.map((p) => p?.header.documentId)).toEqual(packages.map((p) => p.header.documentId));
    expect(seen[0]?.header).toEqual(packages[0].header);
    expect(seen[0]?.attachments.map((a) => a.bytes)).toEqual(packages[0].attachments.map((a) => a.bytes));

    // Nothing more, from the cursor or from the start; acknowledging twice is harmless.
    expect((await connector.poll(MINISTRY, second.next)).items).toEqual([]);
    expect((await connector.poll(MINISTRY)).items).toEqual([]);
    await connector.ack(first.items[0].id);
    expect(sim.inbox(MINISTRY).every((e) => e.ackedAt)).toBe(true);
  });

  it("hands an item again until it is acknowledged (at least once), through a lost answer too", async () => {
    await sim.deliver(buildPackage(numberedPackage(711)), { organs: [MINISTRY] });
    const { connector } = recordingConnector(sim.url);
    const once = await connector.poll(MINISTRY);
    const twice = await connector.poll(MINISTRY);
    expect(twice.items.map((i) => i.id)).toEqual(once.items.map((i) => i.id));

    sim.setOutage({ mode: "lost-response", requests: 1 }); // the ack is taken, its answer lost: retried
    await connector.ack(once.items[0].id);
    expect((await connector.poll(MINISTRY)).items).toEqual([]);
    expect(sim.requests().map((r) => r.outcome)).toEqual(["ok", "ok", "acked, answer dropped", "acked", "ok"]);
  });

  it("reports a malformed package in the inbox as that item's error, the others read", async () => {
    const good = numberedPackage(721);
    await sim.deliver(buildPackage(good), { organs: [MINISTRY] });
    const hostile = `<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa">]><edXML xmlns="${EDXML_NS}">&a;</edXML>`;
    const forced = await sim.deliver(Buffer.from(hostile), { organs: [MINISTRY], force: true });
    expect(forced.valid).toBe(false);
    const foreign = buildPackage(numberedPackage(722)).toString("utf8").replaceAll(EDXML_NS, "urn:other");
    await sim.deliver(Buffer.from(foreign), { organs: [MINISTRY], force: true, kind: "package" });
    await sim.deliver(buildStatus(sampleStatus()), { organs: [MINISTRY] });
    const { connector } = recordingConnector(sim.url);

    const { items } = await connector.poll(MINISTRY);
    expect(items.map((i) => i.kind)).toEqual(["package", "invalid", "invalid", "status"]);
    const [first, doctype, wrongNs, status] = items;
    expect(first.kind === "package" && first.package.header).toEqual(good.header);
    for (const bad of [doctype, wrongNs]) {
      if (bad.kind !== "invalid") throw new Error("expected an invalid item");
      expect(bad.error).toBeInstanceOf(EdxmlInvalid);
      expect(bad.declaredKind).toBe("package");
      expect(bad.bytes.length).toBeGreaterThan(0);
    }
    expect((doctype as { error: Error }).error.message).toMatch(/DOCTYPE/);
    expect(((wrongNs as { error: Error }).error as EdxmlInvalid).problems[0].description).toMatch(/namespace/);
    expect(status.kind === "status" && status.status).toEqual(sampleStatus());
  });

  it("refuses a poll for something that is not an organ identifier", async () => {
    const { connector } = recordingConnector(sim.url);
    await expect(connector.poll("BNV")).rejects.toMatchObject({ status: 400 });
    await expect(connector.poll(MINISTRY, "x1")).rejects.toMatchObject({ status: 400 });
  });
});

describe("arrival statuses from the simulated recipients", () => {
  it("answers a package with a 01 from each recipient in the sender's inbox", async () => {
    const replying = await startExchangeSimulator({ port: 0, credentials: CREDENTIALS, arrivedStatus: true });
    try {
      const { connector } = recordingConnector(replying.url);
      const pkg = numberedPackage(801, MINISTRY);
      await connector.send(buildPackage(pkg), { documentId: pkg.header.documentId, to: pkg.header.to.map((o) => o.organId) });
      const { items } = await connector.poll(MINISTRY);
      const statuses = items.map((i) => (i.kind === "status" ? i.status : undefined));
      expect(statuses.map((s) => [s?.statusCode, s?.from.organId, s?.responseFor.documentId])).toEqual([
        ["01", GOVERNMENT_OFFICE, pkg.header.documentId],
        ["01", "000.00.00.H41", pkg.header.documentId],
      ]);
    } finally {
      await replying.stop();
    }
  });
});
