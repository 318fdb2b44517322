/**
 * What an attendance sheet says, whatever its file format: the input (SheetData), the words in both
 * languages, the cells of the summary and of the list as text, and the file's name. The XLSX and PDF
 * renderers only lay these cells out, so both files always say the same thing.
 *
 * Times are Vietnam time (Asia/Ho_Chi_Minh, UTC+07:00 all year, no daylight saving): the sheet is read
 * by people, and may be signed and filed as the record of who attended.
 */
import type { AttendanceState, DeviceKind, MeetingStatus, PersonRef } from "../domain/model.js";

export interface SheetRow {
  person: PersonRef;
  siteId: string;
  siteName: string;
  state: AttendanceState;
  firstCheckIn?: Date;
  lastCheckOut?: Date;
  device?: DeviceKind;
  /** A name, when a host checked the person in. */
  checkedInBy?: string;
  /** The decline reason. */
  reason: string;
  delegateName?: string;
  delegatedByName?: string;
  invitedAs: string;
}

export interface SheetSite {
  siteId: string;
  name: string;
  unitName: string;
  hostName: string;
  central: boolean;
  invited: number;
  present: number;
  absentWithLeave: number;
  absentWithoutLeave: number;
  delegated: number;
}

export interface SheetData {
  meeting: {
    id: string;
    title: string;
    kindLabel: { vi: string; en: string };
    start: Date;
    plannedEnd: Date;
    place: string;
    chairName: string;
    status: MeetingStatus;
  };
  sites: SheetSite[];
  rows: SheetRow[];
  total: Omit<SheetSite, "siteId" | "name" | "unitName" | "hostName" | "central">;
  asOf: Date;
  scope: { siteId?: string; siteName?: string };
}

export type SheetLocale = "vi" | "en";

// ---------------------------------------------------------------------------------------------------
// Words

export const STATE_LABELS: Record<AttendanceState, { vi: string; en: string }> = {
  present: { vi: "Có mặt", en: "Present" },
  absent_with_leave: { vi: "Vắng có phép", en: "Absent with leave" },
  absent_without_leave: { vi: "Vắng không phép", en: "Absent without leave" },
  delegated: { vi: "Cử người dự thay", en: "Sent a substitute" },
};

export const DEVICE_LABELS: Record<DeviceKind, { vi: string; en: string }> = {
  computer: { vi: "Máy tính", en: "Computer" },
  phone: { vi: "Điện thoại", en: "Phone" },
  tablet: { vi: "Máy tính bảng", en: "Tablet" },
  room_system: { vi: "Thiết bị phòng họp", en: "Meeting-room system" },
};

export const MEETING_STATUS_LABELS: Record<MeetingStatus, { vi: string; en: string }> = {
  draft: { vi: "Dự thảo", en: "Draft" },
  scheduled: { vi: "Đã lên lịch", en: "Scheduled" },
  in_progress: { vi: "Đang họp", en: "In progress" },
  ended: { vi: "Đã kết thúc", en: "Ended" },
  concluded: { vi: "Đã có kết luận", en: "Concluded" },
  cancelled: { vi: "Đã huỷ", en: "Cancelled" },
};

export const SHEET_TEXT = {
  vi: {
    heading: "DANH SÁCH ĐIỂM DANH",
    meeting: "Cuộc họp",
    kind: "Loại cuộc họp",
    time: "Thời gian",
    place: "Địa điểm",
    chair: "Chủ trì",
    status: "Tình trạng",
    scope: "Phạm vi",
    wholeMeeting: "Toàn bộ các điểm cầu",
    site: "Điểm cầu",
    asOf: "Số liệu tính đến",
    vietnamTime: "(giờ Việt Nam)",
    summaryTitle: "I. TỔNG HỢP THEO ĐIỂM CẦU",
    listTitle: "II. DANH SÁCH NGƯỜI DỰ",
    central: "điểm cầu chính",
    total: "Tổng cộng",
    people: "người",
    sheetSummary: "Tổng hợp",
    sheetList: "Danh sách",
    delegateTo: "Cử",
    substituteFor: "Dự thay",
    page: "Trang",
    signature: "Người lập danh sách",
  },
  en: {
    heading: "ATTENDANCE SHEET",
    meeting: "Meeting",
    kind: "Kind",
    time: "Time",
    place: "Place",
    chair: "Chair",
    status: "Status",
    scope: "Scope",
    wholeMeeting: "All sites",
    site: "Site",
    asOf: "As of",
    vietnamTime: "(Vietnam time)",
    summaryTitle: "I. SUMMARY BY SITE",
    listTitle: "II. PARTICIPANTS",
    central: "central site",
    total: "Total",
    people: "people",
    sheetSummary: "Summary",
    sheetList: "Participants",
    delegateTo: "Sent",
    substituteFor: "Substitute for",
    page: "Page",
    signature: "Prepared by",
  },
} as const;

