/**
 * Programmes: created per year and issuing body, approved, closed; filled by importing a spreadsheet.
 */
import type { Identity, PageRequest, ResultCodec } from "@ministry/platform";
import type { ClientSession, Document } from "mongodb";
import { importedTaskId } from "../domain/ids.js";
import { changeProgrammeStatus, newProgramme, programmeId, assertImportable, type Programme } from "../domain/programme.js";
import { validateNewTask } from "../domain/task.js";
import type { ProgrammeStatus } from "../domain/vocabulary.js";
import { taskSummary } from "../contract.js";
import { TaskEvents } from "../events/definitions.js";
import {
  importedTaskToInput,
  parseProgrammeFile,
  writeProgrammeCsv,
  writeProgrammeXlsx,
  type ImportReport,
  type ProgrammeFileFormat,
} from "../import/programme.js";
import { withoutEmpty } from "../store/documents.js";
import { programmeVersionConflict } from "../store/programme-store.js";
import { actorOf, systemActor, type AppContext } from "./context.js";

const programmeCodec: ResultCodec<Programme> = {
  toDocument: (p) => withoutEmpty({ ...p }) as Document,
  fromDocument: (d) => withoutEmpty(d) as unknown as Programme,
};

export interface ImportOutcome {
  report: ImportReport;
  /** Task id per line, for the rows imported by this call. */
  imported: Map<number, string>;
  skippedExisting: number;
}

const importCodec: ResultCodec<ImportOutcome> = {
  toDocument: (o) => ({ report: o.report, imported: [...o.imported], skippedExisting: o.skippedExisting }),
  fromDocument: (d) => ({
    report: d.report as ImportReport,
    imported: new Map(d.imported as [number, string][]),
    skippedExisting: d.skippedExisting as number,
  }),
};

export class ProgrammeCommands {
  constructor(private readonly app: AppContext) {}

  async create(identity: Identity, input: { requestId?: string; year: number; issuingBody?: string; title?: string }): Promise<Programme> {
    this.app.access.assertManageProgrammes(identity);
    const programme = newProgramme({
      year: input.year,
      issuingBody: input.issuingBody?.trim() || this.app.deps.issuingBody,
      title: input.title,
      at: this.app.clock.now(),
    });
    const request = { requestId: input.requestId, target: `programme:${programme.id}`, body: input };
    return this.app.once("CreateProgramme", identity, request, programmeCodec, async (session) => {
      const saved = await this.app.programmes.insert(programme, session);
      await this.app.record(
        session,
        actorOf(identity, this.app.vocabulary),
        "programme.created",
        { type: "programme", id: saved.id },
        {
          year: saved.year,
          title: saved.title,
        },
      );
      return saved;
    });
  }

  async get(identity: Identity, id: string): Promise<Programme & { taskCount: number }> {
    this.app.access.assertReadProgrammes(identity);
    const programme = await this.app.programmes.require(id);
    return { ...programme, taskCount: await this.app.tasks.count({ programmeId: id }) };
  }

  /** Newest year first, by key (the platform's keyset pages). */
  async list(identity: Identity, filter: { year?: number }, page: PageRequest) {
    this.app.access.assertReadProgrammes(identity);
    const { items, total, nextPageToken } = await this.app.programmes.list(
      filter.year ? { year: filter.year } : {},
      page,
      this.app.clock.now(),
    );
    const counts = await Promise.all(items.map((p) => this.app.tasks.count({ programmeId: p.id })));
    return { items: items.map((p, i) => ({ ...p, taskCount: counts[i] })), total, nextPageToken };
  }

  async changeStatus(identity: Identity, input: { requestId?: string; id: string; status: ProgrammeStatus; expectedVersion?: number }) {
    this.app.access.assertManageProgrammes(identity);
    const request = { requestId: input.requestId, target: `programme:${input.id}`, body: input };
    return this.app.once("ChangeProgrammeStatus", identity, request, programmeCodec, async (session) => {
      const programme = await this.app.programmes.require(input.id, session);
      if (input.expectedVersion !== undefined && input.expectedVersion !== programme.version)
        throw programmeVersionConflict(programme.id, programme.version);
      const at = this.app.clock.now();
      const saved = await this.app.programmes.save(programme, changeProgrammeStatus(programme, input.status, at), session);
      await this.app.record(
        session,
        actorOf(identity, this.app.vocabulary),
        `programme.${input.status}`,
        { type: "programme", id: saved.id },
        {
          from: programme.status,
          to: saved.status,
        },
      );
      return saved;
    });
  }

