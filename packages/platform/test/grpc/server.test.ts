import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  credentials,
  makeClientConstructor,
  Metadata,
  status,
  type ChannelCredentials,
  type Client,
  type ClientReadableStream,
  type ServerWritableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  ServerReflectionClient,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "@ministry/proto/grpc/reflection/v1/reflection";
import { SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  OperationsServiceClient,
  OperationsServiceService,
  ReplayDeadLetterRequest,
  ReplayDeadLetterResponse,
  type OperationsServiceServer,
} from "@ministry/proto/ministry/platform/v1/operations";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalAuthority, createVerifier, currentIdentity, requestScope, type LocalAuthority } from "../../src/auth/index.js";
import {
  Aborted,
  AlreadyExists,
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  PermissionDenied,
  Unauthenticated,
} from "../../src/errors.js";
import { createClient, createGrpcServer, decodeStatusDetails, getIdentity, type GrpcServer } from "../../src/grpc/index.js";
import { INTERNAL_MESSAGE } from "../../src/grpc/status.js";
import { metricsHandler, startTelemetry, type Telemetry } from "../../src/telemetry.js";
import { bearer, captureLogs, eventually, expectCode, sleep, unary, type LogLine } from "./helpers.js";

const spans = new InMemorySpanExporter();
const { lines, log } = captureLogs();
let telemetry: Telemetry;
let authority: LocalAuthority;
let grpcServer: GrpcServer;
let handled = 0;
const slowCalls: { cancelled: boolean; deadline: unknown }[] = [];

const implementation: OperationsServiceServer = {
  async replayDeadLetter(call, callback) {
    handled++;
    switch (call.request.id) {
      case "whoami":
        callback(null, {
          replayed: true,
          error: JSON.stringify({
            fromCall: getIdentity(call),
            fromScope: currentIdentity(),
            authorization: call.metadata.get("authorization"),
            deadline: requestScope()?.deadline,
          }),
        });
        return;
      case "not-found":
        throw new NotFound("dead letter dl-404 not found");
      case "exists":
        throw new AlreadyExists("dead letter dl-1 already exists", "DEAD_LETTER_EXISTS", { id: "dl-1" });
      case "invalid":
        throw new InvalidArgument([
          { field: "id", description: "must look like dl-<n>" },
          { field: "reason", description: "is required" },
        ]);
      case "precondition":
        throw new FailedPrecondition("dead letter dl-1 was already replayed", "ALREADY_REPLAYED", { id: "dl-1" });
      case "denied":
        throw new PermissionDenied("only ops may replay");
      case "unauth":
        throw new Unauthenticated("session ended");
      case "aborted":
        throw new Aborted("dead letter changed meanwhile", "VERSION_CONFLICT", { version: "7" });
      case "callback-error":
        callback(new InvalidArgument([{ field: "via", description: "the callback" }]), null);
        return;
      case "boom":
        throw new Error("cannot reach mongodb://admin:hunter2@db-1");
      case "boom-async":
        await sleep(5);
        throw new TypeError("hunter2 is not a function");
      case "slow": {
        const seen = { cancelled: false, deadline: call.getDeadline() };
        slowCalls.push(seen);
        call.on("cancelled", () => (seen.cancelled = true));
        await sleep(1_500);
        callback(null, { replayed: true, error: "" });
        return;
      }
      default:
        callback(null, { replayed: true, error: "" });
    }
  },
  // An async handler may answer with its resolved value instead of the callback.
  async listDeadLetters() {
    return { deadLetters: [], page: { nextPageToken: "", totalSize: "0" } };
  },
  discardDeadLetter(_call, callback) {
    callback(null, {});
  },
  republishOutbox(_call, callback) {
    callback(null, { records: "0" });
  },
  listParkedEvents: (_call, callback) => callback(null, { parkedEvents: [] }),
  retryParkedEvent: (_call, callback) => callback(null, {}),
  discardParkedEvent: (_call, callback) => callback(null, {}),
};

