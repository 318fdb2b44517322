/**
 * The tasks service under load, against bare grpc-js measured in the same run on the same messages.
 * Prints one JSON line per figure.
 *
 *   1. Baseline: a bare grpc-js server (no interceptors, no database) serving TaskService with
 *      CreateTask/GetTask handlers that answer a fixed Task, so it pays the same message encoding.
 *   2. The real service (embedded MongoDB through the official driver, its own nats-server, the
 *      platform's gRPC stack with auth): CreateTask and GetTask, 32 in flight, with ratio_to_bare.
 *   3. The quarter report over 100,000 tasks loaded straight into the `tasks` collection: the use case
 *      (Reports.report), GetReport over gRPC with and without lines, and where the time goes.
 *
 *   pnpm --filter @ministry/tasks bench      (BENCH_SECONDS=3, BENCH_IN_FLIGHT=32, BENCH_TASKS=100000)
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { createClient, ManualClock, startService, type Identity } from "@ministry/platform";
import { freePort, measureInFlight, startNatsServer } from "@ministry/platform/testing";
import {
  type CreateProgrammeRequest,
  type CreateProgrammeResponse,
  CreateTaskRequest,
  ExportReportRequest,
  type ExportReportResponse,
  FileFormat,
  GetReportRequest,
  GetReportResponse,
  ProgrammeServiceClient,
  ReportServiceClient,
  TaskServiceClient,
  TaskServiceService,
  type CreateTaskResponse,
  type GetTaskRequest,
  type GetTaskResponse,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import type { Services } from "../src/app/index.js";
import type { ReportResult } from "../src/app/reports.js";
import { periodBounds, type DeadlineSpec, type Period } from "../src/domain/deadline.js";
import { recordProgress, transition } from "../src/domain/lifecycle.js";
import { REPORT_CATEGORIES, type ReportCategory, type TaskReport } from "../src/domain/report.js";
import { DEFAULT_VOCABULARY, validateNewTask, type Task } from "../src/domain/task.js";
import { DEFAULT_TASK_KINDS, DEFAULT_UNITS, type AuthorityCode } from "../src/domain/vocabulary.js";
import { toProtoTask } from "../src/grpc/mapping.js";
import { tasksService } from "../src/service.js";
import { taskToDocument, type StoredTask, type TaskDocument } from "../src/store/documents.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const taskCount = Number(process.env.BENCH_TASKS ?? 100_000);
const TARGET_MS = 500;
const benchStarted = performance.now();

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: "tasks", ...figure })}\n`);
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

// ---------------------------------------------------------------------------------------------------
// Measuring

/** `inFlight` loops calling `call` for the bench duration, after 200 calls one at a time. */
const measure = (call: (i: number) => Promise<unknown>) => measureInFlight(call, { seconds, inFlight });

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
// The messages

const NOW = new Date("2020-04-15T03:00:00Z"); // the Office compiles the first quarter's report
const PROGRAMME_ID = "bnv-2020";

/** Realistic requests, deadlines after NOW (the first quarter's figures come from the bulk load only). */
const CREATE_REQUESTS: CreateTaskRequest[] = [
  {
    title: "Nghị định quy định về tuyển dụng, sử dụng và quản lý công chức, thay thế Nghị định số 24/2010/NĐ-CP",
    kind: "NGHI_DINH",
    authority: "CHINH_PHU",
    leadUnit: "CCVC",
    coordinatingUnits: ["PC", "TCCB"],
    assignee: "Nguyễn Thị Thu Hương",
    deadline: "Quý III/2020",
  },
  {
    title: "Thông tư hướng dẫn về vị trí việc làm, cơ cấu ngạch công chức trong cơ quan hành chính nhà nước",
    kind: "THONG_TU",
    authority: "BO_TRUONG",
    leadUnit: "TCBC",
    coordinatingUnits: ["PC"],
    assignee: "Trần Văn Minh",
    deadline: "Tháng 6/2020",
  },
  {
    title: "Đề án cải cách chính sách tiền lương đối với cán bộ, công chức, viên chức và lực lượng vũ trang",
    kind: "DE_AN",
    authority: "THU_TUONG",
    leadUnit: "TL",
    coordinatingUnits: ["KHTC", "TCBC", "PC"],
    assignee: "Lê Hoàng Nam",
    deadline: "30/09/2020",
  },
  {
    title: "Báo cáo tổng kết 10 năm thực hiện Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2011-2020",
    kind: "BAO_CAO",
    authority: "CHINH_PHU",
    leadUnit: "CCHC",
    coordinatingUnits: ["VP"],
    assignee: "Phạm Thị Lan",
    deadline: "Quý IV/2020",
  },
].map((t) =>
  CreateTaskRequest.fromPartial({
    programmeId: PROGRAMME_ID,
    title: t.title,
    kind: t.kind,
    authority: t.authority,
    leadUnit: t.leadUnit,
    coordinatingUnits: t.coordinatingUnits,
    assignee: t.assignee,
    deadline: { spec: { $case: "text", value: t.deadline } },
  }),
);

