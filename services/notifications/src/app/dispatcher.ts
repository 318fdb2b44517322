/**
 * Sends what the fan-out and the digest recorded: email and webhook deliveries, after their commit.
 *
 * A delivery is due when it is pending or deferred, its notBefore has come by the SERVICE clock (quiet
 * hours are domain time), and by REAL time its retry time has come and no dispatcher holds its lease.
 * A dispatcher claims one delivery at a time with one atomic update (lease + attempts), so two replicas
 * never send the same delivery at once; it sends, then records the outcome with a fence (the lease it
 * took and its attempt number): the sent or failed state and its event (NotificationDelivered or
 * NotificationFailed) commit in one transaction, or not at all.
 *
 * At least once: if the process dies between the SMTP server (or the webhook receiver) accepting and the
 * commit that records it, the lease runs out and another pass sends it again. Both copies carry the
 * same deterministic Message-ID (email) or webhook-id (webhook), which is how a mail system or a
 * receiver recognises the repeat. Nothing cheaper closes that window: the accept and our commit are two
 * systems.
 *
 * Retries: a transient failure leaves the delivery pending with retryAt = now + a back-off doubling from
 * retryBaseMs up to retryMaxMs, with full jitter (uniform in [0, cap)) so a receiver coming back is not
 * hit by every waiting delivery at once. A permanent failure, or the maxAttempts-th transient one, fails
 * it for good.
 */
import { inTransaction, type Logger, type OutgoingEvent } from "@ministry/platform";
import { Channel } from "@ministry/proto/ministry/notifications/v1/notifications";
import { metrics, type Counter, type Histogram } from "@opentelemetry/api";
import type { ClientSession, Collection, Filter } from "mongodb";
import { WEBHOOK_SECRET_PREFIX } from "../channels/webhook.js";
import type { EmailSender, SendOutcome, WebhookSender } from "../channels/types.js";
import { NotificationEvents } from "../events/definitions.js";
import type { DeliveryDoc, WebhookDoc } from "../store/documents.js";
import { DELIVERIES, WEBHOOKS } from "../store/indexes.js";
import type { AppContext } from "./context.js";

export const NO_SMTP_SERVER = "Chưa cấu hình máy chủ thư (SMTP_URL) / no SMTP server configured";
const WEBHOOK_DISABLED = "Webhook đã bị tắt / the webhook is disabled";
const WEBHOOK_MISSING = "Webhook không còn tồn tại / the webhook no longer exists";
const NO_MESSAGE = "Bản ghi không có nội dung để gửi / the delivery holds no message to send";

/** Long enough for the slowest send (the email sender's timeouts add up to about 80 s); a crashed holder's deliveries wait this long. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface DispatcherOptions {
  /** Sends at the same time. */
  concurrency: number;
  /** How often to look for due deliveries besides being nudged (deferred ones, retries, a crashed peer's). */
  pollIntervalMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  log: Logger;
  /** How long a claim holds a delivery (real time). */
  leaseMs?: number;
}

export interface DispatchResult {
  sent: number;
  failed: number;
  /** Transient failures that will be tried again. */
  retried: number;
  skipped: number;
}

type Outcome = keyof DispatchResult;

