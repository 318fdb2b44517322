/**
 * The dev stack runner (`scripts/dev`, `pnpm start`). Starts nats-server with JetStream, the embedded
 * MongoDB-compatible server, a local SMTP sink (packages/mail-sink: every message sent to it is kept in
 * DEV_DATA_DIR/mail as an .eml and a readable .txt, nothing leaves the machine) and the exchange simulator
 * (services/documents/exchange-simulator: the Government Office's edXML endpoint, its state in
 * DEV_DATA_DIR/exchange), each with its data under DEV_DATA_DIR, then every service under services/* that
 * has a `start` script; waits until all of them are ready; prints where everything listens; streams every
 * process's output prefixed with its name; on SIGINT/SIGTERM stops the services, then the mail sink and
 * the exchange simulator, then MongoDB, then NATS, and exits 0.
 *
 * Once the stack is up it supervises every process as a process manager would: one that exits without
 * being asked (a crash, kill -9) is reported with how it ended and its last lines, started again after a
 * back-off with the same command, ports, data directory and environment, and announced when it is ready
 * again (a service by its admin /readyz, nats-server by its /healthz, MongoDB by its ready line and a
 * ping, the mail sink and the exchange simulator by a TCP connection to their ports). nats-server, MongoDB,
 * the mail sink and the exchange simulator are restarted the same way (same data directory and ports)
 * while the services keep running: the platform's NATS client reconnects forever, the mongodb driver
 * selects the server again by itself, a mail sender retries a delivery that found no server and the
 * documents service's exchange connector retries its sends and polls, so restarting them too would only
 * lose their work in flight.
 * A process that crashes DEV_CRASH_LIMIT times within DEV_CRASH_WINDOW_MS is given up on: the whole
 * stack stops in order and the runner exits 1. During start-up a crash still ends the run at once (a
 * service that cannot start is a mistake to fix, not to retry). Ctrl-C stops everything in order and
 * exits 0 whatever is happening, a back-off or a restart included.
 *
 * Settings (environment variables):
 *   DEV_HOST              interface everything listens on                     127.0.0.1
 *   NATS_PORT             NATS client port                                    14222
 *   NATS_MONITOR_PORT     NATS HTTP monitoring port (/healthz)                18222
 *   MONGO_PORT            embedded MongoDB port                               17017
 *   MAIL_PORT             the mail sink's SMTP port (services get SMTP_URL)   12525
 *   EXCHANGE_PORT         the exchange simulator's port (services get EXCHANGE_URL)  18790
 *   EXCHANGE_TOKEN        the bearer token the simulator asks of the ministry    dev-exchange-token
 *   DEV_GRPC_BASE_PORT    the services' GRPC_PORT: this plus the offset below 15051
 *   DEV_ADMIN_BASE_PORT   the services' ADMIN_PORT: likewise                  19091
 *   GATEWAY_HTTP_PORT     the gateway's HTTP_PORT: the portal API, its docs, the dev sign-in, /ops  18080
 *   DEV_DATA_DIR          data directory (nats/, mongo/, mail/, exchange/ inside)  <repo>/.data
 *   DEV_SERVICES_DIR      where services are found                            <repo>/services
 *   DEV_SERVICES          comma-separated services to start, or "none"        all of them
 *   DEV_READY_TIMEOUT_MS  how long start-up (and each restart) may take       60000
 *   DEV_STOP_TIMEOUT_MS   how long each process may take to stop              20000
 *   DEV_CRASH_LIMIT       crashes of one process that stop the stack ...      5
 *   DEV_CRASH_WINDOW_MS   ... when they happen within this many ms            60000
 *   DEV_RESTART_DELAY_MS  first back-off; doubled for each crash in the window   500
 *   DEV_RESTART_DELAY_MAX_MS  the longest back-off                            10000
 *   MONGO_LOG_LEVEL       the embedded MongoDB's log level                    info
 *   SEED_DATA             services load their seed data when the database lacks it   true
 *
 * A service's ports are the base ports plus its fixed offset: tasks +0, notifications +1, meetings +2,
 * documents +3, gateway +4, and any other service +5, +6 ... in alphabetical order among the others. So a
 * new service never moves an existing one (the tasks service stays on 15051), and DEV_SERVICES, which
 * only picks what starts, moves nothing either.
 *
 * The back-off starts over once a process has stayed up longer than the window, because only crashes
 * within the window count. DEV_CRASH_LIMIT=1 restarts nothing: the first crash stops the stack.
 *
 * Every service gets DEV_MODE=true, the platform's explicit switch for the default run: with it (and never
 * under NODE_ENV=production) a service accepts the local development signing authority and the embedded
 * store; a service that predates the switch ignores it. Every service also gets
 * AUTH_LOCAL_KEY_PATH=<data>/auth/signing-key.pem: one signing key for the default run's tokens
 * (scripts/token prints one for a seeded person), SMTP_URL=smtp://<DEV_HOST>:<MAIL_PORT>, the mail sink, and
 * EXCHANGE_URL=http://<DEV_HOST>:<EXCHANGE_PORT> with EXCHANGE_TOKEN, the simulated Government Office.
 *
 * The defaults stay clear of the usual ports (4222, 27017), which a system nats-server or mongod may hold.
 * Every port is checked before anything starts; a taken one is named with the variable that moves it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
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
  mailPort: number;
  exchangePort: number;
  exchangeToken: string;
  grpcBasePort: number;
  adminBasePort: number;
  gatewayHttpPort: number;
  dataDir: string;
  servicesDir: string;
  only: string[] | undefined;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  crashLimit: number;
  crashWindowMs: number;
  restartDelayMs: number;
  restartDelayMaxMs: number;
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
    mailPort: port("MAIL_PORT", 12525),
    exchangePort: port("EXCHANGE_PORT", 18790),
    // A fixed token for the default run: the simulator asks it of the ministry, as the real exchange would ask credentials.
    exchangeToken: env.EXCHANGE_TOKEN || "dev-exchange-token",
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
    crashLimit: int("DEV_CRASH_LIMIT", 5, 1, 1_000),
    crashWindowMs: int("DEV_CRASH_WINDOW_MS", 60_000, 1_000, 86_400_000),
    restartDelayMs: int("DEV_RESTART_DELAY_MS", 500, 0, 600_000),
    restartDelayMaxMs: int("DEV_RESTART_DELAY_MAX_MS", 10_000, 0, 3_600_000),
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
  /** The package's version: the service's SERVICE_VERSION (its /healthz and the ops page show it). */
  version: string;
  grpcPort: number;
  adminPort: number;
  httpPort?: number;
}

