/**
 * Tracing and metrics of the event path. The meter is taken when a component is built, not at import,
 * because the OpenTelemetry metrics API has no proxy: a meter taken before the global provider is
 * registered would stay a no-op.
 */
import { metrics, trace, type Meter, type Tracer } from "@opentelemetry/api";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";

export const INSTRUMENTATION_NAME = "ministry.platform";

export function eventsTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_NAME);
}

export function eventsMeter(): Meter {
  return metrics.getMeter(INSTRUMENTATION_NAME);
}

/** Semantic-convention attribute names for messaging spans. */
export const ATTR = {
  system: "messaging.system",
  destination: "messaging.destination.name",
  operation: "messaging.operation.type",
  messageId: "messaging.message.id",
  consumerGroup: "messaging.consumer.group.name",
  deliveryCount: "messaging.nats.delivery_count",
  eventType: "cloudevents.event_type",
  eventSubject: "cloudevents.event_subject",
} as const;

export function toMsgHdrs(record: Record<string, string>): MsgHdrs {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(record)) h.set(k, v);
  return h;
}

/** First value of each header, names as sent. */
export function fromMsgHdrs(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}
