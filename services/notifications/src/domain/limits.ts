/**
 * How much a caller or a file may send: every free-text and repeated field has its bound here, once,
 * and the proto comments (proto/ministry/notifications/v1/notifications.proto) state the same numbers.
 */
import type { FieldName } from "@ministry/platform";

/** Ids a caller names: people, notifications, webhooks, request ids. */
export const MAX_ID_LENGTH = 128;
export const MAX_UNIT_ID_LENGTH = 64;
export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_PHONE_LENGTH = 32;
export const MAX_ROLES = 16;
export const MAX_ROLE_LENGTH = 64;
export const MAX_TIME_ZONE_LENGTH = 64;
export const MAX_SEARCH_LENGTH = 200;
export const MAX_SELECTORS = 100;
/** Notifications one call marks (read, unread, archived). */
export const MAX_IDS_PER_CALL = 500;
export const MAX_SNOOZE_DAYS = 30;
export const MAX_CATEGORY_LENGTH = 64;
export const MAX_CHANNEL_PREFERENCES = 64;
export const MAX_TEMPLATE_PART_LENGTH = 20_000;
export const MAX_EVENT_TYPE_LENGTH = 128;
export const MAX_URL_LENGTH = 2_000;
export const MAX_WEBHOOK_EVENT_TYPES = 50;
export const MAX_DESCRIPTION_LENGTH = 500;
/** A directory file, checked before it is parsed. */
/** gRPC refuses a message over 4 MiB before the service sees it; the file must fit with room to spare. */
export const MAX_IMPORT_FILE_BYTES = 3 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;

/** The names of fields in messages, so every check of one field says it the same way. */
export const FIELDS = {
  id: { vi: "Mã định danh", en: "Id" },
  requestId: { vi: "Mã yêu cầu", en: "Request id" },
  fullName: { vi: "Họ và tên", en: "Full name" },
  position: { vi: "Chức vụ", en: "Position" },
  unit: { vi: "Đơn vị", en: "Unit" },
  unitName: { vi: "Tên đơn vị", en: "Unit name" },
  roles: { vi: "Quyền", en: "Roles" },
  email: { vi: "Thư điện tử", en: "Email" },
  phone: { vi: "Điện thoại", en: "Phone" },
  timeZone: { vi: "Múi giờ", en: "Time zone" },
  search: { vi: "Từ khóa tìm kiếm", en: "Search text" },
  selectors: { vi: "Người nhận", en: "Selectors" },
  ids: { vi: "Thông báo", en: "Notifications" },
  category: { vi: "Nhóm thông báo", en: "Category" },
  preferences: { vi: "Tùy chọn", en: "Preferences" },
  template: { vi: "Mẫu thông báo", en: "Template" },
  eventType: { vi: "Loại sự kiện", en: "Event type" },
  url: { vi: "Địa chỉ", en: "URL" },
  eventTypes: { vi: "Loại sự kiện", en: "Event types" },
  description: { vi: "Mô tả", en: "Description" },
  fileName: { vi: "Tên tệp", en: "File name" },
} as const satisfies Record<string, FieldName>;
