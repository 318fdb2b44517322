/**
 * Command dispatch: finds the handler, applies the session rules (multi-document transactions via
 * lsid/txnNumber/autocommit, retryable writes answered once per txnNumber), and turns every failure
 * into mongod's error reply.
 */
import { Long, type Document } from "bson";
import { asMongoError, MongoError } from "../errors.js";
import { sessionKey, type Session } from "../sessions.js";
import type { Transaction } from "../storage/engine.js";
import { adminHandlers } from "./admin.js";
import { aggregateHandlers } from "./aggregate.js";
import type { CommandContext, Handler, ServerState } from "./context.js";
import { crudHandlers } from "./crud.js";
import { ddlHandlers } from "./ddl.js";

const transactionHandlers: Record<string, Handler> = {
  commitTransaction: (ctx) => {
    const txn = ctx.txn!;
    if (txn.state === "active") {
      ctx.server.engine.commit(txn);
      ctx.server.cursors.killForTransaction(txn);
    }
    return { ok: 1 };
  },
  abortTransaction: (ctx) => {
    ctx.server.engine.abort(ctx.txn!);
    ctx.server.cursors.killForTransaction(ctx.txn!);
    return { ok: 1 };
  },
};

const HANDLERS = new Map<string, Handler>(
  Object.entries({ ...adminHandlers, ...ddlHandlers, ...crudHandlers, ...aggregateHandlers, ...transactionHandlers }),
);

/** Commands mongod allows inside a multi-document transaction. */
const ALLOWED_IN_TRANSACTION = new Set([
  "find",
  "getMore",
  "killCursors",
  "insert",
  "update",
  "delete",
  "findAndModify",
  "findandmodify",
  "aggregate",
  "distinct",
  "create",
  "createIndexes",
  "commitTransaction",
  "abortTransaction",
  "hello",
  "isMaster",
  "ping",
]);
const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "findandmodify"]);
/**
 * Commands that run while the data directory refuses writes: the handshake (without it the driver
 * could not even receive the error) and those that only release server state.
 */
const RUN_WHILE_UNHEALTHY = new Set(["hello", "isMaster", "ismaster", "endSessions", "killCursors", "abortTransaction"]);
const ADMIN_ONLY = new Set([
  "commitTransaction",
  "abortTransaction",
  "renameCollection",
  "listDatabases",
  "endSessions",
  "killSessions",
  "getParameter",
  "serverStatus",
]);

function toNumber(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return v;
  if (v instanceof Long) return v.toNumber();
  return Number.NaN;
}

function noSuchTransaction(message: string): MongoError {
  return new MongoError("NoSuchTransaction", message, {}, ["TransientTransactionError"]);
}

export async function runCommand(server: ServerState, cmd: Document, connectionId: number, legacy: boolean): Promise<Document> {
  const name = Object.keys(cmd)[0];
  try {
    if (name === undefined) throw new MongoError("CommandNotFound", "no such command: ''");
    const handler = HANDLERS.get(name);
    if (!handler) throw new MongoError("CommandNotFound", `no such command: '${name}'`);
    const db = cmd.$db;
    if (typeof db !== "string" || db === "") throw new MongoError("InvalidNamespace", "Command is missing the $db field");
    if (ADMIN_ONLY.has(name) && db !== "admin") throw new MongoError("Unauthorized", `${name} may only be run against the admin database.`);
    server.counters.commands.set(name, (server.counters.commands.get(name) ?? 0) + 1);
    if (!RUN_WHILE_UNHEALTHY.has(name)) server.persistence.assertHealthy();
    const key = sessionKey(cmd.lsid);
    const session = key ? server.sessions.get(key) : undefined;
    const base = { server, db, cmd, name, connectionId, legacy, session };
    if (cmd.autocommit === false) return await inTransaction(base, handler);
    const txnNumber = toNumber(cmd.txnNumber);
    if (txnNumber !== undefined && session && RETRYABLE_WRITES.has(name)) return await retryableWrite(base, session, txnNumber, handler);
    if (cmd.startTransaction !== undefined) throw new MongoError("InvalidOptions", "startTransaction requires autocommit: false");
    return await persisted(server, handler(base));
  } catch (err) {
    return asMongoError(settle(server, err), "InternalError").toReply();
  }
}

/**
 * The reply once the command's changes are on disk. Write handlers persist before they reply (and
 * before any wait); this is the guard that no reply leaves with changes still pending.
 */
