import net from "node:net";
import { Writable } from "node:stream";
import { Metadata, type CallOptions, type ServiceError } from "@grpc/grpc-js";
import { expect } from "vitest";
import { createLogger, type Logger } from "../../src/logger.js";

export type LogLine = Record<string, unknown>;

export function captureLogs(level = "debug"): { lines: LogLine[]; log: Logger } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { lines, log: createLogger("grpc-test", level, stream) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** Promisified unary call on a ts-proto grpc-js client method (bound). */
export function unary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: Partial<CallOptions> = {},
  metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, options, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export async function expectCode(promise: Promise<unknown>, code: number): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    expect((err as ServiceError).code, `expected status ${code}, got ${(err as ServiceError).code}: ${(err as ServiceError).details}`).toBe(
      code,
    );
    return err as ServiceError;
  }
  throw new Error(`expected the call to fail with status ${code}, it succeeded`);
}

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (log lines and spans land just after the status is sent). */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 3_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("condition not met in time");
    await sleep(10);
  }
}
