import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AdminPortInUseError, startAdminServer, type AdminServer, type Readiness } from "../../src/admin/index.js";
import { createLogger } from "../../src/logger.js";

const log = createLogger("admin-test", "silent");
const servers: AdminServer[] = [];

async function start(opts: Partial<Parameters<typeof startAdminServer>[0]> = {}): Promise<{ srv: AdminServer; base: string }> {
  const srv = await startAdminServer({ port: 0, host: "127.0.0.1", log, readiness: async () => ({ ready: true, checks: {} }), ...opts });
  servers.push(srv);
  return { srv, base: `http://127.0.0.1:${srv.port}` };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("admin server", () => {
  it("answers /healthz with 200 whatever readiness says", async () => {
    const { base } = await start({ readiness: async () => ({ ready: false, checks: { mongo: false } }) });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers /readyz with 200 when every check passes, 503 with the checks when one does not", async () => {
    let answer: Readiness = { ready: true, checks: { mongo: true, nats: true, consumers: true } };
    const { base } = await start({ readiness: async () => answer });

    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, checks: { mongo: true, nats: true, consumers: true } });

    answer = { ready: false, checks: { mongo: true, nats: "disconnected", consumers: true } };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { mongo: true, nats: "disconnected", consumers: true } });
  });

  it("does not trust ready: true when a check fails", async () => {
    const { base } = await start({ readiness: async () => ({ ready: true, checks: { mongo: true, nats: "connecting" } }) });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { mongo: true, nats: "connecting" } });
  });

  it("answers 503 when readiness throws or does not answer in time", async () => {
    const { base: failing } = await start({
      readiness: async () => {
        throw new Error("mongo unreachable");
      },
    });
    let res = await fetch(`${failing}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { readiness: "failed: mongo unreachable" } });

    const { base: hanging } = await start({ readiness: () => new Promise<Readiness>(() => {}), readinessTimeoutMs: 100 });
    const started = Date.now();
    res = await fetch(`${hanging}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { readiness: "no answer within 100 ms" } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("answers 503 after markNotReady, whatever the checks say", async () => {
    const { srv, base } = await start();
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    srv.markNotReady("shutting down");
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { shutdown: "shutting down" } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("delegates /metrics to the given handler, sync or async, and 404s without one", async () => {
    const { base } = await start({
      metrics: (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end("# HELP up 1 when up\nup 1\n");
      },
    });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("up 1");

    const { base: failing } = await start({
      metrics: async () => {
        throw new Error("exporter broke");
      },
    });
    expect((await fetch(`${failing}/metrics`)).status).toBe(500);

    const { base: none } = await start();
    expect((await fetch(`${none}/metrics`)).status).toBe(404);
  });

  it("404s unknown paths, 405s other methods, ignores query strings, and answers HEAD without a body", async () => {
    const { base } = await start();
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const post = await fetch(`${base}/readyz`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${base}/healthz?verbose=1`)).status).toBe(200);
    const head = await fetch(`${base}/readyz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("closes promptly even with a keep-alive connection open, and close() twice is fine", async () => {
    const { srv } = await start();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port: srv.port, path: "/healthz", agent }, (res) => {
          res.resume();
          res.on("end", resolve);
        })
        .on("error", reject);
    });
    const started = Date.now();
    await Promise.all([srv.close(), srv.close()]);
    expect(Date.now() - started).toBeLessThan(1_500);
    agent.destroy();
    await expect(fetch(`http://127.0.0.1:${srv.port}/healthz`)).rejects.toThrow();
  });

  it("fails to start on a taken port with an error naming it", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const attempt = startAdminServer({ port, host: "127.0.0.1", log, readiness: async () => ({ ready: true, checks: {} }) });
      await expect(attempt).rejects.toBeInstanceOf(AdminPortInUseError);
      await expect(attempt).rejects.toThrow(`admin port ${port}`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
