/**
 * Admins' webhook subscriptions and the delivery log: the role first, bounded input, the secret shown
 * once (never listed, never kept in the request log), matching by exact type and prefix, disabling,
 * and the delivery log's filters and pages. The gRPC handlers' mapping is checked in a request scope.
 */
import { InvalidArgument, NotFound, PermissionDenied, runInRequestScope, type Identity } from "@ministry/platform";
import { Channel, DeliveryStatus, type NotificationAdminServiceServer } from "@ministry/proto/ministry/notifications/v1/notifications";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookAdmin } from "../../src/app/webhooks.js";
import { signWebhook } from "../../src/channels/webhook.js";
import { toProtoDelivery } from "../../src/grpc/delivery-mapping.js";
import { webhookAdminHandlers } from "../../src/grpc/webhook-handlers.js";
import { WebhookStore, eventTypeMatches } from "../../src/store/webhook-store.js";
import { ADMIN, STAFF, emailDelivery, newApp, startMongo, stopMongo, webhookDelivery } from "./helpers.js";

beforeAll(startMongo);
afterAll(stopMongo);

function admin() {
  const t = newApp();
  const store = new WebhookStore(t.app.db);
  return { t, store, w: new WebhookAdmin(t.app, store) };
}

async function violations(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidArgument);
  return (err as InvalidArgument).violations.map((v) => v.field);
}

/** Calls a unary handler as the gRPC server would, in the caller's request scope. */
function call<Req, Res>(
  handler: NotificationAdminServiceServer[keyof NotificationAdminServiceServer],
  identity: Identity,
  request: Req,
): Promise<Res> {
  return runInRequestScope({ identity, deadline: Number.POSITIVE_INFINITY }, async () =>
    (handler as unknown as (call: { request: Req }) => Promise<Res>)({ request }),
  );
}

