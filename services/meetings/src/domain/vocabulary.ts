/**
 * The words of the meeting's enums, in both languages, and their proto codes.
 */
import * as pb from "@ministry/proto/ministry/meetings/v1/meetings";
import type {
  AttendanceState,
  ConclusionKind,
  DeviceKind,
  Frequency,
  InvitationResponse,
  MeetingKind,
  MeetingMode,
  MeetingStatus,
  SpeakerStatus,
} from "./model.js";

type Words = { vi: string; en: string };

export const KIND_WORDS: Record<MeetingKind, Words> = {
  weekly_briefing: { vi: "Giao ban tuần", en: "Weekly briefing" },
  monthly_briefing: { vi: "Giao ban tháng", en: "Monthly briefing" },
  quarterly_briefing: { vi: "Giao ban quý", en: "Quarterly briefing" },
  thematic: { vi: "Họp chuyên đề", en: "Thematic meeting" },
  national_conference: { vi: "Hội nghị trực tuyến toàn quốc", en: "National online conference" },
  other: { vi: "Cuộc họp", en: "Meeting" },
};

export const DEVICE_WORDS: Record<DeviceKind, Words> = {
  computer: { vi: "Máy tính", en: "Computer" },
  phone: { vi: "Điện thoại", en: "Phone" },
  tablet: { vi: "Máy tính bảng", en: "Tablet" },
  room_system: { vi: "Thiết bị phòng họp", en: "Room system" },
};

/** A two-way map between a domain code and its proto enum value (0 = unspecified). */
function codes<D extends string>(pairs: [D, number][]) {
  const toProto = new Map(pairs);
  const fromProto = new Map(pairs.map(([d, p]) => [p, d]));
  return {
    toProto: (d: D | undefined): number => (d === undefined ? 0 : (toProto.get(d) ?? 0)),
    fromProto: (p: number | undefined): D | undefined => (p === undefined ? undefined : fromProto.get(p)),
  };
}

export const statusCodes = codes<MeetingStatus>([
  ["draft", pb.MeetingStatus.MEETING_STATUS_DRAFT],
  ["scheduled", pb.MeetingStatus.MEETING_STATUS_SCHEDULED],
  ["in_progress", pb.MeetingStatus.MEETING_STATUS_IN_PROGRESS],
  ["ended", pb.MeetingStatus.MEETING_STATUS_ENDED],
  ["concluded", pb.MeetingStatus.MEETING_STATUS_CONCLUDED],
  ["cancelled", pb.MeetingStatus.MEETING_STATUS_CANCELLED],
]);

export const kindCodes = codes<MeetingKind>([
  ["weekly_briefing", pb.MeetingKind.MEETING_KIND_WEEKLY_BRIEFING],
  ["monthly_briefing", pb.MeetingKind.MEETING_KIND_MONTHLY_BRIEFING],
  ["quarterly_briefing", pb.MeetingKind.MEETING_KIND_QUARTERLY_BRIEFING],
  ["thematic", pb.MeetingKind.MEETING_KIND_THEMATIC],
  ["national_conference", pb.MeetingKind.MEETING_KIND_NATIONAL_CONFERENCE],
  ["other", pb.MeetingKind.MEETING_KIND_OTHER],
]);

export const modeCodes = codes<MeetingMode>([
  ["in_person", pb.MeetingMode.MEETING_MODE_IN_PERSON],
  ["online", pb.MeetingMode.MEETING_MODE_ONLINE],
  ["hybrid", pb.MeetingMode.MEETING_MODE_HYBRID],
]);

export const deviceCodes = codes<DeviceKind>([
  ["computer", pb.DeviceKind.DEVICE_KIND_COMPUTER],
  ["phone", pb.DeviceKind.DEVICE_KIND_PHONE],
  ["tablet", pb.DeviceKind.DEVICE_KIND_TABLET],
  ["room_system", pb.DeviceKind.DEVICE_KIND_ROOM_SYSTEM],
]);

export const responseCodes = codes<InvitationResponse>([
  ["pending", pb.InvitationResponse.INVITATION_RESPONSE_PENDING],
  ["accepted", pb.InvitationResponse.INVITATION_RESPONSE_ACCEPTED],
  ["declined", pb.InvitationResponse.INVITATION_RESPONSE_DECLINED],
  ["delegated", pb.InvitationResponse.INVITATION_RESPONSE_DELEGATED],
]);

export const attendanceCodes = codes<AttendanceState>([
  ["present", pb.AttendanceState.ATTENDANCE_STATE_PRESENT],
  ["absent_with_leave", pb.AttendanceState.ATTENDANCE_STATE_ABSENT_WITH_LEAVE],
  ["absent_without_leave", pb.AttendanceState.ATTENDANCE_STATE_ABSENT_WITHOUT_LEAVE],
  ["delegated", pb.AttendanceState.ATTENDANCE_STATE_DELEGATED],
]);

export const conclusionCodes = codes<ConclusionKind>([
  ["information", pb.ConclusionKind.CONCLUSION_KIND_INFORMATION],
  ["decision", pb.ConclusionKind.CONCLUSION_KIND_DECISION],
  ["directive", pb.ConclusionKind.CONCLUSION_KIND_DIRECTIVE],
]);

export const speakerCodes = codes<SpeakerStatus>([
  ["requested", pb.SpeakerStatus.SPEAKER_STATUS_REQUESTED],
  ["speaking", pb.SpeakerStatus.SPEAKER_STATUS_SPEAKING],
  ["done", pb.SpeakerStatus.SPEAKER_STATUS_DONE],
  ["withdrawn", pb.SpeakerStatus.SPEAKER_STATUS_WITHDRAWN],
]);

export const frequencyCodes = codes<Frequency>([
  ["weekly", pb.Frequency.FREQUENCY_WEEKLY],
  ["monthly", pb.Frequency.FREQUENCY_MONTHLY],
  ["quarterly", pb.Frequency.FREQUENCY_QUARTERLY],
]);
