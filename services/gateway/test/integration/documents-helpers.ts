/**
 * Shared by the documents tests: problem checks, files as bytes (PDF-shaped, so the service's sniffing
 * takes them), and raw HTTP for uploads and downloads (the harness's `http` speaks JSON text).
 */
import { createHash } from "node:crypto";
import type { HttpAnswer, SystemHarness } from "../harness.js";

export { expectProblem, expectViolation } from "../problems.js";

/** A value of a JSON answer, as loosely typed as the harness's answers. */
export type Json = HttpAnswer["json"];

/** A PDF-shaped file of about `size` bytes, its body varied by `seed` (binary, not only text). */
export function pdf(size: number, seed = 1): Buffer {
  const head = Buffer.from("%PDF-1.7\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\nstream\n", "latin1");
  const tail = Buffer.from("\nendstream\ntrailer << /Root 1 0 R >>\n%%EOF\n", "latin1");
  const body = Buffer.alloc(Math.max(0, size - head.length - tail.length));
  let x = seed * 2654435761;
  for (let i = 0; i < body.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    body[i] = x >>> 24;
  }
  return Buffer.concat([head, body, tail]);
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  /** Parsed when the answer is JSON (problem+json included). */
  json: Json;
}

/** Any request with a body of bytes (or a stream) as `person`, answered as bytes. */
export async function raw(
  sys: SystemHarness,
  method: string,
  url: string,
  o: { as?: string; body?: Buffer | ReadableStream<Uint8Array>; headers?: Record<string, string>; token?: string } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...o.headers };
  const token = o.token ?? (o.as ? await sys.token(o.as) : undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  const init: RequestInit & { duplex?: "half" } = { method, headers, body: o.body as BodyInit | undefined };
  if (o.body && !Buffer.isBuffer(o.body)) init.duplex = "half";
  const res = await fetch(new URL(url, sys.gateway.url), init);
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get("content-type") ?? "";
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    json: type.includes("json") && bytes.length ? JSON.parse(bytes.toString("utf8")) : undefined,
  };
}

/** Uploads `bytes` as a new version of draft `id`. */
export function upload(
  sys: SystemHarness,
  as: string,
  id: string,
  bytes: Buffer,
  o: { fileName?: string; type?: string; headers?: Record<string, string> } = {},
) {
  const query = o.fileName === undefined ? "" : `?fileName=${encodeURIComponent(o.fileName)}`;
  return raw(sys, "POST", `/v1/documents/${encodeURIComponent(id)}/versions${query}`, {
    as,
    body: bytes,
    // type "": no Content-Type at all
    headers: { ...(o.type === "" ? {} : { "content-type": o.type ?? "application/pdf" }), ...o.headers },
  });
}