/** The summary table's headings, in column order. */
export const SUMMARY_HEADINGS: Record<SheetLocale, readonly string[]> = {
  vi: ["Điểm cầu", "Đơn vị", "Người chủ trì điểm cầu", "Số được mời", "Có mặt", "Vắng có phép", "Vắng không phép", "Cử người dự thay"],
  en: ["Site", "Unit", "Site host", "Invited", "Present", "Absent with leave", "Absent without leave", "Sent a substitute"],
};

/** The list's headings, in column order (the cells of listCells). */
export const LIST_HEADINGS: Record<SheetLocale, readonly string[]> = {
  vi: ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Tình trạng", "Giờ vào", "Giờ ra", "Thiết bị", "Người điểm danh hộ", "Ghi chú"],
  en: ["No.", "Full name", "Position", "Unit", "Attendance", "Checked in", "Checked out", "Device", "Checked in by", "Note"],
};

// ---------------------------------------------------------------------------------------------------
// Values

const VIETNAM_UTC_OFFSET_MS = 7 * 60 * 60 * 1000;

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function vietnamParts(instant: Date): { date: string; time: string } {
  const t = new Date(instant.getTime() + VIETNAM_UTC_OFFSET_MS);
  return {
    date: `${pad2(t.getUTCDate())}/${pad2(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`,
    time: `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}`,
  };
}

/** dd/MM/yyyy HH:mm, Vietnam time. */
export function formatVietnamDateTime(instant: Date): string {
  const p = vietnamParts(instant);
  return `${p.date} ${p.time}`;
}

/** HH:mm dd/MM/yyyy, Vietnam time: a check-in's hour first, as the list reads it. */
export function formatVietnamTimeDate(instant: Date): string {
  const p = vietnamParts(instant);
  return `${p.time} ${p.date}`;
}

/** "06/12/2026 08:00 – 11:30", or both dates when the meeting runs past midnight. */
export function formatMeetingTime(start: Date, end: Date): string {
  const s = vietnamParts(start);
  const e = vietnamParts(end);
  return s.date === e.date ? `${s.date} ${s.time} – ${e.time}` : `${s.date} ${s.time} – ${e.date} ${e.time}`;
}

/**
 * A person's or a user's words as one cell holds them: precomposed (NFC, so "ễ" is one glyph of the
 * font, not "e" plus two combining marks) and without the control characters XML cannot carry.
 */
export function cleanText(text: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  return (text ?? "").normalize("NFC").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
}

// ---------------------------------------------------------------------------------------------------
// Cells

/** The header lines above the tables: [label, value] pairs. */
export function headerLines(data: SheetData, locale: SheetLocale): [string, string][] {
  const t = SHEET_TEXT[locale];
  const m = data.meeting;
  const scope = data.scope.siteId ? `${t.site}: ${cleanText(data.scope.siteName || data.scope.siteId)}` : t.wholeMeeting;
  return [
    [t.meeting, cleanText(m.title)],
    [t.kind, cleanText(m.kindLabel[locale])],
    [t.time, `${formatMeetingTime(m.start, m.plannedEnd)} ${t.vietnamTime}`],
    [t.place, cleanText(m.place)],
    [t.chair, cleanText(m.chairName)],
    [t.status, MEETING_STATUS_LABELS[m.status]?.[locale] ?? m.status],
    [t.scope, scope],
    [t.asOf, `${formatVietnamDateTime(data.asOf)} ${t.vietnamTime}`],
  ];
}

export type SummaryCells = [string, string, string, number, number, number, number, number];

