import { InvalidArgument } from "@ministry/platform";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import {
  HANDLING_REGISTER_HEADINGS,
  type HandlingRegisterRow,
  INCOMING_REGISTER_HEADINGS,
  type IncomingRegisterRow,
  MAX_CELL_LENGTH,
  OUTGOING_REGISTER_HEADINGS,
  type OutgoingRegisterRow,
  type RegisterMeta,
} from "../../src/registers/register-model.js";
import {
  registerFileName,
  renderHandlingRegister,
  renderIncomingRegister,
  renderOutgoingRegister,
} from "../../src/registers/register-xlsx.js";

/** An instant given as Vietnam wall-clock time (UTC+7). */
const vn = (isoLocal: string) => new Date(`${isoLocal}+07:00`);

const YEAR_2020: RegisterMeta = {
  organName: "BỘ NỘI VỤ",
  organCode: "BNV",
  from: { year: 2020, month: 1, day: 1 },
  to: { year: 2020, month: 12, day: 31 },
  generatedAt: new Date("2021-01-04T02:00:00Z"),
};

const FORMULA_LIKE = ["=SUM(A1)", "+84", "@x", "-5"];

const OUTGOING: OutgoingRegisterRow[] = [
  {
    number: 15,
    symbol: "15/QĐ-BNV",
    issuedAt: vn("2020-01-05T09:00:00"),
    type: "QUYET_DINH",
    summary: "Về việc nâng bậc lương thường xuyên đối với công chức Vụ Tổ chức cán bộ",
    signer: "Thứ trưởng Nguyễn Trọng Thừa",
    recipients: ["- Vụ Tổ chức cán bộ;", "Văn phòng Bộ", "  "],
    keptBy: "VT, Vụ TCCB",
    copies: 5,
    deliveredAt: vn("2020-01-06T08:15:00"),
    receipt: "Lê Thị Hường",
    notes: "Bản điện tử gửi qua Trục liên thông",
  },
  // The year boundary: 23:30 on 31/12/2020 in Hà Nội is already 2021 in UTC+8 and later, still 2020 here.
  {
    number: 120,
    symbol: "120/TB-BNV",
    issuedAt: vn("2020-12-31T23:30:00"),
    type: "THONG_BAO",
    summary: "Kết luận của Bộ trưởng tại hội nghị tổng kết công tác năm 2020",
    signer: "Chánh Văn phòng Vũ Đăng Minh",
    recipients: ["Các đơn vị thuộc Bộ"],
    keptBy: "VT, VP",
    copies: 2,
    // 00:30 on 1 January in Vietnam is still 31 December in UTC.
    deliveredAt: vn("2021-01-01T00:30:00"),
    secrecy: "mat",
  },
  {
    number: 5,
    symbol: "05/BNV-VP",
    issuedAt: vn("2020-01-02T14:00:00"),
    type: "CONG_VAN",
    summary: "V/v tổ chức họp giao ban trực tuyến quý I năm 2020",
    signer: "Bộ trưởng Lê Vĩnh Tân",
    recipients: ["Sở Nội vụ các tỉnh, thành phố trực thuộc Trung ương"],
    keptBy: "VT, VP",
    copies: 1,
    urgency: "hoa_toc",
  },
  {
    number: 121,
    symbol: "121/BC-BNV",
    issuedAt: vn("2020-12-31T23:45:00"),
    type: "BAO_CAO",
    summary: FORMULA_LIKE[0] as string,
    signer: FORMULA_LIKE[1],
    recipients: [FORMULA_LIKE[2] as string],
    keptBy: FORMULA_LIKE[2],
    receipt: FORMULA_LIKE[3],
    notes: '=HYPERLINK("http://evil.example","bấm")',
  },
];