describe("webhook subscriptions", () => {
  it("are for admins only, checked before anything else", async () => {
    const { w } = admin();
    await expect(w.create(STAFF, { url: "ftp://bad", eventTypes: [], description: "" })).rejects.toBeInstanceOf(PermissionDenied);
    await expect(w.list(STAFF, {})).rejects.toBeInstanceOf(PermissionDenied);
    await expect(w.disable(STAFF, { id: "wh-does-not-exist" })).rejects.toBeInstanceOf(PermissionDenied);
    await expect(w.deliveries(STAFF, {}, {})).rejects.toBeInstanceOf(PermissionDenied);
  });

  it("refuse bad input, naming every field", async () => {
    const { w, store } = admin();
    expect(await violations(w.create(ADMIN, { url: "", eventTypes: [], description: "" }))).toEqual(["url", "event_types"]);
    expect(await violations(w.create(ADMIN, { url: "ftp://example.vn/x", eventTypes: ["tasks.task.overdue"], description: "" }))).toEqual([
      "url",
    ]);
    expect(await violations(w.create(ADMIN, { url: "not a url", eventTypes: ["tasks.task.overdue"], description: "" }))).toEqual(["url"]);
    expect(await violations(w.create(ADMIN, { url: "https://u:p@example.vn/x", eventTypes: ["tasks.*"], description: "" }))).toEqual([
      "url",
    ]);
    expect(
      await violations(
        w.create(ADMIN, { url: `https://example.vn/${"a".repeat(2_000)}`, eventTypes: ["tasks.*"], description: "đ".repeat(501) }),
      ),
    ).toEqual(["url", "description"]);
    expect(
      await violations(
        w.create(ADMIN, {
          url: "https://example.vn/hook",
          eventTypes: ["tasks.task.overdue", "*", "tasks.*.x", "Tasks.Task", `tasks.${"a".repeat(130)}`, "tasks"],
          description: "",
        }),
      ),
    ).toEqual(["event_types[1]", "event_types[2]", "event_types[3]", "event_types[4]", "event_types[5]"]);
    expect(
      await violations(
        w.create(ADMIN, {
          url: "https://example.vn/hook",
          eventTypes: Array.from({ length: 51 }, (_, i) => `tasks.t${i}.*`),
          description: "",
        }),
      ),
    ).toEqual(["event_types"]);
    expect(await store.collection.countDocuments()).toBe(0);
  });

  it("return the secret once: never listed, never in the request log, and it verifies what is signed with the stored key", async () => {
    const { t, w, store } = admin();
    const { webhook, secret } = await w.create(ADMIN, {
      requestId: "req-1",
      url: " https://tich-hop.moha.gov.vn/hooks ",
      eventTypes: ["tasks.task.*", "meetings.meeting.concluded", "tasks.task.*"],
      description: "Hệ thống điều hành tác nghiệp",
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({
      url: "https://tich-hop.moha.gov.vn/hooks",
      eventTypes: ["tasks.task.*", "meetings.meeting.concluded"],
      description: "Hệ thống điều hành tác nghiệp",
      active: true,
      createdBy: ADMIN.userId,
    });
    expect(webhook).not.toHaveProperty("secret");

    // A retry with the same request id answers the same webhook and secret, and makes no second one.
    const again = await w.create(ADMIN, {
      requestId: "req-1",
      url: " https://tich-hop.moha.gov.vn/hooks ",
      eventTypes: ["tasks.task.*", "meetings.meeting.concluded", "tasks.task.*"],
      description: "Hệ thống điều hành tác nghiệp",
    });
    expect(again.webhook._id).toBe(webhook._id);
    expect(again.secret).toBe(secret);
    expect(await store.collection.countDocuments()).toBe(1);
    const key = secret.slice("whsec_".length);
    const requestLog = JSON.stringify(await t.app.db.collection("requests").find({}).toArray());
    expect(requestLog).toContain(webhook._id);
    expect(requestLog).not.toContain(key);
    expect(JSON.stringify(await t.app.db.collection("audit").find({}).toArray())).not.toContain(key);

    const page = await w.list(ADMIN, {});
    expect(page.items.map((i) => i._id)).toEqual([webhook._id]);
    expect(page.items[0]).not.toHaveProperty("secret");

    // What the dispatcher signs with the stored key, the subscriber verifies with the secret it was given.
    const stored = await store.get(webhook._id);
    const ts = Math.floor(Date.now() / 1000);
    const signature = signWebhook(`whsec_${stored?.secret}`, "d-1", ts, "{}");
    expect(
      new Webhook(secret).verify("{}", { "webhook-id": "d-1", "webhook-timestamp": String(ts), "webhook-signature": signature }),
    ).toEqual({});
  });

  it("match event types exactly or by prefix, active ones only", async () => {
    const { w, store } = admin();
    const exact = (await w.create(ADMIN, { url: "https://a.vn/h", eventTypes: ["tasks.task.overdue"], description: "" })).webhook;
    const prefix = (await w.create(ADMIN, { url: "https://b.vn/h", eventTypes: ["tasks.task.*"], description: "" })).webhook;
    const service = (await w.create(ADMIN, { url: "https://c.vn/h", eventTypes: ["meetings.*", "tasks.*"], description: "" })).webhook;
    const other = (await w.create(ADMIN, { url: "https://d.vn/h", eventTypes: ["documents.document.issued"], description: "" })).webhook;

    const ids = async (type: string) => (await store.matching(type)).map((x) => x._id).sort();
    expect(await ids("tasks.task.overdue")).toEqual([exact._id, prefix._id, service._id].sort());
    expect(await ids("tasks.task.created")).toEqual([prefix._id, service._id].sort());
    expect(await ids("tasks.tasks.created")).toEqual([service._id]);
    expect(await ids("meetings.meeting.concluded")).toEqual([service._id]);
    expect(await ids("documents.document.issued")).toEqual([other._id]);
    expect(await ids("documents.document.received")).toEqual([]);

    const disabled = await w.disable(ADMIN, { id: prefix._id, requestId: "off-1" });
    expect(disabled.active).toBe(false);
    expect(await ids("tasks.task.created")).toEqual([service._id]);
    // Disabling again changes nothing and answers the same.
    expect((await w.disable(ADMIN, { id: prefix._id })).active).toBe(false);
    await expect(w.disable(ADMIN, { id: "wh-missing" })).rejects.toBeInstanceOf(NotFound);

    expect(eventTypeMatches("tasks.*", "tasks.task.overdue")).toBe(true);
    expect(eventTypeMatches("tasks.task.*", "tasks.taskforce.x")).toBe(false);
  });

  it("list in pages, newest first", async () => {
    const { t, w } = admin();
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      t.clock.advance(60_000);
      made.push((await w.create(ADMIN, { url: `https://h${i}.vn/h`, eventTypes: ["tasks.*"], description: "" })).webhook._id);
    }
    const first = await w.list(ADMIN, { pageSize: 3 });
    const second = await w.list(ADMIN, { pageSize: 3, pageToken: first.nextPageToken });
    expect([...first.items, ...second.items].map((i) => i._id)).toEqual([...made].reverse());
    expect(second.nextPageToken).toBe("");
    expect(first.totalSize).toBe(5);
  });
});

describe("the delivery log", () => {
  it("lists deliveries newest first, filtered, in pages, without the messages", async () => {
    const { t, w } = admin();
    const base = t.clock.now().getTime();
    const at = (m: number) => new Date(base + m * 60_000);
    await t.insertDeliveries(
      emailDelivery("d-1", at(1)),
      emailDelivery("d-2", at(2), { status: "failed", lastError: "550 5.1.1 Mailbox unavailable" }),
      webhookDelivery("d-3", "wh-1", "https://a.vn/h", at(3)),
      webhookDelivery("d-4", "wh-2", "https://b.vn/h", at(4), { status: "sent", responseStatus: 200 }),
      emailDelivery("d-5", at(5), { recipientId: "nv.binh", eventId: "ev-x" }),
    );
    const ids = async (q: Parameters<WebhookAdmin["deliveries"]>[1]) => (await w.deliveries(ADMIN, q, {})).items.map((d) => d._id);
    expect(await ids({})).toEqual(["d-5", "d-4", "d-3", "d-2", "d-1"]);
    expect(await ids({ webhookId: "wh-1" })).toEqual(["d-3"]);
    expect(await ids({ channel: "webhook" })).toEqual(["d-4", "d-3"]);
    expect(await ids({ channel: "inbox" })).toEqual([]);
    expect(await ids({ status: "failed" })).toEqual(["d-2"]);
    expect(await ids({ recipientId: "nv.binh" })).toEqual(["d-5"]);
    expect(await ids({ eventId: "ev-x" })).toEqual(["d-5"]);

    const first = await w.deliveries(ADMIN, {}, { pageSize: 2 });
    expect(first.items.map((d) => d._id)).toEqual(["d-5", "d-4"]);
    expect(first.items[0]).not.toHaveProperty("email");
    expect(first.items[1]).not.toHaveProperty("webhook");
    const second = await w.deliveries(ADMIN, {}, { pageSize: 2, pageToken: first.nextPageToken });
    expect(second.items.map((d) => d._id)).toEqual(["d-3", "d-2"]);

    expect(await violations(w.deliveries(ADMIN, { webhookId: "x".repeat(129) }, {}))).toEqual(["webhook_id"]);
  });

  it("maps to proto through the handlers", async () => {
    const { t, w } = admin();
    const handlers = webhookAdminHandlers(w);
    await t.insertDeliveries(emailDelivery("d-1", t.clock.now(), { status: "failed", lastError: "550 no", attempts: 2 }));

    const created = await call<unknown, { webhook: { id: string; url: string; eventTypes: string[] }; secret: string }>(
      handlers.createWebhook,
      ADMIN,
      { requestId: "", url: "https://a.vn/h", eventTypes: ["tasks.*"], description: "Tích hợp" },
    );
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.webhook).toMatchObject({ url: "https://a.vn/h", eventTypes: ["tasks.*"] });

    const listed = await call<unknown, { webhooks: object[]; page: { totalSize: string } }>(handlers.listWebhooks, ADMIN, {});
    expect(listed.webhooks).toHaveLength(1);
    expect(listed.page.totalSize).toBe("1");
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(6));

    const log = await call<unknown, { deliveries: { delivery: object; recipientId: string; notificationId: string }[] }>(
      handlers.listDeliveries,
      ADMIN,
      {
        webhookId: "",
        recipientId: "",
        eventId: "",
        channel: Channel.CHANNEL_EMAIL,
        status: DeliveryStatus.DELIVERY_STATUS_FAILED,
      },
    );
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ recipientId: "nv.an", notificationId: "n-d-1" });
    expect(log.deliveries[0].delivery).toMatchObject({
      id: "d-1",
      channel: Channel.CHANNEL_EMAIL,
      status: DeliveryStatus.DELIVERY_STATUS_FAILED,
      attempts: 2,
      lastError: "550 no",
      target: "an.nv@moha.gov.vn",
      responseStatus: 0,
    });

    // An unknown enum value is a field violation, after the role check.
    await expect(
      call(handlers.listDeliveries, STAFF, { webhookId: "", recipientId: "", eventId: "", channel: 99, status: 0 }),
    ).rejects.toBeInstanceOf(PermissionDenied);
    expect(
      await violations(call(handlers.listDeliveries, ADMIN, { webhookId: "", recipientId: "", eventId: "", channel: 99, status: 42 })),
    ).toEqual(["channel", "status"]);

    const disabled = await call<unknown, { webhook: { active: boolean } }>(handlers.disableWebhook, ADMIN, {
      requestId: "",
      id: created.webhook.id,
    });
    expect(disabled.webhook.active).toBe(false);
  });

  it("maps a delivery for GetNotification", () => {
    const now = new Date("2020-03-30T01:00:00Z");
    expect(toProtoDelivery(emailDelivery("d-9", now, { status: "deferred", digestId: null }))).toEqual({
      id: "d-9",
      channel: Channel.CHANNEL_EMAIL,
      status: DeliveryStatus.DELIVERY_STATUS_DEFERRED,
      attempts: 0,
      notBefore: now,
      sentAt: undefined,
      lastError: "",
      digestId: "",
      createdAt: now,
      updatedAt: now,
      target: "an.nv@moha.gov.vn",
      responseStatus: 0,
    });
  });
});
