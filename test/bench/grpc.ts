/**
 * The platform's gRPC stack (auth, logging, tracing, metrics, deadline interceptors, error mapping)
 * against bare grpc-js, measured in the same run on the same message: unary calls, 32 in flight, one
 * client process. Prints one JSON line per figure.
 *
 *   pnpm bench   (BENCH_SECONDS=3, BENCH_IN_FLIGHT=32)
 */
import * as grpc from "@grpc/grpc-js";
import { Actor } from "@ministry/proto/ministry/common/v1/common";
import { createClient, createGrpcServer, createLocalAuthority, createLogger, createVerifier, startTelemetry } from "@ministry/platform";
import { echoService, measureInFlight } from "@ministry/platform/testing";

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 32);

const { definition: Echo, Client: EchoClient } = echoService("ministry.bench.v1.Echo", Actor);
type EchoStub = { echo(req: Actor, cb: (err: grpc.ServiceError | null, res?: Actor) => void): void; close(): void };

const request: Actor = { userId: "u-0001", displayName: "Nguyễn Văn A", roles: ["staff"], unit: { id: "VP", name: "Văn phòng Bộ" } };

function measure(stub: EchoStub) {
  const call = () => new Promise<void>((resolve, reject) => stub.echo(request, (err) => (err ? reject(err) : resolve())));
  return measureInFlight(call, { seconds, inFlight });
}

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: "grpc", in_flight: inFlight, ...figure })}\n`);
}

// Baseline: bare grpc-js, no interceptors.
const bare = new grpc.Server();
bare.addService(Echo, { echo: (call: grpc.ServerUnaryCall<Actor, Actor>, cb: grpc.sendUnaryData<Actor>) => cb(null, call.request) });
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
);
const bareStub = new EchoClient(`127.0.0.1:${barePort}`, grpc.credentials.createInsecure()) as unknown as EchoStub;
const baseline = await measure(bareStub);
bareStub.close();
bare.forceShutdown();
emit({
  figure: "bare grpc-js unary echo (baseline)",
  unit: "calls/s",
  value: baseline.callsPerSec,
  p50_ms: baseline.p50,
  p99_ms: baseline.p99,
});

// The platform stack, as every service runs it (telemetry on, logs at info to /dev/null-like silent level).
const telemetry = startTelemetry({ serviceName: "bench" });
const log = createLogger("bench", "warn");
const authority = await createLocalAuthority();
const verifier = createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience });
const server = createGrpcServer({
  log,
  auth: verifier,
  reflection: false,
  services: [{ definition: Echo, implementation: { echo: async (call: grpc.ServerUnaryCall<Actor, Actor>) => call.request } }],
});
await server.start();
const token = await authority.issueToken({ sub: "u-0001", name: "Nguyễn Văn A", roles: ["staff"] }, "1h");
const stub = createClient(EchoClient as never, server.address, { log, token: () => token }) as unknown as EchoStub;
const platform = await measure(stub);
stub.close();
await server.shutdown();
await telemetry.shutdown();
emit({
  figure: "platform gRPC stack unary echo (auth, interceptors, tracing, metrics)",
  unit: "calls/s",
  value: platform.callsPerSec,
  p50_ms: platform.p50,
  p99_ms: platform.p99,
  vs_baseline: Number((platform.callsPerSec / baseline.callsPerSec).toFixed(2)),
});
