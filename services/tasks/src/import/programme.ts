/**
 * Importing a year's work programme from a spreadsheet (CSV or XLSX), and writing one in the same
 * format (the template users fill in, and the seed data).
 *
 * One row is one task. Every problem of a row is reported, with the row's line and code, the column by
 * its heading, and in Vietnamese (English after " / "), so a unit can fix its file in one pass; rows
 * without problems are returned as ImportedTask, ready for validateNewTask (importedTaskToInput).
 * Headings the file lacks refuse the whole file (field "content", the request's file).
 */
import ExcelJS from "exceljs";
import { InvalidArgument } from "@ministry/platform";
import { InvalidDeadline, deadlineLabel, parseDeadlineText, type DeadlineSpec } from "../domain/deadline.js";
import {
  FIELD_NAMES,
  MAX_ASSIGNEE_LENGTH,
  MAX_CODE_LENGTH,
  MAX_COORDINATING_UNITS,
  MAX_DEADLINE_TEXT_LENGTH,
  IMPORT_TABLE_LIMITS,
  MAX_IMPORT_FILE_BYTES,
  MAX_IMPORT_ROWS,
  MAX_REMARK_LENGTH,
  MAX_TITLE_LENGTH,
  MAX_VOCABULARY_NAME_LENGTH,
  characterCount,
  tooLong,
  tooMany,
  type FieldName,
} from "../domain/limits.js";
import { codeKey } from "../domain/ids.js";
import { DEFAULT_VOCABULARY, type NewTaskInput, type TaskVocabulary } from "../domain/task.js";
import { AUTHORITIES, type AuthorityCode, type Priority } from "../domain/vocabulary.js";
import { COLUMN_KEYS, PROGRAMME_COLUMNS, columnDef, columnLabel, columnOf, type ColumnKey } from "./columns.js";
import { PRIORITY_LABELS, buildLookups, splitUnits, type VocabularyLookups } from "./lookup.js";
import {
  FILE_FIELD,
  assertFileSize,
  isEmptyRow,
  readCsvTable,
  readXlsxTable,
  tooManyRows,
  writeCsvTable,
  type TableRow,
} from "@ministry/platform/tables";

export type ProgrammeFileFormat = "csv" | "xlsx";

export interface ImportedTask {
  /** The task's code in the programme, unique in the file (compared ignoring case). */
  code: string;
  title: string;
  /** A kind code of the vocabulary, e.g. "NGHI_DINH". */
  kindCode: string;
  /** As written; when the cell is blank, the kind's authority (a VBQPPL tier's), or null: none. */
  authority: AuthorityCode | null;
  /** A unit id of the vocabulary. */
  leadUnit: string;
  /** Unit ids, without duplicates and never the lead unit. */
  coordinatingUnits: string[];
  /** The deadline as written in the file. */
  deadlineText: string;
  deadlineSpec: DeadlineSpec;
  priority: Priority;
  assignee?: string;
  note?: string;
}

export interface ImportError {
  /** The column as the person fixing the file knows it: its heading and English name ("Thời hạn (Deadline)"). */
  field: string;
  /** The column's key, for code that works on columns. */
  column: ColumnKey;
  /** Vietnamese, then " / ", then English: `${vi} / ${en}`. */
  message: string;
  /** The message's halves, kept apart so that a refusal can add the line and column to each. */
  vi: string;
  en: string;
}

export type ImportRow =
  | { line: number; ok: true; task: ImportedTask }
  /** `code`: the row's code as written, "" when it has none or one too long to be a code (never echoed). */
  | { line: number; ok: false; code: string; errors: ImportError[] };

export interface ImportReport {
  /** Non-empty data rows in file order. */
  rows: ImportRow[];
  valid: number;
  invalid: number;
}

export interface ImportOptions {
  /** Kinds and units to recognise; default the ministry's (DEFAULT_VOCABULARY). */
  vocabulary?: TaskVocabulary;
}

function msg(vi: string, en: string): string {
  return `${vi} / ${en}`;
}

/** The halves of a fixed bilingual text (no user text in it, so its only " / " is the separator). */
function halves(text: string): { vi: string; en: string } {
  const at = text.indexOf(" / ");
  return at < 0 ? { vi: text, en: text } : { vi: text.slice(0, at), en: text.slice(at + 3) };
}

