/**
 * The documents service started for a test file: its own nats-server, the embedded MongoDB, the exchange
 * simulator playing the Government Office, real gRPC over loopback, a test clock, and tokens of the
 * local authority for the people a test names (roles, unit and clearance as given).
 */
import {
  createClient,
  encodeEvent,
  ManualClock,
  startService,
  type IdentityClaims,
  type OutgoingEvent,
  type RunningService,
} from "@ministry/platform";
import { promised, startNatsServer, until, type NatsServerHandle, type Promised } from "@ministry/platform/testing";
import { DocumentServiceClient, ExchangeServiceClient, RegisterServiceClient } from "@ministry/proto/ministry/documents/v1/documents";
import { startExchangeSimulator } from "../exchange-simulator/simulator.js";
import { documentsService, type DocumentsRuntime } from "../src/service.js";
export { refusal, type Refusal } from "@ministry/platform/testing";

export type Simulator = Awaited<ReturnType<typeof startExchangeSimulator>>;

export interface Clients {
  documents: Promised<DocumentServiceClient>;
  registers: Promised<RegisterServiceClient>;
  exchange: Promised<ExchangeServiceClient>;
}

/** People of the tests: the Office's clerk, the Chief of Office, the Minister, units' heads and staff. */
export const PEOPLE: Record<string, Omit<IdentityClaims, "sub">> = {
  "vp-clerk": { name: "Văn thư Văn phòng", roles: ["clerk"], unit: "VP" },
  "vp-head": { name: "Chánh Văn phòng", roles: ["office_chief", "unit_head"], unit: "VP" },
  minister: { name: "Bộ trưởng", roles: ["minister"] },
  "deputy-minister-1": { name: "Thứ trưởng", roles: ["deputy_minister"] },
  "pc-head": { name: "Vụ trưởng Vụ Pháp chế", roles: ["unit_head"], unit: "PC" },
  "pc-staff": { name: "Chuyên viên Vụ Pháp chế", roles: ["staff"], unit: "PC" },
  "tccb-staff": { name: "Chuyên viên Vụ TCCB", roles: ["staff"], unit: "TCCB" },
};

export interface DocumentsHarness {
  svc: RunningService;
  runtime: DocumentsRuntime;
  nats: NatsServerHandle;
  simulator: Simulator;
  clock: ManualClock;
  /** Clients calling as a person of PEOPLE, or as the claims given (e.g. with a clearance). */
  as(who: string | IdentityClaims): Promise<Clients>;
  /** Publishes another service's event on its stream, as its outbox relay would. */
  publish<T>(event: OutgoingEvent<T>): Promise<void>;
  until: typeof until;
  stop(): Promise<void>;
}

export async function startDocumentsHarness(opts: { env?: Record<string, string>; clock?: ManualClock } = {}): Promise<DocumentsHarness> {
  const nats = await startNatsServer();
  const simulator = await startExchangeSimulator({ port: 0, credentials: { token: "sim-token" } });
  const clock = opts.clock ?? new ManualClock("2020-03-30T02:00:00Z");
  let runtime: DocumentsRuntime | undefined;
  const svc = await startService(
    documentsService((r) => {
      runtime = r;
    }),
    {
      clock,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        LOG_LEVEL: "warn",
        MONGODB_URI: undefined,
        GRPC_PORT: "0",
        ADMIN_PORT: "0",
        DEV_MODE: "true",
        EXCHANGE_URL: simulator.url,
        EXCHANGE_TOKEN: "sim-token",
        EXCHANGE_POLL_INTERVAL_MS: "100",
        ...opts.env,
      },
    },
  );
  const authority = svc.ctx.authority!;
  const open: { close(): void }[] = [];
  const streams = new Set<string>();
  const harness: DocumentsHarness = {
    svc,
    runtime: runtime!,
    nats,
    simulator,
    clock,
    async as(who) {
      const claims: IdentityClaims = typeof who === "string" ? { sub: who, ...(PEOPLE[who] ?? { name: who, roles: [] }) } : who;
      const token = await authority.issueToken(claims, "8h");
      // A generous deadline: a test asserts what happens, not how fast (200 calls at once on a loaded CI machine).
      const options = { log: svc.ctx.log, token: () => token, defaultDeadlineMs: 60_000 };
      const d = createClient(DocumentServiceClient, svc.grpc.address, options);
      const r = createClient(RegisterServiceClient, svc.grpc.address, options);
      const e = createClient(ExchangeServiceClient, svc.grpc.address, options);
      open.push(d, r, e);
      return { documents: promised(d), registers: promised(r), exchange: promised(e) };
    },
    async publish(event) {
      const producer = event.type.service;
      if (!streams.has(producer)) {
        await svc.ctx.bus.ensureStream({ service: producer });
        streams.add(producer);
      }
      await svc.ctx.bus.publishEncoded(encodeEvent(event, { now: clock.now() }));
    },
    until,
    async stop() {
      for (const c of open) c.close();
      await svc.stop();
      await simulator.stop();
      await nats.dispose();
    },
  };
  return harness;
}
