/**
 * The engine that turns a consumed event into notifications, by its rule: resolve the recipients in the
 * directory, then for each person make the inbox notification (with the person's next stream sequence)
 * and the email delivery as the person's preferences and quiet hours say, and for each matching webhook
 * subscription a webhook delivery. Everything is written in the consumer's transaction, with the event's
 * inbox record: a redelivered event changes nothing, and a crash leaves either all of it or none.
 * Ids derive from (event, recipient, channel), so the same event can never make a second email.
 * Sending happens after commit, in the dispatcher.
 */
import type { Logger, ReceivedEvent } from "@ministry/platform";
import type { ClientSession, Collection } from "mongodb";
import { Channel } from "@ministry/proto/ministry/notifications/v1/notifications";
import { deliveryId, mailMessageId, notificationId } from "../domain/ids.js";
import { DEFAULT_LOCALE, DEFAULT_TIME_ZONE, type Locale } from "../domain/model.js";
import { inboxWanted, planEmail } from "../domain/preferences.js";
import { NotificationEvents } from "../events/definitions.js";
import { categoryById } from "../rules/index.js";
import type { NotificationRule, RuleEnv, TemplateData } from "../rules/types.js";
import type { DirectoryStore } from "../store/directory-store.js";
import { newDelivery } from "../store/deliveries.js";
import { NOT_SNOOZED, type DeliveryDoc, type NotificationDoc, type PersonDoc, type StreamCounterDoc } from "../store/documents.js";
import { DELIVERIES, NOTIFICATIONS, STREAM_COUNTERS } from "../store/indexes.js";
import type { PreferencesStore } from "../store/preferences-store.js";
import type { WebhookStore } from "../store/webhook-store.js";
import type { TemplateRenderer } from "../templates/types.js";
import type { AppContext } from "./context.js";

export interface FanOutResult {
  recipients: number;
  notifications: number;
  emails: number;
  webhooks: number;
}

export class FanOut {
  private readonly notifications: Collection<NotificationDoc>;
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly counters: Collection<StreamCounterDoc>;
  private readonly env: RuleEnv;

  constructor(
    private readonly app: AppContext,
    private readonly parts: {
      directory: DirectoryStore;
      preferences: PreferencesStore;
      webhooks: WebhookStore;
      renderer: TemplateRenderer;
      /** Called after a transaction that made deliveries has ended: the dispatcher's nudge. */
      onDeliveries?: () => void;
      log: Logger;
    },
  ) {
    this.notifications = app.db.collection<NotificationDoc>(NOTIFICATIONS);
    this.deliveries = app.db.collection<DeliveryDoc>(DELIVERIES);
    this.counters = app.db.collection<StreamCounterDoc>(STREAM_COUNTERS);
    this.env = { officeUnitId: app.config.OFFICE_UNIT_ID };
  }

  async handle<T>(rule: NotificationRule<T>, event: ReceivedEvent<T>, session: ClientSession): Promise<FanOutResult> {
    const data = event.data;
    const eventType = rule.event.subject;
    const category = categoryById(rule.category);
    const critical = rule.critical(data, event.time);
    const subject = rule.subject(data);
    const templateData = rule.data(data, this.env);
    const actor = rule.actorId(data);
    const now = this.app.clock.now();

    const { people } = await this.parts.directory.resolve(rule.recipients(data, this.env), session);
    const recipients = people.filter((p) => p._id !== actor);
    const prefs = await this.parts.preferences.forPeople(
      recipients.map((p) => p._id),
      session,
    );

    const inboxRecipients = recipients.filter((p) => inboxWanted(prefs.get(p._id), rule.category, critical));
    const seqs = await this.nextSequences(
      inboxRecipients.map((p) => p._id),
      session,
    );
    const notifications: NotificationDoc[] = [];
    const deliveries: DeliveryDoc[] = [];
    for (const person of recipients) {
      const ctx = this.renderContext(person);
      const seq = seqs.get(person._id);
      const id = notificationId(event.id, person._id);
      if (seq !== undefined) {
        const inbox = this.parts.renderer.render({ eventType, channel: "inbox" }, templateData, ctx);
        notifications.push({
          _id: id,
          recipientId: person._id,
          seq,
          eventId: event.id,
          eventType,
          category: rule.category,
          critical,
          title: inbox.subject,
          body: inbox.text,
          subject,
          createdAt: now,
          read: false,
          readAt: null,
          archived: false,
          archivedAt: null,
          snoozedUntil: NOT_SNOOZED,
        });
      }
      const plan = planEmail({
        prefs: prefs.get(person._id),
        category: rule.category,
        defaultMode: category?.defaultEmailMode ?? "immediate",
        critical,
        hasAddress: person.email !== "",
        now,
        timeZone: ctx.timeZone,
      });
      const email = plan.status === "skipped" ? undefined : this.parts.renderer.render({ eventType, channel: "email" }, templateData, ctx);
      const dId = deliveryId(event.id, person._id, "email");
      deliveries.push(
        newDelivery(
          {
            _id: dId,
            channel: "email",
            kind: "notification",
            status: plan.status,
            eventId: event.id,
            eventType,
            category: rule.category,
            critical,
            recipientId: person._id,
            notificationId: seq !== undefined ? id : null,
            webhookId: null,
            target: person.email,
            email: email
              ? {
                  to: person.email,
                  toName: person.fullName,
                  subject: email.subject,
                  text: email.text,
                  html: email.html,
                  messageId: mailMessageId(dId, this.app.config.MAIL_FROM),
                }
              : null,
            webhook: null,
            notBefore: plan.notBefore,
            lastError: plan.reason ?? null,
          },
          now,
        ),
      );
    }
    const webhooks = await this.webhookDeliveries(rule, event, { eventType, critical, templateData, now, recipients }, session);
    deliveries.push(...webhooks);

    if (notifications.length > 0) await this.notifications.insertMany(notifications, { session });
    if (deliveries.length > 0) await this.deliveries.insertMany(deliveries, { session });
    if (notifications.length > 0) {
      await this.app.deps.outbox.add(
        session,
        notifications.map((n) =>
          NotificationEvents.delivered.of(n._id, {
            notificationId: n._id,
            recipientId: n.recipientId,
            eventId: n.eventId,
            eventType: n.eventType,
            category: n.category,
            channel: Channel.CHANNEL_INBOX,
            deliveryId: n._id,
            deliveredAt: now,
            attempts: 1,
            digestId: "",
          }),
        ),
      );
    }
    if (deliveries.some((d) => d.status === "pending") && this.parts.onDeliveries) {
      const nudge = this.parts.onDeliveries;
      session.once("ended", () => nudge());
    }
    return {
      recipients: recipients.length,
      notifications: notifications.length,
      emails: deliveries.filter((d) => d.channel === "email" && d.status !== "skipped").length,
      webhooks: webhooks.length,
    };
  }

