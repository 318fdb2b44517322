/**
 * What the gateway adds to a portal's call, in one run: `GET /v1/tasks` with filters and
 * `POST /v1/tasks/{id}/progress` through the gateway, against the same calls made directly by gRPC and
 * against a bare fastify route answering the same bytes (the floor of HTTP). Every part is a process of
 * its own, so the figures mean something on a small machine:
 *
 *   nats-server (JetStream) · the embedded MongoDB (in memory) · the tasks service · the gateway (dist/
 *   main.js, or src/main.ts through tsx when the build is older than src/) · the bare fastify server
 *   (bench/bare-http.ts) · and this process, the load: autocannon for HTTP, a grpc-js closed loop for
 *   gRPC (bench/load.ts), both with BENCH_CONNECTIONS requests in flight.
 *
 * Data: a 2020 programme of BENCH_TASKS tasks made through the service's API, approved; two thirds led
 * by CCHC, 80 % of all under way. Calls, as the Chief of Office (office_chief, who may record progress
 * on any task):
 *   list      GET /v1/tasks?unit=CCHC&status=in_progress&pageSize=20 | ListTasks with the same filters
 *             (every answer a full page of 20; the gateway's first answer holds the same tasks as gRPC's)
 *   progress  POST /v1/tasks/{id}/progress {note, percent} | RecordProgress, the id in turn over CCHC's
 *             tasks under way (no two requests on one task at once). Checked: the tasks' versions grew
 *             by exactly the number of 2xx answers (OK calls), one new progress note each.
 * Each figure: a warm-up, then BENCH_SECONDS measured.
 *
 * Output: one JSON line per phase {bench, name, connections, durationS, requests, rps, p50Ms, p99Ms,
 * errors, non2xx, cpuMsPerRequest}, then a summary line with, per call,
 *   gatewayCostRatio = grpcRps / gatewayRps   (time per request through the gateway over the direct call's)
 *   overhead         = gatewayCostRatio − 1   (goal: at most BENCH_GOAL_OVERHEAD, 0.30)
 * and Markdown tables on stderr. Exit code 1 when a check fails (a non-2xx answer, an error, a count
 * that does not add up); a missed goal is reported, not a failure.
 *
 *   pnpm --filter @ministry/gateway bench     (or `pnpm bench` in services/gateway)
 *
 * Settings: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (64), BENCH_TASKS (400),
 * BENCH_CALLS (list,progress), BENCH_GOAL_OVERHEAD (0.30), BENCH_LOG_LEVEL (warn: the tasks service's
 * and the gateway's LOG_LEVEL), BENCH_CPU_PROF=<dir> (the gateway runs with --cpu-prof into <dir>; its
 * top self time per package and function under each gateway phase is printed at the end),
 * BENCH_GATEWAY_NODE_ARGS (Node flags for the gateway process, to try one), BENCH_GATEWAY_ENTRY (another
 * main.ts to run as the gateway, through tsx: a patched copy to compare with).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLocalAuthority, createLogger } from "@ministry/platform";
import {
  benchInterrupted,
  benchNumber,
  emitFigure,
  formatCount,
  formatMs,
  machineLine,
  markdownTable,
  startBenchMongo,
  startBenchNats,
  stopBenchChildren,
  stopBenchChildrenOnSignals,
} from "@ministry/platform/testing";
import { type HttpTarget, type LoadSettings, type Measured, measureGrpc, measureHttp } from "./load.js";
import { root, startBareHttp, startGatewayProcess, startTasks } from "./processes.js";
import { type CpuProfile, formatTop, topOf } from "./profile.js";
import {
  createBenchTasks,
  LIST_QUERY,
  LIST_REQUEST,
  PAGE_SIZE,
  progressBody,
  progressRequest,
  taskClient,
  unary,
  versionSum,
} from "./tasks-data.js";

const settings: LoadSettings = {
  connections: benchNumber("BENCH_CONNECTIONS", 64),
  seconds: benchNumber("BENCH_SECONDS", 10),
  warmupSeconds: benchNumber("BENCH_WARMUP_SECONDS", 2),
};
const taskCount = benchNumber("BENCH_TASKS", 400);
const goal = benchNumber("BENCH_GOAL_OVERHEAD", 0.3);
const logLevel = process.env.BENCH_LOG_LEVEL ?? "warn";
const calls = new Set((process.env.BENCH_CALLS ?? "list,progress").split(",").map((s) => s.trim()));
const cpuProfDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_CPU_PROF) : undefined;
const started = performance.now();
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const log = createLogger("gateway-bench", "warn");

type Target = "bare" | "grpc" | "gateway";
const TARGET_NAMES: Record<Target, string> = { bare: "bare fastify", grpc: "direct gRPC", gateway: "gateway" };
const CALL_NAMES: Record<string, { http: string; rpc: string }> = {
  list: { http: "GET /v1/tasks", rpc: "ListTasks" },
  progress: { http: "POST /v1/tasks/{id}/progress", rpc: "RecordProgress" },
};
interface Phase extends Measured {
  call: string;
  target: Target;
}

const phases: Phase[] = [];
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

function record(call: string, target: Target, m: Measured): void {
  phases.push({ call, target, ...m });
  const { window: _window, okTotal: _ok, ...figure } = m;
  emitFigure("gateway", {
    name: `${call}/${target}`,
    call: target === "grpc" ? CALL_NAMES[call]!.rpc : CALL_NAMES[call]!.http,
    target: TARGET_NAMES[target],
    connections: settings.connections,
    ...figure,
  });
  check(m.non2xx === 0, `${call}/${target}: ${m.non2xx} non-2xx answers`);
  check(m.errors === 0, `${call}/${target}: ${m.errors} errors`);
}

stopBenchChildrenOnSignals();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-bench-"));
let failed = false;
let profileDirBefore = new Set<string>();
try {
  note(`starting nats-server, the embedded MongoDB, the tasks service, the gateway and the bare fastify server (files in ${dir})`);
  const [natsUrl, mongo] = await Promise.all([
    startBenchNats(dir),
    startBenchMongo(path.join(root, "packages/embedded-mongo/dist/cli.js")),
  ]);
  const keyPath = path.join(dir, "auth", "signing-key.pem");
  const authority = await createLocalAuthority({ keyPath });
  // The Chief of Office: reads every task and may record progress on any (the tasks service's Access).
  const token = await authority.issueToken({ sub: "vp-head", name: "Chánh Văn phòng Bộ", roles: ["office_chief"], unit: "VP" }, "2h");
  const stack = { dir, mongoUri: mongo.uri, natsUrl, keyPath, logLevel, note };
  const tasks = await startTasks(stack);
  const data = await createBenchTasks(tasks.address, token, log, taskCount);
  note(`${taskCount} tasks in programme ${data.programmeId}; ${data.progressIds.length} of CCHC's under way`);
  if (cpuProfDir) {
    fs.mkdirSync(cpuProfDir, { recursive: true });
    profileDirBefore = new Set(fs.readdirSync(cpuProfDir));
  }
  const gateway = await startGatewayProcess({ ...stack, tasksAddress: tasks.address, tasksAdminUrl: tasks.adminUrl, cpuProfDir });
  const auth = { authorization: `Bearer ${token}` };

  // The answers the bare server repeats, and a first check that the gateway answers what gRPC does.
  const direct = taskClient(tasks.address, token, log);
  const listDirect = unary(direct, direct.listTasks);
  const recordDirect = unary(direct, direct.recordProgress);
  const listRes = await fetch(`${gateway.url}/v1/tasks?${LIST_QUERY}`, { headers: auth });
  const listBody = await listRes.text();
  const viaGrpc = (await listDirect(LIST_REQUEST)).tasks.map((t) => t.id);
  const viaGateway = listRes.ok ? (JSON.parse(listBody) as { tasks: { id: string }[] }).tasks.map((t) => t.id) : [];
  if (!listRes.ok) throw new Error(`GET /v1/tasks answered ${listRes.status}: ${listBody}`);
  if (viaGrpc.length !== PAGE_SIZE || viaGateway.join() !== viaGrpc.join())
    throw new Error(`the gateway listed ${viaGateway.length} tasks, gRPC ${viaGrpc.length}, or not the same ones`);
  const progressRes = await fetch(`${gateway.url}/v1/tasks/${data.progressIds[0]}/progress`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(progressBody(0)),
  });
  const progressAnswer = await progressRes.text();
  if (!progressRes.ok) throw new Error(`POST /v1/tasks/{id}/progress answered ${progressRes.status}: ${progressAnswer}`);
  const bodiesFile = path.join(dir, "bodies.json");
  fs.writeFileSync(bodiesFile, JSON.stringify({ list: listBody, progress: progressAnswer }));
  const bare = await startBareHttp(bodiesFile);
  note(
    `answers: GET /v1/tasks ${formatCount(listBody.length)} bytes (${PAGE_SIZE} tasks), progress ${formatCount(progressAnswer.length)} bytes`,
  );

  const watch = { bare: bare.pid, gateway: gateway.pid, tasks: tasks.pid, mongodb: mongo.pid };
  const ids = data.progressIds;
  // One counter per phase, so each phase spreads its requests over every task in turn.
  const roundRobin = () => {
    let n = 0;
    return () => {
      const i = n++;
      return { id: ids[i % ids.length]!, n: i };
    };
  };
  const progressTarget = (url: string): HttpTarget => {
    const next = roundRobin();
    return {
      url,
      method: "POST",
      path: `/v1/tasks/${ids[0]}/progress`,
      headers: { ...auth, "content-type": "application/json" },
      each: () => {
        const { id, n } = next();
        return { path: `/v1/tasks/${id}/progress`, body: JSON.stringify(progressBody(n)) };
      },
    };
  };
  const listTarget = (url: string): HttpTarget => ({ url, method: "GET", path: `/v1/tasks?${LIST_QUERY}`, headers: auth });

  if (calls.has("list")) {
    note("list: bare fastify");
    record("list", "bare", await measureHttp(listTarget(bare.url), settings, watch));
    note("list: direct gRPC");
    const grpcList = await measureGrpc(
      async () => {
        const res = await listDirect(LIST_REQUEST);
        // A page that is not full would make the figure cheaper than what it claims to measure.
        if (res.tasks.length !== PAGE_SIZE) throw new Error(`ListTasks answered ${res.tasks.length} tasks`);
      },
      settings,
      watch,
    );
    record("list", "grpc", grpcList);
    note("list: gateway");
    record("list", "gateway", await measureHttp(listTarget(gateway.url), settings, watch));
  }

  if (calls.has("progress")) {
    note("progress: bare fastify");
    record("progress", "bare", await measureHttp(progressTarget(bare.url), settings, watch));

    note("progress: direct gRPC");
    let before = await versionSum(tasks.address, token, log, ids);
    const next = roundRobin();
    const grpcProgress = await measureGrpc(
      () => {
        const { id, n } = next();
        return recordDirect(progressRequest(id, n));
      },
      settings,
      watch,
    );
    record("progress", "grpc", grpcProgress);
    let after = await versionSum(tasks.address, token, log, ids);
    check(after - before === grpcProgress.okTotal, `progress/grpc: versions grew by ${after - before}, ${grpcProgress.okTotal} calls OK`);
    note(`progress/grpc: ${formatCount(grpcProgress.okTotal)} calls OK, the tasks' versions grew by ${formatCount(after - before)}`);

    note("progress: gateway");
    before = after;
    const gatewayProgress = await measureHttp(progressTarget(gateway.url), settings, watch);
    record("progress", "gateway", gatewayProgress);
    after = await versionSum(tasks.address, token, log, ids);
    check(
      after - before === gatewayProgress.okTotal,
      `progress/gateway: versions grew by ${after - before}, ${gatewayProgress.okTotal} answers 2xx`,
    );
    note(
      `progress/gateway: ${formatCount(gatewayProgress.okTotal)} answers 2xx, the tasks' versions grew by ${formatCount(after - before)}`,
    );
  }
  direct.close();
} catch (err) {
  failed = true;
  if (!benchInterrupted()) note(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  // Newest first: the bare server, the gateway (which writes its CPU profile as it exits), the service, MongoDB, NATS.
  await stopBenchChildren();
}

// ---------------------------------------------------------------------------------------------- report

const find = (call: string, target: Target) => phases.find((p) => p.call === call && p.target === target);
const summary: Record<string, unknown> = { name: "summary", goalOverhead: goal };
const rows: string[][] = [];
const cell = (p: Phase | undefined) => (p ? `${formatCount(p.rps)}/s, p50 ${formatMs(p.p50Ms)} ms, p99 ${formatMs(p.p99Ms)} ms` : "–");
let goalMet = true;
for (const call of ["list", "progress"].filter((c) => calls.has(c))) {
  const [bare, grpc, gw] = [find(call, "bare"), find(call, "grpc"), find(call, "gateway")];
  if (!grpc || !gw) continue;
  const ratio = grpc.rps / gw.rps;
  const overhead = ratio - 1;
  const met = overhead <= goal;
  goalMet &&= met;
  // CPU per request: what the gateway process spends, against what the direct call costs the service and its store.
  const serverCpu = (p: Phase) => (p.cpuMsPerRequest.tasks ?? 0) + (p.cpuMsPerRequest.mongodb ?? 0);
  summary[call] = {
    gatewayCostRatio: Number(ratio.toFixed(3)),
    overhead: Number(overhead.toFixed(3)),
    goalMet: met,
    p99AddedMs: Number((gw.p99Ms - grpc.p99Ms).toFixed(2)),
    gatewayCpuMsPerRequest: gw.cpuMsPerRequest.gateway,
    serviceAndStoreCpuMsPerRequest: Number(serverCpu(grpc).toFixed(3)),
    // The same question in CPU rather than wall time (steadier on a machine shared with other work).
    cpuOverhead: Number(((gw.cpuMsPerRequest.gateway ?? 0) / serverCpu(grpc)).toFixed(3)),
    bareFastifyRps: bare?.rps,
  };
  rows.push([
    call === "list" ? `GET /v1/tasks?${LIST_QUERY} · ListTasks` : "POST /v1/tasks/{id}/progress · RecordProgress",
    cell(bare),
    cell(grpc),
    cell(gw),
    `${(overhead * 100).toFixed(0)} % (${met ? "met" : "NOT met"})`,
    `${(gw.cpuMsPerRequest.gateway ?? 0).toFixed(2)} ms ÷ ${serverCpu(grpc).toFixed(2)} ms = ${(((gw.cpuMsPerRequest.gateway ?? 0) / serverCpu(grpc)) * 100).toFixed(0)} %`,
  ]);
}
summary.goalMet = goalMet;
summary.checks = failures.length === 0 && !failed ? "passed" : "failed";
if (phases.length > 0) emitFigure("gateway", summary);

const cpuCell = (p: Phase, name: string) => {
  const v = p.cpuMsPerRequest[name];
  return v === undefined ? "–" : v.toFixed(3);
};
const lines = [
  "",
  `gateway bench: ${settings.connections} requests in flight, ${settings.seconds} s measured after ${settings.warmupSeconds} s of warm-up, every part in its own process.`,
  `Overhead = direct gRPC's requests/s ÷ the gateway's − 1 (the time a request takes through the gateway over the direct call's); goal ≤ ${(goal * 100).toFixed(0)} %.`,
  "",
  ...markdownTable(
    ["call", "bare fastify (HTTP floor)", "direct gRPC", "gateway", "overhead vs gRPC", "gateway CPU ÷ service + store CPU"],
    rows,
  ),
  "",
  "CPU per request (ms; each process's user + system time over the measured span ÷ its requests; bench = the load generator):",
  "",
  ...markdownTable(
    ["phase", "bench", "bare fastify", "gateway", "tasks", "mongodb"],
    phases.map((p) => [`${p.call}/${p.target}`, ...["bench", "bare", "gateway", "tasks", "mongodb"].map((n) => cpuCell(p, n))]),
  ),
  "",
  failed
    ? "The run FAILED (above); the figures measured before the failure are shown."
    : failures.length === 0
      ? "Checks: every answer 2xx, no errors; the tasks' versions grew by exactly the progress calls that succeeded."
      : `Checks FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`,
  machineLine(started),
];
process.stderr.write(`${lines.join("\n")}\n`);

if (cpuProfDir) {
  const profiles = fs
    .readdirSync(cpuProfDir)
    .filter((f) => f.endsWith(".cpuprofile") && !profileDirBefore.has(f))
    .map((f) => path.join(cpuProfDir, f));
  if (profiles.length === 0) note(`no new .cpuprofile in ${cpuProfDir} (did the gateway exit cleanly?)`);
  const gatewayPhases = phases.filter((x) => x.target === "gateway");
  for (const file of profiles) {
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    // Each phase's span beside the profile, to read it again: tsx bench/profile.ts <file> <from_us> <to_us>.
    fs.writeFileSync(
      `${file}.windows.json`,
      `${JSON.stringify(Object.fromEntries(gatewayPhases.map((p) => [p.call, p.window])), null, 2)}\n`,
    );
    for (const p of gatewayPhases) {
      const top = topOf(profile, p.window);
      // A worker thread's profile (tsx's loader) holds nothing of the requests.
      if (top.busyMs === 0) continue;
      process.stderr.write(`\nThe gateway under ${p.call} load (${file}): self time\n\n${formatTop(top, 20).join("\n")}\n`);
    }
  }
}

if (failed || failures.length > 0) note(`the run's files (the services' logs) are in ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed || failures.length > 0 ? 1 : 0);
