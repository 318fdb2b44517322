/**
 * The TCP server: frames messages off each connection, runs one command at a time per connection (as
 * drivers expect), and answers in the opcode the request came in. A connection that sends something
 * malformed gets an error reply where one can be addressed, and is closed; other connections and the
 * stored data are untouched.
 */
import net from "node:net";
import { pino, type Logger } from "pino";
import { reapSessions, runCommand } from "./commands/index.js";
import type { ServerState } from "./commands/context.js";
import { CursorRegistry } from "./cursors.js";
import { SessionRegistry, TRANSACTION_LIFETIME_MS } from "./sessions.js";
import { Catalog } from "./storage/catalog.js";
import { Engine } from "./storage/engine.js";
import { FaultInjectingPersistence, type PersistenceFaults } from "./storage/faults.js";
import { GuardedPersistence } from "./storage/health.js";
import { MemoryPersistence, SqlitePersistence, type Persistence } from "./storage/persistence.js";
import { startTtlMonitor } from "./ttl.js";
import {
  type CommandRequest,
  encodeOpMsg,
  encodeOpReply,
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  OpCode,
  parseMessage,
  ProtocolViolation,
  readHeader,
} from "./wire/protocol.js";

export interface EmbeddedMongoOptions {
  /** TCP port; 0 picks a free one. Default 27017. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Directory for durable storage (SQLite). Unset: memory only. */
  dataDir?: string;
  /** Replica-set name reported by hello. Default "rs0". */
  replSetName?: string;
  /** How often the TTL monitor deletes expired documents. Default 60 000 ms, like mongod. */
  ttlMonitorIntervalMs?: number;
  /** Idle time after which an abandoned cursor is killed. Default 600 000 ms, like mongod. */
  cursorTimeoutMs?: number;
  /** pino level name. Default "info". */
  logLevel?: string;
  /** A logger to use instead of a new pino instance on stdout. */
  logger?: Logger;
  /** @internal TEST-ONLY: makes writes to the data directory fail on demand (see storage/faults.ts). */
  testOnlyPersistenceFaults?: PersistenceFaults;
}

