import { describe, expect, it } from "vitest";
import { looksLikeSymbol, matchesDocument, normalizeDocumentText, searchText, symbolKey } from "../../src/domain/search-text.js";

const notice = {
  symbol: "15/TB-BNV",
  typeName: "Thông báo",
  summary: "Thông báo kết luận của Bộ trưởng tại cuộc họp giao ban quý I năm 2020",
  content: "Đồng chí Thứ trưởng chủ trì; các đơn vị triển khai thực hiện.",
};
const decision = { symbol: "15/QĐ-BNV", typeName: "Quyết định", summary: "Về việc bổ nhiệm Vụ trưởng Vụ Tổ chức cán bộ" };

describe("full-text search without diacritics", () => {
  it.each([
    [notice, "thong bao ket luan"],
    [notice, "THÔNG BÁO kết luận"],
    [notice, "giao ban quy i"],
    [notice, "dong chi thu truong"],
    [decision, "quyet dinh"],
    [decision, "quyet dinh bo nhiem"],
    [decision, "15/qd-bnv"],
    [decision, "15/QĐ-BNV"],
    [decision, "to chuc can bo"],
  ])("finds %o by %j", (doc, query) => {
    expect(matchesDocument(doc, query)).toBe(true);
  });

  it("does not find what is not there", () => {
    expect(matchesDocument(notice, "quyet dinh")).toBe(false);
    expect(matchesDocument(decision, "thong bao")).toBe(false);
    expect(matchesDocument(decision, "16/qd-bnv")).toBe(false);
  });

  it("folds the eth that old font conversions leave for Đ", () => {
    const converted = { summary: "Quyết định về \u00d0ề án vị trí việc làm", symbol: "20/Q\u00d0-BNV" };
    expect(matchesDocument(converted, "de an vi tri")).toBe(true);
    expect(matchesDocument(converted, "20/qd-bnv")).toBe(true);
    expect(matchesDocument(decision, "15/Q\u00d0-BNV")).toBe(true);
    expect(normalizeDocumentText("\u00d0\u00f0")).toBe("dd");
  });

  it("handles decomposed input and keeps parts apart", () => {
    expect(matchesDocument(decision, "Quyết định".normalize("NFD"))).toBe(true);
    expect(searchText(decision)).toBe("15/qd-bnv | quyet dinh | ve viec bo nhiem vu truong vu to chuc can bo");
  });

  it("indexes at most the content limit", () => {
    const long = { summary: "x", content: `${"a ".repeat(300_000)}needle` };
    expect(matchesDocument(long, "needle")).toBe(false);
  });
});

describe("symbol lookup", () => {
  it("keys a symbol without diacritics, spaces or leading zeros", () => {
    expect(symbolKey("05/QĐ-BNV")).toBe("5/qd-bnv");
    expect(symbolKey("5/qd-bnv")).toBe("5/qd-bnv");
    expect(symbolKey(" 05 / Q\u00d0 - BNV ")).toBe("5/qd-bnv");
    expect(symbolKey("15/2020/TT-BNV")).toBe("15/2020/tt-bnv");
    expect(symbolKey("15/QĐ-BNV")).not.toBe(symbolKey("5/QĐ-BNV"));
    expect(symbolKey("105/QĐ-BNV")).not.toBe(symbolKey("05/QĐ-BNV"));
  });

  it("tells a symbol query from words", () => {
    expect(looksLikeSymbol("15/qd-bnv")).toBe(true);
    expect(looksLikeSymbol("05/BNV-VP")).toBe(true);
    expect(looksLikeSymbol("15/2020/TT-BNV")).toBe(true);
    expect(looksLikeSymbol("15 / QĐ - BNV")).toBe(true);
    expect(looksLikeSymbol("thong bao ket luan")).toBe(false);
    expect(looksLikeSymbol("15")).toBe(false);
    expect(looksLikeSymbol("V/v nâng lương")).toBe(false);
  });
});
