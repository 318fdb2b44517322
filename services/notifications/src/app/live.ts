/**
 * Live streams of new notifications, per person. A stream keeps the last sequence it sent and reads the
 * person's notifications after it (seq > last) whenever it is woken; it is woken by the service's own
 * `notifications.notification.delivered` events for the inbox channel (published by the outbox relay
 * after the fan-out committed, so whichever replica made the notification, every replica hears of it),
 * and by a slow timer in case a wake-up was lost (a NATS reconnect). Reading from the database by
 * sequence, not forwarding the events, is what makes a reconnect with the last seen id miss nothing and
 * repeat nothing.
 */
import { FailedPrecondition, NotFound, type EventBus, type Logger } from "@ministry/platform";
import { NotificationDelivered } from "@ministry/proto/ministry/notifications/v1/events";
import { Channel } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { NotificationDoc } from "../store/documents.js";
import type { NotificationStore } from "../store/notification-store.js";
import type { AppContext } from "./context.js";

/** Notifications read per pass of one stream. */
const BATCH = 100;

/** Streams one person may hold open on one replica (a portal per device and tab; not thousands). */
export const MAX_STREAMS_PER_PERSON = 20;

export interface LiveSink {
  /** Sends one notification; resolves when the transport can take more (back-pressure). */
  send(notification: NotificationDoc, unreadCount: number): Promise<void>;
  readonly closed: boolean;
}

class LiveStream {
  private reading = false;
  private again = false;

  constructor(
    readonly recipientId: string,
    private cursor: number,
    private readonly sink: LiveSink,
    private readonly store: NotificationStore,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /** Reads and sends what is new; a wake-up during a pass makes one more pass. */
  async wake(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.sink.closed) return;
          const batch = await this.store.after(this.recipientId, this.cursor, BATCH);
          if (batch.length === 0) break;
          const unread = await this.store.unreadCount(this.recipientId, this.now());
          for (const n of batch) {
            if (this.sink.closed) return;
            await this.sink.send(n, unread);
            this.cursor = n.seq;
          }
          if (batch.length < BATCH) break;
        }
      } while (this.again);
    } catch (err) {
      this.log.warn({ err, recipient: this.recipientId }, "live stream pass failed; the next wake-up tries again");
    } finally {
      this.reading = false;
    }
  }
}

export class LiveHub {
  private readonly streams = new Map<string, Set<LiveStream>>();
  private timer: NodeJS.Timeout | undefined;
  private subscription: { unsubscribe(): void } | undefined;

  constructor(
    private readonly app: AppContext,
    private readonly store: NotificationStore,
    private readonly opts: { bus: EventBus; log: Logger; sweepIntervalMs?: number },
  ) {}

  start(): void {
    this.subscription = this.opts.bus.nc.subscribe("notifications.notification.delivered", {
      callback: (err, msg) => {
        if (err) return;
        try {
          const event = NotificationDelivered.decode(msg.data);
          if (event.channel === Channel.CHANNEL_INBOX) this.wake(event.recipientId);
        } catch (e) {
          this.opts.log.warn({ err: e }, "undecodable delivered event on the live subject");
        }
      },
    });
    const sweep = this.opts.sweepIntervalMs ?? 5_000;
    this.timer = setInterval(() => {
      for (const id of this.streams.keys()) this.wake(id);
    }, sweep);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.streams.clear();
  }

  /** Connected streams, for metrics. */
  get size(): number {
    let n = 0;
    for (const set of this.streams.values()) n += set.size;
    return n;
  }

  wake(recipientId: string): void {
    const set = this.streams.get(recipientId);
    if (!set) return;
    for (const s of set) void s.wake();
  }

  /**
   * Opens a stream for the person: after `afterId` (one of the person's notifications, else NOT_FOUND),
   * or from now. Returns the function that closes it.
   */
  async open(recipientId: string, afterId: string | undefined, sink: LiveSink): Promise<() => void> {
    if ((this.streams.get(recipientId)?.size ?? 0) >= MAX_STREAMS_PER_PERSON) {
      throw new FailedPrecondition(
        `Đã mở quá ${MAX_STREAMS_PER_PERSON} luồng thông báo / More than ${MAX_STREAMS_PER_PERSON} live streams open; close one first`,
        "TOO_MANY_STREAMS",
      );
    }
    let cursor: number;
    if (afterId) {
      const last = await this.store.own(recipientId, afterId);
      if (!last) throw new NotFound("Không tìm thấy thông báo after_id / after_id: notification not found");
      cursor = last.seq;
    } else {
      cursor = await this.store.lastSeq(recipientId);
    }
    const stream = new LiveStream(recipientId, cursor, sink, this.store, () => this.app.clock.now(), this.opts.log);
    let set = this.streams.get(recipientId);
    if (!set) {
      set = new Set();
      this.streams.set(recipientId, set);
    }
    set.add(stream);
    // What arrived between the cursor and now (a resumption's backlog) goes out at once.
    void stream.wake();
    return () => {
      const current = this.streams.get(recipientId);
      current?.delete(stream);
      if (current?.size === 0) this.streams.delete(recipientId);
    };
  }
}
