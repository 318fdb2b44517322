/**
 * Formula injection (OWASP, "CSV Injection"): a cell that starts with =, +, -, @, tab or carriage
 * return is a formula to a spreadsheet. writeCsvTable prefixes such cells with a single quote and
 * readCsvTable removes exactly the quote the writer added, so every text round-trips exactly.
 */
import { describe, expect, it } from "vitest";
import { readCsvTable, writeCsvTable, type TableLimits } from "../../src/tables/index.js";
import { FORMULA_LIKE_TEXTS } from "../../src/testing/table-texts.js";

const LIMITS: TableLimits = { maxDataRows: 1000, maxColumns: 16 };
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const HARMLESS = ["'ghi chú trong nháy đơn'", "''", "'", "Báo cáo = kết quả", "a-b", "", " =1+1"];

describe("CSV cells", () => {
  it("a cell that starts with =, +, -, @, tab or CR is written with a single quote before it", () => {
    const text = decode(writeCsvTable([["a"], ...FORMULA_LIKE_TEXTS.map((d) => [d])], { bom: false }));
    const cells = text.split("\r\n");
    expect(cells[1]).toBe('"\'=HYPERLINK(""http://example.com/x"",""Bấm vào đây"")"');
    expect(cells[2]).toBe("'+84 24 3824 0000");
    expect(cells[4]).toBe("'-");
    expect(cells[5]).toBe("'@SUM(A1:A2)");
    // Quoted only where RFC 4180 needs it: a tab is no separator here, a CR is a line end.
    expect(cells[6]).toBe("'\t=1+1");
    expect(cells[7]).toBe('"\'\r=1+1"');
    expect(cells[8]).toBe("''=already quoted");
    expect(cells[10]).toBe("''-");
  });

  it("a cell that starts otherwise is written as it is", () => {
    const text = decode(writeCsvTable([HARMLESS.filter((h) => h !== "")], { bom: false }));
    expect(text).toBe(`'ghi chú trong nháy đơn','',',Báo cáo = kết quả,a-b," =1+1"\r\n`);
  });

  it("every cell reads back exactly as it was written, whatever quotes and formula characters it starts with", async () => {
    const rows = [["Mã", "Tên"], ...[...FORMULA_LIKE_TEXTS, ...HARMLESS].map((t, i) => [`R${i}`, t])];
    const back = await readCsvTable(writeCsvTable(rows), () => false, LIMITS);
    expect(back.map((r) => [r.cells[0], r.cells[1] ?? ""])).toEqual(rows);
  });

  it("round-trips random texts made of quotes, formula characters and separators", async () => {
    const alphabet = ["'", "=", "+", "-", "@", "\t", "\r", "\n", ",", ";", '"', " ", "a", "Đ"];
    let seed = 20200330;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const texts = Array.from({ length: 300 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""),
    );
    const rows = [["Mã", "Tên"], ...texts.map((t, i) => [`R${i}`, t])];
    const back = await readCsvTable(writeCsvTable(rows), () => false, LIMITS);
    expect(back.map((r) => [r.cells[0], r.cells[1] ?? ""])).toEqual(rows);
  });
});
