/**
 * The dev stack runner (`scripts/dev`, behind `pnpm start`) as a user meets it: started as a child process
 * on free ports with a temporary data directory, it brings up NATS, MongoDB and a stand-in service, says
 * where they listen, stops them all on Ctrl-C, keeps data across runs, and refuses a taken port or a
 * service that dies while starting.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
// The official driver comes with the platform package; the repo root does not depend on it.
const { MongoClient } = createRequire(path.join(root, "packages/platform/package.json"))("mongodb") as typeof import("mongodb");

interface DevRun {
  child: ChildProcess;
  output: () => string;
  waitFor: (text: string, timeoutMs?: number) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs: DevRun[] = [];
let work: string;

function startDev(env: Record<string, string>): DevRun {
  const child = spawn(path.join(root, "scripts/dev"), [], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", DEV_READY_TIMEOUT_MS: "20000", DEV_STOP_TIMEOUT_MS: "5000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const run: DevRun = {
    child,
    output: () => text,
    exited,
    waitFor: (wanted, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (text.includes(wanted)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no "${wanted}" within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        exited.then(() => {
          if (!text.includes(wanted)) {
            cleanup();
            reject(new Error(`scripts/dev exited before "${wanted}"; output:\n${text}`));
          }
        });
        listeners.add(check);
        check();
      }),
  };
  runs.push(run);
  return run;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ports() {
  return { nats: await freePort(), monitor: await freePort(), mongo: await freePort(), grpc: await freePort(), admin: await freePort() };
}

function portEnv(p: Awaited<ReturnType<typeof ports>>): Record<string, string> {
  return {
    NATS_PORT: String(p.nats),
    NATS_MONITOR_PORT: String(p.monitor),
    MONGO_PORT: String(p.mongo),
    DEV_GRPC_BASE_PORT: String(p.grpc),
    DEV_ADMIN_BASE_PORT: String(p.admin),
  };
}

/** A services directory with one service whose `start` script is `start`. */
function servicesDir(name: string, files: Record<string, string>, start: string): string {
  const dir = path.join(work, `services-${name}`, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: `@test/${name}`, private: true, type: "module", scripts: { start } }),
  );
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return path.dirname(dir);
}

// Stands in for a real service: reports the environment it was given, serves /readyz on ADMIN_PORT and
// stops on SIGTERM as the platform's shutdown does.
const FAKE_SERVICE = `
import http from "node:http";
const picked = ["SERVICE_NAME", "MONGODB_URI", "NATS_URL", "GRPC_HOST", "GRPC_PORT", "ADMIN_PORT", "FAKE_GRPC_ADDR"];
console.log("env " + JSON.stringify(Object.fromEntries(picked.map((k) => [k, process.env[k]]))));
console.log("pid " + process.pid);
const server = http.createServer((req, res) => { res.writeHead(req.url === "/readyz" ? 200 : 404); res.end(); });
server.listen(Number(process.env.ADMIN_PORT), "127.0.0.1");
process.on("SIGTERM", () => { console.log("stopping on SIGTERM"); server.close(() => process.exit(0)); });
`;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "dev-stack-"));
});