/** The services whose ports are fixed offsets from the base ports, in that order; any other comes after them. */
const KNOWN_SERVICES = ["tasks", "notifications", "meetings", "documents", "gateway"];

function discoverServices(settings: Settings): ServiceSpec[] {
  const found: { name: string; dir: string; start: string; version: string }[] = [];
  const entries = fs.existsSync(settings.servicesDir) ? fs.readdirSync(settings.servicesDir, { withFileTypes: true }) : [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(settings.servicesDir, entry.name);
    const manifest = path.join(dir, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { scripts?: Record<string, string>; version?: string };
    const start = pkg.scripts?.start;
    if (typeof start === "string" && start.trim() !== "") found.push({ name: entry.name, dir, start, version: pkg.version ?? "0.0.0" });
  }
  if (settings.only) {
    const unknown = settings.only.filter((n) => !found.some((f) => f.name === n));
    if (unknown.length > 0) {
      throw new UsageError(
        `DEV_SERVICES names ${unknown.join(", ")}, not found in ${settings.servicesDir} (with a start script): ${found.map((f) => f.name).join(", ") || "none there"}`,
      );
    }
  }
  // Ports follow a fixed position among all services found (not only those started), so neither a new
  // service nor DEV_SERVICES moves them.
  const others = found.map((f) => f.name).filter((n) => !KNOWN_SERVICES.includes(n));
  const offset = (name: string) => {
    const known = KNOWN_SERVICES.indexOf(name);
    return known >= 0 ? known : KNOWN_SERVICES.length + others.indexOf(name);
  };
  return found
    .map((f) => ({
      ...f,
      grpcPort: settings.grpcBasePort + offset(f.name),
      adminPort: settings.adminBasePort + offset(f.name),
      httpPort: f.name === "gateway" ? settings.gatewayHttpPort : undefined,
    }))
    .filter((s) => !settings.only || settings.only.includes(s.name))
    .sort((a, b) => a.grpcPort - b.grpcPort);
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
    { owner: "mail", what: "mail sink SMTP port", port: settings.mailPort, variable: "MAIL_PORT" },
    { owner: "exchange", what: "exchange simulator port", port: settings.exchangePort, variable: "EXCHANGE_PORT" },
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

// A process keeps its colour when it is restarted, so its output stays easy to follow.
const colorOf = new Map<string, number>();
let prefixWidth = 7;

class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<ExitInfo>;
  readonly stopSignal: NodeJS.Signals;
  readonly startedAt = Date.now();
  /** Aborts when the process has exited, to cut short any wait for it. */
  readonly exitSignal: AbortSignal;
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
    if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length]);
    const color = colorOf.get(name);
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
    const exit = new AbortController();
    this.exitSignal = exit.signal;
    this.exited.then(() => exit.abort());
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

  /**
   * After it died by itself: what it started may live on (a shell's child still holding the ports), and a
   * restart must find them free.
   */
  reap(): void {
    if (this.signalGroup(0)) {
      say(`processes of ${this.name} outlived it: killing them`, "error");
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
    if (info.signal) return `was killed by ${info.signal}`;
    // A shell reports a command killed by signal N as exit code 128 + N.
    const signal = info.code !== null && info.code > 128 ? signalName(info.code - 128) : undefined;
    return `exited with code ${info.code}${signal ? ` (${signal} reported by its shell)` : ""}`;
  }

  /** Exited by itself with 0, or on the signal we sent it, without being killed. */
  get stoppedCleanly(): boolean {
    const info = this.exitInfo;
    return !!info && !this.killed && (info.code === 0 || info.signal === this.stopSignal);
  }
}

