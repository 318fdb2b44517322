/**
 * The gate an uploaded XLSX file passes before a spreadsheet reader sees it. An XLSX file is a zip
 * package, and a zip can unpack to a thousand times its size (a "zip bomb"): a few hundred KB that
 * claim a million rows, or a shared-strings table of hundreds of MB, or headers that lie about sizes.
 *
 * So the package's directory is read from the upload (already in memory and size-checked), and only
 * the parts the importer needs are unpacked — the workbook and its relationships, the styles (they say
 * which numbers are dates), the shared strings and the first worksheet — each counted as it unpacks
 * (zlib's maxOutputLength), against one budget for all of them: past MAX_XLSX_UNPACKED_BYTES it stops
 * and the file is refused. What passes is packed again, stored (not compressed), in the order a
 * streaming reader wants (shared strings before the worksheet, so exceljs' WorkbookReader never spools
 * a worksheet to a temporary file).
 *
 * Node's zlib does the unpacking; only the zip directory is read here, because no library in the
 * workspace unpacks within a byte budget.
 */
import { promisify } from "node:util";
import { crc32, inflateRaw } from "node:zlib";
import { InvalidArgument } from "@ministry/platform";
import { MAX_XLSX_ENTRIES, MAX_XLSX_UNPACKED_BYTES } from "../domain/limits.js";

const inflate = promisify(inflateRaw);

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
export const STORED = 0;
export const DEFLATED = 8;
const ENCRYPTED_FLAG = 0x0001;
const UTF8_NAMES_FLAG = 0x0800;

export interface PackagePart {
  name: string;
  data: Buffer;
}

