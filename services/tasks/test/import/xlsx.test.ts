import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { LISTS_SHEET_NAME, PROGRAMME_SHEET_NAME, parseProgrammeFile, writeProgrammeXlsx } from "../../src/import/index.js";
import { encode, errorsAt, okTask, refusal } from "./helpers.js";

async function toBytes(workbook: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array((await workbook.xlsx.writeBuffer()) as ArrayBuffer);
}

describe("parseProgrammeFile (XLSX)", () => {
  it("reads the first worksheet: text, numbers, dates, rich text, formulas; reports bad rows by row number", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Nhiệm vụ");
    sheet.addRow(["Mã", "Tên nhiệm vụ", "Loại", "Cấp trình", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn", "Mức ưu tiên"]);
    sheet.getRow(1).font = { bold: true };
    // Row 2: a deadline Excel turned into a date, a numeric code.
    sheet.addRow([1, "Nghị định về vị trí việc làm", "Nghị định", "Chính phủ", "TCBC", "PC; CCVC", new Date(Date.UTC(2020, 5, 30)), "Cao"]);
    // Row 3: rich text and a formula with its cached result.
    sheet.addRow([
      "NV-2",
      { richText: [{ text: "Báo cáo ", font: { bold: true } }, { text: "tổng kết" }] },
      "Báo cáo",
      { formula: '"Thủ tướng"', result: "Thủ tướng" },
      "Vụ Cải cách hành chính",
      null,
      "Quý IV/2020",
      null,
    ]);
    // Row 4 left empty; row 5 bad.
    sheet.getRow(5).values = ["NV-3", "", "Nghị định thư", "Chính phủ", "VP", "VP", "13/2020", "Siêu khẩn"];
    // A second sheet is ignored.
    workbook.addWorksheet("Ghi chú").addRow(["không phải dữ liệu"]);

    const report = await parseProgrammeFile(await toBytes(workbook), "xlsx");
    expect(report.rows.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(report).toMatchObject({ valid: 2, invalid: 1 });
    expect(okTask(report, 2)).toMatchObject({
      code: "1",
      kindCode: "NGHI_DINH",
      leadUnit: "TCBC",
      coordinatingUnits: ["PC", "CCVC"],
      deadlineText: "2020-06-30",
      deadlineSpec: { kind: "date", date: "2020-06-30" },
      priority: "high",
    });
    expect(okTask(report, 3)).toMatchObject({ code: "NV-2", title: "Báo cáo tổng kết", authority: "THU_TUONG", leadUnit: "CCHC" });
    expect(errorsAt(report, 5).map((e) => e.field)).toEqual([
      "Tên nhiệm vụ (Title)",
      "Loại (Kind)",
      "Đơn vị phối hợp (Coordinating units)",
      "Thời hạn (Deadline)",
      "Mức ưu tiên (Priority)",
    ]);
  });

  it("refuses a worksheet without the required headings", async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("S").addRow(["Mã", "Tên nhiệm vụ", "Loại", "Cấp trình", "Đơn vị chủ trì"]);
    expect(await refusal(parseProgrammeFile(await toBytes(workbook), "xlsx"))).toEqual([
      { field: "content", description: 'Thiếu cột bắt buộc "Thời hạn" / Missing required column "Deadline"' },
    ]);
  });

  it("refuses bytes that are not a workbook", async () => {
    const [v] = await refusal(parseProgrammeFile(encode("Mã,Tên nhiệm vụ"), "xlsx"));
    expect(v.field).toBe("content");
    // What it is and what to do (not-xlsx.test.ts has the other cases).
    expect(v.description).toMatch(/^Tệp được gửi là XLSX nhưng nội dung là văn bản .* \/ The file was sent as XLSX but holds text/u);
  });

  it("writes a template workbook: tasks first, the accepted lists second", async () => {
    const bytes = await writeProgrammeXlsx([]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
    expect(workbook.worksheets.map((w) => w.name)).toEqual([PROGRAMME_SHEET_NAME, LISTS_SHEET_NAME]);
    expect(workbook.worksheets[0].getRow(1).values).toEqual([
      undefined,
      "Mã",
      "Tên nhiệm vụ",
      "Loại",
      "Cấp trình",
      "Đơn vị chủ trì",
      "Đơn vị phối hợp",
      "Thời hạn",
      "Mức ưu tiên",
      "Người thực hiện",
      "Ghi chú",
    ]);
    const listed = workbook.worksheets[1].getColumn(2).values;
    expect(listed).toEqual(expect.arrayContaining(["NGHI_DINH", "QUOC_HOI", "TCBC", "urgent"]));
    expect(await parseProgrammeFile(bytes, "xlsx")).toEqual({ rows: [], valid: 0, invalid: 0 });
  });
});