// ---------------------------------------------------------------------------------------------- helpers

function signalName(n: number): string | undefined {
  return Object.entries(os.constants.signals).find(([, value]) => value === n)?.[0];
}

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

/** Thrown out of a wait for readiness when something else ends it (a stop request, a process that died). */
class Interrupted extends Error {}

function checkNotInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted();
}

/**
 * `work`, unless `signal` aborts first: then Interrupted. For waits that cannot be cancelled themselves;
 * the listener goes when `work` settles, as the signal outlives many polls.
 */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  checkNotInterrupted(signal);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Waits `ms` (forever when infinite); true when the time ran out, false when `signal` aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    // Referenced, unlike `sleep`: a back-off must keep the runner alive even if nothing else does.
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal.removeEventListener("abort", onAbort);
          resolve(true);
        }, ms)
      : undefined;
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------- the stack

interface UnitParts {
  name: string;
  /** A new process with the same command, ports, data directory and environment every time. */
  spawn: () => Proc;
  /** Resolves when `proc` is ready; throws Interrupted once `cancel` aborts. */
  ready: (proc: Proc, deadline: number, cancel: AbortSignal) => Promise<unknown>;
  /** Where it listens, for the line that says it is back. */
  listens: string;
}

/** One supervised process: its current incarnation, how to start another one exactly alike, its crashes. */
class Unit {
  readonly name: string;
  readonly ready: UnitParts["ready"];
  readonly listens: string;
  proc: Proc;
  /** When it exited unexpectedly, within the crash window. */
  crashes: number[] = [];

  constructor(
    private readonly parts: UnitParts,
    private readonly onExit: (unit: Unit, proc: Proc) => void,
  ) {
    this.name = parts.name;
    this.ready = parts.ready;
    this.listens = parts.listens;
    this.proc = this.start();
  }

