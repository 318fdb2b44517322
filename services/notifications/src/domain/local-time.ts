/**
 * Local wall-clock time in a person's time zone: quiet hours and the daily digest are "22:00" and
 * "07:30" where the person is, not in UTC. Uses the platform's Intl time-zone data, so any IANA zone
 * works (Asia/Ho_Chi_Minh has had no daylight saving since 1975; others may, and are handled).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalDateTime {
  /** "yyyy-MM-dd". */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
}

export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** "07:30" → 450. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instant`, in minutes (Asia/Ho_Chi_Minh: 420). */
function offsetMinutes(instant: Date, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant the local wall clock in `timeZone` shows `date` ("yyyy-MM-dd") at `minutes` past midnight. */
export function zonedInstant(date: string, minutes: number, timeZone: string): Date {
  const [y, mo, d] = date.split("-").map(Number);
  const wall = Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, 0, minutes);
  // Two passes settle the offset across a daylight-saving change.
  let guess = wall - offsetMinutes(new Date(wall), timeZone) * 60_000;
  guess = wall - offsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

/** The local date `days` after `date`. */
export function addDays(date: string, days: number): string {
  const [y, mo, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/**
 * When quiet hours from `start` to `end` (local "HH:mm", possibly across midnight) hold at `now`: the
 * instant they end; otherwise undefined. Equal start and end mean no quiet hours.
 */
export function quietHoursEnd(now: Date, timeZone: string, start: string, end: string): Date | undefined {
  const s = minutesOf(start);
  const e = minutesOf(end);
  if (s === e) return undefined;
  const local = localDateTime(now, timeZone);
  const m = local.minutes;
  if (s < e) return m >= s && m < e ? zonedInstant(local.date, e, timeZone) : undefined;
  // Across midnight: 22:00-06:30 holds from 22:00 to midnight (ends tomorrow) and from midnight to 06:30 (ends today).
  if (m >= s) return zonedInstant(addDays(local.date, 1), e, timeZone);
  if (m < e) return zonedInstant(local.date, e, timeZone);
  return undefined;
}
