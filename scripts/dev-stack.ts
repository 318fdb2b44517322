/**
 * The dev stack runner (`scripts/dev`, `pnpm start`). Starts nats-server with JetStream and the embedded
 * MongoDB-compatible server, each with its data under DEV_DATA_DIR, then every service under services/*
 * that has a `start` script; waits until all of them are ready; prints where everything listens; streams
 * every process's output prefixed with its name; on SIGINT/SIGTERM stops the services, then MongoDB, then
 * NATS, and exits 0.
 *
 * Settings (environment variables):
 *   DEV_HOST              interface everything listens on                     127.0.0.1
 *   NATS_PORT             NATS client port                                    14222
 *   NATS_MONITOR_PORT     NATS HTTP monitoring port (/healthz)                18222
 *   MONGO_PORT            embedded MongoDB port                               17017
 *   DEV_GRPC_BASE_PORT    first service's GRPC_PORT; the next get +1, +2 ...  15051
 *   DEV_ADMIN_BASE_PORT   first service's ADMIN_PORT; likewise                19091
 *   GATEWAY_HTTP_PORT     the gateway's HTTP_PORT (when services/gateway is)  18080
 *   DEV_DATA_DIR          data directory (nats/ and mongo/ inside)            <repo>/.data
 *   DEV_SERVICES_DIR      where services are found                            <repo>/services
 *   DEV_SERVICES          comma-separated services to start, or "none"        all of them
 *   DEV_READY_TIMEOUT_MS  how long start-up may take                          60000
 *   DEV_STOP_TIMEOUT_MS   how long each process may take to stop              20000
 *   MONGO_LOG_LEVEL       the embedded MongoDB's log level                    info
 *   SEED_DATA             services load their seed data when the database lacks it   true
 *
 * Every service gets AUTH_LOCAL_KEY_PATH=<data>/auth/signing-key.pem: one signing key for the default
 * run's tokens (scripts/token prints one for a seeded person).
 *
 * The defaults stay clear of the usual ports (4222, 27017), which a system nats-server or mongod may hold.
 * Every port is checked before anything starts; a taken one is named with the variable that moves it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// The official driver is a dependency of the platform package (pnpm does not hoist it to the root).
const requireFromPlatform = createRequire(path.join(root, "packages/platform/package.json"));
const { MongoClient } = requireFromPlatform("mongodb") as typeof import("mongodb");

const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
const COLORS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];
const LAST_LINES = 30;

// A reader closing our pipe (`pnpm start | head`) must not crash the runner mid-shutdown.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

// ---------------------------------------------------------------------------------------------- settings

interface Settings {
  host: string;
  natsPort: number;
  natsMonitorPort: number;
  mongoPort: number;
  grpcBasePort: number;
  adminBasePort: number;
  gatewayHttpPort: number;
  dataDir: string;
  servicesDir: string;
  only: string[] | undefined;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  mongoLogLevel: string;
}

class UsageError extends Error {}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const invokedFrom = env.DEV_INVOKED_FROM ?? process.cwd();
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const port = (name: string, fallback: number) => int(name, fallback, 1, 65535);
  const only = env.DEV_SERVICES?.trim();
  const settings: Settings = {
    host: env.DEV_HOST || "127.0.0.1",
    natsPort: port("NATS_PORT", 14222),
    natsMonitorPort: port("NATS_MONITOR_PORT", 18222),
    mongoPort: port("MONGO_PORT", 17017),
    grpcBasePort: port("DEV_GRPC_BASE_PORT", 15051),
    adminBasePort: port("DEV_ADMIN_BASE_PORT", 19091),
    gatewayHttpPort: port("GATEWAY_HTTP_PORT", 18080),
    dataDir: path.resolve(invokedFrom, env.DEV_DATA_DIR || path.join(root, ".data")),
    servicesDir: path.resolve(invokedFrom, env.DEV_SERVICES_DIR || path.join(root, "services")),
    only:
      only === undefined || only === ""
        ? undefined
        : only === "none"
          ? []
          : only
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
    readyTimeoutMs: int("DEV_READY_TIMEOUT_MS", 60_000, 1_000, 3_600_000),
    stopTimeoutMs: int("DEV_STOP_TIMEOUT_MS", 20_000, 500, 600_000),
    mongoLogLevel: env.MONGO_LOG_LEVEL || "info",
  };
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return settings;
}

// ---------------------------------------------------------------------------------------------- services

interface ServiceSpec {
  name: string;
  dir: string;
  start: string;
  grpcPort: number;
  adminPort: number;
  httpPort?: number;
}

function discoverServices(settings: Settings): ServiceSpec[] {
  const found: { name: string; dir: string; start: string }[] = [];
  const entries = fs.existsSync(settings.servicesDir) ? fs.readdirSync(settings.servicesDir, { withFileTypes: true }) : [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(settings.servicesDir, entry.name);
    const manifest = path.join(dir, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> };
    const start = pkg.scripts?.start;
    if (typeof start === "string" && start.trim() !== "") found.push({ name: entry.name, dir, start });
  }
  if (settings.only) {
    const unknown = settings.only.filter((n) => !found.some((f) => f.name === n));
    if (unknown.length > 0) {
      throw new UsageError(
        `DEV_SERVICES names ${unknown.join(", ")}, not found in ${settings.servicesDir} (with a start script): ${found.map((f) => f.name).join(", ") || "none there"}`,
      );
    }
  }
  // Ports follow the alphabetical position among all services, so DEV_SERVICES does not move them.
  return found
    .map((f, i) => ({
      ...f,
      grpcPort: settings.grpcBasePort + i,
      adminPort: settings.adminBasePort + i,
      httpPort: f.name === "gateway" ? settings.gatewayHttpPort : undefined,
    }))
    .filter((s) => !settings.only || settings.only.includes(s.name));
}

// ---------------------------------------------------------------------------------------------- ports

interface PortClaim {
  owner: string;
  what: string;
  port: number;
  variable: string;
}

function portClaims(settings: Settings, services: ServiceSpec[]): PortClaim[] {
  const claims: PortClaim[] = [
    { owner: "nats", what: "NATS client port", port: settings.natsPort, variable: "NATS_PORT" },
    { owner: "nats", what: "NATS monitoring port", port: settings.natsMonitorPort, variable: "NATS_MONITOR_PORT" },
    { owner: "mongodb", what: "MongoDB port", port: settings.mongoPort, variable: "MONGO_PORT" },
  ];
  for (const s of services) {
    claims.push({ owner: s.name, what: `${s.name} gRPC port`, port: s.grpcPort, variable: "DEV_GRPC_BASE_PORT" });
    claims.push({ owner: s.name, what: `${s.name} admin port`, port: s.adminPort, variable: "DEV_ADMIN_BASE_PORT" });
    if (s.httpPort !== undefined)
      claims.push({ owner: s.name, what: `${s.name} HTTP port`, port: s.httpPort, variable: "GATEWAY_HTTP_PORT" });
  }
  return claims;
}

function probePort(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      resolve(err.code === "EADDRINUSE" ? "is already in use" : `cannot be opened (${err.code ?? err.message})`);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

async function portProblems(host: string, claims: PortClaim[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<number, PortClaim>();
  for (const claim of claims) {
    const earlier = seen.get(claim.port);
    if (earlier) {
      problems.push(
        `port ${claim.port} is wanted twice: ${earlier.what} (${earlier.variable}) and ${claim.what} (${claim.variable}); change one of them`,
      );
      continue;
    }
    seen.set(claim.port, claim);
    const problem = await probePort(host, claim.port);
    if (problem)
      problems.push(
        `port ${claim.port} (${claim.what}) on ${host} ${problem}: set ${claim.variable} to a free port, e.g. ${claim.variable}=${suggestPort(claim.port)}`,
      );
  }
  return problems;
}

function suggestPort(port: number): number {
  return port + 10_000 <= 65535 ? port + 10_000 : port - 10_000;
}

// ---------------------------------------------------------------------------------------------- processes

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let colorIndex = 0;
let prefixWidth = 7;

class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<ExitInfo>;
  readonly stopSignal: NodeJS.Signals;
  exitInfo: ExitInfo | undefined;
  /** Set once we asked it to stop: its exit is then expected. */
  stopping = false;
  killed = false;
  private readonly child: ChildProcess;
  private readonly prefix: string;
  private readonly lineWaiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv; stopSignal: NodeJS.Signals },
  ) {
    const color = COLORS[colorIndex++ % COLORS.length];
    const label = `[${name}]`.padEnd(prefixWidth + 2);
    this.prefix = useColor ? `\x1b[${color}m${label}\x1b[0m ` : `${label} `;
    this.stopSignal = opts.stopSignal;
    // Its own process group: Ctrl-C reaches only the runner, which then stops everything in order,
    // and a stop signal reaches the whole group (a shell and what it started).
    this.child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => {
      this.child.once("error", (err) => {
        this.record(`failed to start: ${err.message}`, process.stderr);
        this.exitInfo ??= { code: 127, signal: null };
        resolve(this.exitInfo);
      });
      this.child.once("close", (code, signal) => {
        this.exitInfo ??= { code, signal };
        resolve(this.exitInfo);
      });
    });
    this.pipe(this.child.stdout!, process.stdout);
    this.pipe(this.child.stderr!, process.stderr);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Resolves on the first output line that matches. */
  waitForLine(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      const existing = this.lines.find(match);
      if (existing !== undefined) return resolve(existing);
      this.lineWaiters.push({ match, resolve });
    });
  }

  private pipe(stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) this.record(line.replace(/\r$/, ""), out);
    });
    stream.on("end", () => {
      if (partial) this.record(partial, out);
      partial = "";
    });
  }

  private record(line: string, out: NodeJS.WriteStream): void {
    this.lines.push(line);
    if (this.lines.length > LAST_LINES) this.lines.shift();
    out.write(`${this.prefix}${line}\n`);
    for (const waiter of this.lineWaiters.filter((w) => w.match(line))) {
      this.lineWaiters.splice(this.lineWaiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }

  private signalGroup(signal: NodeJS.Signals | 0): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Asks it to stop; kills its whole process group when it does not within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.running) {
      this.signalGroup(this.stopSignal);
      const inTime = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!inTime) {
        say(`${this.name} did not stop within ${timeoutMs} ms: killing it`, "error");
        this.killed = true;
        this.signalGroup("SIGKILL");
        await this.exited;
      }
    }
    // A shell's children may outlive it; give them a moment, then make sure nothing stays behind.
    const until = Date.now() + Math.min(timeoutMs, 5_000);
    while (this.signalGroup(0) && Date.now() < until) await sleep(50);
    if (this.signalGroup(0)) {
      say(`processes of ${this.name} outlived it: killing them`, "error");
      this.killed = true;
      this.signalGroup("SIGKILL");
    }
  }

  /** Last resort when the runner itself is going away. */
  killNow(): void {
    if (this.running || this.signalGroup(0)) this.signalGroup("SIGKILL");
  }

  describeExit(): string {
    const info = this.exitInfo;
    if (!info) return "is running";
    return info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
  }

  /** Exited by itself with 0, or on the signal we sent it, without being killed. */
  get stoppedCleanly(): boolean {
    const info = this.exitInfo;
    return !!info && !this.killed && (info.code === 0 || info.signal === this.stopSignal);
  }
}

