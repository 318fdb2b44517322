/**
 * A Directory on the embedded MongoDB (through the official driver), with the platform's real audit
 * log and request log, for store- and use-case-level tests. Directory changes publish no events, so
 * the outbox is never reached.
 */
import {
  AuditLog,
  connectMongo,
  createLogger,
  ensureIndexes,
  ManualClock,
  RequestLog,
  type Identity,
  type MongoConnection,
  type Outbox,
} from "@ministry/platform";
import { AppContext } from "../../src/app/context.js";
import { Directory } from "../../src/app/directory.js";
import type { NotificationsConfig } from "../../src/config.js";
import { NOTIFICATIONS_INDEXES } from "../../src/store/indexes.js";

export interface DirectoryFixture {
  conn: MongoConnection;
  clock: ManualClock;
  directory: Directory;
  close(): Promise<void>;
}

let dbCounter = 0;

/** One embedded server per test file; `fresh()` gives a directory on a database of its own. */
export async function startDirectoryFixture(): Promise<{ fresh(): Promise<DirectoryFixture>; close(): Promise<void> }> {
  const conn = await connectMongo({ uri: undefined, dbName: "directory_test", allowEmbedded: true, monitorCommands: true });
  return {
    async fresh() {
      dbCounter += 1;
      const db = conn.client.db(`directory_test_${process.pid}_${dbCounter}`);
      await ensureIndexes(db, NOTIFICATIONS_INDEXES);
      const clock = new ManualClock("2020-03-30T03:00:00Z");
      const app = new AppContext({
        client: conn.client,
        db,
        clock,
        outbox: {} as Outbox,
        audit: new AuditLog(db, { clock }),
        requests: new RequestLog(conn.client, db, { clock }),
        config: {} as NotificationsConfig,
        log: createLogger("directory-test", "silent"),
      });
      return { conn, clock, directory: new Directory(app), close: async () => {} };
    },
    close: () => conn.close(),
  };
}

export const ADMIN: Identity = { userId: "admin", name: "Quản trị", roles: ["admin"], unitId: "VP" };
export const STAFF: Identity = { userId: "vp-staff", name: "Chuyên viên", roles: ["staff"], unitId: "VP" };