export function summaryCells(site: SheetSite, locale: SheetLocale): SummaryCells {
  const name = cleanText(site.name);
  return [
    site.central ? `${name} (${SHEET_TEXT[locale].central})` : name,
    cleanText(site.unitName),
    cleanText(site.hostName),
    site.invited,
    site.present,
    site.absentWithLeave,
    site.absentWithoutLeave,
    site.delegated,
  ];
}

export function totalCells(data: SheetData, locale: SheetLocale): SummaryCells {
  const t = data.total;
  return [SHEET_TEXT[locale].total, "", "", t.invited, t.present, t.absentWithLeave, t.absentWithoutLeave, t.delegated];
}

/** The note: the decline reason, whom the person sent ("Cử: …"), whom the person stands in for ("Dự thay: …"). */
export function noteOf(row: SheetRow, locale: SheetLocale): string {
  const t = SHEET_TEXT[locale];
  const parts: string[] = [];
  if (row.delegateName) parts.push(`${t.delegateTo}: ${cleanText(row.delegateName)}`);
  if (row.delegatedByName) parts.push(`${t.substituteFor}: ${cleanText(row.delegatedByName)}`);
  const reason = cleanText(row.reason).trim();
  if (reason) parts.push(reason);
  return parts.join("; ");
}

/** One person's cells, in LIST_HEADINGS order; `number` is the person's number within the site. */
export function listCells(row: SheetRow, number: number, locale: SheetLocale): [number, ...string[]] {
  return [
    number,
    cleanText(row.person.fullName),
    cleanText(row.person.position),
    cleanText(row.person.unit?.name),
    STATE_LABELS[row.state]?.[locale] ?? row.state,
    row.firstCheckIn ? formatVietnamTimeDate(row.firstCheckIn) : "",
    row.lastCheckOut ? formatVietnamTimeDate(row.lastCheckOut) : "",
    row.device ? (DEVICE_LABELS[row.device]?.[locale] ?? row.device) : "",
    cleanText(row.checkedInBy),
    noteOf(row, locale),
  ];
}

export interface SiteGroup {
  siteId: string;
  /** The site's name ("Hà Nội (điểm cầu chính)"). */
  name: string;
  /** The group's heading: the site's name, and its unit when known. */
  title: string;
  rows: SheetRow[];
}

/**
 * The rows grouped by site, the sites in the order of `data.sites` (the meeting's order), the rows
 * in the order given (the caller's: by sortName); rows of a site not in `data.sites` come last, by
 * site in order of first appearance.
 */
export function groupBySite(data: SheetData, locale: SheetLocale): SiteGroup[] {
  const groups = new Map<string, SiteGroup>();
  for (const site of data.sites) {
    const name = summaryCells(site, locale)[0];
    const unit = cleanText(site.unitName);
    groups.set(site.siteId, { siteId: site.siteId, name, title: unit ? `${name} — ${unit}` : name, rows: [] });
  }
  for (const row of data.rows) {
    let group = groups.get(row.siteId);
    if (!group) {
      const name = cleanText(row.siteName || row.siteId);
      group = { siteId: row.siteId, name, title: name, rows: [] };
      groups.set(row.siteId, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()].filter((g) => g.rows.length > 0);
}

/** The group heading as a line of the list: "Điểm cầu: Hà Nội — Văn phòng Bộ (12 người)". */
export function groupHeading(group: SiteGroup, locale: SheetLocale): string {
  const t = SHEET_TEXT[locale];
  return `${t.site}: ${group.title} (${group.rows.length} ${t.people})`;
}

function asciiSlug(id: string): string {
  return (
    id
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d")
      .replace(/[^A-Za-z0-9_-]+/g, "-")
      .replace(/-+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 80) || "x"
  );
}

/** "diem-danh-<meeting id>.xlsx", or "diem-danh-<meeting id>-<site id>.pdf" for one site: ASCII only, safe in a header. */
export function attendanceFileName(data: SheetData, format: "xlsx" | "pdf"): string {
  const site = data.scope.siteId ? `-${asciiSlug(data.scope.siteId)}` : "";
  return `diem-danh-${asciiSlug(data.meeting.id)}${site}.${format}`;
}
