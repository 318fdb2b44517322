/**
 * The directory's use cases. Every signed-in caller reads it (other services resolve recipients on
 * their caller's behalf); only admins change it, and that is checked before anything is looked up, so
 * a refusal tells nothing about what exists. Every change writes its audit record in its transaction
 * and runs once per request id.
 */
import { createHash } from "node:crypto";
import {
  AlreadyExists,
  FieldChecks,
  inTransaction,
  InvalidArgument,
  NotFound,
  normalizeForSearch,
  requireRole,
  type Identity,
  type KeysetPage,
  type PageRequest,
} from "@ministry/platform";
import type { ClientSession } from "mongodb";
import { checkPerson, checkUnit, type PersonInput, type UnitInput, type ValidPerson, type ValidUnit } from "../domain/directory.js";
import { FIELDS } from "../domain/limits.js";
import type { Selector } from "../domain/model.js";
import type { PersonDoc, UnitDoc } from "../store/documents.js";
import { DirectoryStore, type PeopleQuery, type UnitSummary } from "../store/directory-store.js";
import { actorOf, plainCodec, type AppContext } from "./context.js";
import { parseDirectoryRows, readDirectoryTable, rowsRefusal, type ImportRowError } from "./directory-import.js";

export interface ImportDirectoryInput {
  content: Uint8Array;
  fileName: string;
  dryRun: boolean;
  requestId?: string;
}

export interface ImportDirectoryResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: ImportRowError[];
}

/** ImportDirectoryRequest.file_name. */
export const MAX_FILE_NAME_LENGTH = 255;

export function personNotFound(): NotFound {
  return new NotFound("Không tìm thấy cán bộ / Person not found");
}

export function unitNotFound(): NotFound {
  return new NotFound("Không tìm thấy đơn vị / Unit not found");
}

function unknownUnit(field: string, unitId: string): InvalidArgument {
  return new InvalidArgument([{ field, description: `Không có đơn vị "${unitId}" / No unit "${unitId}"` }]);
}

export class Directory {
  readonly store: DirectoryStore;

  constructor(private readonly app: AppContext) {
    this.store = new DirectoryStore(app.db);
  }

  // ------------------------------------------------------------------------------------------- reads

  async getPerson(_identity: Identity, id: string): Promise<PersonDoc> {
    const person = await this.store.getPerson(id);
    if (!person) throw personNotFound();
    return person;
  }

  listPeople(_identity: Identity, q: PeopleQuery, page: PageRequest): Promise<KeysetPage<PersonDoc>> {
    return this.store.listPeople(q, page, this.app.clock.now());
  }

  async getUnit(_identity: Identity, id: string): Promise<UnitSummary> {
    const unit = await this.store.getUnit(id);
    if (!unit) throw unitNotFound();
    return (await this.store.summaries([unit]))[0];
  }

  async listUnits(_identity: Identity, page: PageRequest): Promise<{ items: UnitSummary[]; nextPageToken: string; totalSize: number }> {
    const result = await this.store.listUnits(page, this.app.clock.now());
    return { items: await this.store.summaries(result.items), nextPageToken: result.nextPageToken, totalSize: result.totalSize };
  }

  resolve(_identity: Identity, selectors: readonly Selector[]): Promise<{ people: PersonDoc[]; unresolved: Selector[] }> {
    return this.store.resolve(selectors);
  }

  /** Unit id → Vietnamese name, for showing people with their unit. */
  async unitNames(): Promise<Map<string, string>> {
    return new Map((await this.store.allUnits()).map((u) => [u._id, u.name]));
  }

  // ------------------------------------------------------------------------------------------ writes

  /**
   * Loads a whole directory into an empty one (the default run's seed), in one transaction: false when
   * it already has people. Two replicas starting at once: one commits, the other's insert meets its
   * ids and fails with AlreadyExists, which the caller takes as "seeded by the other".
   */
  async seed(units: readonly ValidUnit[], people: readonly ValidPerson[]): Promise<boolean> {
    const now = this.app.clock.now();
    try {
      return await inTransaction(this.app.deps.client, async (session) => {
        if ((await this.store.countPeople(session)) > 0) return false;
        const unitDocs: UnitDoc[] = units.map((u) => ({
          _id: u.id,
          name: u.name,
          nameEn: u.nameEn,
          version: 1,
          createdAt: now,
          updatedAt: now,
        }));
        if (unitDocs.length > 0) await this.store.units.insertMany(unitDocs, { session });
        const personDocs: PersonDoc[] = people.map((p) => ({
          _id: p.id,
          fullName: p.fullName,
          position: p.position,
          unitId: p.unitId,
          unitRole: p.unitRole,
          roles: [...p.roles],
          email: p.email,
          phone: p.phone,
          locale: p.locale,
          timeZone: p.timeZone,
          active: true,
          nameSearch: normalizeForSearch(p.fullName),
          version: 1,
          createdAt: now,
          updatedAt: now,
        }));
        if (personDocs.length > 0) await this.store.people.insertMany(personDocs, { session });
        return true;
      });
    } catch (err) {
      if (typeof err === "object" && err !== null && (err as { code?: unknown }).code === 11000)
        throw new AlreadyExists("Danh bạ đã được nạp / The directory is already seeded", "DIRECTORY_SEEDED");
      throw err;
    }
  }

