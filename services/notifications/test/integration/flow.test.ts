/**
 * The whole path of one event: a task assigned to a unit reaches its head in the inbox, on the live
 * stream and by email, in Vietnamese; the same event received three times makes one notification and
 * one email; the service's own events say what was delivered and read; nobody reads another's inbox.
 */
import { status } from "@grpc/grpc-js";
import { Channel, DeliveryStatus } from "@ministry/proto/ministry/notifications/v1/notifications";
import { NotificationDelivered, NotificationRead } from "@ministry/proto/ministry/notifications/v1/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assigned, taskSummary } from "../fixtures.js";
import { refusal, startNotificationsHarness, type NotificationsHarness } from "../harness.js";
import { openStream } from "../stream-client.js";

let h: NotificationsHarness;

beforeAll(async () => {
  h = await startNotificationsHarness();
});

afterAll(async () => {
  await h?.stop();
});

async function outboxOf(subject: string) {
  return h.svc.ctx.mongo.db.collection("outbox").find({ subject }).sort({ seq: 1 }).toArray();
}

describe("a task assigned to a unit", () => {
  it("reaches the unit's head by inbox, live stream and email, in Vietnamese, once however often the event arrives", async () => {
    const head = await h.as({ sub: "pc-head" });
    const stream = openStream(head.raw);
    await h.until(() => (h.runtime.live.size >= 1 ? true : undefined), "the stream to be open");

    const task = taskSummary({ unit: "PC", title: "Nghị định quy định chi tiết Luật Thanh niên" });
    const event = assigned(task);
    await h.publish(event);
    // The same event (same ce-id) twice more, past the stream's duplicate window: a producer's re-publish.
    await h.publish(event, { msgId: `${event.id}#2` });
    await h.publish(event, { msgId: `${event.id}#3` });
    // A later event to the same person: once it is in, the three copies before it have been handled.
    const marker = assigned(taskSummary({ unit: "PC", title: "Báo cáo tổng kết công tác thanh niên" }));
    await h.publish(marker);

    const [first, second] = await stream.waitFor(2);
    expect(first?.notification?.title).toContain("Nghị định quy định chi tiết Luật Thanh niên");
    expect(second?.notification?.title).toContain("Báo cáo tổng kết công tác thanh niên");

    const inbox = await head.notifications.listNotifications({ page: { pageSize: 10, pageToken: "" }, view: 0, category: "" });
    const ofEvent = inbox.notifications.filter((n) => n.eventId === event.id);
    expect(ofEvent).toHaveLength(1);
    expect(ofEvent[0]).toMatchObject({
      recipientId: "pc-head",
      eventType: "tasks.task.assigned",
      category: "task_assignment",
      critical: false,
    });
    expect(ofEvent[0]?.subject).toEqual({ type: "task", id: task.taskId });
    expect(inbox.unreadCount).toBe("2");

    // Both emails sent (the marker's too), then: exactly one for the event received three times.
    const mails = await h.until(async () => {
      const toHead = h.mail.messages().filter((m) => m.to.some((t) => t.includes("pc-head@")));
      return toHead.length >= 2 ? toHead : undefined;
    }, "two emails to the head of PC");
    const ofTask = mails.filter((m) => m.text.includes("Nghị định quy định chi tiết Luật Thanh niên"));
    expect(ofTask).toHaveLength(1);
    const mail = ofTask[0]!;
    expect(mail.subject).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/iu);
    expect(mail.html).toContain("Nghị định quy định chi tiết Luật Thanh niên");
    expect(mail.from).toContain("thongbao@");

    // The email's delivery, as the API shows it.
    const got = await head.notifications.getNotification({ id: ofEvent[0]!.id });
    const email = got.notification?.deliveries.find((d) => d.channel === Channel.CHANNEL_EMAIL);
    expect(email).toMatchObject({ status: DeliveryStatus.DELIVERY_STATUS_SENT, attempts: 1 });
    expect(email?.target).toMatch(/^pc-head@/);
    const inboxDelivery = got.notification?.deliveries.find((d) => d.channel === Channel.CHANNEL_INBOX);
    expect(inboxDelivery).toMatchObject({ status: DeliveryStatus.DELIVERY_STATUS_SENT, target: "pc-head" });

    // Published: delivered for the inbox and for the email, once each for the event.
    const delivered = (await outboxOf("notifications.notification.delivered"))
      .map((r) => NotificationDelivered.decode(r.data.buffer ?? r.data))
      .filter((d) => d.eventId === event.id && d.recipientId === "pc-head");
    expect(delivered.map((d) => d.channel).sort()).toEqual([Channel.CHANNEL_INBOX, Channel.CHANNEL_EMAIL].sort());
    stream.cancel();
  });

  it("tells the assignee too, and not the person who assigned it", async () => {
    const task = taskSummary({ unit: "TCCB", assignee: "tccb-staff" });
    const event = assigned(task);
    await h.publish(event);
    const staff = await h.as({ sub: "tccb-staff" });
    const got = await h.until(async () => {
      const r = await staff.notifications.listNotifications({ page: undefined, view: 0, category: "" });
      return r.notifications.find((n) => n.eventId === event.id);
    }, "the assignee's notification");
    expect(got.recipientId).toBe("tccb-staff");
    const office = await h.as({ sub: "vp-head" });
    const officeInbox = await office.notifications.listNotifications({ page: undefined, view: 0, category: "" });
    expect(officeInbox.notifications.some((n) => n.eventId === event.id)).toBe(false);
  });
});

