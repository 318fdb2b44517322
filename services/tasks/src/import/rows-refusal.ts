/**
 * A strict import of a file with invalid rows (not valid_rows_only, not a dry run) imports nothing, so
 * it fails: INVALID_ARGUMENT, with the row report where any gRPC client reads details — a
 * google.rpc.BadRequest field violation on `content` per row error, naming its line, code and column,
 * and a google.rpc.ErrorInfo (IMPORT_ROWS_INVALID) with the counts.
 *
 * Details travel in a trailer, and HTTP/2 peers refuse header blocks much over 64 KB, so the list is
 * bounded (count and bytes); a last violation says how many errors it leaves out, which a dry run lists.
 */
import { InvalidArgument, type FieldViolation } from "@ministry/platform";
import { columnDef } from "./columns.js";
import { FILE_FIELD } from "@ministry/platform/tables";
import type { ImportError, ImportReport } from "./programme.js";

export const MAX_LISTED_ROW_ERRORS = 100;
/** UTF-8 bytes of the listed descriptions: about a third of the trailer's room once base64-encoded. */
export const MAX_LISTED_ROW_ERROR_BYTES = 16 * 1024;

/** INVALID_ARGUMENT with a stable reason: the platform adds an ErrorInfo with `reason` and `metadata`. */
export class ImportRowsInvalid extends InvalidArgument {
  readonly reason = "IMPORT_ROWS_INVALID";

  constructor(
    violations: FieldViolation[],
    message: string,
    readonly metadata: Record<string, string>,
  ) {
    super(violations, message);
  }
}

/** One row error as a sentence in each language: where it is (line, code, column), then what is wrong. */
function describe(line: number, code: string, error: ImportError): string {
  const column = columnDef(error.column);
  const vi = `Dòng ${line}${code ? ` (mã ${code})` : ""}, cột "${column.vi}": ${error.vi}`;
  const en = `Line ${line}${code ? ` (code ${code})` : ""}, column "${column.en}": ${error.en}`;
  return `${vi} / ${en}`;
}

export function rowsRefusal(report: ImportReport, programmeId: string): ImportRowsInvalid {
  const all = report.rows.flatMap((row) => (row.ok ? [] : row.errors.map((e) => describe(row.line, row.code, e))));
  const violations: FieldViolation[] = [];
  let bytes = 0;
  for (const description of all) {
    bytes += Buffer.byteLength(description);
    if (violations.length === MAX_LISTED_ROW_ERRORS || bytes > MAX_LISTED_ROW_ERROR_BYTES) break;
    violations.push({ field: FILE_FIELD, description });
  }
  const listed = violations.length;
  const left = all.length - listed;
  if (left > 0)
    violations.push({
      field: FILE_FIELD,
      description: `Còn ${left} lỗi khác không liệt kê ở đây; chạy thử để xem toàn bộ báo cáo / ${left} more errors are not listed here; a dry run reports them all`,
    });
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
