/** Renders values the way mongod's error messages do: `{ email: "a@x", n: 1 }`. */
import type { Document } from "bson";

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(", ")} ]`;
  if (typeof v === "object") {
    const t = (v as { _bsontype?: string })._bsontype;
    if (t === "ObjectId") return `ObjectId('${String(v)}')`;
    if (t) return String(v);
    return formatDocument(v as Document);
  }
  return String(v);
}

export function formatDocument(doc: Document): string {
  const entries = Object.entries(doc);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${k}: ${formatValue(v)}`).join(", ")} }`;
}
