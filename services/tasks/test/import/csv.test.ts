import { describe, expect, it } from "vitest";
import { parseProgrammeFile } from "../../src/import/index.js";
import { csv, encode, errorsAt, okTask, refusal } from "./helpers.js";

describe("parseProgrammeFile (CSV): valid rows", () => {
  it("maps every column, recognising codes and names with or without diacritics", async () => {
    const report = await parseProgrammeFile(
      csv(
        "NV-01,Nghị định quy định về vị trí việc làm,Nghị định,Chính phủ,Vụ Tổ chức - Biên chế,Vụ Pháp chế; CCVC,Tháng 4/2020,Cao,Nguyễn Văn A,Trình đúng hạn",
        "NV-02,Thông tư hướng dẫn,THONG_TU,BO_TRUONG,ccvc,,30/06/2020,,,",
        'NV-03,Báo cáo tổng kết,bao cao,Thu tuong Chinh phu,Vu Tien luong,"VP, TCCB",Quý III/2020,khan,,',
        'NV-04,Đề án,Đề án,Prime Minister,Tiền lương,"Vụ Đào tạo, bồi dưỡng cán bộ, công chức, viên chức, Vụ Pháp chế",Q4/2020,urgent,,',
        "NV-05,Luật,Law,National Assembly,Vụ Công tác thanh niên,PC;PC,2020-05-31,High,,",
      ),
      "csv",
    );
    expect(report).toMatchObject({ valid: 5, invalid: 0 });
    expect(okTask(report, 2)).toEqual({
      code: "NV-01",
      title: "Nghị định quy định về vị trí việc làm",
      kindCode: "NGHI_DINH",
      authority: "CHINH_PHU",
      leadUnit: "TCBC",
      coordinatingUnits: ["PC", "CCVC"],
      deadlineText: "Tháng 4/2020",
      deadlineSpec: { kind: "month", year: 2020, month: 4 },
      priority: "high",
      assignee: "Nguyễn Văn A",
      note: "Trình đúng hạn",
    });
    expect(okTask(report, 3)).toEqual({
      code: "NV-02",
      title: "Thông tư hướng dẫn",
      kindCode: "THONG_TU",
      authority: "BO_TRUONG",
      leadUnit: "CCVC",
      coordinatingUnits: [],
      deadlineText: "30/06/2020",
      deadlineSpec: { kind: "date", date: "2020-06-30" },
      priority: "normal",
    });
    expect(okTask(report, 4)).toMatchObject({
      kindCode: "BAO_CAO",
      authority: "THU_TUONG",
      leadUnit: "TL",
      coordinatingUnits: ["VP", "TCCB"],
      deadlineSpec: { kind: "quarter", year: 2020, quarter: 3 },
      priority: "urgent",
    });
    // A unit whose name holds commas, in a comma-separated list.
    expect(okTask(report, 5)).toMatchObject({ leadUnit: "TL", coordinatingUnits: ["DTBD", "PC"], priority: "urgent" });
    // Duplicated coordinating units are kept once.
    expect(okTask(report, 6)).toMatchObject({ kindCode: "LUAT", authority: "QUOC_HOI", leadUnit: "CTTN", coordinatingUnits: ["PC"] });
  });

  it("accepts English, unaccented, decorated and bilingual headings in any order, and ignores unknown columns", async () => {
    const text = [
      "Deadline (dd/mm/yyyy),STT,Title,KIND,submitted to,ma / code,Lead unit *,Coordinating units,Priority,Assignee,Notes",
      "Quý II/2020,1,Đề án thí điểm,DE_AN,Bộ trưởng,X-1,VP,TCCB,,,",
    ].join("\n");
    const report = await parseProgrammeFile(encode(text), "csv");
    expect(okTask(report, 2)).toMatchObject({ code: "X-1", title: "Đề án thí điểm", kindCode: "DE_AN", leadUnit: "VP" });
  });

  it("normalises whitespace: titles on one line, notes keep their line breaks", async () => {
    const report = await parseProgrammeFile(csv('A,"  Báo cáo\r\n  tổng   kết ",BC,CP,VP,,Q1/2020,,,"dòng 1\r\n  dòng 2  "'), "csv");
    expect(okTask(report, 2)).toMatchObject({
      title: "Báo cáo tổng kết",
      note: "dòng 1\ndòng 2",
      kindCode: "BAO_CAO",
      authority: "CHINH_PHU",
    });
  });

  it("skips empty rows but keeps the file's line numbers", async () => {
    const report = await parseProgrammeFile(
      csv("", "A,T,Luật,Quốc hội,VP,,Q2/2020,,,", ",,,,,,,,,", "   ", "B,T,Luật,Quốc hội,VP,,Q2/2020,,,"),
      "csv",
    );
    expect(report.rows.map((r) => r.line)).toEqual([3, 6]);
    expect(report).toMatchObject({ valid: 2, invalid: 0 });
  });

  it("takes the vocabulary from options", async () => {
    const vocabulary = {
      kinds: [{ code: "K", vi: "Loại riêng", en: "Own kind", normative: false }],
      units: [{ id: "U1", vi: "Phòng Một", en: "Unit One" }],
    };
    const report = await parseProgrammeFile(
      csv("A,T,Loại riêng,Bộ trưởng,Phòng Một,,Q2/2020,,,", "B,T,Đề án,Bộ trưởng,VP,,Q2/2020,,,"),
      "csv",
      {
        vocabulary,
      },
    );
    expect(okTask(report, 2)).toMatchObject({ kindCode: "K", leadUnit: "U1" });
    expect(errorsAt(report, 3).map((e) => e.field)).toEqual(["Loại (Kind)", "Đơn vị chủ trì (Lead unit)"]);
  });
});

