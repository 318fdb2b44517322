/**
 * The attendance sheet of a meeting ("Danh sách điểm danh"), as XLSX and PDF: pure rendering of data
 * the caller has read (sheet-model.ts says what the sheet contains; the two renderers lay it out).
 */
export {
  attendanceFileName,
  type SheetData,
  type SheetLocale,
  type SheetRow,
  type SheetSite,
} from "./sheet-model.js";
export { renderAttendanceXlsx } from "./attendance-xlsx.js";
export { renderAttendancePdf } from "./attendance-pdf.js";