  start(): Proc {
    const proc = this.parts.spawn();
    this.proc = proc;
    proc.exited.then(() => this.onExit(this, proc));
    return proc;
  }
}

type Ending =
  | { kind: "signal"; signal: string }
  | { kind: "crash"; proc: Proc }
  | { kind: "gave-up"; unit: Unit }
  | { kind: "failure"; message: string };

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
  const mailCli = path.join(root, "packages/mail-sink/dist/cli.js");
  // Run from its TypeScript source (tsx is a root dev dependency), as its README runs it.
  const exchangeMain = path.join(root, "services/documents/exchange-simulator/main.ts");
  for (const cli of [mongoCli, mailCli, exchangeMain]) {
    if (!fs.existsSync(cli)) {
      say(`${path.relative(root, cli)} is missing: run ./scripts/bootstrap (or pnpm build) first`, "error");
      return 1;
    }
  }

  const problems = await portProblems(settings.host, portClaims(settings, services));
  if (problems.length > 0) {
    for (const p of problems) say(p, "error");
    say("nothing was started", "error");
    return 1;
  }

  const natsDir = path.join(settings.dataDir, "nats");
  const mongoDir = path.join(settings.dataDir, "mongo");
  const mailDir = path.join(settings.dataDir, "mail");
  const exchangeDir = path.join(settings.dataDir, "exchange");
  for (const dir of [natsDir, mongoDir, mailDir, exchangeDir]) fs.mkdirSync(dir, { recursive: true });
  const signingKey = ensureSigningKey(path.join(settings.dataDir, "auth", "signing-key.pem"));

  const natsUrl = `nats://${settings.host}:${settings.natsPort}`;
  const natsMonitor = `http://${settings.host}:${settings.natsMonitorPort}`;
  const urlHost = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  const smtpUrl = `smtp://${urlHost}:${settings.mailPort}`;
  const exchangeUrl = `http://${urlHost}:${settings.exchangePort}`;
  const units: Units = { services: [] };
  const all = () =>
    [...units.services, units.mail, units.exchange, units.mongo, units.nats].filter((u): u is Unit => u !== undefined).map((u) => u.proc);
  // Exits already told to the user (a crash, a give-up): not reported again as an unclean stop.
  const reported = new Set<Proc>();

  // Whatever ends the run: a signal, a crash during start-up, giving up on a crashing process, a failure.
  let ending: Ending | undefined;
  let phase: "starting" | "running" = "starting";
  const endController = new AbortController();
  const end = (why: Ending) => {
    if (ending) return;
    ending = why;
    endController.abort();
  };
  const endSignal = endController.signal;

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

  /** A process that exits without being asked ends start-up, or is supervised once the stack is up. */
  const onExit = (unit: Unit, proc: Proc) => {
    if (proc.stopping || ending) return;
    if (phase === "starting") end({ kind: "crash", proc });
    else void supervise(unit, proc);
  };

  /** A process manager's answer to a crash: report it, back off, start it again and wait until it is ready. */
  const supervise = async (unit: Unit, dead: Proc, why?: string): Promise<void> => {
    reported.add(dead);
    const now = Date.now();
    unit.crashes = [...unit.crashes.filter((t) => now - t < settings.crashWindowMs), now];
    reportCrash(unit.name, dead, why);
    dead.reap();
    if (unit.crashes.length >= settings.crashLimit) {
      end({ kind: "gave-up", unit });
      return;
    }
    const delay = restartDelay(settings, unit.crashes.length);
    say(
      `restarting ${unit.name} in ${seconds(delay)} (crash ${unit.crashes.length} within ${seconds(settings.crashWindowMs)}; at ${settings.crashLimit} the stack stops)`,
      "error",
    );
    if (!(await pause(delay, endSignal)) || ending) return;
    const proc = unit.start();
    try {
      await unit.ready(proc, proc.startedAt + settings.readyTimeoutMs, AbortSignal.any([endSignal, proc.exitSignal]));
      say(`${unit.name} is back, ready ${seconds(Date.now() - now)} after it went (pid ${proc.pid}): ${unit.listens}`);
    } catch (err) {
      // The stack is stopping, or the new process died too and its own watch took over.
      if (err instanceof Interrupted) return;
      say(`${unit.name} ${err instanceof Error ? err.message : String(err)}: stopping it`, "error");
      await proc.stop(settings.stopTimeoutMs);
      if (!ending) void supervise(unit, proc, "was stopped for not becoming ready in time");
    }
  };

  let mongoUri = "";
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
    units.nats = new Unit(
      {
        name: "nats",
        // nats-server exits 0 on SIGINT (1 on SIGTERM), after the same clean JetStream shutdown.
        spawn: () => new Proc("nats", natsBin, natsArgs, { cwd: root, env: process.env, stopSignal: "SIGINT" }),
        ready: (_proc, deadline, cancel) => waitForNats(natsMonitor, deadline, cancel),
        listens: `${natsUrl}, monitoring ${natsMonitor}`,
      },
      onExit,
    );
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
    units.mongo = new Unit(
      {
        name: "mongodb",
        spawn: () => new Proc("mongodb", process.execPath, mongoArgs, { cwd: root, env: process.env, stopSignal: "SIGTERM" }),
        ready: (proc, deadline, cancel) => waitForMongo(proc, deadline, cancel),
        listens: `mongodb://${settings.host}:${settings.mongoPort}`,
      },
      onExit,
    );
    const mailArgs = [mailCli, "--port", `${settings.mailPort}`, "--host", settings.host, "--dir", mailDir];
    units.mail = new Unit(
      {
        name: "mail",
        // The sink exits 0 on SIGTERM once its connections are closed; every message is already on disk.
        spawn: () => new Proc("mail", process.execPath, mailArgs, { cwd: root, env: process.env, stopSignal: "SIGTERM" }),
        ready: (_proc, deadline, cancel) => waitForPort("mail", settings.host, settings.mailPort, deadline, cancel),
        listens: `${smtpUrl}, messages in ${mailDir}`,
      },
      onExit,
    );
    const exchangeArgs = [
      "--import",
      "tsx",
      exchangeMain,
      "--port",
      `${settings.exchangePort}`,
      "--host",
      settings.host,
      "--data-dir",
      exchangeDir,
    ];
    // The simulator reads the ministry's credentials from the environment, as the documents service does.
    const exchangeEnv = { ...process.env, EXCHANGE_TOKEN: settings.exchangeToken, EXCHANGE_USERNAME: "", EXCHANGE_PASSWORD: "" };
    units.exchange = new Unit(
      {
        name: "exchange",
        // It exits 0 on SIGTERM once its state is on disk.
        spawn: () => new Proc("exchange", process.execPath, exchangeArgs, { cwd: root, env: exchangeEnv, stopSignal: "SIGTERM" }),
        ready: (_proc, deadline, cancel) => waitForPort("exchange", settings.host, settings.exchangePort, deadline, cancel),
        listens: `${exchangeUrl}, state in ${exchangeDir}`,
      },
      onExit,
    );
    // During start-up a process that exits ends the run (onExit), which aborts every wait through endSignal.
    const deadline = Date.now() + settings.readyTimeoutMs;
    [, mongoUri] = await Promise.all([
      waitForNats(natsMonitor, deadline, endSignal),
      waitForMongo(units.mongo.proc, deadline, endSignal),
      waitForPort("mail", settings.host, settings.mailPort, deadline, endSignal),
      waitForPort("exchange", settings.host, settings.exchangePort, deadline, endSignal),
    ]);

    const grpcAddresses: Record<string, string> = {};
    for (const s of services) {
      grpcAddresses[`${envName(s.name)}_GRPC_ADDR`] = `${settings.host}:${s.grpcPort}`;
      // The gateway reads every service's health and metrics (its ops page) and the meetings' calendar feeds here.
      grpcAddresses[`${envName(s.name)}_ADMIN_URL`] = `http://${settings.host}:${s.adminPort}`;
    }
    for (const spec of services) {
      const env = serviceEnv(spec, { settings, grpcAddresses, mongoUri, natsUrl, smtpUrl, exchangeUrl, signingKey });
      const unit = new Unit(
        {
          name: spec.name,
          spawn: () => new Proc(spec.name, "/bin/sh", ["-c", shellCommand(spec.start)], { cwd: spec.dir, env, stopSignal: "SIGTERM" }),
          ready: (_proc, deadline, cancel) => waitForService(spec, settings.host, deadline, cancel),
          listens: serviceListens(spec, settings.host),
        },
        onExit,
      );
      units.services.push(unit);
    }
    await Promise.all(services.map((spec) => waitForService(spec, settings.host, deadline, endSignal)));

    printTable(
      settings,
      { natsUrl, natsMonitor, mongoUri, smtpUrl, mailDir, exchangeUrl },
      services,
      (name) => all().find((p) => p.name === name)?.pid,
    );
    phase = "running";
    await pause(Number.POSITIVE_INFINITY, endSignal);
  } catch (err) {
    // Interrupted: a signal or a crash ended start-up, and `ending` says which.
    if (!(err instanceof Interrupted)) end({ kind: "failure", message: err instanceof Error ? err.message : String(err) });
  }

  const finalEnding: Ending = ending ?? { kind: "failure", message: "the run ended for no known reason" };
  if (finalEnding.kind === "crash") reported.add(finalEnding.proc);
  reportEnding(finalEnding, settings);
  await stopAll(units, settings.stopTimeoutMs);

  const unclean = all().filter((p) => !reported.has(p) && !p.stoppedCleanly);
  for (const p of unclean) say(`${p.name} did not stop cleanly: it ${p.killed ? "had to be killed" : p.describeExit()}`, "error");
  if (finalEnding.kind !== "signal") {
    say(finalEnding.kind === "gave-up" ? `stopped: ${finalEnding.unit.name} kept crashing` : "stopped after a failure", "error");
    return 1;
  }
  if (unclean.length > 0) return 1;
  say("stopped");
  return 0;
}

