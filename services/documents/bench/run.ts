/**
 * What the documents service does with a year of incoming mail, and what reading a document costs against
 * bare grpc-js, in one run. Every part is a process of its own, as in the dev stack:
 *
 *   nats-server (JetStream, its own) · the embedded MongoDB (packages/embedded-mongo's CLI, in memory) ·
 *   the documents service (dist/main.js, or src/main.ts through tsx when it is not built; EXCHANGE_URL
 *   empty: nothing sent to or polled from the exchange) · the registration driver (bench/register.ts) ·
 *   the bare grpc-js baseline (bench/baseline.ts) · the load client (bench/load.ts).
 *   One signing key for every token (AUTH_LOCAL_KEY_PATH, DEV_MODE=true).
 *
 * Figures:
 *   register  BENCH_DOCUMENTS (10,000) incoming documents (bench/corpus.ts: a year of mail from the
 *             Government Office, provinces and ministries, "V/v …" summaries) received and registered by
 *             the Office's clerk through the API, ReceiveDocument then RegisterDocument, BENCH_IN_FLIGHT
 *             (32) documents at a time: documents/s and calls/s, p50/p99/max of each call, errors.
 *             Verified: the arrival numbers answered are exactly 1..N (no gap, no duplicate), and so are
 *             the ones stored.
 *   search    SearchDocuments as the clerk, page of 20, one query mix at a time (a word in 1% of the
 *             summaries typed without diacritics, words in 50% in upper case, a number and symbol typed
 *             loosely, a month of issue dates), BENCH_IN_FLIGHT in flight for BENCH_SECONDS (5) after
 *             BENCH_WARMUP_SECONDS (1): calls/s, p50/p99. Every answer must carry the expected total
 *             (counted by the bench with the service's own matching) and a full page.
 *   get       GetDocument of one registered document, 32 in flight (BENCH_GET_IN_FLIGHT), against the
 *             baseline serving the very bytes the service answered: the ratio.
 *
 * One JSON line per figure on stdout, then Markdown tables and the machine.
 *
 *   pnpm --filter @ministry/documents build && pnpm --filter @ministry/documents bench
 *
 * Settings: the above, BENCH_PARTS (register,search,get: search and get need register),
 * BENCH_CALL_DEADLINE_MS (60000: a registration call's deadline), BENCH_LOG_LEVEL (the service's LOG_LEVEL;
 * unset: its default), BENCH_CPU_PROF=<dir> (the service writes a V8 CPU profile there).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLocalAuthority, type IdentityClaims } from "@ministry/platform";
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
  type MeasuredLoad,
  markdownTable,
  onJsonLines,
  processCpuMs,
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
import { DocumentServiceClient, GetDocumentResponse } from "@ministry/proto/ministry/documents/v1/documents";
import * as grpc from "@grpc/grpc-js";
import { MongoClient } from "mongodb";
import { expectedMatches, incomingDocuments, searchMixes } from "./corpus.js";
import type { LoadJob } from "./load.js";
import type { RegisterJob, RegisterResult } from "./register.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const timing = loadTimingFromEnv();
const documentCount = benchNumber("BENCH_DOCUMENTS", 10_000);
const getInFlight = benchNumber("BENCH_GET_IN_FLIGHT", 32);
const callDeadlineMs = benchNumber("BENCH_CALL_DEADLINE_MS", 60_000);
const parts = new Set((process.env.BENCH_PARTS ?? "register,search,get").split(",").map((s) => s.trim()));
const PAGE_SIZE = 20;
const SERVICE_DB = "documents";
/** The Ministry Office's clerk (OFFICE_UNIT_ID is VP): receives, registers and searches. */
const CLERK: IdentityClaims = { sub: "vp-clerk", name: "Văn thư Văn phòng Bộ (bench)", roles: ["clerk"], unit: "VP" };
const started = performance.now();

const round = roundTo;
const emit = (figure: Record<string, unknown>) => emitFigure("documents", figure);
const note = (line: string) => process.stderr.write(`bench: ${line}\n`);

// ------------------------------------------------------------------------------------------- processes

