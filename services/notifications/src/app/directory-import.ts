/**
 * A directory file (the ministry directory's export, CSV or XLSX) read into people, row by row: the
 * columns found by their Vietnamese or English heading, each cell checked as UpsertPerson checks a
 * field, every problem reported with its line and column. Reading is the platform's (bounded unzip,
 * row limit, CSV formula quotes removed); this module knows the columns.
 */
import { FieldChecks, InvalidArgument, normalizeForSearch, type FieldViolation } from "@ministry/platform";
import {
  FILE_FIELD,
  ImportRowsInvalid,
  assertFileSize,
  fileKind,
  listRowErrors,
  readCsvTable,
  readXlsxTable,
  type TableRow,
  type XlsxTableLimits,
} from "@ministry/platform/tables";
import { checkPerson, type ValidPerson } from "../domain/directory.js";
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_ROWS } from "../domain/limits.js";
import type { UnitRoleName } from "../domain/model.js";
import type { UnitDoc } from "../store/documents.js";

/** Columns read from a directory file; cells further right are ignored. */
export const MAX_IMPORT_COLUMNS = 32;
/** An XLSX directory of 20,000 people unpacks to a few MB; a zip bomb is refused as it crosses this. */
export const MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024;
export const MAX_XLSX_ENTRIES = 1000;
export const DIRECTORY_TABLE_LIMITS: XlsxTableLimits = {
  maxDataRows: MAX_IMPORT_ROWS,
  maxColumns: MAX_IMPORT_COLUMNS,
  maxUnpackedBytes: MAX_XLSX_UNPACKED_BYTES,
  maxEntries: MAX_XLSX_ENTRIES,
};

export type ColumnKey =
  | "id"
  | "fullName"
  | "position"
  | "unit"
  | "unitRole"
  | "roles"
  | "email"
  | "phone"
  | "locale"
  | "timeZone"
  | "active";

export interface ColumnDef {
  key: ColumnKey;
  vi: string;
  en: string;
  /** Other headings people write for it. */
  aliases: string[];
  required: boolean;
  /** The proto field (under `person.`) its violations name. */
  field: string;
}

export const DIRECTORY_COLUMNS: readonly ColumnDef[] = [
  { key: "id", vi: "Mã", en: "Id", aliases: ["Mã cán bộ", "Mã định danh", "Tài khoản"], required: true, field: "id" },
  { key: "fullName", vi: "Họ và tên", en: "Full name", aliases: ["Họ tên", "Name"], required: true, field: "full_name" },
  { key: "position", vi: "Chức vụ", en: "Position", aliases: [], required: false, field: "position" },
  { key: "unit", vi: "Đơn vị", en: "Unit", aliases: [], required: false, field: "unit.id" },
  { key: "unitRole", vi: "Vai trò trong đơn vị", en: "Unit role", aliases: ["Vai trò"], required: false, field: "unit_role" },
  { key: "roles", vi: "Quyền", en: "Roles", aliases: [], required: false, field: "roles" },
  { key: "email", vi: "Email", en: "Email", aliases: ["Thư điện tử", "E-mail"], required: false, field: "email" },
  { key: "phone", vi: "Điện thoại", en: "Phone", aliases: ["Số điện thoại"], required: false, field: "phone" },
  { key: "locale", vi: "Ngôn ngữ", en: "Locale", aliases: ["Language"], required: false, field: "locale" },
  { key: "timeZone", vi: "Múi giờ", en: "Time zone", aliases: [], required: false, field: "time_zone" },
  { key: "active", vi: "Đang làm việc", en: "Active", aliases: [], required: false, field: "active" },
];

const HEADINGS = new Map<string, ColumnDef>();
for (const c of DIRECTORY_COLUMNS) for (const h of [c.vi, c.en, ...c.aliases]) HEADINGS.set(normalizeForSearch(h), c);

export function columnOfHeading(cell: string): ColumnDef | undefined {
  return HEADINGS.get(normalizeForSearch(cell));
}