const INCOMING: IncomingRegisterRow[] = [
  {
    arrivedAt: vn("2021-01-01T00:10:00"),
    arrivalNumber: 1,
    author: "Văn phòng Chính phủ",
    symbol: "01/VPCP-TCCV",
    issuedAt: vn("2020-12-31T22:00:00"),
    type: "CONG_VAN",
    summary: "V/v nghỉ Tết Nguyên đán Tân Sửu 2021",
    receiver: "Văn phòng Bộ",
    transferredAt: vn("2021-01-04T08:00:00"),
    receipt: "Phạm Thu Hằng",
  },
  {
    arrivedAt: vn("2020-12-31T23:30:00"),
    arrivalNumber: 350,
    author: "Bộ Tư pháp",
    symbol: "4512/BTP-VĐCXDPL",
    issuedAt: vn("2020-12-30T10:00:00"),
    type: "Luật",
    summary: "Đề nghị góp ý dự thảo",
    receiver: "Vụ Pháp chế",
    transferredAt: vn("2020-12-31T23:50:00"),
    receipt: "-5",
    notes: "@x",
    urgency: "khan",
  },
  {
    arrivedAt: vn("2020-12-15T09:00:00"),
    arrivalNumber: 349,
    author: "+84 Ủy ban nhân dân tỉnh Nghệ An",
    symbol: "=SUM(A1)",
    summary: "Báo cáo kết quả thực hiện nhiệm vụ năm 2020",
  },
];

const DECEMBER_TO_JANUARY: RegisterMeta = {
  organName: "BỘ NỘI VỤ",
  parentOrganName: "CHÍNH PHỦ",
  from: { year: 2020, month: 12, day: 1 },
  to: { year: 2021, month: 1, day: 31 },
  bookNumber: "02",
};

const HANDLING: HandlingRegisterRow[] = [
  {
    arrivalNumber: 42,
    arrivedAt: vn("2020-03-02T08:30:00"),
    type: "QUYET_DINH",
    symbol: "15/QĐ-TTg",
    issuedAt: vn("2020-02-28T16:00:00"),
    author: "Thủ tướng Chính phủ",
    summary: "Ban hành Kế hoạch triển khai thi hành Luật Cán bộ, công chức sửa đổi",
    handler: "Vụ Công chức - Viên chức",
    coordinating: ["Vụ Pháp chế", "Văn phòng Bộ"],
    deadline: vn("2020-03-31T17:00:00"),
    status: "in_progress",
    progress: "Đã xin ý kiến các đơn vị",
    replySymbol: "",
  },
  {
    arrivalNumber: 7,
    arrivedAt: vn("2020-01-08T10:00:00"),
    type: "CONG_VAN",
    symbol: "7816/VPCP-TTĐT",
    issuedAt: vn("2020-01-07T09:00:00"),
    author: "Văn phòng Chính phủ",
    summary: "=SUM(A1)",
    handler: "+84",
    deadline: vn("2020-12-31T23:30:00"),
    status: "done",
    progress: "-5",
    replySymbol: "@x",
    secrecy: "toi_mat",
  },
];

// ---------------------------------------------------------------------------------------------------
// Reading back

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buf as unknown as ArrayBuffer);
  return workbook;
}

function onlySheet(workbook: ExcelJS.Workbook): ExcelJS.Worksheet {
  expect(workbook.worksheets).toHaveLength(1);
  return workbook.worksheets[0] as ExcelJS.Worksheet;
}

/** Every row as its cells' values, 1-based columns made 0-based; a missing cell is null. */
function rowsOf(sheet: ExcelJS.Worksheet, columns: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let r = 1; r <= sheet.rowCount; r += 1) {
    const row = sheet.getRow(r);
    rows.push(Array.from({ length: columns }, (_, c) => row.getCell(c + 1).value ?? null));
  }
  return rows;
}

/** The row number of the headings (1-based). */
function headingRowOf(sheet: ExcelJS.Worksheet, first: string): number {
  for (let r = 1; r <= sheet.rowCount; r += 1) if (sheet.getRow(r).getCell(1).value === first) return r;
  throw new Error(`no heading row starting "${first}"`);
}

function unzipEntries(buf: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, string>();
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            entries.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(entries));
      zip.readEntry();
    });
  });
}

