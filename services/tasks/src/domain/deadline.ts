/**
 * Deadline arithmetic in Vietnam time. A deadline is a calendar day in Vietnam ("30/06/2020"), or a
 * month ("Tháng 6/2020") or a quarter ("Quý II/2020") meaning its last day; it ends at 23:59:59.999
 * that day in Vietnam.
 *
 * Vietnam (Asia/Ho_Chi_Minh) has kept UTC+07:00 with no daylight saving since 1975, so every
 * conversion here goes through that fixed offset explicitly instead of a time-zone database: the
 * result is the same as Intl with timeZone "Asia/Ho_Chi_Minh" for every date since 1975 (a test
 * checks the two agree), and it needs no ICU data at run time.
 */
import { ENGLISH_MONTHS, InvalidArgument, QUARTER_NUMERALS } from "@ministry/platform";
import { normalizeForSearch } from "./text.js";

export type DeadlineSpec =
  | { kind: "date"; date: string } // "YYYY-MM-DD" (a calendar day in Vietnam)
  | { kind: "month"; year: number; month: number } // 1-12
  | { kind: "quarter"; year: number; quarter: 1 | 2 | 3 | 4 };

/** Start (inclusive) and end (exclusive) instants of a period in Vietnam time. */
export type Period =
  | { kind: "month"; year: number; month: number }
  | { kind: "quarter"; year: number; quarter: 1 | 2 | 3 | 4 }
  | { kind: "year"; year: number };

/** UTC+07:00, fixed: no DST in Vietnam since 1975. */
export const VIETNAM_UTC_OFFSET_MS = 7 * 60 * 60 * 1000;

/** Years a deadline may name: wide enough for any programme, narrow enough to catch typos ("20202"). */
export const MIN_DEADLINE_YEAR = 1975;
export const MAX_DEADLINE_YEAR = 2100;

const ROMAN_QUARTERS: Record<string, 1 | 2 | 3 | 4> = { i: 1, ii: 2, iii: 3, iv: 4 };

const ACCEPTED_FORMS = "dd/MM/yyyy, yyyy-MM-dd, Tháng M/yyyy, MM/yyyy, Quý I–IV/yyyy, Q1–Q4/yyyy";

// Patterns run on normalizeForSearch output: lower case, no diacritics, single spaces.
const DMY = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/;
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
// "thang 6/2020", "thang 6 nam 2020", "t6/2020", "06/2020", "6-2020"
const MONTH = /^(?:(?:thang|t)\s*)?(\d{1,2})(?:\s*[/.-]\s*|\s+nam\s+|\s*,\s*nam\s+)(\d{4})$/;
// "quy ii/2020", "quy 2/2020", "quy ii nam 2020", "q2/2020", "q2 2020", "qui ii/2020" (old spelling)
const QUARTER = /^(?:quy|qui|q)\s*\.?\s*(iv|i{1,3}|[1-4])(?:\s*[/.-]\s*|\s+nam\s+|\s*,\s*nam\s+|\s+)(\d{4})$/;

/**
 * A deadline text or spec that is not valid. Keeps the message's Vietnamese and English halves apart,
 * so that a caller can put them in its own sentence (the importer adds the row's line and column).
 */
export class InvalidDeadline extends InvalidArgument {
  constructor(
    field: string,
    readonly vi: string,
    readonly en: string,
  ) {
    super([{ field, description: `${vi} / ${en}` }]);
  }
}

function invalid(field: string, vi: string, en: string): InvalidDeadline {
  return new InvalidDeadline(field, vi, en);
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function checkYear(year: number, text: string, field: string): void {
  if (year < MIN_DEADLINE_YEAR || year > MAX_DEADLINE_YEAR) {
    throw invalid(
      field,
      `Năm ngoài phạm vi ${MIN_DEADLINE_YEAR}–${MAX_DEADLINE_YEAR}: "${text}"`,
      `Year out of range ${MIN_DEADLINE_YEAR}–${MAX_DEADLINE_YEAR}: "${text}"`,
    );
  }
}

function dateSpec(year: number, month: number, day: number, text: string, field: string): DeadlineSpec {
  checkYear(year, text, field);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw invalid(field, `Ngày không tồn tại: "${text}"`, `No such date: "${text}"`);
  }
  return { kind: "date", date: `${year}-${pad2(month)}-${pad2(day)}` };
}

