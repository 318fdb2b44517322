/**
 * What an attachment's bytes are, told from the bytes and never from the name or the declared type: a
 * renamed executable or a ZIP called ".pdf" must not be stored as a PDF and handed to a reader's viewer.
 *
 * Two steps, so an upload can be refused before anything is stored and still be checked in full:
 * - `sniffFamily(head)` reads the first bytes (the magic numbers) and gives the container family;
 * - a `ContentVerifier` sees every byte as it streams and, at the end, tells the exact type within the
 *   family: which OOXML package a ZIP is (from its central directory), which OLE2 document a compound file
 *   is (from its directory entries), and whether text is UTF-8 throughout.
 */

/** The types an attachment may have, by their canonical MIME type. */
export const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const DOC = "application/msword";
export const XLS = "application/vnd.ms-excel";
export const PDF = "application/pdf";
export const PNG = "image/png";
export const JPEG = "image/jpeg";
export const TEXT = "text/plain";
export const XML = "application/xml";

/** How a type's bytes begin. "executable" and "unknown" are never stored. */
export type ContentFamily = "pdf" | "zip" | "ole2" | "png" | "jpeg" | "text" | "executable" | "unknown";

export interface AttachmentType {
  mime: string;
  family: ContentFamily;
  /** File name extensions the type goes by, lower case with the dot. */
  extensions: readonly string[];
  /** How the type is named in messages. */
  label: string;
}

export const ATTACHMENT_TYPES: readonly AttachmentType[] = [
  { mime: PDF, family: "pdf", extensions: [".pdf"], label: "PDF" },
  { mime: DOCX, family: "zip", extensions: [".docx"], label: "Word (DOCX)" },
  { mime: XLSX, family: "zip", extensions: [".xlsx"], label: "Excel (XLSX)" },
  { mime: DOC, family: "ole2", extensions: [".doc"], label: "Word (DOC)" },
  { mime: XLS, family: "ole2", extensions: [".xls"], label: "Excel (XLS)" },
  { mime: PNG, family: "png", extensions: [".png"], label: "PNG" },
  { mime: JPEG, family: "jpeg", extensions: [".jpg", ".jpeg"], label: "JPEG" },
  { mime: TEXT, family: "text", extensions: [".txt"], label: "văn bản thuần / plain text" },
  { mime: XML, family: "text", extensions: [".xml"], label: "XML" },
];

/** Other spellings clients send for the same types. */
const ALIASES: Record<string, string> = {
  "text/xml": XML,
  "image/jpg": JPEG,
  "image/pjpeg": JPEG,
};

/** The canonical MIME type of a declared one (parameters such as `charset` dropped), or undefined when not ours. */
export function canonicalType(declared: string): string | undefined {
  const essence = declared.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const mime = ALIASES[essence] ?? essence;
  return ATTACHMENT_TYPES.some((t) => t.mime === mime) ? mime : undefined;
}

export function attachmentType(mime: string): AttachmentType | undefined {
  return ATTACHMENT_TYPES.find((t) => t.mime === mime);
}

/** How many first bytes `sniffFamily` wants (fewer only when the file is shorter). */
export const SNIFF_BYTES = 4096;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const EXECUTABLE_MAGICS = [
  Buffer.from("MZ"), // Windows PE (.exe, .dll, .scr)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]), // ELF
  Buffer.from([0xfe, 0xed, 0xfa, 0xce]), // Mach-O
  Buffer.from([0xfe, 0xed, 0xfa, 0xcf]),
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]), // Mach-O universal (also Java classes)
];
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The family of a file from its first bytes (`SNIFF_BYTES` of them, or the whole file when shorter). */
export function sniffFamily(head: Buffer): ContentFamily {
  const startsWith = (magic: Buffer | string) =>
    head.subarray(0, magic.length).equals(Buffer.isBuffer(magic) ? magic : Buffer.from(magic, "latin1"));
  if (startsWith("%PDF-")) return "pdf";
  if (startsWith("PK\x03\x04")) return "zip";
  if (startsWith(OLE2_MAGIC)) return "ole2";
  if (startsWith(PNG_MAGIC)) return "png";
  if (startsWith("\xff\xd8\xff")) return "jpeg";
  if (EXECUTABLE_MAGICS.some((m) => startsWith(m))) return "executable";
  if (head.length > 0 && isTextPrefix(head)) return "text";
  return "unknown";
}

