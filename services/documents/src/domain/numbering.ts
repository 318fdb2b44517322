/**
 * A document's number and symbol ("số, ký hiệu") as Decree 30/2020/NĐ-CP writes them, and which number
 * series a document takes.
 *
 * Phụ lục I, "Số, ký hiệu của văn bản": the symbol is the type abbreviation and the issuer abbreviation (for a công văn:
 * the issuer and the drafting unit); "với những số nhỏ hơn 10 phải ghi thêm số 0 phía trước"; "giữa số
 * và ký hiệu văn bản có dấu gạch chéo (/), giữa các nhóm chữ viết tắt ký hiệu văn bản có dấu gạch nối
 * (-), không cách chữ". A VBQPPL's symbol carries its year (Law on VBQPPL 2015 Art. 9 and Decree
 * 34/2016/NĐ-CP Phụ lục: "số thứ tự / năm ban hành / tên loại viết tắt - cơ quan ban hành viết tắt"),
 * "15/2020/TT-BNV".
 *
 * Series (Điều 15): numbers run from 01 on 1 January to 31 December and a body's number and symbol are
 * unique in the year. We keep, per issuing body and year:
 * - "secret": every classified document ("Văn bản mật được cấp hệ thống số riêng", Điều 15), copies and
 *   VBQPPL included, so no gap in an open series betrays that a classified document exists;
 * - "vbqppl:<abbrev>": one per VBQPPL type ("vbqppl:TT"), as the Law on VBQPPL numbers each type apart;
 * - "copy": sao y, trích sao and sao lục share one (Phụ lục I, bản sao văn bản: "được đánh chung cho các loại
 *   bản sao");
 * - "general": every other document, administrative types and công văn alike. Điều 15 leaves the
 *   administrative series to the head of the body; one series for all is the common practice and keeps
 *   "số ... là duy nhất trong một năm" true without looking at the type.
 */
import { FieldChecks, InvalidArgument } from "@ministry/platform";
import { FIELDS, MAX_ABBREV_LENGTH, MAX_DOCUMENT_NUMBER, MAX_SYMBOL_LENGTH } from "./limits.js";
import { type DocumentTypeDef, documentType, documentTypeByAbbrev, isClassified, type Secrecy } from "./vocabulary.js";

/** Vietnam keeps UTC+7 all year (no daylight saving since 1975). */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** The year a number taken at `at` belongs to: the calendar year in Vietnam (31/12 23:30 is still that year). */
export function numberingYear(at: Date): number {
  return new Date(at.getTime() + VIETNAM_OFFSET_MS).getUTCFullYear();
}

/** The series of a body's year a document takes its number from (the shape the number store keeps). */
export type NumberSeries = { kind: "vbqppl"; documentType: string } | { kind: "secret" } | { kind: "copy" } | { kind: "general" };

export function numberSeries(type: DocumentTypeDef, secrecy: Secrecy): NumberSeries {
  if (isClassified(secrecy)) return { kind: "secret" };
  if (type.kind === "vbqppl") return { kind: "vbqppl", documentType: type.abbrev ?? type.code };
  if (type.kind === "copy") return { kind: "copy" };
  return { kind: "general" };
}

/** "vbqppl:TT", "secret", "copy", "general". */
export function seriesName(series: NumberSeries): string {
  return series.kind === "vbqppl" ? `vbqppl:${series.documentType}` : series.kind;
}

export interface NumberingKey {
  issuingBody: string;
  year: number;
  /** seriesName of the series. */
  series: string;
}

/** The sequence a document issued at `at` takes its number from. */
export function numberingKey(doc: { issuingBody: string; type: DocumentTypeDef; secrecy: Secrecy }, at: Date): NumberingKey {
  return { issuingBody: doc.issuingBody, year: numberingYear(at), series: seriesName(numberSeries(doc.type, doc.secrecy)) };
}

/** "05", "15", "105": a leading zero below 10 (Phụ lục I, "Số, ký hiệu của văn bản"). */
export function formatNumber(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_DOCUMENT_NUMBER) {
    throw new InvalidArgument([
      {
        field: "number",
        description: `Số văn bản phải là số nguyên từ 1 đến ${MAX_DOCUMENT_NUMBER} / The number must be an integer from 1 to ${MAX_DOCUMENT_NUMBER}`,
      },
    ]);
  }
  return n < 10 ? `0${n}` : String(n);
}

