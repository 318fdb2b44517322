/**
 * What the meetings service does when everyone arrives at once, and what reading a national
 * conference costs against bare grpc-js, in one run. Every part is a process of its own, as in the dev
 * stack:
 *
 *   nats-server (JetStream, its own) · two embedded MongoDBs (packages/embedded-mongo's CLI, in memory:
 *   the directory's and the meetings service's, so the store figures are the meetings service's alone)
 *   · the notifications service (its DirectoryService, SEED_DATA=true: `minister`, `vp-deputy`,
 *   `<unit>-head`...) · the meetings service (dist/main.js, or src/main.ts through tsx when it is not
 *   built, NOTIFICATIONS_GRPC_ADDR at the notifications service) · the bare grpc-js baseline (bench/baseline.ts)
 *   · the load client (bench/load.ts) · the check-in driver (bench/checkins.ts), one process per phase.
 *   One signing key for every token (AUTH_LOCAL_KEY_PATH, DEV_MODE=true).
 *
 * Figures:
 *   briefing  BENCH_BRIEFING_PARTICIPANTS (200) over BENCH_BRIEFING_SITES (60) sites (the 16 unit heads
 *             through the directory, the rest guests), starting in 30 minutes (check-in is open): each
 *             checks himself or herself in with a token of his or her own, BENCH_BRIEFING_IN_FLIGHT (64)
 *             at a time: calls/s, p50/p99/max, errors. Verified: the sheet's present = participants, one
 *             session each (ListParticipants), one meetings.attendance.recorded event each on the MEETINGS
 *             stream (the stream's count for that subject, once the outbox has nothing unsent).
 *   national  the central site, 34 provincial and 3,321 commune sites with guest hosts, and
 *             BENCH_NATIONAL_PARTICIPANTS (100,000) guests, set up through the API (AddSites by 500,
 *             InviteParticipants by 1,000, ScheduleMeeting; each timed). Then check-ins by the sites'
 *             hosts, open loop: BENCH_SUSTAINED_RATE (150/s) for BENCH_SUSTAINED_SECONDS (20 s), then
 *             BENCH_BURST_RATE (1,000/s) for BENCH_BURST_SECONDS (5 s), each participant once, in a fixed
 *             shuffled order: offered and achieved rate, p50/p99/max (from when each call was due), errors.
 *             Verified: the sheet's present = the people recorded, no one with two sessions, one event each;
 *             then BENCH_RETRIES (20) check-ins again: already_present, no new event.
 *   reads     GetMeeting and GetAttendanceSheet (first page of 50, the totals and every site's figures) of
 *             the national conference, BENCH_IN_FLIGHT (32) in flight for BENCH_SECONDS (5) after
 *             BENCH_WARMUP_SECONDS (1), against the baseline serving the very bytes the service answered;
 *             the answers' sizes; the largest meeting, site and participant documents (BSON bytes).
 *
 * One JSON line per figure on stdout, then Markdown tables and the machine.
 *
 *   pnpm --filter @ministry/meetings bench
 *
 * Settings: the above, BENCH_PARTS (briefing,national,reads), BENCH_CALL_DEADLINE_MS (60000: a check-in's
 * deadline), BENCH_LOG_LEVEL (the services' LOG_LEVEL; unset: their default), BENCH_CPU_PROF=<dir> (the meetings
 * service writes a V8 CPU profile there).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, createLocalAuthority, createLogger, EventBus, type IdentityClaims } from "@ministry/platform";
import {
  benchInterrupted,
  benchNumber,
  emitFigure,
  formatCount,
  formatMs,
  freePort,
  jsonLine,
  LoadDriver,
  loadTimingFromEnv,
  machineLine,
  markdownTable,
  type MeasuredLoad,
  processCpuMs,
  promised,
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
} from "@ministry/platform/testing";
import {
  GetAttendanceSheetResponse,
  GetMeetingResponse,
  MeetingKind,
  MeetingMode,
  MeetingServiceClient,
  type Participant,
} from "@ministry/proto/ministry/meetings/v1/meetings";
import { BSON, MongoClient } from "mongodb";
import { type Audience, briefingAudience, CENTRAL_SITE, nationalAudience, type Seat, SITES_PER_CALL, shuffled } from "./audience.js";
import type { CheckInJob, CheckInResult } from "./checkins.js";
import type { LoadJob, ReadMethod } from "./load.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const timing = loadTimingFromEnv();
const briefingParticipants = benchNumber("BENCH_BRIEFING_PARTICIPANTS", 200);
const briefingSites = benchNumber("BENCH_BRIEFING_SITES", 60);
const briefingInFlight = benchNumber("BENCH_BRIEFING_IN_FLIGHT", 64);
const nationalParticipants = benchNumber("BENCH_NATIONAL_PARTICIPANTS", 100_000);
const sustainedRate = benchNumber("BENCH_SUSTAINED_RATE", 150);
const sustainedSeconds = benchNumber("BENCH_SUSTAINED_SECONDS", 20);
const burstRate = benchNumber("BENCH_BURST_RATE", 1_000);
const burstSeconds = benchNumber("BENCH_BURST_SECONDS", 5);
const retries = benchNumber("BENCH_RETRIES", 20);
const callDeadlineMs = benchNumber("BENCH_CALL_DEADLINE_MS", 60_000);
const parts = new Set((process.env.BENCH_PARTS ?? "briefing,national,reads").split(",").map((s) => s.trim()));
const PAGE_SIZE = 50;
const ATTENDANCE_SUBJECT = "meetings.attendance.recorded";
const SERVICE_DB = "meetings";
/** The Office's chief: organises both meetings and reads their sheets. */
const OFFICE: IdentityClaims = { sub: "vp-head", name: "Chánh Văn phòng Bộ (bench)", roles: ["office_chief"], unit: "VP" };
/** The secretary hosts the central site (a site's host is the secretary, else the chair). */
const SECRETARY = "vp-deputy";
const started = performance.now();

