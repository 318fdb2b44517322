/**
 * pino JSON logs with the service name on every line and the active span's trace_id/span_id, so a log
 * line leads to its trace. Credentials never reach the log: authorization headers, tokens, passwords and
 * secrets are redacted wherever they appear in logged objects.
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
  return destination ? pino(options, destination) : pino(options);
}
