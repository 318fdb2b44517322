/**
 * Benchmark through the official driver against the server started as its own process (so driver and
 * server each get a core, as in the dev stack). Prints one JSON line per figure. The baseline, measured
 * in the same run, is `ping`: the driver + wire round trip with no storage work, the ceiling for
 * every single-document operation.
 *
 *   pnpm --filter @ministry/embedded-mongo bench            (BENCH_SECONDS=3 by default)
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { BSON, MongoClient, type Collection, type Document } from "mongodb";
import { ACTIVE_STATUSES, BENCH_NOW, benchTask } from "./tasks-data.js";

const here = path.dirname(fileURLToPath(import.meta.url));
// BENCH_SERVER_CLI: another build of the server (e.g. a checkout of an earlier commit) for A/B runs.
const cli = process.env.BENCH_SERVER_CLI ?? path.join(here, "..", "src", "cli.ts");
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: "embedded-mongo", ...figure })}\n`);
}

async function startServer(dataDir?: string, profileTag?: string): Promise<{ uri: string; child: ChildProcess }> {
  const args = ["--import", "tsx", cli, "--port", "0", "--log-level", "info"];
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the server process (written when it stops), for self-time shares.
  const profDir = process.env.BENCH_CPU_PROF;
  // One directory per server: tsx's loader thread writes a profile of its own next to the main thread's.
  if (profDir && profileTag) args.unshift("--cpu-prof", "--cpu-prof-dir", path.join(profDir, profileTag));
  if (dataDir) args.push("--data", dataDir);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split("\n")) {
        if (line.includes('"embedded-mongo ready"')) resolve({ uri: (JSON.parse(line) as { uri: string }).uri, child });
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Runs `op` from `workers` concurrent loops for the bench duration; returns ops/s and latency percentiles. */
async function throughput(
  workers: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ opsPerSec: number; p50: number; p99: number; n: number }> {
  const latencies: number[] = [];
  let counter = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await op(counter++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(3));
  return { opsPerSec: Math.round(latencies.length / elapsed), p50: pct(0.5), p99: pct(0.99), n: latencies.length };
}

/**
 * The server alone: hand-built OP_MSG frames, pipelined (8 in flight on each of 4 sockets), so the
 * driver's own per-call cost (the ceiling of every driver figure on this machine) is out of the picture.
 */
async function rawWire(uri: string, command: (i: number) => Document): Promise<number> {
  const port = Number(new URL(uri).port);
  let done = 0;
  let seq = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const frame = () => {
    const body = BSON.serialize(command(seq++));
    const msg = Buffer.alloc(21 + body.length);
    msg.writeInt32LE(msg.length, 0);
    msg.writeInt32LE(seq, 4);
    msg.writeInt32LE(2013, 12);
    msg.set(body, 21);
    return msg;
  };
  await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect(port, "127.0.0.1");
          socket.setNoDelay(true);
          let inflight = 0;
          let pending: Buffer = Buffer.alloc(0);
          const fill = () => {
            while (inflight < 8 && performance.now() < deadline) {
              socket.write(frame());
              inflight++;
            }
            if (inflight === 0) socket.end(resolve);
          };
          socket.on("connect", fill);
          socket.on("error", reject);
          socket.on("data", (chunk: Buffer) => {
            pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
            while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
              pending = pending.subarray(pending.readInt32LE(0));
              inflight--;
              done++;
            }
            fill();
          });
        }),
    ),
  );
  return Math.round(done / ((performance.now() - started) / 1000));
}

/**
 * Aggregations over the 100,000 tasks: the report shape ($match + $group by field with $sum), a find-like
 * pipeline (indexed $match, inclusion $project, $sort), a computed top-level $set, and a dotted $set,
 * which must work on copies so the stored documents stay as they are.
 */