export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>/?replicaSet=rs0` */
  uri: string;
  port: number;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

export async function startEmbeddedMongo(opts: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.logger ?? pino({ name: "embedded-mongo", level: opts.logLevel ?? "info" });
  let persistence: Persistence = opts.dataDir ? new SqlitePersistence(opts.dataDir) : new MemoryPersistence();
  if (opts.testOnlyPersistenceFaults) persistence = new FaultInjectingPersistence(persistence, opts.testOnlyPersistenceFaults);
  const guarded = new GuardedPersistence(persistence);
  let catalog: Catalog;
  try {
    catalog = new Catalog(guarded);
  } catch (err) {
    persistence.close();
    throw err;
  }
  const engine = new Engine(catalog);
  const cursors = new CursorRegistry(opts.cursorTimeoutMs ?? 600_000);
  const sockets = new Set<net.Socket>();
  const netServer = net.createServer();

  const port = await new Promise<number>((resolve, reject) => {
    netServer.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new StartupError(
          err.code === "EADDRINUSE"
            ? `port ${opts.port ?? 27017} on ${host} is already in use`
            : `cannot listen on ${host}:${opts.port ?? 27017}: ${err.message}`,
        ),
      );
    });
    netServer.listen(opts.port ?? 27017, host, () => resolve((netServer.address() as net.AddressInfo).port));
  }).catch((err) => {
    cursors.close();
    persistence.close();
    throw err;
  });

  const advertised = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const state: ServerState = {
    engine,
    catalog,
    cursors,
    sessions: new SessionRegistry(),
    log,
    startedAt: new Date(),
    replSetName: opts.replSetName ?? "rs0",
    me: `${advertised}:${port}`,
    durable: persistence.durable,
    persistence: guarded,
    ttlMonitorIntervalMs: opts.ttlMonitorIntervalMs ?? 60_000,
    counters: { connectionsCurrent: 0, connectionsTotal: 0, commands: new Map() },
  };

  const ttlTimer = startTtlMonitor(catalog, engine, state.ttlMonitorIntervalMs, log);
  const reaper = setInterval(() => reapSessions(state, TRANSACTION_LIFETIME_MS), 1_000);
  reaper.unref();

  let nextConnectionId = 1;
  netServer.on("connection", (socket) => {
    const id = nextConnectionId++;
    sockets.add(socket);
    state.counters.connectionsCurrent++;
    state.counters.connectionsTotal++;
    socket.setNoDelay(true);
    log.debug({ conn: id, remote: `${socket.remoteAddress}:${socket.remotePort}` }, "connection accepted");
    serveConnection(socket, id, state);
    socket.on("close", () => {
      sockets.delete(socket);
      state.counters.connectionsCurrent--;
      log.debug({ conn: id }, "connection closed");
    });
  });

  const uri = `mongodb://${advertised}:${port}/?replicaSet=${state.replSetName}`;
  let stopped: Promise<void> | undefined;
  return {
    uri,
    port,
    stop() {
      stopped ??= (async () => {
        clearInterval(ttlTimer);
        clearInterval(reaper);
        await new Promise<void>((resolve) => {
          netServer.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
        for (const txn of [...engine.activeTransactions]) engine.abort(txn);
        engine.flush();
        cursors.close();
        persistence.close();
        log.debug("embedded-mongo stopped");
      })();
      return stopped;
    },
  };
}

/** Reads whole messages off the socket and answers them in order. */
function serveConnection(socket: net.Socket, connectionId: number, state: ServerState): void {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let busy = false;
  let closed = false;
  const queue: Buffer[] = [];
  let nextResponseId = 1;

  const fail = (reason: string, responseTo?: number, opCode?: number) => {
    if (closed) return;
    closed = true;
    state.log.debug({ conn: connectionId, reason }, "closing connection after a protocol error");
    if (responseTo !== undefined) {
      const reply = { ok: 0, errmsg: reason, code: 17, codeName: "ProtocolError" };
      const encoded =
        opCode === OpCode.QUERY ? encodeOpReply(reply, nextResponseId++, responseTo) : encodeOpMsg(reply, nextResponseId++, responseTo);
      socket.end(encoded);
    } else {
      socket.destroy();
    }
    chunks.length = 0;
    queue.length = 0;
  };

  const pump = async () => {
    if (busy) return;
    busy = true;
    // Replies to pipelined requests go out in one write: a syscall per reply is most of the cost here.
    socket.cork();
    try {
      while (queue.length > 0 && !closed) {
        const msg = queue.shift()!;
        const header = readHeader(msg);
        let request: CommandRequest;
        try {
          request = parseMessage(msg);
        } catch (err) {
          if (err instanceof ProtocolViolation) return fail(err.message, header.requestId, header.opCode);
          throw err;
        }
        const reply = await runCommand(state, request.command, connectionId, request.opCode === OpCode.QUERY);
        if (request.noReply || closed) continue;
        let encoded: Buffer;
        try {
          encoded =
            request.opCode === OpCode.QUERY
              ? encodeOpReply(reply, nextResponseId++, request.requestId)
              : encodeOpMsg(reply, nextResponseId++, request.requestId);
        } catch (err) {
          const e = { ok: 0, errmsg: `reply could not be encoded: ${(err as Error).message}`, code: 10334, codeName: "BSONObjectTooLarge" };
          encoded = encodeOpMsg(e, nextResponseId++, request.requestId);
        }
        socket.write(encoded);
      }
    } catch (err) {
      state.log.error({ conn: connectionId, err }, "unexpected error while serving a connection");
      fail("internal error");
    } finally {
      busy = false;
      if (!socket.destroyed) socket.uncork();
    }
  };

  socket.on("data", (chunk: Buffer) => {
    if (closed) return;
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 4) {
      const head = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
      if (chunks.length > 1) {
        chunks.length = 0;
        chunks.push(head);
      }
      const length = head.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        const requestId = buffered >= 8 ? head.readInt32LE(4) : undefined;
        return fail(`message length ${length} is outside the allowed range [${HEADER_SIZE}, ${MAX_MESSAGE_SIZE}]`, requestId);
      }
      if (buffered < length) return;
      queue.push(head.subarray(0, length));
      const rest = head.subarray(length);
      chunks.length = 0;
      buffered = rest.length;
      if (rest.length > 0) chunks.push(rest);
      void pump();
    }
  });
  socket.on("error", (err) => state.log.debug({ conn: connectionId, err: err.message }, "socket error"));
  socket.on("close", () => {
    closed = true;
  });
}
