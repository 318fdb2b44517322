/**
 * Webhook deliveries to a real HTTP receiver: the Standard Webhooks signature checked by an independent
 * verifier (the `standardwebhooks` package), retries with the same webhook-id, permanent refusals,
 * redirects, timeouts, and disabled or missing subscriptions.
 */
import { Channel } from "@ministry/proto/ministry/notifications/v1/notifications";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Dispatcher } from "../../src/app/dispatcher.js";
import { createWebhookSender, newWebhookSecret, signWebhook, WEBHOOK_SECRET_PREFIX } from "../../src/channels/webhook.js";
import { log, newApp, startMongo, startReceiver, stopMongo, until, webhookDelivery, type Receiver, type TestApp } from "./helpers.js";

let receiver: Receiver;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await startMongo();
});
afterAll(stopMongo);
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  await receiver?.close();
});

async function setUp(): Promise<{ t: TestApp; secret: string; receiver: Receiver }> {
  receiver = await startReceiver();
  const t = newApp();
  const secret = newWebhookSecret();
  await t.insertWebhook({ _id: "wh-1", url: receiver.url, secret: secret.slice(WEBHOOK_SECRET_PREFIX.length) });
  return { t, secret, receiver };
}

function dispatcher(t: TestApp, timeoutMs = 2_000): Dispatcher {
  const d = new Dispatcher(
    t.app,
    { webhooks: createWebhookSender({ timeoutMs }) },
    { concurrency: 2, pollIntervalMs: 10, maxAttempts: 5, retryBaseMs: 5, retryMaxMs: 20, log },
  );
  stops.push(() => d.stop());
  return d;
}

function headers(h: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]));
}

describe("webhook dispatch", () => {
  it("POSTs the body signed as Standard Webhooks says, and an independent verifier accepts it", async () => {
    const { t, secret, receiver } = await setUp();
    const delivery = webhookDelivery("d-wh-1", "wh-1", receiver.url, t.clock.now());
    await t.insertDeliveries(delivery);
    const realBefore = Math.floor(Date.now() / 1000);

    expect(await dispatcher(t).runOnce()).toEqual({ sent: 1, failed: 0, retried: 0, skipped: 0 });

    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/hooks/ministry");
    expect(req.body).toBe(delivery.webhook?.body);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["user-agent"]).toBe("ministry-notifications");
    expect(req.headers["webhook-id"]).toBe("d-wh-1");
    // Real time, not the service clock (2020 here): receivers refuse old timestamps.
    expect(Number(req.headers["webhook-timestamp"])).toBeGreaterThanOrEqual(realBefore);
    expect(req.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(req.body, headers(req.headers))).toEqual(JSON.parse(req.body));
    // Another secret does not verify it.
    expect(() => new Webhook(newWebhookSecret()).verify(req.body, headers(req.headers))).toThrow();

    expect(await t.delivery("d-wh-1")).toMatchObject({ status: "sent", attempts: 1, responseStatus: 200 });
    const [event] = await t.delivered();
    expect(event.aggregateId).toBe("d-wh-1");
    expect(event.data).toMatchObject({ notificationId: "", recipientId: "wh-1", channel: Channel.CHANNEL_WEBHOOK, deliveryId: "d-wh-1" });
  });

  it("retries a 500 and delivers once, with the same webhook-id and a fresh signature each time", async () => {
    const { t, secret, receiver } = await setUp();
    await t.insertDeliveries(webhookDelivery("d-wh-2", "wh-1", receiver.url, t.clock.now()));
    receiver.script.push(500);

    dispatcher(t).start();
    const d = await until(async () => {
      const doc = await t.delivery("d-wh-2");
      return doc.status === "sent" ? doc : undefined;
    }, "the webhook delivered");

    expect(d).toMatchObject({ attempts: 2, responseStatus: 200 });
    expect(d.lastError).toContain("HTTP 500");
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual(["d-wh-2", "d-wh-2"]);
    for (const r of receiver.requests) expect(() => new Webhook(secret).verify(r.body, headers(r.headers))).not.toThrow();
    expect(await t.delivered()).toHaveLength(1);
    expect(await t.failed()).toEqual([]);
  });

  it("fails on a 404 at once, with the status and the receiver's answer on record", async () => {
    const { t, receiver } = await setUp();
    await t.insertDeliveries(webhookDelivery("d-wh-3", "wh-1", receiver.url, t.clock.now()));
    receiver.script.push(404);
    const d0 = dispatcher(t);
    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 1, retried: 0, skipped: 0 });
    const d = await t.delivery("d-wh-3");
    expect(d).toMatchObject({ status: "failed", attempts: 1, responseStatus: 404 });
    expect(d.lastError).toBe("HTTP 404 Not Found: lỗi 404 / error 404");
    const failed = await t.failed();
    expect(failed).toHaveLength(1);
    expect(failed[0].data.reason).toContain("404");
    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("does not follow a redirect: a 3xx fails for good", async () => {
    const { t, receiver } = await setUp();
    await t.insertDeliveries(webhookDelivery("d-wh-4", "wh-1", receiver.url, t.clock.now()));
    receiver.script.push(307);
    expect(await dispatcher(t).runOnce()).toEqual({ sent: 0, failed: 1, retried: 0, skipped: 0 });
    const d = await t.delivery("d-wh-4");
    expect(d.responseStatus).toBe(307);
    expect(d.lastError).toContain("redirects are not followed");
    expect(receiver.requests.map((r) => r.url)).toEqual(["/hooks/ministry"]);
  });

  it("skips deliveries of a disabled or deleted subscription without sending", async () => {
    const { t, receiver } = await setUp();
    await t.insertWebhook({ _id: "wh-off", url: receiver.url, secret: newWebhookSecret().slice(6), active: false });
    await t.insertDeliveries(
      webhookDelivery("d-wh-5", "wh-off", receiver.url, t.clock.now()),
      webhookDelivery("d-wh-6", "wh-gone", receiver.url, t.clock.now()),
    );
    expect(await dispatcher(t).runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 2 });
    expect(receiver.requests).toHaveLength(0);
    expect((await t.delivery("d-wh-5")).lastError).toContain("disabled");
    expect((await t.delivery("d-wh-6")).lastError).toContain("no longer exists");
    expect(await t.delivered()).toEqual([]);
    expect(await t.failed()).toEqual([]);
  });
});

