/**
 * Channels against real servers: an SMTP server that refuses twice and then accepts gets the mail once;
 * a webhook receiver verifies the signature with the shared secret (an independent Standard Webhooks
 * verifier); quiet hours hold a normal email until they end and let a critical one through; the daily
 * digest at 07:30 local time gathers the day's non-urgent items into one email, once.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import { Channel, DeliveryStatus } from "@ministry/proto/ministry/notifications/v1/notifications";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assigned, completed, overdue, taskSummary } from "../fixtures.js";
import { refusal, startNotificationsHarness, type NotificationsHarness } from "../harness.js";

let h: NotificationsHarness;

beforeAll(async () => {
  h = await startNotificationsHarness();
});

afterAll(async () => {
  await h?.stop();
});

const mailsTo = (person: string) => h.mail.messages().filter((m) => m.to.some((t) => t.startsWith(`${person}@`)));

async function notificationOf(person: string, eventId: string) {
  const client = await h.as({ sub: person });
  return h.until(async () => {
    const r = await client.notifications.listNotifications({ page: { pageSize: 100, pageToken: "" }, view: 4, category: "" });
    return r.notifications.find((n) => n.eventId === eventId);
  }, `${person}'s notification of ${eventId}`);
}

async function emailDelivery(person: string, notificationId: string) {
  const client = await h.as({ sub: person });
  const got = await client.notifications.getNotification({ id: notificationId });
  return got.notification?.deliveries.find((d) => d.channel === Channel.CHANNEL_EMAIL);
}

describe("email", () => {
  it("reaches an SMTP server that refuses twice and then accepts, exactly once", async () => {
    h.mail.refuseNext(2, 451);
    const event = assigned(taskSummary({ unit: "TDKT", title: "Kế hoạch tổ chức Đại hội Thi đua yêu nước" }));
    await h.publish(event);
    const mails = await h.until(() => (mailsTo("tdkt-head").length > 0 ? mailsTo("tdkt-head") : undefined), "the mail to the head of TDKT");
    expect(mails).toHaveLength(1);
    const n = await notificationOf("tdkt-head", event.id);
    const delivery = await h.until(async () => {
      const d = await emailDelivery("tdkt-head", n.id);
      return d?.status === DeliveryStatus.DELIVERY_STATUS_SENT ? d : undefined;
    }, "the delivery recorded as sent");
    expect(delivery.attempts).toBe(3);
    expect(mailsTo("tdkt-head")).toHaveLength(1);
  });
});

describe("webhooks", () => {
  it("are for admins, and each delivery's signature verifies with the shared secret", async () => {
    const staff = await h.as({ sub: "pc-staff" });
    const denied = await refusal(
      staff.admin.createWebhook({ requestId: "", url: "http://127.0.0.1:9/x", eventTypes: ["tasks.task.*"], description: "" }),
    );
    expect(denied.code).toBe(status.PERMISSION_DENIED);

    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const admin = await h.as({ sub: "admin" });
      const { webhook, secret } = await admin.admin.createWebhook({
        requestId: "",
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ministry`,
        eventTypes: ["tasks.task.overdue"],
        description: "Cổng theo dõi nhiệm vụ quá hạn",
      });
      expect(secret).toMatch(/^whsec_/);
      const event = overdue(taskSummary({ unit: "TTR", title: "Kết luận thanh tra công vụ năm 2020" }));
      await h.publish(event);
      // An event the subscription does not name is not sent.
      await h.publish(assigned(taskSummary({ unit: "TTR" })));
      const [hook] = await h.until(() => (received.length > 0 ? received : undefined), "the webhook delivery");
      const verified = new Webhook(secret).verify(hook!.body, hook!.headers as Record<string, string>) as {
        type: string;
        data: { eventId: string; critical: boolean; title: string; recipients: string[] };
      };
      expect(verified.type).toBe("tasks.task.overdue");
      expect(verified.data.eventId).toBe(event.id);
      expect(verified.data.critical).toBe(true);
      expect(verified.data.title).toContain("Kết luận thanh tra công vụ năm 2020");
      expect(verified.data.recipients).toContain("ttr-head");
      // A tampered body does not verify.
      expect(() => new Webhook(secret).verify(hook!.body.replace("2020", "2021"), hook!.headers as Record<string, string>)).toThrow();

      const log = await h.until(async () => {
        const r = await admin.admin.listDeliveries({
          page: undefined,
          webhookId: webhook!.id,
          recipientId: "",
          eventId: "",
          channel: 0,
          status: 0,
        });
        return r.deliveries.find((d) => d.delivery?.status === DeliveryStatus.DELIVERY_STATUS_SENT);
      }, "the delivery log's entry");
      expect(log.eventId).toBe(event.id);
      expect(log.delivery?.responseStatus).toBe(204);
      expect(hook!.headers["webhook-id"]).toBe(log.delivery?.id);
      expect(received).toHaveLength(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("quiet hours", () => {
  it("hold a normal email until they end and let a critical one through", async () => {
    const head = await h.as({ sub: "htqt-head" });
    await head.notifications.updatePreferences({
      requestId: "",
      preferences: { channels: [], quietHours: { enabled: true, start: "22:00", end: "06:30" }, digestTime: "", version: 0 },
    });
    h.clock.set("2020-03-30T16:00:00Z"); // 23:00 in Hà Nội
    const normal = assigned(taskSummary({ unit: "HTQT", title: "Kế hoạch hợp tác quốc tế năm 2020" }));
    const critical = overdue(taskSummary({ unit: "HTQT", title: "Báo cáo đoàn ra đoàn vào Quý I" }));
    await h.publish(normal);
    await h.publish(critical);
    await h.until(
      () => (mailsTo("htqt-head").some((m) => m.text.includes("Báo cáo đoàn ra đoàn vào Quý I")) ? true : undefined),
      "the critical email",
    );

    const held = await notificationOf("htqt-head", normal.id);
    const delivery = await emailDelivery("htqt-head", held.id);
    expect(delivery?.status).toBe(DeliveryStatus.DELIVERY_STATUS_DEFERRED);
    expect(delivery?.notBefore?.toISOString()).toBe("2020-03-30T23:30:00.000Z"); // 06:30 in Hà Nội
    expect(mailsTo("htqt-head").some((m) => m.text.includes("Kế hoạch hợp tác quốc tế năm 2020"))).toBe(false);
    // Its inbox notification is there all the same: quiet hours hold the email only.
    expect(held.title).toContain("Kế hoạch hợp tác quốc tế năm 2020");

    h.clock.set("2020-03-30T23:31:00Z");
    await h.until(
      () => (mailsTo("htqt-head").some((m) => m.text.includes("Kế hoạch hợp tác quốc tế năm 2020")) ? true : undefined),
      "the held email after quiet hours",
    );
    expect(mailsTo("htqt-head").filter((m) => m.text.includes("Kế hoạch hợp tác quốc tế năm 2020"))).toHaveLength(1);
  });
});

describe("the daily digest", () => {
  it("gathers the day's non-urgent items into one email at 07:30 local time, once", async () => {
    h.clock.set("2020-03-30T20:00:00Z"); // 03:00 on 31 March in Hà Nội
    const first = completed(taskSummary({ unit: "DTBD", title: "Đề án bồi dưỡng công chức lãnh đạo" }));
    const second = completed(taskSummary({ unit: "DTBD", title: "Chương trình đào tạo chuyên viên chính" }));
    await h.publish(first);
    await h.publish(second);
    const n1 = await notificationOf("dtbd-head", first.id);
    const n2 = await notificationOf("dtbd-head", second.id);
    expect((await emailDelivery("dtbd-head", n1.id))?.status).toBe(DeliveryStatus.DELIVERY_STATUS_DIGEST);

    expect(await h.runtime.digest.runOnce()).toEqual({ digests: 0, items: 0 });
    h.clock.set("2020-03-31T00:29:00Z"); // 07:29
    expect((await h.runtime.digest.runOnce()).digests).toBe(0);
    h.clock.set("2020-03-31T00:30:00Z"); // 07:30
    const run = await h.runtime.digest.runOnce();
    expect(run.digests).toBeGreaterThanOrEqual(1);

    const digest = await h.until(
      () => mailsTo("dtbd-head").find((m) => m.text.includes("Đề án bồi dưỡng công chức lãnh đạo")),
      "the digest email",
    );
    expect(digest.text).toContain("Chương trình đào tạo chuyên viên chính");
    // Each item once: its inbox title appears once.
    expect(digest.text.split(n1.title)).toHaveLength(2);
    expect(digest.text.split(n2.title)).toHaveLength(2);
    expect(digest.html).toContain("Chương trình đào tạo chuyên viên chính");

    // Again the same day: nothing more.
    h.clock.set("2020-03-31T05:00:00Z");
    expect(await h.runtime.digest.runOnce()).toEqual({ digests: 0, items: 0 });
    expect((await emailDelivery("dtbd-head", n1.id))?.status).toBe(DeliveryStatus.DELIVERY_STATUS_DIGESTED);
    expect(mailsTo("dtbd-head")).toHaveLength(1);
  });
});
