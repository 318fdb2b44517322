/**
 * The Prometheus text of `/metrics`, named the Prometheus way. Instruments keep their OpenTelemetry
 * names and units (`rpc.server.call.duration`, unit `s`), which OTLP carries as they are; Prometheus
 * wants the unit in the name (`rpc_server_call_duration_seconds`) and counters ending in `_total`. The
 * OpenTelemetry Prometheus exporter (0.223) does the `_total` and the character mapping but leaves the
 * unit out of the name and prints `# UNIT` with the OpenTelemetry unit, so the unit is added here, as
 * the OpenTelemetry specification's Prometheus compatibility rules say: `s` → `_seconds`, `By` →
 * `_bytes`, `1` → `_ratio` on gauges, annotations in braces (`{event}`) dropped.
 */
import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { DataPointType, type MetricData, type ResourceMetrics } from "@opentelemetry/sdk-metrics";

/** OpenTelemetry (UCUM) units with a Prometheus base-unit word. */
const UNIT_WORDS: Record<string, string> = {
  s: "seconds",
  ms: "milliseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  "%": "percent",
};

/** The Prometheus unit word of a metric, or undefined when it has none (no unit, or only an annotation). */
export function prometheusUnit(metric: Pick<MetricData, "descriptor" | "dataPointType">): string | undefined {
  const unit = metric.descriptor.unit.replace(/\{[^}]*\}/g, "");
  if (unit === "") return undefined;
  if (unit === "1") return metric.dataPointType === DataPointType.GAUGE ? "ratio" : undefined;
  return UNIT_WORDS[unit] ?? unit.replace(/[^A-Za-z0-9_]+/g, "_");
}

/** The metric with its unit word at the end of its name (once) and as its unit; annotations dropped. */
function withUnitInName(metric: MetricData): MetricData {
  const unit = prometheusUnit(metric);
  const { name } = metric.descriptor;
  const named = unit === undefined || name.endsWith(`_${unit}`) || name.endsWith(`.${unit}`) ? name : `${name}_${unit}`;
  return { ...metric, descriptor: { ...metric.descriptor, name: named, unit: unit ?? "" } };
}

const serializer = new PrometheusSerializer();

/** Prometheus text (format 0.0.4) of what a reader collected. */
export function prometheusText(resourceMetrics: ResourceMetrics): string {
  return serializer.serialize({
    ...resourceMetrics,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({ ...scope, metrics: scope.metrics.map(withUnitInName) })),
  });
}
