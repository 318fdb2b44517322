/**
 * Exporting a task-force report (buildReport) as files people open in Excel:
 *
 *   XLSX  sheet 1 "Tổng hợp": title, period, as-of time, then the Prime Minister's task-force
 *         categories by lead unit (with a total row) and by kind group and kind (with a total row);
 *         sheet 2 "Danh sách nhiệm vụ": one row per task counted, with its category.
 *   CSV   the task list only (the columns of sheet 2), as the importer writes CSV: UTF-8 with a BOM,
 *         RFC 4180 quoting, CRLF line ends.
 *
 * Headings, vocabulary names (units, kinds, statuses, categories), deadline labels ("Quý II/2020",
 * "Q2 2020") and the default title follow the locale ("vi" by default, "en"); the task's own words
 * (code, title) are written as they are. Every time and date is Vietnam time (Asia/Ho_Chi_Minh,
 * UTC+07:00): these files are read by people, whereas the API's timestamps are UTC.
 */
import { TASK_STATUS_WORDS } from "../domain/wording.js";
import ExcelJS from "exceljs";
import { VIETNAM_UTC_OFFSET_MS, deadlineLabel, formatVietnamDate, type DeadlineSpec, type Period } from "../domain/deadline.js";
import {
  REPORT_CATEGORIES,
  doneAt,
  statusAsOf,
  type CategoryTally,
  type KindGroup,
  type ReportCategory,
  type TaskReport,
} from "../domain/report.js";
import type { Task } from "../domain/task.js";
import { writeCsvTable } from "@ministry/platform/tables";
import { DEFAULT_TASK_KINDS, DEFAULT_UNITS, type TaskKindDef, type TaskStatus, type UnitDef } from "../domain/vocabulary.js";

export type ExportLocale = "vi" | "en";

/** One task of a report, as the task list shows it. `kind` and `leadUnit` are codes; names come at export. */
export interface ReportLine {
  id: string;
  code: string;
  title: string;
  kind: string;
  leadUnit: string;
  deadline: Date;
  /** The deadline as it was set (a day, a month, a quarter); its label is written in the file's locale. */
  deadlineSpec: DeadlineSpec;
  /** The task's status at the report time (statusAsOf), not today's. */
  status: string;
  /** When the task reached `status`; absent when the task was recorded only after the report time. */
  statusSince?: Date;
  /** When the task was done (submitted, or completed without submission); absent when not done at the report time. */
  doneAt?: Date;
  category: ReportCategory;
}

export interface ExportInput {
  report: TaskReport;
  /** The task list (reportLinesOf), in the order to write it. */
  lines: ReportLine[];
  /** Default "vi". */
  locale?: "vi" | "en";
  /** Unit names; default DEFAULT_UNITS. Unknown unit ids are written as they are. */
  units?: readonly UnitDef[];
  /** Kind names; default DEFAULT_TASK_KINDS. Unknown kind codes are written as they are. */
  kinds?: readonly TaskKindDef[];
  /** Default: "Báo cáo tình hình thực hiện nhiệm vụ — <period label>" (in English with locale "en"). */
  title?: string;
}

export type ReportLineTask = Pick<
  Task,
  "id" | "code" | "title" | "kind" | "leadUnit" | "deadline" | "deadlineSpec" | "status" | "submittedAt" | "completedAt" | "history"
> & {
  /** When the task was recorded: since when it has had the status it was created with. */
  createdAt?: Date;
};

// ---------------------------------------------------------------------------------------------------
// Words

export const REPORT_CATEGORY_LABELS: Record<ReportCategory, { vi: string; en: string }> = {
  completedOnTime: { vi: "Hoàn thành đúng hạn", en: "Completed on time" },
  completedLate: { vi: "Hoàn thành quá hạn", en: "Completed late" },
  withinDeadline: { vi: "Chưa hoàn thành, còn trong hạn", en: "Not completed, within deadline" },
  overdue: { vi: "Chưa hoàn thành, quá hạn", en: "Not completed, overdue" },
};