/** NFC, trimmed, whitespace runs (new lines included) as one space. */
function oneLine(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim();
}

/** NFC, trimmed, CRLF as LF, blanks within lines collapsed; keeps line breaks (notes). */
function multiLine(text: string): string {
  return text
    .normalize("NFC")
    .replace(/\r\n?/gu, "\n")
    .split("\n")
    .map((l) => l.replace(/[^\S\n]+/gu, " ").trim())
    .join("\n")
    .replace(/\n{3,}/gu, "\n\n")
    .trim();
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `"${i}"`).join(", ");
}

type ColumnIndex = Partial<Record<ColumnKey, number>>;

function mapHeader(header: TableRow): ColumnIndex {
  const index: ColumnIndex = {};
  const violations: { field: string; description: string }[] = [];
  header.cells.forEach((cell, i) => {
    const key = columnOf(cell);
    if (!key) return;
    const seen = index[key];
    if (seen !== undefined) {
      const def = columnDef(key);
      violations.push({
        field: FILE_FIELD,
        description: msg(
          `Cột "${def.vi}" xuất hiện hai lần (cột ${seen + 1} và ${i + 1})`,
          `Column "${def.en}" appears twice (columns ${seen + 1} and ${i + 1})`,
        ),
      });
    } else index[key] = i;
  });
  for (const def of PROGRAMME_COLUMNS) {
    if (def.required && index[def.key] === undefined) {
      violations.push({
        field: FILE_FIELD,
        description: msg(`Thiếu cột bắt buộc "${def.vi}"`, `Missing required column "${def.en}"`),
      });
    }
  }
  if (violations.length > 0) throw new InvalidArgument(violations);
  return index;
}

/** What a row is checked against: the file's columns, the vocabulary, and each kind's own authority. */
interface RowContext {
  index: ColumnIndex;
  lookups: VocabularyLookups;
  kindAuthority: ReadonlyMap<string, AuthorityCode>;
}

