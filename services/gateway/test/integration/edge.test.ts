/**
 * What the edge adds to every route: request ids, security headers, CORS for the configured portals
 * only, rate limits per person and per address (429 with Retry-After), body limits, problem+json with
 * no stack traces, and the statuses for a service that is away (503) or too slow (504).
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem({ gatewayEnv: { CORS_ORIGINS: "https://portal.moha.gov.vn,https://ops.moha.gov.vn" } });
}, 120_000);
afterAll(async () => sys?.stop());

describe("request ids and headers", () => {
  it("echoes a caller's request id, makes one otherwise, and sets security headers", async () => {
    const mine = await sys.http("GET", "/v1/me", { as: "vp-head", headers: { "x-request-id": "portal-7f3a.42" } });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("x-request-id")).toBe("portal-7f3a.42");
    const made = await sys.http("GET", "/v1/me", { as: "vp-head", headers: { "x-request-id": "bad id with spaces" } });
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    for (const h of [
      "content-security-policy",
      "strict-transport-security",
      "x-content-type-options",
      "x-frame-options",
      "referrer-policy",
    ])
      expect(made.headers.get(h), h).toBeTruthy();
    expect(made.headers.get("x-content-type-options")).toBe("nosniff");
    expect(made.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("carries the request id into a problem and never a stack trace", async () => {
    const res = await sys.http("GET", "/v1/tasks/does-not-exist", { as: "vp-head", headers: { "x-request-id": "trace-me-1" } });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ status: 404, requestId: "trace-me-1", instance: "/v1/tasks/does-not-exist", grpcStatus: "NOT_FOUND" });
    expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
    const route = await sys.http("GET", "/v1/no-such-thing", { as: "vp-head" });
    expect(route.status).toBe(404);
    expect(route.json.reason).toBe("NO_SUCH_ROUTE");
  });
});

describe("CORS", () => {
  it("answers a configured portal's preflight and requests", async () => {
    const pre = await fetch(`${sys.gateway.url}/v1/tasks`, {
      method: "OPTIONS",
      headers: {
        origin: "https://portal.moha.gov.vn",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://portal.moha.gov.vn");
    expect(pre.headers.get("access-control-allow-headers")).toContain("authorization");
    const get = await sys.http("GET", "/v1/me", { as: "vp-head", headers: { origin: "https://portal.moha.gov.vn" } });
    expect(get.headers.get("access-control-allow-origin")).toBe("https://portal.moha.gov.vn");
    expect(get.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("gives no CORS grant to any other origin", async () => {
    const pre = await fetch(`${sys.gateway.url}/v1/tasks`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const get = await sys.http("GET", "/v1/me", { as: "vp-head", headers: { origin: "https://portal.moha.gov.vn.evil.example" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("limits", () => {
  it("limits each person: 429 with Retry-After past the limit, others unaffected", async () => {
    const gw = await sys.extraGateway({ RATE_LIMIT_PER_USER: "5", RATE_LIMIT_PER_IP: "1000", RATE_LIMIT_WINDOW_MS: "60000" });
    const token = await sys.token("tcbc-head");
    const call = (t: string) => fetch(`${gw.url}/v1/me`, { headers: { authorization: `Bearer ${t}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(token)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const over = await call(token);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(over.headers.get("content-type")).toContain("application/problem+json");
    expect((await over.json()).reason).toBe("RATE_LIMITED");
    // Someone else from the same address still gets through.
    expect((await call(await sys.token("pc-head"))).status).toBe(200);
  });

  it("limits each address, before the token is even looked at", async () => {
    const gw = await sys.extraGateway({ RATE_LIMIT_PER_USER: "1000", RATE_LIMIT_PER_IP: "3", RATE_LIMIT_WINDOW_MS: "60000" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${gw.url}/v1/me`, { headers: { authorization: "Bearer a.b.c" } })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it("refuses a body over the limit with 413, and a body that is not JSON with 415", async () => {
    const big = await sys.http("POST", "/v1/tasks", { as: "vp-head", body: { title: "x".repeat(1_100_000) } });
    expect(big.status).toBe(413);
    expect(big.headers.get("content-type")).toContain("application/problem+json");
    const xml = await sys.http("POST", "/v1/tasks", { as: "vp-head", body: "<task/>", headers: { "content-type": "application/xml" } });
    expect(xml.status).toBe(415);
    expect(xml.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("services away or slow", () => {
  it("answers 503 with Retry-After when a service cannot be reached", async () => {
    const closed = await freePort();
    const gw = await sys.extraGateway({ TASKS_GRPC_ADDR: `127.0.0.1:${closed}`, GRPC_DEADLINE_MS: "3000" });
    const res = await fetch(`${gw.url}/v1/tasks/x`, { headers: { authorization: `Bearer ${await sys.token("vp-head")}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    const body = await res.json();
    expect(body).toMatchObject({ status: 503, grpcStatus: "UNAVAILABLE" });
    expect(JSON.stringify(body)).not.toContain(String(closed));
  });

  it("answers 504 when a service does not answer within the deadline", async () => {
    // A server that accepts connections and never says a word: the call can only end by its deadline.
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const gw = await sys.extraGateway({
        TASKS_GRPC_ADDR: `127.0.0.1:${(silent.address() as AddressInfo).port}`,
        GRPC_DEADLINE_MS: "300",
      });
      const res = await fetch(`${gw.url}/v1/tasks/x`, { headers: { authorization: `Bearer ${await sys.token("vp-head")}` } });
      expect(res.status).toBe(504);
      expect((await res.json()).grpcStatus).toBe("DEADLINE_EXCEEDED");
    } finally {
      silent.close();
    }
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
