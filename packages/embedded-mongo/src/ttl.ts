/**
 * The TTL monitor: like mongod's, it wakes on an interval and deletes documents whose indexed date
 * (the earliest one, for an array) is older than the index's expireAfterSeconds.
 */
import type { Document } from "bson";
import type { Logger } from "pino";
import type { Catalog } from "./storage/catalog.js";
import { LockedByTransaction, type Engine } from "./storage/engine.js";
import { encodeValue, Tag } from "./storage/keys.js";
import { idKey } from "./storage/keys.js";

function earliestDate(doc: Document, path: string[]): Date | undefined {
  let values: unknown[] = [doc];
  for (const part of path) {
    values = values.flatMap((v) => {
      if (Array.isArray(v)) return v.map((el) => (el && typeof el === "object" ? (el as Document)[part] : undefined));
      return v && typeof v === "object" ? [(v as Document)[part]] : [];
    });
  }
  const dates = values.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is Date => v instanceof Date);
  if (dates.length === 0) return undefined;
  return dates.reduce((a, b) => (a.getTime() <= b.getTime() ? a : b));
}

export function deleteExpired(catalog: Catalog, engine: Engine, now = new Date()): number {
  let deleted = 0;
  for (const coll of catalog.allCollections()) {
    for (const ix of coll.data.indexes.values()) {
      const spec = ix.compiled.spec;
      if (spec.expireAfterSeconds === undefined) continue;
      const path = spec.fields[0].path.split(".");
      const cutoff = now.getTime() - spec.expireAfterSeconds * 1000;
      // Dates are one type bracket of the index: scan it from the oldest up to the cutoff.
      const low = spec.fields[0].direction === 1 ? Tag.Date : undefined;
      const expired: Document[] = [];
      if (low) {
        const high = encodeValue(new Date(cutoff));
        for (const [key, idk] of ix.tree.entries(low)) {
          if (key >= high || key[0] !== Tag.Date) break;
          const doc = coll.data.get(idk);
          if (doc) expired.push(doc);
        }
      } else {
        for (const [, rec] of coll.data.docs.entries()) {
          const d = earliestDate(rec.doc, path);
          if (d && d.getTime() < cutoff) expired.push(rec.doc);
        }
      }
      const writer = engine.writer(coll);
      const seen = new Set<string>();
      for (const doc of expired) {
        const k = idKey(doc._id);
        if (seen.has(k)) continue;
        seen.add(k);
        const d = earliestDate(doc, path);
        if (!d || d.getTime() >= cutoff) continue;
        try {
          writer.remove(k, doc);
          deleted++;
        } catch (err) {
          if (!(err instanceof LockedByTransaction)) throw err; // held by a transaction: next round
        }
      }
    }
  }
  engine.flush();
  return deleted;
}

export function startTtlMonitor(catalog: Catalog, engine: Engine, intervalMs: number, log: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    try {
      const n = deleteExpired(catalog, engine);
      if (n > 0) log.debug({ deleted: n }, "ttl monitor deleted expired documents");
    } catch (err) {
      log.error({ err }, "ttl monitor failed");
    }
  }, intervalMs);
  timer.unref();
  return timer;
}