/** The delay before the next attempt after `attempts` attempts: full jitter over a doubling cap. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(random() * cap);
}

function channelToProto(channel: DeliveryDoc["channel"]): Channel {
  return channel === "email" ? Channel.CHANNEL_EMAIL : Channel.CHANNEL_WEBHOOK;
}

export class Dispatcher {
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly webhooks: Collection<WebhookDoc>;
  private readonly log: Logger;
  private readonly leaseMs: number;
  private readonly outcomes: Counter;
  private readonly sendTime: Histogram;
  private running = false;
  private stopping = false;
  private nudged = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly passes = new Set<Promise<DispatchResult>>();

  constructor(
    private readonly app: AppContext,
    private readonly channels: { email?: EmailSender; webhooks: WebhookSender },
    private readonly opts: DispatcherOptions,
  ) {
    this.deliveries = app.db.collection<DeliveryDoc>(DELIVERIES);
    this.webhooks = app.db.collection<WebhookDoc>(WEBHOOKS);
    this.log = opts.log.child({ component: "dispatcher" });
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const meter = metrics.getMeter("ministry.notifications");
    this.outcomes = meter.createCounter("notifications.deliveries", {
      description: "Delivery attempts by channel and outcome (sent, retried, failed, skipped)",
      unit: "{delivery}",
    });
    this.sendTime = meter.createHistogram("notifications.delivery.duration", {
      description: "Time to send one delivery (SMTP accept or webhook answer)",
      unit: "s",
    });
  }

  /** Starts the loop: a pass now, then one per nudge and one per poll interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops claiming; sends in flight finish and are recorded before it resolves. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.passes]);
    this.loop = undefined;
  }

  /** Wakes the loop now (called after a fan-out or a digest commits deliveries). */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** One pass: sends every due delivery, up to `concurrency` at a time, until none is left. */
  runOnce(): Promise<DispatchResult> {
    const pass = this.pass();
    this.passes.add(pass);
    const forget = () => this.passes.delete(pass);
    pass.then(forget, forget);
    return pass;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      try {
        await this.runOnce();
      } catch (err) {
        this.log.error({ err }, "dispatch pass failed; trying again at the next poll");
      }
      if (!this.running) break;
      if (this.nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.opts.pollIntervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  private async pass(): Promise<DispatchResult> {
    const result: DispatchResult = { sent: 0, failed: 0, retried: 0, skipped: 0 };
    // One attempt per delivery per pass: a retry whose back-off ends during the pass (full jitter may
    // draw next to nothing) waits for the next pass instead of spinning in this one.
    const passStart = new Date();
    const worker = async () => {
      while (!this.stopping) {
        const claimed = await this.claim(passStart);
        if (!claimed) return;
        const outcome = await this.process(claimed);
        if (outcome) result[outcome] += 1;
      }
    };
    const workers = Array.from({ length: Math.max(1, this.opts.concurrency) }, worker);
    const settled = await Promise.allSettled(workers);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) throw failure.reason;
    return result;
  }

  /** Takes the oldest due delivery for this dispatcher alone (until its lease runs out), or null. */
  private async claim(passStart: Date): Promise<DeliveryDoc | null> {
    const real = new Date();
    const due: Filter<DeliveryDoc> = {
      status: { $in: ["pending", "deferred"] },
      notBefore: { $lte: this.app.clock.now() },
      $and: [
        { $or: [{ retryAt: null }, { retryAt: { $lt: passStart } }] },
        { $or: [{ leaseUntil: null }, { leaseUntil: { $lte: real } }] },
      ],
    };
    return this.deliveries.findOneAndUpdate(
      due,
      // A deferred delivery whose quiet hours are over is simply pending from here on.
      { $set: { status: "pending", leaseUntil: new Date(real.getTime() + this.leaseMs) }, $inc: { attempts: 1 } },
      { sort: { notBefore: 1, _id: 1 }, returnDocument: "after" },
    );
  }

  /** Sends a claimed delivery and records what happened; undefined when another dispatcher took it over meanwhile. */
  private async process(d: DeliveryDoc): Promise<Outcome | undefined> {
    const started = performance.now();
    let outcome: SendOutcome | { skip: string };
    try {
      outcome = await this.send(d);
    } catch (err) {
      // A sender is not supposed to throw; if one does, the attempt counts as a transient failure.
      outcome = { ok: false, permanent: false, error: (err as Error)?.message?.slice(0, 500) || "send failed" };
    }
    if (!("skip" in outcome)) this.sendTime.record((performance.now() - started) / 1000, { channel: d.channel });
    try {
      const recorded = await this.record(d, outcome);
      if (recorded) this.outcomes.add(1, { channel: d.channel, outcome: recorded });
      return recorded;
    } catch (err) {
      // The lease runs out and another pass takes it again: at least once.
      this.log.error({ err, deliveryId: d._id }, "could not record a delivery's outcome; it will be tried again when its lease runs out");
      return undefined;
    }
  }

  private async send(d: DeliveryDoc): Promise<SendOutcome | { skip: string }> {
    if (d.channel === "email") {
      if (!this.channels.email) return { skip: NO_SMTP_SERVER };
      if (!d.email) return { ok: false, permanent: true, error: NO_MESSAGE };
      return this.channels.email.send(d.email);
    }
    // The subscription is read at send time: a webhook disabled since the fan-out gets nothing more.
    const webhook = d.webhookId ? await this.webhooks.findOne({ _id: d.webhookId }) : null;
    if (!webhook) return { skip: WEBHOOK_MISSING };
    if (!webhook.active) return { skip: WEBHOOK_DISABLED };
    if (!d.webhook) return { ok: false, permanent: true, error: NO_MESSAGE };
    return this.channels.webhooks.send({
      id: d._id,
      url: d.webhook.url,
      body: d.webhook.body,
      secret: `${WEBHOOK_SECRET_PREFIX}${webhook.secret}`,
    });
  }

  /** Writes the outcome if this dispatcher still holds the delivery; returns what it recorded. */
  private async record(d: DeliveryDoc, outcome: SendOutcome | { skip: string }): Promise<Outcome | undefined> {
    // The fence: the claim this dispatcher made. Had its lease run out and another taken the delivery,
    // that one's attempt is the one on record.
    const fence: Filter<DeliveryDoc> = { _id: d._id, attempts: d.attempts, leaseUntil: d.leaseUntil };
    const now = this.app.clock.now();
    if ("skip" in outcome) {
      const r = await this.deliveries.updateOne(fence, {
        $set: { status: "skipped", lastError: outcome.skip, leaseUntil: null, retryAt: null, updatedAt: now },
        // Nothing was attempted.
        $inc: { attempts: -1 },
      });
      return r.matchedCount === 1 ? "skipped" : undefined;
    }
    if (!outcome.ok && !outcome.permanent && d.attempts < this.opts.maxAttempts) {
      const delay = retryDelay(d.attempts, this.opts.retryBaseMs, this.opts.retryMaxMs);
      const r = await this.deliveries.updateOne(fence, {
        $set: {
          status: "pending",
          retryAt: new Date(Date.now() + delay),
          leaseUntil: null,
          lastError: outcome.error,
          responseStatus: outcome.responseStatus ?? null,
          updatedAt: now,
        },
      });
      if (r.matchedCount === 1)
        this.log.info(
          { deliveryId: d._id, channel: d.channel, attempts: d.attempts, delayMs: delay, error: outcome.error },
          "delivery will be retried",
        );
      return r.matchedCount === 1 ? "retried" : undefined;
    }
    return inTransaction(this.app.deps.client, async (session) => {
      if (outcome.ok) return (await this.markSent(session, fence, d, outcome, now)) ? "sent" : undefined;
      const reason =
        outcome.permanent || this.opts.maxAttempts <= 1
          ? outcome.error
          : `${outcome.error} (sau ${d.attempts} lần thử / after ${d.attempts} attempts)`;
      return (await this.markFailed(session, fence, d, reason, outcome.responseStatus, now)) ? "failed" : undefined;
    });
  }

  private markSent(
    session: ClientSession,
    fence: Filter<DeliveryDoc>,
    d: DeliveryDoc,
    outcome: Extract<SendOutcome, { ok: true }>,
    now: Date,
  ): Promise<boolean> {
    const digestId = d.kind === "digest" ? (d.digestId ?? "") : "";
    const event = NotificationEvents.delivered.of(
      d.notificationId ?? d._id,
      { ...terminalEventFields(d), deliveredAt: now, digestId },
      // One terminal event per delivery: a re-publish is dropped by its id.
      { id: `${d._id}.delivered`, time: now },
    );
    return this.settle(session, fence, { status: "sent", sentAt: now, responseStatus: outcome.responseStatus ?? null }, event, now);
  }

  private async markFailed(
    session: ClientSession,
    fence: Filter<DeliveryDoc>,
    d: DeliveryDoc,
    reason: string,
    responseStatus: number | undefined,
    now: Date,
  ): Promise<boolean> {
    const event = NotificationEvents.failed.of(
      d.notificationId ?? d._id,
      { ...terminalEventFields(d), failedAt: now, reason },
      { id: `${d._id}.failed`, time: now },
    );
    const settled = await this.settle(
      session,
      fence,
      { status: "failed", lastError: reason, responseStatus: responseStatus ?? null },
      event,
      now,
    );
    if (settled) this.log.warn({ deliveryId: d._id, channel: d.channel, attempts: d.attempts, reason }, "delivery failed for good");
    return settled;
  }

  /**
   * Records a delivery's last state under the claim's fence, releasing the lease, and its event; false
   * when the fence no longer holds (the lease ran out and another dispatcher claimed it), and then
   * nothing is recorded.
   */
  private async settle(
    session: ClientSession,
    fence: Filter<DeliveryDoc>,
    state: Pick<DeliveryDoc, "status" | "responseStatus"> & Partial<Pick<DeliveryDoc, "sentAt" | "lastError">>,
    event: OutgoingEvent<unknown>,
    now: Date,
  ): Promise<boolean> {
    const r = await this.deliveries.updateOne(fence, { $set: { ...state, leaseUntil: null, retryAt: null, updatedAt: now } }, { session });
    if (r.matchedCount !== 1) return false;
    await this.app.deps.outbox.add(session, event);
    return true;
  }
}

/** What NotificationDelivered and NotificationFailed both say of a delivery. */
function terminalEventFields(d: DeliveryDoc) {
  return {
    notificationId: d.notificationId ?? "",
    recipientId: d.recipientId,
    eventId: d.eventId,
    eventType: d.eventType,
    category: d.category,
    channel: channelToProto(d.channel),
    deliveryId: d._id,
    attempts: d.attempts,
  };
}
