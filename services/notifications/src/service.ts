/**
 * The notifications service as the platform runs it: its configuration, indexes, the directory, the
 * rules' consumers and fan-out, the dispatcher (email, webhooks), the digest job, live streams and the
 * seed step. `main.ts` runs it; tests start it with their own environment and clock.
 */
import { AlreadyExists, type ServiceSpec } from "@ministry/platform";
import {
  DirectoryServiceService,
  NotificationAdminServiceService,
  NotificationServiceService,
} from "@ministry/proto/ministry/notifications/v1/notifications";
import { AppContext } from "./app/context.js";
import { DigestJob } from "./app/digest.js";
import { registerNotificationGauges } from "./app/gauges.js";
import { Directory } from "./app/directory.js";
import { Dispatcher } from "./app/dispatcher.js";
import { FanOut } from "./app/fan-out.js";
import { Inbox } from "./app/inbox.js";
import { LiveHub } from "./app/live.js";
import { Preferences } from "./app/preferences.js";
import { TemplateAdmin } from "./app/templates.js";
import { WebhookAdmin } from "./app/webhooks.js";
import { createEmailSender } from "./channels/email.js";
import { createWebhookSender } from "./channels/webhook.js";
import { notificationsConfigSchema } from "./config.js";
import { registerConsumers } from "./events/consumers.js";
import { directoryHandlers } from "./grpc/directory-handlers.js";
import { notificationHandlers } from "./grpc/notification-handlers.js";
import { templateAdminHandlers } from "./grpc/template-handlers.js";
import { webhookAdminHandlers } from "./grpc/webhook-handlers.js";
import { RULE_SETS } from "./rules/index.js";
import { seedDirectory } from "./seed/index.js";
import { NOTIFICATIONS_INDEXES } from "./store/indexes.js";
import { WebhookStore } from "./store/webhook-store.js";
import { HandlebarsRenderer } from "./templates/index.js";

/** Set by setup, for tests and benchmarks that drive the service's parts directly (the digest, the dispatcher). */
export interface NotificationsRuntime {
  app: AppContext;
  directory: Directory;
  fanOut: FanOut;
  inbox: Inbox;
  live: LiveHub;
  dispatcher: Dispatcher;
  digest: DigestJob;
  renderer: HandlebarsRenderer;
}

export function notificationsService(onReady?: (runtime: NotificationsRuntime) => void): ServiceSpec<typeof notificationsConfigSchema> {
  return {
    name: "notifications",
    config: notificationsConfigSchema,
    indexes: NOTIFICATIONS_INDEXES,
    async setup(ctx) {
      const { config } = ctx;
      const log = ctx.log;
      const app = new AppContext({
        client: ctx.mongo.client,
        db: ctx.mongo.db,
        clock: ctx.clock,
        outbox: ctx.outbox,
        audit: ctx.audit,
        requests: ctx.requests,
        config,
        log,
      });
      const directory = new Directory(app);
      if (config.SEED_DATA) {
        try {
          const seeded = await seedDirectory(directory);
          log.info(seeded, seeded.seeded ? "seeded the directory" : "the directory already has people");
        } catch (err) {
          // Another replica seeded it at the same moment.
          if (!(err instanceof AlreadyExists)) throw err;
        }
      }
      const renderer = new HandlebarsRenderer(ctx.mongo.db, log.child({ part: "templates" }));
      await renderer.refresh();
      // Another replica's template change reaches this one within a minute.
      const templateRefresh = setInterval(() => {
        renderer.refresh().catch((err: unknown) => log.warn({ err }, "reloading templates failed; the previous ones stay"));
      }, 60_000);
      templateRefresh.unref();
      const webhookStore = new WebhookStore(ctx.mongo.db);
      if (!config.SMTP_URL) log.warn("SMTP_URL is not set: no email is sent (email deliveries are recorded as skipped)");
      const email = config.SMTP_URL
        ? createEmailSender({ url: config.SMTP_URL, from: config.MAIL_FROM, maxConnections: config.SMTP_MAX_CONNECTIONS, log })
        : undefined;
      const dispatcher = new Dispatcher(
        app,
        { email, webhooks: createWebhookSender({ timeoutMs: config.WEBHOOK_TIMEOUT_MS }) },
        {
          concurrency: config.DISPATCH_CONCURRENCY,
          pollIntervalMs: config.DISPATCH_POLL_INTERVAL_MS,
          maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
          retryBaseMs: config.RETRY_BASE_MS,
          retryMaxMs: config.RETRY_MAX_MS,
          log: log.child({ part: "dispatcher" }),
        },
      );
      const preferences = new Preferences(app);
      const fanOut = new FanOut(app, {
        directory: directory.store,
        preferences: preferences.store,
        webhooks: webhookStore,
        renderer,
        onDeliveries: () => dispatcher.nudge(),
        log,
      });
      registerConsumers((producer, filterSubject) => ctx.consumer({ producer, filterSubject }), RULE_SETS, fanOut);
      const inbox = new Inbox(app);
      const live = new LiveHub(app, inbox.store, { bus: ctx.bus, log: log.child({ part: "live" }) });
      live.start();
      const digest = new DigestJob(app, {
        directory: directory.store,
        renderer,
        onDigests: () => dispatcher.nudge(),
        log: log.child({ part: "digest" }),
      });
      dispatcher.start();
      digest.start();
      const unregisterGauges = registerNotificationGauges(app, live, log);
      onReady?.({ app, directory, fanOut, inbox, live, dispatcher, digest, renderer });
      const templates = new TemplateAdmin(app, renderer);
      const webhooks = new WebhookAdmin(app, webhookStore);
      return {
        grpc: [
          { definition: DirectoryServiceService, implementation: directoryHandlers(directory) },
          {
            definition: NotificationServiceService,
            implementation: notificationHandlers({ inbox, live, preferences, digestTime: config.DIGEST_TIME }),
          },
          {
            definition: NotificationAdminServiceService,
            implementation: { ...templateAdminHandlers(templates), ...webhookAdminHandlers(webhooks) },
          },
        ],
        stop: async () => {
          unregisterGauges();
          clearInterval(templateRefresh);
          await live.stop();
          await digest.stop();
          await dispatcher.stop();
          await email?.close();
        },
      };
    },
  };
}
