/**
 * Files that are not what their format says (issue 9): a CSV sent as XLSX, a PDF, an old .xls, a
 * damaged package, an XLSX sent as CSV. Each gets a clear bilingual message naming the request's
 * `content`, never a library's message or a URL.
 */
import { describe, expect, it } from "vitest";
import { parseProgrammeFile, writeProgrammeXlsx } from "../../src/import/index.js";
import { csv, encode, refusal } from "./helpers.js";

const LIBRARY_WORDS = /central directory|signature|zip|stream|http|www\.|undefined|Error/iu;

async function refusedAs(bytes: Uint8Array, format: "csv" | "xlsx") {
  const violations = await refusal(parseProgrammeFile(bytes, format));
  expect(violations).toHaveLength(1);
  expect(violations[0].field).toBe("content");
  expect(violations[0].description).not.toMatch(LIBRARY_WORDS);
  return violations[0].description;
}

describe("a file that is not an XLSX workbook, sent as XLSX", () => {
  it("a CSV file says it is text and to choose CSV", async () => {
    expect(await refusedAs(csv("NV-01,Báo cáo,Báo cáo,,VP,,Q2/2020,,,"), "xlsx")).toBe(
      "Tệp được gửi là XLSX nhưng nội dung là văn bản (có thể là CSV); hãy chọn định dạng CSV, hoặc mở tệp bằng Excel và lưu thành .xlsx" +
        " / The file was sent as XLSX but holds text (perhaps CSV); choose the CSV format, or open it in Excel and save it as .xlsx",
    );
  });

  it("a CSV file with a BOM, or in another encoding, is text too", async () => {
    const withBom = await refusedAs(encode("\uFEFFMã;Tên nhiệm vụ\r\nA;B\r\n"), "xlsx");
    expect(withBom).toMatch(/^Tệp được gửi là XLSX nhưng nội dung là văn bản/u);
    const latin1 = await refusedAs(Uint8Array.from([0x4d, 0xe3, 0x2c, 0x54, 0xea, 0x6e, 0x0d, 0x0a]), "xlsx");
    expect(latin1).toMatch(/^Tệp được gửi là XLSX nhưng nội dung là văn bản/u);
  });

  it("an Excel 97-2003 workbook (or a password-protected one) says to save it as .xlsx", async () => {
    const ole2 = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await refusedAs(ole2, "xlsx")).toBe(
      "Tệp là bảng tính Excel 97-2003 (.xls) hoặc có đặt mật khẩu; hãy mở bằng Excel và lưu thành .xlsx không mật khẩu" +
        " / The file is an Excel 97-2003 workbook (.xls) or password-protected; open it in Excel and save it as .xlsx without a password",
    );
  });

  it("other bytes (a PDF, an image) are not a workbook", async () => {
    const pdf = Uint8Array.from([...encode("%PDF-1.4\n"), 0, 0xff, 0x10, 0x80, 0]);
    expect(await refusedAs(pdf, "xlsx")).toBe(
      "Tệp không phải bảng tính XLSX; hãy gửi tệp .xlsx hoặc .csv theo mẫu / The file is not an XLSX workbook; send an .xlsx or .csv file in the template's format",
    );
  });

  it("a damaged or cut-off workbook says so, without the unpacker's words", async () => {
    const whole = await writeProgrammeXlsx([]);
    expect(await refusedAs(whole.subarray(0, Math.floor(whole.length / 2)), "xlsx")).toBe(
      "Tệp XLSX bị hỏng hoặc không trọn vẹn; hãy mở bằng Excel, lưu lại rồi gửi lại / The XLSX file is damaged or incomplete; open it in Excel, save it again and resend it",
    );
  });
});

describe("an XLSX workbook sent as CSV", () => {
  it("says to choose XLSX", async () => {
    expect(await refusedAs(await writeProgrammeXlsx([]), "csv")).toBe(
      "Tệp được gửi là CSV nhưng là bảng tính XLSX; hãy chọn định dạng XLSX / The file was sent as CSV but is an XLSX workbook; choose the XLSX format",
    );
  });
});
