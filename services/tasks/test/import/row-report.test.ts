/**
 * What a row's report says (issue 9): a blank authority takes the kind's default or none, an invalid
 * row echoes its code, and errors name the column by its heading, never by an internal name.
 */
import { describe, expect, it } from "vitest";
import { validateNewTask } from "../../src/domain/task.js";
import { importedTaskToInput, parseProgrammeFile } from "../../src/import/index.js";
import { csv, encode, errorsAt, okTask, row } from "./helpers.js";

describe("a blank authority (Cấp trình)", () => {
  it("takes the kind's authority for a VBQPPL tier and none for another document", async () => {
    const report = await parseProgrammeFile(
      csv(
        "A-1,Nghị định về vị trí việc làm,Nghị định,,VP,,Q2/2020,,,",
        "A-2,Thông tư hướng dẫn,Thông tư,,VP,,Q2/2020,,,",
        "A-3,Báo cáo tổng kết,Báo cáo,,VP,,Q2/2020,,,",
        "A-4,Đề án giao cho Thủ tướng,Đề án,Thủ tướng,VP,,Q2/2020,,,",
      ),
      "csv",
    );
    expect(report).toMatchObject({ valid: 4, invalid: 0 });
    expect(okTask(report, 2).authority).toBe("CHINH_PHU");
    expect(okTask(report, 3).authority).toBe("BO_TRUONG");
    expect(okTask(report, 4).authority).toBeNull();
    expect(okTask(report, 5).authority).toBe("THU_TUONG");
    const task = validateNewTask(importedTaskToInput(okTask(report, 4), { id: "t-a-3", programmeId: "bnv-2020" }));
    expect(task.authority).toBeNull();
  });

  it("a file without the column at all reads the same way", async () => {
    const text =
      "Mã,Tên nhiệm vụ,Loại,Đơn vị chủ trì,Thời hạn\r\nB-1,Luật Thanh niên,Luật,VP,Q2/2020\r\nB-2,Kế hoạch,Kế hoạch,VP,Q2/2020\r\n";
    const report = await parseProgrammeFile(encode(text), "csv");
    expect(okTask(report, 2).authority).toBe("QUOC_HOI");
    expect(okTask(report, 3).authority).toBeNull();
  });

  it("an unknown authority is still an error", async () => {
    const report = await parseProgrammeFile(csv("C-1,Báo cáo,Báo cáo,Hội đồng nhân dân,VP,,Q2/2020,,,"), "csv");
    expect(errorsAt(report, 2)).toMatchObject([
      {
        field: "Cấp trình (Authority)",
        message: 'Cấp trình không xác định: "Hội đồng nhân dân" / Unknown authority: "Hội đồng nhân dân"',
      },
    ]);
  });
});

describe("an invalid row's report", () => {
  it("echoes the row's code", async () => {
    const report = await parseProgrammeFile(
      csv("NV-02,Báo cáo,Báo cáo,Bộ trưởng,VP,,31/02/2022,,,", ",Không mã,Báo cáo,,VP,,Q1/2022,,,"),
      "csv",
    );
    expect(row(report, 2)).toMatchObject({ ok: false, code: "NV-02" });
    expect(row(report, 3)).toMatchObject({ ok: false, code: "" });
  });

  it("never echoes an over-long code", async () => {
    const report = await parseProgrammeFile(csv(`${"X".repeat(65)},Báo cáo,Báo cáo,,VP,,Q1/2022,,,`), "csv");
    expect(row(report, 2)).toMatchObject({ ok: false, code: "" });
  });

  it("names each column by the template's Vietnamese heading with its English name", async () => {
    const report = await parseProgrammeFile(
      csv("E-1,,Nghị định thư,Hội đồng,Vụ Không Có,Vụ Ma,Quý V/2020,Rất cao,,", "E-1,Trùng mã,Báo cáo,,VP,,Q1/2020,,,"),
      "csv",
    );
    expect(errorsAt(report, 2).map((e) => e.field)).toEqual([
      "Tên nhiệm vụ (Title)",
      "Loại (Kind)",
      "Cấp trình (Authority)",
      "Đơn vị chủ trì (Lead unit)",
      "Đơn vị phối hợp (Coordinating units)",
      "Thời hạn (Deadline)",
      "Mức ưu tiên (Priority)",
    ]);
    expect(errorsAt(report, 3).map((e) => e.field)).toEqual(["Mã (Code)"]);
  });

  it("keeps the Vietnamese and English halves of each message apart, for messages that add the line and column", async () => {
    const report = await parseProgrammeFile(csv("D-1,Báo cáo,Báo cáo,,VP,,31/02/2020,,,"), "csv");
    expect(errorsAt(report, 2)).toEqual([
      {
        field: "Thời hạn (Deadline)",
        column: "deadlineText",
        message: 'Ngày không tồn tại: "31/02/2020" / No such date: "31/02/2020"',
        vi: 'Ngày không tồn tại: "31/02/2020"',
        en: 'No such date: "31/02/2020"',
      },
    ]);
  });
});

describe("the note (Ghi chú)", () => {
  it("is kept on the task the row becomes", async () => {
    const report = await parseProgrammeFile(csv('N-1,Báo cáo,Báo cáo,Bộ trưởng,VP,,Q2/2020,,,"Trình kèm dự thảo\r\nlần 2"'), "csv");
    const task = validateNewTask(importedTaskToInput(okTask(report, 2), { id: "t-n-1", programmeId: "bnv-2020" }));
    expect(task.note).toBe("Trình kèm dự thảo\nlần 2");
  });

  it("a task without a note has none", async () => {
    const report = await parseProgrammeFile(csv("N-2,Báo cáo,Báo cáo,Bộ trưởng,VP,,Q2/2020,,,"), "csv");
    const task = validateNewTask(importedTaskToInput(okTask(report, 2), { id: "t-n-2", programmeId: "bnv-2020" }));
    expect(task).not.toHaveProperty("note");
  });
});
