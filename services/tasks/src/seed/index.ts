/**
 * Seed data: the Ministry of Home Affairs' 2020 work programme as the briefing of 30 March 2020
 * describes it — 143 tasks to submit to higher authorities (32 legal normative documents, 111 other
 * documents and schemes) — and its state as of that briefing. The programme ships as a CSV in the
 * importer's format and is read through the importer, so the seed also proves the importer.
 * Plausible titles in the ministry's fields, not the ministry's actual list.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { InvalidArgument } from "@ministry/platform";
import { importedTaskId } from "../domain/ids.js";
import { recordProgress, transition } from "../domain/lifecycle.js";
import { validateNewTask, type Task } from "../domain/task.js";
import { importedTaskToInput, parseProgrammeFile, type ImportReport } from "../import/programme.js";
import { PROGRESS_2020_Q1, SEED_ACTOR } from "./progress-2020-q1.js";

export * from "./progress-2020-q1.js";

export const SEED_PROGRAMME_ID = "bnv-2020";
export const SEED_PROGRAMME_YEAR = 2020;
export const SEED_PROGRAMME_TITLE = "Chương trình công tác năm 2020 của Bộ Nội vụ";

/**
 * The CSV next to this module; from a build (dist/seed, where tsc copies no CSV) the one in src/seed.
 */
const CSV_CANDIDATES = [new URL("./programme-2020.csv", import.meta.url), new URL("../../src/seed/programme-2020.csv", import.meta.url)];

async function readSeedCsv(): Promise<Uint8Array> {
  let lastError: unknown;
  for (const url of CSV_CANDIDATES) {
    try {
      return await readFile(fileURLToPath(url));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      lastError = e;
    }
  }
  throw lastError;
}

/** The 2020 programme read from src/seed/programme-2020.csv through the importer. */
export async function loadSeedProgramme(): Promise<ImportReport> {
  return parseProgrammeFile(await readSeedCsv(), "csv");
}

/** The id a seed task gets, "bnv-2020-qp-05": the id importing the seed file gives it, so a re-import skips it. */
export function seedTaskId(code: string): string {
  return importedTaskId(SEED_PROGRAMME_ID, code);
}

/**
 * The seed programme as Task aggregates, with the progress of 30 March 2020 applied through the
 * domain's lifecycle (so submittedAt, completedAt, onTime and history are what the service would
 * record). Throws if the seed file has an invalid row or the progress names an unknown task.
 */
export async function buildSeedTasks(): Promise<Task[]> {
  const report = await loadSeedProgramme();
  const bad = report.rows.filter((r) => !r.ok);
  if (bad.length > 0)
    throw new InvalidArgument(
      bad.flatMap((r) => (r.ok ? [] : r.errors.map((e) => ({ field: `line ${r.line}: ${e.field}`, description: e.message })))),
    );
  const tasks = new Map<string, Task>();
  for (const row of report.rows) {
    if (!row.ok) continue;
    const task = validateNewTask(importedTaskToInput(row.task, { id: seedTaskId(row.task.code), programmeId: SEED_PROGRAMME_ID }));
    tasks.set(task.code, task);
  }
  for (const entry of PROGRESS_2020_Q1) {
    const task = tasks.get(entry.code);
    if (!task) throw new Error(`seed progress names an unknown task: ${entry.code}`);
    let next: Task;
    switch (entry.status) {
      case "in_progress":
        next = recordProgress(task, entry.progress, { at: new Date(entry.at), by: SEED_ACTOR }).task;
        break;
      case "submitted":
        next = transition(task, "submitted", { at: new Date(entry.submittedAt), by: SEED_ACTOR }).task;
        break;
      case "completed": {
        const sent = transition(task, "submitted", { at: new Date(entry.submittedAt), by: SEED_ACTOR }).task;
        next = transition(sent, "completed", { at: new Date(entry.completedAt), by: SEED_ACTOR }).task;
        break;
      }
    }
    tasks.set(entry.code, next);
  }
  return [...tasks.values()];
}