describe("webhook sender", () => {
  it("signs as the standardwebhooks library does", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    const body = '{"type":"tasks.task.overdue","data":{"title":"Nhiệm vụ quá hạn"}}';
    const at = new Date("2026-12-06T10:00:00Z");
    expect(signWebhook(secret, "d-1", at.getTime() / 1000, body)).toBe(new Webhook(secret).sign("d-1", at, body));
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it("classifies answers: 408, 429 and 5xx transient; other 4xx permanent", async () => {
    receiver = await startReceiver();
    const sender = createWebhookSender({ timeoutMs: 2_000 });
    const send = () => sender.send({ id: "d-x", url: receiver.url, body: "{}", secret: newWebhookSecret() });
    const cases: [number, boolean | "ok"][] = [
      [200, "ok"],
      [204, "ok"],
      [408, false],
      [429, false],
      [500, false],
      [503, false],
      [400, true],
      [401, true],
      [410, true],
      [301, true],
    ];
    for (const [status, expected] of cases) {
      receiver.script.push(status);
      const outcome = await send();
      if (expected === "ok") expect(outcome, String(status)).toMatchObject({ ok: true, responseStatus: status });
      else expect(outcome, String(status)).toMatchObject({ ok: false, permanent: expected, responseStatus: status });
    }
  });

  it("treats a receiver that does not answer in time, or cannot be reached, as transient", async () => {
    receiver = await startReceiver();
    receiver.script.push("hang");
    const sender = createWebhookSender({ timeoutMs: 200 });
    const timedOut = await sender.send({ id: "d-y", url: receiver.url, body: "{}", secret: newWebhookSecret() });
    expect(timedOut).toMatchObject({ ok: false, permanent: false });
    expect(timedOut.ok === false && timedOut.error).toContain("200 ms");

    const gone = receiver.url;
    await receiver.close();
    const refused = await sender.send({ id: "d-y", url: gone, body: "{}", secret: newWebhookSecret() });
    expect(refused).toMatchObject({ ok: false, permanent: false });
    expect(refused.ok === false && refused.error).toContain("ECONNREFUSED");
  });
});
