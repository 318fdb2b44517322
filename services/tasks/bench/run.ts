/**
 * What a user of the tasks service gets, against what grpc-js, the driver and the store allow, in one run.
 * Every part is a process of its own, as in the dev stack and in production:
 *
 *   nats-server (JetStream) · the embedded MongoDB (packages/embedded-mongo's CLI, in memory) · the tasks
 *   service (its built dist/main.js with the dev stack's environment: DEV_MODE, MONGODB_URI, NATS_URL,
 *   GRPC_PORT, ADMIN_PORT, a local signing key in AUTH_LOCAL_KEY_PATH) · baseline (1) bare grpc-js with
 *   fixed responses · baseline (2) bare grpc-js doing the same database work through the driver
 *   (bench/baselines.ts) · and, for each figure, a load client (bench/load.ts): N calls in flight for S
 *   seconds after a warm-up, reporting calls/s, p50 and p99 to this process.
 *
 * Figures: CreateTask, GetTask, and ListTasks (a unit's overdue tasks over a 100,000-task programme, page
 * of 50) against (1), (2) and the service, run back to back per call so they share the machine's state;
 * then (3) the store's own ceiling through the driver from the load process (ping, findOne by _id,
 * insertOne, a 3-write transaction). One JSON line per figure, then a Markdown table and the machine.
 *
 *   pnpm --filter @ministry/tasks bench     (then bench/report.ts: the quarter report figures)
 *
 * Settings: BENCH_SECONDS (5), BENCH_IN_FLIGHT (32), BENCH_WARMUP_SECONDS (1), BENCH_TASKS (100000),
 * BENCH_CALLS (CreateTask,GetTask,ListTasks,ceiling: the parts to run), BENCH_CPU_PROF_STORE=<dir> (the
 * embedded MongoDB runs with --cpu-prof into <dir>), BENCH_CPU_PROF=<dir> (the service
 * runs with --cpu-prof into <dir>; its top self-time entries are printed at the end, see
 * bench/cpuprofile-top.ts), BENCH_LOG_LEVEL (the service's LOG_LEVEL; unset: its default, as a user runs it).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { createLocalAuthority } from "@ministry/platform";
import {
  benchInterrupted,
  emitFigure,
  formatCount,
  formatMs,
  freePort,
  jsonLine,
  LoadDriver,
  type LoadResult,
  machineLine,
  type MeasuredLoad,
  roundTo,
  startBenchChild,
  startBenchMongo,
  startBenchNats,
  startBenchScript,
  stopBenchChildren,
  stopBenchChildrenOnSignals,
  throughputCell,
  throughputRatio,
  waitForHttpOk,
  benchNumber,
  loadTimingFromEnv,
} from "@ministry/platform/testing";
import { type CreateProgrammeResponse, ListTasksRequest, ProgrammeServiceClient, UnitRole } from "@ministry/proto/ministry/tasks/v1/tasks";
import { MongoClient } from "mongodb";
import type { TaskDocument } from "../src/store/documents.js";
import { TASKS } from "../src/store/indexes.js";
import { type CpuProfile, printTop, topSelfTime } from "./cpuprofile-top.js";
import type { LoadJob, Timing } from "./load.js";
import { bulkTasks, PROGRAMME_ID } from "./messages.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const timing: Timing = loadTimingFromEnv();
const taskCount = benchNumber("BENCH_TASKS", 100_000);
const parts = new Set((process.env.BENCH_CALLS ?? "CreateTask,GetTask,ListTasks,ceiling").split(",").map((s) => s.trim()));
const cpuProfDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_CPU_PROF) : undefined;
const storeProfDir = process.env.BENCH_CPU_PROF_STORE
  ? path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_CPU_PROF_STORE)
  : undefined;
/** The unit whose overdue tasks ListTasks pages through. */
const LIST_UNIT = "VP";
const SERVICE_DB = "tasks";
const BASELINE_DB = "bench_driver_baseline";
const started = performance.now();

const round = roundTo;
const emit = (figure: Record<string, unknown>) => emitFigure("tasks", figure);
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);

// ------------------------------------------------------------------------------------------- processes

/** packages/embedded-mongo's CLI, in memory (as the old bench and the tests run it). */
async function startMongo(): Promise<{ uri: string; pid: number }> {
  if (storeProfDir) fs.mkdirSync(storeProfDir, { recursive: true });
  return startBenchMongo(path.join(root, "packages/embedded-mongo/dist/cli.js"), {
    nodeArgs: storeProfDir ? ["--cpu-prof", `--cpu-prof-dir=${storeProfDir}`] : [],
  });
}

