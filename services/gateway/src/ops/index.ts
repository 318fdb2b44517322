/**
 * The operators' page (`/ops`) and its data API (`/v1/ops/*`): a collector reads every service's health
 * and metrics on its admin port (and the gateway's own) every OPS_SCRAPE_INTERVAL_MS; the API answers
 * from it and reaches each service's OperationsService for dead letters. See collector.ts, routes.ts.
 */
import { metricsHandler, type Logger } from "@ministry/platform";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { GatewayConfig } from "../config.js";
import type { ServiceClients } from "../contracts/clients.js";
import { Collector } from "./collector.js";
import { DeadLetterClients } from "./dead-letters.js";
import { registerOpsPage } from "./page.js";
import { registerOpsRoutes } from "./routes.js";

export interface OpsOptions {
  config: GatewayConfig;
  log: Logger;
  clients: ServiceClients;
}

export function opsPlugin(app: FastifyInstance, opts: OpsOptions): void {
  const { config } = opts;
  const log = opts.log.child({ part: "ops" });
  const collector = new Collector({
    intervalMs: config.OPS_SCRAPE_INTERVAL_MS,
    log,
    targets: [
      { name: "gateway" },
      { name: "tasks", adminUrl: config.TASKS_ADMIN_URL },
      { name: "notifications", adminUrl: config.NOTIFICATIONS_ADMIN_URL },
      { name: "meetings", adminUrl: config.MEETINGS_ADMIN_URL },
      { name: "documents", adminUrl: config.DOCUMENTS_ADMIN_URL },
    ],
    self: async () => ({
      health: {
        up: true,
        ready: app.server.listening,
        checks: { http: app.server.listening || "not listening" },
        version: config.SERVICE_VERSION,
      },
      metrics: await ownMetrics(),
    }),
  });
  const deadLetters = new DeadLetterClients(
    {
      tasks: config.TASKS_GRPC_ADDR,
      notifications: config.NOTIFICATIONS_GRPC_ADDR,
      meetings: config.MEETINGS_GRPC_ADDR,
      documents: config.DOCUMENTS_GRPC_ADDR,
    },
    log,
    config.GRPC_DEADLINE_MS,
  );
  registerOpsRoutes(app, { collector, deadLetters, deadlineMs: config.GRPC_DEADLINE_MS });
  registerOpsPage(app);
  app.addHook("onReady", async () => collector.start());
  app.addHook("onClose", async () => {
    await collector.stop();
    deadLetters.close();
  });
}

const handler = metricsHandler();

/**
 * The gateway process's Prometheus text, as its admin port's /metrics serves it (the same handler),
 * taken in-process: the admin server starts after the HTTP app, so its address is not known here.
 */
function ownMetrics(): Promise<string> {
  return new Promise((resolve) => {
    const res = {
      statusCode: 200,
      setHeader() {},
      end(text?: string) {
        resolve(res.statusCode === 200 ? (text ?? "") : "");
      },
    };
    handler({} as IncomingMessage, res as unknown as ServerResponse);
  });
}