function monthSpec(year: number, month: number, text: string, field: string): DeadlineSpec {
  checkYear(year, text, field);
  if (month < 1 || month > 12) {
    throw invalid(field, `Tháng không hợp lệ: "${text}"`, `No such month: "${text}"`);
  }
  return { kind: "month", year, month };
}

/**
 * Accepts "30/06/2020", "30/6/2020", "2020-06-30", "Tháng 6/2020", "tháng 6 năm 2020", "06/2020",
 * "6/2020", "Quý II/2020", "Quý 2/2020", "quý II năm 2020", "Q2/2020", "Q2 2020" (case- and
 * diacritics-tolerant: "Quy II/2020", "Thang 6/2020"; also "T6/2020" and "." or "-" as separators).
 * Throws InvalidDeadline (an InvalidArgument: [{ field, description }]) with a Vietnamese description
 * (English after " / ") for anything else, including impossible dates (31/02/2020).
 */
export function parseDeadlineText(text: string, field = "deadline"): DeadlineSpec {
  const raw = typeof text === "string" ? text.trim() : "";
  if (raw === "") {
    throw invalid(field, "Thời hạn không được để trống", "Deadline is required");
  }
  const t = normalizeForSearch(raw);

  let m = DMY.exec(t);
  if (m) return dateSpec(Number(m[3]), Number(m[2]), Number(m[1]), raw, field);
  m = ISO.exec(t);
  if (m) return dateSpec(Number(m[1]), Number(m[2]), Number(m[3]), raw, field);
  m = MONTH.exec(t);
  if (m) return monthSpec(Number(m[2]), Number(m[1]), raw, field);
  m = QUARTER.exec(t);
  if (m) {
    const year = Number(m[2]);
    checkYear(year, raw, field);
    const q = m[1];
    const quarter = ROMAN_QUARTERS[q] ?? (Number(q) as 1 | 2 | 3 | 4);
    return { kind: "quarter", year, quarter };
  }
  throw invalid(
    field,
    `Thời hạn không hợp lệ: "${raw}" (chấp nhận: ${ACCEPTED_FORMS})`,
    `Invalid deadline: "${raw}" (accepted: dd/MM/yyyy, yyyy-MM-dd, Tháng M/yyyy, MM/yyyy, Quý I–IV/yyyy, Q1–Q4/yyyy)`,
  );
}

/** Throws InvalidArgument if a spec (e.g. from a request or the store) is malformed. */
export function assertDeadlineSpec(spec: DeadlineSpec, field = "deadlineSpec"): void {
  const bad = (): never => {
    throw invalid(field, `Thời hạn không hợp lệ: ${JSON.stringify(spec)}`, `Invalid deadline: ${JSON.stringify(spec)}`);
  };
  if (spec === null || typeof spec !== "object") bad();
  switch (spec.kind) {
    case "date": {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(spec.date ?? "");
      if (!m) bad();
      else dateSpec(Number(m[1]), Number(m[2]), Number(m[3]), spec.date, field);
      return;
    }
    case "month":
      if (!Number.isInteger(spec.year) || !Number.isInteger(spec.month)) bad();
      monthSpec(spec.year, spec.month, `${spec.month}/${spec.year}`, field);
      return;
    case "quarter":
      if (!Number.isInteger(spec.year) || ![1, 2, 3, 4].includes(spec.quarter)) bad();
      checkYear(spec.year, `${spec.quarter}/${spec.year}`, field);
      return;
    default:
      bad();
  }
}

/** The instant a Vietnam wall-clock time (month 1-12) happens. */
function vietnamWallClock(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, h, mi, s, ms) - VIETNAM_UTC_OFFSET_MS);
}

