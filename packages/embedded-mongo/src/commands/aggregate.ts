/** aggregate, on a collection or (with `aggregate: 1` and $documents) on nothing. */
import type { Document } from "bson";
import { MongoError } from "../errors.js";
import type { CollectionData } from "../storage/collection-data.js";
import { runAggregate } from "../query/execute.js";
import { cursorReply } from "./crud.js";
import { existingCollection, namespace, readView, refuseCollation, type CommandContext, type Handler } from "./context.js";

/** Other collections of the same database, as the command's view sees them ($lookup, $unionWith). */
function resolverFor(ctx: CommandContext): (name: string) => Document[] {
  return (name) => {
    const data = readView(ctx, ctx.server.catalog.get(ctx.db, name));
    return data ? [...data.naturalOrder()] : [];
  };
}

const aggregate: Handler = (ctx) => {
  const target = ctx.cmd.aggregate;
  refuseCollation(ctx.cmd);
  if (ctx.cmd.explain === true) throw new MongoError("NotImplemented", "embedded-mongo does not support explain");
  const cursorOpt = ctx.cmd.cursor as Document | undefined;
  if (!cursorOpt || typeof cursorOpt !== "object") {
    throw new MongoError("FailedToParse", "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const pipeline = ctx.cmd.pipeline as Document[];
  let data: CollectionData | undefined;
  let ns: string;
  if (target === 1) {
    ns = `${ctx.db}.$cmd.aggregate`;
  } else if (typeof target === "string") {
    data = readView(ctx, existingCollection(ctx, target))?.clone();
    ns = namespace(ctx, target);
  } else {
    throw new MongoError("TypeMismatch", "aggregate must be a collection name or 1");
  }
  const iterator = runAggregate(data, { pipeline, variables: ctx.cmd.let as Document | undefined, resolve: resolverFor(ctx) });
  return cursorReply(ctx, ns, iterator, { batchSize: cursorOpt.batchSize as number | undefined });
};

export const aggregateHandlers: Record<string, Handler> = { aggregate };
