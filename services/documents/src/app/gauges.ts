/**
 * Domain gauge on the service's /metrics: incoming documents awaiting handling, by the unit that must act
 * now — the lead unit of a routed or in-progress document, the Office (OFFICE_UNIT_ID: the clerk, and the
 * leader it was submitted to) for one received, registered, submitted, directed or returned. For the
 * operators' page and dashboard. Read from MongoDB at each scrape.
 */
import { metrics, type BatchObservableCallback } from "@opentelemetry/api";
import type { Logger } from "@ministry/platform";
import type { AppContext } from "./context.js";

const AT_THE_OFFICE = ["received", "registered", "submitted", "directed", "returned"];
const AT_THE_UNIT = ["routed", "in_progress"];

export function registerDocumentGauges(app: AppContext, log: Logger): () => void {
  const meter = metrics.getMeter("ministry-documents");
  const awaiting = meter.createObservableGauge("documents.awaiting_handling", {
    description: "Incoming documents not yet handled, by the unit that must act on them now",
    unit: "{document}",
  });
  // Units reported once stay reported (at 0 when cleared): the exporter would otherwise repeat a unit's
  // last value for ever after its last document was handled.
  const seen = new Set<string>();
  const callback: BatchObservableCallback = async (result) => {
    try {
      const office = app.settings.officeUnitId;
      const rows = await app.documents.collection
        .find(
          { direction: "incoming", status: { $in: [...AT_THE_OFFICE, ...AT_THE_UNIT] } },
          { projection: { _id: 0, status: 1, "incoming.routing.leadUnit": 1 } },
        )
        .toArray();
      // The Office is always reported, so the series exists (at 0) before the first document arrives.
      seen.add(office);
      const counts = new Map<string, number>([...seen].map((u) => [u, 0]));
      for (const r of rows) {
        const unit = AT_THE_UNIT.includes(r.status) ? (r.incoming?.routing?.leadUnit ?? office) : office;
        counts.set(unit, (counts.get(unit) ?? 0) + 1);
      }
      for (const [unit, count] of counts) {
        seen.add(unit);
        result.observe(awaiting, count, { unit });
      }
    } catch (err) {
      log.debug({ err }, "document gauges unavailable");
    }
  };
  meter.addBatchObservableCallback(callback, [awaiting]);
  return () => meter.removeBatchObservableCallback(callback, [awaiting]);
}