/** Control characters plain text does not hold: C0 except tab, line feed, form feed and carriage return; DEL. */
function isForbiddenControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) || byte === 0x7f;
}

function isTextPrefix(head: Buffer): boolean {
  const check = new TextCheck();
  check.update(head);
  return check.ok; // an incomplete last character is fine: the head is cut anywhere
}

/** UTF-8 throughout, without the control characters text does not hold; fed in pieces cut anywhere. */
class TextCheck {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  ok = true;

  update(chunk: Buffer): void {
    if (!this.ok) return;
    for (const byte of chunk) {
      if (isForbiddenControl(byte)) {
        this.ok = false;
        return;
      }
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.ok = false;
    }
  }

  finish(): boolean {
    if (!this.ok) return false;
    try {
      this.decoder.decode(); // an unfinished character at the very end is invalid
      return true;
    } catch {
      return false;
    }
  }
}

/** Sees an upload's bytes in order, all of them, and tells at the end what exactly they are. */
export interface ContentVerifier {
  update(chunk: Buffer): void;
  /** The exact type, or undefined when the bytes are not any type of the family. */
  finish(): string | undefined;
}

/** The verifier of a family (text tells plain text from XML: XML is text that starts with "<"). */
export function verifierFor(family: ContentFamily): ContentVerifier {
  switch (family) {
    case "pdf":
      return fixed(PDF);
    case "png":
      return fixed(PNG);
    case "jpeg":
      return fixed(JPEG);
    case "zip":
      return new ZipVerifier();
    case "ole2":
      return new Ole2Verifier();
    case "text":
      return new TextVerifier();
    default:
      return fixed(undefined);
  }
}

function fixed(mime: string | undefined): ContentVerifier {
  return { update: () => {}, finish: () => mime };
}

class TextVerifier implements ContentVerifier {
  private readonly check = new TextCheck();
  private start = "";

  update(chunk: Buffer): void {
    if (this.start.length < 64) this.start += chunk.subarray(0, 64).toString("latin1");
    this.check.update(chunk);
  }

  finish(): string | undefined {
    if (!this.check.finish()) return undefined;
    const text = this.start.startsWith(UTF8_BOM.toString("latin1")) ? this.start.slice(UTF8_BOM.length) : this.start;
    return text.trimStart().startsWith("<") ? XML : TEXT;
  }
}

/**
 * An OOXML file is a ZIP whose central directory (at its end) names the package's parts: a Word document
 * has `word/document.xml`, a workbook `xl/workbook.xml`, both a `[Content_Types].xml`. The verifier keeps
 * the last bytes only, enough for the central directory of any real document.
 */
class ZipVerifier implements ContentVerifier {
  static readonly TAIL_BYTES = 256 * 1024;
  private tail: Buffer[] = [];
  private tailLength = 0;
  private total = 0;

  update(chunk: Buffer): void {
    this.total += chunk.length;
    this.tail.push(chunk);
    this.tailLength += chunk.length;
    while (this.tail.length > 1 && this.tailLength - (this.tail[0]?.length ?? 0) >= ZipVerifier.TAIL_BYTES) {
      this.tailLength -= this.tail.shift()?.length ?? 0;
    }
  }