/** The statuses' words (domain/wording.ts), the English one capitalised as a cell's label. */
export const TASK_STATUS_LABELS = Object.fromEntries(
  Object.entries(TASK_STATUS_WORDS).map(([status, w]) => [status, { vi: w.vi, en: w.en.charAt(0).toUpperCase() + w.en.slice(1) }]),
) as Record<TaskStatus, { vi: string; en: string }>;

/** Distinct from every kind's name: the kind VAN_BAN_KHAC is "Văn bản khác" / "Other document". */
export const KIND_GROUP_LABELS: Record<KindGroup, { vi: string; en: string }> = {
  normative: { vi: "Văn bản quy phạm pháp luật", en: "Legal normative documents" },
  other: { vi: "Ngoài văn bản quy phạm pháp luật", en: "Other than legal normative documents" },
};

export const REPORT_SHEET_NAMES: Record<ExportLocale, { summary: string; lines: string }> = {
  vi: { summary: "Tổng hợp", lines: "Danh sách nhiệm vụ" },
  en: { summary: "Summary", lines: "Tasks" },
};

/** The headings of the task list (sheet 2 and the CSV), in column order. */
export const REPORT_LINE_HEADINGS: Record<ExportLocale, readonly string[]> = {
  vi: [
    "STT",
    "Mã",
    "Tên nhiệm vụ",
    "Loại",
    "Đơn vị chủ trì",
    "Thời hạn",
    "Trạng thái",
    "Trạng thái từ (giờ Việt Nam)",
    "Ngày hoàn thành",
    "Phân loại",
  ],
  en: ["No.", "Code", "Title", "Kind", "Lead unit", "Deadline", "Status", "Status since (Vietnam time)", "Done on", "Category"],
};

/** The count columns of the summary tables, after the first (unit or kind) column. */
export const REPORT_TALLY_HEADINGS: Record<ExportLocale, readonly string[]> = {
  vi: [
    "Tổng số",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Chưa hoàn thành - trong hạn",
    "Chưa hoàn thành - quá hạn",
    "Tỷ lệ đúng hạn (%)",
  ],
  en: ["Total", "Completed on time", "Completed late", "Not completed - within deadline", "Not completed - overdue", "On-time rate (%)"],
};

const TEXT = {
  vi: {
    title: (period: string) => `Báo cáo tình hình thực hiện nhiệm vụ — ${period}`,
    period: "Kỳ báo cáo",
    asOf: "Số liệu tính đến",
    vietnamTime: "(giờ Việt Nam)",
    byUnit: "I. Theo đơn vị chủ trì",
    byKind: "II. Theo loại văn bản",
    unit: "Đơn vị",
    kind: "Loại văn bản",
    total: "Tổng cộng",
  },
  en: {
    title: (period: string) => `Task implementation report — ${period}`,
    period: "Period",
    asOf: "As of",
    vietnamTime: "(Vietnam time)",
    byUnit: "I. By lead unit",
    byKind: "II. By document kind",
    unit: "Unit",
    kind: "Document kind",
    total: "Total",
  },
} as const;

// ---------------------------------------------------------------------------------------------------
// Values

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** dd/MM/yyyy HH:mm in Vietnam time. */
function formatVietnamDateTime(instant: Date): string {
  const shifted = new Date(instant.getTime() + VIETNAM_UTC_OFFSET_MS);
  return `${formatVietnamDate(instant)} ${pad2(shifted.getUTCHours())}:${pad2(shifted.getUTCMinutes())}`;
}

/** The on-time ratio as a percentage rounded to one decimal (0.97058… → 97.1); null when nothing is done. */
export function onTimePercent(ratio: number | null): number | null {
  return ratio === null || !Number.isFinite(ratio) ? null : Math.round(ratio * 1000) / 10;
}

/** The on-time ratio as text with one decimal ("97.1", "100.0"); "" when nothing is done. */
export function formatOnTimeRatio(ratio: number | null): string {
  const percent = onTimePercent(ratio);
  return percent === null ? "" : percent.toFixed(1);
}

// Codes compare as people number them: "NV-9" before "NV-10".
const CODE_ORDER = new Intl.Collator("vi", { numeric: true });

