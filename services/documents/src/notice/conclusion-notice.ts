/**
 * The conclusion notice ("Thông báo kết luận", a TB) the Office drafts from a concluded meeting
 * (`meetings.meeting.concluded`): what the meeting was (date, place, chair, who attended from which
 * site), then the chair's numbered conclusions, each directive with its lead unit, coordinating units
 * and deadline. Pure: the text only, laid out by the DOCX renderer.
 */
import type { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import { ConclusionKind, type Conclusion } from "@ministry/proto/ministry/meetings/v1/meetings";
import type { MeetingConcluded, SiteAttendees } from "@ministry/proto/ministry/meetings/v1/events";

export interface NoticeSigner {
  /** "TL. BỘ TRƯỞNG" */
  prefix: string;
  /** "CHÁNH VĂN PHÒNG" */
  position: string;
  fullName: string;
}

export interface ConclusionNoticeSettings {
  /** "BỘ NỘI VỤ" */
  issuingBodyName: string;
  /** "BNV": the symbol's issuer part ("…/TB-BNV"). */
  issuingBodyAbbrev: string;
  /** "Hà Nội" */
  place: string;
  /** The Office's unit, keeping the file copy ("Lưu: VT, VP"). */
  officeUnitAbbrev: string;
  signer: NoticeSigner;
}

export interface ConclusionNotice {
  meetingId: string;
  /** "Kết luận của Bộ trưởng Trịnh Quốc Khánh tại Hội nghị giao ban …": the summary ("trích yếu"). */
  summary: string;
  /** The symbol without its number, filled in when the notice is numbered: "TB-BNV". */
  symbolSuffix: string;
  /** The opening paragraphs: when, where, who chaired, who attended. */
  opening: string[];
  /** "Sau khi nghe …, Bộ trưởng kết luận như sau:" */
  lead: string;
  /** "1. …", each conclusion as a paragraph. */
  conclusions: string[];
  closing: string;
  signer: NoticeSigner;
  /** "Nơi nhận", the last line "Lưu: VT, VP.". */
  recipients: string[];
}

const VN = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", day: "numeric", month: "numeric", year: "numeric" });

/** "Ngày 30 tháng 3 năm 2020" in Vietnam time (the notice's account of when the meeting was held). */
function heldOn(d: Date): string {
  const p = Object.fromEntries(VN.formatToParts(d).map((x) => [x.type, x.value]));
  return `Ngày ${Number(p.day)} tháng ${Number(p.month)} năm ${p.year}`;
}

/** A deadline as people write it: "trước ngày 15/4/2020", "trong Quý II/2020", "trong tháng 6/2020". */
export function deadlineWords(d: Deadline | undefined): string {
  const spec = d?.spec;
  if (!spec) return "";
  switch (spec.$case) {
    case "date": {
      const [y, m, day] = spec.value.split("-").map(Number);
      return `hoàn thành trước ngày ${day}/${m}/${y}`;
    }
    case "month":
      return `hoàn thành trong tháng ${spec.value.month}/${spec.value.year}`;
    case "quarter":
      return `hoàn thành trong Quý ${["", "I", "II", "III", "IV"][spec.value.quarter] ?? spec.value.quarter}/${spec.value.year}`;
    case "text":
      return `thời hạn: ${spec.value}`;
    default:
      return "";
  }
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?…:;]$/u.test(t) ? t : `${t}.`;
}

/** One conclusion as the notice states it; a directive names who leads, with whom, and by when. */
function conclusionParagraph(c: Conclusion): string {
  const body = sentence(c.content);
  if (c.kind !== ConclusionKind.CONCLUSION_KIND_DIRECTIVE) return `${c.number}. ${body}`;
  const parts: string[] = [];
  if (c.leadUnit?.name) parts.push(`${c.leadUnit.name} chủ trì`);
  const with_ = c.coordinatingUnits.map((u) => u.name).filter((n) => n !== "");
  if (with_.length > 0) parts.push(`phối hợp với ${with_.join(", ")}`);
  const due = deadlineWords(c.deadline);
  if (due) parts.push(due);
  return parts.length > 0 ? `${c.number}. ${body} (${parts.join("; ")}).` : `${c.number}. ${body}`;
}

function attendance(sites: readonly SiteAttendees[], truncated: boolean, totalSites: number): string[] {
  const out: string[] = [];
  const central = sites.find((s) => s.central);
  if (central && central.attendees.length > 0) {
    const names = central.attendees.map((p) => [p.position, p.fullName].filter(Boolean).join(" "));
    out.push(`Tham dự tại điểm cầu Trung ương có: ${names.join("; ")}${central.attendeesTruncated ? " và các đại biểu khác" : ""}.`);
  }
  const remote = sites.filter((s) => !s.central && s.present > 0);
  if (remote.length > 0) {
    const listed = remote.map((s) => s.unit?.name || s.name);
    const more = truncated ? ` và ${Math.max(0, totalSites - sites.length)} điểm cầu khác` : "";
    out.push(`Tham dự tại các điểm cầu: ${listed.join(", ")}${more}.`);
  }
  return out;
}

/** The notice a concluded meeting calls for, ready to be approved, numbered and issued. */
export function conclusionNotice(event: MeetingConcluded, settings: ConclusionNoticeSettings): ConclusionNotice {
  const meeting = event.meeting;
  const chair = meeting?.chair ?? {
    personId: event.chair?.userId ?? "",
    fullName: event.chair?.displayName ?? "",
    position: "",
    unit: undefined,
  };
  const chairTitle = [chair.position, chair.fullName].filter(Boolean).join(" ");
  const title = meeting?.title || event.title;
  const held = event.heldAt ?? meeting?.start;
  const place = meeting?.place ? `, tại ${meeting.place}` : "";
  const opening = [
    `${held ? heldOn(held) : "Vừa qua"}${place}, ${chairTitle || "lãnh đạo Bộ"} đã chủ trì ${lowerFirst(title)}.`,
    ...attendance(event.sites, event.sitesTruncated, event.totals?.sites ?? event.sites.length),
  ];
  return {
    meetingId: event.meetingId,
    summary: `Kết luận của ${chairTitle || "lãnh đạo Bộ"} tại ${lowerFirst(title)}`,
    symbolSuffix: `TB-${settings.issuingBodyAbbrev}`,
    opening,
    lead: `Sau khi nghe báo cáo và ý kiến của các đại biểu, ${chairTitle || "lãnh đạo Bộ"} kết luận như sau:`,
    conclusions: [...event.conclusions].sort((a, b) => a.number - b.number).map(conclusionParagraph),
    closing: `Văn phòng Bộ thông báo để các cơ quan, đơn vị biết, thực hiện./.`,
    signer: settings.signer,
    recipients: [
      `- ${chairTitle || "Lãnh đạo Bộ"} (để báo cáo);`,
      "- Các Thứ trưởng;",
      ...leadUnits(event).map((u) => `- ${u};`),
      `- Lưu: VT, ${settings.officeUnitAbbrev}.`,
    ],
  };
}

function leadUnits(event: MeetingConcluded): string[] {
  const names = new Set<string>();
  for (const c of event.conclusions) {
    if (c.leadUnit?.name) names.add(c.leadUnit.name);
    for (const u of c.coordinatingUnits) if (u.name) names.add(u.name);
  }
  return [...names];
}

/** "Hội nghị giao ban …" → "hội nghị giao ban …" inside a sentence (proper names keep their capitals). */
function lowerFirst(title: string): string {
  const t = title.trim();
  return /^(Hội nghị|Họp|Cuộc họp|Giao ban|Phiên họp)(?=\s|$)/u.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
}
