import { expect } from "vitest";
import { InvalidArgument } from "@ministry/platform";
import type { ImportReport, ImportRow } from "../../src/import/index.js";

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export const HEADER = "Mã,Tên nhiệm vụ,Loại,Cấp trình,Đơn vị chủ trì,Đơn vị phối hợp,Thời hạn,Mức ưu tiên,Người thực hiện,Ghi chú";

/** A CSV with the standard header and the given lines (joined with CRLF). */
export function csv(...lines: string[]): Uint8Array {
  return encode([HEADER, ...lines].join("\r\n"));
}

export function row(report: ImportReport, line: number): ImportRow {
  const found = report.rows.find((r) => r.line === line);
  if (!found) throw new Error(`no row at line ${line}: ${JSON.stringify(report.rows.map((r) => r.line))}`);
  return found;
}

export function okTask(report: ImportReport, line: number) {
  const r = row(report, line);
  if (!r.ok) throw new Error(`line ${line} is invalid: ${JSON.stringify(r.errors)}`);
  return r.task;
}

export function errorsAt(report: ImportReport, line: number) {
  const r = row(report, line);
  if (r.ok) throw new Error(`line ${line} is valid`);
  return r.errors;
}

export async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    return (e as InvalidArgument).violations;
  }
  throw new Error("expected InvalidArgument");
}