/** The service as the dev stack starts it: its built dist/main.js, else src/main.ts through tsx. */
async function startService(dir: string, vars: NodeJS.ProcessEnv) {
  const serviceDir = path.join(root, "services", "documents");
  const built = path.join(serviceDir, "dist/main.js");
  const args = fs.existsSync(built) ? [built] : ["--import", "tsx", path.join(serviceDir, "src/main.ts")];
  if (process.env.BENCH_CPU_PROF)
    args.unshift("--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_CPU_PROF)}`);
  if (!fs.existsSync(built))
    note("services/documents/dist/main.js is missing: running src/main.ts through tsx (pnpm build for the built service)");
  const grpcPort = await freePort();
  const adminPort = await freePort();
  const logFile = path.join(dir, "documents.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVICE_NAME: "documents",
    DEV_MODE: "true",
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(grpcPort),
    ADMIN_PORT: String(adminPort),
    GRPC_NODE_DEBUG_SEND_ERROR_DETAILS: "true",
    ...vars,
  };
  // pnpm's own variables (npm_*) and a NODE_OPTIONS of the caller's stay out: the service runs as `node dist/main.js`.
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  delete env.NODE_OPTIONS;
  if (process.env.BENCH_LOG_LEVEL) env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  else delete env.LOG_LEVEL;
  const child = startBenchChild("documents", process.execPath, args, { env, cwd: serviceDir, logFile });
  await waitForHttpOk(`http://127.0.0.1:${adminPort}/readyz`, child, { logFile, timeoutMs: 120_000 });
  return { child, pid: child.proc.pid!, address: `127.0.0.1:${grpcPort}`, logFile };
}

async function startBaseline(answersFile: string): Promise<{ address: string; pid: number }> {
  const child = startBenchScript("baseline", path.join(benchDir, "baseline.ts"), [answersFile]);
  const { port } = await jsonLine<{ port: number }>(child, "ready");
  return { address: `127.0.0.1:${port}`, pid: child.proc.pid! };
}

/** Exactly 1..n, each once: what a register's arrival numbers must be. Undefined when so, else what is wrong. */
function notOneToN(numbers: number[], n: number): string | undefined {
  const seen = new Uint8Array(n + 1);
  let duplicates = 0;
  let outside = 0;
  for (const a of numbers) {
    if (!Number.isInteger(a) || a < 1 || a > n) outside++;
    else if (seen[a]++) duplicates++;
  }
  let gaps = 0;
  for (let a = 1; a <= n; a++) if (!seen[a]) gaps++;
  return numbers.length === n && duplicates === 0 && outside === 0 && gaps === 0
    ? undefined
    : `${numbers.length} numbers for ${n} documents: ${gaps} missing, ${duplicates} duplicated, ${outside} outside 1..${n}`;
}

// ------------------------------------------------------------------------------------------------ run

interface SearchRow {
  mix: string;
  text: string;
  matches: number;
  result?: MeasuredLoad;
}

stopBenchChildrenOnSignals();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "documents-bench-"));
let registered: (RegisterResult & { cpu_s: Record<string, number>; checks: string }) | undefined;
const searchRows: SearchRow[] = [];
let getRow: { bytes: number; bare?: MeasuredLoad; service?: MeasuredLoad } | undefined;
const problems: string[] = [];
let failed = false;
const closing: (() => Promise<unknown> | unknown)[] = [];
try {
  note(`starting nats-server, the embedded MongoDB and the documents service (files in ${dir})`);
  const [natsUrl, store] = await Promise.all([
    startBenchNats(dir),
    startBenchMongo(path.join(root, "packages/embedded-mongo/dist/cli.js"), { name: "mongodb-documents" }),
  ]);
  const keyPath = path.join(dir, "auth", "signing-key.pem");
  const authority = await createLocalAuthority({ keyPath });
  const service = await startService(dir, {
    MONGODB_URI: store.uri,
    NATS_URL: natsUrl,
    AUTH_LOCAL_KEY_PATH: keyPath,
    SEED_DATA: "false",
    EXCHANGE_URL: "",
  });
  const watch = { server: service.pid, store: store.pid };
  const clerkToken = await authority.issueToken(CLERK, "3h");
  const mongo = await MongoClient.connect(store.uri);
  closing.push(() => mongo.close());
  const db = mongo.db(SERVICE_DB);
  const docs = incomingDocuments(documentCount);

  // ------------------------------------------------------------------------------------ registration
  if (parts.has("register")) {
    const jobFile = path.join(dir, "register.json");
    const job: RegisterJob = { address: service.address, token: clerkToken, inFlight: timing.inFlight, deadlineMs: callDeadlineMs, docs };
    fs.writeFileSync(jobFile, JSON.stringify(job));
    note(
      `registering ${formatCount(docs.length)} incoming documents, ${timing.inFlight} at a time (ReceiveDocument + RegisterDocument each)`,
    );
    const child = startBenchScript("register", path.join(benchDir, "register.ts"), [jobFile]);
    await jsonLine<boolean>(child, "ready", 60_000);
    const t0 = performance.now();
    onJsonLines<number>(child, "progress", (n) => note(`registered ${formatCount(n)} in ${round((performance.now() - t0) / 1000, 1)} s`));
    const sample = () => Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, processCpuMs(pid) ?? 0]));
    const before = sample();
    const r = await jsonLine<RegisterResult>(child, "result", 60 * 60_000);
    const after = sample();
    await child.stop();
    const answered = notOneToN(r.arrivals, docs.length);
    // what the store holds, not only what was answered
    const stored = await db
      .collection("documents")
      .find({ direction: "incoming" }, { projection: { _id: 0, n: "$incoming.arrivalNumber" } })
      .map((d) => d.n as number)
      .toArray();
    const inStore = notOneToN(stored, docs.length);
    if (r.errors > 0) problems.push(`registration: ${r.errors} calls failed (${JSON.stringify(r.errors_by_code)})`);
    if (answered) problems.push(`registration: arrival numbers answered: ${answered}`);
    if (inStore) problems.push(`registration: arrival numbers stored: ${inStore}`);
    const checks =
      answered || inStore
        ? `✗ answered: ${answered ?? "1..N"}; stored: ${inStore ?? "1..N"}`
        : `arrival numbers answered and stored exactly 1..${formatCount(docs.length)} ✓`;
    const cpu_s = Object.fromEntries(Object.keys(watch).map((k) => [k, round((after[k] - before[k]) / 1000, 1)]));
    registered = { ...r, cpu_s, checks };
    const { arrivals: _arrivals, ...figure } = r;
    emit({
      figure: `register: ${docs.length} incoming documents received and registered by the Office's clerk, ${timing.inFlight} in flight`,
      ...figure,
      in_flight: timing.inFlight,
      cpu_s,
      arrival_numbers_answered_1_to_n: !answered,
      arrival_numbers_stored_1_to_n: !inStore,
    });

    const loadDriver = new LoadDriver(() => startBenchScript("load", path.join(benchDir, "load.ts"), [], { stdin: true }));
    closing.push(() => loadDriver.stop());
    // ---------------------------------------------------------------------------------------- search
    if (parts.has("search")) {
      for (const mix of searchMixes(docs)) {
        const matches = expectedMatches(docs, mix);
        const row: SearchRow = { mix: mix.name, text: mix.text || `${mix.from?.slice(0, 10)} – ${mix.to?.slice(0, 10)}`, matches };
        searchRows.push(row);
        note(`SearchDocuments: ${mix.name} (${matches} matches)`);
        try {
          const job: LoadJob = {
            ...timing,
            address: service.address,
            token: clerkToken,
            method: "searchDocuments",
            text: mix.text,
            ...(mix.from ? { from: mix.from } : {}),
            ...(mix.to ? { to: mix.to } : {}),
            pageSize: PAGE_SIZE,
            expectedTotal: matches,
          };
          row.result = await loadDriver.run(job, watch);
          emit({
            figure: `SearchDocuments over ${docs.length} documents: ${mix.name}`,
            text: mix.text,
            from: mix.from,
            to: mix.to,
            matches,
            page_size: PAGE_SIZE,
            in_flight: timing.inFlight,
            calls_per_sec: row.result.calls_per_sec,
            p50_ms: row.result.p50_ms,
            p99_ms: row.result.p99_ms,
            server_cpu_ms_per_call: row.result.cpu_ms_per_call.server,
            store_cpu_ms_per_call: row.result.cpu_ms_per_call.store,
          });
        } catch (err) {
          // a wrong answer ends the load client: said, and the next mix gets a new one
          problems.push(`SearchDocuments "${row.text}": ${(err as Error).message}`);
          await loadDriver.stop();
        }
      }
    }

    // ----------------------------------------------------------------------------------- GetDocument
    if (parts.has("get") && r.sample_id) {
      const client = new DocumentServiceClient(service.address, grpc.credentials.createInsecure());
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${clerkToken}`);
      const answer = await new Promise<GetDocumentResponse>((resolve, reject) =>
        client.getDocument({ id: r.sample_id }, md, (err, res) => (err ? reject(err) : resolve(res))),
      );
      client.close();
      const bytes = GetDocumentResponse.encode(answer).finish();
      const answersFile = path.join(dir, "answers.json");
      fs.writeFileSync(answersFile, JSON.stringify({ document: Buffer.from(bytes).toString("base64") }));
      const bare = await startBaseline(answersFile);
      getRow = { bytes: bytes.length };
      for (const target of [
        { key: "bare" as const, address: bare.address, watch: { server: bare.pid } as Record<string, number> },
        { key: "service" as const, address: service.address, watch },
      ]) {
        note(`GetDocument on ${target.key}, ${getInFlight} in flight`);
        const job: LoadJob = {
          ...timing,
          inFlight: getInFlight,
          address: target.address,
          token: clerkToken,
          method: "getDocument",
          id: r.sample_id,
          summary: answer.document?.summary ?? "",
        };
        const m = await loadDriver.run(job, target.watch);
        getRow[target.key] = m;
        emit({
          figure: `GetDocument, ${target.key === "bare" ? "bare grpc-js (same bytes)" : "documents service"}`,
          calls_per_sec: m.calls_per_sec,
          p50_ms: m.p50_ms,
          p99_ms: m.p99_ms,
          in_flight: getInFlight,
          response_bytes: bytes.length,
          server_cpu_ms_per_call: m.cpu_ms_per_call.server,
          store_cpu_ms_per_call: m.cpu_ms_per_call.store,
          ...(target.key === "service" && getRow.bare ? { ratio_to_bare: round(m.calls_per_sec / getRow.bare.calls_per_sec) } : {}),
        });
      }
    }
    await loadDriver.stop();
  }
  const cpu = processCpuMs(service.pid);
  if (cpu !== undefined) emit({ figure: "the documents service's CPU time over the run", unit: "s", value: round(cpu / 1000, 1) });
  const storeCpu = processCpuMs(store.pid);
  if (storeCpu !== undefined) emit({ figure: "its store's CPU time over the run", unit: "s", value: round(storeCpu / 1000, 1) });
} catch (err) {
  failed = true;
  if (!benchInterrupted()) note(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  for (const close of closing.reverse()) await Promise.resolve(close()).catch(() => {});
  // Newest first: the load client and the baseline, the service, the store, NATS.
  await stopBenchChildren();
}

// ---------------------------------------------------------------------------------------------- report

const ms = (v: number) => `${formatMs(v)} ms`;
const cpuCell = (r: MeasuredLoad | undefined, name: string) => {
  const v = r?.cpu_ms_per_call[name];
  return v === undefined ? "–" : `${v.toFixed(2)} ms`;
};
const lines: string[] = [""];
if (registered) {
  const r = registered;
  lines.push(
    `Registration: ${formatCount(documentCount)} incoming documents received and registered by the Office's clerk, ${timing.inFlight} documents in flight (closed loop; errors counted, never retried):`,
    "",
    ...markdownTable(
      [
        "documents",
        "time",
        "documents/s",
        "calls/s",
        "ReceiveDocument p50 / p99 / max",
        "RegisterDocument p50 / p99 / max",
        "errors",
        "service / store CPU",
        "verified",
      ],
      [
        [
          formatCount(r.documents),
          `${r.seconds} s`,
          `${formatCount(r.documents_per_sec)}/s`,
          `${formatCount(r.calls_per_sec)}/s`,
          `${ms(r.receive.p50_ms)} / ${ms(r.receive.p99_ms)} / ${ms(r.receive.max_ms)}`,
          `${ms(r.register.p50_ms)} / ${ms(r.register.p99_ms)} / ${ms(r.register.max_ms)}`,
          r.errors === 0
            ? "0"
            : `${r.errors} (${Object.entries(r.errors_by_code)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")})`,
          `${r.cpu_s.server} s / ${r.cpu_s.store} s`,
          r.checks,
        ],
      ],
    ),
    "",
  );
}
if (searchRows.length > 0)
  lines.push(
    `SearchDocuments over ${formatCount(documentCount)} documents as the clerk, page of ${PAGE_SIZE} with the total, ${timing.inFlight} in flight for ${timing.seconds} s each (after ${timing.warmupSeconds} s of warm-up):`,
    "",
    ...markdownTable(
      ["query", "text", "matches", "throughput", "service CPU/call", "store CPU/call"],
      searchRows.map((s) => [
        s.mix,
        `\`${s.text}\``,
        `${formatCount(s.matches)} (${round((100 * s.matches) / Math.max(1, documentCount), 2)}%)`,
        s.result ? throughputCell(s.result) : "✗ failed",
        cpuCell(s.result, "server"),
        cpuCell(s.result, "store"),
      ]),
    ),
    "",
  );
if (getRow)
  lines.push(
    `GetDocument, ${getInFlight} calls in flight for ${timing.seconds} s (after ${timing.warmupSeconds} s of warm-up):`,
    "",
    ...markdownTable(
      ["call", "answer", "bare grpc-js (same bytes)", "documents service", "ratio to bare", "service CPU/call", "store CPU/call"],
      [
        [
          "GetDocument (registered incoming document)",
          `${formatCount(getRow.bytes)} B`,
          throughputCell(getRow.bare),
          throughputCell(getRow.service),
          throughputRatio(getRow.service, getRow.bare),
          cpuCell(getRow.service, "server"),
          cpuCell(getRow.service, "store"),
        ],
      ],
    ),
    "",
  );
for (const p of problems) lines.push(`NOT VERIFIED: ${p}`);
if (problems.length > 0) lines.push("");
lines.push(machineLine(started));
process.stdout.write(`${lines.join("\n")}\n`);
// Kept after a failure: the service's log (documents.log) explains it.
if (failed || problems.length > 0) note(`the run's files (the service's log documents.log) are in ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed || problems.length > 0 ? 1 : 0);
