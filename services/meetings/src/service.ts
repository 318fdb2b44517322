/**
 * The meetings service as the platform runs it: its configuration, indexes, use cases, gRPC service,
 * the reminder watch, the calendar feeds on the admin port and the seed step. `main.ts` runs it; tests
 * start it with their own environment and clock.
 */
import { AlreadyExists, type ServiceSpec } from "@ministry/platform";
import { MeetingServiceService, type MeetingServiceServer } from "@ministry/proto/ministry/meetings/v1/meetings";
import { Access } from "./app/access.js";
import { AppContext } from "./app/context.js";
import { useCases, type UseCases } from "./app/index.js";
import { grpcDirectory, grpcReports, type Directory, type Reports } from "./app/peers.js";
import { ReminderWatch } from "./app/reminders.js";
import { calendarRoute } from "./calendar/http.js";
import { meetingsConfigSchema } from "./config.js";
import { agendaHandlers } from "./grpc/agenda-handlers.js";
import { calendarHandlers } from "./grpc/calendar-handlers.js";
import { meetingHandlers } from "./grpc/meeting-handlers.js";
import { seedBriefing2020 } from "./seed/index.js";
import { MEETINGS_INDEXES } from "./store/indexes.js";

/** The service's parts, for tests and benchmarks that drive them directly (the reminder watch, the seed). */
export interface MeetingsRuntime extends UseCases {
  app: AppContext;
  reminders: ReminderWatch;
}

export interface MeetingsServiceOptions {
  onReady?: (runtime: MeetingsRuntime) => void;
  /** Tests may give the peers directly; by default they are gRPC clients of the configured addresses. */
  peers?: { directory: Directory; reports: Reports };
}

export function meetingsService(opts: MeetingsServiceOptions = {}): ServiceSpec<typeof meetingsConfigSchema> {
  return {
    name: "meetings",
    config: meetingsConfigSchema,
    indexes: MEETINGS_INDEXES,
    async setup(ctx) {
      const { config, log } = ctx;
      const directory =
        opts.peers?.directory ?? grpcDirectory(config.NOTIFICATIONS_GRPC_ADDR, { log, deadlineMs: config.PEER_DEADLINE_MS });
      const reports = opts.peers?.reports ?? grpcReports(config.TASKS_GRPC_ADDR, { log, deadlineMs: config.PEER_DEADLINE_MS });
      const app = new AppContext({
        client: ctx.mongo.client,
        db: ctx.mongo.db,
        clock: ctx.clock,
        outbox: ctx.outbox,
        audit: ctx.audit,
        requests: ctx.requests,
        access: new Access({ officeUnitId: config.OFFICE_UNIT_ID }),
        directory,
        reports,
        settings: {
          officeUnitId: config.OFFICE_UNIT_ID,
          checkInOpensBeforeMin: config.CHECK_IN_OPENS_BEFORE_MIN,
          reminderBeforeMin: config.REMINDER_BEFORE_MIN,
          checkInConcurrency: config.CHECK_IN_CONCURRENCY,
          calendarBaseUrl: config.CALENDAR_BASE_URL,
        },
      });
      const runtime: MeetingsRuntime = {
        app,
        ...useCases(app),
        reminders: new ReminderWatch(app, { intervalMs: config.REMINDER_WATCH_INTERVAL_MS, log: log.child({ part: "reminders" }) }),
      };
      if (config.SEED_DATA) {
        // The seed needs the directory (the notifications service) and the tasks service's report: it
        // waits for them in the background so the service itself starts at once.
        seedBriefing2020(runtime, ctx.authority, log.child({ part: "seed" })).catch((err: unknown) => {
          if (!(err instanceof AlreadyExists)) log.error({ err }, "seeding the 2020 briefing failed");
        });
      }
      runtime.reminders.start();
      opts.onReady?.(runtime);
      const implementation: MeetingServiceServer = {
        ...meetingHandlers(runtime),
        ...agendaHandlers(runtime),
        ...calendarHandlers(runtime),
      };
      return {
        grpc: [{ definition: MeetingServiceService, implementation }],
        adminRoutes: [calendarRoute(runtime.feeds, app)],
        stop: async () => {
          await runtime.reminders.stop();
          if (!opts.peers) {
            (directory as { close?: () => void }).close?.();
            (reports as { close?: () => void }).close?.();
          }
        },
      };
    },
  };
}
