import http from "node:http";
import type { AddressInfo } from "node:net";
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMongo, type MongoConnection } from "../src/mongo.js";
import { instrumentMongoClient, metricsHandler, startTelemetry, type Telemetry } from "../src/telemetry.js";

async function scrape(): Promise<{ status: number; text: string }> {
  const server = http.createServer(metricsHandler());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    return { status: res.status, text: await res.text() };
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe("telemetry lifecycle", () => {
  it("answers 503 on /metrics until started, refuses a second start, and can start again after shutdown", async () => {
    expect((await scrape()).status).toBe(503);
    const first = startTelemetry({ serviceName: "lifecycle" });
    expect(() => startTelemetry({ serviceName: "again" })).toThrow(/already started/);
    first.meter.createCounter("lifecycle.events").add(3, { kind: "test" });
    const { status, text } = await scrape();
    expect(status).toBe(200);
    expect(text).toMatch(/lifecycle_events_total\{[^}]*kind="test"[^}]*\} 3/);
    expect(text).toMatch(/target_info\{[^}]*service_name="lifecycle"/);
    await first.shutdown();
    expect((await scrape()).status).toBe(503);

    const second = startTelemetry({ serviceName: "lifecycle-2" });
    second.meter.createCounter("second.events").add(1);
    expect((await scrape()).text).toContain("second_events_total");
    await second.shutdown();
  });

  it("puts each metric's unit in its Prometheus name: seconds, bytes, ratios; annotations dropped; counters in _total", async () => {
    const t = startTelemetry({ serviceName: "units" });
    try {
      t.meter.createHistogram("units.call.duration", { unit: "s" }).record(0.2);
      t.meter.createCounter("units.sent", { unit: "By" }).add(10);
      t.meter.createCounter("units.events", { unit: "{event}" }).add(1);
      t.meter.createObservableGauge("units.used", { unit: "1" }).addCallback((r) => r.observe(0.5));
      const { text } = await scrape();
      expect(text).toMatch(/^# TYPE units_call_duration_seconds histogram$/m);
      expect(text).toMatch(/^# UNIT units_call_duration_seconds seconds$/m);
      expect(text).toMatch(/^units_call_duration_seconds_count\{[^}]*\} 1$/m);
      expect(text).toMatch(/^units_sent_bytes_total\{[^}]*\} 10$/m);
      expect(text).toMatch(/^units_events_total\{[^}]*\} 1$/m);
      expect(text).not.toMatch(/^# UNIT units_events_total/m);
      expect(text).toMatch(/^units_used_ratio\{[^}]*\} 0\.5$/m);
    } finally {
      await t.shutdown();
    }
  });

  it("registers W3C trace-context propagation and an async context manager", async () => {
    const exporter = new InMemorySpanExporter();
    const t = startTelemetry({ serviceName: "propagation", spanExporter: exporter });
    try {
      await t.tracer.startActiveSpan("outer", async (span) => {
        await new Promise((r) => setTimeout(r, 5));
        // Still the active span after an await: AsyncLocalStorage carries it.
        expect(trace.getActiveSpan()).toBe(span);
        const carrier: Record<string, string> = {};
        propagation.inject(context.active(), carrier);
        expect(carrier.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
        span.end();
      });
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["outer"]);
      expect(exporter.getFinishedSpans()[0].resource.attributes["service.name"]).toBe("propagation");
    } finally {
      await t.shutdown();
    }
    expect(metrics.getMeterProvider()).not.toBe(t.meterProvider);
  });
});

describe("MongoDB command spans", () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let conn: MongoConnection;
  let uninstrument: () => void;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: "mongo-spans", spanExporter: exporter });
    conn = await connectMongo({ dbName: "telemetry_test" });
    uninstrument = instrumentMongoClient(conn.client);
  });
  afterAll(async () => {
    uninstrument?.();
    await conn?.close();
    await telemetry?.shutdown();
  });

  it("makes a CLIENT span per command, named by command and namespace, child of the active span, without the command body", async () => {
    exporter.reset();
    const things = conn.db.collection("things");
    const root = await telemetry.tracer.startActiveSpan("use case", async (span) => {
      await things.insertOne({ code: "T-1", secret: "Tuyệt mật content" });
      await things.find({ code: "T-1" }).toArray();
      await things.updateOne({ code: "T-1" }, { $set: { state: "done" } });
      span.end();
      return span;
    });
    const finished = exporter.getFinishedSpans();
    const byName = (name: string) => finished.find((s) => s.name === name);
    for (const name of ["insert telemetry_test.things", "find telemetry_test.things", "update telemetry_test.things"]) {
      const span = byName(name);
      expect(span, name).toBeDefined();
      expect(span!.kind).toBe(SpanKind.CLIENT);
      expect(span!.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(span!.spanContext().traceId).toBe(root.spanContext().traceId);
    }
    expect(byName("insert telemetry_test.things")!.attributes).toMatchObject({
      "db.system.name": "mongodb",
      "db.namespace": "telemetry_test",
      "db.collection.name": "things",
      "db.operation.name": "insert",
      "server.address": "127.0.0.1",
    });
    expect(byName("insert telemetry_test.things")!.attributes["server.port"]).toBeTypeOf("number");
    const everything = JSON.stringify(finished.map((s) => ({ attributes: s.attributes, events: s.events, status: s.status })));
    expect(everything).not.toContain("Tuyệt mật");
    expect(everything).not.toContain("T-1");
  });

  it("names database-level commands by the database alone", async () => {
    exporter.reset();
    await conn.db.command({ ping: 1 });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toContain("ping telemetry_test");
  });

  it("marks failed commands and write errors without recording their messages", async () => {
    exporter.reset();
    const unique = conn.db.collection("uniques");
    await unique.createIndex({ email: 1 }, { unique: true });
    await unique.insertOne({ email: "a@bo.gov.vn" });
    await expect(unique.insertOne({ email: "a@bo.gov.vn" })).rejects.toThrow();
    await expect(conn.db.command({ noSuchCommand: 1 })).rejects.toThrow();
    const failed = exporter.getFinishedSpans().filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed.map((s) => s.name).sort()).toEqual(["insert telemetry_test.uniques", "noSuchCommand telemetry_test"]);
    const dup = failed.find((s) => s.name.startsWith("insert"))!;
    expect(dup.attributes["db.response.status_code"]).toBe("11000");
    expect(JSON.stringify(failed.map((s) => [s.attributes, s.status, s.events]))).not.toContain("a@bo.gov.vn");
  });

  it("stops making spans once uninstrumented", async () => {
    uninstrument();
    exporter.reset();
    await conn.db.command({ ping: 1 });
    expect(exporter.getFinishedSpans()).toEqual([]);
    uninstrument = instrumentMongoClient(conn.client);
  });
});
