/**
 * The dev stack runner (`scripts/dev`, behind `pnpm start`) as a user meets it: started as a child process
 * on free ports with a temporary data directory, it brings up NATS, MongoDB, the mail sink and a stand-in
 * service, says where they listen, stops them all on Ctrl-C, keeps data across runs, gives services ports
 * by name, keeps the mail sent to it in the data directory, and refuses a taken port or a service that
 * dies while starting. Once up it supervises: a process killed with kill -9 comes back on
 * the same ports while the rest keeps running, one that keeps crashing makes it give up and stop the rest
 * in order, and Ctrl-C during a back-off or a restart still stops everything with exit 0.
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
  /** Resolves once the output so far satisfies `check`; `what` names it in the failure. */
  waitUntil: (check: (output: string) => boolean, what: string, timeoutMs?: number) => Promise<void>;
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
  const waitUntil = (satisfied: (output: string) => boolean, what: string, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (satisfied(text)) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${timeoutMs} ms; output:\n${text}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      exited.then(() => {
        if (!satisfied(text)) {
          cleanup();
          reject(new Error(`scripts/dev exited before ${what}; output:\n${text}`));
        }
      });
      listeners.add(check);
      check();
    });
  const run: DevRun = {
    child,
    output: () => text,
    exited,
    waitUntil,
    waitFor: (wanted, timeoutMs) => waitUntil((out) => out.includes(wanted), `"${wanted}"`, timeoutMs),
  };
  runs.push(run);
  return run;
}

/**
 * `count` consecutive free ports (a stack's services take the base port and the next ones), below the
 * kernel's ephemeral range (32768-60999 on Linux): a port the OS hands out for a free one, or the one
 * after it, may meanwhile become some other test's outgoing connection; ports below it never do.
 */
let nextCandidate = 20_000 + Math.floor(Math.random() * 10_000);
async function freePort(count = 1): Promise<number> {
  for (let tries = 0; tries < 1_000; tries++) {
    const base = nextCandidate;
    nextCandidate = base + count + 1 > 32_000 ? 20_000 : base + count + 1;
    let free = true;
    for (let i = 0; i < count && free; i++) free = await canBind(base + i);
    if (free) return base;
  }
  throw new Error("no free ports below the ephemeral range");
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
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

/** The offset of the first service that is not one of the known five (tasks +0 ... gateway +4). */
const OTHER = 5;
/** A stack here runs at most three services besides the known ones: they take the ports after those five. */
const SERVICE_PORTS = OTHER + 3;

async function ports() {
  return {
    nats: await freePort(),
    monitor: await freePort(),
    mongo: await freePort(),
    mail: await freePort(),
    exchange: await freePort(),
    grpc: await freePort(SERVICE_PORTS),
    admin: await freePort(SERVICE_PORTS),
  };
}

function portEnv(p: Awaited<ReturnType<typeof ports>>): Record<string, string> {
  return {
    NATS_PORT: String(p.nats),
    NATS_MONITOR_PORT: String(p.monitor),
    MONGO_PORT: String(p.mongo),
    MAIL_PORT: String(p.mail),
    EXCHANGE_PORT: String(p.exchange),
    DEV_GRPC_BASE_PORT: String(p.grpc),
    DEV_ADMIN_BASE_PORT: String(p.admin),
  };
}

/** A services directory with one service whose `start` script is `start`. */
function servicesDir(name: string, files: Record<string, string>, start: string): string {
  return servicesDirWith(`services-${name}`, { [name]: { files, start } });
}

type FakeServices = Record<string, { files: Record<string, string>; start: string }>;

/** A services directory named `label` with the given services. */
function servicesDirWith(label: string, services: FakeServices): string {
  const top = path.join(work, label);
  for (const [name, { files, start }] of Object.entries(services)) {
    const dir = path.join(top, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: `@test/${name}`, private: true, type: "module", scripts: { start } }),
    );
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  }
  return top;
}

/** The pid column of the table printed once the stack is ready, by name. */
function tablePids(output: string): Record<string, number> {
  const table = output.slice(output.indexOf("dev stack ready"), output.indexOf("Press Ctrl-C to stop."));
  const pids: Record<string, number> = {};
  for (const [, name, pid] of table.matchAll(/^ {2}(\S+) .* (\d+)$/gm)) pids[name] = Number(pid);
  return pids;
}

function commandLine(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
}