  async upsertPerson(
    identity: Identity,
    input: PersonInput,
    opts: { expectedVersion?: number; requestId?: string } = {},
  ): Promise<{ person: PersonDoc; created: boolean }> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    const person = checkPerson(checks, input, "person");
    if (opts.expectedVersion !== undefined && (!Number.isInteger(opts.expectedVersion) || opts.expectedVersion < 0))
      checks.add("expected_version", "Phiên bản không hợp lệ", "Not a version");
    checks.check();
    return this.app.once(
      "UpsertPerson",
      identity,
      { requestId: opts.requestId, target: `person:${person.id}`, body: { person, expectedVersion: opts.expectedVersion ?? null } },
      plainCodec<{ person: PersonDoc; created: boolean }>(),
      async (session) => {
        if (person.unitId !== null && !(await this.store.getUnit(person.unitId, session)))
          throw unknownUnit("person.unit.id", person.unitId);
        const now = this.app.clock.now();
        const r = await this.store.upsertPerson(person, { expectedVersion: opts.expectedVersion, now }, session);
        if (r.changed)
          await this.app.record(
            session,
            actorOf(identity),
            r.created ? "directory.person.created" : "directory.person.updated",
            { type: "person", id: person.id },
            {
              person,
              version: r.person.version,
            },
          );
        return { person: r.person, created: r.created };
      },
    );
  }

  async deactivatePerson(identity: Identity, id: string, requestId?: string): Promise<PersonDoc> {
    requireRole(identity, "admin");
    return this.app.once(
      "DeactivatePerson",
      identity,
      { requestId, target: `person:${id}`, body: { id } },
      plainCodec<PersonDoc>(),
      async (session) => {
        const wasActive = (await this.store.getPerson(id, session))?.active === true;
        const person = await this.store.deactivatePerson(id, this.app.clock.now(), session);
        if (!person) throw personNotFound();
        if (wasActive)
          await this.app.record(
            session,
            actorOf(identity),
            "directory.person.deactivated",
            { type: "person", id },
            { active: false, version: person.version },
          );
        return person;
      },
    );
  }

  async upsertUnit(identity: Identity, input: UnitInput, requestId?: string): Promise<{ unit: UnitSummary; created: boolean }> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    const unit = checkUnit(checks, input);
    checks.check();
    const result = await this.app.once(
      "UpsertUnit",
      identity,
      { requestId, target: `unit:${unit.id}`, body: unit },
      plainCodec<{ unit: UnitDoc; created: boolean }>(),
      async (session) => {
        const before = await this.store.getUnit(unit.id, session);
        const r = await this.store.upsertUnit(unit, this.app.clock.now(), session);
        if (r.created || before?.version !== r.unit.version)
          await this.app.record(
            session,
            actorOf(identity),
            r.created ? "directory.unit.created" : "directory.unit.renamed",
            { type: "unit", id: unit.id },
            {
              name: unit.name,
              nameEn: unit.nameEn,
            },
          );
        return r;
      },
    );
    return { unit: (await this.store.summaries([result.unit]))[0], created: result.created };
  }

  /**
   * People from a directory file. The file is size-checked before it is parsed; every row is checked
   * before anything is written. A dry run only reports; otherwise a file with a bad row imports nothing
   * (IMPORT_ROWS_INVALID), and a good one is written in one transaction.
   */
  async importDirectory(identity: Identity, input: ImportDirectoryInput): Promise<ImportDirectoryResult> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    checks.length("file_name", input.fileName, MAX_FILE_NAME_LENGTH, FIELDS.fileName);
    checks.check();
    const table = await readDirectoryTable(input.content, input.fileName);
    const file = parseDirectoryRows(table, await this.store.allUnits());
    if (file.errors.length > 0 && !input.dryRun) throw rowsRefusal(file);

    const apply = async (write: boolean, session?: ClientSession): Promise<ImportDirectoryResult> => {
      const existing = new Map(
        (
          await this.store.getPeople(
            file.people.map((p) => p.person.id),
            session,
          )
        ).map((p) => [p._id, p]),
      );
      const now = this.app.clock.now();
      let created = 0;
      let updated = 0;
      let unchanged = 0;
      for (const row of file.people) {
        const current = existing.get(row.person.id);
        if (!write) {
          if (!current) created += 1;
          else if (same(current, row.person, row.active)) unchanged += 1;
          else updated += 1;
          continue;
        }
        const r = await this.store.upsertPerson(row.person, { now, active: row.active }, session);
        if (r.created) created += 1;
        else if (r.changed) updated += 1;
        else unchanged += 1;
      }
      return { rows: file.rows, created, updated, unchanged, errors: file.errors };
    };

    if (input.dryRun) return apply(false);
    const digest = createHash("sha256").update(input.content).digest("hex");
    return this.app.once(
      "ImportDirectory",
      identity,
      { requestId: input.requestId, target: "directory", body: { digest, fileName: input.fileName } },
      plainCodec<ImportDirectoryResult>(),
      async (session) => {
        const result = await apply(true, session);
        await this.app.record(
          session,
          actorOf(identity),
          "directory.imported",
          { type: "directory", id: "people" },
          {
            file: input.fileName,
            sha256: digest,
            rows: result.rows,
            created: result.created,
            updated: result.updated,
            unchanged: result.unchanged,
          },
        );
        return result;
      },
    );
  }
}

function same(current: PersonDoc, p: ValidPerson, active: boolean): boolean {
  return (
    current.active === active &&
    current.fullName === p.fullName &&
    current.position === p.position &&
    current.unitId === p.unitId &&
    current.unitRole === p.unitRole &&
    current.roles.join("\u0000") === p.roles.join("\u0000") &&
    current.email === p.email &&
    current.phone === p.phone &&
    current.locale === p.locale &&
    current.timeZone === p.timeZone
  );
}
