/**
 * Reading uploads into rows with the caller's bounds: CSV delimiter detection and quoting, XLSX through
 * the bounded unpacker, the row, column, unpacked-size and entry limits the caller passes, and the
 * refusals of a file sent as the wrong kind. Every refusal names the `content` field.
 */
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { InvalidArgument } from "../../src/errors.js";
import {
  assertFileSize,
  cellText,
  detectDelimiter,
  fileKind,
  readCsvTable,
  readXlsxTable,
  type XlsxTableLimits,
} from "../../src/tables/index.js";

const LIMITS: XlsxTableLimits = { maxDataRows: 100, maxColumns: 8, maxUnpackedBytes: 4 * 1024 * 1024, maxEntries: 100 };
const encode = (text: string) => new TextEncoder().encode(text);
const HEADINGS = new Set(["Mã", "Họ và tên", "Đơn vị"]);
const isHeading = (cell: string) => HEADINGS.has(cell.trim());

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<string[]> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    const violations = (e as InvalidArgument).violations;
    expect(violations.every((v) => v.field === "content")).toBe(true);
    return violations.map((v) => v.description);
  }
  throw new Error("expected InvalidArgument");
}

async function workbook(rows: unknown[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("Danh bạ");
  for (const r of rows) sheet.addRow(r);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe("CSV", () => {
  it("detects the delimiter from the heading row, reads quotes and a BOM, and skips blank lines", async () => {
    const text = '\uFEFFMã;Họ và tên;Đơn vị\r\nvp-1;"Nguyễn Văn A; ""Anh""";VP\r\n\r\n;;\r\nvp-2;Trần Thị B;VP\r\n';
    expect(detectDelimiter(text.slice(1), isHeading)).toBe(";");
    const rows = await readCsvTable(encode(text), isHeading, LIMITS);
    expect(rows).toEqual([
      { line: 1, cells: ["Mã", "Họ và tên", "Đơn vị"] },
      { line: 2, cells: ["vp-1", 'Nguyễn Văn A; "Anh"', "VP"] },
      { line: 5, cells: ["vp-2", "Trần Thị B", "VP"] },
    ]);
  });

  it("stops at the caller's row limit and cuts cells past its column limit", async () => {
    const lines = ["Mã,Họ và tên", ...Array.from({ length: 4 }, (_, i) => `p-${i},Người ${i}`)];
    expect(await refusal(readCsvTable(encode(lines.join("\n")), isHeading, { maxDataRows: 3, maxColumns: 8 }))).toEqual([
      "Tệp có hơn 3 dòng dữ liệu / The file has more than 3 data rows",
    ]);
    const wide = await readCsvTable(encode("Mã,b,c,d\n1,2,3,4\n"), isHeading, { maxDataRows: 3, maxColumns: 2 });
    expect(wide.map((r) => r.cells)).toEqual([
      ["Mã", "b"],
      ["1", "2"],
    ]);
  });

  it("refuses text that is not UTF-8, and a workbook sent as CSV", async () => {
    const latin1 = Uint8Array.from([0x4d, 0xe3, 0x2c, 0x41, 0x0a]);
    expect((await refusal(readCsvTable(latin1, isHeading, LIMITS)))[0]).toMatch(/UTF-8/u);
    const xlsx = await workbook([["Mã"]]);
    expect((await refusal(readCsvTable(xlsx, isHeading, LIMITS)))[0]).toMatch(/XLSX/u);
  });
});

describe("XLSX", () => {
  it("reads the first worksheet's rows as text (numbers, dates, rich text, formulas' results)", async () => {
    const bytes = await workbook([
      ["Mã", "Họ và tên", "Số"],
      ["a-1", { richText: [{ text: "Nguyễn " }, { text: "Văn A" }] }, 42],
      [],
      ["a-2", new Date(Date.UTC(2020, 2, 30)), { formula: "1+1", result: 2 }],
    ]);
    const rows = await readXlsxTable(bytes, LIMITS);
    expect(rows).toEqual([
      { line: 1, cells: ["Mã", "Họ và tên", "Số"] },
      { line: 2, cells: ["a-1", "Nguyễn Văn A", "42"] },
      { line: 4, cells: ["a-2", "2020-03-30", "2"] },
    ]);
  });

  it("refuses a package that unpacks to more than the caller's budget, or holds too many entries", async () => {
    const bytes = await workbook([["Mã"], ["x".repeat(5000)]]);
    expect(await refusal(readXlsxTable(bytes, { ...LIMITS, maxUnpackedBytes: 2000 }))).toEqual([
      "Tệp XLSX giải nén lớn hơn 2000 byte / The XLSX file unpacks to more than 2000 bytes",
    ]);
    expect(await refusal(readXlsxTable(bytes, { ...LIMITS, maxEntries: 3 }))).toEqual([
      "Tệp XLSX có hơn 3 tệp thành phần / The XLSX package holds more than 3 files",
    ]);
  });

  it("stops at the caller's row limit", async () => {
    const bytes = await workbook([["Mã"], ...Array.from({ length: 20 }, (_, i) => [`p-${i}`])]);
    expect(await refusal(readXlsxTable(bytes, { ...LIMITS, maxDataRows: 10 }))).toEqual([
      "Tệp có hơn 10 dòng dữ liệu / The file has more than 10 data rows",
    ]);
  });

  it("tells a CSV, an old .xls and random bytes sent as XLSX apart", async () => {
    expect((await refusal(readXlsxTable(encode("Mã,Tên\n"), LIMITS)))[0]).toMatch(/^Tệp được gửi là XLSX nhưng nội dung là văn bản/u);
    const ole2 = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect((await refusal(readXlsxTable(ole2, LIMITS)))[0]).toMatch(/97-2003/u);
    expect(fileKind(Uint8Array.from([0, 1, 2, 3]))).toBe("other");
    expect(fileKind(await workbook([["a"]]))).toBe("zip");
  });
});

describe("the size gate and cell text", () => {
  it("refuses a file over the caller's size before anything reads it", async () => {
    expect(() => assertFileSize(new Uint8Array(10), 10)).not.toThrow();
    expect(await refusal(() => assertFileSize(new Uint8Array(5 * 1024 * 1024 + 1), 5 * 1024 * 1024))).toEqual([
      "Tệp lớn hơn 5242880 byte (5 MiB) / The file is larger than 5242880 bytes (5 MiB)",
    ]);
  });

  it("turns values into text", () => {
    expect(cellText(null)).toBe("");
    expect(cellText(true)).toBe("TRUE");
    expect(cellText({ text: "link", hyperlink: "http://example.com" })).toBe("link");
  });
});
