import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});

describe("logger", () => {
  it("writes JSON with the service name, and never credentials", () => {
    const { lines, stream } = capture();
    const log = createLogger("tasks", "info", stream);
    log.info({ metadata: { authorization: "Bearer abc.def" }, user: { password: "p", token: "t", name: "Nguyễn Văn A" } }, "called");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: "tasks", msg: "called", level: 30 });
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain("abc.def");
    expect(text).not.toContain('"p"');
    expect(text).toContain("[redacted]");
    expect(text).toContain("Nguyễn Văn A");
  });

  it("carries trace_id and span_id of the active span", () => {
    const { lines, stream } = capture();
    const log = createLogger("tasks", "info", stream);
    const tracer = new BasicTracerProvider().getTracer("test");
    tracer.startActiveSpan("work", (span) => {
      log.info("inside");
      span.end();
    });
    log.info("outside");
    const span = lines[0];
    expect(span.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(span.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(lines[1].trace_id).toBeUndefined();
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
