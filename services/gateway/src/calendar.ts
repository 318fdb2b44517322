/**
 * `/v1/calendar/{feed-token}.ics`: a person's or a series' iCalendar feed, passed through from the
 * meetings service's admin port. Calendar applications cannot send a bearer token, so the secret in the
 * path is the credential (revocable with RevokeFeedToken); the path is never logged, and an unknown or
 * revoked token gets the meetings service's own 404.
 */
import type { FastifyInstance } from "fastify";
import { HttpProblem } from "./http/problem.js";

const FEED = /^([A-Za-z0-9_-]{16,128})\.ics$/;
const PASSED_HEADERS = ["content-type", "etag", "cache-control", "last-modified", "content-disposition"];

export function calendarPlugin(app: FastifyInstance, opts: { meetingsAdminUrl: string; timeoutMs?: number }): void {
  app.get(
    "/v1/calendar/:feed",
    {
      config: { public: true },
      schema: {
        tags: ["meetings"],
        summary: "Lịch họp dạng iCalendar / A calendar feed (iCalendar)",
        description:
          "The URL CreateFeedToken returns; no bearer token (the secret in the path is the credential). Answers 304 to If-None-Match.",
        params: { type: "object", properties: { feed: { type: "string", pattern: "^[A-Za-z0-9_-]{16,128}\\.ics$" } }, required: ["feed"] },
        response: {
          200: { description: "text/calendar", content: { "text/calendar": { schema: { type: "string" } } } },
          304: { description: "Not modified" },
        },
      },
    },
    async (req, reply) => {
      const m = FEED.exec((req.params as { feed: string }).feed);
      if (!m) throw new HttpProblem(404, "NO_SUCH_FEED", "Không có lịch này / No such calendar feed");
      const headers: Record<string, string> = {};
      const inm = req.headers["if-none-match"];
      if (typeof inm === "string") headers["if-none-match"] = inm;
      let res: Response;
      try {
        res = await fetch(`${opts.meetingsAdminUrl}/calendar/${m[1]}.ics`, {
          headers,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (err) {
        const timedOut = err instanceof Error && err.name === "TimeoutError";
        throw new HttpProblem(
          timedOut ? 504 : 503,
          timedOut ? "UPSTREAM_TIMEOUT" : "UPSTREAM_UNAVAILABLE",
          "Dịch vụ họp không trả lời / The meetings service did not answer",
          {},
          { "retry-after": "5" },
        );
      }
      if (res.status === 404) throw new HttpProblem(404, "NO_SUCH_FEED", "Không có lịch này / No such calendar feed");
      if (res.status !== 200 && res.status !== 304)
        throw new HttpProblem(503, "UPSTREAM_FAILED", "Dịch vụ họp không trả được lịch / The meetings service could not answer");
      for (const h of PASSED_HEADERS) {
        const v = res.headers.get(h);
        if (v) reply.header(h, v);
      }
      reply.code(res.status);
      return res.status === 304 ? reply.send() : reply.send(Buffer.from(await res.arrayBuffer()));
    },
  );
}