export interface SymbolParts {
  number: number;
  /** A type, or its code ("QUYET_DINH"). */
  type: DocumentTypeDef | string;
  /** "BNV"; several groups for joint issuers ("BTP-TANDTC"), except for a công văn. */
  issuerAbbrev: string;
  /** A công văn's drafting unit ("VP"); ignored for other types, which do not carry it. */
  draftingUnitAbbrev?: string;
  /** A VBQPPL's year; ignored for other types. */
  year?: number;
}

/** One abbreviation group: letters (Đ included) and digits, no spaces, no separators. */
const GROUP = /^[\p{L}\p{N}]+$/u;

function validGroups(text: string, allowSeveral: boolean): boolean {
  if (text.length === 0 || text.length > MAX_ABBREV_LENGTH) return false;
  const groups = allowSeveral ? text.split("-") : [text];
  return groups.every((g) => GROUP.test(g));
}

function resolveType(type: DocumentTypeDef | string, checks: FieldChecks): DocumentTypeDef | undefined {
  if (typeof type !== "string") return type;
  const def = documentType(type);
  if (!def) checks.add("type", `Loại văn bản không có trong danh mục`, `Unknown document type ${type}`);
  return def;
}

/**
 * "15/QĐ-BNV", "05/BNV-VP" (công văn), "15/2020/TT-BNV" (VBQPPL), "01/SY-BNV" (copy). Every part is
 * checked; a bad one is InvalidArgument naming each problem.
 */
export function formatSymbol(parts: SymbolParts): string {
  const checks = new FieldChecks();
  const type = resolveType(parts.type, checks);
  if (!Number.isSafeInteger(parts.number) || parts.number < 1 || parts.number > MAX_DOCUMENT_NUMBER) {
    checks.add(
      "number",
      `Số văn bản phải là số nguyên từ 1 đến ${MAX_DOCUMENT_NUMBER}`,
      `The number must be an integer from 1 to ${MAX_DOCUMENT_NUMBER}`,
    );
  }
  const congVan = type?.kind === "cong_van";
  if (!validGroups(parts.issuerAbbrev, !congVan)) {
    checks.add(
      "issuer_abbrev",
      `${FIELDS.issuer.vi} chỉ gồm chữ và số${congVan ? "" : ", các nhóm nối bằng dấu gạch nối"}, tối đa ${MAX_ABBREV_LENGTH} ký tự`,
      `${FIELDS.issuer.en} must be letters and digits${congVan ? "" : ", groups joined by hyphens"}, at most ${MAX_ABBREV_LENGTH} characters`,
    );
  }
  if (congVan && !validGroups(parts.draftingUnitAbbrev ?? "", true)) {
    checks.add(
      "drafting_unit_abbrev",
      `Công văn cần ${FIELDS.draftingUnit.vi.toLowerCase()} (chữ và số, tối đa ${MAX_ABBREV_LENGTH} ký tự)`,
      `An official letter needs its ${FIELDS.draftingUnit.en.toLowerCase()} (letters and digits, at most ${MAX_ABBREV_LENGTH} characters)`,
    );
  }
  const vbqppl = type?.kind === "vbqppl";
  if (vbqppl && !(Number.isSafeInteger(parts.year) && (parts.year as number) >= 1945 && (parts.year as number) <= 9999)) {
    checks.add("year", "Văn bản quy phạm pháp luật cần năm ban hành (4 chữ số)", "A legal normative document needs its year (4 digits)");
  }
  checks.check();
  const def = type as DocumentTypeDef;
  const number = formatNumber(parts.number);
  if (def.kind === "cong_van") return `${number}/${parts.issuerAbbrev}-${parts.draftingUnitAbbrev}`;
  if (def.kind === "vbqppl") return `${number}/${parts.year}/${def.abbrev}-${parts.issuerAbbrev}`;
  return `${number}/${def.abbrev}-${parts.issuerAbbrev}`;
}

export interface ParsedSymbol {
  number: number;
  type: DocumentTypeDef;
  issuerAbbrev: string;
  /** A công văn's drafting unit. */
  draftingUnitAbbrev?: string;
  /** A VBQPPL's year. */
  year?: number;
}

export interface ParseOptions {
  /**
   * For symbols written by other agencies' systems or typed by people: a number without its leading
   * zero ("5/QĐ-BNV"), spaces around the separators, "Số:" before, any case of the type abbreviation,
   * and "Ð" (U+00D0, the Icelandic eth that old font conversions leave for "Đ"). Strict by default: the
   * decree's form exactly, so what we issue always reads back the same.
   */
  lenient?: boolean;
}

