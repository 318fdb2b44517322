/**
 * The quarter report over 100,000 tasks loaded straight into the `tasks` collection (the second script
 * of `pnpm --filter @ministry/tasks bench`, after bench/run.ts): the use case (Reports.report), GetReport
 * over gRPC with and without lines, and the XLSX export. One JSON line per figure.
 *
 * The service runs in this process (its use cases are timed directly, on a clock set to the day the
 * Office compiles the first quarter's report); the embedded MongoDB and nats-server in their own.
 *
 *   tsx bench/report.ts      (BENCH_TASKS=100000; BENCH_MONGODB_URI: a server with them loaded already)
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type * as grpc from "@grpc/grpc-js";
import { createClient, type Identity, ManualClock, startService } from "@ministry/platform";
import { freePort, startNatsServer } from "@ministry/platform/testing";
import {
  type CreateProgrammeRequest,
  type CreateProgrammeResponse,
  ExportReportRequest,
  type ExportReportResponse,
  FileFormat,
  GetReportRequest,
  GetReportResponse,
  ProgrammeServiceClient,
  ReportServiceClient,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import type { Services } from "../src/app/index.js";
import type { ReportResult } from "../src/app/reports.js";
import { type Period, periodBounds } from "../src/domain/deadline.js";
import { REPORT_CATEGORIES } from "../src/domain/report.js";
import { tasksService } from "../src/service.js";
import { bulkTasks, NOW } from "./messages.js";

const taskCount = Number(process.env.BENCH_TASKS ?? 100_000);
const TARGET_MS = 500;
const benchStarted = performance.now();

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: "tasks", ...figure })}\n`);
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

// ---------------------------------------------------------------------------------------------------
// Measuring

interface Runs {
  p50: number;
  max: number;
  runs: number[];
}

/** `warm` unmeasured runs, then `runs` timed ones (ms). */
async function timed(fn: () => Promise<unknown> | unknown, runs = 5, warm = 1): Promise<Runs> {
  for (let i = 0; i < warm; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: round(sorted[Math.floor((sorted.length - 1) / 2)]),
    max: round(sorted[sorted.length - 1]),
    runs: times.map((t) => round(t)),
  };
}

type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown;

function unary<Req, Res>(client: object, method: Unary<Req, Res>): (req: Req) => Promise<Res> {
  return (req) => new Promise((resolve, reject) => method.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));
}

// ---------------------------------------------------------------------------------------------------
// The service

