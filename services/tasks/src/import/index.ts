export * from "./programme.js";
export { PROGRAMME_COLUMNS, COLUMN_KEYS, columnOf, type ColumnDef, type ColumnKey } from "./columns.js";
export { PRIORITY_LABELS, lookupKey, buildLookups, splitUnits, type VocabularyLookups } from "./lookup.js";
export { cellText, detectDelimiter, type TableRow } from "@ministry/platform/tables";
