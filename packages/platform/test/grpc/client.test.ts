import { status } from "@grpc/grpc-js";
import { SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  OperationsServiceClient,
  OperationsServiceService,
  type OperationsServiceServer,
} from "@ministry/proto/ministry/platform/v1/operations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalAuthority, createVerifier, requestScope, type LocalAuthority, type Verifier } from "../../src/auth/index.js";
import { createClient, createGrpcServer, getIdentity, GrpcStatusError, type GrpcServer } from "../../src/grpc/index.js";
import { startTelemetry, type Telemetry } from "../../src/telemetry.js";
import { captureLogs, eventually, expectCode, freePort, sleep, unary } from "./helpers.js";

const spans = new InMemorySpanExporter();
const { log } = captureLogs("info");
let telemetry: Telemetry;
let authority: LocalAuthority;
let verifier: Verifier;
let userToken: string;
const servers: GrpcServer[] = [];
const attempts = new Map<string, number>();

/** Fails the first attempt of each key with UNAVAILABLE, as a server that is warming up would. */
function flaky(key: string): void {
  const n = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, n);
  if (n === 1) throw new GrpcStatusError(status.UNAVAILABLE, "warming up");
}

/** The downstream service: reports who called it and with what deadline. */
const downstream: OperationsServiceServer = {
  async listDeadLetters(call) {
    flaky(`list:${call.request.consumer}`);
    return { deadLetters: [], page: { nextPageToken: call.request.consumer, totalSize: "0" } };
  },
  async replayDeadLetter(call) {
    if (call.request.id.startsWith("flaky")) flaky(`replay:${call.request.id}`);
    if (call.request.id === "slow") await sleep(2_000);
    return { replayed: true, error: JSON.stringify({ identity: getIdentity(call), deadline: requestScope()?.deadline }) };
  },
  discardDeadLetter: (_call, callback) => callback(null, {}),
  republishOutbox: (_call, callback) => callback(null, { records: "0" }),
  listParkedEvents: (_call, callback) => callback(null, { parkedEvents: [] }),
  retryParkedEvent: (_call, callback) => callback(null, {}),
  discardParkedEvent: (_call, callback) => callback(null, {}),
};

async function startServer(implementation: OperationsServiceServer, port = 0): Promise<GrpcServer> {
  const server = createGrpcServer({ log, auth: verifier, services: [{ definition: OperationsServiceService, implementation }], port });
  servers.push(server);
  await server.start();
  return server;
}

let back: GrpcServer;
let front: GrpcServer;

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: "grpc-client-test", spanExporter: spans });
  authority = await createLocalAuthority({ alg: "RS256" });
  verifier = createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience });
  userToken = await authority.issueToken({ sub: "u-7", name: "Trần Thị B", roles: ["unit_head"], unit: "TCCB" });
  back = await startServer(downstream);
  // The front service calls the back one while serving a call: no token given, so the caller's is forwarded.
  const toBack = createClient(OperationsServiceClient, back.address, { log, defaultDeadlineMs: 60_000 });
  front = await startServer({
    ...downstream,
    async replayDeadLetter() {
      const inbound = requestScope()!.deadline;
      const res = await unary(toBack.replayDeadLetter.bind(toBack), { id: "from-front" });
      return { replayed: true, error: JSON.stringify({ inbound, downstream: JSON.parse(res.error) }) };
    },
  });
});

afterAll(async () => {
  for (const s of servers) await s.shutdown();
  await telemetry?.shutdown();
});

