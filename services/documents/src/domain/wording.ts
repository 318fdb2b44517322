/**
 * The lines of a document the decree words exactly (Decree 30/2020/NĐ-CP, Phụ lục I): the
 * number line, the place and date, a công văn's summary, the signer block and "Nơi nhận".
 */
import { ENGLISH_MONTHS, FieldChecks } from "@ministry/platform";
import {
  FIELDS,
  MAX_NAME_LENGTH,
  MAX_PLACE_LENGTH,
  MAX_RECIPIENT_LENGTH,
  MAX_RECIPIENTS,
  MAX_SUMMARY_LENGTH,
  MAX_TITLE_LENGTH,
} from "./limits.js";
import { SIGNING_PREFIXES, type SigningPrefix } from "./vocabulary.js";

/** Vietnam keeps UTC+7 all year (no daylight saving since 1975). */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

export interface CalendarDate {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

/** The calendar date of an instant in Vietnam (Asia/Ho_Chi_Minh). */
export function vietnamDate(at: Date): CalendarDate {
  const local = new Date(at.getTime() + VIETNAM_OFFSET_MS);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/**
 * "ngày 05 tháng 01 năm 2020", "ngày 15 tháng 02 năm 2020", "ngày 20 tháng 3 năm 2020".
 * Phụ lục I, "Địa danh và thời gian ban hành văn bản": "các số thể hiện ngày, tháng, năm dùng chữ số Ả Rập; đối với những số thể hiện
 * ngày nhỏ hơn 10 và tháng 1, 2 phải ghi thêm số 0 phía trước" — days 1–9 and months 1 and 2 only
 * (so nobody can turn "tháng 1" into "tháng 11" or "tháng 2" into "tháng 12"); March to September stay
 * one digit.
 */
export function writtenDate(date: CalendarDate): string {
  const day = date.day < 10 ? `0${date.day}` : String(date.day);
  const month = date.month <= 2 ? `0${date.month}` : String(date.month);
  return `ngày ${day} tháng ${month} năm ${date.year}`;
}

/** "Hà Nội, ngày 05 tháng 01 năm 2020" for an instant, in Vietnam's time. */
export function placeAndDate(place: string, at: Date): string {
  const checks = new FieldChecks();
  const trimmed = place.trim();
  if (trimmed.length === 0) checks.add("place", "Cần địa danh", "The place is required");
  checks.length("place", trimmed, MAX_PLACE_LENGTH, FIELDS.place);
  checks.check();
  return `${trimmed}, ${writtenDate(vietnamDate(at))}`;
}

/** The English rendering of a date, for the English half of a message: "5 January 2020". */
export function englishDate(date: CalendarDate): string {
  return `${date.day} ${ENGLISH_MONTHS[date.month - 1]} ${date.year}`;
}

/** "Số: 15/QĐ-BNV" ("Số" then a colon). */
export function numberLine(symbol: string): string {
  return `Số: ${symbol}`;
}

/**
 * A công văn's summary under its number: "V/v nâng bậc lương năm 2020" (Phụ lục I, "Tên loại và trích yếu nội dung"). A summary that
 * already starts with "V/v" is not prefixed twice.
 */
export function congVanSummaryLine(summary: string): string {
  const text = summary
    .trim()
    .replace(/^V\/v\s*/iu, "")
    .trim();
  const checks = new FieldChecks();
  if (text.length === 0) checks.add("summary", "Cần trích yếu nội dung công văn", "The official letter's summary is required");
  checks.length("summary", text, MAX_SUMMARY_LENGTH, FIELDS.summary);
  checks.check();
  return `V/v ${text}`;
}

export interface Signer {
  prefix: SigningPrefix;
  /**
   * The authority the document is signed for ("Bộ trưởng", "Chính phủ"); with no prefix, the head's own
   * title ("Bộ trưởng").
   */
  authority: string;
  /** The signer's own position ("Thứ trưởng"); needed with TM., KT., TL., TUQ. (not with Q. or none). */
  position?: string;
  /**
   * TL. only: the unit head whose deputy signs ("Chánh Văn phòng"), Điều 13: "Người được ký thừa lệnh
   * được giao lại cho cấp phó ký thay" — the block gets a "KT. CHÁNH VĂN PHÒNG" line. TUQ. cannot be
   * passed on ("không được ủy quyền lại").
   */
  deputyOf?: string;
  /** Full name, without academic titles (Phụ lục I). */
  name: string;
}

function upper(text: string): string {
  return text.trim().toLocaleUpperCase("vi");
}

/**
 * The signer block's lines, above the signature and the name (Phụ lục I): "KT. BỘ TRƯỞNG", "THỨ TRƯỞNG",
 * then the name; "Q. BỘ TRƯỞNG" and the head's own "BỘ TRƯỞNG" have no second title line.
 */
export function signerBlock(signer: Signer): string[] {
  const checks = new FieldChecks();
  const needsPosition = signer.prefix !== "none" && signer.prefix !== "Q";
  if (signer.authority.trim().length === 0) checks.add("authority", "Cần quyền hạn, chức vụ", "The authority is required");
  checks.length("authority", signer.authority, MAX_TITLE_LENGTH, FIELDS.title);
  if (needsPosition && (signer.position ?? "").trim().length === 0) {
    checks.add(
      "position",
      `Ký ${SIGNING_PREFIXES[signer.prefix].label} cần chức vụ của người ký`,
      `Signing ${SIGNING_PREFIXES[signer.prefix].label} needs the signer's position`,
    );
  }
  checks.length("position", signer.position, MAX_TITLE_LENGTH, FIELDS.title);
  if (signer.deputyOf !== undefined && signer.prefix !== "TL") {
    checks.add(
      "deputy_of",
      "Chỉ văn bản ký thừa lệnh (TL.) mới được giao lại cho cấp phó ký thay",
      "Only a TL. signature can be passed to a deputy",
    );
  }
  checks.length("deputy_of", signer.deputyOf, MAX_TITLE_LENGTH, FIELDS.title);
  if (signer.name.trim().length === 0) checks.add("name", "Cần họ tên người ký", "The signer's name is required");
  checks.length("name", signer.name, MAX_NAME_LENGTH, FIELDS.name);
  checks.check();

  const name = signer.name.trim();
  if (!needsPosition) {
    const label = SIGNING_PREFIXES[signer.prefix].label;
    return [label ? `${label} ${upper(signer.authority)}` : upper(signer.authority), name];
  }
  const lines = [`${SIGNING_PREFIXES[signer.prefix].label} ${upper(signer.authority)}`];
  if (signer.deputyOf !== undefined) lines.push(`${SIGNING_PREFIXES.KT.label} ${upper(signer.deputyOf)}`);
  lines.push(upper(signer.position as string), name);
  return lines;
}

/**
 * "Nơi nhận:" then one line per recipient, "- " before and ";" after, and last "- Lưu: VT, <unit>." (Phụ lục I,
 * "Nơi nhận": "dòng cuối cùng bao gồm chữ 'Lưu' sau có dấu hai chấm, tiếp theo là chữ viết tắt 'VT', dấu
 * phẩy, chữ viết tắt tên đơn vị soạn thảo ... cuối cùng là dấu chấm"). Recipients written with their own
 * dash or final punctuation are not doubled.
 */
export function recipientsBlock(recipients: readonly string[], keptBy: string | readonly string[]): string[] {
  const units = (typeof keptBy === "string" ? [keptBy] : [...keptBy]).map((u) => u.trim()).filter((u) => u.length > 0);
  const checks = new FieldChecks();
  checks.texts("recipients", recipients, MAX_RECIPIENTS, MAX_RECIPIENT_LENGTH, FIELDS.recipients);
  if (units.length === 0) checks.add("kept_by", "Cần đơn vị soạn thảo lưu văn bản", "The drafting unit keeping the file copy is required");
  checks.check();
  const lines = recipients
    .map((r) =>
      r
        .trim()
        .replace(/^-\s*/u, "")
        .replace(/[;.,]+$/u, "")
        .trim(),
    )
    .filter((r) => r.length > 0)
    .map((r) => `- ${r};`);
  return ["Nơi nhận:", ...lines, `- Lưu: VT, ${units.join(", ")}.`];
}
