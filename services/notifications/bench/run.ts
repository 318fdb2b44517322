/**
 * What the notifications service does with an event for many people, and what a person's inbox costs,
 * against what bare grpc-js allows, in one run. Every part is a process of its own, as in the dev stack:
 *
 *   nats-server (JetStream, its own, never the machine's on 4222) · the embedded MongoDB
 *   (packages/embedded-mongo's CLI, in memory) · the mail sink (bench/mail-sink.ts: @ministry/mail-sink)
 *   · the notifications service (its built dist/main.js, or src/main.ts through tsx when it is not built,
 *   with the dev stack's environment and SMTP_URL at the sink) · the bare grpc-js baseline
 *   (bench/baseline.ts) · the load client (bench/load.ts).
 *
 * Figures:
 *   fan-out  BENCH_RECIPIENTS (500) people hold a role (made through DirectoryService.UpsertPerson, as an
 *            admin); a tasks.task.deadline_change_requested event naming that role among its decider_roles
 *            is published on the TASKS stream as the tasks service's relay would. Measured from the
 *            publish: until every recipient's inbox holds its notification (the notifications collection,
 *            polled), and until the sink has every email (emails/s over that time, and from the first
 *            email to the last). BENCH_EVENTS (3) events, one after the other, each reported.
 *   inbox    one person with BENCH_INBOX (300) notifications (tasks.task.deadline_changed events naming
 *            her as the requester): ListNotifications (first page of 50) and GetUnreadCount with
 *            BENCH_IN_FLIGHT (32) calls in flight for BENCH_SECONDS (5) after BENCH_WARMUP_SECONDS (1),
 *            against the baseline serving the very answers the service gave (same bytes), as calls/s,
 *            p50/p99, CPU per call of the server and the store, and the ratio to the baseline.
 *
 * One JSON line per figure on stdout, then a table and the machine.
 *
 *   pnpm --filter @ministry/notifications bench
 *
 * Settings: BENCH_PARTS (fanout,inbox), BENCH_RECIPIENTS, BENCH_EVENTS, BENCH_INBOX, BENCH_SECONDS,
 * BENCH_IN_FLIGHT, BENCH_WARMUP_SECONDS, BENCH_LOG_LEVEL (the service's LOG_LEVEL; unset: its default).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, createLocalAuthority, createLogger, EventBus, type IdentityClaims, type OutgoingEvent } from "@ministry/platform";
import {
  benchInterrupted,
  emitFigure,
  formatCount,
  freePort,
  jsonLine,
  LoadDriver,
  type LoadTiming,
  machineLine,
  markdownTable,
  type MeasuredLoad,
  onJsonLines,
  processCpuMs,
  promised,
  roundTo,
  startBenchChild,
  startBenchMongo,
  startBenchScript,
  startNatsServer,
  stopBenchChildren,
  stopBenchChildrenOnSignals,
  throughputCell,
  throughputRatio,
  waitForHttpOk,
  benchNumber,
  loadTimingFromEnv,
} from "@ministry/platform/testing";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { TaskDeadlineChanged, TaskDeadlineChangeRequested } from "@ministry/proto/ministry/tasks/v1/events";
import {
  DirectoryServiceClient,
  GetUnreadCountResponse,
  InboxView,
  ListNotificationsResponse,
  NotificationServiceClient,
  type Person,
  UnitRole,
} from "@ministry/proto/ministry/notifications/v1/notifications";
import { MongoClient } from "mongodb";
import { TASK_SAMPLES, TaskEvents } from "../src/rules/tasks.js";
import { NOTIFICATIONS } from "../src/store/indexes.js";
import type { InboxMethod, LoadJob } from "./load.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const timing: LoadTiming = loadTimingFromEnv();
const recipients = benchNumber("BENCH_RECIPIENTS", 500);
const events = benchNumber("BENCH_EVENTS", 3);
const inboxSize = benchNumber("BENCH_INBOX", 300);
const parts = new Set((process.env.BENCH_PARTS ?? "fanout,inbox").split(",").map((s) => s.trim()));
const PAGE_SIZE = 50;
// The inbox figures read full pages: a smaller inbox would measure something else.
if (inboxSize < PAGE_SIZE) throw new Error(`BENCH_INBOX=${inboxSize}: the inbox needs at least a page (${PAGE_SIZE}) of notifications`);
/** The role the fan-out's recipients hold and its events name among their decider roles. */
const DECIDER_ROLE = "staff";
/** Whose inbox the inbox figures read: no role, no email (the fan-out's emails are not hers). */
const READER = "bench-reader";
/** The requester of the deadline change and the decider who changed it: someone else, not told. */
const ACTOR: Actor = {
  userId: "bench-office",
  displayName: "Văn phòng Bộ (bench)",
  roles: ["office_chief"],
  unit: { id: "VP", name: "Văn phòng Bộ" },
};
const SERVICE_DB = "notifications";
const started = performance.now();