const UNIT_ROLE_WORDS = new Map<string, UnitRoleName>([
  ["truong", "head"],
  ["head", "head"],
  ["pho", "deputy"],
  ["deputy", "deputy"],
  ["thanh vien", "member"],
  ["member", "member"],
  ["", "member"],
]);
const YES = new Set(["co", "yes", "true", "1", "x", ""]);
const NO = new Set(["khong", "no", "false", "0"]);

export interface ImportRowError {
  line: number;
  /** The column's Vietnamese heading (the file's own heading when it had one). */
  column: string;
  vi: string;
  en: string;
}

export interface ImportedPerson {
  line: number;
  person: ValidPerson;
  active: boolean;
}

export interface DirectoryFile {
  rows: number;
  people: ImportedPerson[];
  errors: ImportRowError[];
}

function fileProblem(vi: string, en: string): InvalidArgument {
  return new InvalidArgument([{ field: FILE_FIELD, description: `${vi} / ${en}` }]);
}

/** XLSX when the bytes are a zip (or an old Office file, refused as such); text is CSV; otherwise the name decides. */
function isXlsx(bytes: Uint8Array, fileName: string): boolean {
  const kind = fileKind(bytes);
  if (kind === "zip" || kind === "ole2") return true;
  if (kind === "text") return false;
  return /\.xlsx?$/iu.test(fileName.trim());
}

/** Reads the file's rows, within the size (checked before anything parses it) and row limits. */
export async function readDirectoryTable(bytes: Uint8Array, fileName: string): Promise<TableRow[]> {
  assertFileSize(bytes, MAX_IMPORT_FILE_BYTES);
  if (bytes.byteLength === 0) throw fileProblem("Tệp rỗng", "The file is empty");
  return isXlsx(bytes, fileName)
    ? readXlsxTable(bytes, DIRECTORY_TABLE_LIMITS)
    : readCsvTable(bytes, (cell) => columnOfHeading(cell) !== undefined, DIRECTORY_TABLE_LIMITS);
}

/** Finds a unit by id (any case) or by its Vietnamese or English name (diacritics-insensitive). */
export function unitFinder(units: readonly UnitDoc[]): (text: string) => UnitDoc | undefined {
  const byKey = new Map<string, UnitDoc>();
  for (const u of units) for (const k of [u.name, u.nameEn]) if (k) byKey.set(normalizeForSearch(k), u);
  // Ids win over names.
  for (const u of units) byKey.set(normalizeForSearch(u._id), u);
  return (text) => byKey.get(normalizeForSearch(text));
}

/**
 * The people of a file's rows, and an error per bad cell. The heading row is the first non-empty row;
 * a file without the required headings is refused as a whole.
 */