afterEach(async () => {
  // A failed assertion must not leave a stack running on the machine.
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill("SIGINT");
      await Promise.race([run.exited, new Promise((r) => setTimeout(r, 8_000))]);
    }
  }
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe("scripts/dev", () => {
  const dataDir = () => path.join(work, "data");

  it("starts NATS, MongoDB and the services, prints where they listen, and stops them all on SIGINT with exit 0", async () => {
    const p = await ports();
    const dev = startDev({
      ...portEnv(p),
      DEV_DATA_DIR: dataDir(),
      DEV_SERVICES_DIR: servicesDir("fake", { "main.js": FAKE_SERVICE }, "node main.js"),
    });
    await dev.waitFor("Press Ctrl-C to stop.");

    const out = dev.output();
    expect(out).toContain("dev stack ready");
    expect(out).toMatch(new RegExp(`nats +nats://127\\.0\\.0\\.1:${p.nats} +http://127\\.0\\.0\\.1:${p.monitor}/healthz`));
    expect(out).toMatch(new RegExp(`mongodb +mongodb://127\\.0\\.0\\.1:${p.mongo}/`));
    expect(out).toMatch(new RegExp(`fake +grpc 127\\.0\\.0\\.1:${p.grpc} +http://127\\.0\\.0\\.1:${p.admin}/readyz`));

    const health = await fetch(`http://127.0.0.1:${p.monitor}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const client = new MongoClient(`mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0`, { serverSelectionTimeoutMS: 5_000 });
    try {
      expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
      await client
        .db("dev_stack_test")
        .collection<{ _id: string; note: string }>("notes")
        .insertOne({ _id: "first-run", note: "written before a restart" });
    } finally {
      await client.close();
    }

    // Every process's output arrives with its name in front; the service got its environment.
    expect(out).toMatch(/^\[nats\] +.*Server is ready/m);
    expect(out).toMatch(/^\[mongodb\] +.*embedded-mongo ready/m);
    const envLine = out.match(/^\[fake\] +env (.*)$/m);
    expect(envLine).not.toBeNull();
    expect(JSON.parse(envLine![1])).toEqual({
      SERVICE_NAME: "fake",
      MONGODB_URI: `mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0`,
      NATS_URL: `nats://127.0.0.1:${p.nats}`,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(p.grpc),
      ADMIN_PORT: String(p.admin),
      FAKE_GRPC_ADDR: `127.0.0.1:${p.grpc}`,
    });
    const servicePid = Number(out.match(/^\[fake\] +pid (\d+)$/m)![1]);

    dev.child.kill("SIGINT");
    expect(await dev.exited).toEqual({ code: 0, signal: null });
    const all = dev.output();
    // Services first, then MongoDB, then NATS.
    const serviceStopped = all.indexOf("stopping on SIGTERM");
    const mongoStopped = all.indexOf("embedded-mongo stopping");
    const natsStopped = all.indexOf("Server Exiting");
    expect(serviceStopped).toBeGreaterThan(0);
    expect(mongoStopped).toBeGreaterThan(serviceStopped);
    expect(natsStopped).toBeGreaterThan(mongoStopped);
    expect(all).not.toContain("did not stop cleanly");

    for (const port of Object.values(p)) expect(await isListening(port)).toBe(false);
    expect(processAlive(servicePid)).toBe(false);
  });

  it("a second start reuses the data directory", async () => {
    const p = await ports();
    const dev = startDev({ ...portEnv(p), DEV_DATA_DIR: dataDir(), DEV_SERVICES: "none" });
    await dev.waitFor("Press Ctrl-C to stop.");
    const client = new MongoClient(`mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0`, { serverSelectionTimeoutMS: 5_000 });
    try {
      const doc = await client.db("dev_stack_test").collection<{ _id: string; note: string }>("notes").findOne({ _id: "first-run" });
      expect(doc).toEqual({ _id: "first-run", note: "written before a restart" });
    } finally {
      await client.close();
    }
    expect(fs.existsSync(path.join(dataDir(), "nats", "jetstream"))).toBe(true);
    dev.child.kill("SIGTERM");
    expect(await dev.exited).toEqual({ code: 0, signal: null });
  });

  it("refuses a taken port, naming it and its variable, before starting anything", async () => {
    const p = await ports();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(p.nats, "127.0.0.1", resolve));
    const freshData = path.join(work, "never-created");
    try {
      const dev = startDev({ ...portEnv(p), DEV_DATA_DIR: freshData, DEV_SERVICES: "none" });
      const { code } = await dev.exited;
      expect(code).not.toBe(0);
      expect(dev.output()).toContain(`port ${p.nats} (NATS client port) on 127.0.0.1 is already in use: set NATS_PORT to a free port`);
      expect(dev.output()).toContain("nothing was started");
      expect(fs.existsSync(freshData)).toBe(false);
      expect(await isListening(p.mongo)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("stops the rest and exits non-zero with the last lines of a service that dies while starting", async () => {
    const p = await ports();
    const dev = startDev({
      ...portEnv(p),
      DEV_DATA_DIR: path.join(work, "data-broken"),
      DEV_SERVICES_DIR: servicesDir("broken", {}, `node -e "console.log('cannot reach the ministry directory'); process.exit(3)"`),
    });
    const { code } = await dev.exited;
    expect(code).toBe(1);
    const out = dev.output();
    expect(out).toContain("broken exited with code 3 during start-up; its last lines:");
    expect(out).toMatch(/^ {4}cannot reach the ministry directory$/m);
    expect(out).not.toContain("dev stack ready");
    for (const port of Object.values(p)) expect(await isListening(port)).toBe(false);
  });

  it("runs the real services with their seed data: the tasks service answers the Q1 2020 report of the briefing", async () => {
    const p = await ports();
    const data = path.join(work, "data-real");
    const dev = startDev({ ...portEnv(p), DEV_DATA_DIR: data, DEV_SERVICES: "tasks", DEV_READY_TIMEOUT_MS: "40000" });
    await dev.waitFor("Press Ctrl-C to stop.", 45_000);
    expect(dev.output()).toMatch(/seeded the 2020 programme/);

    // A token signed with the run's key, as scripts/token prints it.
    const platform = await import(pathToFileURL(path.join(root, "packages/platform/dist/index.js")).href);
    const authority = await platform.createLocalAuthority({ keyPath: path.join(data, "auth", "signing-key.pem") });
    const token: string = await authority.issueToken({ sub: "dev-office", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
    const grpc = createRequire(path.join(root, "services/tasks/package.json"))("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
    const contracts = await import(pathToFileURL(path.join(root, "proto/dist/gen/ministry/tasks/v1/tasks.js")).href);
    const client = new contracts.ReportServiceClient(`127.0.0.1:${p.grpc}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    const request = contracts.GetReportRequest.fromPartial({
      period: { period: { $case: "quarter", value: { year: 2020, quarter: 1 } } },
      programmeId: "bnv-2020",
      asOf: new Date("2020-03-30T01:00:00Z"),
      omitLines: true,
    });
    const response = await new Promise<{ report: { totals: Record<string, number> } }>((resolve, reject) =>
      client.getReport(request, metadata, (err: Error | null, res: { report: { totals: Record<string, number> } }) =>
        err ? reject(err) : resolve(res),
      ),
    );
    client.close();
    expect(response.report.totals).toMatchObject({ total: 34, completedOnTime: 34, completedLate: 0, withinDeadline: 0, overdue: 0 });

    dev.child.kill("SIGINT");
    expect(await dev.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});
