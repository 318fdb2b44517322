/**
 * Conformance harness: every test in this folder runs against a real MongoDB 7 replica set when
 * `MONGODB_URI` is set, and against the embedded server otherwise. The tests are the specification
 * of the embedded server, so they only assert what mongod itself does.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { MongoClient, MongoServerError, type Db, type Document, type ObjectId } from "mongodb";
import { expect } from "vitest";
import { startEmbeddedMongo, type EmbeddedMongo } from "../../src/index.js";

export interface Target {
  client: MongoClient;
  uri: string;
  /** true when the target is the embedded server started by this harness. */
  embedded: boolean;
  /** Without a name: this test file's own database (unique per file, random suffix). With a name: that database. */
  db(name?: string): Db;
  /** Drops this file's database, closes the client and stops the embedded server (if any). Idempotent. */
  close(): Promise<void>;
}

function fileLabel(label?: string): string {
  let base = label;
  if (!base) {
    const testPath = expect.getState().testPath;
    base = testPath ? path.basename(testPath).replace(/\.test\.[cm]?[jt]s$/, "") : "conformance";
  }
  return base.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 40);
}

/**
 * Opens the target server. `label` names this file's database (default: the test file's name);
 * a random suffix makes it unique, so files may run in parallel against one real server.
 */
export async function openTarget(label?: string): Promise<Target> {
  const dbName = `cf_${fileLabel(label)}_${randomBytes(4).toString("hex")}`;
  const externalUri = process.env.MONGODB_URI;
  let server: EmbeddedMongo | undefined;
  let uri: string;
  if (externalUri) {
    uri = externalUri;
  } else {
    server = await startEmbeddedMongo({ port: 0, ttlMonitorIntervalMs: 250, logLevel: "warn" });
    uri = server.uri;
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, monitorCommands: true });
  try {
    await client.connect();
  } catch (err) {
    await client.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    throw err;
  }
  let closed = false;
  return {
    client,
    uri,
    embedded: server !== undefined,
    db(name?: string): Db {
      return client.db(name ?? dbName);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await client.db(dbName).dropDatabase();
      } catch {
        // the tests' own assertions report server problems; cleanup must not hide them
      }
      await client.close().catch(() => undefined);
      await server?.stop();
    },
  };
}

/** Awaits `p` and returns what it threw; fails the test when it resolves instead. */
// biome-ignore lint/suspicious/noExplicitAny: tests read driver error fields of every shape from it
export async function caught(p: Promise<unknown> | (() => Promise<unknown>)): Promise<any> {
  try {
    const value = await (typeof p === "function" ? p() : p);
    throw new ExpectedRejection(value);
  } catch (err) {
    if (err instanceof ExpectedRejection) {
      expect.fail(`expected the operation to fail, but it succeeded with ${safeJson(err.value)}`);
    }
    return err;
  }
}

class ExpectedRejection extends Error {
  constructor(readonly value: unknown) {
    super("expected rejection");
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Awaits a rejection and checks that it is a `MongoServerError` with the given code (and codeName when given). */
export async function expectServerError(
  p: Promise<unknown> | (() => Promise<unknown>),
  code: number,
  codeName?: string,
): Promise<MongoServerError> {
  const err = await caught(p);
  expect(err, `expected MongoServerError ${code}, got ${String(err)}`).toBeInstanceOf(MongoServerError);
  const got = `got code ${err.code} (${err.codeName ?? "no codeName"}): ${err.message}`;
  expect(err.code, got).toBe(code);
  if (codeName !== undefined) expect(err.codeName, got).toBe(codeName);
  return err as MongoServerError;
}

/** A cursor id as returned by a raw command (number or Long) as a bigint. */
export function cursorIdOf(id: unknown): bigint {
  if (typeof id === "number" || typeof id === "bigint") return BigInt(id);
  if (id !== null && typeof id === "object" && "toString" in id) return BigInt(String(id));
  throw new Error(`not a cursor id: ${String(id)}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A unique collection name for one test. */
export function collName(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString("hex")}`;
}

/** Values the tests use as `_id` (the driver's default typing assumes ObjectId). */
export type AnyId = string | number | ObjectId | Document;

/** A schema-less document whose `_id` may be any of AnyId. */
export interface AnyDoc {
  _id?: AnyId;
  // biome-ignore lint/suspicious/noExplicitAny: documents of any shape, as the driver's own Document type
  [key: string]: any;
}
