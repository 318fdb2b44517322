/**
 * Reading an uploaded programme file with bounded memory: the upload is size-checked before it is
 * parsed, rows are read as a stream and reading stops at the row limit, and an XLSX package whose parts
 * unpack to more than the limit (a zip bomb: a tiny file claiming a million rows, or a huge shared
 * strings table, or headers that lie about sizes) is refused before anything is parsed.
 */
import { describe, expect, it } from "vitest";
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_ROWS, MAX_XLSX_UNPACKED_BYTES } from "../../src/domain/limits.js";
import { parseProgrammeFile } from "../../src/import/index.js";
import { HEADER, encode, refusal } from "./helpers.js";
import { hugeSharedString, sheetOfRows, sheetUsingSharedString, workbookParts, zipOf } from "./zip-builder.js";

/** The JavaScript heap and the buffers outside it (unpacked parts live there). */
function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Runs `work`, sampling memory; resolves with its result (or error) and the largest growth seen, in MB. */
async function measured<T>(work: () => Promise<T>): Promise<{ outcome: T | unknown; peakMb: number }> {
  const before = memoryInUse();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryInUse());
  }, 2);
  let outcome: T | unknown;
  try {
    outcome = await work();
  } catch (e) {
    outcome = e;
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, memoryInUse());
  return { outcome, peakMb: (peak - before) / 1e6 };
}

const ROW = "NV-1,Báo cáo tổng kết,Báo cáo,Bộ trưởng,VP,,Quý IV/2020,,,";

describe("the upload's size", () => {
  it(`is checked before parsing: a file over ${MAX_IMPORT_FILE_BYTES} bytes is refused, whatever it holds`, async () => {
    // One task, then blank lines: harmless content, but too many bytes to read.
    const bytes = encode(`${HEADER}\r\n${ROW}\r\n${"\r\n".repeat(MAX_IMPORT_FILE_BYTES / 2)}`);
    const violations = await refusal(parseProgrammeFile(bytes, "csv"));
    expect(violations).toEqual([
      {
        field: "content",
        description: `Tệp lớn hơn ${MAX_IMPORT_FILE_BYTES} byte (3 MiB) / The file is larger than ${MAX_IMPORT_FILE_BYTES} bytes (3 MiB)`,
      },
    ]);
  });
});

describe("CSV rows", () => {
  const tooMany = `Tệp có hơn ${MAX_IMPORT_ROWS} dòng dữ liệu / The file has more than ${MAX_IMPORT_ROWS} data rows`;

  it("reading stops at the row limit", async () => {
    const rows = Array.from({ length: MAX_IMPORT_ROWS + 1000 }, (_, i) => ROW.replace("NV-1", `NV-${i}`));
    expect(await refusal(parseProgrammeFile(encode([HEADER, ...rows].join("\r\n")), "csv"))).toEqual([
      { field: "content", description: tooMany },
    ]);
  });

  it("blank lines cost nothing: a file of a million of them and one task reads in little memory", async () => {
    const bytes = encode(`${HEADER}\r\n${"\n".repeat(1_000_000)}${ROW}\r\n`);
    const { outcome, peakMb } = await measured(() => parseProgrammeFile(bytes, "csv"));
    expect(outcome).toMatchObject({ valid: 1, invalid: 0 });
    expect(peakMb).toBeLessThan(100);
  });
});

describe("XLSX packages", () => {
  it("a small file claiming 200,000 rows is refused at the row limit, read as a stream", async () => {
    const bytes = await zipOf(workbookParts(sheetOfRows(200_000, ["x"])));
    expect(bytes.length).toBeLessThan(MAX_IMPORT_FILE_BYTES / 2);
    const { outcome, peakMb } = await measured(() => parseProgrammeFile(bytes, "xlsx"));
    expect((outcome as { violations?: unknown }).violations).toEqual([
      { field: "content", description: `Tệp có hơn ${MAX_IMPORT_ROWS} dòng dữ liệu / The file has more than ${MAX_IMPORT_ROWS} data rows` },
    ]);
    expect(peakMb).toBeLessThan(150);
  });

  const unpackedTooLarge = [
    {
      field: "content",
      description: `Tệp XLSX giải nén lớn hơn ${MAX_XLSX_UNPACKED_BYTES} byte / The XLSX file unpacks to more than ${MAX_XLSX_UNPACKED_BYTES} bytes`,
    },
  ];

  it("a file whose worksheet unpacks to more than the limit is refused before it is parsed", async () => {
    // 40,000 rows of a 1,000-letter cell: about 43 MB of XML in under 400 KB.
    const bytes = await zipOf(workbookParts(sheetOfRows(40_000, ["a".repeat(1000)])));
    expect(bytes.length).toBeLessThan(500_000);
    const { outcome, peakMb } = await measured(() => parseProgrammeFile(bytes, "xlsx"));
    expect((outcome as { violations?: unknown }).violations).toEqual(unpackedTooLarge);
    expect(peakMb).toBeLessThan(150);
  });

  it("a zip bomb: a 200 MB shared-strings table in a few hundred KB is refused without unpacking it", async () => {
    const bytes = await zipOf(workbookParts(sheetUsingSharedString(), hugeSharedString(200_000_000)));
    expect(bytes.length).toBeLessThan(1_000_000);
    const { outcome, peakMb } = await measured(() => parseProgrammeFile(bytes, "xlsx"));
    expect((outcome as { violations?: unknown }).violations).toEqual(unpackedTooLarge);
    expect(peakMb).toBeLessThan(150);
  });

  it("headers that lie about the unpacked size do not help: the bytes are counted as they unpack", async () => {
    const parts = workbookParts(sheetUsingSharedString(), hugeSharedString(200_000_000));
    const lying = parts.map((p) => (p.name === "xl/sharedStrings.xml" ? { ...p, declaredSize: 1000 } : p));
    const { outcome, peakMb } = await measured(async () => parseProgrammeFile(await zipOf(lying), "xlsx"));
    // the part is unpacked only as far as its header's 1,000 bytes allow, then the file is refused as
    // damaged, in words for the person who sent it (the unpacker's "too many bytes in the stream" stays in)
    expect((outcome as { violations?: unknown }).violations).toEqual([
      {
        field: "content",
        description:
          "Tệp XLSX bị hỏng hoặc không trọn vẹn; hãy mở bằng Excel, lưu lại rồi gửi lại / The XLSX file is damaged or incomplete; open it in Excel, save it again and resend it",
      },
    ]);
    expect(peakMb).toBeLessThan(150);
  });

  it("a small workbook built the same way reads as any other", async () => {
    const report = await parseProgrammeFile(await zipOf(workbookParts(sheetOfRows(1))), "xlsx");
    expect(report).toMatchObject({ valid: 1, invalid: 0 });
    expect(report.rows.map((r) => r.line)).toEqual([2]);
  });
});
