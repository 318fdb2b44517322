/**
 * How much a caller, a spreadsheet or another service's event may send: every free-text and repeated
 * field has its bound here, once, and the proto comments (proto/ministry/tasks/v1/tasks.proto) state
 * the same numbers. The bounds are generous for the Office's real work (a year's programme holds a few
 * hundred tasks; titles of decrees run to two lines) and small enough that the largest event a valid
 * command can produce stays far below the broker's 1 MB max_payload: about 49 KB (a progress note with
 * every attachment), measured by test/integration/limits.test.ts with every field at its bound in
 * 4-byte characters.
 *
 * Lengths count Unicode code points of the normalised (NFC) text, which is what a person counts as
 * characters in Vietnamese text; a code point is at most 4 bytes in UTF-8, so a bound in characters
 * is a bound in bytes too.
 */

// Words people write.
/** A task's title; a programme's and a report snapshot's title. */
export const MAX_TITLE_LENGTH = 500;
/** A task's code in its programme ("QP-05", "VB-001"). */
export const MAX_CODE_LENGTH = 64;
/** The person responsible for a task, as written. */
export const MAX_ASSIGNEE_LENGTH = 200;
/** A progress note. */
export const MAX_NOTE_LENGTH = 4000;
/** A reason or a short note: withdrawal, deadline change and its decision, submission, completion, a programme row's note. */
export const MAX_REMARK_LENGTH = 2000;
/** Where a task came from, as written (a decision's number, a meeting and its item). */
export const MAX_SOURCE_REF_LENGTH = 200;
/** A deadline given as text ("Quý II/2020", "30/06/2020"). */
export const MAX_DEADLINE_TEXT_LENGTH = 64;
/** Words to search for in a task list. */
export const MAX_SEARCH_TEXT_LENGTH = 200;

// Documents.
/** A document's number and symbol as printed ("05/CT-TTg", "123/2020/NĐ-CP"). */
export const MAX_DOCUMENT_NUMBER_LENGTH = 40;
/** Documents linked to one task (directive, drafts, submission, issued, references). */
export const MAX_DOCUMENT_LINKS = 50;
/** Documents attached to one progress note. */
export const MAX_ATTACHMENTS = 20;
/** An attachment's title or file name. */
export const MAX_ATTACHMENT_TITLE_LENGTH = 300;

// References.
/**
 * An id another service assigned (a document, a meeting): a UUID has 36 characters. Short enough that
 * a task code built from a meeting's id and an item's id fits MAX_CODE_LENGTH without cutting.
 */
export const MAX_EXTERNAL_ID_LENGTH = 40;
/** An item's id within a meeting's conclusions or a directive ("1", "2.a", "II.3"). */
export const MAX_ITEM_ID_LENGTH = 20;
/** A task's id: derived ids (ids.ts) of the longest code still fit. */
export const MAX_TASK_ID_LENGTH = 600;
/** Other ids a caller names: programmes, snapshots, deadline-change requests, request ids. */
export const MAX_ID_LENGTH = 128;
/** A code of the vocabulary (a kind, an authority, a unit). */
export const MAX_VOCABULARY_CODE_LENGTH = 64;
/** A kind, an authority, a unit or a priority named in a programme file, by its code or its name. */
export const MAX_VOCABULARY_NAME_LENGTH = 200;
/** Coordinating units of one task (the ministry has 17 units). */
export const MAX_COORDINATING_UNITS = 30;
/** Values of one list filter (kinds, statuses). */
export const MAX_FILTER_VALUES = 50;

// Other services' events.
/** Conclusions of one meeting, tasks of one directive, tasks one issued document names. */
export const MAX_EVENT_ITEMS = 200;
/** An actor's user id and each role, as another service's event names them. */
export const MAX_ACTOR_ID_LENGTH = 128;
/** An actor's display name and unit name. */
export const MAX_ACTOR_NAME_LENGTH = 200;
export const MAX_ACTOR_ROLES = 20;

