import { describe, expect, it } from "vitest";
import {
  clearanceCovers,
  DOCUMENT_TYPES,
  documentType,
  documentTypeByAbbrev,
  isUrgent,
  SECRECIES,
  SIGNING_PREFIXES,
  URGENCIES,
} from "../../src/domain/vocabulary.js";

// Decree 30/2020/NĐ-CP, Phụ lục III, as DOMAIN.md lists it.
const DECREE_ABBREVIATIONS: [string, string, string][] = [
  ["NGHI_QUYET", "Nghị quyết", "NQ"],
  ["QUYET_DINH", "Quyết định", "QĐ"],
  ["CHI_THI", "Chỉ thị", "CT"],
  ["QUY_CHE", "Quy chế", "QC"],
  ["QUY_DINH", "Quy định", "QyĐ"],
  ["THONG_CAO", "Thông cáo", "TC"],
  ["THONG_BAO", "Thông báo", "TB"],
  ["HUONG_DAN", "Hướng dẫn", "HD"],
  ["CHUONG_TRINH", "Chương trình", "CTr"],
  ["KE_HOACH", "Kế hoạch", "KH"],
  ["PHUONG_AN", "Phương án", "PA"],
  ["DE_AN", "Đề án", "ĐA"],
  ["DU_AN", "Dự án", "DA"],
  ["BAO_CAO", "Báo cáo", "BC"],
  ["BIEN_BAN", "Biên bản", "BB"],
  ["TO_TRINH", "Tờ trình", "TTr"],
  ["HOP_DONG", "Hợp đồng", "HĐ"],
  ["CONG_DIEN", "Công điện", "CĐ"],
  ["BAN_GHI_NHO", "Bản ghi nhớ", "BGN"],
  ["BAN_THOA_THUAN", "Bản thỏa thuận", "BTT"],
  ["GIAY_UY_QUYEN", "Giấy ủy quyền", "GUQ"],
  ["GIAY_MOI", "Giấy mời", "GM"],
  ["GIAY_GIOI_THIEU", "Giấy giới thiệu", "GGT"],
  ["GIAY_NGHI_PHEP", "Giấy nghỉ phép", "GNP"],
  ["PHIEU_GUI", "Phiếu gửi", "PG"],
  ["PHIEU_CHUYEN", "Phiếu chuyển", "PC"],
  ["PHIEU_BAO", "Phiếu báo", "PB"],
];

describe("document types", () => {
  it.each(DECREE_ABBREVIATIONS)("%s is %s, abbreviated %s, administrative", (code, vi, abbrev) => {
    const t = documentType(code);
    expect(t).toMatchObject({ code, vi, abbrev, kind: "administrative", issuedByMinistry: true });
    expect(t?.en.length).toBeGreaterThan(0);
    expect(documentTypeByAbbrev(abbrev, { vbqppl: false })).toBe(t);
  });

  it.each([
    ["SAO_Y", "Bản sao y", "SY"],
    ["TRICH_SAO", "Bản trích sao", "TrS"],
    ["SAO_LUC", "Bản sao lục", "SL"],
  ])("the copy %s is %s, abbreviated %s", (code, vi, abbrev) => {
    expect(documentType(code)).toMatchObject({ vi, abbrev, kind: "copy" });
  });

  it("a công văn has no abbreviation", () => {
    expect(documentType("CONG_VAN")).toMatchObject({ vi: "Công văn", abbrev: null, kind: "cong_van" });
  });

  it("the Thông tư is a VBQPPL the ministry issues; a Nghị định only comes in", () => {
    expect(documentType("THONG_TU")).toMatchObject({ vi: "Thông tư", abbrev: "TT", kind: "vbqppl", issuedByMinistry: true });
    expect(documentType("NGHI_DINH")).toMatchObject({ abbrev: "NĐ", kind: "vbqppl", issuedByMinistry: false });
  });

  it("codes are ASCII and unique; abbreviations are unique within administrative/copy and within VBQPPL", () => {
    const codes = DOCUMENT_TYPES.map((t) => t.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^[A-Z_]+$/);
    const open = DOCUMENT_TYPES.filter((t) => t.abbrev && t.kind !== "vbqppl").map((t) => t.abbrev);
    const legal = DOCUMENT_TYPES.filter((t) => t.kind === "vbqppl").map((t) => t.abbrev);
    expect(new Set(open).size).toBe(open.length);
    expect(new Set(legal).size).toBe(legal.length);
    expect(DOCUMENT_TYPES).toHaveLength(DECREE_ABBREVIATIONS.length + 1 + 3 + 5);
  });

  it("NQ and QĐ name an administrative or a VBQPPL type depending on the symbol's shape", () => {
    expect(documentTypeByAbbrev("QĐ", { vbqppl: false })?.code).toBe("QUYET_DINH");
    expect(documentTypeByAbbrev("QĐ", { vbqppl: true })?.code).toBe("QUYET_DINH_QPPL");
    expect(documentTypeByAbbrev("NQ", { vbqppl: true })?.code).toBe("NGHI_QUYET_QPPL");
  });

  it("abbreviations match case exactly unless asked", () => {
    expect(documentTypeByAbbrev("TTR", { vbqppl: false })).toBeUndefined();
    expect(documentTypeByAbbrev("TTR", { vbqppl: false, ignoreCase: true })?.code).toBe("TO_TRINH");
    expect(documentTypeByAbbrev("qđ", { vbqppl: false, ignoreCase: true })?.code).toBe("QUYET_DINH");
    expect(documentTypeByAbbrev("CV", { vbqppl: false })).toBeUndefined();
  });
});

describe("urgency, secrecy, signing prefixes", () => {
  it("labels urgency and secrecy in Vietnamese", () => {
    expect([URGENCIES.khan.vi, URGENCIES.thuong_khan.vi, URGENCIES.hoa_toc.vi]).toEqual(["Khẩn", "Thượng khẩn", "Hỏa tốc"]);
    expect([SECRECIES.mat.vi, SECRECIES.toi_mat.vi, SECRECIES.tuyet_mat.vi]).toEqual(["Mật", "Tối mật", "Tuyệt mật"]);
    expect(isUrgent("normal")).toBe(false);
    expect(isUrgent("hoa_toc")).toBe(true);
  });

  it("a clearance covers its level and the ones below", () => {
    expect(clearanceCovers("toi_mat", "mat")).toBe(true);
    expect(clearanceCovers("toi_mat", "toi_mat")).toBe(true);
    expect(clearanceCovers("toi_mat", "tuyet_mat")).toBe(false);
    expect(clearanceCovers("none", "mat")).toBe(false);
    expect(clearanceCovers("none", "none")).toBe(true);
  });

  it("has the decree's five prefixes with their dot", () => {
    expect(Object.values(SIGNING_PREFIXES).map((p) => p.label)).toEqual(["", "TM.", "Q.", "KT.", "TL.", "TUQ."]);
    expect(SIGNING_PREFIXES.KT.vi).toContain("Ký thay");
    expect(SIGNING_PREFIXES.TUQ.vi).toContain("Thừa ủy quyền");
  });
});
