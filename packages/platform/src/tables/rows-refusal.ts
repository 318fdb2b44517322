/**
 * A strict import of a file with invalid rows imports nothing, so it fails: INVALID_ARGUMENT with the
 * row report where any gRPC client reads details — a google.rpc.BadRequest field violation on `content`
 * per row error, and a google.rpc.ErrorInfo (IMPORT_ROWS_INVALID) with the importer's counts.
 *
 * Details travel in a trailer, and HTTP/2 peers refuse header blocks much over 64 KB, so the list is
 * bounded (count and bytes); a last violation says how many errors it leaves out, which a dry run lists.
 */
import { InvalidArgument, type FieldViolation } from "../errors.js";
import { FILE_FIELD } from "./file-kind.js";

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

/**
 * The row errors' descriptions ("Vietnamese / English", each naming its line) as violations on
 * `content`, as many as the bounds allow, then one saying how many are left out; `listed` counts the
 * errors listed.
 */
export function listRowErrors(descriptions: readonly string[]): { violations: FieldViolation[]; listed: number } {
  const violations: FieldViolation[] = [];
  let bytes = 0;
  for (const description of descriptions) {
    bytes += Buffer.byteLength(description);
    if (violations.length === MAX_LISTED_ROW_ERRORS || bytes > MAX_LISTED_ROW_ERROR_BYTES) break;
    violations.push({ field: FILE_FIELD, description });
  }
  const listed = violations.length;
  const left = descriptions.length - listed;
  if (left > 0)
    violations.push({
      field: FILE_FIELD,
      description: `Còn ${left} lỗi khác không liệt kê ở đây; chạy thử để xem toàn bộ báo cáo / ${left} more errors are not listed here; a dry run reports them all`,
    });
  return { violations, listed };
}
