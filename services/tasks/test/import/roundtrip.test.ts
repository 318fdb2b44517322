import { describe, expect, it } from "vitest";
import {
  importedTaskToInput,
  parseProgrammeFile,
  writeProgrammeCsv,
  writeProgrammeXlsx,
  type ImportedTask,
} from "../../src/import/index.js";
import { validateNewTask } from "../../src/domain/index.js";

const TASKS: ImportedTask[] = [
  {
    code: "QP-01",
    title: 'Luật Thanh niên (sửa đổi); "dự thảo" trình Quốc hội',
    kindCode: "LUAT",
    authority: "QUOC_HOI",
    leadUnit: "CTTN",
    coordinatingUnits: ["PC", "DTBD"],
    deadlineText: "Tháng 5/2020",
    deadlineSpec: { kind: "month", year: 2020, month: 5 },
    priority: "high",
    assignee: "Trần Thị B",
    note: "Dòng một\nDòng hai, có phẩy; có chấm phẩy",
  },
  {
    code: "VB-001",
    title: "Báo cáo tổng kết công tác năm 2019",
    kindCode: "BAO_CAO",
    authority: "CHINH_PHU",
    leadUnit: "DTBD",
    coordinatingUnits: [],
    deadlineText: "15/01/2020",
    deadlineSpec: { kind: "date", date: "2020-01-15" },
    priority: "normal",
  },
  {
    code: "VB-002",
    title: "Đề án",
    kindCode: "DE_AN",
    authority: "THU_TUONG",
    leadUnit: "VP",
    coordinatingUnits: ["TDKT", "TGCP", "VTLT"],
    deadlineText: "Quý IV/2020",
    deadlineSpec: { kind: "quarter", year: 2020, quarter: 4 },
    priority: "urgent",
  },
];

function tasksOf(report: Awaited<ReturnType<typeof parseProgrammeFile>>): ImportedTask[] {
  return report.rows.map((r) => {
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.task;
  });
}

describe("write → parse round trip", () => {
  it("CSV (comma, BOM, Vietnamese names)", async () => {
    const bytes = writeProgrammeCsv(TASKS);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const report = await parseProgrammeFile(bytes, "csv");
    expect(report.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(tasksOf(report)).toEqual(TASKS);
  });

  it("CSV (semicolon, no BOM, codes)", async () => {
    const bytes = writeProgrammeCsv(TASKS, { delimiter: ";", bom: false, labels: "code" });
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith("Mã;Tên nhiệm vụ;")).toBe(true);
    expect(text).toContain(';LUAT;QUOC_HOI;CTTN;"PC; DTBD";Tháng 5/2020;high;');
    expect(tasksOf(await parseProgrammeFile(bytes, "csv"))).toEqual(TASKS);
  });

  it("XLSX", async () => {
    expect(tasksOf(await parseProgrammeFile(await writeProgrammeXlsx(TASKS), "xlsx"))).toEqual(TASKS);
  });

  it("writes a deadline given only as a spec by its Vietnamese label", async () => {
    const { deadlineText: _, ...rest } = TASKS[2];
    const report = await parseProgrammeFile(writeProgrammeCsv([rest]), "csv");
    expect(tasksOf(report)[0]).toMatchObject({ deadlineText: "Quý IV/2020", deadlineSpec: { kind: "quarter", year: 2020, quarter: 4 } });
  });

  it("imported tasks are valid new tasks for the domain", () => {
    const task = validateNewTask(importedTaskToInput(TASKS[0], { id: "t-1", programmeId: "p-2020" }));
    expect(task).toMatchObject({
      id: "t-1",
      code: "QP-01",
      kind: "LUAT",
      authority: "QUOC_HOI",
      leadUnit: "CTTN",
      coordinatingUnits: ["PC", "DTBD"],
      assignee: "Trần Thị B",
      priority: "high",
      deadlineSpec: { kind: "month", year: 2020, month: 5 },
      deadline: new Date("2020-05-31T16:59:59.999Z"),
      source: { type: "programme" },
    });
  });
});
