/**
 * The documents service as the platform runs it: configuration, indexes, the use cases, gRPC services,
 * the exchange's sender and poller, the consumer of meetings' conclusions and the seed step.
 */
import type { ServiceSpec } from "@ministry/platform";
import { DocumentServiceService, ExchangeServiceService, RegisterServiceService } from "@ministry/proto/ministry/documents/v1/documents";
import { AppContext } from "./app/context.js";
import { registerDocumentGauges } from "./app/gauges.js";
import { HandlingWatch } from "./app/handling-watch.js";
import { createUseCases, type UseCases } from "./app/index.js";
import { documentsConfigSchema } from "./config.js";
import { registerConsumers } from "./events/consumers.js";
import { startExchange, type ExchangeRuntime } from "./exchange/runtime.js";
import { exchangeHandlers, registerHandlers } from "./grpc/exchange-handlers.js";
import { incomingHandlers } from "./grpc/incoming-handlers.js";
import { outgoingHandlers } from "./grpc/outgoing-handlers.js";
import { queryHandlers } from "./grpc/query-handlers.js";
import { seedDocuments } from "./seed/index.js";
import { DOCUMENTS_INDEXES } from "./store/indexes.js";

export interface DocumentsRuntime extends UseCases {
  app: AppContext;
  exchange: ExchangeRuntime;
  handlingWatch: HandlingWatch;
}

export function documentsService(onReady?: (runtime: DocumentsRuntime) => void): ServiceSpec<typeof documentsConfigSchema> {
  return {
    name: "documents",
    config: documentsConfigSchema,
    indexes: DOCUMENTS_INDEXES,
    async setup(ctx) {
      const { config, log } = ctx;
      const app = new AppContext({
        client: ctx.mongo.client,
        db: ctx.mongo.db,
        clock: ctx.clock,
        outbox: ctx.outbox,
        audit: ctx.audit,
        requests: ctx.requests,
        settings: {
          issuingBody: config.ISSUING_BODY,
          issuingBodyName: config.ISSUING_BODY_NAME,
          organId: config.ORGAN_ID,
          governmentOfficeOrganId: config.GOVERNMENT_OFFICE_ORGAN_ID,
          place: config.PLACE,
          officeUnitId: config.OFFICE_UNIT_ID,
          attachmentMaxBytes: config.ATTACHMENT_MAX_BYTES,
          packageMaxBytes: config.PACKAGE_MAX_BYTES,
          checkoutDefaultMinutes: config.CHECKOUT_DEFAULT_MINUTES,
          checkoutMaxMinutes: config.CHECKOUT_MAX_MINUTES,
        },
      });
      const useCases = createUseCases(app);
      registerConsumers((producer, filterSubject) => ctx.consumer({ producer, filterSubject }), useCases);
      const exchange = startExchange(app, useCases, {
        url: config.EXCHANGE_URL,
        username: config.EXCHANGE_USERNAME,
        password: config.EXCHANGE_PASSWORD,
        token: config.EXCHANGE_TOKEN,
        pollIntervalMs: config.EXCHANGE_POLL_INTERVAL_MS,
        log: log.child({ part: "exchange" }),
      });
      if (config.SEED_DATA) await seedDocuments(app, useCases, log.child({ part: "seed" }));
      const handlingWatch = new HandlingWatch(app, {
        intervalMs: config.HANDLING_WATCH_INTERVAL_MS,
        log: log.child({ part: "handling-watch" }),
      });
      handlingWatch.start();
      const unregisterGauges = registerDocumentGauges(app, log);
      const runtime: DocumentsRuntime = { app, exchange, handlingWatch, ...useCases };
      onReady?.(runtime);
      return {
        grpc: [
          {
            definition: DocumentServiceService,
            implementation: { ...incomingHandlers(runtime), ...outgoingHandlers(runtime), ...queryHandlers(runtime) },
          },
          { definition: RegisterServiceService, implementation: registerHandlers(runtime) },
          { definition: ExchangeServiceService, implementation: exchangeHandlers(runtime) },
        ],
        stop: async () => {
          unregisterGauges();
          await handlingWatch.stop();
          await exchange.stop();
        },
      };
    },
  };
}
