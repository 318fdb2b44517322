/**
 * Email deliveries through the dispatcher to a real SMTP server (the mail sink): the message as it
 * arrives, retries on transient refusals, permanent refusals, attempts used up, quiet hours (the
 * service clock), leases, and the events committed with each outcome.
 */
import { startMailSink, type MailSink } from "@ministry/mail-sink";
import { Channel } from "@ministry/proto/ministry/notifications/v1/notifications";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Dispatcher, NO_SMTP_SERVER, retryDelay, type DispatcherOptions } from "../../src/app/dispatcher.js";
import { createEmailSender } from "../../src/channels/email.js";
import type { EmailSender } from "../../src/channels/types.js";
import { createWebhookSender } from "../../src/channels/webhook.js";
import { MAIL_FROM, VIETNAMESE_MAIL, emailDelivery, log, newApp, startMongo, stopMongo, until, type TestApp } from "./helpers.js";

let sink: MailSink;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await startMongo();
  sink = await startMailSink();
});
afterAll(async () => {
  await sink.close();
  await stopMongo();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function dispatcher(t: TestApp, opts: Partial<DispatcherOptions> & { email?: EmailSender | null } = {}): Dispatcher {
  const email =
    opts.email === null ? undefined : (opts.email ?? createEmailSender({ url: sink.url, from: MAIL_FROM, maxConnections: 2, log }));
  const d = new Dispatcher(
    t.app,
    { email, webhooks: createWebhookSender({ timeoutMs: 2_000 }) },
    { concurrency: 4, pollIntervalMs: 10, maxAttempts: 5, retryBaseMs: 5, retryMaxMs: 20, log, ...opts },
  );
  cleanup.push(async () => {
    await d.stop();
    await email?.close();
  });
  return d;
}

/** Messages the sink accepted with this Message-ID. */
function arrived(messageId: string) {
  return sink.messages().filter((m) => m.messageId === messageId);
}

describe("email dispatch", () => {
  it("sends the Vietnamese message with its deterministic Message-ID, and records it sent with a delivered event", async () => {
    const t = newApp();
    const now = t.clock.now();
    await t.insertDeliveries(emailDelivery("d-viet-1", now));
    const before = sink.received;

    const result = await dispatcher(t).runOnce();

    expect(result).toEqual({ sent: 1, failed: 0, retried: 0, skipped: 0 });
    // Accepted before runOnce returned: the sink already has it.
    expect(sink.received).toBe(before + 1);
    const [mail] = arrived("<d-viet-1@moha.gov.vn>");
    expect(mail.subject).toBe(VIETNAMESE_MAIL.subject);
    expect(mail.text.trim()).toBe(VIETNAMESE_MAIL.text);
    expect(mail.html).toContain(VIETNAMESE_MAIL.html);
    expect(mail.from).toBe("thongbao@moha.gov.vn");
    expect(mail.fromName).toBe("Bộ Nội vụ - Hệ thống thông báo");
    expect(mail.to).toEqual(["an.nv@moha.gov.vn"]);
    expect(mail.envelope.to).toEqual(["an.nv@moha.gov.vn"]);
    const raw = mail.raw.toString("utf8");
    expect(raw).toMatch(/^Message-ID: <d-viet-1@moha\.gov\.vn>\r$/m);
    expect(raw).toMatch(/^To: =\?UTF-8\?/m); // "Nguyễn Văn An" encoded, as mail wants it
    expect(raw).toMatch(/^Auto-Submitted: auto-generated\r$/m);

    const d = await t.delivery("d-viet-1");
    expect(d).toMatchObject({ status: "sent", attempts: 1, leaseUntil: null, retryAt: null, lastError: null });
    expect(d.sentAt).toEqual(now);

    const events = await t.delivered();
    expect(events).toHaveLength(1);
    expect(events[0].aggregateId).toBe("n-d-viet-1");
    expect(events[0].data).toMatchObject({
      notificationId: "n-d-viet-1",
      recipientId: "nv.an",
      eventId: "ev-d-viet-1",
      eventType: "tasks.task.overdue",
      category: "task_deadline",
      channel: Channel.CHANNEL_EMAIL,
      deliveryId: "d-viet-1",
      attempts: 1,
      digestId: "",
    });
    expect(events[0].data.deliveredAt).toEqual(now);
    expect(await t.failed()).toEqual([]);

    // Nothing is sent twice.
    expect(await dispatcher(t).runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0 });
    expect(arrived("<d-viet-1@moha.gov.vn>")).toHaveLength(1);
  });

  it("sends a digest like any email; its delivered event carries the digest id and the delivery as aggregate", async () => {
    const t = newApp();
    await t.insertDeliveries(
      emailDelivery("d-digest-1", t.clock.now(), {
        kind: "digest",
        notificationId: null,
        digestId: "g-abc",
        eventId: "g-abc",
        eventType: "digest",
        category: "digest",
      }),
    );
    expect((await dispatcher(t).runOnce()).sent).toBe(1);
    expect(arrived("<d-digest-1@moha.gov.vn>")).toHaveLength(1);
    const [event] = await t.delivered();
    expect(event.aggregateId).toBe("d-digest-1");
    expect(event.data).toMatchObject({ notificationId: "", digestId: "g-abc", deliveryId: "d-digest-1", eventType: "digest" });
  });

  it("retries a message refused twice with 451 and sends it exactly once, on the third attempt", async () => {
    const t = newApp();
    await t.insertDeliveries(emailDelivery("d-retry-1", t.clock.now()));
    sink.refuseNext(2, 451);
    const refusedBefore = sink.refused;

    dispatcher(t).start();
    const d = await until(async () => {
      const doc = await t.delivery("d-retry-1");
      return doc.status === "sent" ? doc : undefined;
    }, "the delivery sent");

    expect(d.attempts).toBe(3);
    expect(sink.refused - refusedBefore).toBe(2);
    expect(arrived("<d-retry-1@moha.gov.vn>")).toHaveLength(1);
    // The last refusal stays on record: why it took three attempts.
    expect(d.lastError).toMatch(/^451 /);
    const events = await t.delivered();
    expect(events).toHaveLength(1);
    expect(events[0].data.attempts).toBe(3);
    expect(await t.failed()).toEqual([]);
  });

  it("fails a message refused with 550 at once: no retry, the reply on record, one failed event", async () => {
    const t = newApp();
    await t.insertDeliveries(emailDelivery("d-perm-1", t.clock.now()));
    sink.refuseNext(1, 550, "Mailbox unavailable: no such user here");
    const refusedBefore = sink.refused;

    const d0 = dispatcher(t);
    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 1, retried: 0, skipped: 0 });

    const d = await t.delivery("d-perm-1");
    expect(d.status).toBe("failed");
    expect(d.attempts).toBe(1);
    expect(d.retryAt).toBeNull();
    expect(d.lastError).toMatch(/^550 .*Mailbox unavailable: no such user here/);
    const failed = await t.failed();
    expect(failed).toHaveLength(1);
    expect(failed[0].aggregateId).toBe("n-d-perm-1");
    expect(failed[0].data).toMatchObject({
      deliveryId: "d-perm-1",
      attempts: 1,
      channel: Channel.CHANNEL_EMAIL,
      notificationId: "n-d-perm-1",
    });
    expect(failed[0].data.reason).toContain("550");
    expect(await t.delivered()).toEqual([]);

    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0 });
    expect(sink.refused - refusedBefore).toBe(1);
    expect(arrived("<d-perm-1@moha.gov.vn>")).toHaveLength(0);
  });

  it("fails a message when its attempts are used up", async () => {
    const t = newApp();
    await t.insertDeliveries(emailDelivery("d-max-1", t.clock.now()));
    sink.refuseNext(3, 421, "Service not available, closing transmission channel");
    const refusedBefore = sink.refused;

    dispatcher(t, { maxAttempts: 3 }).start();
    const d = await until(async () => {
      const doc = await t.delivery("d-max-1");
      return doc.status === "failed" ? doc : undefined;
    }, "the delivery failed");

    expect(d.attempts).toBe(3);
    expect(sink.refused - refusedBefore).toBe(3);
    expect(d.lastError).toContain("421");
    expect(d.lastError).toContain("after 3 attempts");
    const failed = await t.failed();
    expect(failed).toHaveLength(1);
    expect(failed[0].data.attempts).toBe(3);
    expect(arrived("<d-max-1@moha.gov.vn>")).toHaveLength(0);
  });

  it("treats a refused connection as transient", async () => {
    const t = newApp();
    await t.insertDeliveries(emailDelivery("d-down-1", t.clock.now()));
    const down = await startMailSink();
    const url = down.url;
    await down.close(); // nothing listens there any more
    const email = createEmailSender({ url, from: MAIL_FROM, maxConnections: 1, log });

    const before = Date.now();
    expect(await dispatcher(t, { email }).runOnce()).toEqual({ sent: 0, failed: 0, retried: 1, skipped: 0 });
    const d = await t.delivery("d-down-1");
    expect(d.status).toBe("pending");
    expect(d.attempts).toBe(1);
    expect(d.lastError).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
    // Real time, not the service clock (which stands in 2020 here).
    expect(d.retryAt?.getTime()).toBeGreaterThanOrEqual(before);
    expect(d.leaseUntil).toBeNull();
  });

  it("records an email as skipped when no SMTP server is configured", async () => {
    const t = newApp();
    await t.insertDeliveries(emailDelivery("d-nosmtp-1", t.clock.now()));
    expect(await dispatcher(t, { email: null }).runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 1 });
    const d = await t.delivery("d-nosmtp-1");
    expect(d).toMatchObject({ status: "skipped", lastError: NO_SMTP_SERVER, attempts: 0, leaseUntil: null });
    expect(await t.delivered()).toEqual([]);
    expect(await t.failed()).toEqual([]);
  });

  it("holds a deferred delivery until the service clock passes its notBefore", async () => {
    const t = newApp();
    const quietEnd = new Date(t.clock.now().getTime() + 5.5 * 3600_000);
    await t.insertDeliveries(emailDelivery("d-quiet-1", t.clock.now(), { status: "deferred", notBefore: quietEnd, critical: false }));
    const d0 = dispatcher(t);

    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0 });
    t.clock.set(quietEnd.getTime() - 1);
    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0 });
    expect(arrived("<d-quiet-1@moha.gov.vn>")).toHaveLength(0);
    expect((await t.delivery("d-quiet-1")).status).toBe("deferred");

    t.clock.set(quietEnd);
    expect(await d0.runOnce()).toEqual({ sent: 1, failed: 0, retried: 0, skipped: 0 });
    expect(arrived("<d-quiet-1@moha.gov.vn>")).toHaveLength(1);
    expect(await t.delivery("d-quiet-1")).toMatchObject({ status: "sent", sentAt: quietEnd, attempts: 1 });
  });

  it("leaves a delivery another dispatcher holds alone, and resends it once that lease has run out", async () => {
    const t = newApp();
    // A dispatcher claimed it (attempt 1) and crashed: its lease still runs for a minute.
    await t.insertDeliveries(emailDelivery("d-lease-1", t.clock.now(), { attempts: 1, leaseUntil: new Date(Date.now() + 60_000) }));
    const d0 = dispatcher(t);
    expect(await d0.runOnce()).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0 });

    await t.app.db.collection("deliveries").updateOne({ _id: "d-lease-1" as never }, { $set: { leaseUntil: new Date(Date.now() - 1) } });
    expect((await d0.runOnce()).sent).toBe(1);
    expect(await t.delivery("d-lease-1")).toMatchObject({ status: "sent", attempts: 2 });
    expect(arrived("<d-lease-1@moha.gov.vn>")).toHaveLength(1);
  });

  it("wakes on nudge, and stop lets the sends in flight finish", async () => {
    const t = newApp();
    const d0 = dispatcher(t, { pollIntervalMs: 3_600_000 });
    d0.start();
    await until(async () => ((await t.app.db.collection("deliveries").countDocuments()) === 0 ? true : undefined), "an empty queue");
    await t.insertDeliveries(emailDelivery("d-nudge-1", t.clock.now()));
    d0.nudge();
    await until(async () => ((await t.delivery("d-nudge-1")).status === "sent" ? true : undefined), "the nudged delivery sent");
    await d0.stop();
    expect(arrived("<d-nudge-1@moha.gov.vn>")).toHaveLength(1);
  });
});

describe("retry delay", () => {
  it("doubles its cap from the base up to the maximum, with full jitter", () => {
    expect(retryDelay(1, 1_000, 300_000, () => 0.999)).toBe(999);
    expect(retryDelay(3, 1_000, 300_000, () => 0.5)).toBe(2_000);
    expect(retryDelay(20, 1_000, 300_000, () => 0.999)).toBe(299_700);
    expect(retryDelay(4, 1_000, 300_000, () => 0)).toBe(0);
  });
});