/** A server-streaming method (the contracts have none yet; notifications' live stream will be one). */
const StreamServiceDefinition = {
  watch: {
    path: "/ministry.test.v1.StreamService/Watch",
    requestStream: false,
    responseStream: true,
    requestSerialize: (v: ReplayDeadLetterRequest) => Buffer.from(ReplayDeadLetterRequest.encode(v).finish()),
    requestDeserialize: (b: Buffer) => ReplayDeadLetterRequest.decode(b),
    responseSerialize: (v: ReplayDeadLetterResponse) => Buffer.from(ReplayDeadLetterResponse.encode(v).finish()),
    responseDeserialize: (b: Buffer) => ReplayDeadLetterResponse.decode(b),
  },
} as const;
const StreamClient = makeClientConstructor(StreamServiceDefinition, "ministry.test.v1.StreamService");

const streamImplementation = {
  async watch(call: ServerWritableStream<ReplayDeadLetterRequest, ReplayDeadLetterResponse>) {
    call.write({ replayed: true, error: "first" });
    await sleep(call.request.id === "long" ? 800 : 5);
    if (call.request.id === "not-found") throw new NotFound("no such feed");
    if (call.request.id === "boom") throw new Error("hunter2 in a stream");
    if (call.request.id === "emit") {
      call.emit("error", new InvalidArgument([{ field: "id", description: "bad" }]));
      return;
    }
    call.write({ replayed: true, error: "second" });
    call.end();
  },
};

let staffToken: string;

interface HealthClient extends Client {
  Check(request: { service: string }, callback: (err: ServiceError | null, res: { status: string }) => void): void;
  Watch(request: { service: string }): ClientReadableStream<{ status: string }>;
}
const HealthClient = makeClientConstructor(healthService as never, "grpc.health.v1.Health") as unknown as new (
  address: string,
  creds: ChannelCredentials,
) => HealthClient;

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: "grpc-test", spanExporter: spans });
  authority = await createLocalAuthority();
  grpcServer = createGrpcServer({
    log,
    auth: createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience }),
    services: [
      { definition: OperationsServiceService, implementation },
      { definition: StreamServiceDefinition, implementation: streamImplementation },
    ],
    defaultDeadlineMs: 500,
    shutdownTimeoutMs: 2_000,
    // Every call logged, so the tests below can read each call's line (the default logs none that ended OK).
    accessLog: { sampleRate: 1, slowMs: 60_000 },
  });
  await grpcServer.start();
  staffToken = await authority.issueToken({
    sub: "u-42",
    name: "Nguyễn Văn A",
    roles: ["staff", "ops", "webmaster"],
    unit: "VP",
    clearance: "mat",
  });
});

afterAll(async () => {
  await grpcServer?.shutdown();
  await telemetry?.shutdown();
});

function rawClient(): OperationsServiceClient {
  return new OperationsServiceClient(grpcServer.address, credentials.createInsecure());
}

function platformClient(token: () => string | undefined = () => staffToken) {
  return createClient(OperationsServiceClient, grpcServer.address, { log, token, defaultDeadlineMs: 5_000 });
}

function callLines(method: string): LogLine[] {
  return lines.filter((l) => l.msg === "grpc call" && l.method === method);
}

describe("health and reflection", () => {
  it("answers SERVING for the server and each service, without a token", async () => {
    const client = new HealthClient(grpcServer.address, credentials.createInsecure());
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service }, (err: ServiceError | null, res: { status: string }) => (err ? reject(err) : resolve(res))),
      );
    expect((await check("")).status).toBe("SERVING");
    expect((await check("ministry.platform.v1.OperationsService")).status).toBe("SERVING");
    await expectCode(check("ministry.tasks.v1.Nope"), status.NOT_FOUND);
    client.close();
  });

  it("lists the services it serves through reflection, without a token (reflection.test.ts covers the rest)", async () => {
    const client = new ServerReflectionClient(grpcServer.address, credentials.createInsecure());
    const stream = client.serverReflectionInfo();
    const ask = (messageRequest: ServerReflectionRequest["messageRequest"]) =>
      new Promise<ServerReflectionResponse>((resolve, reject) => {
        stream.once("data", resolve);
        stream.once("error", reject);
        stream.write({ host: "", messageRequest });
      });
    const listed = await ask({ $case: "listServices", value: "*" });
    const names = listed.messageResponse?.$case === "listServicesResponse" ? listed.messageResponse.value.service.map((s) => s.name) : [];
    // The test's StreamService has no contract in the descriptor set, so reflection cannot describe it.
    expect(names.sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "ministry.platform.v1.OperationsService",
    ]);
    const file = await ask({ $case: "fileContainingSymbol", value: "ministry.platform.v1.OperationsService" });
    expect(
      file.messageResponse?.$case === "fileDescriptorResponse" && file.messageResponse.value.fileDescriptorProto.length,
    ).toBeGreaterThan(0);
    stream.end();
    client.close();
  });
});