// Programme files.
/** Data rows of one programme file: a year's programme has a few hundred tasks. */
export const MAX_IMPORT_ROWS = 5000;
/** An uploaded programme file, checked before it is parsed (gRPC itself caps a message at 4 MiB). */
export const MAX_IMPORT_FILE_BYTES = 3 * 1024 * 1024;
/** Columns read from a programme file; cells further right are ignored. */
export const MAX_IMPORT_COLUMNS = 64;
/**
 * The parts of an XLSX file the importer reads (workbook, relationships, shared strings, the first
 * worksheet), unpacked: a real programme of 5,000 rows needs a few MB; a zip bomb is refused as it
 * crosses this bound, before anything is parsed.
 */
export const MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024;
/** Files inside one XLSX package (a workbook has a dozen). */
export const MAX_XLSX_ENTRIES = 1000;
/** The bounds a programme file is read with (the reading itself is the platform's). */
export const IMPORT_TABLE_LIMITS: XlsxTableLimits = {
  maxDataRows: MAX_IMPORT_ROWS,
  maxColumns: MAX_IMPORT_COLUMNS,
  maxUnpackedBytes: MAX_XLSX_UNPACKED_BYTES,
  maxEntries: MAX_XLSX_ENTRIES,
};

// The field-check mechanism is the platform's (every service checks its requests the same way).
export { characterCount, FieldChecks, tooLong, tooMany, type FieldName } from "@ministry/platform";
import type { FieldName } from "@ministry/platform";
import type { XlsxTableLimits } from "@ministry/platform/tables";

/** The names of fields in messages, so every check of one field says it the same way. */
export const FIELD_NAMES = {
  taskTitle: { vi: "Tên nhiệm vụ", en: "Title" },
  programmeTitle: { vi: "Tên chương trình", en: "Title" },
  snapshotTitle: { vi: "Tên bản chốt báo cáo", en: "Title" },
  code: { vi: "Mã nhiệm vụ", en: "Code" },
  assignee: { vi: "Người thực hiện", en: "Assignee" },
  note: { vi: "Ghi chú", en: "Note" },
  reason: { vi: "Lý do", en: "Reason" },
  sourceRef: { vi: "Nguồn nhiệm vụ", en: "Source reference" },
  deadline: { vi: "Thời hạn", en: "Deadline" },
  search: { vi: "Từ khóa tìm kiếm", en: "Search text" },
  documentId: { vi: "Mã văn bản", en: "Document id" },
  documentNumber: { vi: "Số, ký hiệu văn bản", en: "Document number" },
  documentLinks: { vi: "Văn bản liên quan", en: "Linked documents" },
  attachments: { vi: "Tệp đính kèm", en: "Attachments" },
  attachmentTitle: { vi: "Tên tệp đính kèm", en: "Attachment title" },
  id: { vi: "Mã định danh", en: "Id" },
  taskId: { vi: "Mã định danh nhiệm vụ", en: "Task id" },
  requestId: { vi: "Mã yêu cầu", en: "Request id" },
  itemId: { vi: "Mã mục", en: "Item id" },
  vocabularyCode: { vi: "Mã danh mục", en: "Code" },
  units: { vi: "Đơn vị phối hợp", en: "Coordinating units" },
  leadUnit: { vi: "Đơn vị chủ trì", en: "Lead unit" },
  kind: { vi: "Loại nhiệm vụ", en: "Kind" },
  authority: { vi: "Cấp trình", en: "Authority" },
  priority: { vi: "Mức ưu tiên", en: "Priority" },
  filterValues: { vi: "Giá trị lọc", en: "Filter values" },
  items: { vi: "Mục", en: "Items" },
  taskIds: { vi: "Nhiệm vụ", en: "Tasks" },
  actorName: { vi: "Tên người thực hiện thao tác", en: "Actor name" },
  actorId: { vi: "Mã người thực hiện thao tác", en: "Actor id" },
  roles: { vi: "Vai trò", en: "Roles" },
} as const satisfies Record<string, FieldName>;