const round = roundTo;
const emit = (figure: Record<string, unknown>) => emitFigure("meetings", figure);
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (fromMs: number) => round((performance.now() - fromMs) / 1000, 1);

// ------------------------------------------------------------------------------------------- processes

/** A service started as the dev stack starts it: its built dist/main.js, else src/main.ts through tsx. */
async function startService(service: "notifications" | "meetings", dir: string, vars: NodeJS.ProcessEnv) {
  const serviceDir = path.join(root, "services", service);
  const built = path.join(serviceDir, "dist/main.js");
  const args = fs.existsSync(built) ? [built] : ["--import", "tsx", path.join(serviceDir, "src/main.ts")];
  // BENCH_CPU_PROF=<dir>: the meetings service writes a V8 CPU profile there when it stops (read it with
  // services/tasks/bench/cpuprofile-top.ts).
  if (service === "meetings" && process.env.BENCH_CPU_PROF)
    args.unshift("--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_CPU_PROF)}`);
  if (!fs.existsSync(built))
    note(`services/${service}/dist/main.js is missing: running src/main.ts through tsx (pnpm build for the built service)`);
  const grpcPort = await freePort();
  const adminPort = await freePort();
  const logFile = path.join(dir, `${service}.log`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVICE_NAME: service,
    DEV_MODE: "true",
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(grpcPort),
    ADMIN_PORT: String(adminPort),
    // A response the server cannot encode says why (grpc-js hides it otherwise): the bench reports it.
    GRPC_NODE_DEBUG_SEND_ERROR_DETAILS: "true",
    ...vars,
  };
  // pnpm's own variables (npm_*) and a NODE_OPTIONS of the caller's stay out: the service runs as `node dist/main.js`.
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  delete env.NODE_OPTIONS;
  if (process.env.BENCH_LOG_LEVEL) env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  else delete env.LOG_LEVEL;
  const child = startBenchChild(service, process.execPath, args, { env, cwd: serviceDir, logFile });
  await waitForHttpOk(`http://127.0.0.1:${adminPort}/readyz`, child, { logFile, timeoutMs: 120_000 });
  return { child, pid: child.proc.pid!, address: `127.0.0.1:${grpcPort}`, logFile };
}

async function startBaseline(answersFile: string): Promise<{ address: string; pid: number }> {
  const child = startBenchScript("baseline", path.join(benchDir, "baseline.ts"), [answersFile]);
  const { port } = await jsonLine<{ port: number }>(child, "ready");
  return { address: `127.0.0.1:${port}`, pid: child.proc.pid! };
}

/** One check-in phase in the driver's own process; the CPU the service and its store spent meanwhile. */
async function checkInPhase(
  dir: string,
  name: string,
  job: CheckInJob,
  watch: Record<string, number>,
): Promise<CheckInResult & { cpu_s: Record<string, number> }> {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(job));
  const child = startBenchScript(`checkins ${name}`, path.join(benchDir, "checkins.ts"), [file]);
  await jsonLine<boolean>(child, "ready", 60_000);
  const sample = () => Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, processCpuMs(pid) ?? 0]));
  const before = sample();
  const limit = job.mode === "open" ? (job.calls.length / (job.rate ?? 1)) * 1000 + job.deadlineMs + 120_000 : 30 * 60_000;
  const result = await jsonLine<CheckInResult>(child, "result", limit);
  const after = sample();
  await child.stop();
  return { ...result, cpu_s: Object.fromEntries(Object.keys(watch).map((k) => [k, round((after[k] - before[k]) / 1000, 1)])) };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 300_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? round(s[Math.floor((s.length - 1) * p)], 1) : 0;
};