describe("authentication", () => {
  it("lets a valid token through, and the handler sees the caller's identity but not the token", async () => {
    const res = await unary(platformClient().replayDeadLetter.bind(platformClient()), { id: "whoami" });
    const seen = JSON.parse(res.error) as Record<string, unknown>;
    const expected = { userId: "u-42", name: "Nguyễn Văn A", roles: ["staff", "ops"], unitId: "VP", clearance: "mat" };
    expect(seen.fromCall).toEqual(expected);
    expect(seen.fromScope).toEqual(expected);
    expect(seen.authorization).toEqual([]);
    expect(seen.deadline).toBeGreaterThan(Date.now());
    const line = await eventually(() => callLines("ministry.platform.v1.OperationsService/ReplayDeadLetter").find((l) => l.code === "OK"));
    expect(line.user_id).toBe("u-42");
    expect(JSON.stringify(lines)).not.toContain(staffToken);
  });

  it("rejects a missing, expired, wrong-audience, wrong-issuer, tampered, foreign or garbage token with UNAUTHENTICATED, before the handler", async () => {
    const other = await createLocalAuthority();
    const claims = { sub: "u-1", name: "A", roles: ["staff"] };
    const [header, payload, signature] = staffToken.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), roles: ["minister"] }),
    ).toString("base64url");
    const cases: [string, string | undefined, string][] = [
      ["missing", undefined, "TOKEN_MISSING"],
      ["expired", await authority.issueToken(claims, -120), "TOKEN_EXPIRED"],
      ["wrong audience", await authority.issueToken(claims, 60, { audience: "someone-else" }), "TOKEN_INVALID"],
      ["wrong issuer", await authority.issueToken(claims, 60, { issuer: "https://evil.example" }), "TOKEN_INVALID"],
      ["tampered (bad signature)", `${header}.${forged}.${signature}`, "TOKEN_INVALID"],
      ["signed by another key", await other.issueToken(claims), "TOKEN_INVALID"],
      ["garbage", "not-a-jwt", "TOKEN_INVALID"],
    ];
    const before = handled;
    for (const [label, token, reason] of cases) {
      const client = rawClient();
      const err = await expectCode(
        unary(client.replayDeadLetter.bind(client), { id: "whoami" }, {}, token ? bearer(token) : new Metadata()),
        status.UNAUTHENTICATED,
      );
      expect(decodeStatusDetails(err)?.errorInfo?.reason, label).toBe(reason);
      client.close();
    }
    expect(handled).toBe(before);
  });

  it("answers UNAVAILABLE (retryable) when the signing keys cannot be fetched, and opens only the methods it is told to", async () => {
    const server = createGrpcServer({
      log,
      auth: createVerifier({ jwksUrl: "http://127.0.0.1:1/jwks.json", issuer: authority.issuer, audience: authority.audience }),
      services: [{ definition: OperationsServiceService, implementation }],
      openMethods: ["/ministry.platform.v1.OperationsService/DiscardDeadLetter"],
    });
    await server.start();
    const client = new OperationsServiceClient(server.address, credentials.createInsecure());
    try {
      const err = await expectCode(unary(client.replayDeadLetter.bind(client), { id: "ok" }, {}, bearer(staffToken)), status.UNAVAILABLE);
      expect(err.details).toBe("Tạm thời chưa xác thực được, hãy thử lại / Authentication temporarily unavailable");
      await expect(unary(client.discardDeadLetter.bind(client), { id: "x", reason: "" })).resolves.toEqual({});
    } finally {
      client.close();
      await server.shutdown();
    }
  });

  it("rejects a non-bearer authorization header", async () => {
    const md = new Metadata();
    md.set("authorization", `Basic ${Buffer.from("u:p").toString("base64")}`);
    const client = rawClient();
    await expectCode(unary(client.replayDeadLetter.bind(client), { id: "whoami" }, {}, md), status.UNAUTHENTICATED);
    client.close();
  });
});