/** The Task the bare server answers with: the first request as the service would store and map it. */
function fixedTask() {
  const r = CREATE_REQUESTS[0];
  const spec = r.deadline?.spec?.$case === "text" ? r.deadline.spec.value : "";
  const task = validateNewTask({
    id: randomUUID(),
    programmeId: r.programmeId,
    code: "NV-7F3A21C4",
    title: r.title,
    kind: r.kind,
    authority: r.authority,
    leadUnit: r.leadUnit,
    coordinatingUnits: r.coordinatingUnits,
    assignee: r.assignee,
    deadline: spec,
    source: { type: "ad_hoc" },
  });
  const stored: StoredTask = { ...task, version: 1, createdAt: NOW, updatedAt: NOW };
  return toProtoTask(stored, DEFAULT_VOCABULARY, NOW);
}

// ---------------------------------------------------------------------------------------------------
// Bulk tasks: valid documents through the service's own domain and storage mapping

/** A small seeded generator, so every run loads the same tasks. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function _shuffle<T>(items: T[]): T[] {
  const rnd = mulberry32(7);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function _add(units: Map<string, Record<ReportCategory, number>>, unit: string, category: ReportCategory, n: number): void {
  let tally = units.get(unit);
  if (!tally) {
    tally = { completedOnTime: 0, completedLate: 0, withinDeadline: 0, overdue: 0 };
    units.set(unit, tally);
  }
  tally[category] += n;
}

/** Whether counts per unit and category equal the report's (buildReport's) by-unit rows. */
function _agrees(units: Map<string, Record<ReportCategory, number>>, report: TaskReport): boolean {
  if (units.size !== report.byUnit.length) return false;
  return report.byUnit.every((row) => REPORT_CATEGORIES.every((c) => units.get(row.unit)?.[c] === row[c]));
}

const DAY = 86_400_000;

const SUBJECTS = [
  "về tuyển dụng, sử dụng và quản lý công chức",
  "về chế độ tiền lương đối với cán bộ, công chức, viên chức",
  "về tổ chức chính quyền đô thị tại thành phố Hà Nội",
  "về vị trí việc làm và cơ cấu ngạch công chức",
  "về công tác thi đua, khen thưởng",
  "về hoạt động tín ngưỡng, tôn giáo",
  "về cải cách hành chính nhà nước giai đoạn 2021-2030",
  "về quản lý văn bản điện tử và lưu trữ số",
  "về tổ chức, hoạt động và quản lý hội",
  "về tổ chức và hoạt động của quỹ xã hội, quỹ từ thiện",
  "về chính sách tinh giản biên chế",
  "về đào tạo, bồi dưỡng cán bộ, công chức, viên chức",
  "về sắp xếp đơn vị hành chính cấp huyện, cấp xã",
  "về thanh niên tình nguyện và phát triển thanh niên",
  "về đánh giá, xếp loại chất lượng cán bộ, công chức, viên chức",
  "về số lượng cấp phó của cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh",
];

const TITLE_PREFIX: Record<string, string> = {
  LUAT: "Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên chức",
  NQ_QH: "Nghị quyết của Quốc hội",
  PHAP_LENH: "Pháp lệnh",
  NQ_UBTVQH: "Nghị quyết của Ủy ban Thường vụ Quốc hội",
  NGHI_DINH: "Nghị định quy định",
  NQ_CP: "Nghị quyết của Chính phủ",
  QD_TTG: "Quyết định của Thủ tướng Chính phủ",
  THONG_TU: "Thông tư hướng dẫn",
  DE_AN: "Đề án",
  BAO_CAO: "Báo cáo tổng kết",
  TO_TRINH: "Tờ trình",
  QD_CA_BIET: "Quyết định phê duyệt",
  CHIEN_LUOC: "Chiến lược",
  KE_HOACH: "Kế hoạch triển khai",
  CHUONG_TRINH: "Chương trình hành động",
  VAN_BAN_KHAC: "Văn bản hướng dẫn",
};

/** Where other documents go in this bench; a VBQPPL tier's authority is in the vocabulary. */
const OTHER_AUTHORITY: Record<string, AuthorityCode | null> = {
  DE_AN: "THU_TUONG",
  BAO_CAO: "CHINH_PHU",
  TO_TRINH: "CHINH_PHU",
  QD_CA_BIET: "BO_TRUONG",
  CHIEN_LUOC: "THU_TUONG",
  KE_HOACH: "BO_TRUONG",
  CHUONG_TRINH: "THU_TUONG",
  VAN_BAN_KHAC: null,
};

