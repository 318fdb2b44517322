/**
 * The registers of Decree 30/2020/NĐ-CP as XLSX workbooks, one sheet each, laid out as the decree's forms
 * (Phụ lục IV): the body (and the body it belongs to) at the top left, the register's name, the year, the
 * period, the numbers and the book; then the decree's columns, numbered (1), (2)… under their headings,
 * and one row a document in the decree's order. Pure rendering: the caller has read the rows (and kept out
 * of them what the reader may not see, see register-model.ts); nothing here reads a store or a clock.
 *
 * Every cell is a plain string or number, never a formula: a summary such as "=SUM(A1)" or a receipt
 * "+84 912…" is set as the cell's string value, which Excel stores as text and never evaluates. Dates are
 * dd/MM/yyyy text in Vietnam time, so no spreadsheet re-reads them in another time zone or date order.
 */
import ExcelJS from "exceljs";
import { numberingYear } from "../domain/numbering.js";
import {
  checkRegister,
  HANDLING_COLUMNS,
  type HandlingRegisterRow,
  INCOMING_COLUMNS,
  type IncomingRegisterRow,
  OUTGOING_COLUMNS,
  type OutgoingRegisterRow,
  REGISTER_SHEET_NAMES,
  REGISTER_TITLES,
  type RegisterColumn,
  type RegisterKind,
  type RegisterLocale,
  type RegisterMeta,
  cellText,
  sortByArrival,
  sortOutgoing,
  titleLines,
} from "./register-model.js";

export { registerFileName } from "./register-model.js";

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: "thin" },
  left: { style: "thin" },
  bottom: { style: "thin" },
  right: { style: "thin" },
};
const HEADING_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFD9E1F2" } };
/** A4, landscape, as wide as the page: how a register is printed and bound. */
const PAGE_SETUP: Partial<ExcelJS.PageSetup> = { orientation: "landscape", paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 };
/** Numbers with at least two digits, as the decree writes them ("01", "15", "105"). */
const NUMBER_FORMAT = "00";
/** Text: what someone types into the sheet later is kept as typed, not read as a number or a date. */
const TEXT_FORMAT = "@";

type Value = string | number | null;

/** Sets each cell's value one by one: a string stays a string (exceljs never reads "=…" as a formula). */
function writeRow(sheet: ExcelJS.Worksheet, at: number, values: readonly Value[]): ExcelJS.Row {
  const row = sheet.getRow(at);
  values.forEach((value, i) => {
    if (value !== null && value !== "") row.getCell(i + 1).value = value;
  });
  return row;
}

/** One line of the title block, across `span` columns from the first. */
function writeLine(
  sheet: ExcelJS.Worksheet,
  at: number,
  text: string,
  span: number,
  font: Partial<ExcelJS.Font>,
  horizontal: "left" | "center",
): void {
  const row = writeRow(sheet, at, [text]);
  row.getCell(1).font = font;
  row.getCell(1).alignment = { horizontal, vertical: "middle", wrapText: true };
  if (span > 1) sheet.mergeCells(at, 1, at, span);
}

interface Register<Row> {
  kind: RegisterKind;
  columns: readonly RegisterColumn<Row>[];
  /** In the decree's order. */
  rows: readonly Row[];
  /** The first and last number, for "Từ số … đến số …"; null when the register has none. */
  numbers: { first: number; last: number } | null;
}

