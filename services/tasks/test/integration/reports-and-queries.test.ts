/**
 * The seeded 2020 programme through the API: the Q1 report of the 30 March 2020 briefing (no task
 * overdue), its export and its frozen snapshot; a unit's own report; a past report's lines with the
 * status of then; lists, search without diacritics, pagination, and a unit's dashboard.
 */
import ExcelJS from "exceljs";
import { ManualClock } from "@ministry/platform";
import {
  CreateReportSnapshotRequest,
  CreateTaskRequest,
  ExportReportRequest,
  FileFormat,
  GetReportRequest,
  KindGroup,
  ListTasksRequest,
  ProgrammeStatus,
  RecordProgressRequest,
  ReportCategory,
  type ReportLine,
  SubmitTaskRequest,
  TaskStatus,
  UnitRole,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchesSearch } from "../../src/domain/text.js";
import { cellText } from "../../src/import/index.js";
import { readCsvTable } from "@ministry/platform/tables";
import { IMPORT_TABLE_LIMITS } from "../../src/domain/limits.js";
import { Q1_2020_AS_OF } from "../../src/seed/index.js";
import { startTasksHarness, type TasksHarness } from "./harness.js";

let h: TasksHarness;
let office: Awaited<ReturnType<TasksHarness["clients"]>>;

const Q1 = { period: { $case: "quarter" as const, value: { year: 2020, quarter: 1 } } };

beforeAll(async () => {
  h = await startTasksHarness({ clock: new ManualClock(Q1_2020_AS_OF), env: { SEED_DATA: "true" } });
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
});

afterAll(async () => {
  await h?.stop();
});

