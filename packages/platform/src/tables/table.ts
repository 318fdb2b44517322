/**
 * Reading an uploaded file into rows of cell text, whatever its format, with bounded memory: CSV
 * (UTF-8 with or without BOM, comma, semicolon or tab separated, RFC 4180 quoting) record by record,
 * XLSX (the first worksheet) row by row through exceljs' streaming reader, after the package has passed
 * its size gate (xlsx-package.ts). Empty rows cost nothing; reading stops as soon as the file has more
 * data rows than the limit. Every value becomes text: spreadsheet dates (a deadline cell Excel turned
 * into a date) become yyyy-MM-dd, numbers their decimal text, rich text its plain text, formulas their
 * cached result.
 */
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { InvalidArgument } from "../errors.js";
import { assertLooksLikeCsv, assertLooksLikeXlsx, fileRefusal, xlsxRefusals } from "./file-kind.js";
import { storedPackage, unpackWorkbook, type UnpackLimits } from "./xlsx-package.js";

/** One row of the file: `line` is its 1-based row number (CSV: record number, the row a spreadsheet shows). */
export interface TableRow {
  line: number;
  cells: string[];
}

/** How much of a file is read: data rows (the non-empty rows after the first, the heading row) and columns. */
export interface TableLimits {
  maxDataRows: number;
  /** Cells further right are ignored. */
  maxColumns: number;
}

/** An XLSX file is bounded twice: what its package unpacks to, then the rows read from it. */
export type XlsxTableLimits = TableLimits & UnpackLimits;

export function tooManyRows(maxDataRows: number): InvalidArgument {
  return fileRefusal(`Tệp có hơn ${maxDataRows} dòng dữ liệu`, `The file has more than ${maxDataRows} data rows`);
}

export function isEmptyRow(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === "");
}

/** The non-empty rows of a table as they are read, the first being the heading row; refuses one data row too many. */
class Rows {
  readonly rows: TableRow[] = [];

  constructor(private readonly limits: TableLimits) {}

  add(line: number, cells: string[]): void {
    if (isEmptyRow(cells)) return;
    if (this.rows.length > this.limits.maxDataRows) throw tooManyRows(this.limits.maxDataRows);
    this.rows.push({ line, cells: cells.length > this.limits.maxColumns ? cells.slice(0, this.limits.maxColumns) : cells });
  }
}

export const CSV_DELIMITERS = [",", ";", "\t"] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

function malformedCsv(vi: string, en: string): InvalidArgument {
  return fileRefusal(`Tệp CSV không đúng định dạng (${vi})`, `Malformed CSV file (${en})`);
}

/**
 * The records of a CSV text, one at a time (RFC 4180): a cell that starts with a quote may hold the
 * delimiter, line breaks and doubled quotes, and must be followed by a delimiter or a line end; a
 * record ends at CR LF, LF or CR. A quote inside an unquoted cell is taken as it is.
 */
function* csvRecords(text: string, delimiter: string): Generator<string[]> {
  const n = text.length;
  const endsCell = (at: number) => at >= n || text[at] === delimiter || text[at] === "\r" || text[at] === "\n";
  let i = 0;
  while (i < n) {
    const cells: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        let value = "";
        let j = i + 1;
        for (;;) {
          const quote = text.indexOf('"', j);
          if (quote < 0) throw malformedCsv("có ô mở dấu ngoặc kép mà không đóng", "a quoted cell is never closed");
          value += text.slice(j, quote);
          j = quote + 1;
          if (text[j] !== '"') break;
          value += '"';
          j += 1;
        }
        if (!endsCell(j)) {
          const after = text.slice(j, j + 20);
          throw malformedCsv(`có chữ sau dấu ngoặc kép đóng ô: "${after}"`, `text after a closing quote: "${after}"`);
        }
        cells.push(value);
        i = j;
      } else {
        let j = i;
        while (!endsCell(j)) j += 1;
        cells.push(text.slice(i, j));
        i = j;
      }
      if (i < n && text[i] === delimiter) i += 1;
      else break;
    }
    if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
    else if (i < n) i += 1;
    yield cells;
  }
}

/** The cells of the first non-empty record under `delimiter`; none when the text does not parse so. */
function firstRecordCells(text: string, delimiter: string): string[] {
  try {
    for (const cells of csvRecords(text, delimiter)) if (!isEmptyRow(cells)) return cells;
  } catch (e) {
    if (!(e instanceof InvalidArgument)) throw e;
  }
  return [];
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
    throw fileRefusal(
      "Tệp CSV không phải mã UTF-8; hãy lưu lại tệp với mã UTF-8",
      "The CSV file is not UTF-8 encoded; save it again as UTF-8",
    );
  }
}

/** The non-empty rows of a CSV file, the cells' formula quotes removed (restoreFormula). */
export async function readCsvTable(bytes: Uint8Array, isHeading: (cell: string) => boolean, limits: TableLimits): Promise<TableRow[]> {
  assertLooksLikeCsv(bytes);
  const text = decodeUtf8(bytes);
  const delimiter = detectDelimiter(text, isHeading);
  const rows = new Rows(limits);
  let line = 0;
  for (const cells of csvRecords(text, delimiter)) {
    line += 1;
    rows.add(line, cells.map(restoreFormula));
  }
  return rows.rows;
}

/**
 * The reader parses what it is given a chunk at a time and yields rows only between chunks: small
 * chunks keep what it holds small and let reading stop soon after the row limit.
 */
const STREAM_CHUNK_BYTES = 64 * 1024;

function* slices(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** The non-empty rows of the first worksheet of an XLSX file. */
export async function readXlsxTable(bytes: Uint8Array, limits: XlsxTableLimits): Promise<TableRow[]> {
  assertLooksLikeXlsx(bytes);
  const parts = await unpackWorkbook(bytes, limits);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(slices(await storedPackage(parts), STREAM_CHUNK_BYTES)), {
    worksheets: "emit",
    sharedStrings: "cache",
    // Styles say which numbers are dates.
    styles: "cache",
    hyperlinks: "ignore",
    entries: "ignore",
  });
  const rows = new Rows(limits);
  try {
    // The package holds one worksheet, the first.
    for await (const worksheet of reader) {
      for await (const row of worksheet) {
        const count = Math.min(row.cellCount, limits.maxColumns);
        const cells: string[] = [];
        for (let col = 1; col <= count; col += 1) cells.push(cellText(row.getCell(col).value));
        rows.add(row.number, cells);
      }
    }
  } catch (e) {
    if (e instanceof InvalidArgument) throw e;
    // The reader's own words (XML offsets, zip records) mean nothing to the person who sent the file.
    throw xlsxRefusals.damaged();
  }
  return rows.rows;
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
