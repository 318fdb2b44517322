/**
 * The HTTP floor of bench/run.ts, a process of its own: bare fastify (no auth, no validation, no gRPC,
 * no plugins) answering the gateway's two benchmarked routes with fixed bodies, the very bytes the
 * gateway answered in the same run. What is left is what any fastify route costs: HTTP parsing, the
 * router, a JSON body parsed (POST), the answer written.
 *
 *   tsx bench/bare-http.ts <file with {"list": "<GET /v1/tasks answer>", "progress": "<POST …/progress answer>"}>
 *
 * Prints {"ready": {"port": n}} once it listens on 127.0.0.1; stops on SIGTERM.
 */
import fs from "node:fs";
import Fastify from "fastify";

const bodies = JSON.parse(fs.readFileSync(process.argv[2] ?? "", "utf8")) as { list: string; progress: string };
const app = Fastify({ logger: false });
app.get("/v1/tasks", async (_req, reply) => reply.type("application/json; charset=utf-8").send(bodies.list));
app.post("/v1/tasks/:id/progress", async (req, reply) => {
  // The body is parsed as the gateway's is; a request without one is as wrong here as there.
  if (typeof req.body !== "object" || req.body === null) return reply.code(400).send({ error: "body" });
  return reply.type("application/json; charset=utf-8").send(bodies.progress);
});
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ ready: { port: typeof address === "object" && address ? address.port : 0 } })}\n`);
process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