describe("createClient", () => {
  it("retries an idempotent call that failed with UNAVAILABLE", async () => {
    const client = createClient(OperationsServiceClient, back.address, { log, token: () => userToken, idempotent: ["listDeadLetters"] });
    const res = await unary(client.listDeadLetters.bind(client), { consumer: "c1", stream: "" });
    expect(res.page?.nextPageToken).toBe("c1");
    expect(attempts.get("list:c1")).toBe(2);
    client.close();
  });

  it("never retries a method not marked idempotent", async () => {
    const client = createClient(OperationsServiceClient, back.address, { log, token: () => userToken, idempotent: ["listDeadLetters"] });
    const err = await expectCode(unary(client.replayDeadLetter.bind(client), { id: "flaky-1" }), status.UNAVAILABLE);
    expect(err.details).toBe("warming up");
    expect(attempts.get("replay:flaky-1")).toBe(1);
    client.close();
  });

  it("retries an idempotent call until a server that comes up late answers, and fails a non-idempotent one at once", async () => {
    const port = await freePort();
    const options = {
      log,
      token: () => userToken,
      idempotent: ["listDeadLetters"] as const,
      retry: { maxAttempts: 5, initialBackoffMs: 200, maxBackoffMs: 1_000 },
      channelOptions: { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": 200 },
    };
    const eager = createClient(OperationsServiceClient, `127.0.0.1:${port}`, options);
    const started = Date.now();
    await expectCode(unary(eager.replayDeadLetter.bind(eager), { id: "nobody-home" }), status.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(1_000);
    eager.close();

    const patient = createClient(OperationsServiceClient, `127.0.0.1:${port}`, options);
    const call = unary(patient.listDeadLetters.bind(patient), { consumer: "late", stream: "" }, { deadline: Date.now() + 8_000 });
    await sleep(300);
    await startServer(
      { ...downstream, listDeadLetters: async (c) => ({ deadLetters: [], page: { nextPageToken: c.request.consumer, totalSize: "0" } }) },
      port,
    );
    const res = await call;
    expect(res.page?.nextPageToken).toBe("late");
    patient.close();
  });

  it("rejects an idempotent method name the service does not have", () => {
    // @ts-expect-error: not a method of OperationsService
    expect(() => createClient(OperationsServiceClient, back.address, { log, idempotent: ["dropEverything"] })).toThrow(/dropEverything/);
  });

  it("sets its default deadline on calls that have none", async () => {
    const client = createClient(OperationsServiceClient, back.address, { log, token: () => userToken, defaultDeadlineMs: 300 });
    const started = Date.now();
    await expectCode(unary(client.replayDeadLetter.bind(client), { id: "slow" }), status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1_000);
    client.close();
  });

  it("forwards the caller's token, deadline and trace to the services it calls while serving a call", async () => {
    spans.reset();
    const client = createClient(OperationsServiceClient, front.address, { log, token: () => userToken });
    const deadline = Date.now() + 3_000;
    const rootSpan = await trace.getTracer("test").startActiveSpan("test root", async (span) => {
      const res = await unary(client.replayDeadLetter.bind(client), { id: "chain" }, { deadline });
      span.end();
      const seen = JSON.parse(res.error) as { inbound: number; downstream: { identity: { userId: string }; deadline: number } };
      expect(seen.downstream.identity.userId).toBe("u-7");
      // Deadlines travel as a relative grpc-timeout, so each hop may round by a millisecond or two.
      expect(Math.abs(seen.inbound - deadline)).toBeLessThan(50);
      // The downstream call inherits the inbound deadline, not the client's 60 s default.
      expect(seen.downstream.deadline).toBeLessThan(seen.inbound + 50);
      return span;
    });
    const traceId = rootSpan.spanContext().traceId;
    // One trace: test root → client → front's server span → front's client span → back's server span.
    const inTrace = await eventually(() => {
      const found = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return found.length >= 5 ? found : undefined;
    });
    const kinds = inTrace.map((s) => s.kind);
    expect(kinds.filter((k) => k === SpanKind.SERVER)).toHaveLength(2);
    expect(kinds.filter((k) => k === SpanKind.CLIENT)).toHaveLength(2);
    client.close();
  });

  it("sends the token it is given in preference to the caller's", async () => {
    const serviceToken = await authority.issueToken({ sub: "svc-tasks", name: "tasks", roles: ["ops"] });
    const client = createClient(OperationsServiceClient, back.address, { log, token: () => serviceToken });
    const res = await unary(client.replayDeadLetter.bind(client), { id: "who" });
    expect(JSON.parse(res.error).identity).toEqual({ userId: "svc-tasks", name: "tasks", roles: ["ops"] });
    client.close();
  });
});
