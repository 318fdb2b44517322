/**
 * Durability of the embedded server's CLI: committed writes survive `kill -9`, an open transaction's
 * writes do not; a data directory in use and a taken port are refused with a clear message.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoClient, type Document } from "mongodb";
import type { AnyDoc } from "./harness.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const cliPath = "packages/embedded-mongo/src/cli.ts";

interface Cli {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

interface Ready {
  port: number;
  uri: string;
}

const children: ChildProcess[] = [];

function startCli(port: number, dataDir: string): Cli {
  const child = spawn(process.execPath, ["--import", "tsx", cliPath, "--port", String(port), "--data", dataDir], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Waits for the single `embedded-mongo ready` JSON line on stdout. */
function waitReady(cli: Cli, timeoutMs = 30_000): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => finish(new Error(`no ready line within ${timeoutMs} ms; output:\n${cli.output()}`)), timeoutMs);
    const onData = (d: string) => {
      stdout += d;
      for (const line of stdout.split("\n").slice(0, -1)) {
        if (!line.includes("embedded-mongo ready")) continue;
        try {
          const rec = JSON.parse(line) as { msg?: string; port?: number; uri?: string };
          if (rec.msg === "embedded-mongo ready" && typeof rec.port === "number" && typeof rec.uri === "string") {
            return finish(undefined, { port: rec.port, uri: rec.uri });
          }
        } catch {
          // not JSON: keep waiting, the assertion below reports it
        }
      }
    };
    const onExit = (code: number | null) => finish(new Error(`CLI exited (${code}) before ready; output:\n${cli.output()}`));
    function finish(err?: Error, ready?: Ready) {
      clearTimeout(timer);
      cli.child.stdout!.off("data", onData);
      cli.child.off("exit", onExit);
      if (err) reject(err);
      else resolve(ready!);
    }
    cli.child.stdout!.on("data", onData);
    cli.child.once("exit", onExit);
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function connect(uri: string): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  return client;
}

async function closeQuietly(client: MongoClient): Promise<void> {
  await withTimeout(client.close(), 5_000, "client.close").catch(() => undefined);
}

