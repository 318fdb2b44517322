/**
 * Formula injection (OWASP, "CSV Injection"): a cell that starts with =, +, -, @, tab or carriage
 * return is a formula to Excel. CSV files the service writes prefix such cells with a single quote, and
 * the importer removes exactly the quote the writer added, so every text round-trips exactly — a text
 * that itself starts with quotes and then such a character included. XLSX files hold such text as
 * plain string cells, never formula cells.
 */
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/domain/report.js";
import { validateNewTask } from "../../src/domain/task.js";
import { parseProgrammeFile, writeProgrammeCsv, writeProgrammeXlsx, type ImportedTask } from "../../src/import/index.js";
import { readCsvTable } from "@ministry/platform/tables";
import { FORMULA_LIKE_TEXTS } from "@ministry/platform/testing";
import { IMPORT_TABLE_LIMITS } from "../../src/domain/limits.js";
import { exportReportCsv, exportReportXlsx, reportLinesOf } from "../../src/report/export.js";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const task = (code: string, title: string): ImportedTask => ({
  code,
  title,
  kindCode: "BAO_CAO",
  authority: "BO_TRUONG",
  leadUnit: "VP",
  coordinatingUnits: [],
  deadlineText: "Quý II/2020",
  deadlineSpec: { kind: "quarter", year: 2020, quarter: 2 },
  priority: "normal",
  note: "=cmd|' /C calc'!A0",
});

/** Titles are one line of text (tab and CR become spaces), so the formula-like ones without them. */
const TITLES = FORMULA_LIKE_TEXTS.filter((d) => !/^[\t\r]/u.test(d) && d.trim() !== "-");

describe("programme files", () => {
  const tasks = TITLES.map((t, i) => task(`-${i}`, t));

  it("CSV: neutralised on the way out, read back exactly", async () => {
    const bytes = writeProgrammeCsv(tasks);
    expect(decode(bytes)).toContain(`'-0,"'=HYPERLINK(`);
    const report = await parseProgrammeFile(bytes, "csv");
    expect(report.rows.map((r) => (r.ok ? [r.task.code, r.task.title, r.task.note] : r.errors))).toEqual(
      tasks.map((t) => [t.code, t.title, t.note]),
    );
  });

  it("XLSX: string cells, never formulas, read back exactly", async () => {
    const bytes = await writeProgrammeXlsx(tasks);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0];
    for (const [i, t] of tasks.entries()) {
      const cell = sheet.getRow(i + 2).getCell(2);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.formula).toBeUndefined();
      expect(cell.value).toBe(t.title);
    }
    const report = await parseProgrammeFile(bytes, "xlsx");
    expect(report.rows.map((r) => (r.ok ? [r.task.code, r.task.title] : r.errors))).toEqual(tasks.map((t) => [t.code, t.title]));
  });
});

describe("report exports", () => {
  const lines = () => {
    const tasks = TITLES.map((title, i) =>
      validateNewTask({
        id: `t-${i}`,
        programmeId: "bnv-2020",
        code: `@${i}`,
        title,
        kind: "BAO_CAO",
        leadUnit: "VP",
        deadline: "Quý II/2020",
      }),
    );
    const report = buildReport(tasks, { kind: "quarter", year: 2020, quarter: 2 }, new Date("2020-04-01T00:00:00Z"));
    return { report, lines: reportLinesOf(tasks, report) };
  };

  it("CSV: the task list neutralised", async () => {
    const bytes = exportReportCsv(lines());
    const text = decode(bytes);
    expect(text).toContain(`'@0,"'=HYPERLINK(`);
    expect(text).not.toMatch(/(^|,)[=+\-@]/mu);
    const back = await readCsvTable(bytes, () => false, IMPORT_TABLE_LIMITS);
    expect(back.slice(1).map((r) => r.cells[2])).toEqual(lines().lines.map((l) => l.title));
  });

  it("XLSX: titles are string cells, never formulas", async () => {
    const bytes = await exportReportXlsx(lines());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[1];
    const titles: string[] = [];
    sheet.eachRow((row, n) => {
      if (n === 1) return;
      for (const c of [2, 3]) {
        expect(row.getCell(c).type).toBe(ExcelJS.ValueType.String);
        expect(row.getCell(c).formula).toBeUndefined();
      }
      titles.push(String(row.getCell(3).value));
    });
    expect(titles).toEqual(lines().lines.map((l) => l.title));
  });
});
