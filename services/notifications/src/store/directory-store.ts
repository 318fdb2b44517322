/**
 * The directory's people and units in MongoDB. Reads take the caller's session: recipient resolution
 * runs inside a fan-out's transaction, so what it reads is what the transaction sees. Writes are guarded
 * by each document's `version` (optimistic concurrency).
 */
import { Aborted, keysetPage, normalizeForSearch, type KeysetPage, type PageRequest } from "@ministry/platform";
import type { ClientSession, Collection, Db, Document, Filter } from "mongodb";
import type { ValidPerson, ValidUnit } from "../domain/directory.js";
import type { Selector, UnitRoleName } from "../domain/model.js";
import type { PersonDoc, UnitDoc } from "./documents.js";
import { PEOPLE, UNITS } from "./indexes.js";

export interface PeopleQuery {
  unitId?: string;
  role?: string;
  /** Words of the name, diacritics-insensitive. */
  query?: string;
  includeInactive?: boolean;
}

export interface UnitLeaders {
  head: PersonDoc | null;
  deputies: PersonDoc[];
}

/** What a unit shows beside its own document: its active head and deputies and how many active people it has. */
export interface UnitSummary extends UnitLeaders {
  unit: UnitDoc;
  memberCount: number;
}

const LEADER_ROLES: UnitRoleName[] = ["head", "deputy"];

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
}

function byName(a: PersonDoc, b: PersonDoc): number {
  return a.nameSearch < b.nameSearch ? -1 : a.nameSearch > b.nameSearch ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}

export function personVersionConflict(id: string, current: number): Aborted {
  return new Aborted(
    `Thông tin cán bộ "${id}" đã được người khác cập nhật (phiên bản ${current}); hãy tải lại / Person "${id}" was changed by someone else (version ${current}); reload it`,
    "VERSION_CONFLICT",
    { person_id: id, current_version: String(current) },
  );
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === 11000;
}

export class DirectoryStore {
  readonly people: Collection<PersonDoc>;
  readonly units: Collection<UnitDoc>;

  constructor(db: Db) {
    this.people = db.collection<PersonDoc>(PEOPLE);
    this.units = db.collection<UnitDoc>(UNITS);
  }

  getPerson(id: string, session?: ClientSession): Promise<PersonDoc | null> {
    return this.people.findOne({ _id: id }, { session });
  }

  /** The people of `ids` that exist, in the order of `ids` (each once). */
  async getPeople(ids: readonly string[], session?: ClientSession): Promise<PersonDoc[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const found = await this.people.find({ _id: { $in: unique } }, { session }).toArray();
    const byId = new Map(found.map((p) => [p._id, p]));
    return unique.flatMap((id) => byId.get(id) ?? []);
  }

  /** One page of people in name order (nameSearch, then id). */
  listPeople(q: PeopleQuery, page: PageRequest, now: Date = new Date()): Promise<KeysetPage<PersonDoc>> {
    const and: Filter<PersonDoc>[] = [];
    if (!q.includeInactive) and.push({ active: true });
    if (q.unitId) and.push({ unitId: q.unitId });
    if (q.role) and.push({ roles: q.role });
    const words = normalizeForSearch(q.query ?? "")
      .split(" ")
      .filter((w) => w !== "");
    for (const w of words) and.push({ nameSearch: { $regex: escapeRegex(w) } });
    const filter = and.length === 0 ? {} : and.length === 1 ? and[0] : { $and: and };
    return keysetPage(
      this.people,
      {
        list: "people",
        filter: filter as Filter<Document>,
        sort: [
          ["nameSearch", 1],
          ["_id", 1],
        ],
        fingerprint: { unitId: q.unitId ?? "", role: q.role ?? "", words, includeInactive: q.includeInactive === true },
      },
      page,
      { now },
    );
  }

  getUnit(id: string, session?: ClientSession): Promise<UnitDoc | null> {
    return this.units.findOne({ _id: id }, { session });
  }

  allUnits(session?: ClientSession): Promise<UnitDoc[]> {
    return this.units.find({}, { session }).sort({ _id: 1 }).toArray();
  }

  listUnits(page: PageRequest, now: Date = new Date()): Promise<KeysetPage<UnitDoc>> {
    return keysetPage(this.units, { list: "units", filter: {}, sort: [["_id", 1]] }, page, { now });
  }

  /** The unit's active head (the first by name, should a file name two) and deputies, in name order. */
  async unitLeaders(unitId: string, session?: ClientSession): Promise<UnitLeaders> {
    const leaders = await this.people.find({ unitId, unitRole: { $in: LEADER_ROLES }, active: true }, { session }).toArray();
    leaders.sort(byName);
    return { head: leaders.find((p) => p.unitRole === "head") ?? null, deputies: leaders.filter((p) => p.unitRole === "deputy") };
  }