// ---------------------------------------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function say(message: string, level: "info" | "error" = "info"): void {
  const label = "[dev]".padEnd(prefixWidth + 2);
  const prefix = useColor ? `\x1b[1m${label}\x1b[0m ` : `${label} `;
  (level === "error" ? process.stderr : process.stdout).write(`${prefix}${message}\n`);
}

async function httpStatus(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Thrown out of a start-up wait when something else ends start-up (a stop request, a process that died). */
class Interrupted extends Error {}

function checkNotInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted();
}

// ---------------------------------------------------------------------------------------------- the stack

async function main(): Promise<number> {
  let settings: Settings;
  let services: ServiceSpec[];
  try {
    settings = readSettings(process.env);
    services = discoverServices(settings);
  } catch (err) {
    if (err instanceof UsageError) {
      for (const line of err.message.split("\n")) say(line, "error");
      return 2;
    }
    throw err;
  }
  prefixWidth = Math.max(7, ...services.map((s) => s.name.length));

  const natsBin = findNatsServer();
  if (!natsBin) {
    say(
      "nats-server not found on the PATH or at /usr/sbin/nats-server: run ./scripts/bootstrap, or apt-get install -y nats-server, or set NATS_SERVER_BIN",
      "error",
    );
    return 1;
  }
  const mongoCli = path.join(root, "packages/embedded-mongo/dist/cli.js");
  if (!fs.existsSync(mongoCli)) {
    say(`${path.relative(root, mongoCli)} is missing: run ./scripts/bootstrap (or pnpm build) first`, "error");
    return 1;
  }

  const problems = await portProblems(settings.host, portClaims(settings, services));
  if (problems.length > 0) {
    for (const p of problems) say(p, "error");
    say("nothing was started", "error");
    return 1;
  }

  const natsDir = path.join(settings.dataDir, "nats");
  const mongoDir = path.join(settings.dataDir, "mongo");
  fs.mkdirSync(natsDir, { recursive: true });
  fs.mkdirSync(mongoDir, { recursive: true });
  const signingKey = ensureSigningKey(path.join(settings.dataDir, "auth", "signing-key.pem"));

  const natsUrl = `nats://${settings.host}:${settings.natsPort}`;
  const natsMonitor = `http://${settings.host}:${settings.natsMonitorPort}`;
  const procs: { nats?: Proc; mongo?: Proc; services: { spec: ServiceSpec; proc: Proc }[] } = { services: [] };
  const all = () => [...procs.services.map((s) => s.proc), procs.mongo, procs.nats].filter((p): p is Proc => p !== undefined);

  // Whatever ends the run: a signal, a process that exits without being asked, or a failed start-up.
  let ending: { kind: "signal"; signal: string } | { kind: "crash"; proc: Proc } | { kind: "failure" } | undefined;
  let phase: "starting" | "running" = "starting";
  const startup = new AbortController();
  let wake: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const end = (why: NonNullable<typeof ending>) => {
    if (ending) return;
    ending = why;
    startup.abort();
    wake();
  };
  const interrupted = Symbol("interrupted");
  const interruptible = async <T>(work: Promise<T>): Promise<T> => {
    const result = await Promise.race([work, ended.then(() => interrupted)]);
    if (result === interrupted) throw new Interrupted();
    return result as T;
  };
  const watch = (proc: Proc) => {
    proc.exited.then(() => {
      if (!proc.stopping) end({ kind: "crash", proc });
    });
    return proc;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (ending) {
      say(`${signal} again: killing everything now`, "error");
      for (const p of all()) p.killNow();
      process.exit(1);
    }
    say(`${signal}: stopping (Ctrl-C again kills everything at once)`);
    end({ kind: "signal", signal });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Should the runner die of a bug, its children must not live on, holding ports and data directories.
  process.on("exit", () => {
    for (const p of all()) p.killNow();
  });

  let failure: string | undefined;
  try {
    say(`data in ${settings.dataDir}`);
    const natsArgs = [
      "-a",
      settings.host,
      "-p",
      `${settings.natsPort}`,
      "-m",
      `${settings.natsMonitorPort}`,
      "-js",
      "-sd",
      natsDir,
      "-n",
      "ministry-dev",
    ];
    // nats-server exits 0 on SIGINT (1 on SIGTERM), after the same clean JetStream shutdown.
    procs.nats = watch(new Proc("nats", natsBin, natsArgs, { cwd: root, env: process.env, stopSignal: "SIGINT" }));
    const mongoArgs = [
      mongoCli,
      "--port",
      `${settings.mongoPort}`,
      "--host",
      settings.host,
      "--data",
      mongoDir,
      "--log-level",
      settings.mongoLogLevel,
    ];
    procs.mongo = watch(new Proc("mongodb", process.execPath, mongoArgs, { cwd: root, env: process.env, stopSignal: "SIGTERM" }));
    const deadline = Date.now() + settings.readyTimeoutMs;
    const [, mongoUri] = await interruptible(
      Promise.all([waitForNats(natsMonitor, deadline, startup.signal), waitForMongo(procs.mongo, deadline, startup.signal)]),
    );

    const grpcAddresses: Record<string, string> = {};
    for (const s of services) grpcAddresses[`${envName(s.name)}_GRPC_ADDR`] = `${settings.host}:${s.grpcPort}`;
    for (const spec of services) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...grpcAddresses,
        SERVICE_NAME: spec.name,
        MONGODB_URI: mongoUri,
        NATS_URL: natsUrl,
        // One local signing key for every service, so a token issued for a seeded person works everywhere.
        AUTH_LOCAL_KEY_PATH: signingKey,
        SEED_DATA: process.env.SEED_DATA ?? "true",
        GRPC_HOST: settings.host,
        GRPC_PORT: String(spec.grpcPort),
        ADMIN_PORT: String(spec.adminPort),
        PATH: [path.join(spec.dir, "node_modules/.bin"), path.join(root, "node_modules/.bin"), process.env.PATH]
          .filter(Boolean)
          .join(path.delimiter),
      };
      if (spec.httpPort !== undefined) env.HTTP_PORT = String(spec.httpPort);
      const proc = watch(new Proc(spec.name, "/bin/sh", ["-c", shellCommand(spec.start)], { cwd: spec.dir, env, stopSignal: "SIGTERM" }));
      procs.services.push({ spec, proc });
    }
    await interruptible(Promise.all(procs.services.map(({ spec }) => waitForService(spec, settings.host, deadline, startup.signal))));

    printTable(settings, natsUrl, natsMonitor, mongoUri, services);
    phase = "running";
    await ended;
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      failure = err instanceof Error ? err.message : String(err);
      end({ kind: "failure" });
    }
  }

  const crashed = ending?.kind === "crash" ? ending.proc : undefined;
  const during = phase === "starting" ? " during start-up" : "";
  if (failure) say(failure, "error");
  if (crashed) {
    say(`${crashed.name} ${crashed.describeExit()}${during}; its last lines:`, "error");
    for (const line of crashed.lines.slice(-15)) process.stderr.write(`    ${line}\n`);
  }
  say("stopping services, then MongoDB, then NATS");
  // The edge first, so it stops taking requests before the services behind it go.
  const gateway = procs.services.find((s) => s.spec.name === "gateway");
  if (gateway) await gateway.proc.stop(settings.stopTimeoutMs);
  await Promise.all(procs.services.map(({ proc }) => proc.stop(settings.stopTimeoutMs)));
  if (procs.mongo) await procs.mongo.stop(settings.stopTimeoutMs);
  if (procs.nats) await procs.nats.stop(settings.stopTimeoutMs);

  const unclean = all().filter((p) => p !== crashed && !p.stoppedCleanly);
  for (const p of unclean) say(`${p.name} did not stop cleanly: it ${p.killed ? "had to be killed" : p.describeExit()}`, "error");
  if (crashed || failure) {
    say("stopped after a failure", "error");
    return 1;
  }
  if (unclean.length > 0) return 1;
  say("stopped");
  return 0;
}