/** No cell of any sheet is a formula, neither as exceljs reads it nor in the sheet's XML (no <f>). */
async function expectNoFormula(buf: Buffer): Promise<void> {
  const workbook = await readXlsx(buf);
  let cells = 0;
  for (const sheet of workbook.worksheets) {
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        cells += 1;
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        expect(cell.formula).toBeFalsy();
        if (cell.value !== null) expect(["string", "number"]).toContain(typeof cell.value);
      }),
    );
  }
  expect(cells).toBeGreaterThan(0);
  const entries = await unzipEntries(buf);
  const sheets = [...entries.keys()].filter((name) => name.startsWith("xl/worksheets/") && name.endsWith(".xml"));
  expect(sheets.length).toBeGreaterThan(0);
  for (const name of sheets) expect(entries.get(name)).not.toMatch(/<f[ >]/);
}

// ---------------------------------------------------------------------------------------------------

describe("the outgoing register (Sổ đăng ký văn bản đi)", () => {
  it("writes the title block, the decree's ten headings and the rows in number order", async () => {
    const sheet = onlySheet(await readXlsx(await renderOutgoingRegister(OUTGOING, YEAR_2020)));
    expect(sheet.name).toBe("Sổ văn bản đi");
    const heading = headingRowOf(sheet, "Số, ký hiệu văn bản");
    const rows = rowsOf(sheet, 10);
    const block = rows.slice(0, heading - 1).map((r) => r[0]);
    expect(block.filter((v) => v !== null)).toEqual([
      "BỘ NỘI VỤ",
      "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
      "Năm: 2020",
      "Từ ngày 01/01/2020 đến ngày 31/12/2020",
      "Từ số 05 đến số 121",
    ]);
    expect(rows[heading - 1]).toEqual([
      "Số, ký hiệu văn bản",
      "Ngày tháng văn bản",
      "Tên loại và trích yếu nội dung văn bản",
      "Người ký",
      "Nơi nhận văn bản",
      "Đơn vị, người nhận bản lưu",
      "Số lượng bản",
      "Ngày chuyển",
      "Ký nhận",
      "Ghi chú",
    ]);
    expect(rows[heading - 1]).toEqual([...OUTGOING_REGISTER_HEADINGS.vi]);
    expect(rows[heading]).toEqual(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)"]);

    const body = rows.slice(heading + 1);
    expect(body.map((r) => r[0])).toEqual(["05/BNV-VP", "15/QĐ-BNV", "120/TB-BNV", "121/BC-BNV"]);
    expect(body[0]).toEqual([
      "05/BNV-VP",
      "02/01/2020",
      "Công văn\nV/v tổ chức họp giao ban trực tuyến quý I năm 2020",
      "Bộ trưởng Lê Vĩnh Tân",
      "Sở Nội vụ các tỉnh, thành phố trực thuộc Trung ương",
      "VT, VP",
      1,
      null,
      null,
      "Hỏa tốc",
    ]);
    expect(body[1]).toEqual([
      "15/QĐ-BNV",
      "05/01/2020",
      "Quyết định\nVề việc nâng bậc lương thường xuyên đối với công chức Vụ Tổ chức cán bộ",
      "Thứ trưởng Nguyễn Trọng Thừa",
      "Vụ Tổ chức cán bộ; Văn phòng Bộ",
      "VT, Vụ TCCB",
      5,
      "06/01/2020",
      "Lê Thị Hường",
      "Bản điện tử gửi qua Trục liên thông",
    ]);
  });

  it("dates by Vietnam's calendar at the year boundary", async () => {
    const sheet = onlySheet(await readXlsx(await renderOutgoingRegister(OUTGOING, YEAR_2020)));
    const rows = rowsOf(sheet, 10);
    const notice = rows.find((r) => r[0] === "120/TB-BNV");
    // Issued 23:30 on 31/12/2020 in Hà Nội (16:30 UTC): dated 31/12/2020.
    expect(notice?.[1]).toBe("31/12/2020");
    // Delivered 00:30 on 1/1/2021 in Hà Nội (17:30 UTC on 31/12): 01/01/2021.
    expect(notice?.[7]).toBe("01/01/2021");
    expect(notice?.[9]).toBe("Mật");
  });

  it("keeps formula-like text as text, and no cell is a formula", async () => {
    const buf = await renderOutgoingRegister(OUTGOING, YEAR_2020);
    const rows = rowsOf(onlySheet(await readXlsx(buf)), 10);
    const report = rows.find((r) => r[0] === "121/BC-BNV");
    expect(report).toEqual([
      "121/BC-BNV",
      "31/12/2020",
      "Báo cáo\n=SUM(A1)",
      "+84",
      "@x",
      "@x",
      null,
      null,
      "-5",
      '=HYPERLINK("http://evil.example","bấm")',
    ]);
    await expectNoFormula(buf);
  });

  it("speaks English with locale en; the documents' own words stay as written", async () => {
    const sheet = onlySheet(await readXlsx(await renderOutgoingRegister(OUTGOING, YEAR_2020, "en")));
    expect(sheet.name).toBe("Outgoing register");
    const heading = headingRowOf(sheet, "Number and symbol");
    const rows = rowsOf(sheet, 10);
    expect(
      rows
        .slice(0, heading - 1)
        .map((r) => r[0])
        .filter((v) => v !== null),
    ).toEqual(["BỘ NỘI VỤ", "REGISTER OF OUTGOING DOCUMENTS", "Year: 2020", "From 01/01/2020 to 31/12/2020", "Numbers 05 to 121"]);
    expect(rows[heading - 1]).toEqual([
      "Number and symbol",
      "Document date",
      "Type and summary",
      "Signer",
      "Recipients",
      "Unit or person keeping the file copy",
      "Number of copies",
      "Delivery date",
      "Receipt",
      "Notes",
    ]);
    const body = rows.slice(heading + 1);
    expect(body[0]?.[2]).toBe("Official letter\nV/v tổ chức họp giao ban trực tuyến quý I năm 2020");
    expect(body[0]?.[9]).toBe("Flash");
    expect(body[1]?.[2]).toBe("Decision\nVề việc nâng bậc lương thường xuyên đối với công chức Vụ Tổ chức cán bộ");
    expect(body[2]?.[9]).toBe("Confidential");
  });

  it("lays the sheet out to be read and printed: bold headings, frozen header, widths, text columns", async () => {
    const sheet = onlySheet(await readXlsx(await renderOutgoingRegister(OUTGOING, YEAR_2020)));
    const heading = headingRowOf(sheet, "Số, ký hiệu văn bản");
    for (let c = 1; c <= 10; c += 1) expect(sheet.getRow(heading).getCell(c).font?.bold).toBe(true);
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true); // the body's name
    const title = rowsOf(sheet, 1).findIndex((r) => r[0] === "SỔ ĐĂNG KÝ VĂN BẢN ĐI") + 1;
    expect(sheet.getRow(title).getCell(1).font?.bold).toBe(true);
    expect(sheet.getRow(title).getCell(1).font?.size).toBe(14);
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: heading + 1 });
    expect(sheet.getColumn(3).width).toBeGreaterThan(sheet.getColumn(2).width ?? 0);
    expect(sheet.getColumn(1).numFmt).toBe("@");
    expect(sheet.getColumn(7).numFmt).toBe("00");
  });
});

