import { describe, expect, it } from "vitest";
import { InvalidArgument } from "@ministry/platform";
import {
  formatNumber,
  formatSymbol,
  numberingKey,
  numberingYear,
  numberSeries,
  parseSymbol,
  seriesName,
} from "../../src/domain/numbering.js";
import { DOCUMENT_TYPES, documentType, type DocumentTypeDef } from "../../src/domain/vocabulary.js";

const type = (code: string) => documentType(code) as DocumentTypeDef;

function invalid(f: () => unknown): InvalidArgument {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    return e as InvalidArgument;
  }
  throw new Error("expected InvalidArgument");
}

describe("numberingYear", () => {
  it("counts the year in Vietnam's time", () => {
    expect(numberingYear(new Date("2020-12-31T23:30:00+07:00"))).toBe(2020);
    expect(numberingYear(new Date("2021-01-01T00:10:00+07:00"))).toBe(2021);
    // 1 January 00:10 in Vietnam is still 31 December in UTC.
    expect(numberingYear(new Date("2020-12-31T17:10:00Z"))).toBe(2021);
    expect(numberingYear(new Date("2020-12-31T16:59:59.999Z"))).toBe(2020);
  });
});

describe("series", () => {
  it("puts each document in its series", () => {
    expect(seriesName(numberSeries(type("QUYET_DINH"), "none"))).toBe("general");
    expect(seriesName(numberSeries(type("CONG_VAN"), "none"))).toBe("general");
    expect(seriesName(numberSeries(type("THONG_BAO"), "none"))).toBe("general");
    expect(seriesName(numberSeries(type("THONG_TU"), "none"))).toBe("vbqppl:TT");
    expect(seriesName(numberSeries(type("THONG_TU_LIEN_TICH"), "none"))).toBe("vbqppl:TTLT");
    for (const copy of ["SAO_Y", "TRICH_SAO", "SAO_LUC"]) expect(seriesName(numberSeries(type(copy), "none"))).toBe("copy");
  });

  it("any classified document takes the secret series, a classified copy or Thông tư included", () => {
    for (const s of ["mat", "toi_mat", "tuyet_mat"] as const) {
      expect(numberSeries(type("QUYET_DINH"), s)).toEqual({ kind: "secret" });
      expect(numberSeries(type("CONG_VAN"), s)).toEqual({ kind: "secret" });
    }
    expect(numberSeries(type("SAO_Y"), "mat")).toEqual({ kind: "secret" });
    expect(numberSeries(type("THONG_TU"), "mat")).toEqual({ kind: "secret" });
  });

  it("keys a number by issuing body, Vietnam year and series", () => {
    expect(numberingKey({ issuingBody: "BNV", type: type("THONG_TU"), secrecy: "none" }, new Date("2020-12-31T17:30:00Z"))).toEqual({
      issuingBody: "BNV",
      year: 2021,
      series: "vbqppl:TT",
    });
  });
});

describe("formatNumber", () => {
  it("pads below 10 only", () => {
    expect([1, 5, 9, 10, 15, 105, 1234].map(formatNumber)).toEqual(["01", "05", "09", "10", "15", "105", "1234"]);
  });
  it.each([0, -1, 1.5, Number.NaN, 1_000_000])("refuses %s", (n) => {
    invalid(() => formatNumber(n));
  });
});

describe("formatSymbol", () => {
  it("writes each series as the decree does", () => {
    expect(formatSymbol({ number: 15, type: "QUYET_DINH", issuerAbbrev: "BNV" })).toBe("15/QĐ-BNV");
    expect(formatSymbol({ number: 5, type: "CONG_VAN", issuerAbbrev: "BNV", draftingUnitAbbrev: "VP" })).toBe("05/BNV-VP");
    expect(formatSymbol({ number: 15, type: "THONG_TU", issuerAbbrev: "BNV", year: 2020 })).toBe("15/2020/TT-BNV");
    expect(formatSymbol({ number: 1, type: "SAO_Y", issuerAbbrev: "BNV" })).toBe("01/SY-BNV");
    expect(formatSymbol({ number: 3, type: "TRICH_SAO", issuerAbbrev: "BNV" })).toBe("03/TrS-BNV");
    expect(formatSymbol({ number: 12, type: "SAO_LUC", issuerAbbrev: "BNV" })).toBe("12/SL-BNV");
    expect(formatSymbol({ number: 2, type: "THONG_TU_LIEN_TICH", issuerAbbrev: "BNV-TANDTC-VKSNDTC", year: 2020 })).toBe(
      "02/2020/TTLT-BNV-TANDTC-VKSNDTC",
    );
  });

  it("ignores a drafting unit or a year the type does not carry", () => {
    expect(formatSymbol({ number: 105, type: "TO_TRINH", issuerAbbrev: "BNV", draftingUnitAbbrev: "VP", year: 2020 })).toBe("105/TTr-BNV");
  });

  it.each(DOCUMENT_TYPES.filter((t) => t.kind === "administrative" || t.kind === "copy"))("formats and parses back a $code", (t) => {
    const symbol = formatSymbol({ number: 7, type: t, issuerAbbrev: "BNV" });
    expect(symbol).toBe(`07/${t.abbrev}-BNV`);
    expect(parseSymbol(symbol)).toEqual({ number: 7, type: t, issuerAbbrev: "BNV" });
  });

  it("names every bad part", () => {
    const e = invalid(() => formatSymbol({ number: 0, type: "CONG_VAN", issuerAbbrev: "B NV" }));
    expect(e.violations.map((v) => v.field)).toEqual(["number", "issuer_abbrev", "drafting_unit_abbrev"]);
    expect(e.message).toMatch(/^Số văn bản/);
    expect(invalid(() => formatSymbol({ number: 1, type: "THONG_TU", issuerAbbrev: "BNV" })).violations[0]?.field).toBe("year");
    expect(invalid(() => formatSymbol({ number: 1, type: "NOPE", issuerAbbrev: "BNV" })).violations[0]?.field).toBe("type");
    expect(invalid(() => formatSymbol({ number: 1, type: "QUYET_DINH", issuerAbbrev: "BNV/" })).violations[0]?.field).toBe("issuer_abbrev");
    expect(
      invalid(() => formatSymbol({ number: 1, type: "CONG_VAN", issuerAbbrev: "BNV-X", draftingUnitAbbrev: "VP" })).violations[0]?.field,
    ).toBe("issuer_abbrev");
  });
});

