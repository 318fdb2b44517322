/**
 * Programmes: created per year and issuing body, approved, closed; filled by importing a spreadsheet.
 */
import type { Identity, PageRequest, ResultCodec } from "@ministry/platform";
import type { ClientSession, Document } from "mongodb";
import { changeProgrammeStatus, newProgramme, programmeId, type Programme } from "../domain/programme.js";
import type { ProgrammeStatus } from "../domain/vocabulary.js";
import { writeProgrammeCsv, writeProgrammeXlsx, type ProgrammeFileFormat } from "../import/programme.js";
import { withoutEmpty } from "../store/documents.js";
import { programmeVersionConflict } from "../store/programme-store.js";
import { actorOf, systemActor, type AppContext } from "./context.js";
import { importProgramme, type ImportInput, type ImportOutcome } from "./programme-import.js";

const programmeCodec: ResultCodec<Programme> = {
  toDocument: (p) => withoutEmpty({ ...p }) as Document,
  fromDocument: (d) => withoutEmpty(d) as unknown as Programme,
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

  /** ImportProgramme (programme-import.ts). */
  import(identity: Identity, input: ImportInput): Promise<ImportOutcome> {
    return importProgramme(this.app, identity, input);
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
      note: t.note,
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