/** Polls `url` until stopped; every answer that is not a 200 is kept, so "it never went down" can be asserted. */
function watchEndpoint(url: string): { stop: () => Promise<{ polls: number; failures: string[] }> } {
  let running = true;
  const failures: string[] = [];
  let polls = 0;
  const loop = (async () => {
    while (running) {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch((err: Error) => err);
      polls++;
      if (res instanceof Error || res.status !== 200) failures.push(res instanceof Error ? res.message : `status ${res.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { polls, failures };
    },
  };
}

/** The value `probe` returns once it returns one (polling), or a failure naming `what` after the timeout. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function untilTrue(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readyz(adminPort: number): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  return res?.status;
}

/** The standard gRPC health check (grpc.health.v1), as a load balancer or grpcurl would ask it. */
async function grpcHealth(address: string): Promise<string> {
  const fromPlatform = createRequire(path.join(root, "packages/platform/package.json"));
  const grpc = fromPlatform("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const protoLoader = fromPlatform("@grpc/proto-loader") as typeof import("@grpc/proto-loader");
  const { protoPath } = fromPlatform("grpc-health-check") as { protoPath: string };
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: typeof import("@grpc/grpc-js").Client } } };
  };
  const client = new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as import("@grpc/grpc-js").Client & {
    check: (req: { service: string }, opts: { deadline: number }, cb: (err: Error | null, res: { status: string }) => void) => void;
  };
  try {
    return await new Promise<string>((resolve, reject) =>
      client.check({ service: "" }, { deadline: Date.now() + 5_000 }, (err, res) => (err ? reject(err) : resolve(res.status))),
    );
  } finally {
    client.close();
  }
}

/** Service output lines of `name` that match `pattern`, in order. */
function linesOf(output: string, name: string, pattern: RegExp): RegExpMatchArray[] {
  const prefixed = new RegExp(`^\\[${name}\\] +${pattern.source}$`, "gm");
  return [...output.matchAll(prefixed)];
}

/**
 * One message through a plain SMTP conversation, as a service's mailer would hold it; resolves with the
 * server's last reply (to DATA's end). Fails on any reply that is not the expected one.
 */
async function sendMail(port: number, message: { from: string; to: string; subject: string; text: string }): Promise<string> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.setEncoding("utf8");
  let buffered = "";
  const waiting: ((reply: string) => void)[] = [];
  const replies: string[] = [];
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    // A reply ends with a line "NNN text"; "NNN-text" lines continue it.
    for (let m = buffered.match(/^(?:\d{3}-.*\r\n)*\d{3} .*\r\n/); m; m = buffered.match(/^(?:\d{3}-.*\r\n)*\d{3} .*\r\n/)) {
      buffered = buffered.slice(m[0].length);
      const reply = m[0].trimEnd();
      const waiter = waiting.shift();
      if (waiter) waiter(reply);
      else replies.push(reply);
    }
  });
  const closed = new Promise<never>((_, reject) => {
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("the SMTP server closed the connection")));
  });
  closed.catch(() => {});
  const next = () =>
    Promise.race([closed, new Promise<string>((resolve) => (replies.length > 0 ? resolve(replies.shift()!) : waiting.push(resolve)))]);
  const expectReply = async (code: string, command?: string) => {
    if (command !== undefined) socket.write(`${command}\r\n`);
    const reply = await next();
    if (!reply.startsWith(code)) throw new Error(`SMTP ${command ?? "greeting"} answered ${reply}`);
    return reply;
  };
  try {
    await expectReply("220");
    await expectReply("250", "EHLO dev-stack-test");
    await expectReply("250", `MAIL FROM:<${message.from}>`);
    await expectReply("250", `RCPT TO:<${message.to}>`);
    await expectReply("354", "DATA");
    const body = [
      `From: <${message.from}>`,
      `To: <${message.to}>`,
      `Subject: ${message.subject}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      message.text,
      ".",
    ].join("\r\n");
    const stored = await expectReply("250", body);
    await expectReply("221", "QUIT");
    return stored;
  } finally {
    socket.destroy();
  }
}

/** Where the stop lines of the fake services, MongoDB and NATS are, to check the order things stopped in. */
function stopOrder(output: string, from = 0): { service: number; mongo: number; nats: number } {
  return {
    service: output.indexOf("stopping on SIGTERM", from),
    mongo: output.indexOf("embedded-mongo stopping", from),
    nats: output.indexOf("Server Exiting", from),
  };
}

const PICKED = [
  "SERVICE_NAME",
  "DEV_MODE",
  "MONGODB_URI",
  "NATS_URL",
  "SMTP_URL",
  "GRPC_HOST",
  "GRPC_PORT",
  "ADMIN_PORT",
  "FAKE_GRPC_ADDR",
];

// Stands in for a real service: reports the environment it was given, serves /readyz on ADMIN_PORT and
// stops on SIGTERM as the platform's shutdown does.
const FAKE_SERVICE = `
import http from "node:http";
const picked = ${JSON.stringify(PICKED)};
console.log("env " + JSON.stringify(Object.fromEntries(picked.map((k) => [k, process.env[k]]))));
console.log("pid " + process.pid);
const server = http.createServer((req, res) => { res.writeHead(req.url === "/readyz" ? 200 : 404); res.end(); });
server.listen(Number(process.env.ADMIN_PORT), "127.0.0.1");
process.on("SIGTERM", () => { console.log("stopping on SIGTERM"); server.close(() => process.exit(0)); });
`;

/** A fake service run with `node main.js`. */
function nodeService(files: Record<string, string>): FakeServices[string] {
  return { files, start: "node main.js" };
}

/** A fake service that starts, becomes ready and stays up. */
const STEADY = nodeService({ "main.js": FAKE_SERVICE });

/** The dev stack on free ports over the given fake services, with its own data and services directories. */
async function startFakeStack(label: string, services: FakeServices, env: Record<string, string> = {}) {
  const p = await ports();
  const dev = startDev({
    ...portEnv(p),
    DEV_DATA_DIR: path.join(work, `data-${label}`),
    DEV_SERVICES_DIR: servicesDirWith(`services-${label}`, services),
    ...env,
  });
  return { p, dev };
}

/**
 * The fake service until `marker` exists; from then on every start reports its environment and pid, then
 * crashes (exit 3) or hangs without ever becoming ready, as a service with a broken dependency would.
 */
function flakyService(marker: string, then: "crash" | "hang"): Record<string, string> {
  const broken =
    then === "crash"
      ? `console.log("cannot open its database"); process.exit(3);`
      : `console.log("starting slowly"); setInterval(() => {}, 1_000);`;
  const main = `
import fs from "node:fs";
if (!fs.existsSync(${JSON.stringify(marker)})) {
  await import("./steady.js");
} else {
  const picked = ${JSON.stringify(PICKED)};
  console.log("env " + JSON.stringify(Object.fromEntries(picked.map((k) => [k, process.env[k]]))));
  console.log("pid " + process.pid);
  ${broken}
}
`;
  return { "main.js": main, "steady.js": FAKE_SERVICE };
}

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
    expect(out).toMatch(new RegExp(`mail +smtp://127\\.0\\.0\\.1:${p.mail} `));
    expect(out).toContain(`Mail sent to smtp://127.0.0.1:${p.mail} is kept in ${path.join(dataDir(), "mail")}`);
    expect(out).toMatch(new RegExp(`fake +grpc 127\\.0\\.0\\.1:${p.grpc + OTHER} +http://127\\.0\\.0\\.1:${p.admin + OTHER}/readyz`));

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
      DEV_MODE: "true",
      MONGODB_URI: `mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0`,
      NATS_URL: `nats://127.0.0.1:${p.nats}`,
      SMTP_URL: `smtp://127.0.0.1:${p.mail}`,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(p.grpc + OTHER),
      ADMIN_PORT: String(p.admin + OTHER),
      FAKE_GRPC_ADDR: `127.0.0.1:${p.grpc + OTHER}`,
    });
    const servicePid = Number(out.match(/^\[fake\] +pid (\d+)$/m)![1]);

    dev.child.kill("SIGINT");
    expect(await dev.exited).toEqual({ code: 0, signal: null });
    const all = dev.output();
    // Services first, then the mail sink, then MongoDB, then NATS.
    const serviceStopped = all.indexOf("stopping on SIGTERM");
    const mailStopped = all.indexOf("mail-sink: SIGTERM, stopping");
    const mongoStopped = all.indexOf("embedded-mongo stopping");
    const natsStopped = all.indexOf("Server Exiting");
    expect(serviceStopped).toBeGreaterThan(0);
    expect(mailStopped).toBeGreaterThan(serviceStopped);
    expect(mongoStopped).toBeGreaterThan(mailStopped);
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

  it("gives a service the same ports by its name, whichever services exist or start", async () => {
    const p = await ports();
    const dev = startDev({
      ...portEnv(p),
      DEV_DATA_DIR: path.join(work, "data-ports"),
      DEV_SERVICES_DIR: servicesDirWith("services-ports", {
        alpha: STEADY,
        gateway: STEADY,
        notifications: STEADY,
        tasks: STEADY,
        zeta: STEADY,
      }),
      DEV_SERVICES: "zeta,notifications,tasks",
    });
    await dev.waitFor("Press Ctrl-C to stop.");
    const out = dev.output();
    // The known services have fixed offsets; the others follow them in alphabetical order, counting the
    // ones that do not start (alpha), so starting fewer services moves nobody.
    const row = (name: string, offset: number) =>
      new RegExp(`^ {2}${name} +grpc 127\\.0\\.0\\.1:${p.grpc + offset} +http://127\\.0\\.0\\.1:${p.admin + offset}/readyz +\\d+$`, "m");
    expect(out).toMatch(row("tasks", 0));
    expect(out).toMatch(row("notifications", 1));
    expect(out).toMatch(row("zeta", OTHER + 1));
    expect(Object.keys(tablePids(out))).toEqual(["nats", "mongodb", "mail", "exchange", "tasks", "notifications", "zeta"]);
    const envOf = (name: string) => JSON.parse(linesOf(out, name, /env (.*)/)[0][1]) as Record<string, string>;
    expect(envOf("tasks")).toMatchObject({ GRPC_PORT: String(p.grpc), ADMIN_PORT: String(p.admin) });
    expect(envOf("notifications")).toMatchObject({ GRPC_PORT: String(p.grpc + 1), ADMIN_PORT: String(p.admin + 1) });
    expect(envOf("zeta")).toMatchObject({ GRPC_PORT: String(p.grpc + OTHER + 1), ADMIN_PORT: String(p.admin + OTHER + 1) });
    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });
  });

  it("keeps the mail sent to its mail sink in the data directory, and brings a killed sink back on its port", async () => {
    const p = await ports();
    const data = path.join(work, "data-mail");
    const mailDir = path.join(data, "mail");
    const dev = startDev({ ...portEnv(p), DEV_DATA_DIR: data, DEV_SERVICES: "none" });
    await dev.waitFor("Press Ctrl-C to stop.");
    const pids = tablePids(dev.output());
    expect(commandLine(pids.mail)).toContain("packages/mail-sink/dist/cli.js");
    expect(dev.output()).toMatch(/^\[mail\] +mail-sink listening on smtp:\/\//m);

    const stored = (ext: string) =>
      fs.existsSync(mailDir)
        ? fs
            .readdirSync(mailDir)
            .filter((f) => f.endsWith(ext))
            .sort()
        : [];
    const send = (subject: string) =>
      sendMail(p.mail, { from: "he-thong@bnv.gov.vn", to: "chanh-van-phong@bnv.gov.vn", subject, text: `Nội dung: ${subject}` });
    expect(await send("Nhiệm vụ quá hạn")).toMatch(/^250/);
    await untilTrue(async () => stored(".txt").length === 1, "the first message stored");
    expect(stored(".eml")).toHaveLength(1);
    const readable = fs.readFileSync(path.join(mailDir, stored(".txt")[0]), "utf8");
    expect(readable).toContain("Subject:    Nhiệm vụ quá hạn");
    expect(readable).toContain("To:         chanh-van-phong@bnv.gov.vn");
    expect(readable).toContain("Nội dung: Nhiệm vụ quá hạn");

    process.kill(pids.mail, "SIGKILL");
    await dev.waitFor("mail is back");
    expect(dev.output()).toMatch(/mail \(pid \d+, up [\d.]+ s\) was killed by SIGKILL/);
    expect(processAlive(pids.nats) && processAlive(pids.mongodb)).toBe(true);
    expect(await send("Sau khi khởi động lại")).toMatch(/^250/);
    await untilTrue(async () => stored(".eml").length === 2, "the second message stored");

    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });
    expect(dev.output()).not.toContain("did not stop cleanly");
    expect(await isListening(p.mail)).toBe(false);
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

  it("tells people of the 2020 programme's overdue tasks: in their inboxes and in the mail directory, once per task and person, not once per restart", async () => {
    const p = await ports();
    const data = path.join(work, "data-alerts");
    const mailDir = path.join(data, "mail");
    const env = { ...portEnv(p), DEV_DATA_DIR: data, DEV_SERVICES: "tasks,notifications", DEV_READY_TIMEOUT_MS: "40000" };
    const mongoUri = `mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0&directConnection=true`;
    const emails = () => (fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith(".eml")).length : 0);
    /** Every overdue alert the tasks service published is handled and every email it made is in the mail directory. */
    const settled = async (mongo: import("mongodb").MongoClient) => {
      const published = await mongo.db("tasks").collection("outbox").countDocuments({ subject: "tasks.task.overdue" });
      const handled = await mongo.db("notifications").collection("inbox").countDocuments({ subject: "tasks.task.overdue" });
      const waiting = await mongo.db("notifications").collection("deliveries").countDocuments({ status: "pending" });
      const sent = await mongo.db("notifications").collection("deliveries").countDocuments({ channel: "email", status: "sent" });
      return published > 0 && handled === published && waiting === 0 && emails() === sent ? { published, sent } : undefined;
    };

    let dev = startDev(env);
    await dev.waitFor("Press Ctrl-C to stop.", 45_000);
    const mongo = new MongoClient(mongoUri);
    await mongo.connect();
    try {
      const first = await until(() => settled(mongo), "the overdue alerts told and mailed", 60_000);
      const notifications = mongo.db("notifications").collection("notifications");
      // Each overdue task's lead unit head and the Office's leaders, each once per task.
      const perTask = await notifications
        .aggregate<{ _id: string; people: string[]; count: number }>([
          { $match: { eventType: "tasks.task.overdue" } },
          { $group: { _id: "$subject.id", people: { $addToSet: "$recipientId" }, count: { $sum: 1 } } },
        ])
        .toArray();
      expect(perTask).toHaveLength(first.published);
      for (const t of perTask) {
        expect(t.count).toBe(t.people.length);
        expect(t.people).toContain("vp-head");
      }
      expect(first.sent).toBe(perTask.reduce((n, t) => n + t.count, 0));
      const readable = fs.readdirSync(mailDir).filter((f) => f.endsWith(".txt"));
      expect(readable).toHaveLength(first.sent);
      const ids = readable.map((f) => /^Message-ID:\s*(\S+)/m.exec(fs.readFileSync(path.join(mailDir, f), "utf8"))?.[1]);
      expect(new Set(ids).size).toBe(first.sent);
      const sample = fs.readFileSync(path.join(mailDir, readable[0]!), "utf8");
      expect(sample).toMatch(/Subject:\s+Nhiệm vụ quá hạn: /);
      expect(sample).toContain("Kính gửi");

      dev.child.kill("SIGINT");
      expect(await dev.exited).toEqual({ code: 0, signal: null });

      // Again on the same data: the alerts are not published again, nor told, nor mailed.
      dev = startDev(env);
      await dev.waitFor("Press Ctrl-C to stop.", 45_000);
      const monitor = `http://127.0.0.1:${p.monitor}/jsz?consumers=true`;
      await until(
        async () => {
          const jsz = (await (await fetch(monitor)).json()) as {
            account_details?: {
              stream_detail?: {
                name: string;
                state: { last_seq: number };
                consumer_detail?: { name: string; delivered: { stream_seq: number }; num_ack_pending: number }[];
              }[];
            }[];
          };
          const stream = jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === "TASKS");
          const consumer = stream?.consumer_detail?.find((c) => c.name === "notifications-TASKS");
          return stream && consumer && consumer.delivered.stream_seq === stream.state.last_seq && consumer.num_ack_pending === 0
            ? true
            : undefined;
        },
        "the notifications consumer caught up with the TASKS stream",
        30_000,
      );
      const again = await until(() => settled(mongo), "the second run settled", 30_000);
      expect(again).toEqual(first);
      expect(await notifications.countDocuments({ eventType: "tasks.task.overdue" })).toBe(first.sent);
    } finally {
      await mongo.close();
      dev.child.kill("SIGINT");
      await dev.exited;
    }
  }, 180_000);

  it("holds the seed briefing of 30 March 2020: concluded, its invitations mailed, its directives tasks of the 2020 programme", async () => {
    const p = await ports();
    const data = path.join(work, "data-briefing");
    const mailDir = path.join(data, "mail");
    const env = { ...portEnv(p), DEV_DATA_DIR: data, DEV_SERVICES: "tasks,notifications,meetings", DEV_READY_TIMEOUT_MS: "40000" };
    const mongoUri = `mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0&directConnection=true`;
    const dev = startDev(env);
    await dev.waitFor("Press Ctrl-C to stop.", 45_000);
    const mongo = new MongoClient(mongoUri);
    await mongo.connect();
    try {
      const meeting = await until(
        async () => {
          const m = await mongo
            .db("meetings")
            .collection("meetings")
            .findOne({ _id: "gb-2020-q1" as never });
          return m?.status === "concluded" ? m : undefined;
        },
        "the seed briefing concluded",
        60_000,
      );
      expect(meeting.title).toBe("Hội nghị giao ban trực tuyến Quý I năm 2020 của Bộ Nội vụ");
      const tasks = await until(
        async () => {
          const n = await mongo.db("tasks").collection("tasks").countDocuments({ "source.type": "meeting_conclusion" });
          return n === 3 ? n : undefined;
        },
        "the briefing's three directives as tasks",
        60_000,
      );
      expect(tasks).toBe(3);
      const invitation = await until(
        () => {
          const files = fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith(".txt")) : [];
          return files
            .map((f) => fs.readFileSync(path.join(mailDir, f), "utf8"))
            .find((t) => /Subject:\s+Mời họp: Hội nghị giao ban/.test(t));
        },
        "an invitation in the mail directory",
        60_000,
      );
      expect(invitation).toContain("30/03/2020");
    } finally {
      await mongo.close();
      dev.child.kill("SIGINT");
      expect(await dev.exited).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});

