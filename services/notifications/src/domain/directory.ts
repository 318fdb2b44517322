/**
 * The directory's rules, without I/O: what a person and a unit may hold, normalised (trimmed, defaults
 * filled in, roles de-duplicated). Every problem becomes a field violation naming the proto field
 * (`person.full_name`, `unit.name`...), so a request and an imported row report them the same way.
 */
import { ROLES, type FieldChecks } from "@ministry/platform";
import {
  FIELDS,
  MAX_EMAIL_LENGTH,
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PHONE_LENGTH,
  MAX_ROLE_LENGTH,
  MAX_ROLES,
  MAX_TIME_ZONE_LENGTH,
  MAX_UNIT_ID_LENGTH,
} from "./limits.js";
import { DEFAULT_LOCALE, DEFAULT_TIME_ZONE, LOCALES, type Locale, type UnitRoleName } from "./model.js";

/** A person as a caller or a file gives it: anything may be missing or wrong. */
export interface PersonInput {
  id?: string;
  fullName?: string;
  position?: string;
  /** Empty or absent: no unit (the ministry's leadership). */
  unitId?: string | null;
  /** Absent: member (or none, without a unit). */
  unitRole?: UnitRoleName;
  roles?: readonly string[];
  email?: string;
  phone?: string;
  locale?: string;
  timeZone?: string;
}

/** A person that passed the checks. */
export interface ValidPerson {
  id: string;
  fullName: string;
  position: string;
  unitId: string | null;
  unitRole: UnitRoleName;
  roles: string[];
  email: string;
  phone: string;
  locale: Locale;
  timeZone: string;
}

export interface UnitInput {
  id?: string;
  name?: string;
  nameEn?: string;
}

export interface ValidUnit {
  id: string;
  name: string;
  nameEn: string;
}

/** Ids are a token's `sub` and appear in URLs and logs: a small alphabet, no spaces. */
const ID_PATTERN = /^[A-Za-z0-9._@-]+$/u;
/** Syntax only (one @, a dotted domain, no spaces): the mail server is the judge of the rest. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;
const KNOWN_ROLES = new Set<string>(ROLES);
export const UNIT_ROLES: readonly UnitRoleName[] = ["head", "deputy", "member"];

/** Whether `Intl` knows the zone (the IANA database Node carries). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function isValidEmail(email: string): boolean {
  return EMAIL_PATTERN.test(email);
}

function checkId(checks: FieldChecks, field: string, value: string | undefined | null, max: number): string {
  const id = (value ?? "").trim();
  if (id === "") checks.add(field, "Bắt buộc", "Required");
  else if (checks.length(field, id, max, FIELDS.id) && !isValidId(id))
    checks.add(field, "Chỉ gồm chữ cái không dấu, chữ số và . _ - @", "Only letters, digits and . _ - @");
  return id;
}

/**
 * The person `input` stands for, or violations in `checks` under `prefix` ("person", or "" for bare
 * field names). Whether the unit exists is the caller's to check (it needs the store).
 */
export function checkPerson(checks: FieldChecks, input: PersonInput, prefix = "person"): ValidPerson {
  const f = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const id = checkId(checks, f("id"), input.id, MAX_ID_LENGTH);

  const fullName = (input.fullName ?? "").trim().replace(/\s+/gu, " ");
  if (fullName === "") checks.add(f("full_name"), "Bắt buộc", "Required");
  else checks.length(f("full_name"), fullName, MAX_NAME_LENGTH, FIELDS.fullName);

  const position = (input.position ?? "").trim();
  checks.length(f("position"), position, MAX_NAME_LENGTH, FIELDS.position);

  const unitText = (input.unitId ?? "").trim();
  const unitId = unitText === "" ? null : unitText;
  if (unitId !== null && checks.length(f("unit.id"), unitId, MAX_UNIT_ID_LENGTH, FIELDS.unit) && !isValidId(unitId))
    checks.add(f("unit.id"), "Mã đơn vị chỉ gồm chữ cái không dấu, chữ số và . _ - @", "A unit id holds only letters, digits and . _ - @");

  const unitRole = input.unitRole ?? "member";
  if (!UNIT_ROLES.includes(unitRole)) checks.add(f("unit_role"), "Vai trò trong đơn vị không hợp lệ", "Unknown unit role");
  else if (unitId === null && unitRole !== "member")
    checks.add(
      f("unit_role"),
      "Người không thuộc đơn vị nào không thể là trưởng hay phó đơn vị",
      "A person without a unit cannot head one",
    );

  const roles: string[] = [];
  if (checks.count(f("roles"), input.roles, MAX_ROLES, FIELDS.roles)) {
    for (const [i, raw] of (input.roles ?? []).entries()) {
      const role = raw.trim();
      if (!checks.length(`${f("roles")}[${i}]`, role, MAX_ROLE_LENGTH, FIELDS.roles)) continue;
      if (!KNOWN_ROLES.has(role)) checks.add(`${f("roles")}[${i}]`, `Quyền không tồn tại: "${role}"`, `Unknown role: "${role}"`);
      else if (!roles.includes(role)) roles.push(role);
    }
  }

  const email = (input.email ?? "").trim();
  if (email !== "" && checks.length(f("email"), email, MAX_EMAIL_LENGTH, FIELDS.email) && !isValidEmail(email))
    checks.add(f("email"), `Địa chỉ thư không hợp lệ: "${email}"`, `Not an email address: "${email}"`);

  const phone = (input.phone ?? "").trim();
  checks.length(f("phone"), phone, MAX_PHONE_LENGTH, FIELDS.phone);

  const localeText = (input.locale ?? "").trim().toLowerCase();
  const locale = (localeText === "" ? DEFAULT_LOCALE : localeText) as Locale;
  if (!LOCALES.includes(locale)) checks.add(f("locale"), 'Ngôn ngữ là "vi" hoặc "en"', 'The locale is "vi" or "en"');

  const zoneText = (input.timeZone ?? "").trim();
  const timeZone = zoneText === "" ? DEFAULT_TIME_ZONE : zoneText;
  if (checks.length(f("time_zone"), timeZone, MAX_TIME_ZONE_LENGTH, FIELDS.timeZone) && !isTimeZone(timeZone))
    checks.add(f("time_zone"), `Múi giờ không tồn tại: "${timeZone}"`, `Unknown time zone: "${timeZone}"`);

  return { id, fullName, position, unitId, unitRole, roles, email, phone, locale, timeZone };
}

/** The unit `input` stands for, or violations in `checks` under `prefix`. */
export function checkUnit(checks: FieldChecks, input: UnitInput, prefix = ""): ValidUnit {
  const f = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const id = checkId(checks, f("id"), input.id, MAX_UNIT_ID_LENGTH);
  const name = (input.name ?? "").trim().replace(/\s+/gu, " ");
  if (name === "") checks.add(f("name"), "Bắt buộc", "Required");
  else checks.length(f("name"), name, MAX_NAME_LENGTH, FIELDS.unitName);
  const nameEn = (input.nameEn ?? "").trim().replace(/\s+/gu, " ");
  checks.length(f("name_en"), nameEn, MAX_NAME_LENGTH, FIELDS.unitName);
  return { id, name, nameEn };
}
