/**
 * insert, find, getMore, killCursors, update, delete, findAndModify, count, distinct.
 */
import { Long, ObjectId, type Document } from "bson";
import { DEFAULT_FIRST_BATCH, takeBatch } from "../cursors.js";
import { asMongoError, MongoError } from "../errors.js";
import { applyProjection, runFind, type FindSpec } from "../query/execute.js";
import { LockedByTransaction, type Writer } from "../storage/engine.js";
import { PersistenceFailure } from "../storage/health.js";
import { encodeValue, idKey } from "../storage/keys.js";
import { applyUpdate, buildUpsertDocument, checkIdFieldNames, validateUpdate } from "../update/apply.js";
import {
  existingCollection,
  namespace,
  optionalDocument,
  optionalNonNegative,
  readView,
  refuseCollation,
  refuseOptions,
  requireString,
  typeName,
  writerFor,
  type CommandContext,
  type Handler,
} from "./context.js";

/**
 * Runs a single write; if a transaction holds one of its documents, waits for it to end and tries again.
 * Synchronous unless it must wait: a command yields to others only here, and persists what it has
 * written before it does (see Engine.flush), so no other command sees a change that is not on disk.
 */
function withLockRetry<T>(ctx: CommandContext, fn: () => T): T | Promise<T> {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof LockedByTransaction)) throw err;
    ctx.server.engine.flush();
    return err.until.then(() => withLockRetry(ctx, fn));
  }
}

/** Continues with `fn` at once for a value, or after the promise for one that had to wait. */
function andThen<T>(value: T | Promise<T>, fn: (v: T) => void): void | Promise<void> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

function requireArray(cmd: Document, field: string): Document[] {
  const v = cmd[field];
  if (!Array.isArray(v))
    throw new MongoError("TypeMismatch", `BSON field '${field}' is the wrong type '${typeName(v)}', expected type 'array'`);
  return v as Document[];
}

