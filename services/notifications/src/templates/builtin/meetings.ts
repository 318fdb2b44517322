/**
 * The built-in messages of the meetings service's notices, Vietnamese and English. The data each renders
 * is the rule's (rules/meetings.ts): `meeting` (title, kind {vi, en}, mode {vi, en}, start, plannedEnd,
 * place, chair {vi, en}, chairName, chairPosition, organizerUnitName, videoUrl), `actorName`, `link`, and per notice
 * previousStart, reason, minutesBefore / leadTime {vi, en}, conclusionCount, directiveCount.
 * Times are the recipient's (Vietnam's by default), as "08:30 30/03/2020".
 */
import type { Detail, EventCopy } from "./compose.js";

const TITLE = "{{meeting.title}}";
const QUOTED = "“{{meeting.title}}”";
/** " tại <place>" / " at <place>" when the meeting has a place. */
const AT_PLACE = { vi: "{{#if meeting.place}} tại {{meeting.place}}{{/if}}", en: "{{#if meeting.place}} at {{meeting.place}}{{/if}}" };
/** Who chairs: "Bộ trưởng Trịnh Quốc Khánh" / "Trịnh Quốc Khánh (Bộ trưởng)" (the rule's label). */
const CHAIR = "{{pick meeting.chair}}";

const titleDetail: Detail = { label: { vi: "Cuộc họp", en: "Meeting" }, value: TITLE };
const kindDetail: Detail = {
  label: { vi: "Loại cuộc họp", en: "Kind" },
  value: "{{pick meeting.kind}}{{#if (pick meeting.mode)}} ({{pick meeting.mode}}){{/if}}",
  when: "(pick meeting.kind)",
};
const startDetail: Detail = { label: { vi: "Thời gian", en: "Time" }, value: "{{datetime meeting.start}}", when: "meeting.start" };
const endDetail: Detail = {
  label: { vi: "Dự kiến kết thúc", en: "Planned end" },
  value: "{{datetime meeting.plannedEnd}}",
  when: "meeting.plannedEnd",
};
const placeDetail: Detail = { label: { vi: "Địa điểm", en: "Place" }, value: "{{meeting.place}}", when: "meeting.place" };
const chairDetail: Detail = { label: { vi: "Chủ trì", en: "Chaired by" }, value: CHAIR, when: "meeting.chairName" };
const videoDetail: Detail = {
  label: { vi: "Đường dẫn họp trực tuyến", en: "Video link" },
  value: "{{meeting.videoUrl}}",
  when: "meeting.videoUrl",
};
const organizerDetail: Detail = {
  label: { vi: "Đơn vị tổ chức", en: "Organised by" },
  value: "{{meeting.organizerUnitName}}",
  when: "meeting.organizerUnitName",
};
const reasonDetail: Detail = { label: { vi: "Lý do", en: "Reason" }, value: "{{reason}}", when: "reason" };

function actorDetail(vi: string, en: string): Detail {
  return { label: { vi, en }, value: "{{actorName}}", when: "actorName" };
}

