/**
 * `node --import tsx services/documents/exchange-simulator/main.ts --port 18790 --data-dir .data/exchange`
 * Starts the simulated Government Office exchange endpoint. Prints one line when it listens and one per
 * request; stops cleanly on SIGINT/SIGTERM. Credentials come from the environment, as the documents
 * service gets them: EXCHANGE_USERNAME and EXCHANGE_PASSWORD (Basic) or EXCHANGE_TOKEN (Bearer); none: open.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import type { ExchangeCredentials } from "../src/exchange/connector.js";
import { startExchangeSimulator } from "./simulator.js";

const USAGE =
  "usage: main.ts [--port 18790] [--host 127.0.0.1] [--data-dir DIR] [--no-arrived-status] [--quiet]\n" +
  "  env: EXCHANGE_USERNAME + EXCHANGE_PASSWORD (Basic) or EXCHANGE_TOKEN (Bearer) for the ministry's credentials";

function fail(message: string): never {
  process.stderr.write(`exchange-simulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: { port: string; host: string; "data-dir"?: string; "no-arrived-status"?: boolean; quiet?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "18790" },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string" },
      "no-arrived-status": { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
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

function credentialsFromEnv(env: NodeJS.ProcessEnv): ExchangeCredentials | undefined {
  if (env.EXCHANGE_TOKEN) return { token: env.EXCHANGE_TOKEN };
  if (env.EXCHANGE_USERNAME || env.EXCHANGE_PASSWORD) {
    if (!env.EXCHANGE_USERNAME || !env.EXCHANGE_PASSWORD) fail("EXCHANGE_USERNAME and EXCHANGE_PASSWORD go together");
    return { username: env.EXCHANGE_USERNAME, password: env.EXCHANGE_PASSWORD };
  }
  return undefined;
}

const credentials = credentialsFromEnv(process.env);
const dataDir = values["data-dir"] ? path.resolve(values["data-dir"]) : undefined;

try {
  const simulator = await startExchangeSimulator({
    port,
    host: values.host,
    dataDir,
    credentials,
    arrivedStatus: !values["no-arrived-status"],
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  const auth = credentials ? ("token" in credentials ? "bearer token" : `basic, user ${credentials.username}`) : "no authentication";
  console.log(`exchange-simulator listening on ${simulator.url} (${auth})${dataDir ? `, state in ${dataDir}` : ", state in memory"}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`exchange-simulator: ${signal}, stopping`);
    simulator.stop().then(
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
