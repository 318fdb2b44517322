#!/usr/bin/env node
/**
 * `mail-sink --port 2525 --host 127.0.0.1 --dir .data/mail`
 * Prints one line when it listens and one per message (recipients, subject, file), and stops cleanly on
 * SIGINT/SIGTERM. A taken port stops it with a message naming the port and a non-zero exit.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { startMailSink } from "./index.js";

const USAGE = "usage: mail-sink [--port 2525] [--host 127.0.0.1] [--dir .data/mail] [--max-bytes 10485760]";

function fail(message: string): never {
  process.stderr.write(`mail-sink: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: { port: string; host: string; dir: string; "max-bytes": string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "2525" },
      host: { type: "string", default: "127.0.0.1" },
      dir: { type: "string", default: ".data/mail" },
      "max-bytes": { type: "string", default: String(10 * 1024 * 1024) },
      help: { type: "boolean", short: "h" },
    },
  }) as { values: typeof values });
} catch (err) {
  fail((err as Error).message);
}

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number (0 picks a free one), got "${values.port}"`);
const maxBytes = Number(values["max-bytes"]);
if (!Number.isInteger(maxBytes) || maxBytes < 1) fail(`--max-bytes must be a positive whole number, got "${values["max-bytes"]}"`);
const dir = path.resolve(values.dir);

try {
  // A long-running sink keeps only the last messages in memory; every one is on disk.
  const sink = await startMailSink({
    port,
    host: values.host,
    dir,
    maxMessageBytes: maxBytes,
    keep: 100,
    log: (line) => console.log(line),
  });
  console.log(`mail-sink listening on ${sink.url}, storing in ${dir}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`mail-sink: ${signal}, stopping after ${sink.received} message(s)`);
    sink.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EADDRINUSE") fail(`port ${port} on ${values.host} is already in use`);
  fail(e.message);
}