/** Checks one row; `codes` maps the codes seen on earlier rows (by codeKey: ignoring case) to their lines. */
function checkRow(row: TableRow, { index, lookups, kindAuthority }: RowContext, codes: Map<string, number>): ImportRow {
  const errors: ImportError[] = [];
  const add = (column: ColumnKey, vi: string, en: string) =>
    errors.push({ field: columnLabel(column), column, message: msg(vi, en), vi, en });
  /** A problem whose message is a fixed bilingual text (limits). */
  const addFixed = (column: ColumnKey, text: string) => {
    const { vi, en } = halves(text);
    add(column, vi, en);
  };
  const raw = (key: ColumnKey): string => {
    const i = index[key];
    return i === undefined ? "" : (row.cells[i] ?? "");
  };

  /** Whether the cell is within `max` characters; an over-long cell is reported, never echoed. */
  const within = (key: ColumnKey, text: string, max: number, what: FieldName): boolean => {
    if (characterCount(text) <= max) return true;
    addFixed(key, tooLong(key, what, max).description);
    return false;
  };

  const code = oneLine(raw("code"));
  const codeFits = within("code", code, MAX_CODE_LENGTH, FIELD_NAMES.code);
  if (code === "") add("code", "Thiếu mã nhiệm vụ", "Code is required");
  else if (codeFits) {
    const key = codeKey(code);
    const first = codes.get(key);
    if (first !== undefined) add("code", `Mã "${code}" trùng với dòng ${first}`, `Code "${code}" duplicates line ${first}`);
    else codes.set(key, row.line);
  }

  const title = oneLine(raw("title"));
  if (title === "") add("title", "Tên nhiệm vụ không được để trống", "Title is required");
  else within("title", title, MAX_TITLE_LENGTH, FIELD_NAMES.taskTitle);

  const kindText = oneLine(raw("kindCode"));
  const kindCode = kindText === "" ? undefined : lookups.kinds.get(kindText);
  if (kindText === "") add("kindCode", "Thiếu loại nhiệm vụ", "Kind is required");
  else if (!kindCode && within("kindCode", kindText, MAX_VOCABULARY_NAME_LENGTH, FIELD_NAMES.kind))
    add("kindCode", `Loại nhiệm vụ không xác định: "${kindText}"`, `Unknown kind: "${kindText}"`);

  // Blank: the kind's own authority (a decree goes to the Government), or none, as CreateTask allows.
  const authorityText = oneLine(raw("authority"));
  const authority: AuthorityCode | null | undefined =
    authorityText === "" ? (kindCode ? (kindAuthority.get(kindCode) ?? null) : null) : lookups.authorities.get(authorityText);
  if (authority === undefined && within("authority", authorityText, MAX_VOCABULARY_NAME_LENGTH, FIELD_NAMES.authority))
    add("authority", `Cấp trình không xác định: "${authorityText}"`, `Unknown authority: "${authorityText}"`);

  const leadText = raw("leadUnit").normalize("NFC").trim();
  const lead = within("leadUnit", leadText, MAX_VOCABULARY_NAME_LENGTH, FIELD_NAMES.leadUnit)
    ? splitUnits(leadText, lookups.units)
    : undefined;
  const leads = [...new Set(lead?.ids ?? [])];
  if (lead) {
    for (const u of lead.unknown) add("leadUnit", `Đơn vị chủ trì không xác định: "${u}"`, `Unknown lead unit: "${u}"`);
    if (lead.ids.length === 0 && lead.unknown.length === 0) add("leadUnit", "Thiếu đơn vị chủ trì", "Lead unit is required");
    else if (leads.length + lead.unknown.length > 1) {
      const named = quoteList([...leads, ...lead.unknown]);
      add(
        "leadUnit",
        `Mỗi nhiệm vụ chỉ có một đơn vị chủ trì (có ${leads.length + lead.unknown.length}: ${named})`,
        `A task has exactly one lead unit (found ${leads.length + lead.unknown.length}: ${named})`,
      );
    }
  }

  const coordinatingText = raw("coordinatingUnits").normalize("NFC").trim();
  const coordinatingUnits: string[] = [];
  if (within("coordinatingUnits", coordinatingText, MAX_REMARK_LENGTH, FIELD_NAMES.units)) {
    const coordinating = splitUnits(coordinatingText, lookups.units);
    if (coordinating.ids.length + coordinating.unknown.length > MAX_COORDINATING_UNITS)
      addFixed("coordinatingUnits", tooMany("coordinatingUnits", FIELD_NAMES.units, MAX_COORDINATING_UNITS).description);
    else {
      for (const u of coordinating.unknown)
        if (within("coordinatingUnits", u, MAX_VOCABULARY_NAME_LENGTH, FIELD_NAMES.units))
          add("coordinatingUnits", `Đơn vị phối hợp không xác định: "${u}"`, `Unknown coordinating unit: "${u}"`);
      for (const id of coordinating.ids) {
        if (leads.includes(id)) {
          add(
            "coordinatingUnits",
            `Đơn vị chủ trì "${id}" không đồng thời là đơn vị phối hợp`,
            `The lead unit "${id}" cannot also be a coordinating unit`,
          );
        } else if (!coordinatingUnits.includes(id)) coordinatingUnits.push(id);
      }
    }
  }

  const deadlineText = oneLine(raw("deadlineText"));
  let deadlineSpec: DeadlineSpec | undefined;
  if (within("deadlineText", deadlineText, MAX_DEADLINE_TEXT_LENGTH, FIELD_NAMES.deadline)) {
    try {
      deadlineSpec = parseDeadlineText(deadlineText, "deadlineText");
    } catch (e) {
      if (!(e instanceof InvalidDeadline)) throw e;
      add("deadlineText", e.vi, e.en);
    }
  }

  const priorityText = oneLine(raw("priority"));
  const priority: Priority | undefined = priorityText === "" ? "normal" : lookups.priorities.get(priorityText);
  if (!priority && within("priority", priorityText, MAX_VOCABULARY_NAME_LENGTH, FIELD_NAMES.priority))
    add("priority", `Mức ưu tiên không xác định: "${priorityText}"`, `Unknown priority: "${priorityText}"`);

  const assignee = oneLine(raw("assignee"));
  within("assignee", assignee, MAX_ASSIGNEE_LENGTH, FIELD_NAMES.assignee);
  const note = multiLine(raw("note"));
  within("note", note, MAX_REMARK_LENGTH, FIELD_NAMES.note);

  if (errors.length > 0 || !kindCode || authority === undefined || !deadlineSpec || !priority || leads.length !== 1) {
    return { line: row.line, ok: false, code: codeFits ? code : "", errors };
  }
  const task: ImportedTask = {
    code,
    title,
    kindCode,
    authority,
    leadUnit: leads[0],
    coordinatingUnits,
    deadlineText,
    deadlineSpec,
    priority,
  };
  if (assignee !== "") task.assignee = assignee;
  if (note !== "") task.note = note;
  return { line: row.line, ok: true, task };
}

