/**
 * Limits of the texts and lists the documents domain takes, so no record or event grows unboundedly.
 * The gRPC contract states the same figures in its comments.
 */
import type { FieldName } from "@ministry/platform";

/** A document number: six digits is far beyond a ministry's year (a busy one issues ~20,000). */
export const MAX_DOCUMENT_NUMBER = 999_999;
/** An abbreviation group ("BNV", "TCCB", "UBND"), and an issuer or unit of several groups ("BTP-TANDTC"). */
export const MAX_ABBREV_LENGTH = 40;
/** A whole symbol ("15/2020/TT-BNV"): number, year, type and issuer with their separators. */
export const MAX_SYMBOL_LENGTH = 100;
/** "Trích yếu": one sentence in practice; a decree's title can run to several hundred characters. */
export const MAX_SUMMARY_LENGTH = 1_000;
/** The body text kept for search. */
export const MAX_CONTENT_LENGTH = 500_000;
export const MAX_PLACE_LENGTH = 100;
export const MAX_NAME_LENGTH = 200;
export const MAX_TITLE_LENGTH = 300;
export const MAX_RECIPIENTS = 500;
export const MAX_RECIPIENT_LENGTH = 300;
export const MAX_APPROVERS = 20;
export const MAX_COORDINATING_UNITS = 30;
export const MAX_ID_LENGTH = 128;
export const MAX_COMMENT_LENGTH = 4_000;
export const MAX_DIRECTION_LENGTH = 4_000;
export const MAX_REASON_LENGTH = 2_000;

export const FIELDS = {
  number: { vi: "Số văn bản", en: "Document number" },
  symbol: { vi: "Số, ký hiệu", en: "Number and symbol" },
  issuer: { vi: "Tên cơ quan ban hành viết tắt", en: "Issuer abbreviation" },
  draftingUnit: { vi: "Tên đơn vị soạn thảo viết tắt", en: "Drafting unit abbreviation" },
  year: { vi: "Năm ban hành", en: "Year" },
  summary: { vi: "Trích yếu", en: "Summary" },
  place: { vi: "Địa danh", en: "Place" },
  name: { vi: "Họ tên", en: "Name" },
  title: { vi: "Chức danh", en: "Title" },
  recipients: { vi: "Nơi nhận", en: "Recipients" },
  approvers: { vi: "Người phê duyệt", en: "Approvers" },
  coordinatingUnits: { vi: "Đơn vị phối hợp", en: "Coordinating units" },
  id: { vi: "Mã", en: "Id" },
  comment: { vi: "Ý kiến", en: "Comment" },
  direction: { vi: "Ý kiến chỉ đạo", en: "Direction" },
  reason: { vi: "Lý do", en: "Reason" },
} satisfies Record<string, FieldName>;