describe.skipIf(!!process.env.MONGODB_URI)("CLI durability (embedded only)", () => {
  const dirs: string[] = [];
  let dataDir: string;
  const DB = "crashdb";

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "emb-crash-"));
    dirs.push(dataDir);
  });

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  let first: Cli;
  let ready: Ready;

  it("starts on port 0 and prints exactly one ready line with port and uri", async () => {
    first = startCli(0, dataDir);
    ready = await waitReady(first);
    expect(ready.port).toBeGreaterThan(0);
    expect(ready.uri).toContain(`:${ready.port}`);
    expect(
      first
        .output()
        .split("\n")
        .filter((l) => l.includes("embedded-mongo ready")),
    ).toHaveLength(1);
    const client = await connect(ready.uri);
    expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
    await closeQuietly(client);
  });

  it("a second server on a data directory in use exits non-zero, saying it is locked", async () => {
    const second = startCli(0, dataDir);
    const exit = await withTimeout(second.exited, 20_000, "second CLI on a locked data directory");
    expect(exit.code, second.output()).not.toBe(0);
    expect(exit.code, second.output()).not.toBeNull();
    expect(second.output()).toMatch(/lock|in use/i);
    expect(second.output()).toContain(dataDir);
    expect(second.output()).not.toContain("embedded-mongo ready");
  });

  it("a server on a port already taken exits non-zero with a clear message", async () => {
    const otherDir = mkdtempSync(path.join(os.tmpdir(), "emb-port-"));
    dirs.push(otherDir);
    const third = startCli(ready.port, otherDir);
    const exit = await withTimeout(third.exited, 20_000, "CLI on a taken port");
    expect(exit.code, third.output()).not.toBe(0);
    expect(exit.code, third.output()).not.toBeNull();
    expect(third.output()).toMatch(/EADDRINUSE|in use/i);
    expect(third.output()).toContain(String(ready.port));
    expect(third.output()).not.toContain("embedded-mongo ready");
  });

  it("committed writes survive kill -9; an open transaction's writes do not", async () => {
    const client = await connect(ready.uri);
    const c = client.db(DB).collection<AnyDoc>("docs");
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, v: i })));
    await c.insertOne({ _id: "single", note: "committed" });
    await c.updateOne({ _id: 1 }, { $set: { v: "updated" } });
    await c.deleteOne({ _id: 2 });
    await c.createIndex({ v: 1 }, { name: "v_idx" });

    // a committed transaction
    const committed = client.startSession();
    await committed.withTransaction(async () => {
      await c.insertOne({ _id: "txn-committed" }, { session: committed });
      await c.updateOne({ _id: 4 }, { $set: { v: "txn" } }, { session: committed });
    });
    await committed.endSession();

    // a transaction left open: started and written, never committed
    const open = client.startSession();
    open.startTransaction();
    await c.insertOne({ _id: "txn-open" }, { session: open });
    await c.updateOne({ _id: 3 }, { $set: { v: "uncommitted" } }, { session: open });
    await c.deleteOne({ _id: 5 }, { session: open });

    // 50 + single + txn-committed - deleted _id 2
    expect(await c.countDocuments()).toBe(51);

    first.child.kill("SIGKILL");
    const killed = await withTimeout(first.exited, 10_000, "kill -9");
    expect(killed.signal).toBe("SIGKILL");
    await closeQuietly(client);

    const again = startCli(0, dataDir);
    const ready2 = await waitReady(again);
    const client2 = await connect(ready2.uri);
    try {
      const c2 = client2.db(DB).collection<AnyDoc>("docs");
      const docs = await c2.find().toArray();
      const byId = new Map<unknown, Document>(docs.map((d) => [d._id, d]));
      expect(byId.get("single")).toEqual({ _id: "single", note: "committed" });
      expect(byId.get(1)).toEqual({ _id: 1, v: "updated" });
      expect(byId.has(2)).toBe(false);
      expect(byId.get("txn-committed")).toEqual({ _id: "txn-committed" });
      expect(byId.get(4)).toEqual({ _id: 4, v: "txn" });
      expect(byId.has("txn-open")).toBe(false);
      expect(byId.get(3)).toEqual({ _id: 3, v: 3 });
      expect(byId.get(5)).toEqual({ _id: 5, v: 5 });
      for (let i = 6; i < 50; i++) expect(byId.get(i)).toEqual({ _id: i, v: i });
      expect(docs).toHaveLength(51);
      const indexNames = (await c2.listIndexes().toArray()).map((i) => i.name);
      expect(indexNames).toEqual(["_id_", "v_idx"]);

      // still writable after recovery
      await c2.insertOne({ _id: "after-restart" });
    } finally {
      await closeQuietly(client2);
    }
    again.child.kill("SIGINT");
    const stopped = await withTimeout(again.exited, 15_000, "SIGINT shutdown");
    expect(stopped, again.output()).toEqual({ code: 0, signal: null });
  });

  it("stops cleanly on SIGINT and SIGTERM (exit 0) and keeps what was written", async () => {
    const cli = startCli(0, dataDir);
    const r = await waitReady(cli);
    const client = await connect(r.uri);
    try {
      const c = client.db(DB).collection<AnyDoc>("docs");
      expect(await c.findOne({ _id: "after-restart" })).toEqual({ _id: "after-restart" });
      expect(await c.countDocuments()).toBe(52);
      await c.insertOne({ _id: "before-sigterm" });
    } finally {
      await closeQuietly(client);
    }
    cli.child.kill("SIGTERM");
    const stopped = await withTimeout(cli.exited, 15_000, "SIGTERM shutdown");
    expect(stopped, cli.output()).toEqual({ code: 0, signal: null });

    const last = startCli(0, dataDir);
    const r2 = await waitReady(last);
    const client2 = await connect(r2.uri);
    try {
      expect(await client2.db(DB).collection<AnyDoc>("docs").findOne({ _id: "before-sigterm" })).toEqual({ _id: "before-sigterm" });
    } finally {
      await closeQuietly(client2);
    }
    last.child.kill("SIGINT");
    expect(await withTimeout(last.exited, 15_000, "SIGINT shutdown")).toEqual({ code: 0, signal: null });
  });
});
