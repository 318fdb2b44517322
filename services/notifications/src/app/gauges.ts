/**
 * Domain gauges on the service's /metrics, for the operators' dashboard: deliveries by channel and state
 * (a growing "pending" or "failed" is mail or a receiver in trouble), and the live streams connected.
 * Read from MongoDB at each scrape.
 */
import { metrics, type BatchObservableCallback } from "@opentelemetry/api";
import type { Logger } from "@ministry/platform";
import type { DeliveryDoc } from "../store/documents.js";
import { DELIVERIES } from "../store/indexes.js";
import type { AppContext } from "./context.js";
import type { LiveHub } from "./live.js";

/** States worth watching; "sent", "digested" and "skipped" only grow and say nothing about trouble. */
const WATCHED = ["pending", "deferred", "digest", "failed"] as const;

export function registerNotificationGauges(app: AppContext, live: LiveHub, log: Logger): () => void {
  const meter = metrics.getMeter("ministry-notifications");
  const deliveries = meter.createObservableGauge("notifications.deliveries", {
    description: "Email and webhook deliveries waiting (pending, deferred by quiet hours, for the digest) or failed for good, by channel",
    unit: "{delivery}",
  });
  const streams = meter.createObservableGauge("notifications.live_streams", {
    description: "Live notification streams open on this replica",
    unit: "{stream}",
  });
  const callback: BatchObservableCallback = async (result) => {
    result.observe(streams, live.size);
    try {
      const rows = await app.db
        .collection<DeliveryDoc>(DELIVERIES)
        .aggregate<{ _id: { channel: string; status: string }; count: number }>([
          { $match: { status: { $in: [...WATCHED] } } },
          { $group: { _id: { channel: "$channel", status: "$status" }, count: { $sum: 1 } } },
        ])
        .toArray();
      const counts = new Map(rows.map((r) => [`${r._id.channel}|${r._id.status}`, r.count]));
      // Every pair is reported, with 0 when empty, so a queue that drains shows it.
      for (const channel of ["email", "webhook"]) {
        for (const status of WATCHED) result.observe(deliveries, counts.get(`${channel}|${status}`) ?? 0, { channel, status });
      }
    } catch (err) {
      log.debug({ err }, "notification gauges unavailable");
    }
  };
  meter.addBatchObservableCallback(callback, [deliveries, streams]);
  return () => meter.removeBatchObservableCallback(callback, [deliveries, streams]);
}
