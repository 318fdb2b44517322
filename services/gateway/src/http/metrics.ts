/**
 * The gateway's own request metrics (OpenTelemetry, on its admin port's /metrics like every service's):
 * requests by route template, method and status class, and their duration.
 */
import { metrics } from "@opentelemetry/api";
import type { FastifyReply, FastifyRequest } from "fastify";

export class HttpMetrics {
  private readonly duration = metrics.getMeter("ministry-gateway").createHistogram("http.server.request.duration", {
    unit: "s",
    description: "HTTP requests served by the gateway",
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  });

  record(req: FastifyRequest, reply: FastifyReply): void {
    this.duration.record(reply.elapsedTime / 1000, {
      "http.request.method": req.method,
      "http.route": req.routeOptions.url ?? "(none)",
      "http.response.status_code": reply.statusCode,
    });
  }
}
