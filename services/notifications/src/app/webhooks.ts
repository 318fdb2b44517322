/**
 * Admins' webhook subscriptions and the delivery log: create (the signing secret is returned once),
 * list (never with the secret), disable, and the deliveries of every channel, newest first. The role is
 * checked before anything else, so a caller who is not an admin learns nothing, not even whether a
 * webhook exists.
 */
import { randomUUID } from "node:crypto";
import {
  FieldChecks,
  NotFound,
  keysetPage,
  requireRole,
  type FieldViolation,
  type Identity,
  type KeysetPage,
  type PageRequest,
  type ResultCodec,
} from "@ministry/platform";
import type { Document, Filter } from "mongodb";
import { newWebhookSecret, WEBHOOK_SECRET_PREFIX } from "../channels/webhook.js";
import {
  FIELDS,
  MAX_DESCRIPTION_LENGTH,
  MAX_EVENT_TYPE_LENGTH,
  MAX_ID_LENGTH,
  MAX_URL_LENGTH,
  MAX_WEBHOOK_EVENT_TYPES,
} from "../domain/limits.js";
import type { ChannelName, DeliveryStatusName } from "../domain/model.js";
import type { DeliveryDoc, WebhookDoc } from "../store/documents.js";
import { DELIVERIES } from "../store/indexes.js";
import type { WebhookStore } from "../store/webhook-store.js";
import { actorOf, type AppContext } from "./context.js";

/** A webhook as admins see it: everything but the secret. */
export type WebhookView = Omit<WebhookDoc, "secret">;

export interface CreateWebhookCommand {
  requestId?: string;
  url: string;
  eventTypes: string[];
  description: string;
}

export interface DeliveryQuery {
  webhookId?: string;
  recipientId?: string;
  eventId?: string;
  channel?: Exclude<ChannelName, "inbox"> | "inbox";
  status?: DeliveryStatusName;
}

/** "tasks.task.overdue": lower-case words joined by dots, as event subjects are. */
const EXACT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/u;
/** "tasks.task.*", "tasks.*": a prefix of words, then ".*". */
const PREFIX_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/u;

function notFound(): NotFound {
  return new NotFound("Không tìm thấy webhook / Webhook not found");
}

function view(doc: WebhookDoc): WebhookView {
  const { secret: _secret, ...rest } = doc;
  return rest;
}

/** A webhook view kept in the request log; dates survive the round trip as BSON dates. */
const webhookCodec: ResultCodec<WebhookView> = {
  toDocument: (w) => ({ value: w }),
  fromDocument: (d) => (d as { value: WebhookView }).value,
};