export function parseDirectoryRows(rows: readonly TableRow[], units: readonly UnitDoc[]): DirectoryFile {
  const [header, ...data] = rows;
  if (!header) throw fileProblem("Tệp không có dữ liệu", "The file has no data");
  const columns = new Map<ColumnKey, { index: number; heading: string }>();
  header.cells.forEach((cell, index) => {
    const def = columnOfHeading(cell);
    if (def && !columns.has(def.key)) columns.set(def.key, { index, heading: cell.trim() });
  });
  const missing = DIRECTORY_COLUMNS.filter((c) => c.required && !columns.has(c.key));
  if (missing.length > 0)
    throw fileProblem(
      `Thiếu cột: ${missing.map((c) => `"${c.vi}"`).join(", ")} (dòng tiêu đề là dòng ${header.line})`,
      `Missing columns: ${missing.map((c) => `"${c.en}"`).join(", ")} (the heading row is line ${header.line})`,
    );
  const headingOf = (key: ColumnKey) => columns.get(key)?.heading ?? DIRECTORY_COLUMNS.find((c) => c.key === key)!.vi;
  const findUnit = unitFinder(units);

  const people: ImportedPerson[] = [];
  const errors: ImportRowError[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of data) {
    const cell = (key: ColumnKey) => {
      const at = columns.get(key);
      return at === undefined ? "" : (row.cells[at.index] ?? "").trim();
    };
    const rowErrors: ImportRowError[] = [];
    const fail = (key: ColumnKey, vi: string, en: string) => rowErrors.push({ line: row.line, column: headingOf(key), vi, en });

    let unitId: string | null = null;
    const unitText = cell("unit");
    if (unitText !== "") {
      const unit = findUnit(unitText);
      if (unit) unitId = unit._id;
      else fail("unit", `Không có đơn vị "${unitText}"`, `No unit "${unitText}"`);
    }
    const roleText = normalizeForSearch(cell("unitRole"));
    const unitRole = UNIT_ROLE_WORDS.get(roleText);
    if (unitRole === undefined)
      fail(
        "unitRole",
        `Vai trò "${cell("unitRole")}" không hợp lệ (Trưởng / Phó / Thành viên)`,
        `Unit role "${cell("unitRole")}" is not Head / Deputy / Member`,
      );
    const activeText = normalizeForSearch(cell("active"));
    const active = YES.has(activeText);
    if (!active && !NO.has(activeText)) fail("active", `"${cell("active")}" không phải có / không`, `"${cell("active")}" is not yes / no`);
    const roles = cell("roles")
      .split(/[,;\s]+/u)
      .filter((r) => r !== "");

    const checks = new FieldChecks();
    const person = checkPerson(
      checks,
      {
        id: cell("id"),
        fullName: cell("fullName"),
        position: cell("position"),
        // An unknown unit is reported above; the person is checked as if without one.
        unitId: unitText === "" || unitId ? unitId : null,
        unitRole: unitRole ?? "member",
        roles,
        email: cell("email"),
        phone: cell("phone"),
        locale: cell("locale"),
        timeZone: cell("timeZone"),
      },
      "",
    );
    for (const v of checks.violations) {
      if (unitText !== "" && !unitId && v.field === "unit_role") continue;
      const def = columnOfField(v.field);
      const [vi, en] = splitDescription(v);
      rowErrors.push({ line: row.line, column: headingOf(def), vi, en });
    }
    if (person.id !== "") {
      const first = firstLineOf.get(person.id);
      if (first !== undefined) fail("id", `Mã "${person.id}" đã có ở dòng ${first}`, `Id "${person.id}" is already on line ${first}`);
      else firstLineOf.set(person.id, row.line);
    }
    if (rowErrors.length > 0) errors.push(...rowErrors);
    else people.push({ line: row.line, person, active });
  }
  return { rows: data.length, people, errors };
}

function columnOfField(field: string): ColumnKey {
  const base = field.replace(/\[\d+\]$/u, "");
  return DIRECTORY_COLUMNS.find((c) => c.field === base)?.key ?? "id";
}

function splitDescription(v: FieldViolation): [string, string] {
  const at = v.description.indexOf(" / ");
  return at < 0 ? [v.description, v.description] : [v.description.slice(0, at), v.description.slice(at + 3)];
}

/** A row error as one sentence per language: where (line, column), then what. */
export function describeRowError(e: ImportRowError): string {
  return `Dòng ${e.line}, cột "${e.column}": ${e.vi} / Line ${e.line}, column "${e.column}": ${e.en}`;
}

/** A strict import of a file with bad rows imports nothing: one violation on `content` per row error (bounded). */
export function rowsRefusal(file: DirectoryFile): ImportRowsInvalid {
  const { violations } = listRowErrors(file.errors.map(describeRowError));
  const badLines = new Set(file.errors.map((e) => e.line)).size;
  return new ImportRowsInvalid(
    violations,
    `Tệp có ${badLines} dòng không hợp lệ, chưa nhập ai; hãy sửa rồi gửi lại / ${badLines} row(s) of the file are invalid and nothing was imported; fix them and resend`,
    { invalid_rows: String(badLines), row_errors: String(file.errors.length), rows: String(file.rows) },
  );
}