/** `_id` first, generated when missing, and of a type MongoDB accepts. */
export function prepareForInsert(doc: Document): Document {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new MongoError("TypeMismatch", "document to insert must be an object");
  const id = doc._id;
  if (Array.isArray(id)) throw new MongoError("InvalidIdField", "The '_id' value cannot be of type array");
  if (id instanceof RegExp || (id as { _bsontype?: string } | null)?._bsontype === "BSONRegExp")
    throw new MongoError("InvalidIdField", "can't use a regex for _id");
  if (id === undefined) return { _id: new ObjectId(), ...doc };
  checkIdFieldNames(id);
  if (Object.keys(doc)[0] === "_id") return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

/**
 * Inside a transaction any error aborts it and goes back as the command's error, as mongod does; so
 * does a persistence failure, which is the store's and not the statement's.
 */
function collectWriteError(ctx: CommandContext, err: unknown, index: number, errors: Document[]): void {
  if (ctx.txn || err instanceof LockedByTransaction || err instanceof PersistenceFailure) throw err;
  const e = asMongoError(err);
  if (e.codeName === "WriteConflict") throw e;
  errors.push(e.toWriteError(index));
}

function writeReply(reply: Document, writeErrors: Document[]): Document {
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}

/**
 * Runs the statements of a write command in order: each one's error is a `writeErrors` entry and, for an
 * ordered batch, the end of the batch (inside a transaction it is the command's error instead). The
 * statements run without yielding (unless one waits for a transaction), and the changes are persisted
 * before the reply is built: a persistence failure fails the whole command.
 */
async function eachStatement(
  ctx: CommandContext,
  statements: Document[],
  run: (stmt: Document, index: number) => void | Promise<void>,
): Promise<Document[]> {
  const ordered = ctx.cmd.ordered !== false;
  const writeErrors: Document[] = [];
  for (let i = 0; i < statements.length; i++) {
    try {
      const waiting = run(statements[i], i);
      if (waiting) await waiting;
    } catch (err) {
      collectWriteError(ctx, err, i, writeErrors);
      if (ordered) break;
    }
  }
  ctx.server.engine.flush();
  return writeErrors;
}

const insert: Handler = async (ctx) => {
  const name = requireString(ctx.cmd, "insert");
  const docs = requireArray(ctx.cmd, "documents");
  const { writer } = writerFor(ctx, name);
  let n = 0;
  const writeErrors = await eachStatement(ctx, docs, (raw) => {
    const doc = prepareForInsert(raw);
    return andThen(
      withLockRetry(ctx, () => writer.insert(doc)),
      () => {
        n++;
      },
    );
  });
  return writeReply({ n }, writeErrors);
};

function findSpecOf(cmd: Document, filterField: string): FindSpec {
  return {
    filter: optionalDocument(cmd, filterField) ?? {},
    sort: optionalDocument(cmd, "sort"),
    projection: optionalDocument(cmd, "projection"),
    skip: optionalNonNegative(cmd, "skip"),
    limit: optionalNonNegative(cmd, "limit"),
    hint: cmd.hint,
  };
}

/** A cursor reply: the first batch now, the rest kept server-side for getMore. */
export function cursorReply(
  ctx: CommandContext,
  ns: string,
  iterator: Iterator<Document>,
  opts: { batchSize?: number; singleBatch?: boolean },
): Document {
  const source = { iterator, pending: undefined as Document | undefined, remaining: Number.POSITIVE_INFINITY };
  // batchSize 0 asks for an empty first batch and an open cursor (the work starts at getMore).
  const batch = opts.batchSize === 0 ? { docs: [], exhausted: false } : takeBatch(source, opts.batchSize ?? DEFAULT_FIRST_BATCH);
  let id = Long.ZERO;
  if (!batch.exhausted && !opts.singleBatch) {
    id = ctx.server.cursors.open(ns, iterator, source.pending, source.remaining, ctx.txn, ctx.session?.id).id;
  }
  return { cursor: { firstBatch: batch.docs, id, ns }, ok: 1 };
}

const find: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "find");
  refuseCollation(ctx.cmd);
  refuseOptions(ctx.cmd, ["tailable", "awaitData", "min", "max", "returnKey", "showRecordId", "oplogReplay"], "find");
  const spec = findSpecOf(ctx.cmd, "filter");
  const batchSize = optionalNonNegative(ctx.cmd, "batchSize");
  const data = readView(ctx, existingCollection(ctx, name));
  const ns = namespace(ctx, name);
  // Stable: the part of the result left in a cursor is not disturbed by later writes.
  const iterator = data ? runFind(data, spec, true) : [][Symbol.iterator]();
  const singleBatch = ctx.cmd.singleBatch === true;
  return cursorReply(ctx, ns, iterator, { batchSize, singleBatch });
};

const getMore: Handler = (ctx) => {
  const id = ctx.cmd.getMore;
  if (typeof id !== "number" && !(id instanceof Long)) throw new MongoError("TypeMismatch", "getMore cursor id must be a long");
  const collection = requireString(ctx.cmd, "collection");
  const ns = namespace(ctx, collection);
  const cursor = ctx.server.cursors.get(id, ns);
  if (cursor.txn !== ctx.txn) {
    throw new MongoError(
      "Unauthorized",
      "Cannot run getMore on a cursor in a transaction from outside it, or on a cursor opened outside from inside one",
    );
  }
  const batch = takeBatch(cursor, optionalNonNegative(ctx.cmd, "batchSize"));
  if (batch.exhausted) ctx.server.cursors.kill(cursor.id);
  return { cursor: { nextBatch: batch.docs, id: batch.exhausted ? Long.ZERO : cursor.id, ns }, ok: 1 };
};

const killCursors: Handler = (ctx) => {
  requireString(ctx.cmd, "killCursors");
  const ids = requireArray(ctx.cmd, "cursors") as unknown as (Long | number)[];
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const id of ids) (ctx.server.cursors.kill(id) ? killed : notFound).push(Long.fromValue(id));
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

interface UpdateOutcome {
  n: number;
  nModified: number;
  upsertedId?: unknown;
  before?: Document;
  after?: Document;
}