/** The built service, started as the dev stack starts it (scripts/dev-stack.ts serviceEnv). */
async function startTasksService(opts: { dir: string; mongoUri: string; natsUrl: string; keyPath: string }) {
  const main = path.join(root, "services/tasks/dist/main.js");
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run ./scripts/bootstrap (or pnpm build) first`);
  const grpcPort = await freePort();
  const adminPort = await freePort();
  const logFile = path.join(opts.dir, "tasks.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVICE_NAME: "tasks",
    DEV_MODE: "true",
    MONGODB_URI: opts.mongoUri,
    NATS_URL: opts.natsUrl,
    AUTH_LOCAL_KEY_PATH: opts.keyPath,
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(grpcPort),
    ADMIN_PORT: String(adminPort),
    // The bench loads its own programme; the seed would add a second 2020 programme under the same id.
    SEED_DATA: "false",
    // Every bulk task of 2020 is overdue by the real clock: the watch would alert 100,000 of them mid-run.
    DEADLINE_WATCH_INTERVAL_MS: "3600000",
  };
  // pnpm's own variables (npm_*) and a NODE_OPTIONS of the caller's stay out: the service runs as `node dist/main.js`.
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  delete env.NODE_OPTIONS;
  if (process.env.BENCH_LOG_LEVEL) env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  else delete env.LOG_LEVEL;
  const flags = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [];
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  const child = startBenchChild("tasks", process.execPath, [...flags, main], { env, cwd: path.join(root, "services/tasks"), logFile });
  await waitForHttpOk(`http://127.0.0.1:${adminPort}/readyz`, child, { logFile });
  return { child, address: `127.0.0.1:${grpcPort}`, logFile };
}

async function startBaseline(args: string[]): Promise<{ address: string; pid: number }> {
  const child = startBenchScript(`baseline ${args[0]}`, path.join(benchDir, "baselines.ts"), args);
  const { port } = await jsonLine<{ port: number }>(child, "ready");
  return { address: `127.0.0.1:${port}`, pid: child.proc.pid! };
}

/**
 * The load client: one process for every figure (bench/load.ts reading jobs on stdin), each job with its
 * own client and connections; started once, so no figure pays for a process start.
 */
const loadDriver = new LoadDriver(() => startBenchScript("load", path.join(benchDir, "load.ts"), [], { stdin: true }));
/** A figure's result, and the CPU each watched process spent per call while it was measured (ms). */
type Measured = MeasuredLoad;
const load = (job: LoadJob, watch: Record<string, number> = {}) => loadDriver.run(job, watch);

/**
 * bench/report.ts (the quarter report figures) as a child, over the tasks this run loaded into the same
 * MongoDB process (the service process stopped first: the report runs its own service in-process).
 */
async function quarterReport(mongoUri: string): Promise<void> {
  const child = startBenchScript("report", path.join(benchDir, "report.ts"), [], { env: { ...process.env, BENCH_MONGODB_URI: mongoUri } });
  child.proc.stdout?.pipe(process.stdout, { end: false });
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`bench/report.ts ended with ${signal ?? code}`);
}

// ------------------------------------------------------------------------------------------------ run

interface Row {
  call: string;
  bare?: Measured;
  driver?: Measured;
  service?: Measured;
  goalBare: number;
  /** Highest overhead over (2): service time per call at most (1 + this) × the baseline's. */
  goalOverhead: number;
}

