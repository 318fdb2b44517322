import { update } from "mingo";
import type { Document } from "bson";
export function classifyUpdate(u: unknown) { return Array.isArray(u) ? "pipeline" : Object.keys(u as object)[0]?.startsWith("$") ? "operators" : "replacement"; }
export function applyUpdate(doc: Document, u: any, opts: any) { const c = structuredClone(doc); const ch = update(c, u, opts.arrayFilters, opts.query); return { doc: c, modified: ch.length > 0 }; }
export function buildUpsertDocument(filter: Document, u: any, opts: any) { const c: any = {}; for (const [k,v] of Object.entries(filter)) if (!k.startsWith("$")) c[k]=v; update(c, u); return c; }
