/**
 * Two dispatchers (two replicas) over one database: every delivery is claimed by one of them only, so
 * each is sent exactly once and has exactly one delivered event.
 */
import { startMailSink, type MailSink } from "@ministry/mail-sink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dispatcher } from "../../src/app/dispatcher.js";
import { createEmailSender } from "../../src/channels/email.js";
import { createWebhookSender, newWebhookSecret } from "../../src/channels/webhook.js";
import { MAIL_FROM, emailDelivery, log, newApp, startMongo, startReceiver, stopMongo, webhookDelivery, type Receiver } from "./helpers.js";

let sink: MailSink;
let receiver: Receiver;

beforeAll(async () => {
  await startMongo();
  sink = await startMailSink();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await sink.close();
  await stopMongo();
});

describe("two dispatchers over one database", () => {
  it("send each of 50 deliveries exactly once", async () => {
    const t = newApp();
    await t.insertWebhook({ _id: "wh-1", url: receiver.url, secret: newWebhookSecret().slice(6) });
    const now = t.clock.now();
    const emails = Array.from({ length: 30 }, (_, i) => emailDelivery(`d-e${String(i).padStart(2, "0")}`, now));
    const hooks = Array.from({ length: 20 }, (_, i) => webhookDelivery(`d-w${String(i).padStart(2, "0")}`, "wh-1", receiver.url, now));
    await t.insertDeliveries(...emails, ...hooks);

    const replicas = [1, 2].map(() => {
      const email = createEmailSender({ url: sink.url, from: MAIL_FROM, maxConnections: 3, log });
      const dispatcher = new Dispatcher(
        t.app,
        { email, webhooks: createWebhookSender({ timeoutMs: 5_000 }) },
        { concurrency: 4, pollIntervalMs: 10, maxAttempts: 3, retryBaseMs: 5, retryMaxMs: 20, log },
      );
      return { email, dispatcher };
    });
    const results = await Promise.all(replicas.map((r) => r.dispatcher.runOnce()));
    for (const r of replicas) await r.email.close();

    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(50);
    // Both took part: the claims really competed.
    expect(results.every((r) => r.sent > 0)).toBe(true);
    expect(results.every((r) => r.failed === 0 && r.retried === 0 && r.skipped === 0)).toBe(true);

    const mailIds = sink.messages().map((m) => m.messageId);
    expect(mailIds).toHaveLength(30);
    expect(new Set(mailIds).size).toBe(30);
    expect(new Set(mailIds)).toEqual(new Set(emails.map((e) => e.email?.messageId)));

    const hookIds = receiver.requests.map((r) => r.headers["webhook-id"]);
    expect(hookIds).toHaveLength(20);
    expect(new Set(hookIds)).toEqual(new Set(hooks.map((h) => h._id)));

    const all = await t.app.db.collection("deliveries").find({}).toArray();
    expect(all.every((d) => d.status === "sent" && d.attempts === 1 && d.leaseUntil === null)).toBe(true);
    const delivered = await t.delivered();
    expect(delivered).toHaveLength(50);
    expect(new Set(delivered.map((e) => e.data.deliveryId)).size).toBe(50);
  });
});
