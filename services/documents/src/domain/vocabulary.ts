/**
 * The words of Decree 30/2020/NĐ-CP as data: the document types with their abbreviations (Phụ lục III,
 * "Bảng chữ viết tắt tên loại văn bản và bản sao"), the legal normative types (VBQPPL) a ministry issues
 * or receives, urgency ("độ khẩn"), secrecy ("độ mật") and the signing prefixes of Điều 13.
 *
 * Codes are ASCII and stable (stored, sent in events); the Vietnamese words are what people read.
 */

export interface Words {
  vi: string;
  en: string;
}

/**
 * administrative: a typed administrative document ("15/QĐ-BNV"); cong_van: an official letter, no type
 * abbreviation ("05/BNV-VP"); copy: sao y, trích sao, sao lục ("01/SY-BNV"); vbqppl: a legal normative
 * document, symbol with the year ("15/2020/TT-BNV").
 */
export type DocumentKind = "administrative" | "cong_van" | "copy" | "vbqppl";

export interface DocumentTypeDef extends Words {
  /** Stable ASCII code ("QUYET_DINH"). */
  code: string;
  /** The decree's abbreviation, exactly as written there ("QĐ", "QyĐ", "TTr"); null for a công văn. */
  abbrev: string | null;
  kind: DocumentKind;
  /**
   * Whether a ministry issues this type itself. Every administrative type, công văn and copy: yes. Of the
   * VBQPPL: Thông tư (the Minister's), and Thông tư liên tịch (with the Supreme Court or Procuracy, Law
   * on VBQPPL 2015 Art. 4); Nghị định, Nghị quyết and Quyết định (QPPL) are only received (Government,
   * Prime Minister).
   */
  issuedByMinistry: boolean;
}

function administrative(code: string, abbrev: string, vi: string, en: string): DocumentTypeDef {
  return { code, abbrev, vi, en, kind: "administrative", issuedByMinistry: true };
}

function copy(code: string, abbrev: string, vi: string, en: string): DocumentTypeDef {
  return { code, abbrev, vi, en, kind: "copy", issuedByMinistry: true };
}

function vbqppl(code: string, abbrev: string, vi: string, en: string, issuedByMinistry: boolean): DocumentTypeDef {
  return { code, abbrev, vi, en, kind: "vbqppl", issuedByMinistry };
}

/** Every type, in the decree's order (administrative types, công văn, copies), then the VBQPPL. */
export const DOCUMENT_TYPES: readonly DocumentTypeDef[] = [
  administrative("NGHI_QUYET", "NQ", "Nghị quyết", "Resolution"),
  administrative("QUYET_DINH", "QĐ", "Quyết định", "Decision"),
  administrative("CHI_THI", "CT", "Chỉ thị", "Directive"),
  administrative("QUY_CHE", "QC", "Quy chế", "Regulation"),
  administrative("QUY_DINH", "QyĐ", "Quy định", "Rules"),
  administrative("THONG_CAO", "TC", "Thông cáo", "Communiqué"),
  administrative("THONG_BAO", "TB", "Thông báo", "Notice"),
  administrative("HUONG_DAN", "HD", "Hướng dẫn", "Guidance"),
  administrative("CHUONG_TRINH", "CTr", "Chương trình", "Programme"),
  administrative("KE_HOACH", "KH", "Kế hoạch", "Plan"),
  administrative("PHUONG_AN", "PA", "Phương án", "Option plan"),
  administrative("DE_AN", "ĐA", "Đề án", "Scheme"),
  administrative("DU_AN", "DA", "Dự án", "Project"),
  administrative("BAO_CAO", "BC", "Báo cáo", "Report"),
  administrative("BIEN_BAN", "BB", "Biên bản", "Minutes"),
  administrative("TO_TRINH", "TTr", "Tờ trình", "Submission"),
  administrative("HOP_DONG", "HĐ", "Hợp đồng", "Contract"),
  administrative("CONG_DIEN", "CĐ", "Công điện", "Official dispatch (telegram)"),
  administrative("BAN_GHI_NHO", "BGN", "Bản ghi nhớ", "Memorandum of understanding"),
  administrative("BAN_THOA_THUAN", "BTT", "Bản thỏa thuận", "Agreement"),
  administrative("GIAY_UY_QUYEN", "GUQ", "Giấy ủy quyền", "Letter of authorisation"),
  administrative("GIAY_MOI", "GM", "Giấy mời", "Invitation"),
  administrative("GIAY_GIOI_THIEU", "GGT", "Giấy giới thiệu", "Letter of introduction"),
  administrative("GIAY_NGHI_PHEP", "GNP", "Giấy nghỉ phép", "Leave permit"),
  administrative("PHIEU_GUI", "PG", "Phiếu gửi", "Dispatch slip"),
  administrative("PHIEU_CHUYEN", "PC", "Phiếu chuyển", "Transfer slip"),
  administrative("PHIEU_BAO", "PB", "Phiếu báo", "Advice slip"),
  { code: "CONG_VAN", abbrev: null, vi: "Công văn", en: "Official letter", kind: "cong_van", issuedByMinistry: true },
  copy("SAO_Y", "SY", "Bản sao y", "Certified copy"),
  copy("TRICH_SAO", "TrS", "Bản trích sao", "Extract copy"),
  copy("SAO_LUC", "SL", "Bản sao lục", "Transcribed copy"),
  vbqppl("THONG_TU", "TT", "Thông tư", "Circular", true),
  vbqppl("THONG_TU_LIEN_TICH", "TTLT", "Thông tư liên tịch", "Joint circular", true),
  vbqppl("NGHI_DINH", "NĐ", "Nghị định", "Decree", false),
  vbqppl("NGHI_QUYET_QPPL", "NQ", "Nghị quyết (quy phạm pháp luật)", "Resolution (legal normative)", false),
  vbqppl("QUYET_DINH_QPPL", "QĐ", "Quyết định (quy phạm pháp luật)", "Decision (legal normative)", false),
];

