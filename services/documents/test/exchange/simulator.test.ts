/**
 * The exchange simulator itself: its admin surface over HTTP, its state kept across a restart, and its
 * two commands (main.ts, deliver.ts) run as child processes against a real server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "@ministry/platform/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExchangeConnector } from "../../src/exchange/connector.js";
import { buildPackage, buildStatus, EDXML_NS, formatEdxmlDateTime } from "../../src/exchange/edxml/index.js";
import { type ExchangeSimulator, startExchangeSimulator } from "../../exchange-simulator/simulator.js";
import { sampleStatus } from "./edxml-samples.js";
import { CREDENTIALS, GOVERNMENT_OFFICE, MINISTRY, numberedPackage, packageBytes, recordingConnector } from "./exchange-helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../..");
const simulatorDir = path.resolve(here, "../../exchange-simulator");
const PROVINCE = "000.00.00.H41";

let sim: ExchangeSimulator;
let workDir: string;

beforeAll(async () => {
  sim = await startExchangeSimulator({ port: 0, credentials: CREDENTIALS });
  workDir = await mkdtemp(path.join(os.tmpdir(), "exchange-simulator-"));
});
afterAll(async () => {
  await sim.stop();
  await rm(workDir, { recursive: true, force: true });
});
afterEach(async () => {
  await sim.reset();
});

// biome-ignore lint/suspicious/noExplicitAny: the admin answers are read field by field, of several shapes
type Answer = { status: number; headers: Headers; body: any };

async function json(method: string, url: string, body?: string | Buffer): Promise<Answer> {
  const response = await fetch(url, { method, body: typeof body === "string" || body === undefined ? body : new Uint8Array(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** A command of the simulator's, run as `node --import tsx <file>` from the repository root. */
