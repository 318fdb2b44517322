import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { SpanKind, context, propagation, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../src/mongo.js";
import { AuditLog, EventConsumer, Outbox, type EventBus } from "../../src/events/index.js";
import { TaskAssigned, actor, startInfra, streamMessages, waitFor, type Infra } from "./helpers.js";

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

let infra: Infra;
let bus: EventBus;

beforeAll(async () => {
  infra = await startInfra();
  bus = await infra.bus();
  await bus.ensureStream({ service: "tasks" });
});
afterAll(async () => {
  await infra?.dispose();
});

const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe("trace context through events", () => {
  it("the consumer's span is a child of the producer's, which continues the command that wrote the outbox record", async () => {
    const db = await infra.db("tracing");
    const audit = new AuditLog(db);
    const outbox = new Outbox({ db, bus, pollIntervalMs: 600_000 });
    let activeInHandler: string | undefined;
    const consumer = new EventConsumer({ bus, client: infra.mongo.client, db, name: "notifications", producer: "tasks" }).on(
      TaskAssigned,
      async (event, session) => {
        activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
        await audit.record(session, {
          actor: actor("system"),
          action: "notification.queued",
          target: { type: "task", id: event.aggregateId },
        });
      },
    );
    outbox.start();
    await consumer.start();
    try {
      const tracer = trace.getTracer("test");
      const command = await tracer.startActiveSpan("AssignTask", async (span) => {
        await inTransaction(infra.mongo.client, (session) => outbox.add(session, TaskAssigned.of("task-1", actor("u1"))));
        span.end();
        return span;
      });
      const processed = await waitFor("the consumer span", () => spanNamed("tasks.task.assigned process"));
      const published = spanNamed("tasks.task.assigned publish")!;
      const { traceId, spanId: commandSpanId } = command.spanContext();

      expect(published.kind).toBe(SpanKind.PRODUCER);
      expect(published.spanContext().traceId).toBe(traceId);
      expect(parentId(published)).toBe(commandSpanId);

      expect(processed.kind).toBe(SpanKind.CONSUMER);
      expect(processed.spanContext().traceId).toBe(traceId);
      expect(parentId(processed)).toBe(published.spanContext().spanId);
      expect(processed.attributes).toMatchObject({
        "messaging.system": "nats",
        "messaging.consumer.group.name": "notifications-TASKS",
        "cloudevents.event_type": TaskAssigned.type,
      });
      expect(activeInHandler).toBe(processed.spanContext().spanId);

      // the stored message carries the producer span's context
      const [message] = await streamMessages(bus, "tasks");
      expect(message!.header.get("traceparent")).toBe(`00-${traceId}-${published.spanContext().spanId}-01`);
      // and the consumer's audit record the trace id
      expect(await audit.collection.findOne({ action: "notification.queued" })).toMatchObject({ traceId });
    } finally {
      await consumer.stop();
      await outbox.stop();
    }
  });
});