function malformed(field: string, text: string, vi: string, en: string): InvalidArgument {
  const shown = [...text].slice(0, 40).join("");
  return new InvalidArgument([
    { field, description: `Số, ký hiệu «${shown}» không đúng thể thức: ${vi} / Malformed symbol "${shown}": ${en}` },
  ]);
}

const STRICT_NUMBER = /^(0[1-9]|[1-9][0-9]+)$/;
const LENIENT_NUMBER = /^0*[1-9][0-9]*$/;

/**
 * The inverse of formatSymbol. Which shape a symbol has is read from it: three parts are a VBQPPL
 * (number/year/TYPE-ISSUER); two whose first group is an administrative or copy abbreviation are a
 * typed document (number/TYPE-ISSUER); any other two are a công văn (number/ISSUER-UNIT). An issuer whose
 * abbreviation is also a type's (none in the ministry's directory) would read as that type.
 */
export function parseSymbol(input: string, opts: ParseOptions = {}, field = "symbol"): ParsedSymbol {
  const lenient = opts.lenient === true;
  let text = input.normalize("NFC").trim();
  if ([...text].length > MAX_SYMBOL_LENGTH)
    throw malformed(field, text, `dài quá ${MAX_SYMBOL_LENGTH} ký tự`, `longer than ${MAX_SYMBOL_LENGTH} characters`);
  if (lenient) {
    text = text
      .replace(/^Số\s*:?\s*/iu, "")
      .replace(/\u00d0/gu, "Đ")
      .replace(/\u00f0/gu, "đ")
      .replace(/\s*([/-])\s*/gu, "$1");
  }
  if (/\s/u.test(text)) throw malformed(field, text, "có khoảng trắng", "it contains spaces");
  const slashes = text.split("/");
  if (slashes.length < 2 || slashes.length > 3) {
    throw malformed(field, text, "cần dạng số/ký hiệu (ví dụ 15/QĐ-BNV)", "expected number/symbol (e.g. 15/QĐ-BNV)");
  }
  const numberText = slashes[0] as string;
  if (!(lenient ? LENIENT_NUMBER : STRICT_NUMBER).test(numberText)) {
    throw malformed(
      field,
      text,
      "số phải là chữ số, số nhỏ hơn 10 có số 0 phía trước",
      "the number must be digits, with a leading zero below 10",
    );
  }
  const number = Number(numberText);
  if (number > MAX_DOCUMENT_NUMBER)
    throw malformed(field, text, `số lớn hơn ${MAX_DOCUMENT_NUMBER}`, `the number exceeds ${MAX_DOCUMENT_NUMBER}`);

  const symbol = slashes[slashes.length - 1] as string;
  const hyphen = symbol.indexOf("-");
  if (hyphen <= 0 || hyphen === symbol.length - 1) {
    throw malformed(field, text, "ký hiệu cần hai nhóm chữ nối bằng dấu gạch nối", "the symbol needs two groups joined by a hyphen");
  }
  const first = symbol.slice(0, hyphen);
  const rest = symbol.slice(hyphen + 1);
  if (!validGroups(first, false) || !validGroups(rest, true)) {
    throw malformed(field, text, "các nhóm chữ viết tắt chỉ gồm chữ và số", "abbreviation groups must be letters and digits");
  }

  if (slashes.length === 3) {
    const yearText = slashes[1] as string;
    if (!/^\d{4}$/.test(yearText) || Number(yearText) < 1945) {
      throw malformed(field, text, "năm ban hành cần 4 chữ số", "the year must be 4 digits");
    }
    const type = documentTypeByAbbrev(first, { vbqppl: true, ignoreCase: lenient });
    if (!type)
      throw malformed(
        field,
        text,
        `«${first}» không phải loại văn bản quy phạm pháp luật`,
        `"${first}" is not a legal normative document type`,
      );
    return { number, type, issuerAbbrev: rest, year: Number(yearText) };
  }
  const type = documentTypeByAbbrev(first, { vbqppl: false, ignoreCase: lenient });
  if (type) return { number, type, issuerAbbrev: rest };
  return { number, type: documentType("CONG_VAN") as DocumentTypeDef, issuerAbbrev: first, draftingUnitAbbrev: rest };
}