const round = roundTo;
const emit = (figure: Record<string, unknown>) => emitFigure("notifications", figure);
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------- processes

/** The sink in its own process; `reached(n)` resolves with the moment (epoch ms) its n-th message arrived. */
async function startSink(): Promise<{ url: string; pid: number; reached(n: number): Promise<number> }> {
  const child = startBenchScript("mail-sink", path.join(benchDir, "mail-sink.ts"), [], { stdin: true });
  const { port } = await jsonLine<{ port: number }>(child, "ready", 60_000);
  const waiting = new Map<number, { resolve(at: number): void; reject(err: Error): void }>();
  onJsonLines<{ n: number; at?: number; error?: string }>(child, "reached", (r) => {
    const w = waiting.get(r.n);
    waiting.delete(r.n);
    if (r.at !== undefined) w?.resolve(r.at);
    else w?.reject(new Error(`the mail sink: ${r.error}`));
  });
  void child.exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error("the mail sink exited"));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    pid: child.proc.pid!,
    reached(n) {
      return new Promise<number>((resolve, reject) => {
        waiting.set(n, { resolve, reject });
        child.proc.stdin?.write(`${JSON.stringify({ waitFor: n })}\n`);
      });
    },
  };
}

/** The service, started as the dev stack starts it (scripts/dev-stack.ts serviceEnv). */
async function startNotificationsService(opts: { dir: string; mongoUri: string; natsUrl: string; smtpUrl: string; keyPath: string }) {
  const serviceDir = path.join(root, "services/notifications");
  const built = path.join(serviceDir, "dist/main.js");
  const args = fs.existsSync(built) ? [built] : ["--import", "tsx", path.join(serviceDir, "src/main.ts")];
  if (!fs.existsSync(built)) note("dist/main.js is missing: running src/main.ts through tsx (pnpm build for the built service)");
  const grpcPort = await freePort();
  const adminPort = await freePort();
  const logFile = path.join(opts.dir, "notifications.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVICE_NAME: "notifications",
    DEV_MODE: "true",
    MONGODB_URI: opts.mongoUri,
    NATS_URL: opts.natsUrl,
    SMTP_URL: opts.smtpUrl,
    AUTH_LOCAL_KEY_PATH: opts.keyPath,
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(grpcPort),
    ADMIN_PORT: String(adminPort),
    // The bench makes its own people; the seeded directory would only add recipients to count around.
    SEED_DATA: "false",
  };
  // pnpm's own variables (npm_*) and a NODE_OPTIONS of the caller's stay out: the service runs as `node dist/main.js`.
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  delete env.NODE_OPTIONS;
  if (process.env.BENCH_LOG_LEVEL) env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  else delete env.LOG_LEVEL;
  const child = startBenchChild("notifications", process.execPath, args, { env, cwd: serviceDir, logFile });
  await waitForHttpOk(`http://127.0.0.1:${adminPort}/readyz`, child, { logFile, timeoutMs: 120_000 });
  return { child, address: `127.0.0.1:${grpcPort}`, logFile };
}

async function startBaseline(answersFile: string): Promise<{ address: string; pid: number }> {
  const child = startBenchScript("baseline", path.join(benchDir, "baseline.ts"), [answersFile]);
  const { port } = await jsonLine<{ port: number }>(child, "ready");
  return { address: `127.0.0.1:${port}`, pid: child.proc.pid! };
}

/** `work(i)` for i < n, `inFlight` at a time. */
async function inTurn(n: number, inFlight: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, inFlight) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 300_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ------------------------------------------------------------------------------------------------ run

