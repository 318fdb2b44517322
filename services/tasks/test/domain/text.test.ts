import { describe, expect, it } from "vitest";
import { matchesSearch, normalizeForSearch } from "../../src/domain/text.js";

describe("normalizeForSearch", () => {
  it("drops diacritics, lowers case and maps đ/Đ to d", () => {
    expect(normalizeForSearch("Nghị định về Đà Nẵng")).toBe("nghi dinh ve da nang");
    expect(normalizeForSearch("ĐỀ ÁN đổi mới")).toBe("de an doi moi");
    expect(normalizeForSearch("Ủy ban Thường vụ Quốc hội")).toBe("uy ban thuong vu quoc hoi");
    expect(normalizeForSearch("Quý II")).toBe("quy ii");
  });
  it("gives the same result for precomposed (NFC) and decomposed (NFD) input", () => {
    const s = "Bộ Nội vụ – Vụ Tổ chức cán bộ";
    expect(normalizeForSearch(s.normalize("NFD"))).toBe(normalizeForSearch(s.normalize("NFC")));
    expect(normalizeForSearch(s)).toBe("bo noi vu – vu to chuc can bo");
  });
  it("collapses and trims whitespace, including tabs, newlines and no-break spaces", () => {
    expect(normalizeForSearch("  Thông\t tư \n\n số\u00a001 ")).toBe("thong tu so 01");
  });
  it("is idempotent and leaves plain ASCII alone", () => {
    const once = normalizeForSearch("Chương trình công tác năm 2020");
    expect(normalizeForSearch(once)).toBe(once);
    expect(normalizeForSearch("abc 123")).toBe("abc 123");
    expect(normalizeForSearch("")).toBe("");
  });
});

describe("matchesSearch", () => {
  it("finds every query word regardless of diacritics and order", () => {
    expect(matchesSearch("Nghị định về Đà Nẵng", "da nang nghi")).toBe(true);
    expect(matchesSearch("Nghị định về Đà Nẵng", "Đà nẵng")).toBe(true);
    expect(matchesSearch("Nghị định về Đà Nẵng", "thong tu")).toBe(false);
    expect(matchesSearch("anything", "   ")).toBe(true);
  });
});
