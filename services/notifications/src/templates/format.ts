/**
 * Dates as messages show them, in the recipient's time zone. Built from the Intl parts (through
 * localDateTime) rather than a locale's own pattern, so the output is exactly "dd/MM/yyyy" whatever
 * the runtime's ICU data says a Vietnamese or English date looks like.
 */
import { ENGLISH_MONTHS } from "@ministry/platform";
import { isTimeZone, localDateTime } from "../domain/local-time.js";
import { DEFAULT_TIME_ZONE, type Locale } from "../domain/model.js";

const knownZones = new Map<string, boolean>();

/** An unknown zone (a typo in the directory) shows Vietnam's time rather than failing the message. */
function zoneOrDefault(timeZone: string | undefined): string {
  if (!timeZone) return DEFAULT_TIME_ZONE;
  let ok = knownZones.get(timeZone);
  if (ok === undefined) {
    ok = isTimeZone(timeZone);
    knownZones.set(timeZone, ok);
  }
  return ok ? timeZone : DEFAULT_TIME_ZONE;
}

/** A Date, or an ISO string or epoch number as data may carry one; undefined for anything else. */
export function toInstant(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === "string" || typeof value === "number") {
    if (value === "") return undefined;
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

function localParts(instant: Date, timeZone: string | undefined): LocalParts {
  const local = localDateTime(instant, zoneOrDefault(timeZone));
  const [year, month, day] = local.date.split("-") as [string, string, string];
  const pad = (n: number) => String(n).padStart(2, "0");
  return { year, month, day, hour: pad(Math.floor(local.minutes / 60)), minute: pad(local.minutes % 60) };
}

/** "dd/MM/yyyy"; "" for no date. */
export function formatDate(value: unknown, timeZone?: string): string {
  const instant = toInstant(value);
  if (!instant) return "";
  const p = localParts(instant, timeZone);
  return `${p.day}/${p.month}/${p.year}`;
}

/** "HH:mm dd/MM/yyyy"; "" for no date. */
export function formatDateTime(value: unknown, timeZone?: string): string {
  const instant = toInstant(value);
  if (!instant) return "";
  const p = localParts(instant, timeZone);
  return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
}

/** Vietnamese "ngày 05 tháng 01 năm 2020", English "5 January 2020"; "" for no date. */
export function formatLongDate(value: unknown, locale: Locale, timeZone?: string): string {
  const instant = toInstant(value);
  if (!instant) return "";
  const p = localParts(instant, timeZone);
  if (locale === "en") return `${Number(p.day)} ${ENGLISH_MONTHS[Number(p.month) - 1]} ${p.year}`;
  return `ngày ${p.day} tháng ${p.month} năm ${p.year}`;
}