/** Checks the rows of a table whose first non-empty row is the header. */
export function importTable(rows: readonly TableRow[], options: ImportOptions = {}): ImportReport {
  const nonEmpty = rows.filter((r) => !isEmptyRow(r.cells));
  const header = nonEmpty[0];
  if (!header) throw new InvalidArgument([{ field: FILE_FIELD, description: msg("Tệp không có dữ liệu", "The file has no data") }]);
  const index = mapHeader(header);
  const data = nonEmpty.slice(1);
  if (data.length > MAX_IMPORT_ROWS) throw tooManyRows(MAX_IMPORT_ROWS);
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const context: RowContext = {
    index,
    lookups: buildLookups(vocabulary),
    kindAuthority: new Map(vocabulary.kinds.flatMap((k) => (k.authority ? [[k.code, k.authority] as const] : []))),
  };
  const codes = new Map<string, number>();
  const result = data.map((row) => checkRow(row, context, codes));
  const valid = result.filter((r) => r.ok).length;
  return { rows: result, valid, invalid: result.length - valid };
}

function isHeadingCell(cell: string): boolean {
  return columnOf(cell) !== undefined;
}

/**
 * Reads a programme's task list. CSV: UTF-8 (BOM optional), "," ";" or tab separated (detected from
 * the header), RFC 4180 quotes. XLSX: the first worksheet. The header is the first non-empty row; empty
 * rows are skipped; `line` is the row's 1-based number in the file (header = 1 when it is the first row).
 * Throws InvalidArgument for a file that cannot be read or lacks required headings.
 */
export async function parseProgrammeFile(
  bytes: Uint8Array,
  format: ProgrammeFileFormat,
  options: ImportOptions = {},
): Promise<ImportReport> {
  if (format !== "csv" && format !== "xlsx")
    throw new InvalidArgument([
      {
        field: "format",
        description: msg(`Định dạng tệp không hỗ trợ: "${String(format)}"`, `Unsupported file format: "${String(format)}"`),
      },
    ]);
  // Before anything is parsed: every later bound (rows, unpacked bytes) is cheaper to reach when this one holds.
  assertFileSize(bytes, MAX_IMPORT_FILE_BYTES);
  const rows =
    format === "csv" ? await readCsvTable(bytes, isHeadingCell, IMPORT_TABLE_LIMITS) : await readXlsxTable(bytes, IMPORT_TABLE_LIMITS);
  return importTable(rows, options);
}

/** The input validateNewTask takes for an imported task. */
export function importedTaskToInput(task: ImportedTask, ids: { id: string; programmeId: string }): NewTaskInput {
  const input: NewTaskInput = {
    id: ids.id,
    programmeId: ids.programmeId,
    code: task.code,
    title: task.title,
    kind: task.kindCode,
    authority: task.authority,
    leadUnit: task.leadUnit,
    coordinatingUnits: [...task.coordinatingUnits],
    deadline: task.deadlineSpec,
    priority: task.priority,
    source: { type: "programme" },
  };
  if (task.assignee) input.assignee = task.assignee;
  if (task.note) input.note = task.note;
  return input;
}

// ---------------------------------------------------------------------------------------------------
// Writing

/** A task to write: an ImportedTask, or the same fields with the deadline as text or as a spec. */
export interface ProgrammeRowInput {
  code: string;
  title: string;
  kindCode: string;
  authority: string | null;
  leadUnit: string;
  coordinatingUnits?: readonly string[];
  /** Written as is when present; otherwise the spec's Vietnamese label ("Quý II/2020"). */
  deadlineText?: string;
  deadlineSpec?: DeadlineSpec;
  priority?: string;
  assignee?: string;
  note?: string;
}

export interface WriteOptions {
  vocabulary?: TaskVocabulary;
  /** "vi" (default): kinds, authorities, units and priorities by their Vietnamese names; "code": by code. */
  labels?: "vi" | "code";
}

