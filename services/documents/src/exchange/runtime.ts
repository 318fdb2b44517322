/**
 * The exchange as the service runs it: one connector to the Government Office's endpoint, the sender
 * of the queue (packages and status packets queued by commands) and the poller of the ministry's inbox,
 * whose items become incoming documents (IncomingCommands.receivePackage) or are refused (a status 02).
 * Without an endpoint (EXCHANGE_URL empty) nothing starts: commands still queue, nothing is sent.
 */
import type { Logger } from "@ministry/platform";
import type { AppContext } from "../app/context.js";
import type { UseCases } from "../app/index.js";
import { type ExchangeCredentials, ExchangeConnector } from "./connector.js";
import { DEFAULT_EDXML_LIMITS } from "./edxml/index.js";
import { ExchangePoller } from "./incoming-poller.js";
import { ExchangeSender } from "./outgoing-queue.js";

export interface ExchangeRuntime {
  stop(): Promise<void>;
  sender?: ExchangeSender;
  poller?: ExchangePoller;
}

export interface ExchangeOptions {
  url: string;
  username: string;
  password: string;
  token: string;
  pollIntervalMs: number;
  log: Logger;
}

function credentialsOf(opts: ExchangeOptions): ExchangeCredentials | undefined {
  if (opts.token) return { token: opts.token };
  if (opts.username) return { username: opts.username, password: opts.password };
  return undefined;
}

export function startExchange(app: AppContext, useCases: UseCases, opts: ExchangeOptions): ExchangeRuntime {
  if (!opts.url) {
    opts.log.info("no EXCHANGE_URL: the exchange is off (packages and statuses stay queued)");
    return { stop: async () => {} };
  }
  // Stops retries and requests in flight when the service stops.
  const shutdown = new AbortController();
  const connector = new ExchangeConnector({
    baseUrl: opts.url,
    credentials: credentialsOf(opts),
    signal: shutdown.signal,
    limits: { ...DEFAULT_EDXML_LIMITS, maxPackageBytes: app.settings.packageMaxBytes, maxAttachmentBytes: app.settings.attachmentMaxBytes },
    onRetry: (e) => opts.log.debug({ ...e }, "exchange: retrying"),
  });
  // The back-offs follow the polling rhythm (a fast poll in tests, seconds in production), within bounds.
  const interval = opts.pollIntervalMs;
  const passRetry = { initialMs: Math.min(1_000, interval), maxMs: Math.min(60_000, Math.max(2_000, interval * 12)) };
  const sender = new ExchangeSender({
    queue: app.exchangeQueue,
    connector,
    retry: { initialMs: Math.min(5_000, Math.max(500, interval * 5)), maxMs: 15 * 60_000 },
    passRetry,
    log: opts.log.child({ loop: "sender" }),
  });
  const poller = new ExchangePoller({
    client: app.deps.client,
    db: app.db,
    connector,
    organ: app.settings.organId,
    handler: async (item, session) => {
      await useCases.incoming.receivePackage(item, session);
    },
    onRefused: (item, problems, session) => useCases.incoming.onRefused(item, problems, session),
    pollIntervalMs: interval,
    passRetry,
    log: opts.log.child({ loop: "poller" }),
  });
  sender.start();
  poller.start();
  return {
    sender,
    poller,
    async stop() {
      shutdown.abort();
      await Promise.all([poller.stop(), sender.stop()]);
    },
  };
}