function serviceEnv(
  spec: ServiceSpec,
  run: {
    settings: Settings;
    grpcAddresses: Record<string, string>;
    mongoUri: string;
    natsUrl: string;
    smtpUrl: string;
    exchangeUrl: string;
    signingKey: string;
  },
): NodeJS.ProcessEnv {
  // Computed once per service and reused for every restart, so a restarted service sees what the first saw.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...run.grpcAddresses,
    SERVICE_NAME: spec.name,
    SERVICE_VERSION: spec.version,
    // The platform's switch for the default run: only with it may a service use the embedded store and the
    // local signing authority (and never under NODE_ENV=production).
    DEV_MODE: "true",
    MONGODB_URI: run.mongoUri,
    NATS_URL: run.natsUrl,
    // The stack's mail sink: a service's email lands in DEV_DATA_DIR/mail, never in a real mailbox.
    SMTP_URL: run.smtpUrl,
    // The simulated Government Office (the documents service sends and polls edXML there).
    EXCHANGE_URL: run.exchangeUrl,
    EXCHANGE_TOKEN: run.settings.exchangeToken,
    // One local signing key for every service, so a token issued for a seeded person works everywhere.
    AUTH_LOCAL_KEY_PATH: run.signingKey,
    SEED_DATA: process.env.SEED_DATA ?? "true",
    GRPC_HOST: run.settings.host,
    GRPC_PORT: String(spec.grpcPort),
    ADMIN_PORT: String(spec.adminPort),
    PATH: [path.join(spec.dir, "node_modules/.bin"), path.join(root, "node_modules/.bin"), process.env.PATH]
      .filter(Boolean)
      .join(path.delimiter),
  };
  // Calendar feed links point at the gateway's passthrough (/v1/calendar/<secret>.ics) when it runs.
  if (run.grpcAddresses.GATEWAY_GRPC_ADDR) env.CALENDAR_BASE_URL = `http://${run.settings.host}:${run.settings.gatewayHttpPort}/v1`;
  if (spec.httpPort !== undefined) {
    env.HTTP_PORT = String(spec.httpPort);
    env.HTTP_HOST = run.settings.host;
    // The default run's sign-in page (the gateway refuses it outside DEV_MODE with the local key).
    env.DEV_SIGN_IN = "true";
  }
  return env;
}

