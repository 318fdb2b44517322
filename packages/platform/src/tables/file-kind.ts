/**
 * What an upload is, by its first bytes, whatever format the caller named: people pick the wrong one
 * (a CSV saved from Excel and sent as XLSX, an old .xls). Telling them what the file is and what to do
 * beats the unpacker's or the parser's own words, which name zip records and never reach a caller.
 */
import { InvalidArgument } from "../errors.js";

/** The request field holding the file (every import request calls it `content`): what every refusal of a file names. */
export const FILE_FIELD = "content";

export function fileRefusal(vi: string, en: string): InvalidArgument {
  return new InvalidArgument([{ field: FILE_FIELD, description: `${vi} / ${en}` }]);
}

/** zip: an XLSX package (or another zip); ole2: Excel 97-2003, or any password-protected Office file; text: CSV or the like. */
export type FileKind = "zip" | "ole2" | "text" | "other";

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06], // an empty archive
] as const;
const OLE2_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const;
const UTF16_BOMS = [
  [0xff, 0xfe],
  [0xfe, 0xff],
] as const;
/** Text is judged on this much of the start: enough for a header row and a few records. */
const TEXT_PROBE_BYTES = 8192;

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);
}

/** Control bytes no text file holds (tab, line ends and form feed aside); any encoding of CSV avoids them. */
function isBinaryByte(b: number): boolean {
  return b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b) || b === 0x7f;
}

export function fileKind(bytes: Uint8Array): FileKind {
  if (ZIP_SIGNATURES.some((s) => startsWith(bytes, s))) return "zip";
  if (startsWith(bytes, OLE2_SIGNATURE)) return "ole2";
  // Excel's "Unicode text" is UTF-16 with a byte-order mark: text, though half its bytes are zero.
  if (UTF16_BOMS.some((s) => startsWith(bytes, s))) return "text";
  const probe = bytes.subarray(0, TEXT_PROBE_BYTES);
  return probe.length > 0 && !probe.some(isBinaryByte) ? "text" : "other";
}

export const xlsxRefusals = {
  textSentAsXlsx: () =>
    fileRefusal(
      "Tệp được gửi là XLSX nhưng nội dung là văn bản (có thể là CSV); hãy chọn định dạng CSV, hoặc mở tệp bằng Excel và lưu thành .xlsx",
      "The file was sent as XLSX but holds text (perhaps CSV); choose the CSV format, or open it in Excel and save it as .xlsx",
    ),
  legacyOrProtected: () =>
    fileRefusal(
      "Tệp là bảng tính Excel 97-2003 (.xls) hoặc có đặt mật khẩu; hãy mở bằng Excel và lưu thành .xlsx không mật khẩu",
      "The file is an Excel 97-2003 workbook (.xls) or password-protected; open it in Excel and save it as .xlsx without a password",
    ),
  notAWorkbook: () =>
    fileRefusal(
      "Tệp không phải bảng tính XLSX; hãy gửi tệp .xlsx hoặc .csv theo mẫu",
      "The file is not an XLSX workbook; send an .xlsx or .csv file in the template's format",
    ),
  damaged: () =>
    fileRefusal(
      "Tệp XLSX bị hỏng hoặc không trọn vẹn; hãy mở bằng Excel, lưu lại rồi gửi lại",
      "The XLSX file is damaged or incomplete; open it in Excel, save it again and resend it",
    ),
  encrypted: () =>
    fileRefusal(
      "Tệp XLSX có đặt mật khẩu; hãy lưu lại không mật khẩu",
      "The XLSX file is password-protected; save it again without a password",
    ),
};

/** Refuses, with what to do, an upload named XLSX whose bytes are not a zip package. */
export function assertLooksLikeXlsx(bytes: Uint8Array): void {
  switch (fileKind(bytes)) {
    case "zip":
      return;
    case "text":
      throw xlsxRefusals.textSentAsXlsx();
    case "ole2":
      throw xlsxRefusals.legacyOrProtected();
    default:
      throw xlsxRefusals.notAWorkbook();
  }
}

/** Refuses a spreadsheet package sent as CSV; anything else is read as text (and refused there if it is not UTF-8). */
export function assertLooksLikeCsv(bytes: Uint8Array): void {
  const kind = fileKind(bytes);
  if (kind === "zip")
    throw fileRefusal(
      "Tệp được gửi là CSV nhưng là bảng tính XLSX; hãy chọn định dạng XLSX",
      "The file was sent as CSV but is an XLSX workbook; choose the XLSX format",
    );
  if (kind === "ole2") throw xlsxRefusals.legacyOrProtected();
}

/** Refuses an upload larger than `maxBytes` before anything parses it. */
export function assertFileSize(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.byteLength <= maxBytes) return;
  const mib = Number((maxBytes / 1024 / 1024).toFixed(2));
  throw fileRefusal(`Tệp lớn hơn ${maxBytes} byte (${mib} MiB)`, `The file is larger than ${maxBytes} bytes (${mib} MiB)`);
}
