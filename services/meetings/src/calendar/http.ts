/**
 * The calendar feeds on the admin port: GET or HEAD /calendar/<secret>.ics. The secret is the only
 * credential, so every refusal looks the same (404, one body), a malformed path is refused before any
 * database read, and nothing here logs the path.
 */
import type { AdminRoute } from "@ministry/platform";
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../app/context.js";
import { SECRET_PATTERN, type Feeds } from "../app/feeds.js";
import { feedCalendar } from "./ical.js";

export const CALENDAR_PREFIX = "/calendar/";
const FEED_PATH = /^\/calendar\/([A-Za-z0-9_-]+)\.ics$/;
const NOT_FOUND_BODY = "Không tìm thấy lịch / Calendar not found\n";

export function calendarRoute(feeds: Feeds, app: AppContext): AdminRoute {
  return {
    prefix: CALENDAR_PREFIX,
    async handle(req, res) {
      const secret = FEED_PATH.exec((req.url ?? "").split("?")[0])?.[1];
      if (!secret || !SECRET_PATTERN.test(secret)) return notFound(res);
      const token = await feeds.resolveFeed(secret);
      if (!token) return notFound(res);
      const body = await feedCalendar(app, token);
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
      const headers = {
        "content-type": "text/calendar; charset=utf-8",
        "cache-control": "private, max-age=300",
        etag,
        "x-content-type-options": "nosniff",
      };
      if (matches(req, etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    },
  };
}

/** Whether If-None-Match names this ETag (weak comparison, as RFC 9110 asks for GET and HEAD). */
function matches(req: IncomingMessage, etag: string): boolean {
  const header = req.headers["if-none-match"];
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(NOT_FOUND_BODY),
  });
  res.end(res.req.method === "HEAD" ? undefined : NOT_FOUND_BODY);
}
