/**
 * What the delivery tests share: the embedded MongoDB (one per test file, a fresh database per test),
 * an AppContext over it with a real Outbox and a ManualClock, delivery documents, a webhook receiver on
 * node:http that answers from a script, and `until`, the one place these tests wait (polling a condition).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  AuditLog,
  ManualClock,
  Outbox,
  RequestLog,
  connectMongo,
  createLogger,
  type Identity,
  type Logger,
  type MongoConnection,
  type OutboxRecord,
} from "@ministry/platform";
import { NotificationDelivered, NotificationFailed } from "@ministry/proto/ministry/notifications/v1/events";
import { AppContext } from "../../src/app/context.js";
import { notificationsConfigSchema } from "../../src/config.js";
import { NotificationEvents } from "../../src/events/definitions.js";
import { newDelivery } from "../../src/store/deliveries.js";
import type { DeliveryDoc, EmailMessage, WebhookDoc } from "../../src/store/documents.js";
import { DELIVERIES, WEBHOOKS } from "../../src/store/indexes.js";

export const log: Logger = createLogger("notifications-test", "silent");
export const MAIL_FROM = '"Bộ Nội vụ - Hệ thống thông báo" <thongbao@moha.gov.vn>';
export const ADMIN: Identity = { userId: "quantri", name: "Quản trị hệ thống", roles: ["admin"] };
export const STAFF: Identity = { userId: "nv.an", name: "Nguyễn Văn An", roles: ["staff"], unitId: "VP" };

let mongo: MongoConnection | undefined;
let dbCount = 0;

export async function startMongo(): Promise<void> {
  mongo = await connectMongo({ uri: undefined, dbName: "unused", allowEmbedded: true, monitorCommands: false });
}

export async function stopMongo(): Promise<void> {
  await mongo?.close();
  mongo = undefined;
}

export interface TestApp {
  app: AppContext;
  clock: ManualClock;
  outbox: Outbox;
  insertDeliveries(...docs: DeliveryDoc[]): Promise<void>;
  delivery(id: string): Promise<DeliveryDoc>;
  insertWebhook(doc: Partial<WebhookDoc> & { _id: string; secret: string; url: string }): Promise<void>;
  /** Committed events of one kind, decoded, with their aggregate (ce-subject) and id. */
  delivered(): Promise<{ aggregateId: string; eventId: string; data: NotificationDelivered }[]>;
  failed(): Promise<{ aggregateId: string; eventId: string; data: NotificationFailed }[]>;
}

/** A fresh database in the file's server, and an AppContext over it. */
export function newApp(clock = new ManualClock("2020-03-30T01:00:00Z")): TestApp {
  if (!mongo) throw new Error("startMongo() first");
  dbCount += 1;
  const db = mongo.client.db(`delivery_${process.pid}_${dbCount}`);
  const outbox = new Outbox({ db, clock, log });
  const app = new AppContext({
    client: mongo.client,
    db,
    clock,
    outbox,
    audit: new AuditLog(db, { clock }),
    requests: new RequestLog(mongo.client, db, { clock }),
    config: notificationsConfigSchema.parse({}),
    log,
  });
  const deliveries = db.collection<DeliveryDoc>(DELIVERIES);
  const records = async (type: string) =>
    (await outbox.records.find({ type }).sort({ seq: 1 }).toArray()).map((r: OutboxRecord) => ({
      aggregateId: r.aggregateId,
      eventId: r.eventId,
      bytes: r.data instanceof Uint8Array ? r.data : new Uint8Array(r.data.buffer),
    }));
  return {
    app,
    clock,
    outbox,
    async insertDeliveries(...docs) {
      await deliveries.insertMany(docs);
    },
    async delivery(id) {
      const d = await deliveries.findOne({ _id: id });
      if (!d) throw new Error(`no delivery ${id}`);
      return d;
    },
    async insertWebhook(doc) {
      const now = clock.now();
      await db.collection<WebhookDoc>(WEBHOOKS).insertOne({
        eventTypes: ["tasks.*"],
        description: "",
        active: true,
        createdAt: now,
        createdBy: ADMIN.userId,
        updatedAt: now,
        ...doc,
      });
    },
    async delivered() {
      return (await records(NotificationEvents.delivered.type)).map((r) => ({ ...r, data: NotificationDelivered.decode(r.bytes) }));
    },
    async failed() {
      return (await records(NotificationEvents.failed.type)).map((r) => ({ ...r, data: NotificationFailed.decode(r.bytes) }));
    },
  };
}

export const VIETNAMESE_MAIL = {
  subject: "Nhiệm vụ quá hạn: Xây dựng Đề án vị trí việc làm trong cơ quan hành chính",
  text: "Kính gửi đồng chí Nguyễn Văn An,\n\nNhiệm vụ «Xây dựng Đề án vị trí việc làm» đã quá hạn hoàn thành (31/03/2020).\nTrân trọng.",
  html: "<p>Kính gửi đồng chí <b>Nguyễn Văn An</b>,</p><p>Nhiệm vụ «Xây dựng Đề án vị trí việc làm» đã quá hạn hoàn thành (31/03/2020).</p>",
};

export function emailMessage(id: string, overrides: Partial<EmailMessage> = {}): EmailMessage {
  return { to: "an.nv@moha.gov.vn", toName: "Nguyễn Văn An", ...VIETNAMESE_MAIL, messageId: `<${id}@moha.gov.vn>`, ...overrides };
}

/** A pending email delivery as the fan-out writes one, due at `now`. */
export function emailDelivery(id: string, now: Date, overrides: Partial<DeliveryDoc> = {}): DeliveryDoc {
  return newDelivery(
    {
      _id: id,
      channel: "email",
      kind: "notification",
      status: "pending",
      eventId: `ev-${id}`,
      eventType: "tasks.task.overdue",
      category: "task_deadline",
      critical: true,
      recipientId: "nv.an",
      notificationId: `n-${id}`,
      webhookId: null,
      target: "an.nv@moha.gov.vn",
      email: emailMessage(id),
      webhook: null,
      ...overrides,
    },
    now,
  );
}

export function webhookDelivery(id: string, webhookId: string, url: string, now: Date, overrides: Partial<DeliveryDoc> = {}): DeliveryDoc {
  const body = JSON.stringify({
    type: "tasks.task.overdue",
    timestamp: now.toISOString(),
    data: { eventId: `ev-${id}`, title: "Nhiệm vụ quá hạn: Xây dựng Đề án vị trí việc làm", recipients: ["nv.an"] },
  });
  return emailDelivery(id, now, {
    channel: "webhook",
    recipientId: webhookId,
    notificationId: null,
    webhookId,
    target: url,
    email: null,
    webhook: { url, body },
    ...overrides,
  });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Statuses to answer with, in order; 200 once they are used up. "hang" never answers. */
  script: (number | "hang")[];
  close(): Promise<void>;
}

/** A webhook receiver on node:http that records every request and answers from its script. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const script: (number | "hang")[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const next = script.shift() ?? 200;
      if (next === "hang") return;
      if (next >= 300 && next < 400) res.setHeader("location", "/elsewhere");
      res.writeHead(next, { "content-type": "text/plain; charset=utf-8" });
      res.end(next >= 400 ? `lỗi ${next} / error ${next}` : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ministry`,
    requests,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The one way these tests wait: the platform's polling `until`.
export { until } from "@ministry/platform/testing";