stopBenchChildrenOnSignals();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tasks-bench-"));
const rows: Row[] = [];
const ceiling: { op: string; result: LoadResult }[] = [];
let failed = false;
let profileDirBefore = new Set<string>();
let storeProfileDirBefore = new Set<string>();
try {
  note(`starting nats-server, the embedded MongoDB, the tasks service and the baselines (files in ${dir})`);
  const [natsUrl, store] = await Promise.all([startBenchNats(dir), startMongo()]);
  const mongoUri = store.uri;
  const keyPath = path.join(dir, "auth", "signing-key.pem");
  const authority = await createLocalAuthority({ keyPath });
  const token = await authority.issueToken({ sub: "vp-chief", name: "Chánh Văn phòng Bộ", roles: ["office_chief"], unit: "VP" }, "2h");
  if (cpuProfDir && fs.existsSync(cpuProfDir)) profileDirBefore = new Set(fs.readdirSync(cpuProfDir));
  if (storeProfDir && fs.existsSync(storeProfDir)) storeProfileDirBefore = new Set(fs.readdirSync(storeProfDir));
  const [service, bare, driverBaseline] = await Promise.all([
    startTasksService({ dir, mongoUri, natsUrl, keyPath }),
    startBaseline(["bare"]),
    startBaseline(["driver", mongoUri, SERVICE_DB, BASELINE_DB]),
  ]);

  // The programme through the service (as the Office creates it), its tasks straight into `tasks`.
  const programmes = new ProgrammeServiceClient(service.address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${token}`);
  const programme = await new Promise<CreateProgrammeResponse>((resolve, reject) =>
    programmes.createProgramme({ requestId: "", year: 2020, issuingBody: "", title: "" }, md, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
  programmes.close();
  if (programme.programme?.id !== PROGRAMME_ID) throw new Error(`the programme is ${programme.programme?.id}, not ${PROGRAMME_ID}`);
  const list = ListTasksRequest.toJSON(
    ListTasksRequest.fromPartial({
      programmeId: PROGRAMME_ID,
      unitId: LIST_UNIT,
      unitRole: UnitRole.UNIT_ROLE_LEAD,
      overdueOnly: true,
      page: { pageSize: 50, pageToken: "" },
    }),
  );
  const targets = [
    { key: "bare", address: bare.address, token: undefined, pid: bare.pid },
    { key: "driver", address: driverBaseline.address, token: undefined, pid: driverBaseline.pid },
    { key: "service", address: service.address, token, pid: service.child.proc.pid! },
  ] as const;
  const idsFile = path.join(dir, "ids.txt");
  type CallSpec = { call: string; method: "createTask" | "getTask" | "listTasks"; goalBare: number; goalOverhead: number };
  const measureCall = async (c: CallSpec) => {
    if (!parts.has(c.call)) return;
    const row: Row = { call: c.call, goalBare: c.goalBare, goalOverhead: c.goalOverhead };
    for (const t of targets) {
      note(`${c.call} on ${t.key}`);
      // The server's own CPU and the store's, per call (the bare server uses no store).
      const watch: Record<string, number> = t.key === "bare" ? { server: t.pid } : { server: t.pid, store: store.pid };
      const r = await load({ kind: "grpc", ...timing, address: t.address, method: c.method, token: t.token, idsFile, list }, watch);
      row[t.key] = r;
      const figure: Record<string, unknown> = {
        figure: `${c.call} ${t.key === "bare" ? "bare grpc-js (1)" : t.key === "driver" ? "driver baseline (2)" : "tasks service"}`,
        calls_per_sec: r.calls_per_sec,
        p50_ms: r.p50_ms,
        p99_ms: r.p99_ms,
        in_flight: timing.inFlight,
        server_cpu_ms_per_call: r.cpu_ms_per_call.server,
        store_cpu_ms_per_call: r.cpu_ms_per_call.store,
      };
      if (t.key !== "bare" && row.bare) figure.ratio_to_bare = round(r.calls_per_sec / row.bare.calls_per_sec);
      if (t.key === "service" && row.driver) {
        figure.ratio_to_driver = round(r.calls_per_sec / row.driver.calls_per_sec);
        // The time per call the platform and the service add, as a share of the driver baseline's.
        figure.overhead_vs_driver = round(row.driver.calls_per_sec / r.calls_per_sec - 1);
      }
      emit(figure);
    }
    rows.push(row);
  };

  // CreateTask first, into the programme still empty (a ministry's programme holds hundreds of tasks, not
  // 100,000), so it measures the common case; GetTask and ListTasks then read the 100,000 loaded tasks.
  await measureCall({ call: "CreateTask", method: "createTask", goalBare: 0.4, goalOverhead: 0.35 });

  const loadStarted = performance.now();
  const docs = bulkTasks(taskCount);
  const mongo = await MongoClient.connect(mongoUri);
  try {
    const tasks = mongo.db(SERVICE_DB).collection<TaskDocument>(TASKS);
    for (let i = 0; i < docs.length; i += 1000) await tasks.insertMany(docs.slice(i, i + 1000));
  } finally {
    await mongo.close();
  }
  emit({
    figure: `load of ${taskCount} tasks into the service's tasks collection`,
    unit: "s",
    value: round((performance.now() - loadStarted) / 1000, 1),
  });
  // GetTask reads 1,000 tasks spread over the programme, in turn.
  const step = Math.max(1, Math.floor(docs.length / 1000));
  fs.writeFileSync(
    idsFile,
    `${docs
      .filter((_, i) => i % step === 0)
      .map((d) => d._id)
      .join("\n")}\n`,
  );

  await measureCall({ call: "GetTask", method: "getTask", goalBare: 0.7, goalOverhead: 0.25 });
  await measureCall({ call: "ListTasks", method: "listTasks", goalBare: 0.5, goalOverhead: 0.25 });
  if (parts.has("ceiling")) {
    for (const op of ["ping", "findOne", "insertOne", "transaction"] as const) {
      note(`store ceiling: ${op}`);
      const r = await load({ kind: "driver", ...timing, uri: mongoUri, db: op === "findOne" ? SERVICE_DB : BASELINE_DB, op, idsFile });
      ceiling.push({ op, result: r });
      emit({
        figure: `store ceiling (3) ${op}${op === "transaction" ? " (3 inserts)" : ""}, driver from the load process`,
        calls_per_sec: r.calls_per_sec,
        p50_ms: r.p50_ms,
        p99_ms: r.p99_ms,
        in_flight: timing.inFlight,
      });
    }
  }
  await loadDriver.stop();
  if (process.env.BENCH_REPORT !== "0") {
    note("the quarter report (bench/report.ts) over the same tasks");
    // Stopped first: the report runs the service in its own process, over the same database.
    await service.child.stop();
    await quarterReport(mongoUri);
  }
} catch (err) {
  failed = true;
  if (!benchInterrupted()) note(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  // Newest first: the baselines, then the service (which writes its CPU profile as it exits), MongoDB, NATS.
  await stopBenchChildren();
}

// ---------------------------------------------------------------------------------------------- report

const n = formatCount;
const ms = formatMs;
const cell = throughputCell;
const ratio = throughputRatio;
const lines = [
  "",
  `tasks service, ${timing.inFlight} calls in flight for ${timing.seconds} s each (after ${timing.warmupSeconds} s of warm-up), every part in its own process:`,
  "",
  "| call | bare grpc-js (1) | driver baseline (2) | tasks service | ratio to (1) | ratio to (2) | goal |",
  "|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.call} | ${cell(r.bare)} | ${cell(r.driver)} | ${cell(r.service)} | ${ratio(r.service, r.bare)} | ${ratio(r.service, r.driver)} | ≥ ${r.goalBare.toFixed(2)} of (1); ≥ ${(1 / (1 + r.goalOverhead)).toFixed(2)} of (2) (overhead ≤ ${r.goalOverhead * 100} %) |`,
  ),
];
// CPU time per call, per process: which process a call's cost is in.
const cpuCell = (r: Measured | undefined, name: string) => {
  const v = r?.cpu_ms_per_call[name];
  return v === undefined ? "–" : `${v.toFixed(2)} ms`;
};
lines.push(
  "",
  "CPU per call (the process's user + system time over the measured span, divided by its calls):",
  "",
  "| call | bare server (1) | driver baseline server (2) | its store | tasks service | its store | service CPU vs (2)'s |",
  "|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const own = r.service?.cpu_ms_per_call.server;
    const base = r.driver?.cpu_ms_per_call.server;
    const vs = own !== undefined && base !== undefined && base > 0 ? `${(own / base).toFixed(2)}×` : "–";
    return `| ${r.call} | ${cpuCell(r.bare, "server")} | ${cpuCell(r.driver, "server")} | ${cpuCell(r.driver, "store")} | ${cpuCell(r.service, "server")} | ${cpuCell(r.service, "store")} | ${vs} |`;
  }),
);
if (ceiling.length > 0)
  lines.push(
    "",
    "| store ceiling (3), driver from the load process | calls/s | p50 | p99 |",
    "|---|---|---|---|",
    ...ceiling.map((c) => `| ${c.op} | ${n(c.result.calls_per_sec)} | ${ms(c.result.p50_ms)} ms | ${ms(c.result.p99_ms)} ms |`),
  );