function serviceListens(spec: ServiceSpec, host: string): string {
  // The gateway serves HTTP only (its GRPC_PORT is given like every service's, and unused).
  const parts = spec.httpPort !== undefined ? [`http://${host}:${spec.httpPort}`] : [`grpc ${host}:${spec.grpcPort}`];
  parts.push(`admin http://${host}:${spec.adminPort}/readyz`);
  return parts.join(", ");
}

/** Doubles with each crash within the window, up to the maximum. */
function restartDelay(settings: Settings, crashesInWindow: number): number {
  return Math.min(settings.restartDelayMs * 2 ** (crashesInWindow - 1), settings.restartDelayMaxMs);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function reportCrash(name: string, dead: Proc, why: string | undefined): void {
  const how = why ?? dead.describeExit();
  say(`${name} (pid ${dead.pid}, up ${seconds(Date.now() - dead.startedAt)}) ${how}; its last lines:`, "error");
  printLastLines(dead);
}

function printLastLines(proc: Proc): void {
  const lines = proc.lines.slice(-15);
  if (lines.length === 0) process.stderr.write("    (no output)\n");
  for (const line of lines) process.stderr.write(`    ${line}\n`);
}

function reportEnding(ending: Ending, settings: Settings): void {
  if (ending.kind === "failure") say(ending.message, "error");
  // Once the stack is up a crash is supervised instead, so a crash that ends the run is one during start-up.
  if (ending.kind === "crash") {
    say(`${ending.proc.name} ${ending.proc.describeExit()} during start-up; its last lines:`, "error");
    printLastLines(ending.proc);
  }
  if (ending.kind === "gave-up") {
    say(
      `${ending.unit.name} crashed ${ending.unit.crashes.length} times within ${seconds(settings.crashWindowMs)} (DEV_CRASH_LIMIT=${settings.crashLimit}, DEV_CRASH_WINDOW_MS=${settings.crashWindowMs}): giving up`,
      "error",
    );
  }
  say("stopping services, then the mail sink and the exchange simulator, then MongoDB, then NATS");
}

interface Units {
  nats?: Unit;
  mongo?: Unit;
  mail?: Unit;
  exchange?: Unit;
  services: Unit[];
}

async function stopAll(units: Units, timeoutMs: number): Promise<void> {
  // The edge first, so it stops taking requests before the services behind it go.
  const gateway = units.services.find((u) => u.name === "gateway");
  if (gateway) await gateway.proc.stop(timeoutMs);
  await Promise.all(units.services.map((u) => u.proc.stop(timeoutMs)));
  // After the services, so a message they are sending as they stop still lands.
  await Promise.all([units.mail, units.exchange].map((u) => u?.proc.stop(timeoutMs)));
  if (units.mongo) await units.mongo.proc.stop(timeoutMs);
  if (units.nats) await units.nats.proc.stop(timeoutMs);
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
    const res = await unlessAborted(httpStatus(`${monitor}/healthz`), cancel);
    if (res?.status === 200) return;
    if (Date.now() > deadline)
      throw new Error(
        `nats did not become healthy in time; ${monitor}/healthz last said: ${res ? `${res.status} ${res.body}` : "no answer"}`,
      );
    await unlessAborted(sleep(100), cancel);
  }
}

