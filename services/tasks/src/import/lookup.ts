/**
 * Recognising the words people type in a programme file: headings, kinds, authorities, units and
 * priorities, by code or by name, ignoring case, diacritics and punctuation ("Nghi dinh", "NGHI_DINH",
 * "Nghị định" are the same kind). Lists come from the vocabulary (configurable); the few extra short
 * forms below apply only to codes the vocabulary has.
 */
import { normalizeForSearch } from "../domain/text.js";
import type { TaskVocabulary } from "../domain/task.js";
import { AUTHORITIES, PRIORITIES, type AuthorityCode, type Priority } from "../domain/vocabulary.js";

/** The comparison key: normalizeForSearch, then punctuation (.,;:-–—_/()) as spaces, collapsed. */
export function lookupKey(text: string): string {
  return normalizeForSearch(text)
    .replace(/[.,;:\-–—_/()[\]"'*]+/gu, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

/**
 * A map from keys to codes. Primary keys (code, Vietnamese and English names) win over aliases; an alias
 * two codes share is dropped (ambiguous), never guessed.
 */
export class Lookup<T extends string = string> {
  private readonly primary = new Map<string, T>();
  private readonly aliases = new Map<string, T | null>();

  addPrimary(text: string, value: T): this {
    const key = lookupKey(text);
    if (key !== "" && !this.primary.has(key)) this.primary.set(key, value);
    return this;
  }

  addAlias(text: string, value: T): this {
    const key = lookupKey(text);
    if (key === "") return this;
    const existing = this.aliases.get(key);
    if (existing === undefined) this.aliases.set(key, value);
    else if (existing !== value) this.aliases.set(key, null);
    return this;
  }

  get(text: string): T | undefined {
    const key = lookupKey(text);
    if (key === "") return undefined;
    return this.primary.get(key) ?? this.aliases.get(key) ?? undefined;
  }
}

/** Short forms of kind names (Decree 30/2020 abbreviations and everyday forms), by kind code. */
const KIND_ALIASES: Record<string, readonly string[]> = {
  LUAT: ["Dự án Luật", "Dự án luật", "Law project"],
  NQ_QH: ["Nghị quyết Quốc hội", "NQ-QH"],
  NQ_UBTVQH: ["Nghị quyết Ủy ban Thường vụ Quốc hội", "Nghị quyết UBTVQH", "Nghị quyết của UBTVQH", "NQ-UBTVQH"],
  PHAP_LENH: ["PL-UBTVQH"],
  NGHI_DINH: ["NĐ-CP", "NĐ"],
  NQ_CP: ["Nghị quyết Chính phủ", "NQ-CP"],
  QD_TTG: [
    "Quyết định của Thủ tướng",
    "Quyết định Thủ tướng Chính phủ",
    "Quyết định Thủ tướng",
    "Quyết định của TTg",
    "Quyết định TTg",
    "QĐ-TTg",
  ],
  THONG_TU: ["Thông tư của Bộ trưởng", "TT-BNV"],
  DE_AN: ["ĐA"],
  BAO_CAO: ["BC"],
  TO_TRINH: ["TTr"],
  KE_HOACH: ["KH"],
  CHUONG_TRINH: ["CTr"],
  VAN_BAN_KHAC: ["Khác", "Văn bản"],
};

const AUTHORITY_ALIASES: Record<AuthorityCode, readonly string[]> = {
  QUOC_HOI: ["QH"],
  UBTVQH: ["Ủy ban Thường vụ QH"],
  CHINH_PHU: ["CP"],
  THU_TUONG: ["Thủ tướng", "TTg", "TTgCP"],
  BO_TRUONG: ["Bộ trưởng Bộ Nội vụ", "Bộ trưởng BNV", "Lãnh đạo Bộ"],
};

/** Everyday names of the Ministry of Home Affairs' units, by unit id. */
const UNIT_ALIASES: Record<string, readonly string[]> = {
  VP: ["Văn phòng"],
  TTR: ["Thanh tra"],
  VTLT: ["Cục Văn thư và Lưu trữ", "Cục VTLTNN"],
  TDKT: ["Ban Thi đua - Khen thưởng", "Ban TĐKT", "Ban TĐKT TW"],
  TGCP: ["Ban Tôn giáo", "Ban TGCP"],
};

/** The leading word of a unit's name that people often leave out ("Vụ Tiền lương" → "Tiền lương"). */
const UNIT_TYPE_PREFIX = /^(Vụ|Cục|Ban)\s+/u;

export const PRIORITY_LABELS: Record<Priority, { vi: string; en: string }> = {
  normal: { vi: "Bình thường", en: "Normal" },
  high: { vi: "Cao", en: "High" },
  urgent: { vi: "Khẩn", en: "Urgent" },
};

const PRIORITY_ALIASES: Record<Priority, readonly string[]> = {
  normal: ["Thường"],
  high: ["Quan trọng"],
  urgent: ["Khẩn cấp", "Gấp"],
};

export interface VocabularyLookups {
  kinds: Lookup;
  authorities: Lookup<AuthorityCode>;
  units: Lookup;
  priorities: Lookup<Priority>;
}

export function buildLookups(vocabulary: TaskVocabulary): VocabularyLookups {
  const kinds = new Lookup();
  for (const k of vocabulary.kinds) kinds.addPrimary(k.code, k.code).addPrimary(k.vi, k.code).addPrimary(k.en, k.code);
  for (const k of vocabulary.kinds) for (const alias of KIND_ALIASES[k.code] ?? []) kinds.addAlias(alias, k.code);

  const authorities = new Lookup<AuthorityCode>();
  for (const a of AUTHORITIES) authorities.addPrimary(a.code, a.code).addPrimary(a.vi, a.code).addPrimary(a.en, a.code);
  for (const a of AUTHORITIES) for (const alias of AUTHORITY_ALIASES[a.code]) authorities.addAlias(alias, a.code);

  const units = new Lookup();
  for (const u of vocabulary.units) units.addPrimary(u.id, u.id).addPrimary(u.vi, u.id).addPrimary(u.en, u.id);
  for (const u of vocabulary.units) {
    const short = u.vi.replace(UNIT_TYPE_PREFIX, "");
    if (short !== u.vi) units.addAlias(short, u.id);
    for (const alias of UNIT_ALIASES[u.id] ?? []) units.addAlias(alias, u.id);
  }

  const priorities = new Lookup<Priority>();
  for (const p of PRIORITIES) priorities.addPrimary(p, p).addPrimary(PRIORITY_LABELS[p].vi, p).addPrimary(PRIORITY_LABELS[p].en, p);
  for (const p of PRIORITIES) for (const alias of PRIORITY_ALIASES[p]) priorities.addAlias(alias, p);

  return { kinds, authorities, units, priorities };
}

/**
 * How many comma-separated pieces one unit's name may span: the ministry's longest has four ("Vụ Đào
 * tạo, bồi dưỡng cán bộ, công chức, viên chức"). Bounding the join keeps a cell of many commas linear.
 */
const MAX_UNIT_NAME_PIECES = 8;

/**
 * Units named in one cell: separated by ";" or new lines, or by "," — but a unit's own name may hold
 * commas ("Vụ Đào tạo, bồi dưỡng cán bộ, công chức, viên chức"), so comma-separated pieces are joined
 * back, longest first, when together they name a unit. Unrecognised pieces are returned as written.
 */
export function splitUnits(text: string, units: Lookup): { ids: string[]; unknown: string[] } {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const segment of text.split(/[;\n\r]+/u)) {
    const parts = segment.split(",").map((p) => p.trim());
    let i = 0;
    while (i < parts.length) {
      if (parts[i] === "") {
        i += 1;
        continue;
      }
      let matched = false;
      for (let j = Math.min(parts.length, i + MAX_UNIT_NAME_PIECES); j > i; j -= 1) {
        const id = units.get(parts.slice(i, j).join(", "));
        if (id !== undefined) {
          ids.push(id);
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) {
        unknown.push(parts[i]);
        i += 1;
      }
    }
  }
  return { ids, unknown };
}