/**
 * The tasks counted in the report (ids in report.totals.ids) with their category, sorted by deadline,
 * then code, then id. The category is the report's, so the list always agrees with the counts. A task
 * done after the report time shows no done date (the report reads it as not done yet), and the status
 * it had at the report time. Tasks the report does not count are left out; a repeated id is listed once.
 */
export function reportLinesOf(tasks: Iterable<ReportLineTask>, report: TaskReport): ReportLine[] {
  const categories = new Map<string, ReportCategory>();
  for (const category of REPORT_CATEGORIES) for (const id of report.totals.ids[category]) categories.set(id, category);
  const lines: ReportLine[] = [];
  const seen = new Set<string>();
  for (const task of tasks) {
    const category = categories.get(task.id);
    if (!category || seen.has(task.id)) continue;
    seen.add(task.id);
    lines.push(reportLine(task, category, report.asOf));
  }
  return lines.sort(compareLines);
}

/** One task as the list shows it, in `category` and with the status it had, as of `asOf`. */
export function reportLine(task: ReportLineTask, category: ReportCategory, asOf: Date): ReportLine {
  const then = statusAsOf(task, asOf);
  const line: ReportLine = {
    id: task.id,
    code: task.code,
    title: task.title,
    kind: task.kind,
    leadUnit: task.leadUnit,
    deadline: new Date(task.deadline.getTime()),
    deadlineSpec: task.deadlineSpec,
    status: then.status,
    category,
  };
  if (then.since) line.statusSince = then.since;
  const done = doneAt(task);
  if (done && done.getTime() <= asOf.getTime()) line.doneAt = new Date(done.getTime());
  return line;
}

/** Deadline, then code as people number them, then id. */
export function compareLines(a: ReportLine, b: ReportLine): number {
  return a.deadline.getTime() - b.deadline.getTime() || CODE_ORDER.compare(a.code, b.code) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** "bao-cao-nhiem-vu-2020-Q1.xlsx", "bao-cao-nhiem-vu-2020-06.csv", "bao-cao-nhiem-vu-2020.csv". */
export function reportFileName(report: TaskReport, format: "xlsx" | "csv"): string {
  return `bao-cao-nhiem-vu-${periodSlug(report.period)}.${format}`;
}

function periodSlug(p: Period): string {
  switch (p.kind) {
    case "month":
      return `${p.year}-${pad2(p.month)}`;
    case "quarter":
      return `${p.year}-Q${p.quarter}`;
    case "year":
      return String(p.year);
  }
}

interface Resolved {
  report: TaskReport;
  lines: readonly ReportLine[];
  locale: ExportLocale;
  units: readonly UnitDef[];
  kinds: readonly TaskKindDef[];
  title: string;
}

function resolve(input: ExportInput): Resolved {
  const locale: ExportLocale = input.locale === "en" ? "en" : "vi";
  const title = input.title?.trim() || TEXT[locale].title(input.report.label[locale]);
  return {
    report: input.report,
    lines: input.lines,
    locale,
    units: input.units ?? DEFAULT_UNITS,
    kinds: input.kinds ?? DEFAULT_TASK_KINDS,
    title,
  };
}

/** Cells of the task list: headings, then one row per line (every cell text; STT as its number). */
function lineRows(r: Resolved): string[][] {
  const unitName = nameOf(
    r.units.map((u) => [u.id, u]),
    r.locale,
  );
  const kindName = nameOf(
    r.kinds.map((k) => [k.code, k]),
    r.locale,
  );
  const body = r.lines.map((line, i) => [
    String(i + 1),
    line.code,
    line.title,
    kindName(line.kind),
    unitName(line.leadUnit),
    deadlineLabel(line.deadlineSpec, r.locale),
    TASK_STATUS_LABELS[line.status as TaskStatus]?.[r.locale] ?? line.status,
    line.statusSince ? formatVietnamDateTime(line.statusSince) : "",
    line.doneAt ? formatVietnamDate(line.doneAt) : "",
    REPORT_CATEGORY_LABELS[line.category]?.[r.locale] ?? line.category,
  ]);
  return [[...REPORT_LINE_HEADINGS[r.locale]], ...body];
}

function nameOf(entries: [string, { vi: string; en: string }][], locale: ExportLocale): (code: string) => string {
  const names = new Map(entries);
  return (code) => names.get(code)?.[locale] ?? code;
}

// ---------------------------------------------------------------------------------------------------
// CSV

/**
 * The task list as CSV: UTF-8 with a BOM (so Excel reads the Vietnamese right), comma separated, RFC
 * 4180 quoting, CRLF line ends — the importer's conventions.
 *
 * Only the tabular part: the first row is the headings and every other row a task, with nothing before
 * (no title, period or as-of line) and no summary after, so that the file opens in Excel as one clean
 * table and parses back as one (readCsvTable, any CSV reader). The summary by unit and kind and the
 * on-time ratio are the XLSX's job: they are a second table of other columns, which a CSV cannot hold
 * without breaking that.
 */
export function exportReportCsv(input: ExportInput): Uint8Array {
  return writeCsvTable(lineRows(resolve(input)));
}

// ---------------------------------------------------------------------------------------------------
// XLSX

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: "thin" },
  left: { style: "thin" },
  bottom: { style: "thin" },
  right: { style: "thin" },
};
const HEADING_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFD9E1F2" } };
const TOTAL_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFF2F2F2" } };
/** Counts are numbers; the ratio is a number shown with one decimal (Excel shows "97,1" in a Vietnamese locale). */
const RATIO_FORMAT = "0.0";
const SUMMARY_COLUMNS = 1 + REPORT_TALLY_HEADINGS.vi.length;