  /** Head, deputies and member count of each unit, with two reads whatever the number of units. */
  async summaries(units: readonly UnitDoc[], session?: ClientSession): Promise<UnitSummary[]> {
    if (units.length === 0) return [];
    const ids = units.map((u) => u._id);
    const members = await this.people
      .find({ unitId: { $in: ids }, active: true }, { session, projection: { _id: 1, unitId: 1, unitRole: 1 } })
      .toArray();
    const counts = new Map<string, number>();
    for (const m of members) if (m.unitId) counts.set(m.unitId, (counts.get(m.unitId) ?? 0) + 1);
    const leaders = await this.people.find({ unitId: { $in: ids }, unitRole: { $in: LEADER_ROLES }, active: true }, { session }).toArray();
    leaders.sort(byName);
    return units.map((unit) => {
      const own = leaders.filter((p) => p.unitId === unit._id);
      return {
        unit,
        head: own.find((p) => p.unitRole === "head") ?? null,
        deputies: own.filter((p) => p.unitRole === "deputy"),
        memberCount: counts.get(unit._id) ?? 0,
      };
    });
  }

  /**
   * The active people the selectors stand for, each once, in the order first selected (within one
   * selector: head before deputies, then name order); the selectors that stand for nobody active.
   * One read per kind of selector, whatever their number: this runs for every event fanned out.
   */
  async resolve(selectors: readonly Selector[], session?: ClientSession): Promise<{ people: PersonDoc[]; unresolved: Selector[] }> {
    const values = (kinds: Selector["kind"][]) => [...new Set(selectors.filter((s) => kinds.includes(s.kind)).map((s) => s.value))];
    const personIds = values(["person"]);
    const leaderUnits = values(["unit_leaders", "unit_head"]);
    const roles = values(["role"]);
    const memberUnits = values(["unit_members"]);

    const byPerson = new Map<string, PersonDoc>();
    const leadersOf = new Map<string, PersonDoc[]>();
    const holdersOf = new Map<string, PersonDoc[]>();
    const membersOf = new Map<string, PersonDoc[]>();
    const push = (map: Map<string, PersonDoc[]>, key: string, p: PersonDoc) => {
      const list = map.get(key);
      if (list) list.push(p);
      else map.set(key, [p]);
    };

    // Sequential on purpose: operations of one transaction's session are not to run concurrently.
    if (personIds.length > 0)
      for (const p of await this.people.find({ _id: { $in: personIds }, active: true }, { session }).toArray()) byPerson.set(p._id, p);
    if (leaderUnits.length > 0) {
      const found = await this.people
        .find({ unitId: { $in: leaderUnits }, unitRole: { $in: LEADER_ROLES }, active: true }, { session })
        .toArray();
      found.sort((a, b) => (a.unitRole === b.unitRole ? byName(a, b) : a.unitRole === "head" ? -1 : 1));
      for (const p of found) if (p.unitId) push(leadersOf, p.unitId, p);
    }
    if (roles.length > 0) {
      const found = await this.people.find({ roles: { $in: roles }, active: true }, { session }).toArray();
      found.sort(byName);
      for (const p of found) for (const r of p.roles) if (roles.includes(r)) push(holdersOf, r, p);
    }
    if (memberUnits.length > 0) {
      const found = await this.people.find({ unitId: { $in: memberUnits }, active: true }, { session }).toArray();
      found.sort(byName);
      for (const p of found) if (p.unitId) push(membersOf, p.unitId, p);
    }

    const people: PersonDoc[] = [];
    const seen = new Set<string>();
    const unresolved: Selector[] = [];
    for (const s of selectors) {
      let chosen: PersonDoc[];
      switch (s.kind) {
        case "person":
          chosen = byPerson.has(s.value) ? [byPerson.get(s.value)!] : [];
          break;
        case "unit_leaders":
          chosen = leadersOf.get(s.value) ?? [];
          break;
        case "unit_head":
          chosen = (leadersOf.get(s.value) ?? []).filter((p) => p.unitRole === "head").slice(0, 1);
          break;
        case "role":
          chosen = holdersOf.get(s.value) ?? [];
          break;
        case "unit_members":
          chosen = membersOf.get(s.value) ?? [];
          break;
        default:
          chosen = [];
      }
      if (chosen.length === 0) unresolved.push(s);
      for (const p of chosen) {
        if (seen.has(p._id)) continue;
        seen.add(p._id);
        people.push(p);
      }
    }
    return { people, unresolved };
  }