describe("parseProgrammeFile (CSV): bad rows", () => {
  const file = csv(
    /* 2 */ "OK-1,Nhiệm vụ hợp lệ,Nghị định,Chính phủ,VP,,Q2/2020,,,",
    /* 3 */ "E-1,Loại sai,Nghị định thư,Chính phủ,VP,,Q2/2020,,,",
    /* 4 */ "E-2,Đơn vị sai,Nghị định,Chính phủ,Vụ Không Có,Vụ Ma,Q2/2020,,,",
    /* 5 */ "E-3,Thiếu chủ trì,Nghị định,Chính phủ,,,Q2/2020,,,",
    /* 6 */ "E-4,Hai chủ trì,Nghị định,Chính phủ,VP; TCCB,,Q2/2020,,,",
    /* 7 */ "E-5,Chủ trì kiêm phối hợp,Nghị định,Chính phủ,Vụ Pháp chế,PC; VP,Q2/2020,,,",
    /* 8 */ "E-6,Thời hạn sai,Nghị định,Chính phủ,VP,,Quý V/2020,,,",
    /* 9 */ "E-7,Ngày không tồn tại,Nghị định,Chính phủ,VP,,31/02/2020,,,",
    /* 10 */ "E-8,,Nghị định,Chính phủ,VP,,Q2/2020,,,",
    /* 11 */ "OK-1,Mã trùng,Nghị định,Chính phủ,VP,,Q2/2020,,,",
    /* 12 */ "ok-1,Mã trùng khác chữ hoa,Nghị định,Chính phủ,VP,,Q2/2020,,,",
    /* 13 */ ",Thiếu mã,Nghị định,Chính phủ,VP,,Q2/2020,,,",
    /* 14 */ "E-9,Cấp trình sai,Nghị định,Hội đồng nhân dân,VP,,Q2/2020,Rất cao,,",
    /* 15 */ "E-10,,,,,,,,,ghi chú nhưng thiếu hết",
    /* 16 */ "E-11,Thiếu thời hạn,Nghị định,Chính phủ,VP,,,,,",
  );

  it("reports every problem of every row with its line, in Vietnamese then English", async () => {
    const report = await parseProgrammeFile(file, "csv");
    expect(report).toMatchObject({ valid: 1, invalid: 14 });
    expect(report.rows).toHaveLength(15);
    expect(okTask(report, 2).code).toBe("OK-1");

    expect(errorsAt(report, 3)).toMatchObject([
      { field: "Loại (Kind)", message: 'Loại nhiệm vụ không xác định: "Nghị định thư" / Unknown kind: "Nghị định thư"' },
    ]);
    expect(errorsAt(report, 4)).toMatchObject([
      { field: "Đơn vị chủ trì (Lead unit)", message: 'Đơn vị chủ trì không xác định: "Vụ Không Có" / Unknown lead unit: "Vụ Không Có"' },
      {
        field: "Đơn vị phối hợp (Coordinating units)",
        message: 'Đơn vị phối hợp không xác định: "Vụ Ma" / Unknown coordinating unit: "Vụ Ma"',
      },
    ]);
    expect(errorsAt(report, 5)).toMatchObject([
      { field: "Đơn vị chủ trì (Lead unit)", message: "Thiếu đơn vị chủ trì / Lead unit is required" },
    ]);
    expect(errorsAt(report, 6)).toMatchObject([
      {
        field: "Đơn vị chủ trì (Lead unit)",
        message: 'Mỗi nhiệm vụ chỉ có một đơn vị chủ trì (có 2: "VP", "TCCB") / A task has exactly one lead unit (found 2: "VP", "TCCB")',
      },
    ]);
    expect(errorsAt(report, 7)).toMatchObject([
      {
        field: "Đơn vị phối hợp (Coordinating units)",
        message: 'Đơn vị chủ trì "PC" không đồng thời là đơn vị phối hợp / The lead unit "PC" cannot also be a coordinating unit',
      },
    ]);
    expect(errorsAt(report, 8)).toMatchObject([
      { field: "Thời hạn (Deadline)", message: expect.stringMatching(/^Thời hạn không hợp lệ: "Quý V\/2020".* \/ Invalid deadline/) },
    ]);
    expect(errorsAt(report, 9)).toMatchObject([
      { field: "Thời hạn (Deadline)", message: 'Ngày không tồn tại: "31/02/2020" / No such date: "31/02/2020"' },
    ]);
    expect(errorsAt(report, 10)).toMatchObject([
      { field: "Tên nhiệm vụ (Title)", message: "Tên nhiệm vụ không được để trống / Title is required" },
    ]);
    expect(errorsAt(report, 11)).toMatchObject([
      { field: "Mã (Code)", message: 'Mã "OK-1" trùng với dòng 2 / Code "OK-1" duplicates line 2' },
    ]);
    expect(errorsAt(report, 12)).toMatchObject([
      { field: "Mã (Code)", message: 'Mã "ok-1" trùng với dòng 2 / Code "ok-1" duplicates line 2' },
    ]);
    expect(errorsAt(report, 13)).toMatchObject([{ field: "Mã (Code)", message: "Thiếu mã nhiệm vụ / Code is required" }]);
    expect(errorsAt(report, 14)).toMatchObject([
      { field: "Cấp trình (Authority)", message: 'Cấp trình không xác định: "Hội đồng nhân dân" / Unknown authority: "Hội đồng nhân dân"' },
      { field: "Mức ưu tiên (Priority)", message: 'Mức ưu tiên không xác định: "Rất cao" / Unknown priority: "Rất cao"' },
    ]);
    // Several problems on one row: all of them, in column order.
    expect(errorsAt(report, 15).map((e) => e.field)).toEqual([
      "Tên nhiệm vụ (Title)",
      "Loại (Kind)",
      "Đơn vị chủ trì (Lead unit)",
      "Thời hạn (Deadline)",
    ]);
    expect(errorsAt(report, 16)).toMatchObject([
      { field: "Thời hạn (Deadline)", message: "Thời hạn không được để trống / Deadline is required" },
    ]);
  });

  it("refuses over-long titles", async () => {
    const report = await parseProgrammeFile(csv(`A,${"x".repeat(501)},Luật,Quốc hội,VP,,Q2/2020,,,`), "csv");
    expect(errorsAt(report, 2)).toMatchObject([
      { field: "Tên nhiệm vụ (Title)", message: "Tên nhiệm vụ dài quá 500 ký tự / Title is longer than 500 characters" },
    ]);
  });
});

