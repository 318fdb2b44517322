import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReport, transition, validateNewTask, type NewTaskInput, type Task, type TaskReport } from "../../src/domain/index.js";
import { cellText } from "../../src/import/index.js";
import { readCsvTable } from "@ministry/platform/tables";
import { IMPORT_TABLE_LIMITS } from "../../src/domain/limits.js";
import {
  REPORT_LINE_HEADINGS,
  REPORT_SHEET_NAMES,
  exportReportCsv,
  exportReportXlsx,
  formatOnTimeRatio,
  onTimePercent,
  reportFileName,
  reportLinesOf,
  type ReportLine,
} from "../../src/report/export.js";
import { Q1_2020_AS_OF, buildSeedTasks } from "../../src/seed/index.js";

const Q1 = { kind: "quarter", year: 2020, quarter: 1 } as const;
/** 10:00 on 30 March 2020 in Vietnam. */
const AS_OF = new Date("2020-03-30T10:00:00+07:00");

const VI_TALLY = [
  "Tổng số",
  "Hoàn thành đúng hạn",
  "Hoàn thành quá hạn",
  "Chưa hoàn thành - trong hạn",
  "Chưa hoàn thành - quá hạn",
  "Tỷ lệ đúng hạn (%)",
];

function newTask(id: string, code: string, input: Partial<NewTaskInput>): Task {
  return validateNewTask({
    id,
    programmeId: "p-2020",
    code,
    title: `Nhiệm vụ ${code}`,
    kind: "DE_AN",
    authority: null,
    leadUnit: "PC",
    deadline: "Quý I/2020",
    ...input,
  });
}

function move(task: Task, ...steps: [Task["status"], string][]): Task {
  return steps.reduce(
    (t, [to, at]) => transition(t, to, { at: new Date(at), by: "tester", reason: "kiểm thử", approvedBy: "lãnh đạo" }).task,
    task,
  );
}

/** Every outcome once or more, across four units, plus two tasks the Q1 report leaves out. */
function sampleTasks(): Task[] {
  return [
    // PC: on time, late, overdue
    move(newTask("t1", "NV-1", { kind: "NGHI_DINH", authority: "CHINH_PHU", deadline: "15/02/2020" }), [
      "submitted",
      "2020-02-10T09:00:00+07:00",
    ]),
    move(
      newTask("t2", "NV-2", { kind: "THONG_TU", authority: "BO_TRUONG", deadline: "Tháng 1/2020" }),
      ["in_progress", "2020-01-10T09:00:00+07:00"],
      ["submitted", "2020-02-03T10:00:00+07:00"],
      ["completed", "2020-02-20T10:00:00+07:00"],
    ),
    move(newTask("t3", "NV-3", { kind: "DE_AN", authority: "THU_TUONG", deadline: "20/03/2020" }), [
      "in_progress",
      "2020-02-01T09:00:00+07:00",
    ]),
    // TCCB: on time (completed at 01:30 on 28 March in Vietnam, still 27 March in UTC), within deadline
    move(
      newTask("t4", "NV-4", { kind: "BAO_CAO", leadUnit: "TCCB", deadline: "Tháng 3/2020" }),
      ["in_progress", "2020-03-02T09:00:00+07:00"],
      ["completed", "2020-03-27T18:30:00Z"],
    ),
    newTask("t5", "NV-5", { kind: "KE_HOACH", leadUnit: "TCCB", deadline: "Quý I/2020" }),
    // VP: submitted on 31 March, after the report time: within deadline as of 30 March
    move(newTask("t10", "NV-10", { kind: "BAO_CAO", authority: "BO_TRUONG", leadUnit: "VP", deadline: "Quý I/2020" }), [
      "submitted",
      "2020-03-31T10:00:00+07:00",
    ]),
    // TCBC: on time; a title CSV must quote
    move(
      newTask("t7", "NV-7", {
        kind: "VAN_BAN_KHAC",
        leadUnit: "TCBC",
        deadline: "10/01/2020",
        title: 'Báo cáo "tổng kết", đánh giá năm 2019',
      }),
      ["completed", "2020-01-09T15:00:00+07:00"],
    ),
    // Left out: withdrawn, and due in Q2
    move(newTask("t8", "NV-8", { kind: "NGHI_DINH", authority: "CHINH_PHU", deadline: "Tháng 2/2020" }), [
      "withdrawn",
      "2020-01-20T09:00:00+07:00",
    ]),
    newTask("t9", "NV-9", { deadline: "Quý II/2020" }),
  ];
}