/** The cells of the header and of each task, in PROGRAMME_COLUMNS order. */
export function programmeCells(tasks: readonly ProgrammeRowInput[], options: WriteOptions = {}): string[][] {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const byName = options.labels !== "code";
  const kindName = (code: string) => (byName ? (vocabulary.kinds.find((k) => k.code === code)?.vi ?? code) : code);
  const authorityName = (code: string | null) =>
    code === null ? "" : byName ? (AUTHORITIES.find((a) => a.code === code)?.vi ?? code) : code;
  const unitName = (id: string) => (byName ? (vocabulary.units.find((u) => u.id === id)?.vi ?? id) : id);
  const priorityName = (p: string | undefined) => {
    const known = PRIORITY_LABELS[(p ?? "normal") as Priority];
    return known ? (byName ? known.vi : (p ?? "normal")) : (p ?? "");
  };
  const header = PROGRAMME_COLUMNS.map((c) => c.vi);
  const body = tasks.map((t) => {
    const values: Record<ColumnKey, string> = {
      code: t.code,
      title: t.title,
      kindCode: kindName(t.kindCode),
      authority: authorityName(t.authority),
      leadUnit: unitName(t.leadUnit),
      coordinatingUnits: (t.coordinatingUnits ?? []).map(unitName).join("; "),
      deadlineText: t.deadlineText ?? (t.deadlineSpec ? deadlineLabel(t.deadlineSpec, "vi") : ""),
      priority: priorityName(t.priority),
      assignee: t.assignee ?? "",
      note: t.note ?? "",
    };
    return COLUMN_KEYS.map((k) => values[k]);
  });
  return [header, ...body];
}

export interface CsvWriteOptions extends WriteOptions {
  /** Default ",". */
  delimiter?: "," | ";";
  /** Start with a UTF-8 BOM so that Excel reads the Vietnamese text right; default true. */
  bom?: boolean;
}

/** A programme file as CSV (RFC 4180, CRLF line ends, UTF-8). */
export function writeProgrammeCsv(tasks: readonly ProgrammeRowInput[], options: CsvWriteOptions = {}): Uint8Array {
  return writeCsvTable(programmeCells(tasks, options), options);
}

export const PROGRAMME_SHEET_NAME = "Chương trình công tác";
export const LISTS_SHEET_NAME = "Danh mục";

const COLUMN_WIDTHS: Record<ColumnKey, number> = {
  code: 12,
  title: 70,
  kindCode: 24,
  authority: 20,
  leadUnit: 30,
  coordinatingUnits: 36,
  deadlineText: 14,
  priority: 13,
  assignee: 22,
  note: 36,
};

/**
 * A programme file as XLSX: the tasks on the first worksheet (every cell text, so that Excel keeps
 * "06/2020" as written), and a second worksheet listing the accepted kinds, authorities, units and
 * priorities for whoever fills the template in.
 */
export async function writeProgrammeXlsx(tasks: readonly ProgrammeRowInput[], options: WriteOptions = {}): Promise<Uint8Array> {
  const vocabulary = options.vocabulary ?? DEFAULT_VOCABULARY;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "ministry-ops";
  const sheet = workbook.addWorksheet(PROGRAMME_SHEET_NAME, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = PROGRAMME_COLUMNS.map((c) => ({ key: c.key, width: COLUMN_WIDTHS[c.key], style: { numFmt: "@" } }));
  for (const cells of programmeCells(tasks, options)) sheet.addRow(cells);
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: "middle", wrapText: true };
  sheet.getColumn(COLUMN_KEYS.indexOf("title") + 1).alignment = { wrapText: true, vertical: "top" };

  const lists = workbook.addWorksheet(LISTS_SHEET_NAME);
  lists.columns = [
    { header: "Danh mục / List", width: 22 },
    { header: "Mã / Code", width: 16 },
    { header: "Tên / Name", width: 50 },
    { header: "English", width: 40 },
  ];
  lists.getRow(1).font = { bold: true };
  for (const k of vocabulary.kinds) lists.addRow([k.normative ? "Loại (VBQPPL)" : "Loại (khác)", k.code, k.vi, k.en]);
  for (const a of AUTHORITIES) lists.addRow(["Cấp trình", a.code, a.vi, a.en]);
  for (const u of vocabulary.units) lists.addRow(["Đơn vị", u.id, u.vi, u.en]);
  for (const [p, l] of Object.entries(PRIORITY_LABELS)) lists.addRow(["Mức ưu tiên", p, l.vi, l.en]);

  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}
