/**
 * The bench's own processes beside nats-server and the embedded MongoDB (the platform's): the tasks
 * service and the gateway, each started as the dev stack starts it (scripts/dev-stack.ts serviceEnv:
 * DEV_MODE, one local signing key in AUTH_LOCAL_KEY_PATH, its ports), and the bare fastify floor.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchChild, freePort, jsonLine, startBenchChild, startBenchScript, waitForHttpOk } from "@ministry/platform/testing";

export const root = fileURLToPath(new URL("../../../", import.meta.url));
const benchDir = fileURLToPath(new URL(".", import.meta.url));

export interface Running {
  child: BenchChild;
  pid: number;
  logFile: string;
}

/** The newest modification time of any file under `dir` (ms). */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * How to run a service: its built dist/main.js when that is newer than its sources, else src/main.ts
 * through tsx (the code as it is now: a stale build would measure code that no longer exists; tsx only
 * compiles at load, the running code is the same).
 */
export function entryOf(service: string, note: (line: string) => void): string[] {
  const dir = path.join(root, "services", service);
  const built = path.join(dir, "dist/main.js");
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestUnder(path.join(dir, "src"))) return [built];
  note(`services/${service}/dist is missing or older than its src/: running src/main.ts through tsx (pnpm build for the built one)`);
  return ["--import", import.meta.resolve("tsx"), path.join(dir, "src/main.ts")];
}

/** The environment a service runs with: the caller's without pnpm's variables and NODE_OPTIONS, plus `vars`. */
function serviceEnv(vars: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DEV_MODE: "true", ...vars };
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  delete env.NODE_OPTIONS;
  return env;
}

async function startService(
  name: string,
  entry: string[],
  vars: NodeJS.ProcessEnv,
  opts: { dir: string; adminPort: number; nodeArgs?: string[] },
): Promise<Running> {
  const logFile = path.join(opts.dir, `${name}.log`);
  const child = startBenchChild(name, process.execPath, [...(opts.nodeArgs ?? []), ...entry], {
    env: serviceEnv(vars),
    cwd: path.join(root, "services", name),
    logFile,
  });
  await waitForHttpOk(`http://127.0.0.1:${opts.adminPort}/readyz`, child, { logFile, timeoutMs: 120_000 });
  return { child, pid: child.proc.pid!, logFile };
}

export interface StackOptions {
  dir: string;
  mongoUri: string;
  natsUrl: string;
  keyPath: string;
  logLevel: string;
  note: (line: string) => void;
}

/** The tasks service, its own seed off: the bench creates the programme and tasks it measures. */
export async function startTasks(o: StackOptions): Promise<Running & { address: string; adminUrl: string }> {
  const [grpcPort, adminPort] = [await freePort(), await freePort()];
  const running = await startService(
    "tasks",
    entryOf("tasks", o.note),
    {
      SERVICE_NAME: "tasks",
      MONGODB_URI: o.mongoUri,
      NATS_URL: o.natsUrl,
      AUTH_LOCAL_KEY_PATH: o.keyPath,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(grpcPort),
      ADMIN_PORT: String(adminPort),
      SEED_DATA: "false",
      // The bench's 2020 tasks are overdue by the real clock: no watch alerting them mid-run.
      DEADLINE_WATCH_INTERVAL_MS: "3600000",
      LOG_LEVEL: o.logLevel,
    },
    { dir: o.dir, adminPort },
  );
  return { ...running, address: `127.0.0.1:${grpcPort}`, adminUrl: `http://127.0.0.1:${adminPort}` };
}

/**
 * The gateway (dist/main.js, or src/main.ts through tsx), pointed at the tasks service; its rate limits
 * raised out of the way (the bench is one person at 64 connections: a limit would measure 429s).
 * `cpuProfDir`: it runs with --cpu-prof and writes its profile there when it stops.
 */
export async function startGatewayProcess(
  o: StackOptions & { tasksAddress: string; tasksAdminUrl: string; cpuProfDir?: string },
): Promise<Running & { url: string }> {
  const [httpPort, adminPort] = [await freePort(), await freePort()];
  // BENCH_GATEWAY_NODE_ARGS: Node flags to try on the gateway (e.g. --max-semi-space-size=32).
  const extra = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const nodeArgs = [...(o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`] : []), ...extra];
  const running = await startService(
    "gateway",
    // BENCH_GATEWAY_ENTRY: another main.ts to measure (a patched copy of the gateway), through tsx.
    process.env.BENCH_GATEWAY_ENTRY
      ? ["--import", import.meta.resolve("tsx"), path.resolve(process.env.BENCH_GATEWAY_ENTRY)]
      : entryOf("gateway", o.note),
    {
      SERVICE_NAME: "gateway",
      AUTH_LOCAL_KEY_PATH: o.keyPath,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(httpPort),
      ADMIN_PORT: String(adminPort),
      TASKS_GRPC_ADDR: o.tasksAddress,
      TASKS_ADMIN_URL: o.tasksAdminUrl,
      RATE_LIMIT_PER_USER: "1000000000",
      RATE_LIMIT_PER_IP: "1000000000",
      LOG_LEVEL: o.logLevel,
    },
    { dir: o.dir, adminPort, nodeArgs },
  );
  return { ...running, url: `http://127.0.0.1:${httpPort}` };
}

/** bench/bare-http.ts answering with the bodies in `bodiesFile`. */
export async function startBareHttp(bodiesFile: string): Promise<{ url: string; pid: number; child: BenchChild }> {
  const child = startBenchScript("bare fastify", path.join(benchDir, "bare-http.ts"), [bodiesFile]);
  const { port } = await jsonLine<{ port: number }>(child, "ready");
  return { url: `http://127.0.0.1:${port}`, pid: child.proc.pid!, child };
}
