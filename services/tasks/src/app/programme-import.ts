/**
 * ImportProgramme: a programme file's rows become tasks. A draft programme takes imports; an approved
 * one takes them as an amendment (the Office adds tasks to the signed programme) when the caller asks
 * for it; a closed one none. Every task an import creates gets its history entry — who imported it,
 * when, from which import, with the row's note — and its `tasks.task.created` event, written in bulk
 * in the transaction that inserts the tasks.
 */
import { randomUUID } from "node:crypto";
import type { AuditEntry, Identity, ResultCodec } from "@ministry/platform";
import { taskSummary } from "../contract.js";
import { importedTaskId } from "../domain/ids.js";
import { assertImportable } from "../domain/programme.js";
import { validateNewTask } from "../domain/task.js";
import { TaskEvents } from "../events/definitions.js";
import {
  importedTaskToInput,
  parseProgrammeFile,
  type ImportReport,
  type ImportedTask,
  type ProgrammeFileFormat,
} from "../import/programme.js";
import { rowsRefusal } from "../import/rows-refusal.js";
import { actorOf, type AppContext } from "./context.js";

export interface ImportInput {
  requestId?: string;
  programmeId: string;
  format: ProgrammeFileFormat;
  content: Uint8Array;
  validRowsOnly: boolean;
  dryRun: boolean;
  /** Import into an approved programme, as additions. */
  amend: boolean;
}

export interface ImportOutcome {
  report: ImportReport;
  /** Task id per line, for the rows imported by this call. */
  imported: Map<number, string>;
  skippedExisting: number;
}

/** History actions of an imported task: created in a draft programme, added to an approved one. */
export const IMPORTED_TASK_ACTIONS = { created: "task.created", added: "task.added" } as const;

const importCodec: ResultCodec<ImportOutcome> = {
  toDocument: (o) => ({ report: o.report, imported: [...o.imported], skippedExisting: o.skippedExisting }),
  fromDocument: (d) => ({
    report: d.report as ImportReport,
    imported: new Map(d.imported as [number, string][]),
    skippedExisting: d.skippedExisting as number,
  }),
};

/**
 * Validates every row. A dry run only reports. Otherwise invalid rows refuse the whole file
 * (INVALID_ARGUMENT, IMPORT_ROWS_INVALID) unless `validRowsOnly`. Rows whose code the programme has
 * already are left as they are (a re-import is harmless, an amendment adds only what is new).
 */
export async function importProgramme(app: AppContext, identity: Identity, input: ImportInput): Promise<ImportOutcome> {
  app.access.assertManageProgrammes(identity);
  const report = await parseProgrammeFile(input.content, input.format, { vocabulary: app.vocabulary });
  const programme = await app.programmes.require(input.programmeId);
  assertImportable(programme, { amend: input.amend });
  const nothing = { report, imported: new Map<number, string>(), skippedExisting: 0 };
  if (input.dryRun) return nothing;
  if (report.invalid > 0 && !input.validRowsOnly) throw rowsRefusal(report, programme.id);
  if (report.valid === 0) return nothing;

  const request = { requestId: input.requestId, target: `programme:${input.programmeId}`, body: input };
  return app.once("ImportProgramme", identity, request, importCodec, async (session) => {
    const current = await app.programmes.require(input.programmeId, session);
    assertImportable(current, { amend: input.amend });
    const amendment = current.status === "approved";
    const actor = actorOf(identity, app.vocabulary);
    const at = app.clock.now();
    const importId = randomUUID();

    // Tasks get ids from their codes (injective: two codes never share one), so a second import of
    // the same file finds its tasks and adds nothing; a task created with the code by hand counts too.
    const rows = report.rows.flatMap((row) =>
      row.ok ? [{ line: row.line, task: row.task, id: importedTaskId(current.id, row.task.code) }] : [],
    );
    const existing = await app.tasks.collection
      .find(
        { $or: [{ _id: { $in: rows.map((r) => r.id) } }, { programmeId: current.id, code: { $in: rows.map((r) => r.task.code) } }] },
        { projection: { _id: 1, code: 1 }, session },
      )
      .toArray();
    const existingIds = new Set(existing.map((t) => t._id));
    const existingCodes = new Set(existing.map((t) => t.code));
    const fresh = rows.filter((r) => !existingIds.has(r.id) && !existingCodes.has(r.task.code));

    const saved = await app.tasks.insertMany(
      fresh.map((r) => validateNewTask(importedTaskToInput(r.task, { id: r.id, programmeId: current.id }), app.vocabulary)),
      at,
      session,
    );
    const source = { importId, format: input.format, amendment };
    await app.deps.audit.recordMany(
      session,
      fresh.map((r, i) => historyEntry(saved[i].id, r.line, r.task, source, actor)),
    );
    const imported = new Map(fresh.map((r, i) => [r.line, saved[i].id]));
    const skippedExisting = rows.length - fresh.length;
    await app.record(
      session,
      actor,
      "programme.imported",
      { type: "programme", id: current.id },
      {
        importId,
        amendment,
        format: input.format,
        rows: report.rows.length,
        imported: imported.size,
        invalid: report.invalid,
        skippedExisting,
      },
      saved.map((task) => TaskEvents.created.of(task.id, { task: taskSummary(task, app.vocabulary), actor, note: task.note })),
    );
    return { report, imported, skippedExisting };
  });
}

/** The task's first history entry: what it was created as, from which import and line, with the row's note. */
function historyEntry(
  taskId: string,
  line: number,
  row: ImportedTask,
  source: { importId: string; format: ProgrammeFileFormat; amendment: boolean },
  actor: AuditEntry["actor"],
): AuditEntry {
  const change: Record<string, unknown> = {
    code: row.code,
    title: row.title,
    via: "import",
    importId: source.importId,
    format: source.format,
    line,
  };
  if (source.amendment) change.amendment = true;
  if (row.note) change.note = row.note;
  return {
    actor,
    action: source.amendment ? IMPORTED_TASK_ACTIONS.added : IMPORTED_TASK_ACTIONS.created,
    target: { type: "task", id: taskId },
    change,
  };
}