async function waitForMongo(proc: Proc, deadline: number, cancel: AbortSignal): Promise<string> {
  const line = await unlessAborted(
    Promise.race([
      proc.waitForLine((l) => l.includes('"msg":"embedded-mongo ready"')),
      sleep(Math.max(0, deadline - Date.now())).then(() => undefined),
    ]),
    cancel,
  );
  if (line === undefined) throw new Error("mongodb did not say it was ready in time");
  const { uri } = JSON.parse(line) as { uri: string };
  await unlessAborted(pingMongo(uri, deadline), cancel);
  return uri;
}

/** The driver's own answer, as a service will get it: the replica-set handshake and a ping. */
async function pingMongo(uri: string, deadline: number): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: Math.max(1_000, deadline - Date.now()) });
  try {
    await client.connect();
    const answer = await client.db("admin").command({ ping: 1 });
    if (answer.ok !== 1) throw new Error(`mongodb ping answered ${JSON.stringify(answer)}`);
  } finally {
    await client.close();
  }
}

/** Ready once a TCP connection to the port succeeds (the mail sink and the simulator say nothing a client could not see). */
async function waitForPort(name: string, host: string, port: number, deadline: number, cancel: AbortSignal): Promise<void> {
  for (;;) {
    if (await unlessAborted(canConnect(host, port), cancel)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not accept connections on ${host}:${port} in time`);
    await unlessAborted(sleep(100), cancel);
  }
}

function canConnect(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function waitForService(spec: ServiceSpec, host: string, deadline: number, cancel: AbortSignal): Promise<void> {
  const url = `http://${host}:${spec.adminPort}/readyz`;
  let lastReported = Date.now();
  for (;;) {
    const res = await unlessAborted(httpStatus(url), cancel);
    if (res?.status === 200) return;
    const last = res ? `${res.status} ${res.body}` : "no answer";
    if (Date.now() > deadline) throw new Error(`${spec.name} did not become ready in time; ${url} last said: ${last}`);
    if (Date.now() - lastReported > 5_000) {
      say(`waiting for ${spec.name}: ${url} says ${last}`);
      lastReported = Date.now();
    }
    await unlessAborted(sleep(200), cancel);
  }
}

function printTable(
  settings: Settings,
  at: { natsUrl: string; natsMonitor: string; mongoUri: string; smtpUrl: string; mailDir: string; exchangeUrl: string },
  services: ServiceSpec[],
  pidOf: (name: string) => number | undefined,
): void {
  type Row = [string, string, string, string];
  const pid = (name: string) => String(pidOf(name) ?? "");
  const rows: Row[] = [
    ["nats", at.natsUrl, `${at.natsMonitor}/healthz`, pid("nats")],
    ["mongodb", at.mongoUri, "", pid("mongodb")],
    ["mail", at.smtpUrl, "", pid("mail")],
    ["exchange", at.exchangeUrl, `${at.exchangeUrl}/healthz`, pid("exchange")],
  ];
  for (const s of services) {
    const listens = s.httpPort !== undefined ? [`http://${settings.host}:${s.httpPort}`] : [`grpc ${settings.host}:${s.grpcPort}`];
    rows.push([s.name, listens.join("  "), `http://${settings.host}:${s.adminPort}/readyz`, pid(s.name)]);
  }
  // The pid is there to find a process by hand (to watch it, or kill -9 it and see it come back).
  const header: Row = ["name", "listens on", "health", "pid"];
  const widths = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const format = (r: Row) => `  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3]}`.trimEnd();
  const lines = [
    "",
    `ministry-ops dev stack ready (${services.length} service${services.length === 1 ? "" : "s"}; data in ${settings.dataDir})`,
    format(header),
    ...rows.map(format),
    services.length === 0 ? `  (no services with a start script in ${settings.servicesDir})` : "",
    `Mail sent to ${at.smtpUrl} is kept in ${at.mailDir}: each message as an .eml and a readable .txt.`,
    `The exchange simulator at ${at.exchangeUrl} plays the Government Office: hand it an .edxml file with`,
    `  node --import tsx services/documents/exchange-simulator/deliver.ts --url ${at.exchangeUrl} --wait FILE.edxml`,
    ...services
      .filter((s) => s.httpPort !== undefined)
      .flatMap((s) => {
        const base = `http://${settings.host}:${s.httpPort}`;
        return [
          `The portal API (${s.name}): docs ${base}/docs  (OpenAPI ${base}/openapi.json)`,
          `  sign in as a seeded person: ${base}/dev/sign-in   ops page: ${base}/ops`,
        ];
      }),
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