describe("error mapping", () => {
  const client = () => platformClient();
  const call = (id: string) => {
    const c = client();
    return unary(c.replayDeadLetter.bind(c), { id });
  };

  it("maps each typed domain error to its status code with google.rpc details", async () => {
    const cases: [string, number, (d: NonNullable<ReturnType<typeof decodeStatusDetails>>) => void][] = [
      ["not-found", status.NOT_FOUND, (d) => expect(d.message).toBe("dead letter dl-404 not found")],
      [
        "exists",
        status.ALREADY_EXISTS,
        (d) => expect(d.errorInfo).toEqual({ reason: "DEAD_LETTER_EXISTS", domain: "ministry-ops", metadata: { id: "dl-1" } }),
      ],
      [
        "invalid",
        status.INVALID_ARGUMENT,
        (d) => {
          expect(d.badRequest?.fieldViolations).toEqual([
            { field: "id", description: "must look like dl-<n>" },
            { field: "reason", description: "is required" },
          ]);
          expect(d.details[0].typeUrl).toBe("type.googleapis.com/google.rpc.BadRequest");
        },
      ],
      [
        "precondition",
        status.FAILED_PRECONDITION,
        (d) => expect(d.errorInfo).toEqual({ reason: "ALREADY_REPLAYED", domain: "ministry-ops", metadata: { id: "dl-1" } }),
      ],
      ["denied", status.PERMISSION_DENIED, (d) => expect(d.details).toEqual([])],
      ["unauth", status.UNAUTHENTICATED, (d) => expect(d.message).toBe("session ended")],
      [
        "aborted",
        status.ABORTED,
        (d) => {
          expect(d.errorInfo).toEqual({ reason: "VERSION_CONFLICT", domain: "ministry-ops", metadata: { version: "7" } });
          expect(d.details[0].typeUrl).toBe("type.googleapis.com/google.rpc.ErrorInfo");
        },
      ],
      [
        "callback-error",
        status.INVALID_ARGUMENT,
        (d) => expect(d.badRequest?.fieldViolations).toEqual([{ field: "via", description: "the callback" }]),
      ],
    ];
    for (const [id, code, check] of cases) {
      const err = await expectCode(call(id), code);
      const details = decodeStatusDetails(err);
      expect(details, id).toBeDefined();
      expect(details!.code).toBe(code);
      check(details!);
    }
  });

  it("turns an unexpected error (thrown or rejected) into INTERNAL without leaking it, and logs it with its stack and trace", async () => {
    for (const id of ["boom", "boom-async"]) {
      const err = await expectCode(call(id), status.INTERNAL);
      expect(err.details).toBe(INTERNAL_MESSAGE);
      expect(JSON.stringify(err.metadata.getMap())).not.toContain("hunter2");
    }
    const logged = lines.filter((l) => l.msg === "unexpected error in gRPC handler");
    expect(logged).toHaveLength(2);
    expect((logged[0].err as { stack: string }).stack).toContain("hunter2");
    expect(logged[0].trace_id).toMatch(/^[0-9a-f]{32}$/);
    const callLine = await eventually(() =>
      callLines("ministry.platform.v1.OperationsService/ReplayDeadLetter").find((l) => l.code === "INTERNAL"),
    );
    expect(callLine.level).toBe(50);
    expect(callLine.details).toBe(INTERNAL_MESSAGE);
  });

  it("accepts an async handler's resolved value as its answer", async () => {
    const c = client();
    const res = await unary(c.listDeadLetters.bind(c), { consumer: "", stream: "" });
    expect(res.deadLetters).toEqual([]);
  });
});