describe("scripts/dev supervises what it started", () => {
  // The real tasks service: its stop waits for a deadline-watch pass in progress, which takes seconds on
  // two busy cores, so it gets the default stop timeout, not the short one of the fakes.
  const realTasks = { DEV_SERVICES: "tasks", DEV_READY_TIMEOUT_MS: "40000", DEV_STOP_TIMEOUT_MS: "20000" };

  /**
   * A data directory where the tasks service has run and stopped once: seeded, with its deadline watch
   * part way through alerting the 2020 programme (a stop cuts a pass short). So the kill below may land
   * inside one of the watch's transactions, which MongoDB then keeps open for its 60 s lifetime (as mongod
   * does): the restarted service's watch retries against it, and its stop must still be prompt.
   */
  async function seededData(name: string): Promise<string> {
    const data = path.join(work, name);
    const dev = startDev({ ...portEnv(await ports()), DEV_DATA_DIR: data, ...realTasks });
    await dev.waitFor("Press Ctrl-C to stop.", 45_000);
    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });
    return data;
  }

  it("brings a service killed with kill -9 back on its ports while NATS and MongoDB keep running", async () => {
    const data = await seededData("data-kill");
    const p = await ports();
    const monitor = `http://127.0.0.1:${p.monitor}`;
    const dev = startDev({ ...portEnv(p), DEV_DATA_DIR: data, ...realTasks });
    await dev.waitFor("Press Ctrl-C to stop.", 45_000);
    const pids = tablePids(dev.output());
    expect(commandLine(pids.nats)).toContain("nats-server");
    expect(commandLine(pids.mongodb)).toContain("embedded-mongo");
    expect(commandLine(pids.tasks)).toContain("dist/main.js");
    const natsStarted = ((await (await fetch(`${monitor}/varz`)).json()) as { start: string }).start;

    const natsWatch = watchEndpoint(`${monitor}/healthz`);
    process.kill(pids.tasks, "SIGKILL");
    await dev.waitFor("tasks is back", 30_000);
    const { polls, failures } = await natsWatch.stop();

    const out = dev.output();
    // Why it went, what it last said, and when it comes back.
    expect(out).toMatch(
      new RegExp(
        `tasks \\(pid ${pids.tasks}, up [\\d.]+ s\\) was killed by SIGKILL; its last lines:\\n(?: {4}.*\\n)*? {4}.*"msg":"tasks ready"`,
      ),
    );
    expect(out).toContain("restarting tasks in 0.5 s (crash 1 within 60 s; at 5 the stack stops)");
    const back = out.match(/tasks is back, ready [\d.]+ s after it went \(pid (\d+)\): (.*)$/m);
    expect(back).not.toBeNull();
    expect(back![2]).toBe(`grpc 127.0.0.1:${p.grpc}, admin http://127.0.0.1:${p.admin}/readyz`);
    const newPid = Number(back![1]);
    expect(newPid).not.toBe(pids.tasks);
    expect(commandLine(newPid)).toContain("dist/main.js");

    // Back and answering on the same ports.
    expect(await readyz(p.admin)).toBe(200);
    expect(await grpcHealth(`127.0.0.1:${p.grpc}`)).toBe("SERVING");

    // The rest never stopped: the same processes, and NATS answered its health check all along.
    expect(processAlive(pids.nats) && processAlive(pids.mongodb)).toBe(true);
    expect(out).not.toMatch(/restarting (nats|mongodb)|(nats|mongodb) is back/);
    expect(polls).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(((await (await fetch(`${monitor}/varz`)).json()) as { start: string }).start).toBe(natsStarted);

    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });
    expect(dev.output()).not.toContain("did not stop cleanly");
  }, 150_000);

  it("restarts a killed nats-server or MongoDB on the same ports and data, and the service reconnects without a restart", async () => {
    const p = await ports();
    const dev = startDev({ ...portEnv(p), DEV_DATA_DIR: path.join(work, "data-infra"), ...realTasks });
    await dev.waitFor("Press Ctrl-C to stop.", 45_000);
    const pids = tablePids(dev.output());
    const client = new MongoClient(`mongodb://127.0.0.1:${p.mongo}/?replicaSet=rs0`, { serverSelectionTimeoutMS: 20_000 });
    try {
      const notes = client.db("dev_stack_test").collection<{ _id: string; note: string }>("notes");
      await notes.insertOne({ _id: "before-the-crash", note: "kept" });

      process.kill(pids.mongodb, "SIGKILL");
      await dev.waitFor("mongodb is back", 30_000);
      expect(dev.output()).toMatch(/mongodb \(pid \d+, up [\d.]+ s\) was killed by SIGKILL/);
      expect(await notes.findOne({ _id: "before-the-crash" })).toEqual({ _id: "before-the-crash", note: "kept" });
      await untilTrue(async () => (await readyz(p.admin)) === 200, "tasks ready again after MongoDB came back");

      process.kill(pids.nats, "SIGKILL");
      await dev.waitFor("nats is back", 30_000);
      expect(dev.output()).toMatch(/nats \(pid \d+, up [\d.]+ s\) was killed by SIGKILL/);
      expect((await fetch(`http://127.0.0.1:${p.monitor}/healthz`)).status).toBe(200);
      await untilTrue(async () => (await readyz(p.admin)) === 200, "tasks ready again after NATS came back");
      expect(await grpcHealth(`127.0.0.1:${p.grpc}`)).toBe("SERVING");
    } finally {
      await client.close();
    }
    // The service rode both out in the same process.
    expect(processAlive(pids.tasks)).toBe(true);
    expect(dev.output()).not.toMatch(/restarting tasks/);

    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });
    expect(dev.output()).not.toContain("did not stop cleanly");
  }, 90_000);

  it("gives up on a service that crashes on every start: stops the others in order and exits 1", async () => {
    const marker = path.join(work, "crashy-broken");
    const { p, dev } = await startFakeStack(
      "crashy",
      {
        crashy: nodeService(flakyService(marker, "crash")),
        steady: STEADY,
      },
      {
        DEV_CRASH_LIMIT: "3",
        DEV_RESTART_DELAY_MS: "100",
      },
    );
    await dev.waitFor("Press Ctrl-C to stop.");
    const pids = tablePids(dev.output());

    fs.writeFileSync(marker, "");
    process.kill(pids.crashy, "SIGKILL");
    expect((await dev.exited).code, dev.output()).toBe(1);

    const out = dev.output();
    expect(out).toMatch(/crashy \(pid \d+, up [\d.]+ s\) was killed by SIGKILL/);
    expect(out).toContain("restarting crashy in 0.1 s (crash 1 within 60 s; at 3 the stack stops)");
    expect(out).toContain("restarting crashy in 0.2 s (crash 2 within 60 s; at 3 the stack stops)");
    expect(out).not.toContain("crash 3 within");
    expect(out).toMatch(
      /crashy \(pid \d+, up [\d.]+ s\) exited with code 3; its last lines:\n {4}env .*\n {4}pid \d+\n {4}cannot open its database\n/,
    );
    expect(out.match(/\) exited with code 3/g)).toHaveLength(2);
    const gaveUp = out.indexOf("crashy crashed 3 times within 60 s (DEV_CRASH_LIMIT=3, DEV_CRASH_WINDOW_MS=60000): giving up");
    expect(gaveUp).toBeGreaterThan(0);
    expect(out).toMatch(/^\[dev\] +stopped: crashy kept crashing$/m);

    // Every start got the same ports and environment.
    const envs = linesOf(out, "crashy", /env (.*)/).map((m) => JSON.parse(m[1]));
    expect(envs).toHaveLength(3);
    for (const env of envs)
      expect(env).toEqual({ ...envs[0], SERVICE_NAME: "crashy", DEV_MODE: "true", GRPC_PORT: String(p.grpc + OTHER) });

    // The others stopped cleanly, in order, after the runner gave up (the stop lines are on stdout and the
    // give-up on stderr, whose order between the two pipes is not kept: the anchor is on stdout).
    const stopping = out.indexOf("stopping services, then the mail sink and the exchange simulator, then MongoDB, then NATS");
    const stopped = stopOrder(out, stopping);
    expect(stopping).toBeGreaterThan(0);
    expect(stopped.service).toBeGreaterThan(stopping);
    expect(stopped.mongo).toBeGreaterThan(stopped.service);
    expect(stopped.nats).toBeGreaterThan(stopped.mongo);
    expect(out).not.toContain("did not stop cleanly");
    for (const port of Object.values(p)) expect(await isListening(port)).toBe(false);
    expect(processAlive(pids.steady)).toBe(false);
  });

  it("stops a restarted service that does not become ready in time and counts it as a crash", async () => {
    const marker = path.join(work, "never-ready");
    const { p, dev } = await startFakeStack(
      "never-ready",
      {
        slow: nodeService(flakyService(marker, "hang")),
      },
      {
        DEV_CRASH_LIMIT: "2",
        DEV_RESTART_DELAY_MS: "100",
        // Start-up must fit in it too: generous for two cores shared with other work, short for a test.
        DEV_READY_TIMEOUT_MS: "5000",
      },
    );
    await dev.waitFor("Press Ctrl-C to stop.");
    const pids = tablePids(dev.output());

    fs.writeFileSync(marker, "");
    process.kill(pids.slow, "SIGKILL");
    expect((await dev.exited).code, dev.output()).toBe(1);

    const out = dev.output();
    const restartedPid = Number(linesOf(out, "slow", /pid (\d+)/).at(-1)![1]);
    expect(out).toContain(
      `slow did not become ready in time; http://127.0.0.1:${p.admin + OTHER}/readyz last said: no answer: stopping it`,
    );
    expect(out).toMatch(
      new RegExp(
        `slow \\(pid ${restartedPid}, up [\\d.]+ s\\) was stopped for not becoming ready in time; its last lines:\\n(?: {4}.*\\n)* {4}starting slowly\\n`,
      ),
    );
    expect(out).toContain("slow crashed 2 times within 60 s (DEV_CRASH_LIMIT=2, DEV_CRASH_WINDOW_MS=60000): giving up");
    expect(out).not.toContain("did not stop cleanly");
    expect(processAlive(restartedPid)).toBe(false);
    for (const port of Object.values(p)) expect(await isListening(port)).toBe(false);
  });

  it("Ctrl-C during a restart back-off stops everything in order and exits 0 without waiting it out", async () => {
    const { p, dev } = await startFakeStack(
      "backoff",
      {
        crashy: STEADY,
        steady: STEADY,
      },
      {
        // Far longer than the test may take: exiting at all shows the back-off was cut short.
        DEV_RESTART_DELAY_MS: "600000",
        DEV_RESTART_DELAY_MAX_MS: "600000",
      },
    );
    await dev.waitFor("Press Ctrl-C to stop.");
    const pids = tablePids(dev.output());

    process.kill(pids.crashy, "SIGKILL");
    await dev.waitFor("restarting crashy in 600 s");
    const interruptedAt = dev.output().length;
    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });

    const out = dev.output();
    const stopped = stopOrder(out, interruptedAt);
    expect(stopped.service).toBeGreaterThan(0);
    expect(stopped.mongo).toBeGreaterThan(stopped.service);
    expect(stopped.nats).toBeGreaterThan(stopped.mongo);
    expect(out).not.toContain("crashy is back");
    expect(out).not.toContain("did not stop cleanly");
    expect(out).toMatch(/^\[dev\] +stopped$/m);
    for (const port of Object.values(p)) expect(await isListening(port)).toBe(false);
  });

  it("Ctrl-C while a restarted service is still starting stops it and everything else, and exits 0", async () => {
    const marker = path.join(work, "slow-broken");
    const { p, dev } = await startFakeStack(
      "restarting",
      {
        slow: nodeService(flakyService(marker, "hang")),
        steady: STEADY,
      },
      {
        DEV_RESTART_DELAY_MS: "100",
      },
    );
    await dev.waitFor("Press Ctrl-C to stop.");
    const pids = tablePids(dev.output());

    fs.writeFileSync(marker, "");
    process.kill(pids.slow, "SIGKILL");
    await dev.waitUntil((out) => linesOf(out, "slow", /starting slowly/).length === 1, "the restarted service starting");
    const restartedPid = Number(linesOf(dev.output(), "slow", /pid (\d+)/).at(-1)![1]);
    expect(restartedPid).not.toBe(pids.slow);
    const interruptedAt = dev.output().length;
    dev.child.kill("SIGINT");
    expect(await dev.exited, dev.output()).toEqual({ code: 0, signal: null });

    const out = dev.output();
    const stopped = stopOrder(out, interruptedAt);
    expect(stopped.service).toBeGreaterThan(0);
    expect(stopped.mongo).toBeGreaterThan(stopped.service);
    expect(stopped.nats).toBeGreaterThan(stopped.mongo);
    expect(out).not.toContain("slow is back");
    expect(out).not.toContain("did not stop cleanly");
    expect(processAlive(restartedPid)).toBe(false);
    for (const port of Object.values(p)) expect(await isListening(port)).toBe(false);
  });
});