const BY_CODE = new Map(DOCUMENT_TYPES.map((t) => [t.code, t]));

/** The type of a code, or undefined for a code no type has. */
export function documentType(code: string): DocumentTypeDef | undefined {
  return BY_CODE.get(code);
}

/**
 * The type an abbreviation names. The same letters name an administrative and a VBQPPL type (NQ, QĐ):
 * a symbol with a year is a VBQPPL, so the caller says which it reads. `ignoreCase` for symbols typed by
 * people or written by other systems ("Qđ"); the decree's own abbreviations differ by more than case.
 */
export function documentTypeByAbbrev(abbrev: string, opts: { vbqppl: boolean; ignoreCase?: boolean }): DocumentTypeDef | undefined {
  const wanted = opts.ignoreCase ? abbrev.toLocaleUpperCase("vi") : abbrev;
  return DOCUMENT_TYPES.find(
    (t) =>
      t.abbrev !== null &&
      (t.kind === "vbqppl") === opts.vbqppl &&
      (opts.ignoreCase ? t.abbrev.toLocaleUpperCase("vi") : t.abbrev) === wanted,
  );
}

/** Độ khẩn (Decree 30 Phụ lục I): a normal document has none. */
export type Urgency = "normal" | "khan" | "thuong_khan" | "hoa_toc";

export const URGENCIES: Record<Urgency, Words & { rank: number }> = {
  normal: { vi: "Thường", en: "Normal", rank: 0 },
  khan: { vi: "Khẩn", en: "Urgent", rank: 1 },
  thuong_khan: { vi: "Thượng khẩn", en: "Very urgent", rank: 2 },
  hoa_toc: { vi: "Hỏa tốc", en: "Flash", rank: 3 },
};

/** Urgent documents are registered and passed on at once (Decree 30, văn bản đến). */
export function isUrgent(urgency: Urgency): boolean {
  return urgency !== "normal";
}

/** Độ mật (Law on Protection of State Secrets 2018): a document without is "none". */
export type Secrecy = "none" | "mat" | "toi_mat" | "tuyet_mat";

export const SECRECIES: Record<Secrecy, Words & { rank: number }> = {
  none: { vi: "Thường", en: "Unclassified", rank: 0 },
  mat: { vi: "Mật", en: "Confidential", rank: 1 },
  toi_mat: { vi: "Tối mật", en: "Secret", rank: 2 },
  tuyet_mat: { vi: "Tuyệt mật", en: "Top secret", rank: 3 },
};

export function isClassified(secrecy: Secrecy): boolean {
  return secrecy !== "none";
}

/** Whether a clearance reaches a document's secrecy (a "Tối mật" clearance reads "Mật" too). */
export function clearanceCovers(clearance: Secrecy, secrecy: Secrecy): boolean {
  return SECRECIES[clearance].rank >= SECRECIES[secrecy].rank;
}

/**
 * The signing prefixes of Decree 30 Điều 13 (written before the authority's title, "KT. BỘ TRƯỞNG");
 * "none" when the head signs in their own name.
 */
export type SigningPrefix = "none" | "TM" | "Q" | "KT" | "TL" | "TUQ";

export const SIGNING_PREFIXES: Record<SigningPrefix, Words & { label: string }> = {
  none: { label: "", vi: "Người đứng đầu ký", en: "Signed by the head" },
  TM: { label: "TM.", vi: "Thay mặt (tập thể lãnh đạo)", en: "On behalf of (a collective body)" },
  Q: { label: "Q.", vi: "Quyền (người được giao quyền cấp trưởng)", en: "Acting (for the head)" },
  KT: { label: "KT.", vi: "Ký thay (cấp phó ký thay cấp trưởng)", en: "Signed for (a deputy for the head)" },
  TL: { label: "TL.", vi: "Thừa lệnh (người đứng đầu đơn vị được giao)", en: "By order (a unit head, by order of the head)" },
  TUQ: { label: "TUQ.", vi: "Thừa ủy quyền (không được ủy quyền lại)", en: "By authorisation (not delegable further)" },
};