describe("one person's inbox", () => {
  it("cannot be read or changed by another, and a read is published once", async () => {
    const event = assigned(taskSummary({ unit: "KHTC" }));
    await h.publish(event);
    const owner = await h.as({ sub: "khtc-head" });
    const mine = await h.until(async () => {
      const r = await owner.notifications.listNotifications({ page: undefined, view: 0, category: "" });
      return r.notifications.find((n) => n.eventId === event.id);
    }, "the head's notification");

    const other = await h.as({ sub: "pc-staff" });
    const notFound = await refusal(other.notifications.getNotification({ id: mine.id }));
    expect(notFound.code).toBe(status.NOT_FOUND);
    const missing = await refusal(other.notifications.getNotification({ id: "n-does-not-exist" }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.message).toBe(notFound.message);
    expect((await refusal(other.notifications.markRead({ requestId: "", ids: [mine.id] }))).code).toBe(status.NOT_FOUND);
    expect((await refusal(other.notifications.archive({ requestId: "", ids: [mine.id] }))).code).toBe(status.NOT_FOUND);
    const theirs = await other.notifications.listNotifications({ page: undefined, view: 4, category: "" });
    expect(theirs.notifications.some((n) => n.id === mine.id)).toBe(false);
    // Nothing changed for the owner.
    const still = await owner.notifications.getNotification({ id: mine.id });
    expect(still.notification?.readAt).toBeUndefined();
    expect(still.notification?.archivedAt).toBeUndefined();

    const read = await owner.notifications.markRead({ requestId: "", ids: [mine.id] });
    expect(read.changed).toBe(1);
    const again = await owner.notifications.markRead({ requestId: "", ids: [mine.id] });
    expect(again.changed).toBe(0);
    const reads = (await outboxOf("notifications.notification.read"))
      .map((r) => NotificationRead.decode(r.data.buffer ?? r.data))
      .filter((r) => r.notificationId === mine.id);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ recipientId: "khtc-head", eventType: "tasks.task.assigned" });
    const unread = await owner.notifications.markUnread({ requestId: "", ids: [mine.id] });
    expect(unread.changed).toBe(1);
  });

  it("refuses bad input with field violations and changes nothing", async () => {
    const me = await h.as({ sub: "pc-staff" });
    const tooMany = await refusal(me.notifications.markRead({ requestId: "", ids: Array.from({ length: 501 }, (_, i) => `n-${i}`) }));
    expect(tooMany.code).toBe(status.INVALID_ARGUMENT);
    expect(tooMany.fields).toContain("ids");
    const empty = await refusal(me.notifications.markRead({ requestId: "", ids: [] }));
    expect(empty.fields).toContain("ids");
    const snooze = await refusal(me.notifications.snooze({ requestId: "", id: "n-x", until: new Date("2019-01-01T00:00:00Z") }));
    expect(snooze.fields).toContain("until");
    const prefs = await refusal(
      me.notifications.updatePreferences({
        requestId: "",
        preferences: {
          channels: [{ category: "nope", channel: Channel.CHANNEL_EMAIL, mode: 3 }],
          quietHours: { enabled: true, start: "25:00", end: "06:30" },
          digestTime: "",
          version: 0,
        },
      }),
    );
    expect(prefs.fields).toEqual(expect.arrayContaining(["preferences.channels[0].category", "preferences.quiet_hours.start"]));
    expect((await me.notifications.getPreferences({})).preferences?.version).toBe(0);
  });
});