  finish(): string | undefined {
    const names = zipEntryNames(Buffer.concat(this.tail), this.total);
    if (!names?.has("[Content_Types].xml")) return undefined;
    if (names.has("word/document.xml")) return DOCX;
    if (names.has("xl/workbook.xml")) return XLSX;
    return undefined;
  }
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50;

/** The entry names of a ZIP's central directory, from the file's last bytes; undefined when they do not hold it. */
export function zipEntryNames(tail: Buffer, totalLength: number): Set<string> | undefined {
  const tailStart = totalLength - tail.length;
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65,535.
  for (let at = tail.length - 22; at >= Math.max(0, tail.length - 22 - 0xffff); at -= 1) {
    if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
    const entries = tail.readUInt16LE(at + 10);
    const size = tail.readUInt32LE(at + 12);
    const offset = tail.readUInt32LE(at + 16);
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) return undefined; // ZIP64: no office file needs it
    let pos = offset - tailStart;
    if (pos < 0 || pos + size > at) return undefined;
    const names = new Set<string>();
    for (let i = 0; i < entries; i += 1) {
      if (pos + 46 > at || tail.readUInt32LE(pos) !== CENTRAL_ENTRY_SIGNATURE) return undefined;
      const nameLength = tail.readUInt16LE(pos + 28);
      const extraLength = tail.readUInt16LE(pos + 30);
      const commentLength = tail.readUInt16LE(pos + 32);
      names.add(tail.subarray(pos + 46, pos + 46 + nameLength).toString("utf8"));
      pos += 46 + nameLength + extraLength + commentLength;
    }
    return names;
  }
  return undefined;
}

/**
 * An OLE2 compound file keeps its directory in 128-byte entries (UTF-16LE name, its length, the object
 * type) inside sectors that all start at multiples of 128 after the 512-byte header. A Word 97–2003
 * document has a "WordDocument" stream, a workbook "Workbook" (or "Book" for Excel 5/95). The verifier
 * reads every 128-byte record as it streams by and keeps the stream names it knows.
 */
class Ole2Verifier implements ContentVerifier {
  private static readonly RECORD = 128;
  private static readonly HEADER = 512;
  private static readonly STREAM_TYPE = 2;
  private static readonly NAMES = new Set(["WordDocument", "Workbook", "Book"]);
  private carry = Buffer.alloc(0);
  private offset = 0; // of carry's first byte
  private readonly found = new Set<string>();

  update(chunk: Buffer): void {
    let data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let at = 0;
    while (data.length - at >= Ole2Verifier.RECORD) {
      if (this.offset >= Ole2Verifier.HEADER) this.readEntry(data.subarray(at, at + Ole2Verifier.RECORD));
      at += Ole2Verifier.RECORD;
      this.offset += Ole2Verifier.RECORD;
    }
    data = data.subarray(at);
    this.carry = Buffer.from(data); // a copy: never hold on to the caller's (possibly pooled) buffer
  }

  private readEntry(entry: Buffer): void {
    const nameBytes = entry.readUInt16LE(64);
    if (nameBytes < 4 || nameBytes > 64 || nameBytes % 2 !== 0 || entry[66] !== Ole2Verifier.STREAM_TYPE) return;
    const name = entry.subarray(0, nameBytes - 2).toString("utf16le");
    if (Ole2Verifier.NAMES.has(name)) this.found.add(name);
  }

  finish(): string | undefined {
    if (this.found.has("WordDocument")) return DOC;
    if (this.found.has("Workbook") || this.found.has("Book")) return XLS;
    return undefined;
  }
}

/** Whether bytes found to be `detected` may be stored as `declared` (both canonical): XML is plain text too. */
export function satisfies(detected: string, declared: string): boolean {
  return detected === declared || (declared === TEXT && detected === XML);
}

/** How a family is named in a refusal, Vietnamese and English. */
export function familyLabel(family: ContentFamily): { vi: string; en: string } {
  switch (family) {
    case "executable":
      return { vi: "tệp chương trình (thực thi)", en: "an executable program" };
    case "zip":
      return { vi: "tệp nén ZIP", en: "a ZIP archive" };
    case "ole2":
      return { vi: "tệp Office 97–2003", en: "an Office 97–2003 file" };
    case "text":
      return { vi: "văn bản thuần", en: "plain text" };
    case "unknown":
      return { vi: "định dạng không nhận biết được", en: "an unrecognised format" };
    default: {
      const label = family.toUpperCase();
      return { vi: `tệp ${label}`, en: `a ${label} file` };
    }
  }
}