async function aggregationFigures(big: Collection<Document>, label: string): Promise<void> {
  const run = async (figure: string, pipeline: (i: number) => Document[]) => {
    const r = await throughput(1, (i) => big.aggregate(pipeline(i)).toArray());
    emit({ figure, storage: label, unit: "ms", value: r.p50, p99_ms: r.p99, n: r.n });
  };
  const cutoff = new Date(Date.UTC(2020, 6, 1));
  await run("aggregate: $group by status with $sum over 100,000 documents", () => [
    { $match: { status: { $gte: 0 } } },
    { $group: { _id: "$status", n: { $sum: 1 } } },
  ]);
  await run("aggregate: indexed $match + inclusion $project + $sort (10 matches)", (i) => [
    { $match: { unit: `unit-${i % 10_000}` } },
    { $project: { unit: 1, status: 1 } },
    { $sort: { status: 1 } },
  ]);
  await run("aggregate: computed top-level $set over 25,000 documents", () => [
    { $match: { status: 1 } },
    { $set: { late: { $lt: ["$deadline", cutoff] } } },
    { $count: "n" },
  ]);
  await run("aggregate: dotted $set over 25,000 documents (works on copies)", () => [
    { $match: { status: 1 } },
    { $set: { "meta.late": { $lt: ["$deadline", cutoff] } } },
    { $count: "n" },
  ]);
}

async function suite(label: string, dataDir?: string): Promise<void> {
  const { uri, child } = await startServer(dataDir);
  const client = new MongoClient(uri, { maxPoolSize: concurrency });
  try {
    await client.connect();
    const db = client.db(`bench_${label}`);
    await db.dropDatabase();
    const admin = client.db("admin");

    const ping = await throughput(concurrency, () => admin.command({ ping: 1 }));
    emit({
      figure: "ping (baseline: driver + wire, no storage)",
      storage: label,
      unit: "ops/s",
      value: ping.opsPerSec,
      p50_ms: ping.p50,
      p99_ms: ping.p99,
      concurrency,
    });

    const inserts: Collection<Document> = db.collection("inserts");
    const ins = await throughput(concurrency, (i) =>
      inserts.insertOne({ i, title: `Nhiệm vụ ${i}`, unit: `Vụ ${i % 20}`, at: new Date() }),
    );
    emit({
      figure: "insertOne",
      storage: label,
      unit: "ops/s",
      value: ins.opsPerSec,
      p50_ms: ins.p50,
      p99_ms: ins.p99,
      concurrency,
      vs_baseline: Number((ins.opsPerSec / ping.opsPerSec).toFixed(2)),
    });

    const insSeq = await throughput(1, (i) => inserts.insertOne({ seq: i }));
    emit({
      figure: "insertOne (one at a time)",
      storage: label,
      unit: "ops/s",
      value: insSeq.opsPerSec,
      p50_ms: insSeq.p50,
      p99_ms: insSeq.p99,
      concurrency: 1,
    });

    if (label === "memory") {
      const ids = (
        await inserts
          .find({}, { projection: { _id: 1 } })
          .limit(10_000)
          .toArray()
      ).map((d) => d._id);
      const reads = await throughput(concurrency, (i) => inserts.findOne({ _id: ids[i % ids.length] }));
      emit({
        figure: "findOne by _id",
        storage: label,
        unit: "ops/s",
        value: reads.opsPerSec,
        p50_ms: reads.p50,
        p99_ms: reads.p99,
        concurrency,
        vs_baseline: Number((reads.opsPerSec / ping.opsPerSec).toFixed(2)),
      });

      const big = db.collection("tasks100k");
      const batch: Document[] = [];
      for (let i = 0; i < 100_000; i++)
        batch.push({
          _id: i,
          unit: `unit-${i % 10_000}`,
          status: i % 4,
          deadline: new Date(Date.UTC(2020, 0, 1) + (i % 366) * 86_400_000),
        });
      for (let i = 0; i < batch.length; i += 10_000) await big.insertMany(batch.slice(i, i + 10_000));
      await big.createIndex({ unit: 1 });
      const q = await throughput(1, (i) => big.find({ unit: `unit-${i % 10_000}` }).toArray());
      emit({
        figure: "indexed equality query over 100,000 documents (10 matches, round trip included)",
        storage: label,
        unit: "ms",
        value: q.p50,
        p99_ms: q.p99,
        n: q.n,
        baseline_ping_p50_ms: ping.p50,
      });

      await aggregationFigures(big, label);

      const counters = db.collection<{ _id: number; n: number }>("counters");
      await counters.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: i, n: 0 })));
      const session = client.startSession();
      const txn = await throughput(1, async (i) => {
        await session.withTransaction(async () => {
          await counters.updateOne({ _id: i % 1000 }, { $inc: { n: 1 } }, { session });
          await counters.updateOne({ _id: (i + 1) % 1000 }, { $inc: { n: 1 } }, { session });
          await inserts.insertOne({ txn: i }, { session });
        });
      });
      await session.endSession();
      emit({
        figure: "transaction of 3 writes (withTransaction, commit included)",
        storage: label,
        unit: "ms",
        value: txn.p50,
        p99_ms: txn.p99,
        n: txn.n,
      });
    }
    const rawPing = await rawWire(uri, () => ({ ping: 1, $db: "admin" }));
    emit({ figure: "ping, server alone (raw pipelined wire, no driver)", storage: label, unit: "ops/s", value: rawPing });
    const rawInsert = await rawWire(uri, (i) => ({
      insert: "raw",
      documents: [{ _id: i, title: `Nhiệm vụ ${i}` }],
      $db: `bench_${label}`,
    }));
    emit({
      figure: "insert of one document, server alone (raw pipelined wire, no driver)",
      storage: label,
      unit: "ops/s",
      value: rawInsert,
      vs_raw_ping: Number((rawInsert / rawPing).toFixed(2)),
    });
    const rawRead = await rawWire(uri, (i) => ({
      find: "raw",
      filter: { _id: i % 1000 },
      limit: 1,
      singleBatch: true,
      $db: `bench_${label}`,
    }));
    emit({
      figure: "find by _id, server alone (raw pipelined wire, no driver)",
      storage: label,
      unit: "ops/s",
      value: rawRead,
      vs_raw_ping: Number((rawRead / rawPing).toFixed(2)),
    });
    await db.dropDatabase();
  } finally {
    await client.close();
    await stopServer(child);
  }
}

