/**
 * MongoDB for a service: `MONGODB_URI` (a replica set in production: transactions need one) or, when
 * unset, the embedded MongoDB-compatible server, through the same official driver either way.
 */
import { MongoClient, type ClientSession, type Db, type IndexDescription, type TransactionOptions } from "mongodb";
import type { Logger } from "./logger.js";

/** What this package uses of an embedded server (its type stays here, so production needs nothing of it). */
export interface EmbeddedServer {
  readonly uri: string;
  stop(): Promise<void>;
}

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  /** Set when this process started its own embedded server (tests, single-process runs). */
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

export interface MongoOptions {
  uri?: string;
  dbName: string;
  log?: Logger;
  /** Data directory for an embedded server this process starts; memory only when unset. */
  embeddedDataDir?: string;
  /**
   * Whether a missing `uri` may start the embedded server (DEV_MODE). Default true for direct callers
   * (tests, tools); services pass their DEV_MODE.
   */
  allowEmbedded?: boolean;
  /**
   * The driver's command events (for instrumentMongoClient's spans). Default true; a service without a
   * span exporter turns them off, since building an event and a span per command is then wasted.
   */
  monitorCommands?: boolean;
}

export async function connectMongo(opts: MongoOptions): Promise<MongoConnection> {
  let embedded: EmbeddedServer | undefined;
  if (!opts.uri) {
    if (opts.allowEmbedded === false) throw new Error("MONGODB_URI is not set and the embedded store is for DEV_MODE only");
    // Loaded only here, so production (MONGODB_URI) neither needs the development store nor loads it.
    const { startEmbeddedMongo } = await import("@ministry/embedded-mongo");
    embedded = await startEmbeddedMongo({ port: 0, dataDir: opts.embeddedDataDir, logLevel: "warn" });
    opts.log?.info({ uri: embedded.uri }, "MONGODB_URI not set: using an embedded MongoDB-compatible server");
  }
  const uri = opts.uri ?? embedded!.uri;
  const client = new MongoClient(uri, { monitorCommands: opts.monitorCommands ?? true, serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return {
    client,
    db: client.db(opts.dbName),
    embedded,
    async close() {
      await client.close();
      await embedded?.stop();
    },
  };
}

/**
 * Runs `work` in one transaction; the driver retries it on TransientTransactionError and retries the
 * commit on UnknownTransactionCommitResult, so `work` must be safe to run again (it is, when all its
 * effects go through `session`).
 */
export async function inTransaction<T>(
  client: MongoClient,
  work: (session: ClientSession) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const session = client.startSession();
  try {
    return await session.withTransaction(work, { readConcern: { level: "snapshot" }, writeConcern: { w: "majority" }, ...options });
  } finally {
    await session.endSession();
  }
}

export interface CollectionIndexes {
  collection: string;
  indexes: IndexDescription[];
}

/** Indexes are declared in code and created at start-up; creating an existing one is a no-op. */
export async function ensureIndexes(db: Db, declared: CollectionIndexes[]): Promise<void> {
  for (const { collection, indexes } of declared) {
    if (indexes.length > 0) await db.collection(collection).createIndexes(indexes);
  }
}

export async function pingMongo(db: Db): Promise<boolean> {
  try {
    await db.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
