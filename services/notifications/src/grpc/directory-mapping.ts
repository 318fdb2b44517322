/**
 * Proto ↔ stored forms of the directory: people, units, unit roles and recipient selectors.
 */
import { UnitRole, type Person, type RecipientSelector, type Unit } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { PersonInput } from "../domain/directory.js";
import type { Selector, SelectorKind, UnitRoleName } from "../domain/model.js";
import type { PersonDoc } from "../store/documents.js";
import type { UnitSummary } from "../store/directory-store.js";

const UNIT_ROLES: [UnitRole, UnitRoleName][] = [
  [UnitRole.UNIT_ROLE_MEMBER, "member"],
  [UnitRole.UNIT_ROLE_DEPUTY, "deputy"],
  [UnitRole.UNIT_ROLE_HEAD, "head"],
];

export function unitRoleToProto(role: UnitRoleName): UnitRole {
  return UNIT_ROLES.find(([, r]) => r === role)?.[0] ?? UnitRole.UNIT_ROLE_UNSPECIFIED;
}

/** Unspecified is a member; an unknown number is left for the checks to refuse. */
export function unitRoleFromProto(role: UnitRole): UnitRoleName | undefined {
  if (role === UnitRole.UNIT_ROLE_UNSPECIFIED) return "member";
  return UNIT_ROLES.find(([r]) => r === role)?.[1] ?? ("unknown" as UnitRoleName);
}

/** A person as the API shows it; `unitNames` gives the unit's name (its id when not known). */
export function toProtoPerson(p: PersonDoc, unitNames: ReadonlyMap<string, string> = new Map()): Person {
  return {
    id: p._id,
    fullName: p.fullName,
    position: p.position,
    unit: p.unitId ? { id: p.unitId, name: unitNames.get(p.unitId) ?? p.unitId } : undefined,
    unitRole: unitRoleToProto(p.unitRole),
    roles: [...p.roles],
    email: p.email,
    phone: p.phone,
    locale: p.locale,
    timeZone: p.timeZone,
    active: p.active,
    version: p.version,
    updatedAt: p.updatedAt,
  };
}

export function toProtoUnit(s: UnitSummary): Unit {
  const names = new Map([[s.unit._id, s.unit.name]]);
  return {
    id: s.unit._id,
    name: s.unit.name,
    nameEn: s.unit.nameEn,
    head: s.head ? toProtoPerson(s.head, names) : undefined,
    deputies: s.deputies.map((d) => toProtoPerson(d, names)),
    memberCount: s.memberCount,
    version: s.unit.version,
  };
}

/** What UpsertPerson's `person` asks for (version, updated_at, active and unit.name are ignored). */
export function personInputFromProto(p: Person | undefined): PersonInput {
  return {
    id: p?.id,
    fullName: p?.fullName,
    position: p?.position,
    unitId: p?.unit?.id ?? null,
    unitRole: unitRoleFromProto(p?.unitRole ?? UnitRole.UNIT_ROLE_UNSPECIFIED),
    roles: p?.roles ?? [],
    email: p?.email,
    phone: p?.phone,
    locale: p?.locale,
    timeZone: p?.timeZone,
  };
}

const SELECTOR_KINDS: Record<NonNullable<RecipientSelector["selector"]>["$case"], SelectorKind> = {
  personId: "person",
  unitLeaders: "unit_leaders",
  unitHead: "unit_head",
  role: "role",
  unitMembers: "unit_members",
};

export function selectorFromProto(s: RecipientSelector): Selector | undefined {
  if (!s.selector) return undefined;
  return { kind: SELECTOR_KINDS[s.selector.$case], value: s.selector.value.trim() };
}

export function selectorToProto(s: Selector): RecipientSelector {
  switch (s.kind) {
    case "person":
      return { selector: { $case: "personId", value: s.value } };
    case "unit_leaders":
      return { selector: { $case: "unitLeaders", value: s.value } };
    case "unit_head":
      return { selector: { $case: "unitHead", value: s.value } };
    case "role":
      return { selector: { $case: "role", value: s.value } };
    case "unit_members":
      return { selector: { $case: "unitMembers", value: s.value } };
  }
}