function styleHeading(row: ExcelJS.Row, columns: number): void {
  row.font = { bold: true };
  for (let c = 1; c <= columns; c += 1) {
    const cell = row.getCell(c);
    cell.fill = HEADING_FILL;
    cell.border = THIN;
    cell.alignment = { vertical: "middle", horizontal: "center", wrapText: true };
  }
}

interface TallyRow {
  label: string;
  tally: CategoryTally;
  /** Group and total rows are bold; a total row also shaded. */
  kind: "item" | "group" | "total";
  indent?: number;
}

function tallyValues(t: CategoryTally): (number | null)[] {
  return [t.total, t.completedOnTime, t.completedLate, t.withinDeadline, t.overdue, onTimePercent(t.onTimeRatio)];
}

/** A section title, a heading row, the rows; returns the next free row number (after one blank row). */
function addTallyTable(sheet: ExcelJS.Worksheet, at: number, section: string, first: string, rows: TallyRow[], r: Resolved): number {
  const sectionRow = sheet.getRow(at);
  sectionRow.getCell(1).value = section;
  sectionRow.font = { bold: true };
  const heading = sheet.getRow(at + 1);
  heading.values = [first, ...REPORT_TALLY_HEADINGS[r.locale]];
  styleHeading(heading, SUMMARY_COLUMNS);
  let n = at + 2;
  for (const item of rows) {
    const row = sheet.getRow(n);
    row.values = [item.label, ...tallyValues(item.tally)];
    for (let c = 1; c <= SUMMARY_COLUMNS; c += 1) {
      const cell = row.getCell(c);
      cell.border = THIN;
      if (item.kind === "total") cell.fill = TOTAL_FILL;
    }
    if (item.kind !== "item") row.font = { bold: true };
    row.getCell(1).alignment = { wrapText: true, vertical: "middle", indent: item.indent ?? 0 };
    row.getCell(SUMMARY_COLUMNS).numFmt = RATIO_FORMAT;
    n += 1;
  }
  return n + 1;
}

/** Rows ordered as `order` lists their keys (the configured order: the ministry's units, kinds by legal tier), unknown keys last by key. */
function inConfiguredOrder<T>(rows: readonly T[], key: (row: T) => string, order: readonly string[]): T[] {
  const rank = new Map(order.map((k, i) => [k, i]));
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const ra = rank.get(ka) ?? Number.MAX_SAFE_INTEGER;
    const rb = rank.get(kb) ?? Number.MAX_SAFE_INTEGER;
    return ra - rb || (ka < kb ? -1 : ka > kb ? 1 : 0);
  });
}

