/**
 * What a document is found by. Full text goes through the platform's normalisation (no case, no
 * diacritics, "Đ" as "d"), so "thong bao ket luan" finds "Thông báo kết luận". What is specific to
 * documents:
 * - "Ð" (U+00D0, the Icelandic eth) and "ð" stand in for "Đ"/"đ" in text converted from the old TCVN3
 *   fonts and look the same; they are folded to "d" too, so "QÐ" is found as "qd".
 * - A number and symbol is also looked up exactly (symbolKey): "5/qd-bnv" must find "05/QĐ-BNV" and not
 *   "15/QĐ-BNV" or "105/QĐ-BNV", which a substring search would.
 */
import { matchesSearch, normalizeForSearch } from "@ministry/platform";
import { MAX_CONTENT_LENGTH } from "./limits.js";

/** Characters that look like "Đ"/"đ" and are not (see above). */
const ETH = /[\u00d0\u00f0]/gu;

/** The platform's normalisation, with the look-alikes of "Đ" folded first. */
export function normalizeDocumentText(text: string): string {
  return normalizeForSearch(text.replace(ETH, "d"));
}

export interface SearchableDocument {
  /** "15/QĐ-BNV"; absent before numbering. */
  symbol?: string;
  /** The type's Vietnamese name ("Quyết định"), so "quyet dinh bo nhiem" finds a decision by its words. */
  typeName?: string;
  /** "Trích yếu". */
  summary: string;
  /** Body text; only its first MAX_CONTENT_LENGTH characters are indexed. */
  content?: string;
  /** The issuing body's name ("Bộ Nội vụ"). */
  issuingBodyName?: string;
}

/** The normalised text a document is searched by, its parts separated by " | ". */
export function searchText(doc: SearchableDocument): string {
  const content = doc.content && doc.content.length > MAX_CONTENT_LENGTH ? doc.content.slice(0, MAX_CONTENT_LENGTH) : doc.content;
  return [doc.symbol, doc.typeName, doc.summary, doc.issuingBodyName, content]
    .filter((p): p is string => typeof p === "string" && p.trim().length > 0)
    .map(normalizeDocumentText)
    .join(" | ");
}

/** Whether every word of the query is in the document's text (searchText), ignoring case and diacritics. */
export function matchesDocument(doc: SearchableDocument, query: string): boolean {
  const q = query.replace(ETH, "d");
  return matchesSearch(searchText(doc), q);
}

/**
 * A symbol's exact-lookup key: normalised, no spaces, and the number without leading zeros, so
 * "05/QĐ-BNV", "5/qd-bnv" and "05 / QÐ - BNV" share "5/qd-bnv".
 */
export function symbolKey(symbol: string): string {
  const compact = normalizeDocumentText(symbol).replace(/\s+/gu, "");
  return compact.replace(/^0+(?=\d)/u, "");
}

/** A query that reads as a number and symbol ("15/QĐ-BNV", "5/qd-bnv", "15/2020/tt-bnv"), to look up by symbolKey. */
export function looksLikeSymbol(query: string): boolean {
  return /^\d+\/(\d{4}\/)?[\p{L}\p{N}]+(-[\p{L}\p{N}]+)+$/u.test(normalizeDocumentText(query).replace(/\s+/gu, ""));
}