describe("server streaming", () => {
  const watch = async (id: string) => {
    const client = new StreamClient(grpcServer.address, credentials.createInsecure());
    const stream = (client as unknown as { watch: (req: object, md: Metadata) => ClientReadableStream<ReplayDeadLetterResponse> }).watch(
      { id },
      bearer(staffToken),
    );
    const received: string[] = [];
    try {
      return await new Promise<{ received: string[]; error?: ServiceError }>((resolve) => {
        stream.on("data", (m: ReplayDeadLetterResponse) => received.push(m.error));
        stream.on("error", (error: ServiceError) => resolve({ received, error }));
        stream.on("end", () => resolve({ received }));
      });
    } finally {
      client.close();
    }
  };

  it("maps a domain error thrown mid-stream, or emitted on the stream, to its status with details", async () => {
    const thrown = await watch("not-found");
    expect(thrown.received).toEqual(["first"]);
    expect(thrown.error?.code).toBe(status.NOT_FOUND);
    expect(decodeStatusDetails(thrown.error!)?.message).toBe("no such feed");
    const emitted = await watch("emit");
    expect(emitted.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(emitted.error!)?.badRequest?.fieldViolations).toEqual([{ field: "id", description: "bad" }]);
  });

  it("hides an unexpected error in a stream behind INTERNAL", async () => {
    const { error } = await watch("boom");
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).toBe(INTERNAL_MESSAGE);
  });

  it("does not give long-lived streams the unary default deadline", async () => {
    const { received, error } = await watch("long");
    expect(error).toBeUndefined();
    expect(received).toEqual(["first", "second"]);
  });
});

describe("deadlines", () => {
  it("ends a call that outlives the client's deadline with DEADLINE_EXCEEDED", async () => {
    const c = platformClient();
    const started = Date.now();
    await expectCode(unary(c.replayDeadLetter.bind(c), { id: "slow" }, { deadline: Date.now() + 200 }), status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1_000);
    const seen = slowCalls.at(-1)!;
    expect(seen.deadline).toBeInstanceOf(Date);
    await eventually(() => (seen.cancelled ? true : undefined));
  });

  it("gives a call without a deadline the server's default, and ends it with DEADLINE_EXCEEDED there", async () => {
    const c = rawClient();
    const started = Date.now();
    const err = await expectCode(unary(c.replayDeadLetter.bind(c), { id: "slow" }, {}, bearer(staffToken)), status.DEADLINE_EXCEEDED);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1_400);
    expect(err.details).toBe("Quá thời gian chờ / Deadline exceeded");
    const seen = slowCalls.at(-1)!;
    expect((seen.deadline as Date).getTime() - started).toBeLessThanOrEqual(600);
    await eventually(() => (seen.cancelled ? true : undefined));
    const line = await eventually(() =>
      callLines("ministry.platform.v1.OperationsService/ReplayDeadLetter").find((l) => l.code === "DEADLINE_EXCEEDED"),
    );
    expect(line.level).toBe(40);
    c.close();
  });
});

describe("observability", () => {
  it("continues the client's trace in a SERVER span, and the call's log line carries its trace_id", async () => {
    spans.reset();
    const c = platformClient();
    const root = trace.getTracer("test");
    const rootSpan = await root.startActiveSpan("test root", async (span) => {
      await unary(c.replayDeadLetter.bind(c), { id: "traced" });
      span.end();
      return span;
    });
    const method = "ministry.platform.v1.OperationsService/ReplayDeadLetter";
    const server = await eventually(() => spans.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === method));
    const client = spans.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT && s.name === method)!;
    const traceId = rootSpan.spanContext().traceId;
    expect(client.spanContext().traceId).toBe(traceId);
    expect(client.parentSpanContext?.spanId).toBe(rootSpan.spanContext().spanId);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(server.attributes).toMatchObject({
      "rpc.system.name": "grpc",
      "rpc.method": method,
      "rpc.status_code": "OK",
      "network.peer.address": "127.0.0.1",
    });
    expect(server.attributes["network.peer.port"]).toBeTypeOf("number");
    const line = callLines(method).find((l) => l.trace_id === traceId);
    expect(line).toMatchObject({ code: "OK", span_id: server.spanContext().spanId, level: 30 });
    expect(line!.peer).toMatch(/127\.0\.0\.1:\d+/);
    expect(typeof line!.duration_ms).toBe("number");
  });

  it("logs health checks at debug", async () => {
    const line = lines.find((l) => l.msg === "grpc call" && l.method === "grpc.health.v1.Health/Check");
    expect(line?.level).toBe(20);
  });

  it("serves the call counter and latency histogram as Prometheus text", async () => {
    const http_ = http.createServer(metricsHandler());
    await new Promise<void>((r) => http_.listen(0, "127.0.0.1", r));
    try {
      const text = await (await fetch(`http://127.0.0.1:${(http_.address() as AddressInfo).port}/metrics`)).text();
      expect(text).toMatch(
        /rpc_server_calls_total\{[^}]*rpc_method="ministry\.platform\.v1\.OperationsService\/ReplayDeadLetter"[^}]*rpc_status_code="NOT_FOUND"[^}]*\} 1/,
      );
      expect(text).toMatch(/rpc_server_calls_total\{[^}]*rpc_status_code="UNAUTHENTICATED"/);
      expect(text).toMatch(/rpc_server_call_duration_seconds_bucket\{/);
      expect(text).toMatch(/rpc_client_call_duration_seconds_count\{/);
    } finally {
      await new Promise((r) => http_.close(r));
    }
  });
});

