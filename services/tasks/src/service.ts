/**
 * The tasks service as the platform runs it: its configuration, indexes, use cases, gRPC services,
 * consumers, the deadline watch and the seed step. `main.ts` runs it; tests start it with their own
 * environment and clock.
 */
import { AlreadyExists, type ServiceSpec } from "@ministry/platform";
import { ProgrammeServiceService, ReportServiceService, TaskServiceService } from "@ministry/proto/ministry/tasks/v1/tasks";
import { registerTaskGauges } from "./app/gauges.js";
import { Access, createServices, DeadlineWatch, seedProgramme2020, type Services } from "./app/index.js";
import { tasksConfigSchema } from "./config.js";
import { DEFAULT_VOCABULARY } from "./domain/task.js";
import { registerConsumers } from "./events/consumers.js";
import { programmeHandlers, reportHandlers, taskHandlers } from "./grpc/handlers.js";
import { TASKS_INDEXES } from "./store/indexes.js";

/** Set by setup, for tests that drive the service's parts directly (the watch, the intake). */
export interface TasksRuntime {
  services: Services;
  watch: DeadlineWatch;
}

export function tasksService(onReady?: (runtime: TasksRuntime) => void): ServiceSpec<typeof tasksConfigSchema> {
  return {
    name: "tasks",
    config: tasksConfigSchema,
    indexes: TASKS_INDEXES,
    async setup(ctx) {
      const { config } = ctx;
      const services = createServices({
        client: ctx.mongo.client,
        db: ctx.mongo.db,
        clock: ctx.clock,
        outbox: ctx.outbox,
        audit: ctx.audit,
        requests: ctx.requests,
        access: new Access({
          officeUnitId: config.OFFICE_UNIT_ID,
          deadlineDeciderRoles: config.DEADLINE_DECIDER_ROLES,
          withdrawRoles: config.WITHDRAW_ROLES,
          units: DEFAULT_VOCABULARY.units,
        }),
        vocabulary: DEFAULT_VOCABULARY,
        issuingBody: config.ISSUING_BODY,
      });
      if (config.SEED_DATA) {
        try {
          const seeded = await seedProgramme2020(services.app);
          ctx.log.info(seeded, seeded.seeded ? "seeded the 2020 programme" : "the 2020 programme is already there");
        } catch (err) {
          // Another replica seeded it at the same moment.
          if (!(err instanceof AlreadyExists)) throw err;
        }
      }
      registerConsumers((producer, filterSubject) => ctx.consumer({ producer, filterSubject }), services);
      const watch = new DeadlineWatch(services.app, {
        dueSoonDays: config.DUE_SOON_DAYS,
        overdueAfterDays: config.OVERDUE_AFTER_DAYS,
        intervalMs: config.DEADLINE_WATCH_INTERVAL_MS,
        log: ctx.log.child({ part: "deadline-watch" }),
      });
      watch.start();
      const unregisterGauges = registerTaskGauges(services.app, ctx.log);
      onReady?.({ services, watch });
      return {
        grpc: [
          { definition: ProgrammeServiceService, implementation: programmeHandlers(services) },
          { definition: TaskServiceService, implementation: taskHandlers(services) },
          { definition: ReportServiceService, implementation: reportHandlers(services) },
        ],
        stop: async () => {
          unregisterGauges();
          await watch.stop();
        },
      };
    },
  };
}