describe("parseProgrammeFile (CSV): encoding and quoting", () => {
  it("reads a BOM, semicolons, quoted cells with separators, doubled quotes and line breaks", async () => {
    const text =
      "\uFEFFMã;Tên nhiệm vụ;Loại;Cấp trình;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn;Ghi chú\r\n" +
      'A-1;"Đề án ""Chính quyền số""; giai đoạn\r\n2021 - 2025";Đề án;Thủ tướng;VP;"TCCB; PC";Quý IV/2020;"ghi chú\r\nhai dòng, có dấu phẩy"\r\n' +
      "A-2;Báo cáo;Báo cáo;Chính phủ;Không rõ;;Tháng 6/2020;\r\n" +
      "A-3;Kế hoạch;Kế hoạch;Bộ trưởng;VP;;06/2020;\r\n";
    const report = await parseProgrammeFile(encode(text), "csv");
    expect(okTask(report, 2)).toMatchObject({
      code: "A-1",
      title: 'Đề án "Chính quyền số"; giai đoạn 2021 - 2025',
      coordinatingUnits: ["TCCB", "PC"],
      note: "ghi chú\nhai dòng, có dấu phẩy",
    });
    // Lines count records (rows as a spreadsheet shows them), not physical lines.
    expect(errorsAt(report, 3).map((e) => e.field)).toEqual(["Đơn vị chủ trì (Lead unit)"]);
    expect(okTask(report, 4)).toMatchObject({ code: "A-3", deadlineSpec: { kind: "month", year: 2020, month: 6 } });
    expect(report).toMatchObject({ valid: 2, invalid: 1 });
  });

  it("keeps cells as text: leading zeros, ISO dates, TRUE", async () => {
    const report = await parseProgrammeFile(csv("007,TRUE,Luật,Quốc hội,VP,,2020-06-30,,,"), "csv");
    expect(okTask(report, 2)).toMatchObject({ code: "007", title: "TRUE", deadlineText: "2020-06-30" });
  });

  it("reads tab-separated files and LF line ends", async () => {
    const text = "Mã\tTên nhiệm vụ\tLoại\tCấp trình\tĐơn vị chủ trì\tThời hạn\nT-1\tTên, có phẩy\tLuật\tQuốc hội\tVP\tQ3/2020\n";
    const report = await parseProgrammeFile(encode(text), "csv");
    expect(okTask(report, 2)).toMatchObject({ code: "T-1", title: "Tên, có phẩy" });
  });

  it("refuses a file that is not UTF-8", async () => {
    const latin1 = Uint8Array.from([0x4d, 0xe3, 0x2c, 0x54, 0xea, 0x6e, 0x0d, 0x0a]);
    expect(await refusal(parseProgrammeFile(latin1, "csv"))).toEqual([
      {
        field: "content",
        description:
          "Tệp CSV không phải mã UTF-8; hãy lưu lại tệp với mã UTF-8 / The CSV file is not UTF-8 encoded; save it again as UTF-8",
      },
    ]);
  });

  it("refuses malformed quoting", async () => {
    const [v] = await refusal(parseProgrammeFile(csv('A,"x"y,Luật,Quốc hội,VP,,Q2/2020,,,'), "csv"));
    expect(v.field).toBe("content");
    expect(v.description).toMatch(/^Tệp CSV không đúng định dạng .* \/ Malformed CSV file/);
  });
});