function findNatsServer(): string | undefined {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    ...(process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "nats-server")),
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

/**
 * The default run's token signing key (EC P-256, PKCS#8 PEM, as the platform's local authority reads
 * it), made before any service starts so services starting together never race to create it.
 */
function ensureSigningKey(keyPath: string): string {
  if (!fs.existsSync(keyPath)) {
    fs.mkdirSync(path.dirname(keyPath), { recursive: true });
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    fs.writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  }
  return keyPath;
}

function envName(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * A plain command is exec'd, so the service itself gets the stop signal and its exit code is the one we
 * see (dash would otherwise stay in between); anything fancier runs as the shell script it is.
 */
function shellCommand(script: string): string {
  const plain = !/[;&|<>()`$\n\\]/.test(script) && !/^\s*\w+=/.test(script);
  return plain ? `exec ${script}` : script;
}

async function waitForNats(monitor: string, deadline: number, cancel: AbortSignal): Promise<void> {
  for (;;) {
    checkNotInterrupted(cancel);
    const res = await httpStatus(`${monitor}/healthz`);
    if (res?.status === 200) return;
    if (Date.now() > deadline)
      throw new Error(
        `nats did not become healthy in time; ${monitor}/healthz last said: ${res ? `${res.status} ${res.body}` : "no answer"}`,
      );
    await sleep(100);
  }
}

async function waitForMongo(proc: Proc, deadline: number, cancel: AbortSignal): Promise<string> {
  const line = await Promise.race([
    proc.waitForLine((l) => l.includes('"msg":"embedded-mongo ready"')),
    sleep(Math.max(0, deadline - Date.now())).then(() => undefined),
  ]);
  checkNotInterrupted(cancel);
  if (line === undefined) throw new Error("mongodb did not say it was ready in time");
  const { uri } = JSON.parse(line) as { uri: string };
  // The driver's own answer, as a service will get it: the replica-set handshake and a ping.
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: Math.max(1_000, deadline - Date.now()) });
  try {
    await client.connect();
    const answer = await client.db("admin").command({ ping: 1 });
    if (answer.ok !== 1) throw new Error(`mongodb ping answered ${JSON.stringify(answer)}`);
  } finally {
    await client.close();
  }
  return uri;
}

async function waitForService(spec: ServiceSpec, host: string, deadline: number, cancel: AbortSignal): Promise<void> {
  const url = `http://${host}:${spec.adminPort}/readyz`;
  let lastReported = Date.now();
  for (;;) {
    checkNotInterrupted(cancel);
    const res = await httpStatus(url);
    if (res?.status === 200) return;
    const last = res ? `${res.status} ${res.body}` : "no answer";
    if (Date.now() > deadline) throw new Error(`${spec.name} did not become ready in time; ${url} last said: ${last}`);
    checkNotInterrupted(cancel);
    if (Date.now() - lastReported > 5_000) {
      say(`waiting for ${spec.name}: ${url} says ${last}`);
      lastReported = Date.now();
    }
    await sleep(200);
  }
}

function printTable(settings: Settings, natsUrl: string, natsMonitor: string, mongoUri: string, services: ServiceSpec[]): void {
  const rows: [string, string, string][] = [
    ["nats", natsUrl, `${natsMonitor}/healthz`],
    ["mongodb", mongoUri, ""],
  ];
  for (const s of services) {
    const listens = [`grpc ${settings.host}:${s.grpcPort}`];
    if (s.httpPort !== undefined) listens.push(`http://${settings.host}:${s.httpPort}`);
    rows.push([s.name, listens.join("  "), `http://${settings.host}:${s.adminPort}/readyz`]);
  }
  const header: [string, string, string] = ["name", "listens on", "health"];
  const widths = [0, 1].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const format = (r: [string, string, string]) => `  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`.trimEnd();
  const lines = [
    "",
    `ministry-ops dev stack ready (${services.length} service${services.length === 1 ? "" : "s"}; data in ${settings.dataDir})`,
    format(header),
    ...rows.map(format),
    services.length === 0 ? `  (no services with a start script in ${settings.servicesDir})` : "",
    "Press Ctrl-C to stop.",
    "",
  ].filter((l, i, arr) => l !== "" || i === 0 || i === arr.length - 1);
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, "error");
    process.exit(1);
  },
);
