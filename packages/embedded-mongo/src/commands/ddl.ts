/**
 * Collections and indexes: create, drop, dropDatabase, renameCollection, listCollections,
 * createIndexes, listIndexes, dropIndexes.
 */
import { type Binary, UUID, type Document } from "bson";
import { Query } from "mingo";
import { MongoError } from "../errors.js";
import { indexKeysMatch } from "../storage/index-spec.js";
import type { Collection } from "../storage/catalog.js";
import { cursorReply } from "./crud.js";
import { existingCollection, namespace, optionalDocument, requireString, type CommandContext, type Handler } from "./context.js";

/** Stable per-collection UUID derived from its persistent id (listCollections' info.uuid). */
function collectionUuid(c: Collection): Binary {
  const hex = c.id.toString(16).padStart(32, "0");
  return new UUID(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`);
}

const create: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "create");
  ctx.server.catalog.create(ctx.db, name, ctx.cmd);
  return { ok: 1 };
};

const drop: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "drop");
  const coll = existingCollection(ctx, name);
  if (!coll) return { ok: 1 }; // mongod 7 answers a drop of a missing collection with ok
  const nIndexesWas = coll.data.indexes.size + 1;
  ctx.server.catalog.drop(ctx.db, name);
  return { nIndexesWas, ns: namespace(ctx, name), ok: 1 };
};

const dropDatabase: Handler = (ctx) => {
  ctx.server.catalog.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
};

const renameCollection: Handler = (ctx) => {
  if (ctx.db !== "admin") throw new MongoError("Unauthorized", "renameCollection may only be run against the admin database.");
  const from = requireString(ctx.cmd, "renameCollection");
  const to = requireString(ctx.cmd, "to");
  const [fromDb, ...fromRest] = from.split(".");
  const [toDb, ...toRest] = to.split(".");
  const source = ctx.server.catalog.get(fromDb, fromRest.join("."));
  if (!source) throw new MongoError("NamespaceNotFound", `Source collection ${from} does not exist`);
  ctx.server.catalog.rename(source, toDb, toRest.join("."), ctx.cmd.dropTarget === true);
  return { ok: 1 };
};

const listCollections: Handler = (ctx) => {
  const filter = optionalDocument(ctx.cmd, "filter") ?? {};
  const nameOnly = ctx.cmd.nameOnly === true;
  const query = new Query(filter, {});
  const entries: Document[] = [];
  for (const c of ctx.server.catalog.collections(ctx.db)) {
    const full: Document = {
      name: c.name,
      type: "collection",
      options: {},
      info: { readOnly: false, uuid: collectionUuid(c) },
      idIndex: { v: 2, key: { _id: 1 }, name: "_id_" },
    };
    if (!query.test(full)) continue;
    entries.push(nameOnly ? { name: c.name, type: "collection" } : full);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  const batchSize = (ctx.cmd.cursor as Document | undefined)?.batchSize as number | undefined;
  return cursorReply(ctx, `${ctx.db}.$cmd.listCollections`, entries[Symbol.iterator](), { batchSize });
};

const createIndexes: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "createIndexes");
  const indexes = ctx.cmd.indexes;
  if (!Array.isArray(indexes) || indexes.length === 0) throw new MongoError("BadValue", "Must specify at least one index to create");
  const existed = existingCollection(ctx, name) !== undefined;
  const coll = ctx.server.catalog.ensure(ctx.db, name);
  try {
    const { before, after, note } = ctx.server.catalog.createIndexes(coll, indexes as Document[]);
    const reply: Document = { numIndexesBefore: before, numIndexesAfter: after, createdCollectionAutomatically: !existed };
    if (note) reply.note = note;
    reply.ok = 1;
    return reply;
  } catch (err) {
    if (!existed) ctx.server.catalog.drop(ctx.db, name);
    throw err;
  }
};

const listIndexes: Handler = (ctx) => {
  const name = requireString(ctx.cmd, "listIndexes");
  const coll = existingCollection(ctx, name);
  if (!coll) throw new MongoError("NamespaceNotFound", `ns does not exist: ${namespace(ctx, name)}`);
  const defs: Document[] = [{ v: 2, key: { _id: 1 }, name: "_id_" }, ...coll.indexSpecs().map((s) => s.definition)];
  const batchSize = (ctx.cmd.cursor as Document | undefined)?.batchSize as number | undefined;
  return cursorReply(ctx, namespace(ctx, name), defs[Symbol.iterator](), { batchSize });
};

const dropIndexes: Handler = (ctx) => {
  const name = requireString(ctx.cmd, ctx.name);
  const coll = existingCollection(ctx, name);
  if (!coll) throw new MongoError("NamespaceNotFound", `ns not found ${namespace(ctx, name)}`);
  const target = ctx.cmd.index;
  const nIndexesWas = coll.data.indexes.size + 1;
  const names: string[] = [];
  if (target === "*") names.push(...coll.data.indexes.keys());
  else if (typeof target === "string") names.push(target);
  else if (Array.isArray(target)) names.push(...(target as string[]));
  else if (target && typeof target === "object") {
    const match = coll.indexSpecs().filter((s) => indexKeysMatch(s, target as Document));
    if (match.length === 0) throw new MongoError("IndexNotFound", `can't find index with key: ${JSON.stringify(target)}`);
    names.push(match[0].name);
  } else {
    throw new MongoError("TypeMismatch", "index must be a string, an array of strings or a key pattern");
  }
  for (const n of names) {
    if (n === "_id_") throw new MongoError("InvalidOptions", "cannot drop _id index");
    if (!coll.data.indexes.has(n)) throw new MongoError("IndexNotFound", `index not found with name [${n}]`);
  }
  for (const n of names) ctx.server.catalog.dropIndex(coll, n);
  return { nIndexesWas, ok: 1 };
};

export const ddlHandlers: Record<string, Handler> = {
  create,
  drop,
  dropDatabase,
  renameCollection,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
};

export type { CommandContext };
