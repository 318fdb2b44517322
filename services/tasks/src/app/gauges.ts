/**
 * Domain gauges on the service's /metrics: overdue tasks by lead unit, for the operators' dashboard and
 * its alert rule ("nothing may become overdue unnoticed"). Read from MongoDB at each scrape.
 */
import { metrics, type BatchObservableCallback } from "@opentelemetry/api";
import type { Logger } from "@ministry/platform";
import type { AppContext } from "./context.js";
import { ACTIVE_STATUSES } from "./task-queries.js";

export function registerTaskGauges(app: AppContext, log: Logger): () => void {
  const meter = metrics.getMeter("ministry-tasks");
  const overdue = meter.createObservableGauge("tasks.overdue", {
    description: "Tasks not submitted or completed whose deadline has passed, by lead unit",
    unit: "{task}",
  });
  const callback: BatchObservableCallback = async (result) => {
    try {
      const rows = await app.tasks.collection
        .aggregate<{ _id: string; count: number }>([
          { $match: { status: { $in: [...ACTIVE_STATUSES] }, deadline: { $lt: app.clock.now() } } },
          { $group: { _id: "$leadUnit", count: { $sum: 1 } } },
        ])
        .toArray();
      const counts = new Map(rows.map((r) => [r._id, r.count]));
      // Every unit is reported, with 0 when it has nothing overdue, so a unit clearing its backlog shows.
      for (const unit of app.vocabulary.units) result.observe(overdue, counts.get(unit.id) ?? 0, { unit: unit.id });
    } catch (err) {
      log.debug({ err }, "task gauges unavailable");
    }
  };
  meter.addBatchObservableCallback(callback, [overdue]);
  return () => meter.removeBatchObservableCallback(callback, [overdue]);
}