  /**
   * Each person's next stream sequence. The counters are written in this transaction, so two fan-outs
   * to one person conflict and one retries after the other commits: a person's sequences are given in
   * commit order, which is what lets a live stream resume from the last one it sent without a gap.
   */
  private async nextSequences(ids: readonly string[], session: ClientSession): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    await this.counters.bulkWrite(
      ids.map((id) => ({ updateOne: { filter: { _id: id }, update: { $inc: { seq: 1 } }, upsert: true } })),
      { session, ordered: false },
    );
    const docs = await this.counters.find({ _id: { $in: [...ids] } }, { session }).toArray();
    return new Map(docs.map((d) => [d._id, d.seq]));
  }

  private renderContext(person: PersonDoc) {
    return {
      locale: (person.locale ?? DEFAULT_LOCALE) as Locale,
      timeZone: person.timeZone || DEFAULT_TIME_ZONE,
      recipientName: person.fullName,
      portalUrl: this.app.config.PORTAL_URL,
    };
  }

  /**
   * One delivery per matching subscription (not per person): an integration gets the event once, with
   * the people it was told to. The body follows Standard Webhooks' {type, timestamp, data}.
   */
  private async webhookDeliveries<T>(
    rule: NotificationRule<T>,
    event: ReceivedEvent<T>,
    info: { eventType: string; critical: boolean; templateData: TemplateData; now: Date; recipients: PersonDoc[] },
    session: ClientSession,
  ): Promise<DeliveryDoc[]> {
    const subscriptions = await this.parts.webhooks.matching(info.eventType, session);
    if (subscriptions.length === 0) return [];
    const summary = this.parts.renderer.render({ eventType: info.eventType, channel: "inbox" }, info.templateData, {
      locale: DEFAULT_LOCALE,
      timeZone: DEFAULT_TIME_ZONE,
      recipientName: "",
      portalUrl: this.app.config.PORTAL_URL,
    });
    const codec = rule.event.codec as { toJSON?: (m: T) => unknown };
    const body = JSON.stringify({
      type: info.eventType,
      timestamp: event.time.toISOString(),
      data: {
        eventId: event.id,
        eventType: info.eventType,
        source: event.source,
        subject: rule.subject(event.data),
        category: rule.category,
        critical: info.critical,
        title: summary.subject,
        body: summary.text,
        recipients: info.recipients.map((p) => p._id),
        event: codec.toJSON ? codec.toJSON(event.data) : null,
      },
    });
    return subscriptions.map((w) =>
      newDelivery(
        {
          _id: deliveryId(event.id, w._id, "webhook"),
          channel: "webhook",
          kind: "notification",
          status: "pending",
          eventId: event.id,
          eventType: info.eventType,
          category: rule.category,
          critical: info.critical,
          recipientId: w._id,
          notificationId: null,
          webhookId: w._id,
          target: w.url,
          email: null,
          webhook: { url: w.url, body },
        },
        info.now,
      ),
    );
  }
}