describe("the seeded 2020 programme", () => {
  it("holds 143 tasks: 32 legal normative documents and 111 others, in an approved programme", async () => {
    const { programme } = await office.programmes.getProgramme({ id: "bnv-2020" });
    expect(programme).toMatchObject({ taskCount: 143, title: "Chương trình công tác năm 2020 của Bộ Nội vụ" });
    const normative = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ programmeId: "bnv-2020", kindGroup: KindGroup.KIND_GROUP_NORMATIVE }),
    );
    const other = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ programmeId: "bnv-2020", kindGroup: KindGroup.KIND_GROUP_OTHER }),
    );
    expect([normative.page!.totalSize, other.page!.totalSize]).toEqual(["32", "111"]);
  });

  it("the Q1 2020 report as of the briefing: 34 due, all done on time, none overdue", async () => {
    const { report } = await office.reports.getReport(GetReportRequest.fromPartial({ period: Q1, programmeId: "bnv-2020" }));
    expect(report!.label).toEqual({ vi: "Quý I năm 2020", en: "Q1 2020" });
    expect(report!.totals).toMatchObject({
      total: 34,
      completedOnTime: 34,
      completedLate: 0,
      withinDeadline: 0,
      overdue: 0,
      onTimeRatio: 1,
    });
    expect(report!.lines).toHaveLength(34);
    // Each line's deadline as set, with its last instant and both labels.
    for (const l of report!.lines) {
      expect(l.deadline!.spec).toBeDefined();
      expect(l.deadline!.label!.en).not.toBe(l.deadline!.label!.vi);
      expect(l.deadline!.dueAt!.getTime()).toBeLessThan(Date.parse("2020-03-31T17:00:00Z"));
    }
    expect(report!.normative!.total + report!.other!.total).toBe(34);
    expect(report!.byUnit.reduce((n, u) => n + u.tally!.total, 0)).toBe(34);
    expect(report!.byUnit[0].unit!.name).not.toBe(report!.byUnit[0].unit!.id);
  });

  it("the figures from grouped counts equal those of reading every task, for every period and moment", async () => {
    const identity = { userId: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief" as const], unitId: "VP" };
    const periods = [
      { kind: "year" as const, year: 2020 },
      ...([1, 2, 3, 4] as const).map((quarter) => ({ kind: "quarter" as const, year: 2020, quarter })),
      ...[1, 3, 6, 12].map((month) => ({ kind: "month" as const, year: 2020, month })),
    ];
    const moments = [
      "2020-01-15T00:00:00Z",
      "2020-03-30T01:00:00Z",
      "2020-03-31T17:00:00Z",
      "2020-09-30T00:00:00Z",
      "2021-01-01T00:00:00Z",
    ];
    const withoutIds = (r: object) => JSON.parse(JSON.stringify(r, (k, v) => (k === "ids" ? undefined : v)));
    for (const period of periods) {
      for (const at of moments) {
        const query = { period, programmeId: "bnv-2020", asOf: new Date(at) };
        const counted = await h.runtime.services.reports.report(identity, query, { limit: 0 });
        const read = await h.runtime.services.reports.report(identity, query, "all");
        expect(withoutIds(counted.report)).toEqual(withoutIds(read.report));
      }
    }
  });

  it("a report's list holds the first max_lines tasks in deadline order, and says when it holds fewer than it counts", async () => {
    const year = { period: { $case: "year" as const, value: 2020 } };
    const full = await office.reports.getReport(GetReportRequest.fromPartial({ period: year, programmeId: "bnv-2020" }));
    expect(full.report!.totals!.total).toBe(143);
    expect(full.report!.lines).toHaveLength(143);
    expect(full.report!.linesTruncated).toBe(false);
    const first = await office.reports.getReport(GetReportRequest.fromPartial({ period: year, programmeId: "bnv-2020", maxLines: 10 }));
    expect(first.report!.linesTruncated).toBe(true);
    expect(first.report!.lines.map((l) => l.taskId)).toEqual(full.report!.lines.slice(0, 10).map((l) => l.taskId));
    expect(first.report!.totals).toEqual(full.report!.totals);
    const none = await office.reports.getReport(GetReportRequest.fromPartial({ period: year, programmeId: "bnv-2020", omitLines: true }));
    expect(none.report!.lines).toHaveLength(0);
    expect(none.report!.totals).toEqual(full.report!.totals);
    const bad = await office.reports
      .getReport(GetReportRequest.fromPartial({ period: year, maxLines: -1 }))
      .catch((e: { code: number }) => e);
    expect((bad as { code: number }).code).toBe(3);
  });

  it("exports the report as XLSX with Vietnamese headings, and as CSV", async () => {
    const xlsx = await office.reports.exportReport(
      ExportReportRequest.fromPartial({ report: { period: Q1, programmeId: "bnv-2020" }, format: FileFormat.FILE_FORMAT_XLSX }),
    );
    expect(xlsx.file!.fileName).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(xlsx.file!.content) as never);
    expect(book.worksheets.map((w) => w.name)).toEqual(["Tổng hợp", "Danh sách nhiệm vụ"]);
    const lines = book.getWorksheet("Danh sách nhiệm vụ")!;
    expect(lines.rowCount).toBe(1 + 34);
    const csv = await office.reports.exportReport(
      ExportReportRequest.fromPartial({ report: { period: Q1 }, format: FileFormat.FILE_FORMAT_CSV, locale: "en" }),
    );
    const text = Buffer.from(csv.file!.content).toString("utf8");
    expect(text.split("\r\n").filter((l) => l !== "")).toHaveLength(1 + 34);
  });

  it("a snapshot frozen for the briefing does not move when tasks change afterwards", async () => {
    const { snapshot } = await office.reports.createReportSnapshot(
      CreateReportSnapshotRequest.fromPartial({
        report: { period: Q1, programmeId: "bnv-2020" },
        title: "Số liệu giao ban Quý I/2020",
        meetingId: "gb-2020-q1",
      }),
    );
    expect(snapshot!.report!.totals!.completedOnTime).toBe(34);
    // A month later a Q1 task is withdrawn: the live report changes, the snapshot does not.
    const { tasks } = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ programmeId: "bnv-2020", deadlineTo: new Date("2020-03-31T17:00:00Z") }),
    );
    h.clock.set("2020-04-30T03:00:00Z");
    const minister = await h.clients({ sub: "minister", roles: ["minister"] });
    await minister.tasks.withdrawTask({ requestId: "", id: tasks[0].id, expectedVersion: undefined, reason: "Không còn phù hợp" });
    const live = await office.reports.getReport(GetReportRequest.fromPartial({ period: Q1, programmeId: "bnv-2020" }));
    expect(live.report!.totals!.total).toBe(33);
    const frozen = await office.reports.getReportSnapshot({ id: snapshot!.id, maxLines: 0 });
    expect(frozen.snapshot!.report!.totals!.total).toBe(34);
    expect(frozen.snapshot!.report!.lines).toHaveLength(34);
    expect(frozen.snapshot!.report!.asOf!.toISOString()).toBe(Q1_2020_AS_OF.toISOString());
    const listed = await office.reports.listReportSnapshots({ page: undefined, meetingId: "gb-2020-q1", programmeId: "" });
    expect(listed.snapshots.map((s) => s.title)).toEqual(["Số liệu giao ban Quý I/2020"]);
    expect(listed.snapshots[0].report!.lines).toHaveLength(0);
    const exported = await office.reports.exportReport(
      ExportReportRequest.fromPartial({ snapshotId: snapshot!.id, format: FileFormat.FILE_FORMAT_CSV }),
    );
    expect(
      Buffer.from(exported.file!.content)
        .toString("utf8")
        .split("\r\n")
        .filter((l) => l !== ""),
    ).toHaveLength(1 + 34);
    h.clock.set(Q1_2020_AS_OF);
  });
});

