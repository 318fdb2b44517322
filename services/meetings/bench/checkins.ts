/**
 * The check-in driver of bench/run.ts, a process of its own: CheckIn calls over one gRPC channel, each
 * with its caller's token, in one of two shapes:
 *
 *   closed  every call of the job, `inFlight` at a time (people arriving faster than the service answers);
 *   open    call i is due at start + i / rate, sent when due whatever the calls before it are doing, so a
 *           slow service meets the same arrivals and its queue shows in the latency (measured from when the
 *           call was due, not when it could be sent: no coordinated omission).
 *
 * A failed call is counted and sampled, never retried: the figure says how many failed and how.
 *
 *   tsx bench/checkins.ts <job file>     (the job: CheckInJob below, as JSON)
 *
 * Prints {"ready": true} once the channel is connected, then {"result": CheckInResult} and ends.
 */
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { type CheckInRequest, type CheckInResponse, DeviceKind, MeetingServiceClient } from "@ministry/proto/ministry/meetings/v1/meetings";

export interface CheckInJob {
  address: string;
  meetingId: string;
  mode: "closed" | "open";
  /** closed: calls in flight. */
  inFlight?: number;
  /** open: calls due per second. */
  rate?: number;
  /** The callers' bearer tokens; each call names one by index. */
  tokens: string[];
  /** personId "" checks the caller in (at his or her planned site when siteId is "" too). */
  calls: { token: number; personId: string; siteId: string }[];
  /** Each call's deadline. */
  deadlineMs: number;
}

export interface CheckInResult {
  n: number;
  ok: number;
  errors: number;
  /** The first few failures' codes and messages, and a count per code. */
  error_samples: string[];
  errors_by_code: Record<string, number>;
  /** Answered already_present (a retry, or someone recorded before). */
  already_present: number;
  offered_per_sec?: number;
  /** Calls answered (successfully) per second, from the first call's start to the last answer. */
  achieved_per_sec: number;
  elapsed_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** open: the most calls outstanding at once, and how late the driver sent a call past its due time. */
  max_in_flight: number;
  max_send_lag_ms: number;
}

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as CheckInJob;
const client = new MeetingServiceClient(job.address, grpc.credentials.createInsecure());
const metadata = job.tokens.map((t) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${t}`);
  return md;
});

await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 30_000, (err) => (err ? reject(err) : resolve())));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

const latencies: number[] = [];
const samples: string[] = [];
const byCode: Record<string, number> = {};
let ok = 0;
let already = 0;
let outstanding = 0;
let maxOutstanding = 0;
let lastAnswer = 0;

function checkIn(i: number, dueAt: number): Promise<void> {
  const c = job.calls[i];
  const request: CheckInRequest = {
    requestId: "",
    meetingId: job.meetingId,
    personId: c.personId,
    siteId: c.siteId,
    device: DeviceKind.DEVICE_KIND_UNSPECIFIED,
  };
  outstanding++;
  if (outstanding > maxOutstanding) maxOutstanding = outstanding;
  return new Promise<void>((resolve) => {
    client.checkIn(
      request,
      metadata[c.token],
      { deadline: Date.now() + job.deadlineMs },
      (err: grpc.ServiceError | null, res?: CheckInResponse) => {
        const now = performance.now();
        outstanding--;
        lastAnswer = now;
        latencies.push(now - dueAt);
        if (err) {
          const code = grpc.status[err.code] ?? String(err.code);
          byCode[code] = (byCode[code] ?? 0) + 1;
          if (samples.length < 5)
            samples.push(`${code}: ${err.details || err.message} (person ${c.personId || "(self)"}, site ${c.siteId || "(planned)"})`);
        } else {
          ok++;
          if (res?.alreadyPresent) already++;
        }
        resolve();
      },
    );
  });
}

const n = job.calls.length;
const started = performance.now();
let maxLag = 0;
if (job.mode === "closed") {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, job.inFlight ?? 1) }, async () => {
      while (next < n) await checkIn(next++, performance.now());
    }),
  );
} else {
  const rate = job.rate ?? 1;
  const dueAt = (i: number) => started + (i * 1000) / rate;
  const pending: Promise<void>[] = [];
  let next = 0;
  while (next < n) {
    const now = performance.now();
    while (next < n && dueAt(next) <= now) {
      maxLag = Math.max(maxLag, now - dueAt(next));
      pending.push(checkIn(next, dueAt(next)));
      next++;
    }
    if (next < n) await new Promise((r) => setTimeout(r, Math.max(0, dueAt(next) - performance.now())));
  }
  await Promise.all(pending);
}
client.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? Number(latencies[Math.floor((latencies.length - 1) * p)].toFixed(1)) : 0);
const elapsed = ((lastAnswer || performance.now()) - started) / 1000;
const result: CheckInResult = {
  n,
  ok,
  errors: n - ok,
  error_samples: samples,
  errors_by_code: byCode,
  already_present: already,
  ...(job.mode === "open" ? { offered_per_sec: job.rate } : {}),
  achieved_per_sec: Number((ok / elapsed).toFixed(1)),
  elapsed_s: Number(elapsed.toFixed(2)),
  p50_ms: pct(0.5),
  p99_ms: pct(0.99),
  max_ms: pct(1),
  max_in_flight: maxOutstanding,
  max_send_lag_ms: Number(maxLag.toFixed(1)),
};
process.stdout.write(`${JSON.stringify({ result })}\n`);