  /**
   * Validates every row; imports nothing when a row is invalid unless `validRowsOnly`; `dryRun` only
   * reports. Rows whose code the programme has already are left as they are (a re-import is harmless).
   */
  async import(
    identity: Identity,
    input: {
      requestId?: string;
      programmeId: string;
      format: ProgrammeFileFormat;
      content: Uint8Array;
      validRowsOnly: boolean;
      dryRun: boolean;
    },
  ): Promise<ImportOutcome> {
    this.app.access.assertManageProgrammes(identity);
    const report = await parseProgrammeFile(input.content, input.format, { vocabulary: this.app.vocabulary });
    const programme = await this.app.programmes.require(input.programmeId);
    assertImportable(programme);
    if (input.dryRun || (report.invalid > 0 && !input.validRowsOnly) || report.valid === 0)
      return { report, imported: new Map(), skippedExisting: 0 };
    const request = { requestId: input.requestId, target: `programme:${input.programmeId}`, body: input };
    return this.app.once("ImportProgramme", identity, request, importCodec, async (session) => {
      assertImportable(await this.app.programmes.require(input.programmeId, session));
      const actor = actorOf(identity, this.app.vocabulary);
      const at = this.app.clock.now();
      const imported = new Map<number, string>();
      let skippedExisting = 0;
      const events = [];
      // Tasks get ids from their codes (injective: two codes never share one), so a second import of
      // the same file finds its tasks and adds nothing; a task created with the code by hand counts too.
      const rows = report.rows.flatMap((row) =>
        row.ok ? [{ line: row.line, task: row.task, id: importedTaskId(programme.id, row.task.code) }] : [],
      );
      const existing = await this.app.tasks.collection
        .find(
          { $or: [{ _id: { $in: rows.map((r) => r.id) } }, { programmeId: programme.id, code: { $in: rows.map((r) => r.task.code) } }] },
          { projection: { _id: 1, code: 1 }, session },
        )
        .toArray();
      const existingIds = new Set(existing.map((t) => t._id));
      const existingCodes = new Set(existing.map((t) => t.code));
      for (const row of rows) {
        const id = row.id;
        if (existingIds.has(id) || existingCodes.has(row.task.code)) {
          skippedExisting += 1;
          continue;
        }
        const task = validateNewTask(importedTaskToInput(row.task, { id, programmeId: programme.id }), this.app.vocabulary);
        const saved = await this.app.tasks.insert(task, at, session);
        imported.set(row.line, saved.id);
        events.push(TaskEvents.created.of(saved.id, { task: taskSummary(saved, this.app.vocabulary), actor }));
      }
      await this.app.record(
        session,
        actor,
        "programme.imported",
        { type: "programme", id: programme.id },
        { format: input.format, rows: report.rows.length, imported: imported.size, invalid: report.invalid, skippedExisting },
        events,
      );
      return { report, imported, skippedExisting };
    });
  }

  /** The blank template, or a programme's tasks, in the import format. */
  async export(
    identity: Identity,
    input: { programmeId?: string; format: ProgrammeFileFormat },
  ): Promise<{ fileName: string; bytes: Uint8Array }> {
    const tasks = [];
    let name = "mau-chuong-trinh-cong-tac";
    if (input.programmeId) {
      this.app.access.assertReadProgrammes(identity);
      await this.app.programmes.require(input.programmeId);
      const visible = this.app.access.visibleTasks(identity);
      tasks.push(...(await this.app.tasks.find({ $and: [{ programmeId: input.programmeId }, visible] }, { sort: { code: 1 } })));
      name = `chuong-trinh-${input.programmeId}`;
    }
    const rows = tasks.map((t) => ({
      code: t.code,
      title: t.title,
      kindCode: t.kind,
      authority: t.authority,
      leadUnit: t.leadUnit,
      coordinatingUnits: t.coordinatingUnits,
      deadlineSpec: t.deadlineSpec,
      priority: t.priority,
      assignee: t.assignee,
    }));
    const bytes =
      input.format === "xlsx"
        ? await writeProgrammeXlsx(rows, { vocabulary: this.app.vocabulary })
        : writeProgrammeCsv(rows, { vocabulary: this.app.vocabulary });
    return { fileName: `${name}.${input.format}`, bytes };
  }

  /**
   * The programme of `year` for tasks born outside an import (meeting conclusions, directives): it
   * is created, approved, when it does not exist yet.
   */
  async ensureForYear(session: ClientSession, year: number): Promise<Programme> {
    const id = programmeId(this.app.deps.issuingBody, year);
    const existing = await this.app.programmes.get(id, session);
    if (existing) return existing;
    const programme = newProgramme({ year, issuingBody: this.app.deps.issuingBody, at: this.app.clock.now(), status: "approved" });
    const saved = await this.app.programmes.insert(programme, session);
    await this.app.record(session, systemActor(), "programme.created", { type: "programme", id: saved.id }, { year, automatic: true });
    return saved;
  }
}
