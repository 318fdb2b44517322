/**
 * The calendar route on the platform's real admin server, before any database is involved: malformed
 * paths are refused without a look-up, refusals all look alike, and no path reaches the logs.
 * (The round trip with a real token is feed-http.test.ts, on the running service.)
 */
import { createLogger, startAdminServer, type AdminServer } from "@ministry/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/app/context.js";
import type { Feeds } from "../../src/app/feeds.js";
import { calendarRoute } from "../../src/calendar/http.js";

const lines: string[] = [];
const log = createLogger("calendar-route-test", "info", { write: (s: string) => lines.push(s) });
const looked: string[] = [];
// Stands in for the use case, to see whether the route asks it at all; it knows no secret.
const feeds = {
  async resolveFeed(secret: string) {
    looked.push(secret);
    if (secret.startsWith("boom")) throw new Error("database unavailable");
    return undefined;
  },
} as unknown as Feeds;

let admin: AdminServer;
let base: string;

beforeAll(async () => {
  admin = await startAdminServer({
    port: 0,
    log,
    readiness: async () => ({ ready: true, checks: {} }),
    routes: [calendarRoute(feeds, {} as AppContext)],
  });
  base = `http://127.0.0.1:${admin.port}`;
});

afterAll(async () => {
  await admin.close();
});

const wellFormed = "A".repeat(43);

describe("calendar route", () => {
  it("refuses malformed paths with 404 without looking anything up", async () => {
    const bodies = new Set<string>();
    for (const p of [
      "/calendar/",
      "/calendar/short.ics",
      `/calendar/${"A".repeat(44)}.ics`,
      `/calendar/${"A".repeat(42)}=.ics`,
      `/calendar/${wellFormed}`,
      `/calendar/${wellFormed}.ics/x`,
      `/calendar/${"A".repeat(42)}%2F.ics`,
    ]) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(404);
      bodies.add(await res.text());
    }
    expect(looked).toEqual([]);
    // An unknown (or revoked) secret answers exactly as a malformed one.
    const unknown = await fetch(`${base}/calendar/${wellFormed}.ics?x=1`);
    expect(unknown.status).toBe(404);
    bodies.add(await unknown.text());
    expect(looked).toEqual([wellFormed]);
    expect(bodies.size).toBe(1);
    expect(unknown.headers.get("cache-control")).toBe("no-store");
  });

  it("answers only GET and HEAD", async () => {
    const res = await fetch(`${base}/calendar/${wellFormed}.ics`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(`${base}/calendar/${wellFormed}.ics`, { method: "HEAD" });
    expect(head.status).toBe(404);
  });

  it("leaves the built-in paths alone", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it("logs a failure with the route's prefix, never the secret", async () => {
    const secret = `boom${"B".repeat(39)}`;
    const res = await fetch(`${base}/calendar/${secret}.ics`);
    expect(res.status).toBe(500);
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    const failure = lines.map((l) => JSON.parse(l) as { msg: string; path?: string }).find((l) => l.msg === "admin request failed");
    expect(failure?.path).toBe("/calendar/");
    expect(lines.join("\n")).not.toContain(secret);
  });
});
