/**
 * The attendance sheet as an XLSX workbook:
 *
 *   sheet 1 (Tổng hợp / Summary): the heading, the meeting (title, kind, time, place, chair, status),
 *           the scope and the as-of time, then one row per site and a total row;
 *   sheet 2 (Danh sách / Participants): the same heading lines in short, then one row per person,
 *           grouped by site (a site column, so the list can be filtered), the header row frozen.
 *
 * Every cell is a plain string or number, never a formula: a name such as "=HYPERLINK(…)" or
 * "+84 912…" is set as the cell's string value, which Excel stores as text and never evaluates.
 */
import ExcelJS from "exceljs";
import {
  LIST_HEADINGS,
  SHEET_TEXT,
  SUMMARY_HEADINGS,
  cleanText,
  formatMeetingTime,
  formatVietnamDateTime,
  groupBySite,
  headerLines,
  listCells,
  summaryCells,
  totalCells,
  type SheetData,
  type SheetLocale,
} from "./sheet-model.js";

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: "thin" },
  left: { style: "thin" },
  bottom: { style: "thin" },
  right: { style: "thin" },
};
const HEADING_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFD9E1F2" } };
const TOTAL_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFF2F2F2" } };
/** A4, landscape, as wide as the page: how the sheet is printed and signed. */
const PAGE_SETUP: Partial<ExcelJS.PageSetup> = { orientation: "landscape", paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 };

const SUMMARY_WIDTHS = [36, 30, 26, 12, 12, 14, 16, 16];
/** The list: No., site, then LIST_HEADINGS after No., then "invited as". */
const LIST_WIDTHS = [7, 28, 28, 24, 28, 18, 18, 18, 18, 24, 36, 20];
const LIST_EXTRA = {
  vi: { site: "Điểm cầu", invitedAs: "Thành phần" },
  en: { site: "Site", invitedAs: "Invited as" },
} as const;

type CellValue = string | number;

/** Sets each cell's value one by one: a string stays a string (exceljs never reads "=…" as a formula). */
function writeRow(sheet: ExcelJS.Worksheet, at: number, values: readonly CellValue[]): ExcelJS.Row {
  const row = sheet.getRow(at);
  values.forEach((value, i) => {
    row.getCell(i + 1).value = value;
  });
  return row;
}

function styleHeadingRow(row: ExcelJS.Row, columns: number): void {
  row.font = { bold: true };
  for (let c = 1; c <= columns; c += 1) {
    const cell = row.getCell(c);
    cell.font = { bold: true };
    cell.fill = HEADING_FILL;
    cell.border = THIN;
    cell.alignment = { vertical: "middle", horizontal: "center", wrapText: true };
  }
}

function styleBodyRow(row: ExcelJS.Row, columns: number): void {
  for (let c = 1; c <= columns; c += 1) {
    const cell = row.getCell(c);
    cell.border = THIN;
    cell.alignment = { vertical: "top", wrapText: true };
  }
}

function writeTitle(sheet: ExcelJS.Worksheet, at: number, text: string, columns: number): void {
  const row = writeRow(sheet, at, [text]);
  row.getCell(1).font = { bold: true, size: 14 };
  row.getCell(1).alignment = { horizontal: "center", vertical: "middle" };
  row.height = 24;
  sheet.mergeCells(at, 1, at, columns);
}

function addSummarySheet(workbook: ExcelJS.Workbook, data: SheetData, locale: SheetLocale): void {
  const t = SHEET_TEXT[locale];
  const headings = SUMMARY_HEADINGS[locale];
  const columns = headings.length;
  const sheet = workbook.addWorksheet(t.sheetSummary, { pageSetup: PAGE_SETUP });
  sheet.columns = SUMMARY_WIDTHS.map((width) => ({ width }));

  writeTitle(sheet, 1, t.heading, columns);
  let at = 2;
  for (const [label, value] of headerLines(data, locale)) {
    const row = writeRow(sheet, at, [label, value]);
    row.getCell(1).font = { bold: true };
    sheet.mergeCells(at, 2, at, columns);
    at += 1;
  }
  at += 1;
  writeRow(sheet, at, [t.summaryTitle]).getCell(1).font = { bold: true };
  at += 1;

  const headingRow = at;
  styleHeadingRow(writeRow(sheet, headingRow, headings), columns);
  for (const site of data.sites) {
    at += 1;
    styleBodyRow(writeRow(sheet, at, summaryCells(site, locale)), columns);
  }
  at += 1;
  const total = writeRow(sheet, at, totalCells(data, locale));
  styleBodyRow(total, columns);
  total.font = { bold: true };
  for (let c = 1; c <= columns; c += 1) {
    total.getCell(c).fill = TOTAL_FILL;
    total.getCell(c).font = { bold: true };
  }
  // The table's header stays in view while scrolling through thousands of sites.
  sheet.views = [{ state: "frozen", ySplit: headingRow }];
  sheet.pageSetup.printTitlesRow = `${headingRow}:${headingRow}`;
}

function addListSheet(workbook: ExcelJS.Workbook, data: SheetData, locale: SheetLocale): void {
  const t = SHEET_TEXT[locale];
  const extra = LIST_EXTRA[locale];
  const [no, ...rest] = LIST_HEADINGS[locale];
  const headings = [no ?? "", extra.site, ...rest, extra.invitedAs];
  const columns = headings.length;
  const sheet = workbook.addWorksheet(t.sheetList, { pageSetup: PAGE_SETUP });
  sheet.columns = LIST_WIDTHS.map((width) => ({ width }));

  writeTitle(sheet, 1, `${t.heading} — ${cleanText(data.meeting.title)}`, columns);
  const scope = data.scope.siteId ? `${t.site}: ${cleanText(data.scope.siteName || data.scope.siteId)}` : t.wholeMeeting;
  writeRow(sheet, 2, [
    `${t.time}: ${formatMeetingTime(data.meeting.start, data.meeting.plannedEnd)} ${t.vietnamTime} · ${t.place}: ${cleanText(data.meeting.place)} · ${t.scope}: ${scope} · ${t.asOf}: ${formatVietnamDateTime(data.asOf)} ${t.vietnamTime}`,
  ]);
  sheet.mergeCells(2, 1, 2, columns);

  const headingRow = 4;
  styleHeadingRow(writeRow(sheet, headingRow, headings), columns);
  let at = headingRow;
  for (const group of groupBySite(data, locale)) {
    group.rows.forEach((person, i) => {
      at += 1;
      const [number, ...cells] = listCells(person, i + 1, locale);
      styleBodyRow(writeRow(sheet, at, [number, group.name, ...cells, cleanText(person.invitedAs)]), columns);
    });
  }
  sheet.views = [{ state: "frozen", ySplit: headingRow }];
  sheet.autoFilter = { from: { row: headingRow, column: 1 }, to: { row: Math.max(at, headingRow), column: columns } };
  sheet.pageSetup.printTitlesRow = `${headingRow}:${headingRow}`;
}

export async function renderAttendanceXlsx(data: SheetData, locale: SheetLocale): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "ministry-ops meetings";
  workbook.created = data.asOf;
  workbook.modified = data.asOf;
  workbook.title = `${SHEET_TEXT[locale].heading} — ${cleanText(data.meeting.title)}`;
  addSummarySheet(workbook, data, locale);
  addListSheet(workbook, data, locale);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