/**
 * The loads the tasks service puts on the store, from a driver client in this process with 32 calls in
 * flight (as the service bench drives it): findOne by `_id` (GetTask), insertOne, a transaction of 3
 * inserts into 3 collections (CreateTask's task, audit and outbox records), and pages of 50 over 100,000
 * tasks (ListTasks: equality + `$in` + range sorted on the index; equality + range sorted on the index).
 */
async function serviceLoads(label: string, dataDir?: string): Promise<void> {
  const workers = Number(process.env.BENCH_SERVICE_CONCURRENCY ?? 32);
  // BENCH_LOADS=get,insert,txn,list: only these loads (e.g. for a profile of one of them).
  const loads = process.env.BENCH_LOADS?.split(",");
  const want = (load: string) => !loads || loads.includes(load);
  const { uri, child } = await startServer(dataDir, `service-${label}`);
  const client = new MongoClient(uri, { maxPoolSize: workers });
  // With a profile, each figure carries its time window (CLOCK_MONOTONIC µs, the clock of the profile's
  // samples), so the profile can be cut to one load without the seeding around it.
  const profiling = process.env.BENCH_CPU_PROF !== undefined;
  let windowStart = process.hrtime.bigint() / 1000n;
  // The store process's CPU time per operation (Linux /proc): it moves less than ops/s when other
  // processes share the cores (though still some), so before/after comparisons hold better.
  const cpuTicks = () => {
    try {
      const fields = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (USER_HZ, 100/s)
    } catch {
      return undefined;
    }
  };
  let cpuStart = cpuTicks();
  const figure = (name: string, r: Awaited<ReturnType<typeof throughput>>) => {
    const cpuEnd = cpuTicks();
    const cpu =
      cpuStart !== undefined && cpuEnd !== undefined ? { server_cpu_us_per_op: Math.round(((cpuEnd - cpuStart) * 10_000) / r.n) } : {};
    const window = profiling ? { window_us: [Number(windowStart), Number(process.hrtime.bigint() / 1000n)] } : {};
    emit({
      figure: name,
      suite: "service",
      storage: label,
      unit: "ops/s",
      value: r.opsPerSec,
      p50_ms: r.p50,
      p99_ms: r.p99,
      concurrency: workers,
      ...cpu,
      ...window,
    });
  };
  const mark = () => {
    windowStart = process.hrtime.bigint() / 1000n;
    cpuStart = cpuTicks();
  };
  try {
    await client.connect();
    const db = client.db(`bench_service_${label}`);
    await db.dropDatabase();
    const tasks = db.collection<{ _id: string } & Document>("tasks");
    const active = ACTIVE_STATUSES;
    const now = BENCH_NOW;
    const batch: ({ _id: string } & Document)[] = [];
    for (let i = 0; i < 100_000; i++) {
      batch.push(benchTask(i));
    }
    for (let i = 0; i < batch.length; i += 10_000) await tasks.insertMany(batch.slice(i, i + 10_000));
    await tasks.createIndex({ leadUnit: 1, status: 1, deadline: 1 }, { name: "lead_status_deadline" });
    await tasks.createIndex({ status: 1, deadline: 1 }, { name: "status_deadline" });
    await tasks.createIndex({ programmeId: 1, code: 1 }, { name: "programme_code_unique", unique: true });
    const audit = db.collection("audit");
    const outbox = db.collection("outbox");
    await audit.insertOne({ warm: true });
    await outbox.insertOne({ warm: true });

    const admin = client.db("admin");
    await throughput(workers, () => admin.command({ ping: 1 })); // warms the pool and the JIT
    mark();
    figure("ping (baseline)", await throughput(workers, () => admin.command({ ping: 1 })));
    mark();
    if (want("get"))
      figure("findOne by _id (GetTask)", await throughput(workers, (i) => tasks.findOne({ _id: `task-${(i * 7919) % 100_000}` })));
    const inserts = db.collection("inserts");
    mark();
    if (want("insert"))
      figure("insertOne", await throughput(workers, (i) => inserts.insertOne({ i, title: `Nhiệm vụ ${i}`, at: new Date() })));
    const sessions = want("txn") ? Array.from({ length: workers }, () => client.startSession()) : [];
    const idle = [...sessions];
    mark();
    const txn = !want("txn")
      ? undefined
      : await throughput(workers, async (i) => {
          const session = idle.pop()!;
          try {
            await session.withTransaction(async () => {
              const id = `new-${i}`;
              await tasks.insertOne({ _id: id, programmeId: "prog-new", code: `N${i}`, status: "assigned" }, { session });
              await audit.insertOne({ target: { type: "task", id }, action: "task.created", at: new Date() }, { session });
              await outbox.insertOne({ aggregate: id, type: "tasks.task.created", seq: i, sent: false }, { session });
            });
          } finally {
            idle.push(session);
          }
        });
    for (const s of sessions) await s.endSession();
    if (txn) figure("transaction of 3 inserts into 3 collections (CreateTask)", txn);
    const before = new Date(now);
    mark();
    if (want("list"))
      figure(
        "find: a unit's overdue tasks ($in statuses + deadline range), sort deadline, limit 50, over 100,000 (ListTasks)",
        await throughput(workers, (i) =>
          tasks
            .find({ leadUnit: `unit-${i % 200}`, status: { $in: active }, deadline: { $lt: before } })
            .sort({ deadline: 1 })
            .limit(50)
            .toArray(),
        ),
      );
    mark();
    if (want("list"))
      figure(
        "find: status equality + deadline range, sort deadline, limit 50, over 100,000",
        await throughput(workers, (i) =>
          tasks
            .find({ status: active[i % 3], deadline: { $lt: before } })
            .sort({ deadline: 1 })
            .limit(50)
            .toArray(),
        ),
      );
    await db.dropDatabase();
  } finally {
    await client.close();
    await stopServer(child);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "embedded-mongo-bench-"));
// BENCH_SUITE: "service" (the service's loads only), "driver" (the figures below only), or both (default).
const which = process.env.BENCH_SUITE ?? "all";
try {
  if (which !== "driver") {
    // BENCH_STORAGE=memory|sqlite: the service's loads on one storage only.
    const storage = process.env.BENCH_STORAGE;
    if (storage !== "sqlite") await serviceLoads("memory");
    if (storage !== "memory") await serviceLoads("sqlite", path.join(dir, "service"));
  }
  if (which !== "service") {
    await suite("memory");
    await suite("sqlite", dir);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