describe("parseSymbol", () => {
  it("reads each shape", () => {
    expect(parseSymbol("15/QĐ-BNV")).toEqual({ number: 15, type: type("QUYET_DINH"), issuerAbbrev: "BNV" });
    expect(parseSymbol("05/BNV-VP")).toEqual({ number: 5, type: type("CONG_VAN"), issuerAbbrev: "BNV", draftingUnitAbbrev: "VP" });
    expect(parseSymbol("15/2020/TT-BNV")).toEqual({ number: 15, type: type("THONG_TU"), issuerAbbrev: "BNV", year: 2020 });
    expect(parseSymbol("30/2020/NĐ-CP")).toEqual({ number: 30, type: type("NGHI_DINH"), issuerAbbrev: "CP", year: 2020 });
    expect(parseSymbol("15/2020/QĐ-TTg")).toEqual({ number: 15, type: type("QUYET_DINH_QPPL"), issuerAbbrev: "TTg", year: 2020 });
    expect(parseSymbol("01/SY-BNV")).toEqual({ number: 1, type: type("SAO_Y"), issuerAbbrev: "BNV" });
    expect(parseSymbol("1234/UBND-VX").draftingUnitAbbrev).toBe("VX");
    expect(parseSymbol("  105/TTr-BNV ")).toMatchObject({ number: 105, issuerAbbrev: "BNV" });
  });

  it("is the inverse of formatSymbol", () => {
    for (const parts of [
      { number: 15, type: type("QUYET_DINH"), issuerAbbrev: "BNV" },
      { number: 5, type: type("CONG_VAN"), issuerAbbrev: "BNV", draftingUnitAbbrev: "VP" },
      { number: 15, type: type("THONG_TU"), issuerAbbrev: "BNV", year: 2020 },
    ]) {
      expect(parseSymbol(formatSymbol(parts))).toEqual(parts);
    }
  });

  it.each([
    ["", "cần dạng số/ký hiệu"],
    ["QĐ-BNV", "cần dạng số/ký hiệu"],
    ["15/QĐ/BNV/X", "cần dạng số/ký hiệu"],
    ["5/QĐ-BNV", "số nhỏ hơn 10 có số 0"],
    ["005/QĐ-BNV", "số nhỏ hơn 10 có số 0"],
    ["00/QĐ-BNV", "số nhỏ hơn 10 có số 0"],
    ["abc/QĐ-BNV", "số phải là chữ số"],
    ["15 /QĐ-BNV", "khoảng trắng"],
    ["15/QĐ - BNV", "khoảng trắng"],
    ["15/QĐBNV", "hai nhóm chữ"],
    ["15/QĐ-", "hai nhóm chữ"],
    ["15/-BNV", "hai nhóm chữ"],
    ["15/QĐ-BNV--VP", "chỉ gồm chữ và số"],
    ["15/QĐ-B.NV", "chỉ gồm chữ và số"],
    ["15/20/TT-BNV", "năm ban hành cần 4 chữ số"],
    ["15/2020/BC-BNV", "không phải loại văn bản quy phạm pháp luật"],
    ["1000000/QĐ-BNV", "lớn hơn"],
  ])("refuses %j (%s)", (text, why) => {
    const e = invalid(() => parseSymbol(text));
    expect(e.violations[0]?.field).toBe("symbol");
    expect(e.message).toContain(why);
    expect(e.message).toContain(" / symbol: Malformed symbol");
  });

  it("refuses an overlong symbol without echoing all of it", () => {
    const e = invalid(() => parseSymbol(`15/QĐ-${"B".repeat(500)}`));
    expect(e.message.length).toBeLessThan(300);
  });

  it("reads what other systems and people write when lenient", () => {
    const lenient = { lenient: true };
    expect(parseSymbol("Số: 5 / QĐ - BNV", lenient)).toEqual({ number: 5, type: type("QUYET_DINH"), issuerAbbrev: "BNV" });
    expect(parseSymbol("15/QÐ-BNV", lenient).type.code).toBe("QUYET_DINH"); // U+00D0
    expect(parseSymbol("15/ttr-BNV", lenient).type.code).toBe("TO_TRINH");
    expect(parseSymbol("15/2020/tt-BNV", lenient).type.code).toBe("THONG_TU");
    expect(() => parseSymbol("15/QÐ-BNV")).not.toThrow(); // strict: an eth is a letter, so this reads as a công văn…
    expect(parseSymbol("15/QÐ-BNV").type.code).toBe("CONG_VAN"); // …which is why other systems' symbols are read leniently
  });
});
