/**
 * Trace-context carriers for gRPC metadata and the RPC instruments. Instruments are looked up again when
 * the global meter provider changes, because the OpenTelemetry metrics API has no proxy: an instrument
 * created before `startTelemetry` would stay a no-op for the life of the process.
 */
import type { Metadata } from "@grpc/grpc-js";
import {
  metrics,
  trace,
  type Counter,
  type Histogram,
  type MeterProvider,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from "@opentelemetry/api";

const INSTRUMENTATION_NAME = "ministry.platform";

/** Stable RPC semantic conventions (semconv 1.45). */
export const RPC_ATTR = {
  system: "rpc.system.name",
  method: "rpc.method",
  statusCode: "rpc.status_code",
  serverAddress: "server.address",
  peerAddress: "network.peer.address",
  peerPort: "network.peer.port",
} as const;

export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    return typeof values[0] === "string" ? values[0] : undefined;
  },
};

export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

export function rpcTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_NAME);
}

/** Seconds, per the RPC conventions; boundaries from 1 ms to 30 s. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface RpcInstruments {
  provider: MeterProvider;
  serverCalls: Counter;
  serverDuration: Histogram;
  clientDuration: Histogram;
}

let instruments: RpcInstruments | undefined;

export function rpcInstruments(): RpcInstruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_NAME);
  instruments = {
    provider,
    serverCalls: meter.createCounter("rpc.server.calls", { description: "gRPC calls served, by method and status code" }),
    serverDuration: meter.createHistogram("rpc.server.call.duration", {
      description: "Duration of gRPC calls served",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    clientDuration: meter.createHistogram("rpc.client.call.duration", {
      description: "Duration of outgoing gRPC calls, retries included",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
  return instruments;
}