export const MEETING_TEMPLATES: Record<string, EventCopy> = {
  "meetings.notice.invited": {
    headline: { vi: `Mời họp: ${TITLE}`, en: `Meeting invitation: ${TITLE}` },
    sentence: {
      vi: `Trân trọng kính mời dự cuộc họp ${QUOTED}{{#if (pick meeting.kind)}} ({{pick meeting.kind}}){{/if}} lúc {{datetime meeting.start}}${AT_PLACE.vi}{{#if meeting.chairName}}, do ${CHAIR} chủ trì{{/if}}.`,
      en: `You are invited to ${QUOTED}{{#if (pick meeting.kind)}} ({{pick meeting.kind}}){{/if}} at {{datetime meeting.start}}${AT_PLACE.en}{{#if meeting.chairName}}, chaired by ${CHAIR}{{/if}}.`,
    },
    details: [titleDetail, kindDetail, startDetail, endDetail, placeDetail, chairDetail, videoDetail, organizerDetail],
  },
  "meetings.notice.rescheduled": {
    headline: { vi: `Dời lịch họp: ${TITLE}`, en: `Meeting rescheduled: ${TITLE}` },
    sentence: {
      vi: `Cuộc họp ${QUOTED} đã được dời{{#if previousStart}} từ {{datetime previousStart}}{{/if}} sang {{datetime meeting.start}}${AT_PLACE.vi}.{{#if reason}} Lý do: {{reason}}.{{/if}}`,
      en: `The meeting ${QUOTED} has been moved{{#if previousStart}} from {{datetime previousStart}}{{/if}} to {{datetime meeting.start}}${AT_PLACE.en}.{{#if reason}} Reason: {{reason}}.{{/if}}`,
    },
    details: [
      titleDetail,
      { label: { vi: "Thời gian cũ", en: "Previous time" }, value: "{{datetime previousStart}}", when: "previousStart" },
      { label: { vi: "Thời gian mới", en: "New time" }, value: "{{datetime meeting.start}}", when: "meeting.start" },
      endDetail,
      placeDetail,
      chairDetail,
      videoDetail,
      reasonDetail,
      actorDetail("Người thay đổi", "Changed by"),
    ],
  },
  "meetings.notice.cancelled": {
    headline: { vi: `Hủy cuộc họp: ${TITLE}`, en: `Meeting cancelled: ${TITLE}` },
    sentence: {
      vi: `Cuộc họp ${QUOTED}{{#if meeting.start}} dự kiến lúc {{datetime meeting.start}}{{/if}} đã bị hủy.{{#if reason}} Lý do: {{reason}}.{{/if}}`,
      en: `The meeting ${QUOTED}{{#if meeting.start}} planned for {{datetime meeting.start}}{{/if}} has been cancelled.{{#if reason}} Reason: {{reason}}.{{/if}}`,
    },
    details: [titleDetail, startDetail, placeDetail, chairDetail, reasonDetail, actorDetail("Người hủy", "Cancelled by")],
  },
  "meetings.notice.reminder": {
    headline: {
      vi: `Sắp đến giờ họp{{#if (gt minutesBefore 0)}} (còn {{pick leadTime}}){{/if}}: ${TITLE}`,
      en: `Meeting soon{{#if (gt minutesBefore 0)}} (in {{pick leadTime}}){{/if}}: ${TITLE}`,
    },
    sentence: {
      vi: `Cuộc họp ${QUOTED} bắt đầu lúc {{datetime meeting.start}}${AT_PLACE.vi}{{#if (gt minutesBefore 0)}}, còn {{pick leadTime}} nữa{{/if}}.`,
      en: `The meeting ${QUOTED} starts at {{datetime meeting.start}}${AT_PLACE.en}{{#if (gt minutesBefore 0)}}, in {{pick leadTime}}{{/if}}.`,
    },
    details: [titleDetail, startDetail, endDetail, placeDetail, chairDetail, videoDetail],
  },
  "meetings.notice.concluded": {
    headline: { vi: `Kết luận cuộc họp: ${TITLE}`, en: `Meeting conclusions: ${TITLE}` },
    sentence: {
      vi: `Cuộc họp ${QUOTED}{{#if meeting.chairName}} do ${CHAIR} chủ trì{{/if}} đã có kết luận: {{conclusionCount}} nội dung kết luận, trong đó {{directiveCount}} nội dung chỉ đạo giao nhiệm vụ.`,
      en: `The meeting ${QUOTED}{{#if meeting.chairName}}, chaired by ${CHAIR},{{/if}} has been concluded: {{conclusionCount}} {{#if (eq conclusionCount 1)}}conclusion{{else}}conclusions{{/if}}, {{directiveCount}} of them {{#if (eq directiveCount 1)}}a directive{{else}}directives{{/if}} assigning work.`,
    },
    details: [
      titleDetail,
      { label: { vi: "Thời gian họp", en: "Held on" }, value: "{{datetime meeting.start}}", when: "meeting.start" },
      chairDetail,
      { label: { vi: "Số nội dung kết luận", en: "Conclusions" }, value: "{{conclusionCount}}" },
      { label: { vi: "Số nội dung chỉ đạo", en: "Directives" }, value: "{{directiveCount}}" },
      actorDetail("Người ban hành", "Issued by"),
    ],
  },
};