/** UTF-8 text with the BOM kept (TextDecoder drops it by default). */
const decode = (bytes: Uint8Array): string => new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);

async function loadXlsx(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return workbook;
}

/** The cell values of a row, 0-based, `width` cells. */
function rowValues(sheet: ExcelJS.Worksheet, n: number, width = 7): ExcelJS.CellValue[] {
  const row = sheet.getRow(n);
  return Array.from({ length: width }, (_, i) => row.getCell(i + 1).value ?? null);
}

/** Every row of a sheet as cell text (as the importer reads a sheet). */
function sheetText(sheet: ExcelJS.Worksheet): string[][] {
  const rows: string[][] = [];
  for (let n = 1; n <= sheet.rowCount; n += 1) {
    const row = sheet.getRow(n);
    rows.push(Array.from({ length: sheet.columnCount }, (_, i) => cellText(row.getCell(i + 1).value)));
  }
  return rows;
}

/** The row number whose first cell is `label`, searching from `from`. */
function findRow(sheet: ExcelJS.Worksheet, label: string, from = 1): number {
  for (let n = from; n <= sheet.rowCount; n += 1) if (sheet.getRow(n).getCell(1).value === label) return n;
  throw new Error(`no row "${label}" from row ${from}`);
}

describe("report export: sample Q1 2020", () => {
  let tasks: Task[];
  let report: TaskReport;
  let lines: ReportLine[];
  let workbook: ExcelJS.Workbook;
  let summary: ExcelJS.Worksheet;
  let list: ExcelJS.Worksheet;

  beforeAll(async () => {
    tasks = sampleTasks();
    report = buildReport(tasks, Q1, AS_OF);
    lines = reportLinesOf(tasks, report);
    workbook = await loadXlsx(await exportReportXlsx({ report, lines }));
    [summary, list] = workbook.worksheets;
  });

  it("builds the report this test expects", () => {
    expect(report.totals).toMatchObject({
      total: 7,
      completedOnTime: 3,
      completedLate: 1,
      withinDeadline: 2,
      overdue: 1,
      onTimeRatio: 0.75,
    });
  });

  it("lists the tasks counted, sorted by deadline then code (NV-10 after NV-5), with the report's category", () => {
    expect(lines.map((l) => [l.code, l.category])).toEqual([
      ["NV-7", "completedOnTime"],
      ["NV-2", "completedLate"],
      ["NV-1", "completedOnTime"],
      ["NV-3", "overdue"],
      ["NV-4", "completedOnTime"],
      ["NV-5", "withinDeadline"],
      ["NV-10", "withinDeadline"],
    ]);
    for (const line of lines) expect(report.totals.ids[line.category]).toContain(line.id);
    expect(lines).toHaveLength(report.totals.total);
    expect(lines[1]).toEqual({
      id: "t2",
      code: "NV-2",
      title: "Nhiệm vụ NV-2",
      kind: "THONG_TU",
      leadUnit: "PC",
      deadline: new Date("2020-01-31T16:59:59.999Z"),
      deadlineSpec: { kind: "month", year: 2020, month: 1 },
      status: "completed",
      statusSince: new Date("2020-02-20T10:00:00+07:00"),
      // Submission, not the later completion, is when it was done.
      doneAt: new Date("2020-02-03T10:00:00+07:00"),
      category: "completedLate",
    });
    // Done after the report time: not done as of it, so no done date.
    const late = lines.find((l) => l.code === "NV-10");
    expect(late).toMatchObject({ category: "withinDeadline", deadlineSpec: { kind: "quarter", year: 2020, quarter: 1 } });
    expect(late?.doneAt).toBeUndefined();
  });

  it("shows each line's status as it was at the report time, and the instant the task reached it", () => {
    const at = (code: string) => {
      const line = lines.find((l) => l.code === code);
      return [line?.status, line?.statusSince?.toISOString()];
    };
    // Submitted on 31 March, after the report time: as of 30 March it had not started.
    expect(at("NV-10")).toEqual(["not_started", undefined]);
    // Completed on 20 February: completed since then (done at its submission on 3 February).
    expect(at("NV-2")).toEqual(["completed", "2020-02-20T03:00:00.000Z"]);
    expect(at("NV-3")).toEqual(["in_progress", "2020-02-01T02:00:00.000Z"]);
    // As of 15 February, NV-4 had not started yet and NV-2 was submitted, not yet completed.
    const early = buildReport(tasks, Q1, new Date("2020-02-15T03:00:00Z"));
    const earlyLines = reportLinesOf(tasks, early);
    expect(earlyLines.find((l) => l.code === "NV-4")).toMatchObject({ status: "not_started", category: "withinDeadline" });
    expect(earlyLines.find((l) => l.code === "NV-2")).toMatchObject({
      status: "submitted",
      statusSince: new Date("2020-02-03T10:00:00+07:00"),
      category: "completedLate",
    });
    // Given when the task was recorded, a task that never changed has been in its status since then.
    const t5 = tasks.find((t) => t.id === "t5")!;
    const created = new Date("2020-01-02T01:00:00Z");
    const [line] = reportLinesOf([{ ...t5, createdAt: created }], buildReport([t5], Q1, AS_OF));
    expect(line).toMatchObject({ status: "not_started", statusSince: created });
  });

  it("lists a task once even when given twice, and nothing the report does not count", () => {
    const again = reportLinesOf([...tasks, tasks[0]], report);
    expect(again.map((l) => l.id)).toEqual(lines.map((l) => l.id));
    expect(again.some((l) => l.id === "t8" || l.id === "t9")).toBe(false);
  });

  it("names the sheets and heads the summary with the title, period and as-of time in Vietnam time", () => {
    expect(workbook.worksheets.map((w) => w.name)).toEqual(["Tổng hợp", "Danh sách nhiệm vụ"]);
    expect(summary.getCell("A1").value).toBe("Báo cáo tình hình thực hiện nhiệm vụ — Quý I năm 2020");
    expect(summary.getCell("A1").font?.bold).toBe(true);
    expect(rowValues(summary, 2, 2)).toEqual(["Kỳ báo cáo", "Quý I năm 2020"]);
    expect(rowValues(summary, 3, 2)).toEqual(["Số liệu tính đến", "30/03/2020 10:00 (giờ Việt Nam)"]);
  });

  it("tables the categories by unit (in the ministry's unit order) with a total row matching the report", () => {
    const heading = findRow(summary, "Đơn vị");
    expect(rowValues(summary, heading)).toEqual(["Đơn vị", ...VI_TALLY]);
    expect(summary.getRow(heading).getCell(2).font?.bold).toBe(true);
    const body = [1, 2, 3, 4, 5].map((i) => rowValues(summary, heading + i));
    expect(body).toEqual([
      ["Văn phòng Bộ", 1, 0, 0, 1, 0, null], // nothing done: no ratio
      ["Vụ Tổ chức cán bộ", 2, 1, 0, 1, 0, 100],
      ["Vụ Pháp chế", 3, 1, 1, 0, 1, 50],
      ["Vụ Tổ chức - Biên chế", 1, 1, 0, 0, 0, 100],
      ["Tổng cộng", 7, 3, 1, 2, 1, 75],
    ]);
    const { totals } = report;
    expect(body[4].slice(1, 6)).toEqual([
      totals.total,
      totals.completedOnTime,
      totals.completedLate,
      totals.withinDeadline,
      totals.overdue,
    ]);
    expect(summary.getRow(heading + 5).getCell(1).font?.bold).toBe(true);
    // The ratio is a number shown with one decimal.
    expect(summary.getRow(heading + 3).getCell(7).numFmt).toBe("0.0");
    expect(summary.getColumn(1).width).toBeGreaterThanOrEqual(40);
  });

  it("tables the categories by kind group and by kind", () => {
    const heading = findRow(summary, "Loại văn bản");
    expect(rowValues(summary, heading)).toEqual(["Loại văn bản", ...VI_TALLY]);
    const body = Array.from({ length: 9 }, (_, i) => rowValues(summary, heading + 1 + i));
    expect(body).toEqual([
      ["Văn bản quy phạm pháp luật", 2, 1, 1, 0, 0, 50],
      ["Nghị định", 1, 1, 0, 0, 0, 100],
      ["Thông tư", 1, 0, 1, 0, 0, 0],
      ["Ngoài văn bản quy phạm pháp luật", 5, 2, 0, 2, 1, 100],
      ["Đề án", 1, 0, 0, 0, 1, null],
      ["Báo cáo", 2, 1, 0, 1, 0, 100],
      ["Kế hoạch", 1, 0, 0, 1, 0, null],
      ["Văn bản khác", 1, 1, 0, 0, 0, 100],
      ["Tổng cộng", 7, 3, 1, 2, 1, 75],
    ]);
    expect(summary.getRow(heading + 1).getCell(1).font?.bold).toBe(true);
    expect(summary.getRow(heading + 2).getCell(1).alignment?.indent).toBeGreaterThan(0);
  });

  it("never labels two different rows of the summary alike: the non-normative group is not the kind “Văn bản khác”, in either locale", async () => {
    for (const book of [workbook, await loadXlsx(await exportReportXlsx({ report, lines, locale: "en" }))]) {
      const s = book.worksheets[0];
      const labels = sheetText(s)
        .slice(findRow(s, book === workbook ? "Loại văn bản" : "Document kind"))
        .map((r) => r[0])
        .filter((label) => label !== "");
      expect(labels.length).toBeGreaterThan(5);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });

  it("writes one row per task with Vietnamese headings, names, statuses, dates and categories", () => {
    expect(sheetText(list)).toEqual([
      [
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
      [
        "1",
        "NV-7",
        'Báo cáo "tổng kết", đánh giá năm 2019',
        "Văn bản khác",
        "Vụ Tổ chức - Biên chế",
        "10/01/2020",
        "Hoàn thành",
        "09/01/2020 15:00",
        "09/01/2020",
        "Hoàn thành đúng hạn",
      ],
      [
        "2",
        "NV-2",
        "Nhiệm vụ NV-2",
        "Thông tư",
        "Vụ Pháp chế",
        "Tháng 1/2020",
        "Hoàn thành",
        "20/02/2020 10:00",
        "03/02/2020",
        "Hoàn thành quá hạn",
      ],
      [
        "3",
        "NV-1",
        "Nhiệm vụ NV-1",
        "Nghị định",
        "Vụ Pháp chế",
        "15/02/2020",
        "Đã trình",
        "10/02/2020 09:00",
        "10/02/2020",
        "Hoàn thành đúng hạn",
      ],
      [
        "4",
        "NV-3",
        "Nhiệm vụ NV-3",
        "Đề án",
        "Vụ Pháp chế",
        "20/03/2020",
        "Đang thực hiện",
        "01/02/2020 09:00",
        "",
        "Chưa hoàn thành, quá hạn",
      ],
      // Completed 2020-03-27T18:30Z: 01:30 on 28 March in Vietnam.
      [
        "5",
        "NV-4",
        "Nhiệm vụ NV-4",
        "Báo cáo",
        "Vụ Tổ chức cán bộ",
        "Tháng 3/2020",
        "Hoàn thành",
        "28/03/2020 01:30",
        "28/03/2020",
        "Hoàn thành đúng hạn",
      ],
      [
        "6",
        "NV-5",
        "Nhiệm vụ NV-5",
        "Kế hoạch",
        "Vụ Tổ chức cán bộ",
        "Quý I/2020",
        "Chưa thực hiện",
        "",
        "",
        "Chưa hoàn thành, còn trong hạn",
      ],
      // Submitted on 31 March, after the report time: as of 30 March it had not started.
      ["7", "NV-10", "Nhiệm vụ NV-10", "Báo cáo", "Văn phòng Bộ", "Quý I/2020", "Chưa thực hiện", "", "", "Chưa hoàn thành, còn trong hạn"],
    ]);
    expect(list.getCell("A2").value).toBe(1);
    expect(list.getRow(1).getCell(3).font?.bold).toBe(true);
    expect(list.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(list.getColumn(3).width).toBeGreaterThanOrEqual(40);
  });

  it("writes the same task list as CSV: BOM, headings first, RFC 4180 quoting, CRLF; it parses back to the sheet's rows", async () => {
    const bytes = exportReportCsv({ report, lines });
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = decode(bytes);
    const records = text.split("\r\n");
    expect(records[0]).toBe(
      "\uFEFFSTT,Mã,Tên nhiệm vụ,Loại,Đơn vị chủ trì,Thời hạn,Trạng thái,Trạng thái từ (giờ Việt Nam),Ngày hoàn thành,Phân loại",
    );
    expect(records[1]).toBe(
      '1,NV-7,"Báo cáo ""tổng kết"", đánh giá năm 2019",Văn bản khác,Vụ Tổ chức - Biên chế,10/01/2020,Hoàn thành,09/01/2020 15:00,09/01/2020,Hoàn thành đúng hạn',
    );
    expect(records).toHaveLength(lines.length + 2); // headings, lines, "" after the last CRLF
    expect(records.at(-1)).toBe("");

    const rows = await readCsvTable(bytes, (cell) => REPORT_LINE_HEADINGS.vi.includes(cell), IMPORT_TABLE_LIMITS);
    expect(rows.map((r) => r.cells)).toEqual(sheetText(list));
  });

  it("parses back with exceljs' own CSV reader too", async () => {
    const reader = new ExcelJS.Workbook();
    const { Readable } = await import("node:stream");
    const sheet = await reader.csv.read(Readable.from([Buffer.from(exportReportCsv({ report, lines }))]), { map: (v: unknown) => v });
    expect(sheet.rowCount).toBe(lines.length + 1);
    // fast-csv keeps the BOM in the first cell; Excel drops it.
    expect(cellText(sheet.getCell("A1").value).replace(/^\uFEFF/u, "")).toBe("STT");
    expect(sheet.getCell("C2").value).toBe('Báo cáo "tổng kết", đánh giá năm 2019');
    expect(sheet.getCell("J5").value).toBe("Chưa hoàn thành, quá hạn");
  });

  it("writes English headings, names and categories with locale en", async () => {
    const en = await loadXlsx(await exportReportXlsx({ report, lines, locale: "en" }));
    expect(en.worksheets.map((w) => w.name)).toEqual([REPORT_SHEET_NAMES.en.summary, REPORT_SHEET_NAMES.en.lines]);
    const [s, l] = en.worksheets;
    expect(s.getCell("A1").value).toBe("Task implementation report — Q1 2020");
    expect(rowValues(s, 3, 2)).toEqual(["As of", "30/03/2020 10:00 (Vietnam time)"]);
    const heading = findRow(s, "Unit");
    expect(rowValues(s, heading)).toEqual([
      "Unit",
      "Total",
      "Completed on time",
      "Completed late",
      "Not completed - within deadline",
      "Not completed - overdue",
      "On-time rate (%)",
    ]);
    expect(rowValues(s, heading + 1)).toEqual(["Ministry Office", 1, 0, 0, 1, 0, null]);
    expect(rowValues(s, findRow(s, "Total", heading + 1))).toEqual(["Total", 7, 3, 1, 2, 1, 75]);
    expect(findRow(s, "Legal normative documents")).toBeGreaterThan(heading);
    expect(sheetText(l)[0]).toEqual([
      "No.",
      "Code",
      "Title",
      "Kind",
      "Lead unit",
      "Deadline",
      "Status",
      "Status since (Vietnam time)",
      "Done on",
      "Category",
    ]);
    expect(sheetText(l)[2]).toEqual([
      "2",
      "NV-2",
      "Nhiệm vụ NV-2",
      "Circular",
      "Department of Legal Affairs",
      "January 2020",
      "Completed",
      "20/02/2020 10:00",
      "03/02/2020",
      "Completed late",
    ]);
    const csv = decode(exportReportCsv({ report, lines, locale: "en" }));
    expect(csv.split("\r\n")[0]).toBe("\uFEFFNo.,Code,Title,Kind,Lead unit,Deadline,Status,Status since (Vietnam time),Done on,Category");
  });

  it("writes deadlines as English readers write them with locale en (Q2 2020, not Quý II/2020), in the XLSX and the CSV", async () => {
    const en = await loadXlsx(await exportReportXlsx({ report, lines, locale: "en" }));
    const deadlines = sheetText(en.worksheets[1])
      .slice(1)
      .map((r) => r[5]);
    expect(deadlines).toEqual(["2020-01-10", "January 2020", "2020-02-15", "2020-03-20", "March 2020", "Q1 2020", "Q1 2020"]);
    const csv = await readCsvTable(
      exportReportCsv({ report, lines, locale: "en" }),
      (cell) => REPORT_LINE_HEADINGS.en.includes(cell),
      IMPORT_TABLE_LIMITS,
    );
    expect(csv.slice(1).map((r) => r.cells[5])).toEqual(deadlines);
    // And the Vietnamese file keeps the Vietnamese labels.
    expect(
      sheetText(list)
        .slice(1)
        .map((r) => r[5]),
    ).toContain("Quý I/2020");
  });

  it("takes a title and unit names from the caller; units it does not name are written by id", async () => {
    const units = [
      { id: "PC", vi: "Pháp chế", en: "Legal" },
      { id: "VP", vi: "Văn phòng", en: "Office" },
    ];
    const custom = await loadXlsx(await exportReportXlsx({ report, lines, units, title: "Báo cáo quý I" }));
    const s = custom.worksheets[0];
    expect(s.getCell("A1").value).toBe("Báo cáo quý I");
    const heading = findRow(s, "Đơn vị");
    expect([1, 2, 3, 4].map((i) => s.getRow(heading + i).getCell(1).value)).toEqual(["Pháp chế", "Văn phòng", "TCBC", "TCCB"]);
    expect(cellText(custom.worksheets[1].getCell("E3").value)).toBe("Pháp chế");
  });
});

describe("report export: empty period, ratio text, file names", () => {
  it("writes zeros and an empty ratio for a period without tasks, and a task list of headings only", async () => {
    const report = buildReport(sampleTasks(), { kind: "month", year: 2020, month: 5 }, AS_OF);
    const lines = reportLinesOf(sampleTasks(), report);
    expect(lines).toEqual([]);
    const workbook = await loadXlsx(await exportReportXlsx({ report, lines }));
    const [summary, list] = workbook.worksheets;
    expect(summary.getCell("A1").value).toBe("Báo cáo tình hình thực hiện nhiệm vụ — Tháng 5 năm 2020");
    const heading = findRow(summary, "Đơn vị");
    expect(rowValues(summary, heading + 1)).toEqual(["Tổng cộng", 0, 0, 0, 0, 0, null]);
    expect(list.rowCount).toBe(1);
    expect(decode(exportReportCsv({ report, lines }))).toBe(`\uFEFF${REPORT_LINE_HEADINGS.vi.join(",")}\r\n`);
  });

  it("shows the on-time ratio as a percentage with one decimal, empty when nothing is done", () => {
    expect(onTimePercent(33 / 34)).toBe(97.1);
    expect(formatOnTimeRatio(33 / 34)).toBe("97.1");
    expect(formatOnTimeRatio(1)).toBe("100.0");
    expect(formatOnTimeRatio(0)).toBe("0.0");
    expect(formatOnTimeRatio(2 / 3)).toBe("66.7");
    expect(onTimePercent(null)).toBeNull();
    expect(formatOnTimeRatio(null)).toBe("");
  });

  it("names files by period", () => {
    const at = (period: Parameters<typeof buildReport>[1]) => buildReport([], period, AS_OF);
    expect(reportFileName(at(Q1), "xlsx")).toBe("bao-cao-nhiem-vu-2020-Q1.xlsx");
    expect(reportFileName(at({ kind: "month", year: 2020, month: 6 }), "csv")).toBe("bao-cao-nhiem-vu-2020-06.csv");
    expect(reportFileName(at({ kind: "month", year: 2020, month: 11 }), "xlsx")).toBe("bao-cao-nhiem-vu-2020-11.xlsx");
    expect(reportFileName(at({ kind: "year", year: 2020 }), "csv")).toBe("bao-cao-nhiem-vu-2020.csv");
  });
});

describe("report export: the 2020 seed programme", () => {
  it("Q1 2020 as of the briefing: 34 tasks, all on time, nothing overdue, 100.0%", async () => {
    const tasks = await buildSeedTasks();
    const report = buildReport(tasks, Q1, Q1_2020_AS_OF);
    const lines = reportLinesOf(tasks, report);
    expect(lines).toHaveLength(34);
    expect(lines.every((l) => l.category === "completedOnTime" && l.doneAt !== undefined)).toBe(true);

    const [summary, list] = (await loadXlsx(await exportReportXlsx({ report, lines }))).worksheets;
    expect(rowValues(summary, 3, 2)).toEqual(["Số liệu tính đến", "30/03/2020 08:00 (giờ Việt Nam)"]);
    const total = findRow(summary, "Tổng cộng");
    expect(rowValues(summary, total)).toEqual(["Tổng cộng", 34, 34, 0, 0, 0, 100]);
    expect(summary.getRow(total).getCell(7).numFmt).toBe("0.0");
    expect(rowValues(summary, findRow(summary, "Văn bản quy phạm pháp luật"))).toEqual(["Văn bản quy phạm pháp luật", 4, 4, 0, 0, 0, 100]);
    expect(list.rowCount).toBe(35);
    expect(
      sheetText(list)
        .slice(1)
        .every((r) => r[9] === "Hoàn thành đúng hạn"),
    ).toBe(true);

    const csvRows = await readCsvTable(
      exportReportCsv({ report, lines }),
      (cell) => REPORT_LINE_HEADINGS.vi.includes(cell),
      IMPORT_TABLE_LIMITS,
    );
    expect(csvRows.map((r) => r.cells)).toEqual(sheetText(list));
  });
});