/** Kinds weighted as a ministry's programme has them: many circulars, reports and plans, few laws. */
const KIND_WEIGHTS: Record<string, number> = {
  LUAT: 1,
  NQ_QH: 1,
  PHAP_LENH: 1,
  NQ_UBTVQH: 1,
  NGHI_DINH: 6,
  NQ_CP: 2,
  QD_TTG: 4,
  THONG_TU: 10,
  DE_AN: 8,
  BAO_CAO: 14,
  TO_TRINH: 4,
  QD_CA_BIET: 6,
  CHIEN_LUOC: 1,
  KE_HOACH: 10,
  CHUONG_TRINH: 3,
  VAN_BAN_KHAC: 6,
};

const NAMES = [
  "Nguyễn Văn Hùng",
  "Trần Thị Mai",
  "Lê Quang Huy",
  "Phạm Thị Hồng Nhung",
  "Hoàng Văn Đức",
  "Vũ Thị Thanh Hà",
  "Đặng Minh Tuấn",
  "Bùi Thị Ngọc Ánh",
  "Đỗ Văn Long",
  "Ngô Thị Phương",
];

function bulkTasks(n: number): TaskDocument[] {
  const rnd = mulberry32(2020);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
  const between = (from: number, to: number) => from + Math.floor(rnd() * (to - from + 1));
  const weighted = DEFAULT_TASK_KINDS.flatMap((k) => Array<string>(KIND_WEIGHTS[k.code] ?? 1).fill(k.code));
  const units = DEFAULT_UNITS.map((u) => u.id);
  const now = NOW.getTime();
  const docs: TaskDocument[] = [];
  for (let i = 0; i < n; i++) {
    const quarter = ((i % 4) + 1) as 1 | 2 | 3 | 4;
    // Every kind and every unit in every quarter, then weighted at random.
    const kind = i < 4 * DEFAULT_TASK_KINDS.length ? DEFAULT_TASK_KINDS[Math.floor(i / 4)].code : pick(weighted);
    const leadUnit = i < 4 * units.length ? units[Math.floor(i / 4)] : pick(units);
    const coordinating = units.filter((u) => u !== leadUnit && rnd() < 0.08).slice(0, 3);
    const month = (quarter - 1) * 3 + between(1, 3);
    const shape = rnd();
    const spec: DeadlineSpec =
      shape < 0.4
        ? {
            kind: "date",
            date: `2020-${String(month).padStart(2, "0")}-${String(between(1, new Date(Date.UTC(2020, month, 0)).getUTCDate())).padStart(2, "0")}`,
          }
        : shape < 0.75
          ? { kind: "month", year: 2020, month }
          : { kind: "quarter", year: 2020, quarter };
    const sourceDraw = rnd();
    const source =
      sourceDraw < 0.85
        ? { type: "programme" }
        : sourceDraw < 0.95
          ? { type: "directive", ref: `${between(1, 40)}/CT-TTg` }
          : { type: "meeting_conclusion", ref: `KL-${between(1, 200)}/2020` };
    let t: Task = validateNewTask({
      id: randomUUID(),
      programmeId: PROGRAMME_ID,
      code: `CT2020-${String(i + 1).padStart(6, "0")}`,
      title: `${TITLE_PREFIX[kind]} ${pick(SUBJECTS)}`,
      kind,
      authority: DEFAULT_TASK_KINDS.find((k) => k.code === kind)?.authority ?? OTHER_AUTHORITY[kind] ?? null,
      leadUnit,
      coordinatingUnits: coordinating,
      assignee: rnd() < 0.7 ? pick(NAMES) : null,
      deadline: spec,
      priority: rnd() < 0.8 ? "normal" : rnd() < 0.75 ? "high" : "urgent",
      source,
      documentLinks: rnd() < 0.2 ? [{ documentId: randomUUID(), relation: "directive", number: `${between(1, 99)}/QĐ-BNV` }] : [],
    });
    const createdAt = new Date(Date.UTC(2020, 0, between(2, 10), 2));
    const by = `u-${leadUnit.toLowerCase()}`;
    const due = t.deadline.getTime();
    let version = 1;
    let updatedAt = createdAt;
    const move = (next: Task, at: Date) => {
      t = next;
      version++;
      updatedAt = at;
    };
    const start = new Date(Math.min(createdAt.getTime() + between(3, 30) * DAY, now - DAY));
    const draw = rnd();
    if (draw < 0.03) {
      const at = new Date(Math.max(createdAt.getTime() + DAY, Math.min(due, now) - between(1, 20) * DAY));
      move(
        transition(t, "withdrawn", { at, by: "minister", reason: "Không còn phù hợp với chỉ đạo của Chính phủ", approvedBy: "minister" })
          .task,
        at,
      );
    } else {
      // Past deadlines: about 60 % done (three in four on time); later ones: some done early.
      const doneShare = due < now ? 0.6 : 0.12;
      let doneAt: number | undefined;
      if (draw < 0.03 + doneShare) {
        doneAt = due < now && rnd() < 0.25 ? due + between(1, 20) * DAY : Math.min(due, now) - between(0, 25) * DAY;
        if (doneAt >= now || doneAt <= start.getTime()) doneAt = undefined;
      }
      if (doneAt === undefined) {
        if (rnd() < 0.65) move(recordProgress(t, between(1, 9) * 10, { at: start, by }).task, start);
      } else {
        move(recordProgress(t, 30, { at: start, by }).task, start);
        const at = new Date(doneAt);
        if (t.authority) {
          move(transition(t, "submitted", { at, by }).task, at);
          const decided = doneAt + between(5, 60) * DAY;
          if (rnd() < 0.4 && decided < now) move(transition(t, "completed", { at: new Date(decided), by }).task, new Date(decided));
        } else move(transition(t, "completed", { at, by }).task, at);
      }
    }
    docs.push(taskToDocument({ ...t, version }, { createdAt, updatedAt }));
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------------
// 1. Bare grpc-js

const task = fixedTask();
const bare = new grpc.Server();
bare.addService(TaskServiceService, {
  createTask: (_call: grpc.ServerUnaryCall<CreateTaskRequest, CreateTaskResponse>, cb: grpc.sendUnaryData<CreateTaskResponse>) =>
    cb(null, { task }),
  getTask: (_call: grpc.ServerUnaryCall<GetTaskRequest, GetTaskResponse>, cb: grpc.sendUnaryData<GetTaskResponse>) => cb(null, { task }),
});
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
);
const bareClient = new TaskServiceClient(`127.0.0.1:${barePort}`, grpc.credentials.createInsecure());
const bareCreate = unary<CreateTaskRequest, CreateTaskResponse>(bareClient, bareClient.createTask);
const bareGet = unary<GetTaskRequest, GetTaskResponse>(bareClient, bareClient.getTask);
const bareCreateFigures = await measure((i) => bareCreate(CREATE_REQUESTS[i % CREATE_REQUESTS.length]));
const bareGetFigures = await measure(() => bareGet({ id: task.id }));
bareClient.close();
bare.forceShutdown();
for (const [method, f] of [
  ["CreateTask", bareCreateFigures],
  ["GetTask", bareGetFigures],
] as const)
  emit({
    figure: `bare grpc-js ${method}, fixed Task response (baseline)`,
    unit: "calls/s",
    value: f.callsPerSec,
    p50_ms: f.p50,
    p99_ms: f.p99,
    in_flight: inFlight,
  });

// ---------------------------------------------------------------------------------------------------
// 2. The service

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

// The database in its own process, as in the dev stack and in production (a server of its own): the
// bench process holds the client, the service and the bare baseline.
const mongo = await startMongoProcess();
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
  const tasks = createClient(TaskServiceClient, svc.grpc.address, options);
  open.push(programmes, tasks);

  await unary<CreateProgrammeRequest, CreateProgrammeResponse>(
    programmes,
    programmes.createProgramme,
  )({ requestId: "", year: 2020, issuingBody: "", title: "" });
  const create = unary<CreateTaskRequest, CreateTaskResponse>(tasks, tasks.createTask);
  const get = unary<GetTaskRequest, GetTaskResponse>(tasks, tasks.getTask);

  const ids: string[] = [];
  const createFigures = await measure(async (i) => {
    const res = await create(CREATE_REQUESTS[i % CREATE_REQUESTS.length]);
    ids.push(res.task!.id);
  });
  emit({
    figure: "service CreateTask (office_chief, no request_id: transaction + audit + outbox)",
    unit: "calls/s",
    value: createFigures.callsPerSec,
    p50_ms: createFigures.p50,
    p99_ms: createFigures.p99,
    in_flight: inFlight,
    ratio_to_bare: round(createFigures.callsPerSec / bareCreateFigures.callsPerSec, 3),
    bare_calls_per_s: bareCreateFigures.callsPerSec,
  });

  const getFigures = await measure((i) => get({ id: ids[i % ids.length] }));
  emit({
    figure: "service GetTask (office_chief, over the tasks just created)",
    unit: "calls/s",
    value: getFigures.callsPerSec,
    p50_ms: getFigures.p50,
    p99_ms: getFigures.p99,
    in_flight: inFlight,
    tasks_read_over: ids.length,
    ratio_to_bare: round(getFigures.callsPerSec / bareGetFigures.callsPerSec, 3),
    bare_calls_per_s: bareGetFigures.callsPerSec,
  });

  // -------------------------------------------------------------------------------------------------
  // 3. The quarter report over 100,000 tasks

  const collection = app.app.tasks.collection;
  {
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
