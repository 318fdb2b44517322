/**
 * The ops page's files: an HTML shell, its script and its styles, public (a browser cannot send a bearer
 * header on navigation). The script reads the operator's token from localStorage and calls /v1/ops/*,
 * where the role is checked. Read once at start; the content security policy allows only these
 * same-origin files (no inline script).
 */
import fs from "node:fs";
import type { FastifyInstance } from "fastify";

const file = (name: string) => fs.readFileSync(new URL(`../../public/ops/${name}`, import.meta.url), "utf8");

const FILES: [string, string, string][] = [
  ["/ops/ops.js", "ops.js", "text/javascript; charset=utf-8"],
  ["/ops/charts.js", "charts.js", "text/javascript; charset=utf-8"],
  ["/ops/ops.css", "ops.css", "text/css; charset=utf-8"],
];

export function registerOpsPage(app: FastifyInstance): void {
  const html = file("index.html");
  const send = (type: string, body: string) => (_req: unknown, reply: import("fastify").FastifyReply) =>
    reply.header("content-type", type).header("cache-control", "no-cache").send(body);
  app.get("/ops", { schema: { hide: true }, config: { public: true } }, send("text/html; charset=utf-8", html));
  for (const [path, name, type] of FILES) app.get(path, { schema: { hide: true }, config: { public: true } }, send(type, file(name)));
}