describe("queries", () => {
  it("searches titles without diacritics and in any case", async () => {
    const accented = await office.tasks.listTasks(ListTasksRequest.fromPartial({ text: "Luật Thanh niên" }));
    const plain = await office.tasks.listTasks(ListTasksRequest.fromPartial({ text: "luat THANH nien" }));
    expect(plain.tasks.map((t) => t.id)).toEqual(accented.tasks.map((t) => t.id));
    expect(plain.tasks.length).toBeGreaterThan(0);
    // Every word, wherever it is in the code, title or assignee.
    expect(plain.tasks.every((t) => matchesSearch(`${t.code} ${t.title} ${t.assignee}`, "luat thanh nien"))).toBe(true);
    expect(plain.tasks.map((t) => t.title)).toContain("Luật Thanh niên (sửa đổi)");
    const decrees = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ text: "nghi dinh", page: { pageSize: 500, pageToken: "" } }),
    );
    const all = await office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 500, pageToken: "" } }));
    expect(decrees.tasks.map((t) => t.id).sort()).toEqual(
      all.tasks
        .filter((t) => matchesSearch(`${t.code} ${t.title} ${t.assignee}`, "Nghị định"))
        .map((t) => t.id)
        .sort(),
    );
    expect(decrees.tasks.length).toBeGreaterThan(5);
  });

  it("pages through a unit's tasks in deadline order without gaps or repeats", async () => {
    const all = await office.tasks.listTasks(ListTasksRequest.fromPartial({ unitId: "VP", page: { pageSize: 500, pageToken: "" } }));
    const seen: string[] = [];
    let token = "";
    do {
      const page = await office.tasks.listTasks(ListTasksRequest.fromPartial({ unitId: "VP", page: { pageSize: 4, pageToken: token } }));
      seen.push(...page.tasks.map((t) => t.id));
      token = page.page!.nextPageToken;
    } while (token !== "");
    expect(seen).toEqual(all.tasks.map((t) => t.id));
    const deadlines = all.tasks.map((t) => t.deadline!.dueAt!.getTime());
    expect([...deadlines].sort((a, b) => a - b)).toEqual(deadlines);
    const leading = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ unitId: "VP", unitRole: UnitRole.UNIT_ROLE_LEAD, page: { pageSize: 500, pageToken: "" } }),
    );
    expect(leading.tasks.every((t) => t.leadUnit === "VP")).toBe(true);
    expect(leading.tasks.length).toBeLessThan(all.tasks.length);
  });

  it("lists overdue tasks as the clock moves, and a unit's dashboard counts them", async () => {
    expect((await office.tasks.listTasks(ListTasksRequest.fromPartial({ overdueOnly: true }))).page!.totalSize).toBe("0");
    h.clock.set("2020-07-02T03:00:00Z");
    const overdue = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ overdueOnly: true, page: { pageSize: 500, pageToken: "" } }),
    );
    expect(overdue.tasks.length).toBeGreaterThan(0);
    expect(overdue.tasks.every((t) => t.overdue && t.deadline!.dueAt!.getTime() < Date.parse("2020-07-02T03:00:00Z"))).toBe(true);
    expect(overdue.tasks.every((t) => [TaskStatus.TASK_STATUS_NOT_STARTED, TaskStatus.TASK_STATUS_IN_PROGRESS].includes(t.status))).toBe(
      true,
    );

    const unit = overdue.tasks[0].leadUnit;
    const { dashboard } = await office.tasks.getUnitDashboard({ unitId: unit, programmeId: "bnv-2020", upcomingLimit: 5 });
    expect(dashboard!.overdue).toBe(overdue.tasks.filter((t) => t.leadUnit === unit).length);
    expect(dashboard!.byStatus.reduce((n, s) => n + s.count, 0)).toBe(dashboard!.leading);
    expect(dashboard!.upcoming.length).toBeLessThanOrEqual(5);
    expect(dashboard!.upcoming[0].overdue).toBe(true);

    // The operators' gauge on /metrics agrees, unit by unit.
    const text = await (await fetch(`http://127.0.0.1:${h.svc.admin.port}/metrics`)).text();
    const gauge = new Map([...text.matchAll(/^tasks_overdue\{[^}]*unit="(\w+)"[^}]*\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
    expect(gauge.size).toBe(17);
    expect([...gauge.values()].reduce((a, b) => a + b, 0)).toBe(overdue.tasks.length);
    expect(gauge.get(unit)).toBe(dashboard!.overdue);
    h.clock.set(Q1_2020_AS_OF);
  });
});