/** One update statement (also findAndModify's): matches first, then writes, so a write never re-matches. */
function updateStatement(writer: Writer, stmt: Document, single: { sort?: Document } | undefined): UpdateOutcome {
  const filter = optionalDocument(stmt, "q") ?? {};
  const u = stmt.u as Document | Document[];
  const arrayFilters = stmt.arrayFilters as Document[] | undefined;
  const kind = validateUpdate(u, arrayFilters);
  const multi = stmt.multi === true;
  if (multi && kind === "replacement") throw new MongoError("FailedToParse", "multi update is not supported for replacement-style update");
  refuseCollation(stmt);
  const variables = stmt.c as Document | undefined;
  const now = new Date();
  const matches = [...runFind(writer.data, { filter, sort: single?.sort, limit: multi ? 0 : 1, hint: stmt.hint })];
  if (matches.length === 0) {
    if (stmt.upsert !== true) return { n: 0, nModified: 0 };
    const doc = prepareForInsert(buildUpsertDocument(filter, u, { arrayFilters, now, variables }));
    writer.insert(doc);
    return { n: 1, nModified: 0, upsertedId: doc._id, after: doc };
  }
  const planned = matches.map((doc) => {
    const result = applyUpdate(doc, u, { arrayFilters, query: filter, now, variables });
    return { doc, idk: idKey(doc._id), updated: result.doc, modified: result.modified };
  });
  writer.assertUnlocked(planned.filter((p) => p.modified).map((p) => p.idk));
  let nModified = 0;
  for (const p of planned) {
    if (!p.modified) continue;
    writer.replace(p.idk, p.doc, p.updated);
    nModified++;
  }
  return { n: matches.length, nModified, before: planned[0].doc, after: planned[0].updated };
}

/**
 * The fields of an update statement in MongoDB 7.0 (the wire version this server reports). mongod's
 * parser refuses any other field before running anything, e.g. `sort`, which arrived in 8.0 and the
 * driver sends for updateOne/replaceOne with a sort option.
 */
const UPDATE_STATEMENT_FIELDS = new Set([
  "q",
  "u",
  "c",
  "arrayFilters",
  "hint",
  "multi",
  "upsert",
  "upsertSupplied",
  "collation",
  "sampleId",
  "$_allowShardKeyUpdatesWithoutFullShardKey",
]);

function checkUpdateStatementFields(statements: Document[]): void {
  for (const stmt of statements) {
    if (stmt === null || typeof stmt !== "object") continue; // the statement's own error, when it runs
    for (const field of Object.keys(stmt)) {
      if (!UPDATE_STATEMENT_FIELDS.has(field)) {
        throw new MongoError("Location40415", `BSON field 'update.updates.${field}' is an unknown field.`);
      }
    }
  }
}

const update: Handler = async (ctx) => {
  const name = requireString(ctx.cmd, "update");
  const statements = requireArray(ctx.cmd, "updates");
  checkUpdateStatementFields(statements);
  const { writer } = writerFor(ctx, name);
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = await eachStatement(ctx, statements, (stmt, i) =>
    andThen(
      withLockRetry(ctx, () => updateStatement(writer, stmt, undefined)),
      (out) => {
        n += out.n;
        nModified += out.nModified;
        if (out.upsertedId !== undefined) upserted.push({ index: i, _id: out.upsertedId });
      },
    ),
  );
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return writeReply(reply, writeErrors);
};

const del: Handler = async (ctx) => {
  const name = requireString(ctx.cmd, "delete");
  const statements = requireArray(ctx.cmd, "deletes");
  const { writer } = writerFor(ctx, name);
  let n = 0;
  const writeErrors = await eachStatement(ctx, statements, (stmt) => {
    const limit = stmt.limit;
    if (limit !== 0 && limit !== 1)
      throw new MongoError("FailedToParse", `The limit field in delete objects must be 0 or 1. Got ${String(limit)}`);
    refuseCollation(stmt);
    const removed = withLockRetry(ctx, () => {
      const matches = [...runFind(writer.data, { filter: optionalDocument(stmt, "q") ?? {}, limit, hint: stmt.hint })];
      const idks = matches.map((d) => idKey(d._id));
      writer.assertUnlocked(idks);
      for (let j = 0; j < matches.length; j++) writer.remove(idks[j], matches[j]);
      return matches.length;
    });
    return andThen(removed, (count) => {
      n += count;
    });
  });
  return writeReply({ n }, writeErrors);
};

