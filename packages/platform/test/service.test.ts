/**
 * The service runtime end to end, against a real nats-server and the embedded MongoDB: a gRPC call
 * writes and adds an event in one transaction, the relay publishes it, a consumer handles it, and one
 * trace follows the whole chain.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { Actor } from "@ministry/proto/ministry/common/v1/common";
import {
  OperationsServiceClient,
  type ListDeadLettersResponse,
  type ReplayDeadLetterResponse,
} from "@ministry/proto/ministry/platform/v1/operations";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  decodeStatusDetails,
  defineEvent,
  inTransaction,
  PermanentError,
  startService,
  type RunningService,
} from "../src/index.js";
import { echoService, startNatsServer, until, type NatsServerHandle } from "../src/testing/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** A test-only gRPC service built from a real generated message (Actor in, Actor out). */
const { definition: TestService, Client: TestClient } = echoService("ministry.test.v1.TestService", Actor);

const Acted = defineEvent({ service: "alpha", aggregate: "thing", event: "acted", message: Actor });
/** Two other services' events: one service, one durable consumer per stream. */
const Concluded = defineEvent({ service: "meetings", aggregate: "meeting", event: "concluded", message: Actor });
const Issued = defineEvent({ service: "documents", aggregate: "document", event: "issued", message: Actor });
/** While true, the meetings and documents handlers refuse every event, so each lands in its dead letters. */
let refusing = true;

let nats: NatsServerHandle;
let svc: RunningService;
const spans = new InMemorySpanExporter();
const handled: { userId: string; traceId?: string }[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  svc = await startService(
    {
      name: "alpha",
      async setup(ctx) {
        ctx.consumer({ producer: "alpha", ackWaitMs: 5_000 }).on(Acted, async (event, session) => {
          await ctx.mongo.db.collection("handled").insertOne({ userId: event.data.userId }, { session });
          handled.push({ userId: event.data.userId });
        });
        for (const [producer, type] of [
          ["meetings", Concluded],
          ["documents", Issued],
        ] as const) {
          ctx.consumer({ producer }).on(type, async (event, session) => {
            if (refusing) throw new PermanentError(`${producer} handler refused ${event.aggregateId}`);
            await ctx.mongo.db.collection("handled").insertOne({ userId: event.data.userId, from: producer }, { session });
          });
        }
        return {
          grpc: [
            {
              definition: TestService,
              implementation: {
                echo: async (call: grpc.ServerUnaryCall<Actor, Actor>) => {
                  await inTransaction(ctx.mongo.client, async (session) => {
                    await ctx.mongo.db.collection("things").insertOne({ userId: call.request.userId }, { session });
                    await ctx.outbox.add(session, Acted.of(call.request.userId, call.request));
                  });
                  return call.request;
                },
              },
            },
          ],
        };
      },
    },
    {
      env: {
        ...process.env,
        DEV_MODE: "true",
        NATS_URL: nats.url,
        LOG_LEVEL: "warn",
        MONGODB_URI: undefined,
        GRPC_PORT: "0",
        ADMIN_PORT: "0",
      },
      spanExporter: spans,
    },
  );
});

afterAll(async () => {
  await svc?.stop();
  await nats?.dispose();
});

