/**
 * The tasks service started for a test file: its own nats-server, the embedded MongoDB (started by the
 * platform when MONGODB_URI is unset), real gRPC over loopback, a test clock, tokens from the local
 * authority for any role and unit, and every event the service publishes collected off NATS.
 */
import { createClient, ManualClock, startService, type IdentityClaims, type RunningService } from "@ministry/platform";
import { startNatsServer, until, type NatsServerHandle, type SpanExporter } from "@ministry/platform/testing";
import { ProgrammeServiceClient, ProgrammeStatus, ReportServiceClient, TaskServiceClient } from "@ministry/proto/ministry/tasks/v1/tasks";
import type { ProtoCodec } from "@ministry/platform";
import { tasksService, type TasksRuntime } from "../../src/service.js";

export interface CollectedEvent {
  subject: string;
  id: string;
  aggregateId: string;
  body: Uint8Array;
}

export interface TasksHarness {
  svc: RunningService;
  runtime: TasksRuntime;
  nats: NatsServerHandle;
  clock: ManualClock;
  events: CollectedEvent[];
  token(claims: Partial<IdentityClaims> & { roles: string[] }): Promise<string>;
  clients(claims: Partial<IdentityClaims> & { roles: string[] }): Promise<{
    programmes: Promised<ProgrammeServiceClient>;
    tasks: Promised<TaskServiceClient>;
    reports: Promised<ReportServiceClient>;
  }>;
  /** Events of one subject, decoded. */
  eventsOf<T>(subject: string, codec: ProtoCodec<T>): { id: string; aggregateId: string; data: T }[];
  /**
   * The events the service committed about an aggregate, in publishing order ("created", "due_soon"...):
   * the outbox, written in the transaction of the change, so complete as soon as the call that made the
   * change has returned — what a test asserts "nothing else was published" on.
   */
  committed(aggregateId: string): Promise<string[]>;
  /** Resolves once `probe` returns a value (polling), or fails after the timeout. */
  until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function startTasksHarness(
  opts: { env?: Record<string, string>; clock?: ManualClock; spanExporter?: SpanExporter } = {},
): Promise<TasksHarness> {
  const nats = await startNatsServer();
  const clock = opts.clock ?? new ManualClock("2020-03-30T03:00:00Z");
  let runtime: TasksRuntime | undefined;
  const svc = await startService(
    tasksService((r) => {
      runtime = r;
    }),
    {
      clock,
      spanExporter: opts.spanExporter,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        LOG_LEVEL: "warn",
        MONGODB_URI: undefined,
        GRPC_PORT: "0",
        ADMIN_PORT: "0",
        // The platform lets only a development run use the embedded store and the local signing authority.
        DEV_MODE: "true",
        // Tests drive the watch by hand (runOnce) unless they ask for the timer.
        DEADLINE_WATCH_INTERVAL_MS: "3600000",
        ...opts.env,
      },
    },
  );
  const events: CollectedEvent[] = [];
  const sub = svc.ctx.bus.nc.subscribe("tasks.>", {
    callback: (_err, msg) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of msg.headers ?? []) headers[k.toLowerCase()] = v[0];
      events.push({ subject: msg.subject, id: headers["ce-id"] ?? "", aggregateId: headers["ce-subject"] ?? "", body: msg.data });
    },
  });
  await svc.ctx.bus.nc.flush();
  const authority = svc.ctx.authority!;
  const open: { close(): void }[] = [];

  const harness: TasksHarness = {
    svc,
    runtime: runtime!,
    nats,
    clock,
    events,
    token: (claims) =>
      authority.issueToken({
        sub: claims.sub ?? `u-${claims.roles.join("-")}-${claims.unit ?? "none"}`,
        name: claims.name ?? "Người dùng thử",
        ...claims,
      }),
    async clients(claims) {
      const token = await harness.token(claims);
      const options = { log: svc.ctx.log, token: () => token };
      const raw = [
        createClient(ProgrammeServiceClient, svc.grpc.address, options),
        createClient(TaskServiceClient, svc.grpc.address, options),
        createClient(ReportServiceClient, svc.grpc.address, options),
      ] as const;
      open.push(...raw);
      return { programmes: promised(raw[0]), tasks: promised(raw[1]), reports: promised(raw[2]) };
    },
    async committed(aggregateId) {
      const records = await svc.ctx.mongo.db.collection("outbox").find({ aggregateId }).sort({ seq: 1 }).toArray();
      return records.map((r) => String(r.subject).split(".").pop() ?? "");
    },
    eventsOf(subject, codec) {
      return events.filter((e) => e.subject === subject).map((e) => ({ id: e.id, aggregateId: e.aggregateId, data: codec.decode(e.body) }));
    },
    until,
    async stop() {
      for (const c of open) c.close();
      sub.unsubscribe();
      await svc.stop();
      await nats.dispose();
    },
  };
  return harness;
}

// Promise-shaped clients and refusals are the platform's test helpers (every service's tests use them).
export { promised, refusal, type Promised, type Refusal } from "@ministry/platform/testing";
import { promised, type Promised } from "@ministry/platform/testing";

/**
 * Creates the year's programme (`bnv-<year>`) and approves it: a draft programme's tasks take no work
 * (PROGRAMME_NOT_APPROVED), so tests that record progress or submit work on an approved one.
 */
export async function approvedProgramme(office: { programmes: Promised<ProgrammeServiceClient> }, year = 2020): Promise<string> {
  const { programme } = await office.programmes.createProgramme({ requestId: "", year, issuingBody: "", title: "" });
  await office.programmes.changeProgrammeStatus({
    requestId: "",
    id: programme!.id,
    status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
    expectedVersion: undefined,
  });
  return programme!.id;
}
