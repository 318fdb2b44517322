/**
 * The `text` of a task search: words found anywhere in the task's code, title and assignee (ignoring
 * case and diacritics, as the stored `search` copy is normalised), phrases in double quotes found as
 * written (their words in order, next to each other), and the rank a search without an explicit order
 * sorts by: the task whose code is the text, then those holding the whole text as written, then the rest.
 */
import type { Document } from "mongodb";
import { normalizeForSearch } from "../domain/text.js";

/** Straight and typographic double quotes: Word and phone keyboards type “ ”. */
const QUOTED = /["“”]([^"“”]*)(?:["“”]|$)/gu;
const QUOTE = /["“”]/gu;

export interface SearchText {
  /** Normalised words, each to be found anywhere. */
  words: string[];
  /** Normalised phrases, each to be found as written. */
  phrases: string[];
  /** The whole text normalised, in the order written: a task holding it ranks above one holding the words apart. */
  whole: string;
  /** The text as a code would be written, without quotes: a task with this code (ignoring case) ranks first. */
  code: string;
}

export function parseSearchText(text: string | undefined): SearchText | undefined {
  const raw = (text ?? "").normalize("NFC");
  const phrases: string[] = [];
  const rest = raw.replace(QUOTED, (_, phrase: string) => {
    const normalized = normalizeForSearch(phrase);
    if (normalized !== "") phrases.push(normalized);
    return " ";
  });
  const words = normalizeForSearch(rest)
    .split(" ")
    .filter((w) => w !== "");
  if (words.length === 0 && phrases.length === 0) return undefined;
  return { words, phrases, whole: normalizeForSearch(raw.replace(QUOTE, " ")), code: raw.replace(QUOTE, "").trim() };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The conditions on the stored `search` field: every word and every phrase. */
export function searchConditions(search: SearchText): Document[] {
  return [...search.words, ...search.phrases].map((part) => ({ search: { $regex: escapeRegex(part) } }));
}

/** 0: the code is the text; 1: the whole text appears as written; 2: the rest. An aggregation expression. */
export function searchRank(search: SearchText): Document {
  const codeIsText = { $regexMatch: { input: "$code", regex: `^${escapeRegex(search.code)}$`, options: "i" } };
  const holdsWhole = { $regexMatch: { input: "$search", regex: escapeRegex(search.whole) } };
  return { $cond: [codeIsText, 0, { $cond: [holdsWhole, 1, 2] }] };
}
