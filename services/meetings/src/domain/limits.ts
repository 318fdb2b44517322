/**
 * Limits of every text and list a command takes (each stated in the proto's comments), so no request
 * can make a record or an event unboundedly large.
 */
import type { FieldName } from "@ministry/platform";

export const MAX_TITLE_LENGTH = 500;
export const MAX_PLACE_LENGTH = 500;
export const MAX_REASON_LENGTH = 1_000;
export const MAX_ID_LENGTH = 128;
export const MAX_SITE_ID_LENGTH = 64;
export const MAX_SITE_NAME_LENGTH = 300;
export const MAX_NAME_LENGTH = 200;
export const MAX_URL_LENGTH = 2_000;
export const MAX_SITES_PER_CALL = 500;
export const MAX_SITES = 5_000;
export const MAX_INVITEES_PER_CALL = 1_000;
/** Of a call's invitees, how many the directory resolves (persons, units, roles). */
export const MAX_RESOLVED_PER_CALL = 100;
export const MAX_PARTICIPANTS = 100_000;
export const MAX_SESSIONS = 20;
export const MAX_AGENDA_ITEMS = 50;
export const MAX_ITEM_ID_LENGTH = 40;
export const MAX_DESCRIPTION_LENGTH = 2_000;
export const MAX_ITEM_DOCUMENTS = 20;
export const MAX_DOCUMENT_ID_LENGTH = 64;
export const MIN_PLANNED_MINUTES = 1;
export const MAX_PLANNED_MINUTES = 600;
export const MAX_COMMENT_LENGTH = 10_000;
export const MAX_TOPIC_LENGTH = 500;
export const MAX_SPEAKERS_PER_ITEM = 500;
export const MAX_MINUTES_LENGTH = 200_000;
export const MAX_CONCLUSIONS = 200;
export const MAX_CONCLUSION_LENGTH = 4_000;
export const MAX_COORDINATING_UNITS = 30;
export const MAX_UNIT_ID_LENGTH = 64;
export const MAX_TASK_KIND_LENGTH = 64;
export const MAX_RESCHEDULES = 100;
/** A meeting lasts at most a day (a conference over several days is several meetings). */
export const MAX_DURATION_MS = 24 * 3600_000;
export const MAX_LABEL_LENGTH = 200;
export const MAX_FEED_TOKENS_PER_PERSON = 20;
/** Notices name at most this many people each; a larger audience gets several. */
export const NOTICE_PART_SIZE = 500;
/** Attendees a conclusion event names per site, and sites it lists. */
export const EVENT_ATTENDEES_PER_SITE = 100;
export const EVENT_SITES = 200;
/**
 * Rows an attendance file holds (rendering is CPU work on the service's one thread: 5,000 rows of PDF take
 * about two seconds here); a bigger meeting is exported site by site.
 */
export const MAX_EXPORT_ROWS = 5_000;

export const FIELDS = {
  title: { vi: "Tên cuộc họp", en: "Title" },
  place: { vi: "Địa điểm", en: "Place" },
  reason: { vi: "Lý do", en: "Reason" },
  id: { vi: "Mã", en: "Id" },
  siteName: { vi: "Tên điểm cầu", en: "Site name" },
  name: { vi: "Họ tên", en: "Name" },
  url: { vi: "Đường dẫn", en: "Link" },
  sites: { vi: "Điểm cầu", en: "Sites" },
  invitees: { vi: "Người được mời", en: "Invitees" },
  agenda: { vi: "Mục chương trình", en: "Agenda items" },
  description: { vi: "Mô tả", en: "Description" },
  documents: { vi: "Văn bản", en: "Documents" },
  comment: { vi: "Ý kiến", en: "Comment" },
  topic: { vi: "Nội dung phát biểu", en: "Topic" },
  minutes: { vi: "Biên bản", en: "Minutes" },
  conclusions: { vi: "Kết luận", en: "Conclusions" },
  conclusion: { vi: "Nội dung kết luận", en: "Conclusion" },
  units: { vi: "Đơn vị phối hợp", en: "Coordinating units" },
  label: { vi: "Nhãn", en: "Label" },
} satisfies Record<string, FieldName>;