/** The last calendar day in Vietnam the spec covers, as year/month/day. */
function lastDay(spec: DeadlineSpec): { year: number; month: number; day: number } {
  switch (spec.kind) {
    case "date": {
      const [y, m, d] = spec.date.split("-").map(Number);
      return { year: y, month: m, day: d };
    }
    case "month":
      return { year: spec.year, month: spec.month, day: daysInMonth(spec.year, spec.month) };
    case "quarter": {
      const month = spec.quarter * 3;
      return { year: spec.year, month, day: daysInMonth(spec.year, month) };
    }
  }
}

/** The last instant of the last day of the spec in Vietnam time, e.g. quarter 1 of 2020 → 2020-03-31T16:59:59.999Z. */
export function resolveDeadline(spec: DeadlineSpec): Date {
  assertDeadlineSpec(spec);
  const { year, month, day } = lastDay(spec);
  return vietnamWallClock(year, month, day, 23, 59, 59, 999);
}

/** The Vietnam wall-clock fields of an instant (shifted by the fixed +07:00 offset). */
function vietnamFields(instant: Date): { year: number; month: number; day: number } {
  const shifted = new Date(instant.getTime() + VIETNAM_UTC_OFFSET_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** "YYYY-MM-DD" of an instant in Vietnam time. */
export function vietnamDay(instant: Date): string {
  const { year, month, day } = vietnamFields(instant);
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** dd/MM/yyyy in Vietnam time, as user-facing text shows dates. */
export function formatVietnamDate(instant: Date): string {
  const { year, month, day } = vietnamFields(instant);
  return `${pad2(day)}/${pad2(month)}/${year}`;
}

/** Start (inclusive) and end (exclusive) instants of a period in Vietnam time. */
export function periodBounds(p: Period): { start: Date; end: Date } {
  switch (p.kind) {
    case "month":
      return { start: vietnamWallClock(p.year, p.month, 1), end: vietnamWallClock(p.year, p.month + 1, 1) };
    case "quarter": {
      const first = (p.quarter - 1) * 3 + 1;
      return { start: vietnamWallClock(p.year, first, 1), end: vietnamWallClock(p.year, first + 3, 1) };
    }
    case "year":
      return { start: vietnamWallClock(p.year, 1, 1), end: vietnamWallClock(p.year + 1, 1, 1) };
  }
}

/** "Tháng 6 năm 2020" / "June 2020", "Quý I năm 2020" / "Q1 2020", "Năm 2020" / "2020". */
export function periodLabel(p: Period, locale: "vi" | "en"): string {
  switch (p.kind) {
    case "month":
      return locale === "vi" ? `Tháng ${p.month} năm ${p.year}` : `${ENGLISH_MONTHS[p.month - 1]} ${p.year}`;
    case "quarter":
      return locale === "vi" ? `Quý ${QUARTER_NUMERALS[p.quarter]} năm ${p.year}` : `Q${p.quarter} ${p.year}`;
    case "year":
      return locale === "vi" ? `Năm ${p.year}` : String(p.year);
  }
}

/** How a deadline reads to users: "30/06/2020", "Tháng 6/2020" / "June 2020", "Quý II/2020" / "Q2 2020". */
export function deadlineLabel(spec: DeadlineSpec, locale: "vi" | "en"): string {
  switch (spec.kind) {
    case "date": {
      const [y, m, d] = spec.date.split("-");
      return locale === "vi" ? `${d}/${m}/${y}` : spec.date;
    }
    case "month":
      return locale === "vi" ? `Tháng ${spec.month}/${spec.year}` : `${ENGLISH_MONTHS[spec.month - 1]} ${spec.year}`;
    case "quarter":
      return locale === "vi" ? `Quý ${QUARTER_NUMERALS[spec.quarter]}/${spec.year}` : `Q${spec.quarter} ${spec.year}`;
  }
}

/** Whether an instant falls in a period (start inclusive, end exclusive). */
export function isWithin(instant: Date, p: Period): boolean {
  const { start, end } = periodBounds(p);
  const t = instant.getTime();
  return t >= start.getTime() && t < end.getTime();
}
