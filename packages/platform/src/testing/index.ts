export * from "./nats-server.js";
export * from "./echo-service.js";
export * from "./bench.js";
export * from "./bench-load.js";
export * from "./bench-processes.js";
export * from "./bench-table.js";
export * from "./field-paths.js";
export * from "./grpc-clients.js";
export * from "./until.js";
export * from "./table-texts.js";
export * from "./cpu-profile.js";
// Services' tests start the service with a span exporter where they need tracing on (startService's
// `spanExporter`), without a dependency of their own on the SDK.
export { InMemorySpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace-base";