/** packages/embedded-mongo's CLI on a free port, in memory, stopped with SIGTERM. */
async function startMongoProcess(): Promise<{ uri: string; stop(): Promise<void> }> {
  const port = await freePort();
  const cli = fileURLToPath(new URL("../../../packages/embedded-mongo/dist/cli.js", import.meta.url));
  const child = spawn(process.execPath, [cli, "--port", String(port), "--log-level", "info"], { stdio: ["ignore", "pipe", "inherit"] });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = out.split("\n").find((l) => l.includes("embedded-mongo ready"));
      if (ready) resolve(JSON.parse(ready).uri as string);
    });
    child.once("exit", (code) => reject(new Error(`embedded-mongo exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return {
    uri,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

// The database in its own process, as in the dev stack and in production (a server of its own): this
// process holds the client and the service.
// BENCH_MONGODB_URI: a server bench/run.ts already loaded (the programme and its tasks in `tasks`), so the
// run loads the 100,000 tasks once for both scripts.
const given = process.env.BENCH_MONGODB_URI;
const mongo = given ? { uri: given, stop: async () => {} } : await startMongoProcess();
const nats = await startNatsServer();
const clock = new ManualClock(NOW);
let services: Services | undefined;
const svc = await startService(
  tasksService((r) => {
    services = r.services;
  }),
  {
    clock,
    env: {
      ...process.env,
      NATS_URL: nats.url,
      LOG_LEVEL: "warn",
      MONGODB_URI: mongo.uri,
      GRPC_PORT: "0",
      ADMIN_PORT: "0",
      // The platform lets only a development run use the local signing authority (its tokens drive the bench).
      DEV_MODE: "true",
      SEED_DATA: "false",
      // The watch would scan the 100,000 tasks while the report is timed.
      DEADLINE_WATCH_INTERVAL_MS: "3600000",
    },
  },
);
const open: { close(): void }[] = [];

try {
  if (!services) throw new Error("the service did not call onReady");
  const app: Services = services;
  const authority = svc.ctx.authority!;
  const token = await authority.issueToken({ sub: "vp-chief", name: "Chánh Văn phòng Bộ", roles: ["office_chief"], unit: "VP" });
  const options = { log: svc.ctx.log, token: () => token };
  const programmes = createClient(ProgrammeServiceClient, svc.grpc.address, options);
  open.push(programmes);

  if (!given)
    await unary<CreateProgrammeRequest, CreateProgrammeResponse>(
      programmes,
      programmes.createProgramme,
    )({ requestId: "", year: 2020, issuingBody: "", title: "" });

  // -------------------------------------------------------------------------------------------------
  // 3. The quarter report over 100,000 tasks

  const collection = app.app.tasks.collection;
  if (!given) {
    const buildStarted = performance.now();
    const docs = bulkTasks(taskCount);
    const buildMs = performance.now() - buildStarted;
    const loadStarted = performance.now();
    for (let i = 0; i < docs.length; i += 1000) await collection.insertMany(docs.slice(i, i + 1000));
    const loadMs = performance.now() - loadStarted;
    emit({
      figure: `load of ${taskCount} tasks into the tasks collection (insertMany, batches of 1000, indexes maintained)`,
      unit: "ms",
      value: Math.round(loadMs),
      docs_per_s: Math.round(docs.length / (loadMs / 1000)),
      build_documents_ms: Math.round(buildMs),
      // The embedded server keeps every document on this process's heap: the garbage collector's share below.
      heap_used_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
    });
  }

  const period: Period = { kind: "quarter", year: 2020, quarter: 1 };
  const { start, end } = periodBounds(period);
  const quarterFilter = { deadline: { $gte: start, $lt: end } };
  const inQuarter = await collection.countDocuments(quarterFilter);
  const byStatus = Object.fromEntries(
    (
      await collection
        .aggregate<{ _id: string; n: number }>([{ $match: quarterFilter }, { $group: { _id: "$status", n: { $sum: 1 } } }])
        .toArray()
    )
      .sort((a, b) => (a._id < b._id ? -1 : 1))
      .map((s) => [s._id, s.n]),
  );

  const identity: Identity = { userId: "vp-chief", name: "Chánh Văn phòng Bộ", roles: ["office_chief"], unitId: "VP" };
  const reportFigure = (figure: string, runs: Runs, result: ReportResult, extra: Record<string, unknown> = {}) =>
    emit({
      figure,
      unit: "ms",
      value: runs.p50,
      p50_ms: runs.p50,
      max_ms: runs.max,
      runs_ms: runs.runs,
      target_ms: TARGET_MS,
      within_target: runs.p50 < TARGET_MS,
      tasks_in_quarter: inQuarter,
      tasks_counted: result.report.totals.total,
      lines: result.lines.length,
      ...extra,
    });

  // The figures (counts grouped by the database), with no list, with the default list, and with every
  // task (the export's and the snapshot's read).
  let last: ReportResult | undefined;
  const figuresOnly = await timed(async () => {
    last = await app.reports.report(identity, { period }, { limit: 0 });
  });
  const counted = last!;
  reportFigure(
    `quarter report Q1/2020 over ${taskCount.toLocaleString("en")} tasks: figures (Reports.report, no list)`,
    figuresOnly,
    counted,
    {
      quarter_by_status: byStatus,
      totals: Object.fromEntries(REPORT_CATEGORIES.map((c) => [c, counted.report.totals[c]])),
    },
  );
  const withList = await timed(async () => {
    last = await app.reports.report(identity, { period });
  });
  reportFigure("quarter report Q1/2020: figures and the first 1,000 tasks (GetReport's default)", withList, last!);
  const everything = await timed(async () => {
    last = await app.reports.report(identity, { period }, "all");
  }, 3);
  const all = last!;
  reportFigure("quarter report Q1/2020: every task read (the export's and the snapshot's path)", everything, all, {
    figures_agree_with_counts:
      JSON.stringify(REPORT_CATEGORIES.map((c) => all.report.totals[c])) ===
      JSON.stringify(REPORT_CATEGORIES.map((c) => counted.report.totals[c])),
  });

  // Over gRPC, as a portal asks.
  const reports = createClient(ReportServiceClient, svc.grpc.address, options);
  open.push(reports);
  const getReport = unary<GetReportRequest, GetReportResponse>(reports, reports.getReport);
  for (const omitLines of [true, false]) {
    let bytes = 0;
    const request = GetReportRequest.fromPartial({
      period: { period: { $case: "quarter", value: { year: 2020, quarter: 1 } } },
      omitLines,
    });
    const r = await timed(async () => {
      bytes = GetReportResponse.encode(await getReport(request)).finish().length;
    });
    emit({
      figure: `GetReport Q1/2020 over gRPC, ${omitLines ? "omit_lines" : "default (first 1,000 lines)"}`,
      unit: "ms",
      value: r.p50,
      p50_ms: r.p50,
      max_ms: r.max,
      runs_ms: r.runs,
      target_ms: TARGET_MS,
      within_target: r.p50 < TARGET_MS,
      response_bytes: bytes,
    });
  }
  const exportReport = unary<ExportReportRequest, ExportReportResponse>(reports, reports.exportReport);
  let fileBytes = 0;
  const exported = await timed(async () => {
    const res = await exportReport(
      ExportReportRequest.fromPartial({
        report: { period: { period: { $case: "quarter", value: { year: 2020, quarter: 1 } } } },
        format: FileFormat.FILE_FORMAT_XLSX,
      }),
    );
    fileBytes = res.file!.content.length;
  }, 2);
  emit({
    figure: "ExportReport Q1/2020 as XLSX over gRPC (every task listed)",
    unit: "ms",
    value: exported.p50,
    runs_ms: exported.runs,
    file_bytes: fileBytes,
  });
} finally {
  for (const c of open) c.close();
  await svc.stop();
  await nats.dispose();
  await mongo.stop();
  emit({ figure: "whole bench wall time", unit: "s", value: round((performance.now() - benchStarted) / 1000) });
}
