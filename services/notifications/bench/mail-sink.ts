/**
 * The bench's SMTP server, a process of its own (run by bench/run.ts): @ministry/mail-sink on a free port,
 * in memory (the bench counts messages; it does not read them). Prints {"ready": {"port": n}} once it
 * listens; for every line {"waitFor": n} on stdin, prints {"reached": {"n": n, "at": <epoch ms>}} the
 * moment the n-th message since the start is accepted. Stops on SIGTERM.
 */
import { createInterface } from "node:readline";
import { startMailSink } from "@ministry/mail-sink";

// Only the count matters: keep none of the messages around.
const sink = await startMailSink({ port: 0, host: "127.0.0.1", keep: 0 });
process.stdout.write(`${JSON.stringify({ ready: { port: sink.port } })}\n`);
process.once("SIGTERM", () => {
  void sink.close().finally(() => process.exit(0));
});

const WAIT_MS = 15 * 60_000;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { waitFor } = JSON.parse(line) as { waitFor: number };
  sink.waitFor(waitFor, WAIT_MS).then(
    () => process.stdout.write(`${JSON.stringify({ reached: { n: waitFor, at: Date.now() } })}\n`),
    (err: Error) => process.stdout.write(`${JSON.stringify({ reached: { n: waitFor, error: err.message, received: sink.received } })}\n`),
  );
}
