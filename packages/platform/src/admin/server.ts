/**
 * The admin HTTP port every service opens beside gRPC: liveness (`/healthz`), readiness (`/readyz`) and
 * Prometheus metrics (`/metrics`). Plain `node:http` so it stays up and cheap even when the rest of the
 * process is struggling, and so an orchestrator's probes never depend on a framework's plugins.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger.js";

/** A check passes only when it is `true`; a string says why it does not (e.g. "connecting", an error message). */
export type ReadinessCheckValue = boolean | string;

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheckValue>;
}

export type MetricsHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/**
 * A service's own GET paths on the admin port (e.g. calendar feeds under "/calendar/"). The path may
 * carry a secret, so the server never logs it: a failure is logged with the route's prefix only.
 */
export interface AdminRoute {
  /** Every path starting with this (e.g. "/calendar/") goes to `handle`; the built-in paths come first. */
  prefix: string;
  /** Answers a GET or HEAD (other methods get 405 before it is called). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

export interface AdminServerOptions {
  port: number;
  host?: string;
  log: Logger;
  /** Asked on every `/readyz`; the process is ready when `ready` is true and every check is `true`. */
  readiness: () => Promise<Readiness>;
  /** Serves `/metrics` (e.g. the OpenTelemetry Prometheus exporter's request handler); 404 without it. */
  metrics?: MetricsHandler;
  /** A readiness answer slower than this counts as not ready, so a hung dependency cannot hang the probe. */
  readinessTimeoutMs?: number;
  /** The service's extra GET paths. */
  routes?: AdminRoute[];
  /** Answered in `/healthz` (the ops page shows it); SERVICE_VERSION. */
  version?: string;
}

export interface AdminServer {
  port: number;
  /** From now on `/readyz` answers 503 with this reason, whatever the checks say: the process is shutting down. */
  markNotReady(reason: string): void;
  /** Stops listening and closes open connections (keep-alive scrapers included). Safe to call twice. */
  close(): Promise<void>;
}

const BUILT_IN = new Set(["/healthz", "/readyz", "/metrics"]);

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export class AdminPortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`admin port ${port} on ${host} is already in use: set ADMIN_PORT to a free port`);
  }
}

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const host = opts.host ?? "127.0.0.1";
  const readinessTimeoutMs = opts.readinessTimeoutMs ?? 5_000;
  const log = opts.log;
  const routes = opts.routes ?? [];
  let notReadyReason: string | undefined;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: loggablePath(req) }, "admin request failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  // Probes are tiny; a client that dawdles over its headers is not worth a socket.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  function routeOf(path: string): AdminRoute | undefined {
    if (BUILT_IN.has(path)) return undefined;
    return routes.find((r) => path.startsWith(r.prefix));
  }

  /** A route's path may hold a secret: only its prefix is written to logs. */
  function loggablePath(req: http.IncomingMessage): string {
    const path = (req.url ?? "/").split("?")[0];
    return routeOf(path)?.prefix ?? path;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const route = routeOf(path);
    if (route) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        send(res, 405, { error: `method ${req.method} not allowed` });
        return;
      }
      await route.handle(req, res);
      return;
    }
    if (!BUILT_IN.has(path)) {
      send(res, 404, { error: `no such path: ${path}` });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, { error: `method ${req.method} not allowed` });
      return;
    }
    if (path === "/healthz") {
      send(res, 200, { status: "ok", ...(opts.version ? { version: opts.version } : {}) });
      return;
    }
    if (path === "/readyz") {
      const answer = await readinessNow();
      send(res, answer.ready ? 200 : 503, answer);
      return;
    }
    if (!opts.metrics) {
      send(res, 404, { error: "metrics are not enabled" });
      return;
    }
    await opts.metrics(req, res);
  }

  async function readinessNow(): Promise<Readiness> {
    if (notReadyReason !== undefined) return { ready: false, checks: { shutdown: notReadyReason } };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Readiness>((resolve) => {
      timer = setTimeout(
        () => resolve({ ready: false, checks: { readiness: `no answer within ${readinessTimeoutMs} ms` } }),
        readinessTimeoutMs,
      );
    });
    try {
      const answer = await Promise.race([
        opts.readiness().catch((err: unknown): Readiness => ({ ready: false, checks: { readiness: `failed: ${errorMessage(err)}` } })),
        timeout,
      ]);
      const checks = answer.checks ?? {};
      const ready = answer.ready === true && Object.values(checks).every((v) => v === true);
      return { ready, checks };
    } finally {
      clearTimeout(timer);
    }
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new AdminPortInUseError(host, opts.port) : err);
    };
    server.once("error", onError);
    server.listen({ port: opts.port, host, exclusive: true }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  server.on("error", (err) => log.error({ err }, "admin server error"));
  log.info(
    { host, port },
    `admin server listening (${["/healthz", "/readyz", "/metrics", ...routes.map((r) => `${r.prefix}*`)].join(", ")})`,
  );

  let closing: Promise<void> | undefined;
  return {
    port,
    markNotReady(reason) {
      notReadyReason = reason;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (a Prometheus scraper, a load balancer's probe) would hold close() open.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text) });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