describe("access log", () => {
  async function serverWith(accessLog?: { sampleRate: number; slowMs: number }) {
    const server = createGrpcServer({
      log,
      auth: createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience }),
      services: [{ definition: OperationsServiceService, implementation }],
      accessLog,
    });
    await server.start();
    return { server, client: createClient(OperationsServiceClient, server.address, { log, token: () => staffToken }) };
  }

  it("by default logs no call that ended OK in time, and every refused, failed or slow one", async () => {
    const { server, client } = await serverWith();
    const method = "ministry.platform.v1.OperationsService/ReplayDeadLetter";
    const before = callLines(method).length;
    await unary(client.replayDeadLetter.bind(client), { id: "whoami" });
    await unary(client.replayDeadLetter.bind(client), { id: "whoami" });
    expect(callLines(method).length).toBe(before);
    await expectCode(unary(client.replayDeadLetter.bind(client), { id: "not-found" }), status.NOT_FOUND);
    const refused = callLines(method).slice(before);
    expect(refused.map((l) => [l.code, l.level])).toEqual([["NOT_FOUND", 30]]);
    client.close();
    await server.shutdown();

    // A call slower than the threshold is logged at warn even when it ended OK.
    const slow = await serverWith({ sampleRate: 0, slowMs: 1 });
    const from = callLines(method).length;
    await unary(slow.client.replayDeadLetter.bind(slow.client), { id: "slow" }, { deadline: Date.now() + 5_000 });
    const slowLines = callLines(method).slice(from);
    expect(slowLines).toHaveLength(1);
    expect(slowLines[0]).toMatchObject({ code: "OK", slow: true, level: 40 });
    slow.client.close();
    await slow.server.shutdown();
  });
});

describe("shutdown", () => {
  it("reports NOT_SERVING while draining, lets in-flight calls finish, then stops", async () => {
    const server = createGrpcServer({
      log,
      auth: createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience }),
      services: [{ definition: OperationsServiceService, implementation }],
    });
    await server.start();
    const c = createClient(OperationsServiceClient, server.address, { log, token: () => staffToken });
    const health = new HealthClient(server.address, credentials.createInsecure());
    const watch = health.Watch({ service: "ministry.platform.v1.OperationsService" });
    const statuses: string[] = [];
    watch.on("data", (res) => {
      statuses.push(res.status);
      // A watcher that stays would hold the drain until the timeout.
      if (res.status === "NOT_SERVING") watch.cancel();
    });
    watch.on("error", () => {});
    await eventually(() => (statuses.includes("SERVING") ? true : undefined));
    const before = slowCalls.length;
    const inFlight = unary(c.replayDeadLetter.bind(c), { id: "slow" });
    await eventually(() => (slowCalls.length > before ? true : undefined));
    const stopped = server.shutdown();
    expect(server.serving).toBe(false);
    await eventually(() => (statuses.includes("NOT_SERVING") ? true : undefined));
    await expect(inFlight).resolves.toMatchObject({ replayed: true });
    await stopped;
    health.close();
    await expectCode(unary(c.replayDeadLetter.bind(c), { id: "ok" }, { deadline: Date.now() + 2_000 }), status.UNAVAILABLE);
    c.close();
  });
});
