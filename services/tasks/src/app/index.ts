/**
 * The use cases, wired over one AppContext.
 */
import type { Clock } from "@ministry/platform";
import type { TaskVocabulary } from "../domain/task.js";
import { AppContext, type AppDeps } from "./context.js";
import { Intake } from "./intake.js";
import { ProgrammeCommands } from "./programmes.js";
import { Reports } from "./reports.js";
import { TaskCommands } from "./task-commands.js";
import { TaskQueries } from "./task-queries.js";

export interface Services {
  app: AppContext;
  clock: Clock;
  vocabulary: TaskVocabulary;
  programmes: ProgrammeCommands;
  commands: TaskCommands;
  queries: TaskQueries;
  reports: Reports;
  intake: Intake;
}

export function createServices(deps: AppDeps): Services {
  const app = new AppContext(deps);
  const programmes = new ProgrammeCommands(app);
  return {
    app,
    clock: deps.clock,
    vocabulary: deps.vocabulary,
    programmes,
    commands: new TaskCommands(app),
    queries: new TaskQueries(app),
    reports: new Reports(app),
    intake: new Intake(app, programmes),
  };
}

export { Access, type AccessPolicy } from "./access.js";
export { DeadlineWatch, type WatchRun } from "./deadline-watch.js";
export { seedProgramme2020 } from "./seed.js";
