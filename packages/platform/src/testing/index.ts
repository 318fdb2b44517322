export * from "./nats-server.js";
export * from "./echo-service.js";
export * from "./bench.js";
export * from "./field-paths.js";