describe("parseProgrammeFile: headings", () => {
  it("refuses a file missing required headings, naming each", async () => {
    const violations = await refusal(parseProgrammeFile(encode("Mã;Tên nhiệm vụ;Đơn vị phối hợp;Ghi chú\r\nA;B;;\r\n"), "csv"));
    expect(violations).toEqual([
      { field: "content", description: 'Thiếu cột bắt buộc "Loại" / Missing required column "Kind"' },
      { field: "content", description: 'Thiếu cột bắt buộc "Đơn vị chủ trì" / Missing required column "Lead unit"' },
      { field: "content", description: 'Thiếu cột bắt buộc "Thời hạn" / Missing required column "Deadline"' },
    ]);
  });

  it("refuses a column named twice", async () => {
    const violations = await refusal(
      parseProgrammeFile(encode("Mã,Tên nhiệm vụ,Loại,Cấp trình,Đơn vị chủ trì,Thời hạn,Deadline\r\n"), "csv"),
    );
    expect(violations).toEqual([
      {
        field: "content",
        description: 'Cột "Thời hạn" xuất hiện hai lần (cột 6 và 7) / Column "Deadline" appears twice (columns 6 and 7)',
      },
    ]);
  });

  it("refuses an empty file and an unknown format", async () => {
    expect(await refusal(parseProgrammeFile(encode("\uFEFF\r\n\r\n"), "csv"))).toEqual([
      { field: "content", description: "Tệp không có dữ liệu / The file has no data" },
    ]);
    expect((await refusal(parseProgrammeFile(encode("x"), "ods" as "csv")))[0].field).toBe("format");
  });

  it("a header-only file has no rows", async () => {
    expect(await parseProgrammeFile(csv(), "csv")).toEqual({ rows: [], valid: 0, invalid: 0 });
  });
});
