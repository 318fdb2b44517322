/**
 * The start command's seed step: the Ministry of Home Affairs' 2020 programme (143 tasks) with its
 * state as of the 30 March 2020 briefing, loaded once into an empty database. Seeded tasks are
 * history, not news: they get audit records but publish no events.
 */
import { inTransaction } from "@ministry/platform";
import { newProgramme } from "../domain/programme.js";
import { buildSeedTasks, SEED_PROGRAMME_ID, SEED_PROGRAMME_TITLE, SEED_PROGRAMME_YEAR } from "../seed/index.js";
import { systemActor, type AppContext } from "./context.js";

export async function seedProgramme2020(app: AppContext): Promise<{ seeded: boolean; tasks: number }> {
  if (await app.programmes.get(SEED_PROGRAMME_ID)) return { seeded: false, tasks: 0 };
  const tasks = await buildSeedTasks();
  const at = app.clock.now();
  const programme = newProgramme({ year: SEED_PROGRAMME_YEAR, issuingBody: "BNV", title: SEED_PROGRAMME_TITLE, at, status: "approved" });
  if (programme.id !== SEED_PROGRAMME_ID) throw new Error(`seed programme id ${programme.id} is not ${SEED_PROGRAMME_ID}`);
  await inTransaction(app.deps.client, async (session) => {
    await app.programmes.insert(programme, session);
    for (const task of tasks) await app.tasks.insert(task, at, session);
    await app.deps.audit.record(session, {
      actor: systemActor("seed"),
      action: "programme.seeded",
      target: { type: "programme", id: programme.id },
      change: { tasks: tasks.length },
    });
  });
  return { seeded: true, tasks: tasks.length };
}