describe("a unit-scoped caller's report", () => {
  it("without unit_id is its own unit's report: GetReport and ExportReport", async () => {
    const pcStaff = await h.clients({ sub: "pc-staff", name: "Chuyên viên Vụ Pháp chế", roles: ["staff"], unit: "PC" });
    const own = await pcStaff.reports.getReport(GetReportRequest.fromPartial({ period: Q1, programmeId: "bnv-2020" }));
    const asked = await office.reports.getReport(GetReportRequest.fromPartial({ period: Q1, programmeId: "bnv-2020", unitId: "PC" }));
    expect(own.report!.unitId).toBe("PC");
    expect(own.report!.totals).toEqual(asked.report!.totals);
    expect(own.report!.lines.map((l) => l.taskId)).toEqual(asked.report!.lines.map((l) => l.taskId));
    expect(own.report!.lines.length).toBeGreaterThan(0);
    expect(own.report!.lines.every((l) => l.leadUnit === "PC")).toBe(true);

    const csv = await pcStaff.reports.exportReport(
      ExportReportRequest.fromPartial({ report: { period: Q1, programmeId: "bnv-2020" }, format: FileFormat.FILE_FORMAT_CSV }),
    );
    const rows = await readCsvTable(csv.file!.content, (cell) => cell === "STT", IMPORT_TABLE_LIMITS);
    expect(rows).toHaveLength(1 + own.report!.lines.length);
    expect(rows.slice(1).every((r) => r.cells[4] === "Vụ Pháp chế")).toBe(true);
  });
});

