/**
 * What every command handler receives, and the helpers they share for reaching a collection through
 * the right view (a transaction's snapshot or committed data).
 */
import type { Document } from "bson";
import type { Logger } from "pino";
import type { CursorRegistry } from "../cursors.js";
import { MongoError } from "../errors.js";
import type { Session, SessionRegistry } from "../sessions.js";
import type { Catalog, Collection } from "../storage/catalog.js";
import { validateCollectionName } from "../storage/catalog.js";
import type { CollectionData } from "../storage/collection-data.js";
import type { Engine, Transaction, Writer } from "../storage/engine.js";
import type { GuardedPersistence } from "../storage/health.js";

export interface ServerState {
  readonly engine: Engine;
  readonly catalog: Catalog;
  readonly cursors: CursorRegistry;
  readonly sessions: SessionRegistry;
  readonly log: Logger;
  readonly startedAt: Date;
  readonly replSetName: string;
  /** host:port this server calls itself in hello (`me`, `hosts`, `primary`). */
  readonly me: string;
  readonly durable: boolean;
  /** The store's write path: fails commands while the data directory refuses writes. */
  readonly persistence: GuardedPersistence;
  readonly ttlMonitorIntervalMs: number;
  readonly counters: { connectionsCurrent: number; connectionsTotal: number; commands: Map<string, number> };
}

export interface CommandContext {
  readonly server: ServerState;
  readonly db: string;
  readonly cmd: Document;
  readonly name: string;
  readonly connectionId: number;
  /** true for the legacy OP_QUERY handshake (isMaster's reply shape differs). */
  readonly legacy: boolean;
  readonly session?: Session;
  readonly txn?: Transaction;
}

export type Handler = (ctx: CommandContext) => Document | Promise<Document>;

export function requireString(cmd: Document, field: string): string {
  const v = cmd[field];
  if (typeof v !== "string") {
    throw new MongoError("TypeMismatch", `BSON field '${field}' is the wrong type '${typeName(v)}', expected type 'string'`);
  }
  return v;
}

export function optionalDocument(cmd: Document, field: string): Document | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new MongoError("TypeMismatch", `BSON field '${field}' is the wrong type '${typeName(v)}', expected type 'object'`);
  }
  return v as Document;
}

export function optionalNonNegative(cmd: Document, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  const n =
    typeof v === "number"
      ? v
      : typeof v === "object" && v !== null && "toNumber" in v
        ? (v as { toNumber(): number }).toNumber()
        : Number.NaN;
  if (!Number.isFinite(n))
    throw new MongoError("TypeMismatch", `BSON field '${field}' is the wrong type '${typeName(v)}', expected a number`);
  if (n < 0) throw new MongoError("BadValue", `${field} value must be non-negative, but received: ${n}`);
  return Math.trunc(n);
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "double";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (v instanceof Date) return "date";
  return (v as { _bsontype?: string })._bsontype?.toLowerCase() ?? "object";
}

/** The collection named by the command's first field, or undefined if it does not exist (reads see nothing). */
export function existingCollection(ctx: CommandContext, name: string): Collection | undefined {
  validateCollectionName(name);
  return ctx.server.catalog.get(ctx.db, name);
}

export function readView(ctx: CommandContext, coll: Collection | undefined): CollectionData | undefined {
  return coll ? ctx.server.engine.read(coll, ctx.txn) : undefined;
}

/** A writer on the collection, creating it implicitly as mongod does for the first write. */
export function writerFor(ctx: CommandContext, name: string): { coll: Collection; writer: Writer } {
  validateCollectionName(name);
  const coll = ctx.server.catalog.ensure(ctx.db, name);
  return { coll, writer: ctx.server.engine.writer(coll, ctx.txn) };
}

/** The `ns` field of replies. */
export function namespace(ctx: CommandContext, name: string): string {
  return `${ctx.db}.${name}`;
}

/** Refuses options this server does not implement, instead of ignoring them. */
export function refuseOptions(cmd: Document, options: string[], what: string): void {
  for (const o of options) {
    if (cmd[o] !== undefined && cmd[o] !== null && cmd[o] !== false) {
      throw new MongoError("NotImplemented", `embedded-mongo does not support the '${o}' option of ${what}`);
    }
  }
}

export function refuseCollation(cmd: Document): void {
  const c = cmd.collation as Document | undefined;
  if (c && !(c.locale === "simple" && Object.keys(c).length === 1)) {
    throw new MongoError("NotImplemented", "embedded-mongo does not support collations other than { locale: 'simple' }");
  }
}

export type { Catalog, Collection, Engine, Transaction, Session, SessionRegistry, CursorRegistry };
