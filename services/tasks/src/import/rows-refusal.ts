/**
 * A strict import of a file with invalid rows (not valid_rows_only, not a dry run) imports nothing, so
 * it fails: the platform's ImportRowsInvalid, one violation on `content` per row error (bounded), each
 * naming its line, code and column, and the counts with the programme.
 */
import { ImportRowsInvalid, listRowErrors } from "@ministry/platform/tables";
import { columnDef } from "./columns.js";
import type { ImportError, ImportReport } from "./programme.js";

/** One row error as a sentence in each language: where it is (line, code, column), then what is wrong. */
function describe(line: number, code: string, error: ImportError): string {
  const column = columnDef(error.column);
  const vi = `Dòng ${line}${code ? ` (mã ${code})` : ""}, cột "${column.vi}": ${error.vi}`;
  const en = `Line ${line}${code ? ` (code ${code})` : ""}, column "${column.en}": ${error.en}`;
  return `${vi} / ${en}`;
}

export function rowsRefusal(report: ImportReport, programmeId: string): ImportRowsInvalid {
  const all = report.rows.flatMap((row) => (row.ok ? [] : row.errors.map((e) => describe(row.line, row.code, e))));
  const { violations, listed } = listRowErrors(all);
  const n = report.invalid;
  const message =
    `Tệp có ${n} dòng không hợp lệ, chưa nhập nhiệm vụ nào; hãy sửa các dòng đó, hoặc chọn chỉ nhập các dòng hợp lệ / ` +
    `${n === 1 ? "1 row of the file is" : `${n} rows of the file are`} invalid and nothing was imported; fix ${n === 1 ? "it" : "them"}, ` +
    "or import the valid rows only (valid_rows_only)";
  return new ImportRowsInvalid(violations, message, {
    programme_id: programmeId,
    valid_rows: String(report.valid),
    invalid_rows: String(report.invalid),
    row_errors: String(all.length),
    listed_errors: String(listed),
  });
}