function addRegisterSheet<Row>(workbook: ExcelJS.Workbook, register: Register<Row>, meta: RegisterMeta, locale: RegisterLocale): void {
  const { columns } = register;
  const span = columns.length;
  const sheet = workbook.addWorksheet(REGISTER_SHEET_NAMES[register.kind][locale], { pageSetup: { ...PAGE_SETUP } });
  sheet.columns = columns.map((c) => ({
    width: c.width,
    style: c.kind === "numeric" ? { numFmt: NUMBER_FORMAT } : { numFmt: TEXT_FORMAT },
  }));

  // The body at the top left, over about a third of the width, as on the decree's cover.
  const organSpan = Math.max(1, Math.ceil(span / 3));
  let at = 1;
  const parent = cellText(meta.parentOrganName);
  if (parent) {
    writeLine(sheet, at, parent, organSpan, { bold: false }, "center");
    at += 1;
  }
  writeLine(sheet, at, cellText(meta.organName), organSpan, { bold: true }, "center");
  at += 2;
  writeLine(sheet, at, REGISTER_TITLES[register.kind][locale], span, { bold: true, size: 14 }, "center");
  sheet.getRow(at).height = 24;
  at += 1;
  for (const line of titleLines(meta, register.numbers, locale)) {
    writeLine(sheet, at, line, span, { bold: false }, "center");
    at += 1;
  }
  at += 1;

  const headingRow = at;
  const heading = writeRow(
    sheet,
    headingRow,
    columns.map((c) => c.heading[locale]),
  );
  const numbering = writeRow(
    sheet,
    headingRow + 1,
    columns.map((_, i) => `(${i + 1})`),
  );
  for (let c = 1; c <= span; c += 1) {
    for (const [row, font] of [
      [heading, { bold: true }],
      [numbering, { italic: true }],
    ] as const) {
      const cell = row.getCell(c);
      cell.font = font;
      cell.fill = HEADING_FILL;
      cell.border = THIN;
      cell.alignment = { vertical: "middle", horizontal: "center", wrapText: true };
    }
  }
  heading.height = 45;

  at = headingRow + 1;
  for (const item of register.rows) {
    at += 1;
    const row = writeRow(
      sheet,
      at,
      columns.map((c) => c.cell(item, locale)),
    );
    columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      cell.border = THIN;
      cell.alignment = { vertical: "top", wrapText: true, horizontal: c.kind === "text" ? "left" : "center" };
    });
  }

  // The headings and their numbers stay in view while scrolling, and are printed on every page.
  sheet.views = [{ state: "frozen", ySplit: headingRow + 1 }];
  sheet.pageSetup.printTitlesRow = `${headingRow}:${headingRow + 1}`;
}

async function renderRegister<Row>(register: Register<Row>, meta: RegisterMeta, locale: RegisterLocale): Promise<Buffer> {
  const lang: RegisterLocale = locale === "en" ? "en" : "vi";
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "ministry-ops documents";
  workbook.title = `${REGISTER_TITLES[register.kind][lang]} — ${cellText(meta.organName)}`;
  if (meta.generatedAt) {
    workbook.created = meta.generatedAt;
    workbook.modified = meta.generatedAt;
  }
  addRegisterSheet(workbook, register, meta, lang);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * The first and last number of sorted rows; null when there are none, or when they span two years (the
 * numbers restart at 01 on 1 January, so "from 350 to 01" would say nothing).
 */
function range<Row>(rows: readonly Row[], number: (row: Row) => number, at: (row: Row) => Date): { first: number; last: number } | null {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last || numberingYear(at(first)) !== numberingYear(at(last))) return null;
  return { first: number(first), last: number(last) };
}

/** Sổ đăng ký văn bản đi: rows by year and number, whatever order they come in. */
export async function renderOutgoingRegister(
  rows: readonly OutgoingRegisterRow[],
  meta: RegisterMeta,
  locale: RegisterLocale = "vi",
): Promise<Buffer> {
  checkRegister(meta, rows, { dates: ["issuedAt"], optionalDates: ["deliveredAt"], numbers: ["number"] });
  const sorted = sortOutgoing(rows);
  return renderRegister(
    {
      kind: "outgoing",
      columns: OUTGOING_COLUMNS,
      rows: sorted,
      numbers: range(
        sorted,
        (r) => r.number,
        (r) => r.issuedAt,
      ),
    },
    meta,
    locale,
  );
}

/** Sổ đăng ký văn bản đến: rows by year of arrival and arrival number. */
export async function renderIncomingRegister(
  rows: readonly IncomingRegisterRow[],
  meta: RegisterMeta,
  locale: RegisterLocale = "vi",
): Promise<Buffer> {
  checkRegister(meta, rows, { dates: ["arrivedAt"], optionalDates: ["issuedAt", "transferredAt"], numbers: ["arrivalNumber"] });
  const sorted = sortByArrival(rows);
  return renderRegister(
    {
      kind: "incoming",
      columns: INCOMING_COLUMNS,
      rows: sorted,
      numbers: range(
        sorted,
        (r) => r.arrivalNumber,
        (r) => r.arrivedAt,
      ),
    },
    meta,
    locale,
  );
}

/** Sổ theo dõi giải quyết văn bản đến: rows by year of arrival and arrival number. */
export async function renderHandlingRegister(
  rows: readonly HandlingRegisterRow[],
  meta: RegisterMeta,
  locale: RegisterLocale = "vi",
): Promise<Buffer> {
  checkRegister(meta, rows, { dates: ["arrivedAt"], optionalDates: ["issuedAt", "deadline"], numbers: ["arrivalNumber"] });
  // The decree's form for this register has no "Từ số … đến số …" line (Phụ lục IV, VIII).
  return renderRegister({ kind: "handling", columns: HANDLING_COLUMNS, rows: sortByArrival(rows), numbers: null }, meta, locale);
}