export function checkWebhookUrl(checks: FieldChecks, field: string, raw: string): string {
  const url = raw.trim();
  if (url === "") {
    checks.add(field, "Bắt buộc", "Required");
    return url;
  }
  if (!checks.length(field, url, MAX_URL_LENGTH, FIELDS.url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    checks.add(field, "Địa chỉ không hợp lệ", "Not a valid URL");
    return url;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    checks.add(field, "Chỉ nhận địa chỉ http hoặc https", "Only http and https URLs are accepted");
  else if (parsed.username || parsed.password)
    // The URL is shown in lists and the delivery log; a receiver authenticates us by the signature.
    checks.add(field, "Địa chỉ không được chứa tên đăng nhập hay mật khẩu", "The URL must not carry a user name or password");
  return url;
}

export function checkEventTypes(checks: FieldChecks, field: string, raw: readonly string[]): string[] {
  if (raw.length === 0) {
    checks.add(field, "Cần ít nhất một loại sự kiện", "At least one event type is required");
    return [];
  }
  if (!checks.count(field, raw, MAX_WEBHOOK_EVENT_TYPES, FIELDS.eventTypes)) return [];
  const types: string[] = [];
  for (const [i, value] of raw.entries()) {
    const t = value.trim();
    const at = `${field}[${i}]`;
    if (!checks.length(at, t, MAX_EVENT_TYPE_LENGTH, FIELDS.eventType)) continue;
    if (!EXACT_TYPE.test(t) && !PREFIX_TYPE.test(t)) {
      checks.add(
        at,
        'Loại sự kiện như "tasks.task.overdue", hoặc tiền tố kết thúc bằng ".*" như "tasks.task.*"',
        'An event type such as "tasks.task.overdue", or a prefix ending in ".*" such as "tasks.task.*"',
      );
      continue;
    }
    if (!types.includes(t)) types.push(t);
  }
  return types;
}

function optionalId(checks: FieldChecks, field: string, value: string | undefined): string | undefined {
  const v = (value ?? "").trim();
  checks.length(field, v, MAX_ID_LENGTH, FIELDS.id);
  return v || undefined;
}

export class WebhookAdmin {
  constructor(
    private readonly app: AppContext,
    private readonly store: WebhookStore,
  ) {}

  /** A new subscription and its secret ("whsec_…"), which nothing returns again. */
  async create(identity: Identity, command: CreateWebhookCommand): Promise<{ webhook: WebhookView; secret: string }> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    const url = checkWebhookUrl(checks, "url", command.url ?? "");
    const eventTypes = checkEventTypes(checks, "event_types", command.eventTypes ?? []);
    const description = (command.description ?? "").trim();
    checks.length("description", description, MAX_DESCRIPTION_LENGTH, FIELDS.description);
    checks.check();

    const webhook = await this.app.once(
      "CreateWebhook",
      identity,
      { requestId: command.requestId, target: "webhook", body: { url, eventTypes, description } },
      webhookCodec,
      async (session) => {
        const now = this.app.clock.now();
        const doc: WebhookDoc = {
          _id: `wh-${randomUUID()}`,
          url,
          eventTypes,
          description,
          secret: newWebhookSecret().slice(WEBHOOK_SECRET_PREFIX.length),
          active: true,
          createdAt: now,
          createdBy: identity.userId,
          updatedAt: now,
        };
        await this.store.collection.insertOne(doc, { session });
        await this.app.record(
          session,
          actorOf(identity),
          "webhook.create",
          { type: "webhook", id: doc._id },
          { url, eventTypes, description },
        );
        return view(doc);
      },
    );
    // The request log holds the view only; the secret is read back from the subscription, so a retried
    // request gets it too and no second copy of it is ever stored.
    const stored = await this.store.get(webhook._id);
    if (!stored) throw notFound();
    return { webhook, secret: `${WEBHOOK_SECRET_PREFIX}${stored.secret}` };
  }

  async list(identity: Identity, page: PageRequest): Promise<KeysetPage<WebhookView>> {
    requireRole(identity, "admin");
    const result = await keysetPage(
      this.store.collection,
      { list: "webhooks", filter: {}, sort: [["createdAt", -1]], projection: { secret: 0 } },
      page,
      { now: this.app.clock.now() },
    );
    return { ...result, items: result.items.map(view) };
  }

  /** Stops new deliveries; those already waiting are recorded as skipped when their turn comes. */
  async disable(identity: Identity, command: { requestId?: string; id: string }): Promise<WebhookView> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    const id = (command.id ?? "").trim();
    if (id === "") checks.add("id", "Bắt buộc", "Required");
    else checks.length("id", id, MAX_ID_LENGTH, FIELDS.id);
    checks.check();
    return this.app.once(
      "DisableWebhook",
      identity,
      { requestId: command.requestId, target: `webhook:${id}`, body: { id } },
      webhookCodec,
      async (session) => {
        const current = await this.store.get(id, session);
        if (!current) throw notFound();
        if (!current.active) return view(current);
        const now = this.app.clock.now();
        const updated = await this.store.collection.findOneAndUpdate(
          { _id: id, active: true },
          { $set: { active: false, updatedAt: now } },
          { session, returnDocument: "after" },
        );
        if (!updated) throw notFound();
        await this.app.record(
          session,
          actorOf(identity),
          "webhook.disable",
          { type: "webhook", id },
          { active: { from: true, to: false } },
        );
        return view(updated);
      },
    );
  }

  /**
   * Deliveries of every channel, newest first, filtered as asked. `violations`: what the caller's
   * request already failed (an unknown enum value), reported with the rest after the role check.
   */
  async deliveries(
    identity: Identity,
    query: DeliveryQuery,
    page: PageRequest,
    violations: readonly FieldViolation[] = [],
  ): Promise<KeysetPage<DeliveryDoc>> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    checks.violations.push(...violations);
    const webhookId = optionalId(checks, "webhook_id", query.webhookId);
    const recipientId = optionalId(checks, "recipient_id", query.recipientId);
    const eventId = optionalId(checks, "event_id", query.eventId);
    checks.check();
    const filter: Filter<DeliveryDoc> = {};
    if (webhookId) filter.webhookId = webhookId;
    if (recipientId) filter.recipientId = recipientId;
    if (eventId) filter.eventId = eventId;
    // Inbox notifications have no delivery record: asking for them lists nothing, as it should.
    if (query.channel) filter.channel = query.channel as DeliveryDoc["channel"];
    if (query.status) filter.status = query.status;
    return keysetPage(
      this.app.db.collection<DeliveryDoc>(DELIVERIES),
      {
        list: "deliveries",
        filter: filter as Filter<Document>,
        sort: [["createdAt", -1]],
        // The messages themselves (bodies, addresses' mail) are not part of the log's rows.
        projection: { email: 0, webhook: 0 },
      },
      page,
      { now: this.app.clock.now() },
    );
  }
}
