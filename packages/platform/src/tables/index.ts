/**
 * Reading uploaded spreadsheets (CSV and XLSX) into rows of cell text with bounded memory, and writing
 * CSV that spreadsheets open safely. Every service's importer stands on this; the limits (rows, columns,
 * unpacked bytes) are the importer's own and passed in.
 */
export {
  FILE_FIELD,
  assertFileSize,
  assertLooksLikeCsv,
  assertLooksLikeXlsx,
  fileKind,
  fileRefusal,
  xlsxRefusals,
  type FileKind,
} from "./file-kind.js";
export {
  ImportRowsInvalid,
  MAX_LISTED_ROW_ERROR_BYTES,
  MAX_LISTED_ROW_ERRORS,
  listRowErrors,
} from "./rows-refusal.js";
export { storedPackage, unpackWorkbook, type PackagePart, type UnpackLimits } from "./xlsx-package.js";
export {
  CSV_DELIMITERS,
  cellText,
  decodeUtf8,
  detectDelimiter,
  isEmptyRow,
  neutraliseFormula,
  readCsvTable,
  readXlsxTable,
  restoreFormula,
  tooManyRows,
  writeCsvTable,
  type CsvDelimiter,
  type TableLimits,
  type TableRow,
  type XlsxTableLimits,
} from "./table.js";
