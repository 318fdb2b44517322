/**
 * Handshake and server information: hello/isMaster (a single-node replica-set primary, so drivers allow
 * sessions and transactions), ping, buildInfo, getParameter, serverStatus, listDatabases, endSessions.
 */
import { createRequire } from "node:module";
import os from "node:os";
import { BSON, ObjectId, Timestamp, type Document } from "bson";
import { MongoError } from "../errors.js";
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE } from "../wire/protocol.js";
import { SESSION_TIMEOUT_MINUTES, sessionKey } from "../sessions.js";
import type { CommandContext, Handler } from "./context.js";

/** MongoDB 7.0's wire version: new enough for driver 7 (which needs 4.2+), old enough not to promise 8.0 features. */
export const MAX_WIRE_VERSION = 21;
export const REPORTED_VERSION = "7.0.0";
const MAX_WRITE_BATCH_SIZE = 100_000;
/** A fixed election id: this primary never changes, so the driver never sees a stale one. */
const ELECTION_ID = new ObjectId("7fffffff0000000000000001");

const packageVersion: string = (() => {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();

function hello(ctx: CommandContext): Document {
  const now = new Date();
  const opTime = { ts: Timestamp.fromBits(0, Math.floor(now.getTime() / 1000)), t: 1 };
  const primaryField = ctx.name === "hello" ? { isWritablePrimary: true } : { ismaster: true };
  return {
    helloOk: true,
    ...primaryField,
    secondary: false,
    setName: ctx.server.replSetName,
    setVersion: 1,
    hosts: [ctx.server.me],
    primary: ctx.server.me,
    me: ctx.server.me,
    electionId: ELECTION_ID,
    lastWrite: { opTime, lastWriteDate: now, majorityOpTime: opTime, majorityWriteDate: now },
    maxBsonObjectSize: MAX_BSON_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: now,
    logicalSessionTimeoutMinutes: SESSION_TIMEOUT_MINUTES,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

const buildInfo: Handler = () => ({
  version: REPORTED_VERSION,
  gitVersion: `embedded-mongo-${packageVersion}`,
  versionArray: [7, 0, 0, 0],
  modules: [],
  allocator: "system",
  javascriptEngine: "none",
  sysInfo: "deprecated",
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_SIZE,
  storageEngines: ["embedded"],
  openssl: { running: "disabled" },
  ok: 1,
});

/** The parameters drivers and tools commonly ask for; anything else is refused by name. */
const STATIC_PARAMETERS: Record<string, unknown> = {
  featureCompatibilityVersion: { version: "7.0" },
  transactionLifetimeLimitSeconds: 60,
  maxTransactionLockRequestTimeoutMillis: 5,
  logLevel: 0,
  authenticationMechanisms: [],
};

const getParameter: Handler = (ctx) => {
  const reply: Document = {};
  const PARAMETERS = { ...STATIC_PARAMETERS, ttlMonitorSleepSecs: Math.max(1, Math.round(ctx.server.ttlMonitorIntervalMs / 1000)) };
  const all = ctx.cmd.getParameter === "*" || (typeof ctx.cmd.getParameter === "object" && ctx.cmd.getParameter?.allParameters === true);
  for (const [name, value] of Object.entries(PARAMETERS)) {
    if (all || ctx.cmd[name] !== undefined) reply[name] = value;
  }
  for (const name of Object.keys(ctx.cmd)) {
    if (name === "getParameter" || name.startsWith("$") || name === "lsid" || name === "comment") continue;
    if (!(name in PARAMETERS)) throw new MongoError("InvalidOptions", `no option found to get: ${name}`);
  }
  if (Object.keys(reply).length === 0 && !all) throw new MongoError("InvalidOptions", "no option found to get");
  reply.ok = 1;
  return reply;
};

/** Only the figures this server really keeps; nothing invented. */
const serverStatus: Handler = (ctx) => {
  const s = ctx.server;
  const mem = process.memoryUsage();
  const opcounters: Document = {};
  for (const [name, n] of s.counters.commands) opcounters[name] = n;
  return {
    host: os.hostname(),
    version: REPORTED_VERSION,
    process: "embedded-mongo",
    pid: process.pid,
    uptime: Math.floor((Date.now() - s.startedAt.getTime()) / 1000),
    uptimeMillis: Date.now() - s.startedAt.getTime(),
    localTime: new Date(),
    connections: { current: s.counters.connectionsCurrent, totalCreated: s.counters.connectionsTotal },
    commands: opcounters,
    cursors: { open: s.cursors.size },
    logicalSessions: { active: s.sessions.size },
    transactions: { currentActive: s.engine.activeTransactions.size },
    storageEngine: { name: s.durable ? "embedded-sqlite" : "embedded-memory", persistent: s.durable },
    mem: { residentMB: Math.round(mem.rss / 1048576), heapUsedMB: Math.round(mem.heapUsed / 1048576) },
    ok: 1,
  };
};

const listDatabases: Handler = (ctx) => {
  const nameOnly = ctx.cmd.nameOnly === true;
  const databases = ctx.server.catalog.databases().map((name) => {
    if (nameOnly) return { name };
    let sizeOnDisk = 0;
    let empty = true;
    for (const c of ctx.server.catalog.collections(name)) {
      for (const [, rec] of c.data.docs.entries()) {
        sizeOnDisk += BSON.calculateObjectSize(rec.doc);
        empty = false;
      }
    }
    return { name, sizeOnDisk, empty };
  });
  const reply: Document = { databases, ok: 1 };
  if (!nameOnly) reply.totalSize = databases.reduce((t, d) => t + ((d as { sizeOnDisk?: number }).sizeOnDisk ?? 0), 0);
  return reply;
};

const endSessions: Handler = (ctx) => {
  const list = ctx.cmd[ctx.name];
  if (!Array.isArray(list)) throw new MongoError("TypeMismatch", `${ctx.name} expects an array of session ids`);
  for (const lsid of list) {
    const key = sessionKey(lsid);
    if (!key) continue;
    const session = ctx.server.sessions.end(key);
    if (session?.txn) {
      ctx.server.engine.abort(session.txn);
      ctx.server.cursors.killForTransaction(session.txn);
    }
    ctx.server.cursors.killForSession(key);
  }
  return { ok: 1 };
};

export const adminHandlers: Record<string, Handler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  serverStatus,
  listDatabases,
  endSessions,
  killSessions: endSessions,
};