const findAndModify: Handler = async (ctx) => {
  const name = requireString(ctx.cmd, ctx.name);
  const cmd = ctx.cmd;
  const remove = cmd.remove === true;
  const hasUpdate = cmd.update !== undefined;
  if (remove && hasUpdate) throw new MongoError("FailedToParse", "Cannot specify both an update and a remove=true");
  if (!remove && !hasUpdate) throw new MongoError("FailedToParse", "Either an update or remove=true must be specified");
  if (remove && cmd.new === true)
    throw new MongoError("FailedToParse", "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
  if (remove && cmd.upsert === true) throw new MongoError("FailedToParse", "Cannot specify both upsert=true and remove=true");
  refuseCollation(cmd);
  const fields = optionalDocument(cmd, "fields");
  const sort = optionalDocument(cmd, "sort");
  const query = optionalDocument(cmd, "query") ?? {};
  const { writer } = writerFor(ctx, name);
  const shape = (doc: Document | undefined | null) =>
    doc && fields && Object.keys(fields).length > 0 ? applyProjection(doc, fields, query) : (doc ?? null);
  const once = (): Document => {
    if (remove) {
      const [doc] = [...runFind(writer.data, { filter: query, sort, limit: 1, hint: cmd.hint })];
      if (!doc) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
      const idk = idKey(doc._id);
      writer.assertUnlocked([idk]);
      writer.remove(idk, doc);
      return { lastErrorObject: { n: 1 }, value: shape(doc), ok: 1 };
    }
    const out = updateStatement(
      writer,
      { q: query, u: cmd.update, upsert: cmd.upsert === true, multi: false, arrayFilters: cmd.arrayFilters, hint: cmd.hint, c: cmd.let },
      { sort },
    );
    const lastErrorObject: Document = { n: out.n, updatedExisting: out.upsertedId === undefined && out.n > 0 };
    if (out.upsertedId !== undefined) lastErrorObject.upserted = out.upsertedId;
    const value = cmd.new === true ? out.after : out.upsertedId !== undefined ? null : out.before;
    return { lastErrorObject, value: shape(value), ok: 1 };
  };
  return withLockRetry(ctx, () => {
    const reply = once();
    ctx.server.engine.flush();
    return reply;
  });
};

const count: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "count");
  refuseCollation(ctx.cmd);
  const data = readView(ctx, existingCollection(ctx, name));
  if (!data) return { n: 0, ok: 1 };
  const query = optionalDocument(ctx.cmd, "query") ?? {};
  const skip = optionalNonNegative(ctx.cmd, "skip") ?? 0;
  const limitRaw = ctx.cmd.limit;
  const limit = typeof limitRaw === "number" ? Math.abs(limitRaw) : 0;
  if (Object.keys(query).length === 0 && ctx.cmd.hint === undefined) {
    const total = Math.max(0, data.size - skip);
    return { n: limit > 0 ? Math.min(limit, total) : total, ok: 1 };
  }
  let n = 0;
  for (const _ of runFind(data, { filter: query, skip, limit, hint: ctx.cmd.hint })) n++;
  return { n, ok: 1 };
};

const distinct: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "distinct");
  const key = requireString(ctx.cmd, "key");
  refuseCollation(ctx.cmd);
  const data = readView(ctx, existingCollection(ctx, name));
  const values = new Map<string, unknown>();
  if (data) {
    const parts = key.split(".");
    for (const doc of runFind(data, { filter: optionalDocument(ctx.cmd, "query") ?? {}, hint: ctx.cmd.hint })) {
      for (const v of valuesAt(doc, parts, 0)) values.set(encodeValue(v), v);
    }
  }
  const sorted = [...values.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  return { values: sorted, ok: 1 };
};

/** distinct's view of a path: arrays are unwound one level, as mongod does. */
function valuesAt(value: unknown, parts: string[], i: number): unknown[] {
  if (i === parts.length) return Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((el) => (el !== null && typeof el === "object" ? valuesAt(el, parts, i) : []));
  if (value === null || typeof value !== "object") return [];
  return valuesAt((value as Document)[parts[i]], parts, i + 1);
}

export const crudHandlers: Record<string, Handler> = {
  insert,
  find,
  getMore,
  killCursors,
  update,
  delete: del,
  findAndModify,
  findandmodify: findAndModify,
  count,
  distinct,
};
