/**
 * The registration driver of bench/run.ts, a process of its own: the Office's clerk receives and registers
 * incoming documents through the API (ReceiveDocument, then RegisterDocument with the version it got),
 * `inFlight` documents at a time, each call timed on its own. Failed calls are counted by code, never
 * retried: the arrival numbers handed out are what the bench verifies.
 *
 *   tsx bench/register.ts <job file: {address, token, inFlight, deadlineMs, docs: IncomingDoc[]}>
 *
 * Prints {"ready": true}, then {"progress": n} now and then, then {"result": RegisterResult}.
 */
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import {
  DocumentServiceClient,
  type ReceiveDocumentRequest,
  type ReceiveDocumentResponse,
  type RegisterDocumentRequest,
  type RegisterDocumentResponse,
  Secrecy,
  Urgency,
} from "@ministry/proto/ministry/documents/v1/documents";
import type { IncomingDoc } from "./corpus.js";

export interface RegisterJob {
  address: string;
  token: string;
  inFlight: number;
  deadlineMs: number;
  docs: IncomingDoc[];
}

export interface CallStats {
  n: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface RegisterResult {
  documents: number;
  seconds: number;
  /** Documents received and registered per second (two calls each). */
  documents_per_sec: number;
  calls_per_sec: number;
  receive: CallStats;
  register: CallStats;
  errors: number;
  errors_by_code: Record<string, number>;
  /** The arrival numbers RegisterDocument answered, in the order the answers came. */
  arrivals: number[];
  /** One document's id, for the reads. */
  sample_id: string;
}

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as RegisterJob;
const client = new DocumentServiceClient(job.address, grpc.credentials.createInsecure());
const md = new grpc.Metadata();
md.set("authorization", `Bearer ${job.token}`);

function unary<Req, Res>(
  method: (req: Req, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
) {
  return (req: Req) =>
    new Promise<Res>((resolve, reject) =>
      method.call(client, req, md, { deadline: Date.now() + job.deadlineMs }, (err, res) => (err ? reject(err) : resolve(res))),
    );
}
const receive = unary<ReceiveDocumentRequest, ReceiveDocumentResponse>(client.receiveDocument);
const register = unary<RegisterDocumentRequest, RegisterDocumentResponse>(client.registerDocument);

const stats = (xs: number[]): CallStats => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? Number(s[Math.floor((s.length - 1) * p)].toFixed(2)) : 0);
  return { n: s.length, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: at(1) };
};

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const receiveMs: number[] = [];
const registerMs: number[] = [];
const arrivals: number[] = [];
const errorsByCode: Record<string, number> = {};
let errors = 0;
let sampleId = "";
let next = 0;
let done = 0;
const failed = (err: unknown) => {
  errors++;
  const code = grpc.status[(err as grpc.ServiceError).code] ?? "UNKNOWN";
  errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
  if (errors <= 3) process.stderr.write(`register: ${(err as Error).message}\n`);
};
const started = performance.now();
await Promise.all(
  Array.from({ length: Math.max(1, job.inFlight) }, async () => {
    while (next < job.docs.length) {
      const i = next++;
      const d = job.docs[i];
      let t = performance.now();
      try {
        const received = await receive({
          requestId: `bench-receive-${i}`,
          type: d.type,
          number: d.number,
          sender: d.sender,
          issuedDate: new Date(d.issuedDate),
          summary: d.summary,
          urgency: d.urgent ? Urgency.URGENCY_URGENT : Urgency.URGENCY_NORMAL,
          secrecy: Secrecy.SECRECY_NONE,
          due: undefined,
        });
        receiveMs.push(performance.now() - t);
        const doc = received.document;
        t = performance.now();
        const registered = await register({ requestId: `bench-register-${i}`, id: doc?.id ?? "", expectedVersion: doc?.version });
        registerMs.push(performance.now() - t);
        arrivals.push(registered.document?.arrivalNumber ?? 0);
        if (i === Math.floor(job.docs.length / 2)) sampleId = doc?.id ?? "";
      } catch (err) {
        failed(err);
      }
      if (++done % 1000 === 0) process.stdout.write(`${JSON.stringify({ progress: done })}\n`);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
client.close();
const result: RegisterResult = {
  documents: arrivals.length,
  seconds: Number(seconds.toFixed(1)),
  documents_per_sec: Math.round(arrivals.length / seconds),
  calls_per_sec: Math.round((receiveMs.length + registerMs.length) / seconds),
  receive: stats(receiveMs),
  register: stats(registerMs),
  errors,
  errors_by_code: errorsByCode,
  arrivals,
  sample_id: sampleId,
};
process.stdout.write(`${JSON.stringify({ result })}\n`);
