/**
 * edXML dates: "yyyy/MM/dd" and "yyyy/MM/dd HH:mm:ss", both in Vietnam time. Vietnam has kept
 * UTC+7 without daylight saving since 1975, so a fixed offset is exact for every date we exchange.
 */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

const DATE = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const DATE_TIME = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

const two = (n: number) => String(n).padStart(2, "0");

/** The calendar fields of an instant as seen in Vietnam. */
function vietnamFields(at: Date) {
  const shifted = new Date(at.getTime() + VIETNAM_OFFSET_MS);
  return {
    y: String(shifted.getUTCFullYear()).padStart(4, "0"),
    mo: two(shifted.getUTCMonth() + 1),
    d: two(shifted.getUTCDate()),
    h: two(shifted.getUTCHours()),
    mi: two(shifted.getUTCMinutes()),
    s: two(shifted.getUTCSeconds()),
  };
}

export function formatEdxmlDateTime(at: Date): string {
  const f = vietnamFields(at);
  return `${f.y}/${f.mo}/${f.d} ${f.h}:${f.mi}:${f.s}`;
}

export function formatEdxmlDate(at: Date): string {
  const f = vietnamFields(at);
  return `${f.y}/${f.mo}/${f.d}`;
}

/** The instant of "yyyy/MM/dd HH:mm:ss" in Vietnam time, or undefined if it is not a real one. */
export function parseEdxmlDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  return instant(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
}

/** Midnight in Vietnam of "yyyy/MM/dd", or undefined if it is not a real date. */
export function parseEdxmlDate(text: string): Date | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  return instant(+m[1], +m[2], +m[3], 0, 0, 0);
}

export function isEdxmlDate(text: string): boolean {
  return parseEdxmlDate(text) !== undefined;
}

export function isEdxmlDateTime(text: string): boolean {
  return parseEdxmlDateTime(text) !== undefined;
}

function instant(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  // Date.UTC rolls 2021/02/30 over into March: a rolled date is not a real one.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return new Date(utc - VIETNAM_OFFSET_MS);
}
