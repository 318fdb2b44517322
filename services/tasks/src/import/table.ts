/**
 * Reading a file into rows of cell text, whatever its format: CSV (UTF-8 with or without BOM, comma,
 * semicolon or tab separated, RFC 4180 quoting — read by exceljs' CSV reader, fast-csv underneath) or
 * XLSX (the first worksheet, through exceljs). Every value becomes text: spreadsheet dates (a deadline
 * cell Excel turned into a date) become yyyy-MM-dd, numbers their decimal text, rich text its plain text,
 * formulas their cached result.
 */
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { InvalidArgument } from "@ministry/platform";

/** One row of the file: `line` is its 1-based row number (CSV: record number, the row a spreadsheet shows). */
export interface TableRow {
  line: number;
  cells: string[];
}

function fileError(vi: string, en: string): InvalidArgument {
  return new InvalidArgument([{ field: "file", description: `${vi} / ${en}` }]);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const CSV_DELIMITERS = [",", ";", "\t"] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** The cells of the first non-empty record, split on `delimiter` with RFC 4180 quotes honoured. */
function firstRecordCells(text: string, delimiter: string): string[] {
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      cells.push(cell);
      if (cells.some((x) => x.trim() !== "")) return cells;
      cells = [];
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * The delimiter of a CSV: the one under which the header row names the most known headings
 * (`isHeading`), then the one that splits it into the most cells; a comma when nothing decides.
 */
export function detectDelimiter(text: string, isHeading: (cell: string) => boolean): CsvDelimiter {
  let best: CsvDelimiter = ",";
  let bestScore = [-1, -1];
  for (const d of CSV_DELIMITERS) {
    const cells = firstRecordCells(text, d);
    const score = [cells.filter(isHeading).length, cells.length];
    if (score[0] > bestScore[0] || (score[0] === bestScore[0] && score[1] > bestScore[1])) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Decodes UTF-8 strictly (a file saved in another encoding is refused, not silently garbled); drops a BOM. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw fileError(
      "Tệp CSV không phải mã UTF-8; hãy lưu lại tệp với mã UTF-8",
      "The CSV file is not UTF-8 encoded; save it again as UTF-8",
    );
  }
}

function worksheetRows(worksheet: ExcelJS.Worksheet): TableRow[] {
  const rows: TableRow[] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    const count = row.cellCount;
    for (let col = 1; col <= count; col += 1) cells.push(cellText(row.getCell(col).value));
    rows.push({ line: rowNumber, cells });
  });
  return rows;
}

export async function readCsvTable(bytes: Uint8Array, isHeading: (cell: string) => boolean): Promise<TableRow[]> {
  const text = decodeUtf8(bytes);
  const delimiter = detectDelimiter(text, isHeading);
  const workbook = new ExcelJS.Workbook();
  try {
    const worksheet = await workbook.csv.read(Readable.from([Buffer.from(text, "utf8")]), {
      // Cells stay text: exceljs would otherwise turn "001" into 1 and "2020-06-30" into a Date.
      map: (value: unknown) => value,
      parserOptions: { delimiter, quote: '"', escape: '"' },
    });
    return worksheetRows(worksheet).map((row) => ({ line: row.line, cells: row.cells.map(restoreFormula) }));
  } catch (e) {
    if (e instanceof InvalidArgument) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const reason = message.length > 160 ? `${message.slice(0, 160)}…` : message;
    throw fileError(`Tệp CSV không đúng định dạng (${reason})`, `Malformed CSV file (${reason})`);
  }
}

export async function readXlsxTable(bytes: Uint8Array): Promise<TableRow[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs' typings name their own Buffer interface; a Node Buffer is what it reads.
    await workbook.xlsx.load(asBuffer(bytes) as unknown as ExcelJS.Buffer);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw fileError(`Không đọc được tệp XLSX (${reason})`, `Cannot read the XLSX file (${reason})`);
  }
  const worksheet = workbook.worksheets[0];
  if (!worksheet) throw fileError("Tệp XLSX không có trang tính nào", "The XLSX file has no worksheet");
  return worksheetRows(worksheet);
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * The text of a cell value. A Date is a spreadsheet date: exceljs gives it as UTC midnight of the
 * calendar day shown, so the UTC fields are the day (no time-zone shift).
 */
export function cellText(value: ExcelJS.CellValue | unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return "";
    // Round to the nearest second: serial-to-date conversion may land a hair before midnight.
    const d = new Date(Math.round(value.getTime() / 1000) * 1000);
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  }
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return v.richText.map((r: { text?: unknown }) => (typeof r?.text === "string" ? r.text : "")).join("");
    if ("formula" in v || "sharedFormula" in v) return cellText(v.result);
    if ("hyperlink" in v || "text" in v) return cellText(v.text);
    if (typeof v.error === "string") return v.error;
  }
  return "";
}

/**
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with =, +, -, @, tab
 * or carriage return as a formula. Such a cell is written with a single quote before it, which Excel
 * shows as text. So that reading removes exactly what writing added, the quote goes before a cell that
 * starts with quotes followed by such a character as well ("'=x" is written "''=x"), and reading
 * removes one quote from a cell that starts with quotes followed by such a character: every text
 * round-trips, and a cell whose quotes are not followed by one ("'ghi chú'") is left alone both ways.
 */
const FORMULA_PREFIX = /^'*[=+\-@\t\r]/u;
const NEUTRALISED = /^'+[=+\-@\t\r]/u;

export function neutraliseFormula(cell: string): string {
  return FORMULA_PREFIX.test(cell) ? `'${cell}` : cell;
}

/** The text neutraliseFormula was given. */
export function restoreFormula(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}

/**
 * Rows as CSV the way Excel opens it and any reader parses it back: RFC 4180 quoting, CRLF line ends,
 * UTF-8 with a BOM (so Excel reads Vietnamese right) unless `bom` is false, formula-like cells
 * neutralised (readCsvTable restores them).
 */
export function writeCsvTable(rows: readonly (readonly string[])[], options: { delimiter?: "," | ";"; bom?: boolean } = {}): Uint8Array {
  const delimiter = options.delimiter ?? ",";
  const cell = (value: string) =>
    value.includes(delimiter) || /["\r\n]/u.test(value) || value !== value.trim() ? `"${value.replace(/"/gu, '""')}"` : value;
  const lines = rows.map((cells) => cells.map((c) => cell(neutraliseFormula(c))).join(delimiter));
  return new TextEncoder().encode(`${options.bom === false ? "" : "\uFEFF"}${lines.join("\r\n")}\r\n`);
}
