#!/usr/bin/env node
/**
 * `embedded-mongo --port 27017 --data .data/mongo [--host 127.0.0.1] [--log-level info]`
 * Logs one JSON line `embedded-mongo ready` (with port and uri) when it accepts connections, and stops
 * cleanly on SIGINT/SIGTERM.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { DataDirError } from "./storage/persistence.js";
import { startEmbeddedMongo, StartupError } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "27017" },
    host: { type: "string", default: "127.0.0.1" },
    data: { type: "string" },
    "repl-set": { type: "string", default: "rs0" },
    "log-level": { type: "string", default: process.env.LOG_LEVEL ?? "info" },
    "ttl-interval-ms": { type: "string", default: "60000" },
  },
});

const log = pino({ name: "embedded-mongo", level: values["log-level"] });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal({ port: values.port }, "--port must be a port number (0 picks a free one)");
  process.exit(2);
}

const dataDir = values.data ? path.resolve(values.data) : undefined;

try {
  const server = await startEmbeddedMongo({
    port,
    host: values.host,
    dataDir,
    replSetName: values["repl-set"],
    ttlMonitorIntervalMs: Number(values["ttl-interval-ms"]),
    logger: log,
  });
  log.info({ port: server.port, uri: server.uri, dataDir: dataDir ?? null }, "embedded-mongo ready");
  const shutdown = (signal: string) => {
    log.info({ signal }, "embedded-mongo stopping");
    server.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, "embedded-mongo failed to stop cleanly");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
} catch (err) {
  const known = err instanceof StartupError || err instanceof DataDirError;
  log.fatal({ err: known ? undefined : err }, known ? (err as Error).message : "embedded-mongo failed to start");
  process.exit(1);
}