  countPeople(session?: ClientSession): Promise<number> {
    return this.people.countDocuments({}, { session });
  }

  /**
   * Creates or replaces a person. `expectedVersion` (when given) must be the stored version (0: not
   * there yet); the write itself is conditional on the version it read, so a concurrent change loses
   * with VERSION_CONFLICT instead of being overwritten. `active` re-activates a person (an import).
   */
  async upsertPerson(
    person: ValidPerson,
    opts: { expectedVersion?: number; now: Date; active?: boolean },
    session?: ClientSession,
  ): Promise<{ person: PersonDoc; created: boolean; changed: boolean }> {
    const current = await this.people.findOne({ _id: person.id }, { session });
    const currentVersion = current?.version ?? 0;
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== currentVersion)
      throw personVersionConflict(person.id, currentVersion);
    const fields = {
      fullName: person.fullName,
      position: person.position,
      unitId: person.unitId,
      unitRole: person.unitRole,
      roles: person.roles,
      email: person.email,
      phone: person.phone,
      locale: person.locale,
      timeZone: person.timeZone,
      nameSearch: normalizeForSearch(person.fullName),
    };
    if (!current) {
      const doc: PersonDoc = {
        _id: person.id,
        ...fields,
        active: opts.active ?? true,
        version: 1,
        createdAt: opts.now,
        updatedAt: opts.now,
      };
      try {
        await this.people.insertOne(doc, { session });
      } catch (err) {
        if (isDuplicateKey(err)) throw personVersionConflict(person.id, currentVersion);
        throw err;
      }
      return { person: doc, created: true, changed: true };
    }
    const active = opts.active ?? current.active;
    if (active === current.active && samePersonDoc(current, fields)) return { person: current, created: false, changed: false };
    const next: PersonDoc = { ...current, ...fields, active, version: current.version + 1, updatedAt: opts.now };
    const r = await this.people.replaceOne({ _id: person.id, version: current.version }, next, { session });
    if (r.matchedCount === 0) throw personVersionConflict(person.id, current.version + 1);
    return { person: next, created: false, changed: true };
  }

  /** Marks a person as gone; null when there is no such person. Already inactive: unchanged. */
  async deactivatePerson(id: string, now: Date, session?: ClientSession): Promise<PersonDoc | null> {
    const current = await this.people.findOne({ _id: id }, { session });
    if (!current?.active) return current;
    const next: PersonDoc = { ...current, active: false, version: current.version + 1, updatedAt: now };
    const r = await this.people.replaceOne({ _id: id, version: current.version }, next, { session });
    if (r.matchedCount === 0) throw personVersionConflict(id, current.version + 1);
    return next;
  }

  /** Creates or renames a unit. */
  async upsertUnit(unit: ValidUnit, now: Date, session?: ClientSession): Promise<{ unit: UnitDoc; created: boolean }> {
    const current = await this.units.findOne({ _id: unit.id }, { session });
    if (!current) {
      const doc: UnitDoc = { _id: unit.id, name: unit.name, nameEn: unit.nameEn, version: 1, createdAt: now, updatedAt: now };
      try {
        await this.units.insertOne(doc, { session });
      } catch (err) {
        if (isDuplicateKey(err))
          throw new Aborted(
            `Đơn vị "${unit.id}" vừa được tạo bởi người khác / Unit "${unit.id}" was just created by someone else`,
            "VERSION_CONFLICT",
          );
        throw err;
      }
      return { unit: doc, created: true };
    }
    if (current.name === unit.name && current.nameEn === unit.nameEn) return { unit: current, created: false };
    const next: UnitDoc = { ...current, name: unit.name, nameEn: unit.nameEn, version: current.version + 1, updatedAt: now };
    const r = await this.units.replaceOne({ _id: unit.id, version: current.version }, next, { session });
    if (r.matchedCount === 0)
      throw new Aborted(
        `Đơn vị "${unit.id}" đã được người khác cập nhật / Unit "${unit.id}" was changed by someone else`,
        "VERSION_CONFLICT",
      );
    return { unit: next, created: false };
  }
}

type PersonFields = Pick<PersonDoc, "fullName" | "position" | "unitId" | "unitRole" | "roles" | "email" | "phone" | "locale" | "timeZone">;

function samePersonDoc(a: PersonFields, b: PersonFields): boolean {
  return (
    a.fullName === b.fullName &&
    a.position === b.position &&
    a.unitId === b.unitId &&
    a.unitRole === b.unitRole &&
    a.roles.length === b.roles.length &&
    a.roles.every((r, i) => r === b.roles[i]) &&
    a.email === b.email &&
    a.phone === b.phone &&
    a.locale === b.locale &&
    a.timeZone === b.timeZone
  );
}