interface FanOutRound {
  event: number;
  inboxMs: number;
  firstEmailMs: number;
  allEmailsMs: number;
}
interface InboxRow {
  call: string;
  bare?: MeasuredLoad;
  service?: MeasuredLoad;
}

stopBenchChildrenOnSignals();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "notifications-bench-"));
const rounds: FanOutRound[] = [];
const inboxRows: InboxRow[] = [];
let failed = false;
const closing: (() => Promise<unknown> | unknown)[] = [];
try {
  note(`starting nats-server, the embedded MongoDB, the mail sink and the notifications service (files in ${dir})`);
  const nats = await startNatsServer();
  closing.push(() => nats.dispose());
  const [store, sink] = await Promise.all([startBenchMongo(path.join(root, "packages/embedded-mongo/dist/cli.js")), startSink()]);
  const keyPath = path.join(dir, "auth", "signing-key.pem");
  const authority = await createLocalAuthority({ keyPath });
  const service = await startNotificationsService({ dir, mongoUri: store.uri, natsUrl: nats.url, smtpUrl: sink.url, keyPath });
  const servicePid = service.child.proc.pid!;

  const log = createLogger("bench", "warn");
  const clientsFor = async (claims: IdentityClaims) => {
    const token = await authority.issueToken(claims, "2h");
    const directory = createClient(DirectoryServiceClient, service.address, { log, token: () => token });
    const notifications = createClient(NotificationServiceClient, service.address, { log, token: () => token });
    closing.push(
      () => directory.close(),
      () => notifications.close(),
    );
    return { token, directory: promised(directory), notifications: promised(notifications) };
  };
  const admin = await clientsFor({ sub: "bench-admin", name: "Quản trị hệ thống (bench)", roles: ["admin"] });
  const person = (id: string, fullName: string, roles: string[], email: string): Person => ({
    id,
    fullName,
    position: "Chuyên viên",
    unit: undefined,
    unitRole: UnitRole.UNIT_ROLE_UNSPECIFIED,
    roles,
    email,
    phone: "",
    locale: "vi",
    timeZone: "Asia/Ho_Chi_Minh",
    active: true,
    version: 0,
    updatedAt: undefined,
  });

  const mongo = await MongoClient.connect(store.uri);
  closing.push(() => mongo.close());
  const notifications = mongo.db(SERVICE_DB).collection<{ _id: string; eventId: string; recipientId: string }>(NOTIFICATIONS);
  const bus = await EventBus.connect({ servers: nats.url, name: "bench-tasks-relay" });
  closing.push(() => bus.close());
  await bus.ensureStream({ service: "tasks" });
  const publish = async <T>(event: OutgoingEvent<T>) => {
    await bus.publish(event);
  };

  if (parts.has("fanout")) {
    note(`making ${recipients} people holding the role ${DECIDER_ROLE}`);
    const madeAt = performance.now();
    await inTurn(recipients, 16, (i) =>
      admin.directory.upsertPerson({
        requestId: "",
        person: person(`bench-${String(i).padStart(4, "0")}`, `Người nhận ${i}`, [DECIDER_ROLE], `bench-${i}@moha.gov.vn`),
      }),
    );
    emit({
      figure: `directory: ${recipients} people through UpsertPerson (16 in flight)`,
      unit: "s",
      value: round((performance.now() - madeAt) / 1000, 1),
    });

    const sample = TASK_SAMPLES[TaskEvents.deadlineChangeRequested.subject] as TaskDeadlineChangeRequested;
    let emailsBefore = 0;
    for (let e = 1; e <= events; e++) {
      const taskId = `bench-task-${e}`;
      const event = TaskEvents.deadlineChangeRequested.of(taskId, {
        ...sample,
        task: sample.task && { ...sample.task, taskId, code: `NV-BENCH-${e}` },
        actor: ACTOR,
        request: sample.request && { ...sample.request, id: `bench-dcr-${e}`, requestedBy: ACTOR.userId },
        deciderRoles: [DECIDER_ROLE],
      });
      const firstEmail = sink.reached(emailsBefore + 1);
      const allEmails = sink.reached(emailsBefore + recipients);
      note(`fan-out ${e}/${events}: ${event.type.type} to ${recipients} holders of ${DECIDER_ROLE}`);
      const publishedAt = Date.now();
      await publish(event);
      const inboxAt = await until(
        async () => ((await notifications.countDocuments({ eventId: event.id })) >= recipients ? Date.now() : undefined),
        `${recipients} notifications of event ${e}`,
        300_000,
        // Often enough to time it to a few ms, seldom enough not to load the store it measures.
        20,
      );
      const [firstAt, allAt] = await Promise.all([firstEmail, allEmails]);
      emailsBefore += recipients;
      const measured: FanOutRound = {
        event: e,
        inboxMs: inboxAt - publishedAt,
        firstEmailMs: firstAt - publishedAt,
        allEmailsMs: allAt - publishedAt,
      };
      rounds.push(measured);
      emit({
        figure: `fan-out: one ${TaskEvents.deadlineChangeRequested.subject} to ${recipients} people (inbox and email)`,
        event: e,
        recipients,
        inbox_all_ms: measured.inboxMs,
        first_email_ms: measured.firstEmailMs,
        all_emails_ms: measured.allEmailsMs,
        emails_per_sec: round(recipients / (measured.allEmailsMs / 1000), 1),
        emails_per_sec_first_to_last: allAt > firstAt ? round((recipients - 1) / ((allAt - firstAt) / 1000), 1) : null,
      });
    }
  }

  if (parts.has("inbox")) {
    await admin.directory.upsertPerson({ requestId: "", person: person(READER, "Người đọc hộp thư (bench)", [], "") });
    const reader = await clientsFor({ sub: READER, name: "Người đọc hộp thư (bench)", roles: [] });
    note(`filling ${READER}'s inbox with ${inboxSize} notifications`);
    const sample = TASK_SAMPLES[TaskEvents.deadlineChanged.subject] as TaskDeadlineChanged;
    const filledAt = performance.now();
    await inTurn(inboxSize, 32, (i) => {
      const taskId = `bench-inbox-task-${i}`;
      return publish(
        TaskEvents.deadlineChanged.of(taskId, {
          ...sample,
          // No lead unit: the requester alone is told.
          task: sample.task && { ...sample.task, taskId, code: `NV-INBOX-${i}`, leadUnit: undefined },
          actor: ACTOR,
          requestedBy: READER,
        }),
      );
    });
    await until(
      async () => ((await notifications.countDocuments({ recipientId: READER })) >= inboxSize ? true : undefined),
      `${inboxSize} notifications for ${READER}`,
      300_000,
      50,
    );
    emit({
      figure: `inbox: ${inboxSize} deadline_changed events into one person's inbox`,
      unit: "s",
      value: round((performance.now() - filledAt) / 1000, 1),
    });

    // The service's own answers, for the baseline to serve byte for byte.
    const list = await reader.notifications.listNotifications({
      page: { pageSize: PAGE_SIZE, pageToken: "" },
      view: InboxView.INBOX_VIEW_UNSPECIFIED,
      category: "",
    });
    const count = await reader.notifications.getUnreadCount({});
    if (list.notifications.length !== PAGE_SIZE || Number(count.unreadCount) !== inboxSize)
      throw new Error(`the reader's inbox answers ${list.notifications.length} notifications, ${count.unreadCount} unread`);
    const answersFile = path.join(dir, "answers.json");
    fs.writeFileSync(
      answersFile,
      JSON.stringify({ list: ListNotificationsResponse.toJSON(list), count: GetUnreadCountResponse.toJSON(count) }),
    );
    const bytes = {
      list: ListNotificationsResponse.encode(list).finish().length,
      count: GetUnreadCountResponse.encode(count).finish().length,
    };
    const bare = await startBaseline(answersFile);
    const loadDriver = new LoadDriver(() => startBenchScript("load", path.join(benchDir, "load.ts"), [], { stdin: true }));
    closing.push(() => loadDriver.stop());

    const calls: { call: string; method: InboxMethod; bytes: number }[] = [
      { call: `ListNotifications (page of ${PAGE_SIZE})`, method: "listNotifications", bytes: bytes.list },
      { call: "GetUnreadCount", method: "getUnreadCount", bytes: bytes.count },
    ];
    for (const c of calls) {
      const row: InboxRow = { call: c.call };
      for (const target of [
        { key: "bare" as const, address: bare.address, watch: { server: bare.pid } as Record<string, number> },
        { key: "service" as const, address: service.address, watch: { server: servicePid, store: store.pid } },
      ]) {
        note(`${c.call} on ${target.key}`);
        const job: LoadJob = {
          ...timing,
          address: target.address,
          method: c.method,
          token: reader.token,
          pageSize: PAGE_SIZE,
          unread: inboxSize,
        };
        const r = await loadDriver.run(job, target.watch);
        row[target.key] = r;
        emit({
          figure: `${c.call} ${target.key === "bare" ? "bare grpc-js" : "notifications service"}`,
          calls_per_sec: r.calls_per_sec,
          p50_ms: r.p50_ms,
          p99_ms: r.p99_ms,
          in_flight: timing.inFlight,
          response_bytes: c.bytes,
          inbox_size: inboxSize,
          server_cpu_ms_per_call: r.cpu_ms_per_call.server,
          store_cpu_ms_per_call: r.cpu_ms_per_call.store,
          client_cpu_ms_per_call: r.cpu_ms_per_call.client,
          ...(target.key === "service" && row.bare ? { ratio_to_bare: round(r.calls_per_sec / row.bare.calls_per_sec) } : {}),
        });
      }
      inboxRows.push(row);
    }
  }
  // The service's CPU over the whole run, for a sense of where the time went.
  const cpu = processCpuMs(servicePid);
  if (cpu !== undefined) emit({ figure: "the service's CPU time over the run", unit: "s", value: round(cpu / 1000, 1) });
} catch (err) {
  failed = true;
  if (!benchInterrupted()) note(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  for (const close of closing.reverse()) await Promise.resolve(close()).catch(() => {});
  // Newest first: the load client and the baseline, the service, the sink, MongoDB.
  await stopBenchChildren();
}

// ---------------------------------------------------------------------------------------------- report

const lines: string[] = [""];
if (rounds.length > 0) {
  lines.push(
    `Fan-out: one tasks.task.deadline_change_requested event to ${formatCount(recipients)} people (holders of a decider role), from the publish on the TASKS stream:`,
    "",
    ...markdownTable(
      ["event", "all inboxes hold it", "first email", "all emails at the sink", "emails/s (publish → last)", "emails/s (first → last)"],
      rounds.map((r) => [
        String(r.event),
        `${formatCount(r.inboxMs)} ms`,
        `${formatCount(r.firstEmailMs)} ms`,
        `${formatCount(r.allEmailsMs)} ms`,
        formatCount(round(recipients / (r.allEmailsMs / 1000), 0)),
        r.allEmailsMs > r.firstEmailMs ? formatCount(round((recipients - 1) / ((r.allEmailsMs - r.firstEmailMs) / 1000), 0)) : "–",
      ]),
    ),
    "",
  );
}
if (inboxRows.length > 0) {
  const cpuCell = (r: MeasuredLoad | undefined, name: string) => {
    const v = r?.cpu_ms_per_call[name];
    return v === undefined ? "–" : `${v.toFixed(2)} ms`;
  };
  lines.push(
    `Inbox: one person with ${formatCount(inboxSize)} notifications, ${timing.inFlight} calls in flight for ${timing.seconds} s each (after ${timing.warmupSeconds} s of warm-up):`,
    "",
    ...markdownTable(
      [
        "call",
        "bare grpc-js (same answer)",
        "notifications service",
        "ratio to bare",
        "service CPU/call",
        "store CPU/call",
        "load client CPU/call (bare; service)",
      ],
      inboxRows.map((r) => [
        r.call,
        throughputCell(r.bare),
        throughputCell(r.service),
        throughputRatio(r.service, r.bare),
        cpuCell(r.service, "server"),
        cpuCell(r.service, "store"),
        `${cpuCell(r.bare, "client")}; ${cpuCell(r.service, "client")}`,
      ]),
    ),
    "",
  );
}
lines.push(machineLine(started));
process.stdout.write(`${lines.join("\n")}\n`);
// Kept after a failure: the service's log (notifications.log) explains it.
if (failed) note(`the run's files (the service's log notifications.log) are in ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