describe("service runtime", () => {
  it("follows one trace from a gRPC call through the outbox and NATS to the consumer", async () => {
    const authority = svc.ctx.authority!;
    const token = await authority.issueToken({ sub: "u-staff", name: "Nguyễn Văn A", roles: ["staff"], unit: "VP" });
    const client = createClient(TestClient as never, svc.grpc.address, { log: svc.ctx.log, token: () => token }) as unknown as {
      echo(req: Actor, cb: (err: grpc.ServiceError | null, res?: Actor) => void): void;
      close(): void;
    };
    const reply = await new Promise<Actor>((resolve, reject) =>
      client.echo({ userId: "u-42", displayName: "Trần Thị B", roles: [] }, (e, r) => (e ? reject(e) : resolve(r!))),
    );
    client.close();
    expect(reply.userId).toBe("u-42");

    await until(() => (handled.some((h) => h.userId === "u-42") ? true : undefined), "the consumer to handle the event");
    const all = () => spans.getFinishedSpans();
    const server = await until(() => all().find((s) => s.name.includes("TestService/Echo")), "the server span");
    const consumer = await until(
      () => all().find((s) => s.kind === 4 /* CONSUMER */ && s.spanContext().traceId === server.spanContext().traceId),
      "a consumer span in the call's trace",
    );
    const chain: ReadableSpan[] = [];
    // Walk up from the consumer span: it must reach the server span of the gRPC call.
    let cursor: ReadableSpan | undefined = consumer;
    while (cursor) {
      chain.push(cursor);
      const parentId: string | undefined = cursor.parentSpanContext?.spanId;
      cursor = parentId ? all().find((s) => s.spanContext().spanId === parentId) : undefined;
    }
    expect(chain.map((s) => s.spanContext().spanId)).toContain(server.spanContext().spanId);
    expect(await svc.ctx.mongo.db.collection("handled").countDocuments({ userId: "u-42" })).toBe(1);
    // With a span exporter, the driver's commands are spanned too (without one, the service turns them off).
    expect(svc.ctx.mongo.client.options.monitorCommands).toBe(true);
    expect(
      all().some((s) => s.attributes["db.system.name"] === "mongodb" && s.spanContext().traceId === server.spanContext().traceId),
    ).toBe(true);
  });

  it("answers /readyz with every check, and /healthz", async () => {
    const base = `http://127.0.0.1:${svc.admin.port}`;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, unknown> };
    expect(body.checks).toMatchObject({ mongodb: true, nats: true, outbox_relay: true, grpc: true, "consumer_alpha-ALPHA": true });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain("rpc_server_calls_total");
  });

  it("keeps the operations service for operators", async () => {
    const authority = svc.ctx.authority!;
    const call = (token: string) =>
      new Promise<unknown>((resolve) => {
        const client = createClient(OperationsServiceClient, svc.grpc.address, { log: svc.ctx.log, token: () => token });
        client.listDeadLetters({ consumer: "", stream: "" }, (err, res) => {
          client.close();
          resolve(err ?? res);
        });
      });
    const staff = await call(await authority.issueToken({ sub: "u1", name: "A", roles: ["staff"] }));
    expect(decodeStatusDetails(staff as grpc.ServiceError)?.code).toBe(grpc.status.PERMISSION_DENIED);
    const ops = await call(await authority.issueToken({ sub: "u2", name: "B", roles: ["ops"] }));
    expect(ops).toMatchObject({ deadLetters: [] });
  });

  it("names a durable consumer per (service, stream) and replays each one's dead letters through it", async () => {
    const authority = svc.ctx.authority!;
    const token = await authority.issueToken({ sub: "u-ops", name: "Vận hành", roles: ["ops"] });
    const client = createClient(OperationsServiceClient, svc.grpc.address, { log: svc.ctx.log, token: () => token });
    const list = (consumer: string, stream: string) =>
      new Promise<ListDeadLettersResponse>((resolve, reject) =>
        client.listDeadLetters({ consumer, stream }, (err, res) => (err ? reject(err) : resolve(res))),
      );
    const replay = (id: string) =>
      new Promise<ReplayDeadLetterResponse>((resolve, reject) =>
        client.replayDeadLetter({ id }, (err, res) => (err ? reject(err) : resolve(res))),
      );
    try {
      const jsm = await svc.ctx.bus.jsm();
      expect((await jsm.consumers.info("MEETINGS", "alpha-MEETINGS")).config.durable_name).toBe("alpha-MEETINGS");
      expect((await jsm.consumers.info("DOCUMENTS", "alpha-DOCUMENTS")).config.durable_name).toBe("alpha-DOCUMENTS");

      await svc.ctx.bus.publish(Concluded.of("meeting-1", { userId: "from-meetings", displayName: "", roles: [] }));
      await svc.ctx.bus.publish(Issued.of("document-1", { userId: "from-documents", displayName: "", roles: [] }));
      const letters = await until(async () => {
        const page = await list("", "");
        return page.deadLetters.length === 2 ? page.deadLetters : undefined;
      }, "a dead letter from each stream");
      const byStream = Object.fromEntries(letters.map((d) => [d.stream, d]));
      expect(byStream.MEETINGS).toMatchObject({ consumer: "alpha-MEETINGS", eventType: Concluded.type, error: /meetings handler refused/ });
      expect(byStream.DOCUMENTS).toMatchObject({ consumer: "alpha-DOCUMENTS", eventType: Issued.type, error: /documents handler refused/ });
      // each stream's letters alone, by either key
      expect((await list("", "MEETINGS")).deadLetters.map((d) => d.id)).toEqual([byStream.MEETINGS!.id]);
      expect((await list("alpha-DOCUMENTS", "")).deadLetters.map((d) => d.id)).toEqual([byStream.DOCUMENTS!.id]);
      // the gauge counts per (stream, consumer): neither shows the other's letter
      const metricsText = await (await fetch(`http://127.0.0.1:${svc.admin.port}/metrics`)).text();
      const gaugeLines = metricsText
        .split("\n")
        .filter((l) => l.startsWith("events_dead_letters") && !l.startsWith("events_dead_lettered"));
      expect(gaugeLines.find((l) => l.includes('consumer="alpha-MEETINGS"') && l.includes('stream="MEETINGS"'))).toMatch(/ 1$/);
      expect(gaugeLines.find((l) => l.includes('consumer="alpha-DOCUMENTS"') && l.includes('stream="DOCUMENTS"'))).toMatch(/ 1$/);

      // A replay that fails again keeps the original error and adds the attempt beside it.
      const failed = await replay(byStream.MEETINGS!.id);
      expect(failed).toMatchObject({ replayed: false, error: expect.stringMatching(/meetings handler refused/) });
      const [kept] = (await list("alpha-MEETINGS", "MEETINGS")).deadLetters;
      expect(kept!.error).toBe(byStream.MEETINGS!.error);
      expect(kept!.attempts.map((a) => ({ replay: a.replay, by: a.by }))).toEqual([
        { replay: false, by: "" },
        { replay: true, by: "u-ops" },
      ]);

      // Once the handlers work, both replay through their own consumer.
      refusing = false;
      for (const stream of ["MEETINGS", "DOCUMENTS"]) {
        expect(await replay(byStream[stream]!.id), stream).toEqual({ replayed: true, error: "" });
      }
      expect((await list("", "")).deadLetters).toEqual([]);
      const effects = await svc.ctx.mongo.db
        .collection("handled")
        .find({ from: { $exists: true } }, { projection: { _id: 0 } })
        .toArray();
      expect(effects.sort((a, b) => String(a.from).localeCompare(String(b.from)))).toEqual([
        { userId: "from-documents", from: "documents" },
        { userId: "from-meetings", from: "meetings" },
      ]);
    } finally {
      client.close();
    }
  });

  it("stops start-up when a variable is missing, naming it", () => {
    const out = spawnSync(process.execPath, ["--import", "tsx", path.join(here, "fixtures", "needs-variable.ts")], {
      env: { PATH: process.env.PATH, NATS_URL: "nats://127.0.0.1:1" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("EXAMPLE_REQUIRED: is required but not set");
  });
});
