/**
 * Text normalisation for diacritics-insensitive search. Vietnamese users type with or without tone
 * marks ("nghi dinh" must find "Nghị định"), so the store keeps a normalised copy of searchable text
 * and normalises the query the same way.
 */

const COMBINING_MARKS = /\p{M}+/gu;
const WHITESPACE_RUN = /\s+/gu;

/**
 * Lower case, without diacritics (NFD then combining marks dropped), "đ"/"Đ" as "d" (đ is a letter of
 * its own, not d plus a mark, so NFD leaves it alone), whitespace runs collapsed to one space, trimmed.
 */
export function normalizeForSearch(text: string): string {
  return text.normalize("NFD").replace(COMBINING_MARKS, "").replace(/[đĐ]/gu, "d").toLowerCase().replace(WHITESPACE_RUN, " ").trim();
}

/** Whether every word of the query appears in the text, ignoring case and diacritics. */
export function matchesSearch(text: string, query: string): boolean {
  const haystack = normalizeForSearch(text);
  const words = normalizeForSearch(query)
    .split(" ")
    .filter((w) => w.length > 0);
  return words.every((w) => haystack.includes(w));
}

/**
 * English month names, January first (`ENGLISH_MONTHS[month - 1]`). Written out rather than asked of
 * Intl, so a date reads the same whatever the runtime's ICU data holds.
 */
export const ENGLISH_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** The quarters' Roman numerals, by quarter (1–4; index 0 is empty): Vietnamese writes "Quý II". */
export const QUARTER_NUMERALS = ["", "I", "II", "III", "IV"] as const;