function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(simulatorDir, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, EXCHANGE_SIMULATOR_URL: "", EXCHANGE_TOKEN: "", EXCHANGE_USERNAME: "", EXCHANGE_PASSWORD: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe("admin surface", () => {
  it("delivers a package into its recipients' inboxes, and a status into the inbox of the organ it answers", async () => {
    const pkg = numberedPackage(901);
    const delivered = await json("POST", `${sim.url}/admin/deliver`, buildPackage(pkg));
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({
      kind: "package",
      valid: true,
      documentId: pkg.header.documentId,
      from: GOVERNMENT_OFFICE,
      subject: pkg.header.subject,
    });
    expect(delivered.body.delivered.map((d: { organ: string }) => d.organ)).toEqual([MINISTRY, PROVINCE]);

    const status = await json("POST", `${sim.url}/admin/deliver`, buildStatus(sampleStatus()));
    expect(status.body).toMatchObject({ kind: "status", statusCode: "01", from: PROVINCE, delivered: [{ organ: GOVERNMENT_OFFICE }] });

    const inbox = await json("GET", `${sim.url}/admin/inbox?organ=${MINISTRY}`);
    expect(inbox.body.items).toEqual([expect.objectContaining({ organ: MINISTRY, kind: "package", documentId: pkg.header.documentId })]);
    expect(inbox.body.items[0].data).toBeUndefined();
  });

  it("refuses an unreadable file unless forced to a named organ", async () => {
    const foreign = buildPackage(numberedPackage(902)).toString("utf8").replaceAll(EDXML_NS, "urn:other");
    const refused = await json("POST", `${sim.url}/admin/deliver`, foreign);
    expect(refused.status).toBe(400);
    expect(refused.body.violations[0].description).toMatch(/namespace/);
    expect((await json("POST", `${sim.url}/admin/deliver?force=1`, foreign)).status).toBe(400); // no organ to deliver to
    const forced = await json("POST", `${sim.url}/admin/deliver?force=1&organ=${MINISTRY}`, foreign);
    expect(forced.body).toMatchObject({ kind: "package", valid: false, delivered: [{ organ: MINISTRY }] });
    expect(sim.inbox(MINISTRY)).toHaveLength(1);
  });

  it("stages an outage over HTTP: 503 with Retry-After on /edxml, the admin surface still answering", async () => {
    const started = await json("POST", `${sim.url}/admin/outage`, JSON.stringify({ mode: "unavailable", retryAfterSeconds: 3 }));
    expect(started.body.outage).toMatchObject({ mode: "unavailable", retryAfterSeconds: 3 });
    const auth = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64")}`;
    const refused = await fetch(`${sim.url}/edxml/inbox?organ=${MINISTRY}`, { headers: { authorization: auth } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("3");
    expect((await refused.json()).title).toMatch(/^Hệ thống tạm thời không phục vụ \/ Service temporarily unavailable$/);

    expect((await json("POST", `${sim.url}/admin/outage`, JSON.stringify({ mode: "off" }))).body.outage).toBeNull();
    expect((await fetch(`${sim.url}/edxml/inbox?organ=${MINISTRY}`, { headers: { authorization: auth } })).status).toBe(200);
    expect((await json("GET", `${sim.url}/admin/requests`)).body.items.map((r: { status: number }) => r.status)).toEqual([503, 200]);
    expect((await json("POST", `${sim.url}/admin/outage`, JSON.stringify({ mode: "sometimes" }))).status).toBe(400);
  });

  it("lists what the ministry sent, filtered by document", async () => {
    const { connector } = recordingConnector(sim.url);
    const a = packageBytes(903, MINISTRY);
    const b = packageBytes(904, MINISTRY);
    await connector.send(a.bytes, a);
    await connector.send(b.bytes, b);
    const all = await json("GET", `${sim.url}/admin/received`);
    expect(all.body.items.map((p: { documentId: string }) => p.documentId)).toEqual([a.documentId, b.documentId]);
    const one = await json("GET", `${sim.url}/admin/received?documentId=${encodeURIComponent(b.documentId)}&kind=package`);
    expect(one.body.items).toHaveLength(1);
    expect(Buffer.from(one.body.items[0].data, "base64").equals(b.bytes)).toBe(true);
    expect((await json("POST", `${sim.url}/admin/reset`)).body).toEqual({ reset: true });
    expect(sim.received()).toEqual([]);
  });

  it("refuses a package over the configured size with 413", async () => {
    const small = await startExchangeSimulator({
      port: 0,
      limits: { maxPackageBytes: 2_000, maxAttachmentBytes: 1_000, maxAttachments: 5 },
    });
    try {
      const connector = new ExchangeConnector({ baseUrl: small.url });
      const p = packageBytes(905, MINISTRY);
      await expect(connector.send(p.bytes, p)).rejects.toMatchObject({ status: 413, attempts: 1 });
      expect(small.received()).toEqual([]);
    } finally {
      await small.stop();
    }
  });
});

describe("state across a restart", () => {
  it("keeps what was received, the inboxes and their acknowledgements, and cursors keep growing", async () => {
    const dataDir = path.join(workDir, "restart");
    let first = await startExchangeSimulator({ port: 0, dataDir, credentials: CREDENTIALS });
    try {
      const before = recordingConnector(first.url).connector;
      const sent = packageBytes(911, MINISTRY);
      await before.send(sent.bytes, sent);
      await first.deliver(buildPackage(numberedPackage(912)), { organs: [MINISTRY] });
      await first.deliver(buildPackage(numberedPackage(913)), { organs: [MINISTRY] });
      const page = await before.poll(MINISTRY);
      await before.ack(page.items[0].id);
      await first.stop();

      first = await startExchangeSimulator({ port: 0, dataDir, credentials: CREDENTIALS });
      const after = recordingConnector(first.url).connector;
      expect(first.received().map((r) => r.documentId)).toEqual([sent.documentId]);
      await expect(after.send(sent.bytes, sent)).resolves.toMatchObject({ duplicate: true });
      const left = await after.poll(MINISTRY);
      expect(left.items.map((i) => i.id)).toEqual([page.items[1].id]);
      const [fresh] = (await first.deliver(buildPackage(numberedPackage(914)), { organs: [MINISTRY] })).delivered;
      expect(Number(fresh.cursor)).toBeGreaterThan(Number(page.items[1].cursor));
    } finally {
      await first.stop();
    }
  });
});

describe("commands", () => {
  it("deliver.ts hands a package file to the running simulator, which puts it in the recipients' inboxes", async () => {
    const pkg = numberedPackage(921);
    const file = path.join(workDir, "921-VPCP-TCCV.edxml");
    await writeFile(file, buildPackage(pkg));
    const cli = run("deliver.ts", ["--url", sim.url, file]);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain(`Delivered package ${pkg.header.documentId} "${pkg.header.subject}" from ${GOVERNMENT_OFFICE}`);
    expect(cli.stdout()).toContain(`→ inbox of ${MINISTRY}: id `);

    const { connector } = recordingConnector(sim.url);
    const { items } = await connector.poll(MINISTRY);
    expect(items).toHaveLength(1);
    expect(items[0].kind === "package" && items[0].package.header).toEqual(pkg.header);
  });

  it("deliver.ts --wait reports when the ministry took it and the status it sent back", async () => {
    const pkg = numberedPackage(922);
    const file = path.join(workDir, "922.edxml");
    await writeFile(file, buildPackage(pkg));
    const cli = run("deliver.ts", ["--url", sim.url, "--organ", MINISTRY, "--wait", "--timeout", "50", file]);

    // The ministry's side: poll, store, acknowledge, answer "01 arrived".
    const { connector } = recordingConnector(sim.url);
    const item = await until(async () => (await connector.poll(MINISTRY)).items[0], "the package in the ministry's inbox");
    await connector.ack(item.id);
    const h = pkg.header;
    await connector.sendStatus(
      buildStatus({
        responseFor: {
          organId: h.from.organId,
          code: `${h.code.codeNumber}/${h.code.codeNotation}`,
          promulgationDate: h.promulgationInfo.promulgationDate,
          documentId: h.documentId,
        },
        from: { organId: MINISTRY, organName: "Bộ Nội vụ" },
        statusCode: "01",
        description: "Văn thư Bộ: Đã đến",
        timestamp: formatEdxmlDateTime(new Date()),
      }),
    );

    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain(`Taken by ${MINISTRY} at `);
    expect(cli.stdout()).toContain(`Status from ${MINISTRY}: 01 Đã đến / Arrived`);
  });

  it("deliver.ts refuses a malformed file with its problems and exit code 1", async () => {
    const file = path.join(workDir, "hostile.edxml");
    await writeFile(file, `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><edXML xmlns="${EDXML_NS}">&lol;</edXML>`);
    const cli = run("deliver.ts", ["--url", sim.url, file]);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain("refused (HTTP 400)");
    expect(cli.stderr()).toContain("DOCTYPE");
    expect(sim.inbox()).toEqual([]);
  });

  it("main.ts starts the simulator with the credentials from the environment and stops on SIGTERM", async () => {
    const cli = run("main.ts", ["--port", "0", "--quiet"], { EXCHANGE_TOKEN: "jeton-secret" });
    try {
      const url = await until(() => /listening on (http:\S+)/.exec(cli.stdout())?.[1], "the simulator's url");
      expect(cli.stdout()).toContain("(bearer token)");
      const connector = new ExchangeConnector({ baseUrl: url, credentials: { token: "jeton-secret" } });
      const p = packageBytes(931, MINISTRY);
      await expect(connector.send(p.bytes, p)).resolves.toMatchObject({ duplicate: false });
      const wrong = new ExchangeConnector({ baseUrl: url, credentials: { token: "sai" } });
      await expect(wrong.poll(MINISTRY)).rejects.toMatchObject({ status: 401 });
    } finally {
      cli.child.kill("SIGTERM");
    }
    expect(await cli.exited).toBe(0);
  });
});