describe("a report as of a past instant", () => {
  const Q2 = { period: { $case: "quarter" as const, value: { year: 2020, quarter: 2 } } };
  /** 10:00 on 30 June 2020 in Vietnam: both tasks below are past their June deadlines, neither done yet. */
  const END_OF_JUNE = new Date("2020-06-30T03:00:00Z");
  /** "Today" for the test clock: the first task is submitted now, late. */
  const TODAY = "2020-08-05T02:00:00Z";

  async function csvRows(request: ExportReportRequest): Promise<string[][]> {
    const { file } = await office.reports.exportReport({ ...request, format: FileFormat.FILE_FORMAT_CSV });
    return (await readCsvTable(file!.content, (cell) => cell === "STT", IMPORT_TABLE_LIMITS)).map((r) => r.cells);
  }

  async function xlsxRows(request: ExportReportRequest): Promise<string[][]> {
    const { file } = await office.reports.exportReport({ ...request, format: FileFormat.FILE_FORMAT_XLSX });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(file!.content) as never);
    const sheet = book.getWorksheet("Danh sách nhiệm vụ")!;
    const rows: string[][] = [];
    sheet.eachRow((row) => rows.push(Array.from({ length: sheet.columnCount }, (_, i) => cellText(row.getCell(i + 1).value))));
    return rows;
  }

  it("lists each task with the status it had then and since when, in GetReport, CSV, XLSX and a snapshot alike", async () => {
    try {
      await office.programmes.createProgramme({ requestId: "", year: 2020, issuingBody: "THU", title: "Chương trình thử báo cáo" });
      await office.programmes.changeProgrammeStatus({
        requestId: "",
        id: "thu-2020",
        status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
        expectedVersion: undefined,
      });
      const newTask = (code: string, deadline: string) =>
        office.tasks.createTask(
          CreateTaskRequest.fromPartial({
            programmeId: "thu-2020",
            code,
            title: `Đề án thử ${code}`,
            kind: "DE_AN",
            authority: "BO_TRUONG",
            leadUnit: "PC",
            deadline: { spec: { $case: "text", value: deadline } },
          }),
        );
      h.clock.set("2020-04-01T02:00:00Z");
      const { task } = await newTask("TH-01", "15/06/2020");
      h.clock.set("2020-05-12T02:00:00Z");
      await office.tasks.recordProgress(RecordProgressRequest.fromPartial({ id: task!.id, percent: 30 }));
      h.clock.set(TODAY);
      await office.tasks.submitTask(SubmitTaskRequest.fromPartial({ id: task!.id }));
      // Recorded only today although due in June: nothing is known of it as of June.
      await newTask("TH-02", "20/06/2020");

      const query = { period: Q2, programmeId: "thu-2020", asOf: END_OF_JUNE };
      const { report } = await office.reports.getReport(GetReportRequest.fromPartial(query));
      expect(report!.totals).toMatchObject({ total: 2, overdue: 2, done: 0 });
      const summary = (lines: ReportLine[]) => lines.map((l) => [l.code, l.status, l.statusSince?.toISOString(), l.category, l.doneAt]);
      expect(summary(report!.lines)).toEqual([
        ["TH-01", TaskStatus.TASK_STATUS_IN_PROGRESS, "2020-05-12T02:00:00.000Z", ReportCategory.REPORT_CATEGORY_OVERDUE, undefined],
        ["TH-02", TaskStatus.TASK_STATUS_NOT_STARTED, undefined, ReportCategory.REPORT_CATEGORY_OVERDUE, undefined],
      ]);
      // Today the first task is submitted, since today, late.
      const today = await office.reports.getReport(GetReportRequest.fromPartial({ period: Q2, programmeId: "thu-2020" }));
      expect(summary(today.report!.lines)[0]).toEqual([
        "TH-01",
        TaskStatus.TASK_STATUS_SUBMITTED,
        "2020-08-05T02:00:00.000Z",
        ReportCategory.REPORT_CATEGORY_COMPLETED_LATE,
        new Date(TODAY),
      ]);

      // The files say the same, in Vietnam time (09:00 on 12 May 2020 is 02:00 UTC).
      const exported = ExportReportRequest.fromPartial({ report: query });
      const csv = await csvRows(exported);
      expect(csv.map((r) => [r[1], r[6], r[7], r[8], r[9]])).toEqual([
        ["Mã", "Trạng thái", "Trạng thái từ (giờ Việt Nam)", "Ngày hoàn thành", "Phân loại"],
        ["TH-01", "Đang thực hiện", "12/05/2020 09:00", "", "Chưa hoàn thành, quá hạn"],
        ["TH-02", "Chưa thực hiện", "", "", "Chưa hoàn thành, quá hạn"],
      ]);
      expect(await xlsxRows(exported)).toEqual(csv);

      // A snapshot frozen today of the report as of June keeps June's statuses.
      const { snapshot } = await office.reports.createReportSnapshot(CreateReportSnapshotRequest.fromPartial({ report: query }));
      expect(summary(snapshot!.report!.lines)).toEqual(summary(report!.lines));
      const fromSnapshot = ExportReportRequest.fromPartial({ snapshotId: snapshot!.id });
      expect(await csvRows(fromSnapshot)).toEqual(csv);
      expect(await xlsxRows(fromSnapshot)).toEqual(csv);
    } finally {
      h.clock.set(Q1_2020_AS_OF);
    }
  });
});