describe("the incoming register (Sổ đăng ký văn bản đến)", () => {
  it("writes the title block, the headings and the rows by year and arrival number", async () => {
    const sheet = onlySheet(await readXlsx(await renderIncomingRegister(INCOMING, DECEMBER_TO_JANUARY)));
    expect(sheet.name).toBe("Sổ văn bản đến");
    const heading = headingRowOf(sheet, "Ngày đến");
    const rows = rowsOf(sheet, 10);
    expect(
      rows
        .slice(0, heading - 1)
        .map((r) => r[0])
        .filter((v) => v !== null),
    ).toEqual([
      "CHÍNH PHỦ",
      "BỘ NỘI VỤ",
      "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
      "Năm: 2020 - 2021",
      "Từ ngày 01/12/2020 đến ngày 31/01/2021",
      // No "Từ số … đến số …": the numbers restart on 1 January, so the range would mislead.
      "Quyển số: 02",
    ]);
    expect(rows[heading - 1]).toEqual([
      "Ngày đến",
      "Số đến",
      "Tác giả",
      "Số, ký hiệu văn bản",
      "Ngày tháng văn bản",
      "Tên loại và trích yếu nội dung văn bản",
      "Đơn vị hoặc người nhận",
      "Ngày chuyển",
      "Ký nhận",
      "Ghi chú",
    ]);
    expect(rows[heading - 1]).toEqual([...INCOMING_REGISTER_HEADINGS.vi]);
    const body = rows.slice(heading + 1);
    // 2020's numbers first, then 2021's, which restart at 01 on 1 January.
    expect(body.map((r) => r[1])).toEqual([349, 350, 1]);
    expect(body[1]).toEqual([
      "31/12/2020",
      350,
      "Bộ Tư pháp",
      "4512/BTP-VĐCXDPL",
      "30/12/2020",
      "Luật\nĐề nghị góp ý dự thảo",
      "Vụ Pháp chế",
      "31/12/2020",
      "-5",
      "Khẩn; @x",
    ]);
    expect(body[2]).toEqual([
      "01/01/2021",
      1,
      "Văn phòng Chính phủ",
      "01/VPCP-TCCV",
      "31/12/2020",
      "Công văn\nV/v nghỉ Tết Nguyên đán Tân Sửu 2021",
      "Văn phòng Bộ",
      "04/01/2021",
      "Phạm Thu Hằng",
      null,
    ]);
    // Arrival numbers are numbers shown with two digits at least ("01").
    expect(sheet.getRow(heading + 4).getCell(2).numFmt).toBe("00");
  });

  it("speaks English with locale en", async () => {
    const sheet = onlySheet(await readXlsx(await renderIncomingRegister(INCOMING, DECEMBER_TO_JANUARY, "en")));
    expect(sheet.name).toBe("Incoming register");
    const heading = headingRowOf(sheet, "Arrival date");
    const rows = rowsOf(sheet, 10);
    expect(rows.slice(0, heading - 1).map((r) => r[0])).toContain("REGISTER OF INCOMING DOCUMENTS");
    expect(rows.slice(0, heading - 1).map((r) => r[0])).toContain("Book No.: 02");
    expect(rows[heading - 1]).toEqual([...INCOMING_REGISTER_HEADINGS.en]);
    expect(rows[heading - 1]?.[2]).toBe("Author (issuing body)");
    expect(rows[heading + 3]?.[5]).toBe("Official letter\nV/v nghỉ Tết Nguyên đán Tân Sửu 2021");
    expect(rows[heading + 2]?.[9]).toBe("Urgent; @x");
  });

  it("keeps formula-like text as text, and no cell is a formula", async () => {
    const buf = await renderIncomingRegister(INCOMING, DECEMBER_TO_JANUARY);
    const rows = rowsOf(onlySheet(await readXlsx(buf)), 10);
    const row = rows.find((r) => r[1] === 349);
    expect(row?.[2]).toBe("+84 Ủy ban nhân dân tỉnh Nghệ An");
    expect(row?.[3]).toBe("=SUM(A1)");
    expect(row?.[4]).toBeNull();
    await expectNoFormula(buf);
  });
});

