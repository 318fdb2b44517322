/**
 * The daily digest: at a fixed local time (DIGEST_TIME, e.g. 07:30, in each person's time zone) the
 * person's email deliveries waiting in status "digest" are gathered into one email. Driven by the clock
 * port, so a test moves time to 07:30 and runs it.
 *
 * One digest per person and local day: the digest record ("<person>|<day>") is written in the same
 * transaction that moves the items to "digested" and makes the digest's delivery, so two replicas running
 * the job at once conflict on it (and on the items) instead of both sending; an item gathered once is
 * never gathered again.
 */
import type { Logger } from "@ministry/platform";
import { inTransaction } from "@ministry/platform";
import type { Collection } from "mongodb";
import { deliveryId, digestId, mailMessageId } from "../domain/ids.js";
import { localDateTime, minutesOf } from "../domain/local-time.js";
import { DEFAULT_LOCALE, DEFAULT_TIME_ZONE, type Locale } from "../domain/model.js";
import type { DirectoryStore } from "../store/directory-store.js";
import { newDelivery } from "../store/deliveries.js";
import type { DeliveryDoc, DigestDoc, NotificationDoc } from "../store/documents.js";
import { DELIVERIES, DIGESTS, NOTIFICATIONS } from "../store/indexes.js";
import type { TemplateRenderer } from "../templates/types.js";
import type { AppContext } from "./context.js";

/** Items one digest lists; more wait for the next day's (a person on leave for weeks). */
const MAX_DIGEST_ITEMS = 200;

export interface DigestRun {
  digests: number;
  items: number;
}

export class DigestJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly digests: Collection<DigestDoc>;

  constructor(
    private readonly app: AppContext,
    private readonly parts: { directory: DirectoryStore; renderer: TemplateRenderer; onDigests?: () => void; log: Logger },
  ) {
    this.deliveries = app.db.collection<DeliveryDoc>(DELIVERIES);
    this.digests = app.db.collection<DigestDoc>(DIGESTS);
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((err: unknown) => this.parts.log.warn({ err }, "digest run failed; the next one tries again"))
        .finally(() => {
          this.running = undefined;
        });
    }, this.app.config.DIGEST_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async runOnce(): Promise<DigestRun> {
    const now = this.app.clock.now();
    const waiting = (await this.deliveries.distinct("recipientId", {
      status: "digest",
      channel: "email",
      createdAt: { $lte: now },
    })) as string[];
    if (waiting.length === 0) return { digests: 0, items: 0 };
    const people = await this.parts.directory.getPeople(waiting);
    const byId = new Map(people.map((p) => [p._id, p]));
    const due = minutesOf(this.app.config.DIGEST_TIME);
    let digests = 0;
    let items = 0;
    for (const personId of waiting) {
      const person = byId.get(personId);
      const timeZone = person?.timeZone || DEFAULT_TIME_ZONE;
      const local = localDateTime(now, timeZone);
      if (local.minutes < due) continue;
      const id = digestId(personId, local.date);
      const made = await inTransaction(this.app.deps.client, async (session) => {
        if (await this.digests.findOne({ _id: id }, { session })) return 0;
        const gathered = await this.deliveries
          .find({ recipientId: personId, status: "digest", channel: "email", createdAt: { $lte: now } }, { session })
          .sort({ createdAt: 1 })
          .limit(MAX_DIGEST_ITEMS)
          .toArray();
        if (gathered.length === 0 || !person || !person.active || person.email === "") {
          // Nobody to send to any more: the items are closed as skipped, so they do not wait forever.
          if (gathered.length > 0) {
            await this.deliveries.updateMany(
              { _id: { $in: gathered.map((g) => g._id) } },
              { $set: { status: "skipped", lastError: "Người nhận không còn địa chỉ thư / no active recipient address", updatedAt: now } },
              { session },
            );
          }
          return 0;
        }
        const notes = await this.app.db
          .collection<NotificationDoc>(NOTIFICATIONS)
          .find({ _id: { $in: gathered.map((g) => g.notificationId).filter((n): n is string => n !== null) } }, { session })
          .toArray();
        const noteById = new Map(notes.map((n) => [n._id, n]));
        const message = this.parts.renderer.render(
          { eventType: "digest", channel: "email" },
          {
            date: now,
            count: gathered.length,
            items: gathered.map((g) => {
              const note = g.notificationId ? noteById.get(g.notificationId) : undefined;
              return {
                title: note?.title ?? g.email?.subject ?? "",
                body: note?.body ?? "",
                createdAt: g.createdAt,
                critical: g.critical,
                link: note?.subject ? `/${note.subject.type}s/${note.subject.id}` : "",
              };
            }),
          },
          {
            locale: (person.locale ?? DEFAULT_LOCALE) as Locale,
            timeZone,
            recipientName: person.fullName,
            portalUrl: this.app.config.PORTAL_URL,
          },
        );
        const dId = deliveryId(id, personId, "email");
        await this.digests.insertOne(
          { _id: id, personId, localDate: local.date, deliveryIds: gathered.map((g) => g._id), createdAt: now },
          { session },
        );
        await this.deliveries.updateMany(
          { _id: { $in: gathered.map((g) => g._id) }, status: "digest" },
          { $set: { status: "digested", digestId: id, updatedAt: now } },
          { session },
        );
        await this.deliveries.insertOne(
          newDelivery(
            {
              _id: dId,
              channel: "email",
              kind: "digest",
              status: "pending",
              eventId: id,
              eventType: "digest",
              category: "digest",
              critical: false,
              recipientId: personId,
              notificationId: null,
              webhookId: null,
              target: person.email,
              email: {
                to: person.email,
                toName: person.fullName,
                subject: message.subject,
                text: message.text,
                html: message.html,
                messageId: mailMessageId(dId, this.app.config.MAIL_FROM),
              },
              webhook: null,
              digestId: id,
            },
            now,
          ),
          { session },
        );
        return gathered.length;
      });
      if (made > 0) {
        digests += 1;
        items += made;
      }
    }
    if (digests > 0) this.parts.onDigests?.();
    return { digests, items };
  }
}