// ------------------------------------------------------------------------------------------------ run

interface CheckInRow {
  phase: string;
  result: CheckInResult;
  inFlight?: number;
  checks: string;
}
interface SetupRow {
  step: string;
  calls: number;
  seconds: number;
  p50_ms?: number;
  max_ms?: number;
}
interface ReadRow {
  call: string;
  bytes: number;
  bare?: MeasuredLoad;
  service?: MeasuredLoad;
}

const embeddedMongoCli = path.join(root, "packages/embedded-mongo/dist/cli.js");

stopBenchChildrenOnSignals();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meetings-bench-"));
const checkInRows: CheckInRow[] = [];
const setupRows: SetupRow[] = [];
const readRows: ReadRow[] = [];
const documentSizes: [string, number][] = [];
const problems: string[] = [];
let nationalScope = "";
let failed = false;
const closing: (() => Promise<unknown> | unknown)[] = [];
try {
  note(`starting nats-server, two embedded MongoDBs, the notifications service (directory) and the meetings service (files in ${dir})`);
  const [natsUrl, directoryStore, store] = await Promise.all([
    startBenchNats(dir),
    startBenchMongo(embeddedMongoCli, { name: "mongodb-directory" }),
    startBenchMongo(embeddedMongoCli, { name: "mongodb-meetings" }),
  ]);
  const keyPath = path.join(dir, "auth", "signing-key.pem");
  const authority = await createLocalAuthority({ keyPath });
  const directory = await startService("notifications", dir, {
    MONGODB_URI: directoryStore.uri,
    NATS_URL: natsUrl,
    AUTH_LOCAL_KEY_PATH: keyPath,
    SEED_DATA: "true",
  });
  const service = await startService("meetings", dir, {
    MONGODB_URI: store.uri,
    NATS_URL: natsUrl,
    AUTH_LOCAL_KEY_PATH: keyPath,
    NOTIFICATIONS_GRPC_ADDR: directory.address,
    SEED_DATA: "false",
    // The meetings start within the reminder's hour: one reminder pass would tell 100,000 people mid-run.
    REMINDER_WATCH_INTERVAL_MS: "3600000",
  });
  const watch = { server: service.pid, store: store.pid };

  const log = createLogger("bench", "warn");
  const officeToken = await authority.issueToken(OFFICE, "3h");
  const meetingsClient = createClient(MeetingServiceClient, service.address, {
    log,
    token: () => officeToken,
    // Setup calls write 1,000 participants at a time: no default deadline cuts them short.
    defaultDeadlineMs: 600_000,
    channelOptions: { "grpc.max_receive_message_length": 64 * 1024 * 1024 },
  });
  closing.push(() => meetingsClient.close());
  const office = promised(meetingsClient);
  const mongo = await MongoClient.connect(store.uri);
  closing.push(() => mongo.close());
  const db = mongo.db(SERVICE_DB);
  const bus = await EventBus.connect({ servers: natsUrl, name: "bench-meetings" });
  closing.push(() => bus.close());
  const jsm = await bus.jsm();

  /** meetings.attendance.recorded events on the MEETINGS stream, once the outbox has nothing unsent. */
  const attendanceEvents = async (): Promise<number> => {
    await until(
      async () => ((await db.collection("outbox").countDocuments({ sentAt: null, parkedAt: null })) === 0 ? true : undefined),
      "the outbox to drain",
      600_000,
    );
    const info = await jsm.streams.info("MEETINGS", { subjects_filter: ATTENDANCE_SUBJECT });
    return info.state.subjects?.[ATTENDANCE_SUBJECT] ?? 0;
  };
  const outboxAttendance = (meetingId: string) =>
    db.collection("outbox").countDocuments({ subject: ATTENDANCE_SUBJECT, aggregateId: meetingId });

  /** A draft starting in 30 minutes (check-in opens 60 minutes before), with its sites and invitees, then scheduled. */
  const setUp = async (what: string, kind: MeetingKind, audience: Audience, timed: boolean): Promise<string> => {
    const start = new Date(Date.now() + 30 * 60_000);
    const t0 = performance.now();
    const created = await office.createMeeting({
      requestId: "",
      kind,
      title: what,
      chairId: "minister",
      secretaryId: SECRETARY,
      organizerUnitId: "VP",
      start,
      plannedEnd: new Date(start.getTime() + 3 * 3600_000),
      mode: MeetingMode.MEETING_MODE_ONLINE,
      place: "Trụ sở Bộ Nội vụ, 8 Tôn Thất Thuyết, Hà Nội",
      centralSiteName: "Điểm cầu Trung ương",
      centralVideoUrl: "https://hop.moha.gov.vn/phong/trung-uong",
    });
    const meetingId = created.meeting?.id ?? "";
    if (timed) setupRows.push({ step: "CreateMeeting (chair and secretary through the directory)", calls: 1, seconds: seconds(t0) });
    const step = async (label: string, batches: unknown[][], call: (batch: never[]) => Promise<unknown>) => {
      const at = performance.now();
      const times: number[] = [];
      for (const [i, b] of batches.entries()) {
        const t = performance.now();
        await call(b as never[]);
        times.push(performance.now() - t);
        if (timed && (i + 1) % 10 === 0) note(`${label}: ${i + 1}/${batches.length} calls, ${seconds(at)} s`);
      }
      if (timed)
        setupRows.push({ step: label, calls: batches.length, seconds: seconds(at), p50_ms: pct(times, 0.5), max_ms: pct(times, 1) });
    };
    const siteBatches: (typeof audience.sites)[] = [];
    for (let i = 0; i < audience.sites.length; i += SITES_PER_CALL) siteBatches.push(audience.sites.slice(i, i + SITES_PER_CALL));
    await step(`AddSites (${formatCount(audience.sites.length)} sites, ${SITES_PER_CALL} a call)`, siteBatches, (sites) =>
      office.addSites({ requestId: "", meetingId, sites }),
    );
    const unresolved: string[] = [];
    await step(`InviteParticipants (${formatCount(audience.seats.length)} people, 1,000 a call)`, audience.batches, async (invitees) => {
      const r = await office.inviteParticipants({ requestId: "", meetingId, invitees });
      unresolved.push(...r.unresolved);
    });
    if (unresolved.length > 0) throw new Error(`${what}: the directory did not resolve ${unresolved.join(", ")}`);
    await step("ScheduleMeeting (draft → scheduled: the invitees are told)", [[]], () =>
      office.scheduleMeeting({ requestId: "", id: meetingId }),
    );
    if (timed) setupRows.push({ step: "set-up in all", calls: 0, seconds: seconds(t0) });
    return meetingId;
  };

  /** A verifying read: its failure is reported as what the run saw, and the run goes on. */
  const tryRead = <T>(what: string, read: Promise<T>): Promise<T | undefined> =>
    read.catch((err: Error) => {
      problems.push(`${what} failed: ${err.message}`);
      note(`${what} failed: ${err.message}`);
      return undefined;
    });
  const sheetOf = (meetingId: string, pageSize = 1) =>
    office.getAttendanceSheet({ meetingId, siteId: "", page: { pageSize, pageToken: "" } });

  // ----------------------------------------------------------------------------------- the briefing
  let briefingId: string | undefined;
  if (parts.has("briefing")) {
    const audience = briefingAudience(briefingParticipants, briefingSites);
    note(`briefing: ${audience.seats.length} participants over ${audience.sites.length + 1} sites`);
    briefingId = await setUp("Giao ban Bộ (bench)", MeetingKind.MEETING_KIND_MONTHLY_BRIEFING, audience, false);
    const tokens = await Promise.all(
      audience.seats.map((s) =>
        authority.issueToken(
          {
            sub: s.personId,
            name: s.fullName,
            roles: s.unitId ? ["unit_head"] : [],
            ...(s.unitId ? { unit: s.unitId } : {}),
          },
          "3h",
        ),
      ),
    );
    const eventsBefore = await attendanceEvents();
    note(`briefing: ${tokens.length} self check-ins, ${briefingInFlight} in flight`);
    const r = await checkInPhase(
      dir,
      "briefing",
      {
        address: service.address,
        meetingId: briefingId,
        mode: "closed",
        inFlight: briefingInFlight,
        tokens,
        calls: tokens.map((_, i) => ({ token: i, personId: "", siteId: "" })),
        deadlineMs: callDeadlineMs,
      },
      watch,
    );
    const sheet = await tryRead("briefing: GetAttendanceSheet", sheetOf(briefingId));
    const listed: Participant[] = [];
    let pageToken = "";
    do {
      const page = await tryRead(
        "briefing: ListParticipants",
        office.listParticipants({ meetingId: briefingId, siteId: "", page: { pageSize: 500, pageToken } }),
      );
      listed.push(...(page?.participants ?? []));
      pageToken = page?.page?.nextPageToken ?? "";
    } while (pageToken);
    const oneSession = listed.filter((p) => p.sessions.length === 1).length;
    const events = (await attendanceEvents()) - eventsBefore;
    const outboxed = await outboxAttendance(briefingId);
    const n = audience.seats.length;
    const verified = sheet?.total?.present === n && oneSession === n && listed.length === n && events === n && outboxed === n;
    if (!verified)
      problems.push(
        `briefing: sheet present ${sheet?.total?.present}, one session ${oneSession} of ${listed.length}, events ${events}, outbox ${outboxed}; expected ${n} each`,
      );
    emit({
      figure: `briefing: ${n} participants over ${audience.sites.length + 1} sites check themselves in, ${briefingInFlight} in flight`,
      ...r,
      in_flight: briefingInFlight,
      sheet_present: sheet?.total?.present,
      participants_with_one_session: oneSession,
      attendance_events: events,
      outbox_attendance_records: outboxed,
      verified,
    });
    checkInRows.push({
      phase: `Briefing: ${n} self check-ins over ${audience.sites.length + 1} sites (closed loop)`,
      result: r,
      inFlight: briefingInFlight,
      checks: `sheet present ${sheet?.total?.present}; ${oneSession}/${listed.length} with one session; ${events} events${verified ? " ✓" : " ✗"}`,
    });
  }

  // --------------------------------------------------------------------------- the national conference
  if (parts.has("national")) {
    const audience = nationalAudience(nationalParticipants);
    note(
      `national conference: ${formatCount(audience.seats.length)} participants over ${formatCount(audience.sites.length + 1)} sites: setting up through the API`,
    );
    const meetingId = await setUp("Hội nghị trực tuyến toàn quốc (bench)", MeetingKind.MEETING_KIND_NATIONAL_CONFERENCE, audience, true);
    emit({
      figure: `national conference set-up through the API: ${audience.sites.length + 1} sites, ${audience.seats.length} participants`,
      steps: setupRows,
    });

    // The hosts' tokens (guest hosts: no role); the central site's host is the secretary.
    const hostOf = new Map<string, string>([[CENTRAL_SITE, SECRETARY]]);
    for (const s of audience.sites) hostOf.set(s.id, s.hostId);
    const hostIds = [...new Set(hostOf.values())];
    const tokens = await Promise.all(
      hostIds.map((id) =>
        authority.issueToken(
          {
            sub: id,
            name: id === SECRETARY ? "Phó Chánh Văn phòng" : id,
            roles: [],
            ...(id === SECRETARY ? { unit: "VP" } : {}),
          },
          "3h",
        ),
      ),
    );
    const tokenOf = new Map(hostIds.map((id, i) => [id, i]));
    const byHost = (seat: Seat) => ({
      token: tokenOf.get(hostOf.get(seat.siteId) as string) as number,
      personId: seat.personId,
      siteId: seat.siteId,
    });

    const order = shuffled(audience.seats);
    const sustainedN = Math.min(order.length, Math.round(sustainedRate * sustainedSeconds));
    const burstN = Math.min(order.length - sustainedN, Math.round(burstRate * burstSeconds));
    nationalScope = `check-ins covered ${formatCount(sustainedN + burstN)} of the ${formatCount(order.length)} participants (${sustainedRate}/s × ${sustainedSeconds} s, then ${burstRate}/s × ${burstSeconds} s); all 100,000 over ten minutes: BENCH_SUSTAINED_SECONDS=600 BENCH_SUSTAINED_RATE=150 BENCH_BURST_SECONDS=10 (90,000 + 10,000)`;
    note(nationalScope);
    const eventsBefore = await attendanceEvents();
    const phases = [
      { phase: "sustained", rate: sustainedRate, seats: order.slice(0, sustainedN) },
      { phase: "burst", rate: burstRate, seats: order.slice(sustainedN, sustainedN + burstN) },
    ];
    const results: CheckInResult[] = [];
    for (const p of phases) {
      if (p.seats.length === 0) continue;
      note(
        `national conference: ${p.phase} phase, ${p.rate} check-ins/s by the sites' hosts for ${round(p.seats.length / p.rate, 1)} s (open loop)`,
      );
      const r = await checkInPhase(
        dir,
        p.phase,
        { address: service.address, meetingId, mode: "open", rate: p.rate, tokens, calls: p.seats.map(byHost), deadlineMs: callDeadlineMs },
        watch,
      );
      results.push(r);
      emit({
        figure: `national conference: ${p.phase} check-ins by the sites' hosts, open loop`,
        ...r,
        participants: order.length,
        sites: audience.sites.length + 1,
      });
      checkInRows.push({
        phase: `National conference, ${p.phase}: ${formatCount(p.seats.length)} check-ins by site hosts (open loop)`,
        result: r,
        checks: "",
      });
    }
    const answered = results.reduce((n, r) => n + r.ok, 0);
    // Calls past their deadline may still be worked through: the figures below wait until nothing changes.
    const participants = db.collection("participants");
    const settleFrom = performance.now();
    let recorded = -1;
    for (let stable = 0; stable < 4 && performance.now() - settleFrom < 300_000; ) {
      const now = await participants.countDocuments({ meetingId, firstCheckIn: { $exists: true } });
      stable = now === recorded ? stable + 1 : 0;
      recorded = now;
      await sleep(500);
    }
    const settledAfter = round((performance.now() - settleFrom) / 1000 - 2, 1);
    const sheet = await tryRead("national: GetAttendanceSheet", sheetOf(meetingId));
    const twice = await participants.countDocuments({ meetingId, "sessions.1": { $exists: true } });
    const events = (await attendanceEvents()) - eventsBefore;
    // Retries: people answered already; they must be answered already_present, with no new record or event.
    const outboxBefore = await outboxAttendance(meetingId);
    const again = order.slice(0, Math.min(retries, sustainedN));
    let retried: CheckInResult | undefined;
    if (again.length > 0) {
      retried = await checkInPhase(
        dir,
        "retries",
        { address: service.address, meetingId, mode: "closed", inFlight: 4, tokens, calls: again.map(byHost), deadlineMs: callDeadlineMs },
        watch,
      );
    }
    const outboxAfter = await outboxAttendance(meetingId);
    const eventsAfterRetries = (await attendanceEvents()) - eventsBefore;
    const verified =
      sheet?.total?.present === recorded &&
      recorded === answered &&
      twice === 0 &&
      events === recorded &&
      (retried === undefined ||
        (retried.already_present === again.length && outboxAfter === outboxBefore && eventsAfterRetries === events));
    if (!verified)
      problems.push(
        `national: ${answered} check-ins answered, ${recorded} recorded, sheet present ${sheet?.total?.present}, ${twice} with two sessions, ${events} events; retries: ${retried?.already_present}/${again.length} already present, outbox ${outboxBefore} → ${outboxAfter}, events ${events} → ${eventsAfterRetries}`,
      );
    emit({
      figure: "national conference: check-ins verified",
      answered_ok: answered,
      settled_after_s: settledAfter,
      recorded,
      sheet_present: sheet?.total?.present,
      sheet_invited: sheet?.total?.invited,
      with_two_sessions: twice,
      attendance_events: events,
      retries: again.length,
      retries_already_present: retried?.already_present,
      retry_errors: retried?.errors,
      new_outbox_records_after_retries: outboxAfter - outboxBefore,
      new_events_after_retries: eventsAfterRetries - events,
      verified,
    });
    const lastRow = checkInRows[checkInRows.length - 1];
    if (lastRow)
      lastRow.checks = `${formatCount(answered)} answered, ${formatCount(recorded)} recorded (settled ${settledAfter} s after the last answer), sheet present ${formatCount(sheet?.total?.present ?? 0)}, ${twice} with two sessions, ${formatCount(events)} events; ${retried?.already_present ?? 0}/${again.length} retries already present, ${eventsAfterRetries - events} new events${verified ? " ✓" : " ✗"}`;

    // ----------------------------------------------------------------------------------------- reads
    if (parts.has("reads")) {
      const meeting = await office.getMeeting({ id: meetingId });
      const sheetPage =
        (await tryRead("reads: GetAttendanceSheet", sheetOf(meetingId, PAGE_SIZE))) ?? GetAttendanceSheetResponse.fromPartial({});
      const bytes = { meeting: GetMeetingResponse.encode(meeting).finish(), sheet: GetAttendanceSheetResponse.encode(sheetPage).finish() };
      const answersFile = path.join(dir, "answers.json");
      fs.writeFileSync(
        answersFile,
        JSON.stringify({ meeting: Buffer.from(bytes.meeting).toString("base64"), sheet: Buffer.from(bytes.sheet).toString("base64") }),
      );
      const bare = await startBaseline(answersFile);
      const loadDriver = new LoadDriver(() => startBenchScript("load", path.join(benchDir, "load.ts"), [], { stdin: true }));
      closing.push(() => loadDriver.stop());
      const calls: { call: string; method: ReadMethod; bytes: number }[] = [
        { call: "GetMeeting", method: "getMeeting", bytes: bytes.meeting.length },
        {
          call: `GetAttendanceSheet (page of ${PAGE_SIZE}, totals, ${formatCount(sheetPage.sites.length)} sites' figures)`,
          method: "getAttendanceSheet",
          bytes: bytes.sheet.length,
        },
      ];
      for (const c of calls) {
        if (c.method === "getAttendanceSheet" && sheetPage.rows.length === 0) continue;
        const row: ReadRow = { call: c.call, bytes: c.bytes };
        for (const target of [
          { key: "bare" as const, address: bare.address, watch: { server: bare.pid } as Record<string, number> },
          { key: "service" as const, address: service.address, watch },
        ]) {
          note(`${c.call} on ${target.key}`);
          const job: LoadJob = {
            ...timing,
            address: target.address,
            method: c.method,
            token: officeToken,
            meetingId,
            pageSize: PAGE_SIZE,
            sites: sheetPage.sites.length,
            invited: audience.seats.length,
          };
          const r = await loadDriver.run(job, target.watch);
          row[target.key] = r;
          emit({
            figure: `${c.call} of the national conference, ${target.key === "bare" ? "bare grpc-js (same bytes)" : "meetings service"}`,
            calls_per_sec: r.calls_per_sec,
            p50_ms: r.p50_ms,
            p99_ms: r.p99_ms,
            in_flight: timing.inFlight,
            response_bytes: c.bytes,
            participants: audience.seats.length,
            server_cpu_ms_per_call: r.cpu_ms_per_call.server,
            store_cpu_ms_per_call: r.cpu_ms_per_call.store,
            client_cpu_ms_per_call: r.cpu_ms_per_call.client,
            ...(target.key === "service" && row.bare ? { ratio_to_bare: round(r.calls_per_sec / row.bare.calls_per_sec) } : {}),
          });
        }
        readRows.push(row);
      }
      await loadDriver.stop();

      // No document grows with the audience: the meeting holds counters, each site its own figures.
      const size = (d: object | null) => (d ? BSON.calculateObjectSize(d) : 0);
      const largest = async (collection: string, filter: object) => {
        let max = 0;
        for await (const d of db.collection(collection).find(filter)) max = Math.max(max, size(d));
        return max;
      };
      documentSizes.push([
        `meeting document, national conference (${formatCount(audience.seats.length)} participants, ${formatCount(audience.sites.length + 1)} sites)`,
        size(await db.collection("meetings").findOne({ _id: meetingId as never })),
      ]);
      if (briefingId)
        documentSizes.push([
          `meeting document, briefing (${briefingParticipants} participants, ${briefingSites} sites)`,
          size(await db.collection("meetings").findOne({ _id: briefingId as never })),
        ]);
      documentSizes.push(["largest site document (any meeting)", await largest("sites", {})]);
      documentSizes.push(["largest participant document (checked in)", await largest("participants", { firstCheckIn: { $exists: true } })]);
      emit({ figure: "document sizes (BSON bytes)", ...Object.fromEntries(documentSizes) });
    }
  }
  const cpu = processCpuMs(service.pid);
  if (cpu !== undefined) emit({ figure: "the meetings service's CPU time over the run", unit: "s", value: round(cpu / 1000, 1) });
  const storeCpu = processCpuMs(store.pid);
  if (storeCpu !== undefined) emit({ figure: "its store's CPU time over the run", unit: "s", value: round(storeCpu / 1000, 1) });
} catch (err) {
  failed = true;
  if (!benchInterrupted()) note(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  for (const close of closing.reverse()) await Promise.resolve(close()).catch(() => {});
  // Newest first: the load client and the baseline, the services, the stores, NATS.
  await stopBenchChildren();
}

// ---------------------------------------------------------------------------------------------- report

const ms = (v: number) => `${formatMs(v)} ms`;
const lines: string[] = [""];
if (checkInRows.length > 0)
  lines.push(
    "Check-ins (latency from when each call was due; errors counted, never retried):",
    "",
    ...markdownTable(
      ["phase", "offered", "achieved", "p50", "p99", "max", "errors", "service / store CPU", "verified"],
      checkInRows.map(({ phase, result: r, inFlight, checks }) => {
        const cpu = (r as CheckInResult & { cpu_s?: Record<string, number> }).cpu_s;
        const errors =
          r.errors === 0
            ? "0"
            : `${formatCount(r.errors)} (${Object.entries(r.errors_by_code)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")})`;
        return [
          phase,
          r.offered_per_sec !== undefined ? `${formatCount(r.offered_per_sec)}/s` : `${inFlight} in flight`,
          `${formatCount(r.achieved_per_sec)}/s`,
          ms(r.p50_ms),
          ms(r.p99_ms),
          ms(r.max_ms),
          errors,
          cpu ? `${cpu.server} s / ${cpu.store} s` : "–",
          checks,
        ];
      }),
    ),
    "",
  );
if (nationalScope) lines.push(`National conference: ${nationalScope}.`, "");
if (setupRows.length > 0)
  lines.push(
    "National conference set-up through the API:",
    "",
    ...markdownTable(
      ["step", "calls", "time", "per call p50 / max"],
      setupRows.map((s) => [
        s.step,
        s.calls ? formatCount(s.calls) : "",
        `${s.seconds} s`,
        s.p50_ms !== undefined ? `${ms(s.p50_ms)} / ${ms(s.max_ms ?? 0)}` : "",
      ]),
    ),
    "",
  );
if (readRows.length > 0) {
  const cpuCell = (r: MeasuredLoad | undefined, name: string) => {
    const v = r?.cpu_ms_per_call[name];
    return v === undefined ? "–" : `${v.toFixed(2)} ms`;
  };
  lines.push(
    `Reads of the national conference, ${timing.inFlight} calls in flight for ${timing.seconds} s each (after ${timing.warmupSeconds} s of warm-up):`,
    "",
    ...markdownTable(
      ["call", "answer", "bare grpc-js (same bytes)", "meetings service", "ratio to bare", "service CPU/call", "store CPU/call"],
      readRows.map((r) => [
        r.call,
        `${formatCount(r.bytes)} B`,
        throughputCell(r.bare),
        throughputCell(r.service),
        throughputRatio(r.service, r.bare),
        cpuCell(r.service, "server"),
        cpuCell(r.service, "store"),
      ]),
    ),
    "",
  );
}
if (documentSizes.length > 0)
  lines.push(
    ...markdownTable(
      ["document", "BSON size"],
      documentSizes.map(([k, v]) => [k, `${formatCount(v)} B`]),
    ),
    "",
  );
for (const p of problems) lines.push(`NOT VERIFIED: ${p}`);
if (problems.length > 0) lines.push("");
lines.push(machineLine(started));
process.stdout.write(`${lines.join("\n")}\n`);
// Kept after a failure: the services' logs (meetings.log, notifications.log) explain it.
if (failed || problems.length > 0) note(`the run's files (the services' logs meetings.log, notifications.log) are in ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