lines.push(
  "",
  `ListTasks: unit ${LIST_UNIT}'s overdue tasks (lead unit), page of 50, over ${n(taskCount)} tasks of programme ${PROGRAMME_ID}.`,
  machineLine(started),
);
process.stdout.write(`${lines.join("\n")}\n`);

// Each figure's measured span (on the machine's monotonic clock, as the profiles' samples), so a profile
// can be read per call (cpuprofile-top.ts).
const windows = Object.fromEntries(
  rows.flatMap((r) => (r.service ? [[r.call, { from_us: r.service.from_us, to_us: r.service.to_us }]] : [])),
);
function printProfiles(dir: string, before: Set<string>, what: string): void {
  const profiles = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile") && !before.has(f))
    .map((f) => path.join(dir, f));
  for (const p of profiles) {
    fs.writeFileSync(`${p}.windows.json`, `${JSON.stringify(windows, null, 2)}\n`);
    const profile = JSON.parse(fs.readFileSync(p, "utf8")) as CpuProfile;
    for (const [call, window] of Object.entries(windows)) {
      process.stdout.write(`\n${what} under ${call} load (${p}): top self time\n\n`);
      printTop(topSelfTime(profile, window), 25);
    }
  }
  if (profiles.length === 0) note(`no new .cpuprofile in ${dir} (did the process exit cleanly?)`);
}
if (cpuProfDir) printProfiles(cpuProfDir, profileDirBefore, "The service");
if (storeProfDir) printProfiles(storeProfDir, storeProfileDirBefore, "The embedded MongoDB");
// Kept after a failure: the service's log (tasks.log) explains it.
if (failed) note(`the run's files (the service's log tasks.log) are in ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