export interface UnpackLimits {
  /** All parts read together, unpacked. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxUnpackedBytes: MAX_XLSX_UNPACKED_BYTES, maxEntries: MAX_XLSX_ENTRIES };

function refuse(vi: string, en: string): InvalidArgument {
  return new InvalidArgument([{ field: "file", description: `${vi} / ${en}` }]);
}

const notAPackage = (why: string) => refuse(`Không đọc được tệp XLSX (${why})`, `Cannot read the XLSX file (${why})`);

interface DirectoryEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** The package's directory (its last record points at it), each entry bounds-checked against the upload. */
function readDirectory(zip: Buffer, maxEntries: number): DirectoryEntry[] {
  // The end record is 22 bytes plus a comment of at most 65,535.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  let end = -1;
  for (let i = zip.length - 22; i >= lowest; i -= 1) {
    if (zip.readUInt32LE(i) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw notAPackage("not a zip package");
  const count = zip.readUInt16LE(end + 10);
  const size = zip.readUInt32LE(end + 12);
  const offset = zip.readUInt32LE(end + 16);
  // ZIP64 marks its real values 0xFFFF.. here; a programme file never needs it.
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw notAPackage("ZIP64 is not supported");
  if (count > maxEntries)
    throw refuse(`Tệp XLSX có hơn ${maxEntries} tệp thành phần`, `The XLSX package holds more than ${maxEntries} files`);
  if (offset + size > end) throw notAPackage("broken directory");
  const entries: DirectoryEntry[] = [];
  let at = offset;
  for (let n = 0; n < count; n += 1) {
    if (at + 46 > end || zip.readUInt32LE(at) !== DIRECTORY_ENTRY) throw notAPackage("broken directory");
    const flags = zip.readUInt16LE(at + 8);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLength);
    entries.push({
      name: nameBytes.toString(flags & UTF8_NAMES_FLAG ? "utf8" : "latin1"),
      method: zip.readUInt16LE(at + 10),
      flags,
      compressedSize: zip.readUInt32LE(at + 20),
      uncompressedSize: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The compressed bytes of an entry, found through its local header. */
function entryData(zip: Buffer, entry: DirectoryEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL_HEADER) throw notAPackage(`broken entry ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  if (start + entry.compressedSize > zip.length) throw notAPackage(`broken entry ${entry.name}`);
  return zip.subarray(start, start + entry.compressedSize);
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "ERR_BUFFER_TOO_LARGE";
}

const WORKSHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/u;
const REQUIRED_PARTS = ["xl/_rels/workbook.xml.rels", "xl/workbook.xml"] as const;
const OPTIONAL_PARTS = ["xl/styles.xml", "xl/sharedStrings.xml"] as const;
/** A reader keeps a worksheet until it has the shared strings; an empty table lets it read straight on. */
const EMPTY_SHARED_STRINGS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>';

/**
 * The parts of the package the importer reads, unpacked within the limits, in reading order: the
 * workbook's relationships, the workbook, the styles (when present), the shared strings (an empty
 * table when absent), then the first worksheet (the lowest-numbered). Refuses (InvalidArgument, field
 * "file") anything else: not a zip, no worksheet, encrypted, too many entries, or too much unpacked.
 */
export async function unpackWorkbook(upload: Uint8Array, limits: UnpackLimits = DEFAULT_UNPACK_LIMITS): Promise<PackagePart[]> {
  const zip = Buffer.from(upload.buffer, upload.byteOffset, upload.byteLength);
  if (zip.length < 22) throw notAPackage("not a zip package");
  const entries = readDirectory(zip, limits.maxEntries);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const worksheets = entries
    .map((e) => ({ e, n: WORKSHEET.exec(e.name) }))
    .filter((w): w is { e: DirectoryEntry; n: RegExpExecArray } => w.n !== null)
    .sort((a, b) => Number(a.n[1]) - Number(b.n[1]));
  if (REQUIRED_PARTS.some((name) => !byName.has(name))) throw notAPackage("no workbook");
  if (worksheets.length === 0) throw refuse("Tệp XLSX không có trang tính nào", "The XLSX file has no worksheet");

  const wanted = [...REQUIRED_PARTS, ...OPTIONAL_PARTS].flatMap((name) => byName.get(name) ?? []);
  wanted.push(worksheets[0].e);
  const tooLarge = () =>
    refuse(
      `Tệp XLSX giải nén lớn hơn ${limits.maxUnpackedBytes} byte`,
      `The XLSX file unpacks to more than ${limits.maxUnpackedBytes} bytes`,
    );
  let budget = limits.maxUnpackedBytes;
  const parts: PackagePart[] = [];
  for (const entry of wanted) {
    if (entry.flags & ENCRYPTED_FLAG) throw notAPackage("encrypted");
    // The headers may lie; they are only trusted to refuse early. The real size is counted below.
    if (entry.uncompressedSize > budget) throw tooLarge();
    const packed = entryData(zip, entry);
    let data: Buffer;
    if (entry.method === STORED) {
      if (packed.length > budget) throw tooLarge();
      data = packed;
    } else if (entry.method === DEFLATED) {
      try {
        data = await inflate(packed, { maxOutputLength: Math.max(1, budget) });
      } catch (err) {
        if (isTooLarge(err)) throw tooLarge();
        throw notAPackage(`entry ${entry.name}: ${(err as Error).message}`);
      }
    } else throw notAPackage(`compression method ${entry.method}`);
    budget -= data.length;
    parts.push({ name: entry.name, data });
  }
  if (!byName.has("xl/sharedStrings.xml"))
    parts.splice(parts.length - 1, 0, { name: "xl/sharedStrings.xml", data: Buffer.from(EMPTY_SHARED_STRINGS, "utf8") });
  return parts;
}

/** One entry as it is written in a package: its bytes as stored, and what the headers say of them. */
export interface PackageEntry {
  name: string;
  /** The bytes in the package: the content itself (stored) or deflated. */
  data: Buffer;
  method: typeof STORED | typeof DEFLATED;
  crc: number;
  /** What the headers claim the content unpacks to. */
  uncompressedSize: number;
}

/** A zip package of the entries in the given order (local headers, directory, end record). */
export function writePackage(entries: readonly PackageEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES_FLAG, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(DIRECTORY_ENTRY, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(UTF8_NAMES_FLAG, 8);
    entry.writeUInt16LE(e.method, 10);
    entry.writeUInt32LE(e.crc >>> 0, 16);
    entry.writeUInt32LE(e.data.length, 20);
    entry.writeUInt32LE(e.uncompressedSize, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    chunks.push(local, name, e.data);
    directory.push(entry, name);
    offset += local.length + name.length + e.data.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_DIRECTORY, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, directoryBytes, end]);
}

/** A package of the parts, stored (not compressed), in the given order. */
export function storedPackage(parts: readonly PackagePart[]): Buffer {
  return writePackage(parts.map((p) => ({ ...p, method: STORED, crc: crc32(p.data), uncompressedSize: p.data.length })));
}