describe("the handling register (Sổ theo dõi giải quyết văn bản đến)", () => {
  it("writes the title block, the decree's seven headings and the rows by arrival number", async () => {
    const sheet = onlySheet(await readXlsx(await renderHandlingRegister(HANDLING, YEAR_2020)));
    expect(sheet.name).toBe("Sổ theo dõi giải quyết");
    const heading = headingRowOf(sheet, "Số đến");
    const rows = rowsOf(sheet, 7);
    // The decree's form has no "Từ số … đến số …" line for this register.
    expect(
      rows
        .slice(0, heading - 1)
        .map((r) => r[0])
        .filter((v) => v !== null),
    ).toEqual(["BỘ NỘI VỤ", "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN", "Năm: 2020", "Từ ngày 01/01/2020 đến ngày 31/12/2020"]);
    expect(rows[heading - 1]).toEqual([
      "Số đến",
      "Tên loại, số, ký hiệu, ngày, tháng và tên cơ quan, tổ chức ban hành văn bản",
      "Đơn vị hoặc người nhận",
      "Thời hạn giải quyết",
      "Tiến độ giải quyết",
      "Số, ký hiệu văn bản trả lời",
      "Ghi chú",
    ]);
    expect(rows[heading - 1]).toEqual([...HANDLING_REGISTER_HEADINGS.vi]);
    expect(rows[heading]).toEqual(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"]);
    const body = rows.slice(heading + 1);
    expect(body.map((r) => r[0])).toEqual([7, 42]);
    expect(body[1]).toEqual([
      42,
      "Quyết định số 15/QĐ-TTg ngày 28/02/2020 của Thủ tướng Chính phủ\nBan hành Kế hoạch triển khai thi hành Luật Cán bộ, công chức sửa đổi",
      "Vụ Công chức - Viên chức (chủ trì)\nVụ Pháp chế (phối hợp)\nVăn phòng Bộ (phối hợp)",
      "31/03/2020",
      "Đang xử lý\nĐã xin ý kiến các đơn vị",
      null,
      null,
    ]);
  });

  it("keeps formula-like text as text, dates the deadline in Vietnam, and no cell is a formula", async () => {
    const buf = await renderHandlingRegister(HANDLING, YEAR_2020);
    const rows = rowsOf(onlySheet(await readXlsx(buf)), 7);
    expect(rows.find((r) => r[0] === 7)).toEqual([
      7,
      "Công văn số 7816/VPCP-TTĐT ngày 07/01/2020 của Văn phòng Chính phủ\n=SUM(A1)",
      "+84",
      "31/12/2020",
      "Đã xử lý xong\n-5",
      "@x",
      "Tối mật",
    ]);
    await expectNoFormula(buf);
  });

  it("speaks English with locale en", async () => {
    const sheet = onlySheet(await readXlsx(await renderHandlingRegister(HANDLING, YEAR_2020, "en")));
    const heading = headingRowOf(sheet, "Arrival number");
    const rows = rowsOf(sheet, 7);
    expect(rows.slice(0, heading - 1).map((r) => r[0])).toContain("REGISTER FOR TRACKING THE HANDLING OF INCOMING DOCUMENTS");
    expect(rows[heading - 1]).toEqual([...HANDLING_REGISTER_HEADINGS.en]);
    expect(rows[heading + 2]).toEqual([
      42,
      "Decision No. 15/QĐ-TTg of 28/02/2020, Thủ tướng Chính phủ\nBan hành Kế hoạch triển khai thi hành Luật Cán bộ, công chức sửa đổi",
      "Vụ Công chức - Viên chức (lead)\nVụ Pháp chế (coordinating)\nVăn phòng Bộ (coordinating)",
      "31/03/2020",
      "In progress\nĐã xin ý kiến các đơn vị",
      null,
      null,
    ]);
  });
});

describe("an empty register", () => {
  const cases = [
    {
      name: "outgoing",
      render: () => renderOutgoingRegister([], YEAR_2020),
      title: "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
      headings: OUTGOING_REGISTER_HEADINGS.vi,
    },
    {
      name: "incoming",
      render: () => renderIncomingRegister([], YEAR_2020),
      title: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
      headings: INCOMING_REGISTER_HEADINGS.vi,
    },
    {
      name: "handling",
      render: () => renderHandlingRegister([], YEAR_2020),
      title: "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
      headings: HANDLING_REGISTER_HEADINGS.vi,
    },
  ];
  for (const c of cases) {
    it(`still has its title and headings (${c.name})`, async () => {
      const buf = await c.render();
      const sheet = onlySheet(await readXlsx(buf));
      const heading = headingRowOf(sheet, c.headings[0] as string);
      const rows = rowsOf(sheet, c.headings.length);
      const block = rows.slice(0, heading - 1).map((r) => r[0]);
      expect(block).toContain("BỘ NỘI VỤ");
      expect(block).toContain(c.title);
      expect(block).toContain("Từ ngày 01/01/2020 đến ngày 31/12/2020");
      expect(block.some((v) => typeof v === "string" && v.startsWith("Từ số"))).toBe(false);
      expect(rows[heading - 1]).toEqual([...c.headings]);
      expect(sheet.rowCount).toBe(heading + 1); // the headings and their numbers, nothing under them
      await expectNoFormula(buf);
    });
  }
});

describe("input the renderer refuses or cleans", () => {
  it("refuses a period that ends before it begins, a date that is not one, and a missing body name", async () => {
    const backwards = { ...YEAR_2020, from: { year: 2020, month: 12, day: 31 }, to: { year: 2020, month: 1, day: 1 } };
    await expect(renderOutgoingRegister([], backwards)).rejects.toBeInstanceOf(InvalidArgument);
    await expect(renderIncomingRegister([], { ...YEAR_2020, to: { year: 2020, month: 2, day: 30 } })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
    await expect(renderHandlingRegister([], { ...YEAR_2020, organName: "  " })).rejects.toBeInstanceOf(InvalidArgument);
    const badDate = [{ ...(OUTGOING[0] as OutgoingRegisterRow), issuedAt: new Date(Number.NaN) }];
    await expect(renderOutgoingRegister(badDate, YEAR_2020)).rejects.toThrow(/rows\[0\]\.issuedAt/);
    const badNumber = [{ ...(INCOMING[0] as IncomingRegisterRow), arrivalNumber: 0 }];
    await expect(renderIncomingRegister(badNumber, YEAR_2020)).rejects.toThrow(/rows\[0\]\.arrivalNumber/);
  });

  it("drops control characters and cuts a text longer than a cell can hold", async () => {
    const long = "Nơi nhận ".repeat(5_000); // 45,000 characters: Excel refuses more than 32,767 in a cell
    const rows: OutgoingRegisterRow[] = [
      { ...(OUTGOING[0] as OutgoingRegisterRow), recipients: [long], signer: "Nguyễn\u0007 Văn\u0000 A" },
    ];
    const sheet = onlySheet(await readXlsx(await renderOutgoingRegister(rows, YEAR_2020)));
    const row = rowsOf(sheet, 10).find((r) => r[0] === "15/QĐ-BNV");
    expect(row?.[3]).toBe("Nguyễn Văn A");
    const recipients = row?.[4] as string;
    expect(recipients.length).toBe(MAX_CELL_LENGTH);
    expect(recipients.endsWith("…")).toBe(true);
  });

  it("takes the rows as given, leaving the caller's array in its order", async () => {
    const rows = [...OUTGOING];
    await renderOutgoingRegister(rows, YEAR_2020);
    expect(rows.map((r) => r.number)).toEqual([15, 120, 5, 121]);
  });
});

describe("registerFileName", () => {
  it("names the file in ASCII, by register, body and period", () => {
    expect(registerFileName("outgoing", YEAR_2020)).toBe("so-dang-ky-van-ban-di-bnv-2020.xlsx");
    expect(registerFileName("incoming", DECEMBER_TO_JANUARY)).toBe("so-dang-ky-van-ban-den-bo-noi-vu-20201201-20210131.xlsx");
    expect(
      registerFileName("handling", {
        organName: "Ủy ban nhân dân tỉnh Đắk Lắk",
        from: { year: 2020, month: 4, day: 1 },
        to: { year: 2020, month: 6, day: 30 },
      }),
    ).toBe("so-theo-doi-giai-quyet-van-ban-den-uy-ban-nhan-dan-tinh-dak-lak-20200401-20200630.xlsx");
  });
});
