import type { BusinessDocType, PriorityCode, StatusCode } from "./types.js";

/** The document service's urgency (Decree 30), with the exchange's "hỏa tốc hẹn giờ" as its own value. */
export type Urgency = "normal" | "khan" | "thuong_khan" | "hoa_toc" | "hoa_toc_hen_gio";

const URGENCY_BY_PRIORITY: readonly Urgency[] = ["normal", "khan", "thuong_khan", "hoa_toc", "hoa_toc_hen_gio"];

export function isPriorityCode(value: number): value is PriorityCode {
  return Number.isInteger(value) && value >= 0 && value < URGENCY_BY_PRIORITY.length;
}

export function urgencyOfPriority(code: PriorityCode): Urgency {
  return URGENCY_BY_PRIORITY[code];
}

export function priorityOfUrgency(urgency: Urgency): PriorityCode {
  return URGENCY_BY_PRIORITY.indexOf(urgency) as PriorityCode;
}

export function isBusinessDocType(value: number): value is BusinessDocType {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

export const BUSINESS_DOC_TYPES: Readonly<Record<BusinessDocType, { vi: string; en: string }>> = {
  0: { vi: "Văn bản mới", en: "New document" },
  1: { vi: "Thu hồi", en: "Recall" },
  2: { vi: "Cập nhật", en: "Update" },
  3: { vi: "Thay thế", en: "Replace" },
};

/** The status packet codes with their labels. */
export const STATUS_CODES: Readonly<Record<StatusCode, { vi: string; en: string }>> = {
  "01": { vi: "Đã đến", en: "Arrived" },
  "02": { vi: "Từ chối tiếp nhận", en: "Rejected" },
  "03": { vi: "Đã tiếp nhận", en: "Accepted" },
  "04": { vi: "Đã phân công", en: "Assigned" },
  "05": { vi: "Đang xử lý", en: "Processing" },
  "06": { vi: "Hoàn thành", en: "Done" },
  "13": { vi: "Đề nghị lấy lại văn bản", en: "Sender asks to take the document back" },
  "15": { vi: "Đồng ý cập nhật / lấy lại", en: "Update or take-back accepted" },
  "16": { vi: "Từ chối cập nhật / lấy lại", en: "Update or take-back refused" },
};

export function isStatusCode(value: string): value is StatusCode {
  return Object.hasOwn(STATUS_CODES, value);
}