function addSummarySheet(workbook: ExcelJS.Workbook, r: Resolved): void {
  const text = TEXT[r.locale];
  const sheet = workbook.addWorksheet(REPORT_SHEET_NAMES[r.locale].summary, {
    pageSetup: { orientation: "landscape", paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = [{ width: 52 }, ...REPORT_TALLY_HEADINGS[r.locale].map(() => ({ width: 15 }))];

  const titleRow = sheet.getRow(1);
  titleRow.getCell(1).value = r.title;
  titleRow.font = { bold: true, size: 14 };
  titleRow.getCell(1).alignment = { horizontal: "center", vertical: "middle", wrapText: true };
  titleRow.height = 36;
  sheet.mergeCells(1, 1, 1, SUMMARY_COLUMNS);
  sheet.getRow(2).values = [text.period, r.report.label[r.locale]];
  sheet.getRow(3).values = [text.asOf, `${formatVietnamDateTime(r.report.asOf)} ${text.vietnamTime}`];
  for (const n of [2, 3]) sheet.getRow(n).getCell(1).font = { bold: true };

  const unitName = nameOf(
    r.units.map((u) => [u.id, u]),
    r.locale,
  );
  const units = inConfiguredOrder(
    r.report.byUnit,
    (u) => u.unit,
    r.units.map((u) => u.id),
  );
  const next = addTallyTable(
    sheet,
    5,
    text.byUnit,
    text.unit,
    [
      ...units.map((u): TallyRow => ({ label: unitName(u.unit), tally: u, kind: "item" })),
      { label: text.total, tally: r.report.totals, kind: "total" },
    ],
    r,
  );

  const kindName = nameOf(
    r.kinds.map((k) => [k.code, k]),
    r.locale,
  );
  const kinds = inConfiguredOrder(
    r.report.byKind,
    (k) => k.kind,
    r.kinds.map((k) => k.code),
  );
  const kindRows: TallyRow[] = [];
  for (const group of ["normative", "other"] as const) {
    kindRows.push({ label: KIND_GROUP_LABELS[group][r.locale], tally: r.report.byKindGroup[group], kind: "group" });
    for (const k of kinds) if (k.group === group) kindRows.push({ label: kindName(k.kind), tally: k, kind: "item", indent: 2 });
  }
  kindRows.push({ label: text.total, tally: r.report.totals, kind: "total" });
  addTallyTable(sheet, next, text.byKind, text.kind, kindRows, r);
}

const LINE_WIDTHS = [6, 12, 60, 28, 34, 14, 16, 18, 16, 30];

function addLinesSheet(workbook: ExcelJS.Workbook, r: Resolved): void {
  const sheet = workbook.addWorksheet(REPORT_SHEET_NAMES[r.locale].lines, {
    views: [{ state: "frozen", ySplit: 1 }],
    pageSetup: { orientation: "landscape", paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: "1:1" },
  });
  // Text columns stay text ("@"): a code such as "001" or a deadline such as "06/2020" is kept as written.
  sheet.columns = LINE_WIDTHS.map((width, i) => (i === 0 ? { width } : { width, style: { numFmt: "@" } }));
  const [headings, ...body] = lineRows(r);
  styleHeading(sheet.addRow(headings), headings.length);
  for (const cells of body) {
    const row = sheet.addRow([Number(cells[0]), ...cells.slice(1)]);
    row.alignment = { vertical: "top", wrapText: true };
    row.getCell(1).alignment = { vertical: "top", horizontal: "center" };
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: headings.length } };
}

/** The report as an XLSX workbook: the summary ("Tổng hợp") and the task list ("Danh sách nhiệm vụ"). */
export async function exportReportXlsx(input: ExportInput): Promise<Uint8Array> {
  const r = resolve(input);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "ministry-ops";
  workbook.title = r.title;
  addSummarySheet(workbook, r);
  addLinesSheet(workbook, r);
  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}