async function persisted(server: ServerState, reply: Document | Promise<Document>): Promise<Document> {
  const out = await reply;
  server.engine.flush();
  return out;
}

/** A failed command keeps the changes it made before failing (as in mongod), if they can be persisted. */
function settle(server: ServerState, err: unknown): unknown {
  try {
    server.engine.flush();
    return err;
  } catch (flushErr) {
    return flushErr;
  }
}

async function inTransaction(base: Omit<CommandContext, "txn">, handler: Handler): Promise<Document> {
  const { server, cmd, name, session } = base;
  const txnNumber = toNumber(cmd.txnNumber);
  if (!session || txnNumber === undefined || Number.isNaN(txnNumber)) {
    throw new MongoError("InvalidOptions", "A transaction requires a session id (lsid) and a txnNumber");
  }
  if (!ALLOWED_IN_TRANSACTION.has(name)) {
    throw new MongoError("OperationNotSupportedInTransaction", `Cannot run '${name}' in a multi-document transaction.`);
  }
  let txn: Transaction;
  if (cmd.startTransaction === true) {
    if (txnNumber < session.txnNumber) {
      throw new MongoError(
        "TransactionTooOld",
        `Cannot start transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started.`,
      );
    }
    if (txnNumber === session.txnNumber && session.txn) {
      throw new MongoError(
        "ConflictingOperationInProgress",
        `Cannot start a transaction at given transaction number ${txnNumber} a transaction with the same number is in progress.`,
      );
    }
    const level = (cmd.readConcern as Document | undefined)?.level;
    if (level !== undefined && !["local", "majority", "snapshot"].includes(level as string)) {
      throw new MongoError(
        "InvalidOptions",
        `The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction`,
      );
    }
    endTransaction(server, session);
    session.txnNumber = txnNumber;
    txn = session.txn = server.engine.begin(txnNumber);
  } else {
    const current = session.txn;
    if (!current || txnNumber !== session.txnNumber) {
      throw noSuchTransaction(
        `Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${session.txnNumber}`,
      );
    }
    txn = current;
    if (txn.state === "committed") {
      if (name === "commitTransaction") return { ok: 1 }; // a retried commit
      throw new MongoError("TransactionCommitted", `Transaction with { txnNumber: ${txnNumber} } has been committed.`);
    }
    if (txn.state === "aborted") {
      if (name === "abortTransaction") throw noSuchTransaction(`Transaction with { txnNumber: ${txnNumber} } has been aborted.`);
      throw noSuchTransaction(`Transaction with { txnNumber: ${txnNumber} } has been aborted.`);
    }
  }
  try {
    return await handler({ ...base, txn });
  } catch (err) {
    // mongod aborts the transaction on any error inside it.
    server.engine.abort(txn);
    server.cursors.killForTransaction(txn);
    throw err;
  }
}

async function retryableWrite(base: Omit<CommandContext, "txn">, session: Session, txnNumber: number, handler: Handler): Promise<Document> {
  if (txnNumber < session.txnNumber) {
    throw new MongoError(
      "TransactionTooOld",
      `Retryable write with txnNumber ${txnNumber} is prohibited on session because a newer retryable write with txnNumber ${session.txnNumber} has already started on this session.`,
    );
  }
  if (session.retryable?.txnNumber === txnNumber) return session.retryable.reply;
  endTransaction(base.server, session);
  session.txnNumber = txnNumber;
  // Cached only once persisted: a retry after a failure runs the write again instead of being told it happened.
  const reply = await persisted(base.server, handler(base));
  session.retryable = { txnNumber, reply };
  return reply;
}

/** A newer transaction or retryable write on the session ends whatever transaction it had open. */
function endTransaction(server: ServerState, session: Session): void {
  if (session.txn?.state === "active") {
    server.engine.abort(session.txn);
    server.cursors.killForTransaction(session.txn);
  }
  session.txn = undefined;
}

/** Aborts transactions that outlived mongod's transactionLifetimeLimitSeconds, and expired sessions. */
export function reapSessions(server: ServerState, lifetimeMs: number): void {
  const now = Date.now();
  for (const session of server.sessions.all()) {
    if (session.txn?.state === "active" && now - session.txn.startedAt > lifetimeMs) endTransaction(server, session);
  }
  for (const session of server.sessions.expired(now)) {
    endTransaction(server, session);
    server.sessions.end(session.id);
    server.cursors.killForSession(session.id);
  }
}
