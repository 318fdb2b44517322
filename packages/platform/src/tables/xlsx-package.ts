/**
 * The gate an uploaded XLSX file passes before a spreadsheet reader sees it. An XLSX file is a zip
 * package, and a zip can unpack to a thousand times its size (a "zip bomb"): a few hundred KB that
 * claim a million rows, or a shared-strings table of hundreds of MB, or headers that lie about sizes.
 *
 * So only the parts a table reader needs are unpacked — the workbook and its relationships, the styles
 * (they say which numbers are dates), the shared strings and the first worksheet — against one budget
 * for all of them: an entry whose declared size would pass the budget is refused before it is read, and
 * yauzl (validateEntrySizes) fails an entry whose data unpacks to more than its headers declare, so a
 * lying header cannot pass the budget either. What passes is packed again by yazl, stored (not
 * compressed), in the order a streaming reader wants (shared strings before the worksheet, so exceljs'
 * WorkbookReader never spools a worksheet to a temporary file).
 */
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import yazl from "yazl";
import { fileRefusal, xlsxRefusals } from "./file-kind.js";

export interface PackagePart {
  name: string;
  data: Buffer;
}

export interface UnpackLimits {
  /** All parts read together, unpacked. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** Every entry of the package's directory (names and sizes only: nothing is unpacked yet). */
function readDirectory(file: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const entries = new Map<string, yauzl.Entry>();
  return new Promise((resolve, reject) => {
    file.on("entry", (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      file.readEntry();
    });
    file.once("end", () => resolve(entries));
    file.once("error", reject);
    file.readEntry();
  });
}

/** An entry's content; yauzl fails the stream as soon as it yields more than the entry declares. */
async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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
 * "content", in words for the person who sent the file) anything else: not a zip, no worksheet, encrypted, too many entries, or too much unpacked.
 */
export async function unpackWorkbook(upload: Uint8Array, limits: UnpackLimits): Promise<PackagePart[]> {
  const zip = Buffer.from(upload.buffer, upload.byteOffset, upload.byteLength);
  let file: yauzl.ZipFile;
  try {
    file = await yauzl.fromBufferPromise(zip, { validateEntrySizes: true });
  } catch {
    // The unpacker's words ("end of central directory record signature not found") stay here.
    throw xlsxRefusals.damaged();
  }
  try {
    if (file.entryCount > limits.maxEntries)
      throw fileRefusal(
        `Tệp XLSX có hơn ${limits.maxEntries} tệp thành phần`,
        `The XLSX package holds more than ${limits.maxEntries} files`,
      );
    let byName: Map<string, yauzl.Entry>;
    try {
      byName = await readDirectory(file);
    } catch {
      throw xlsxRefusals.damaged();
    }
    const worksheets = [...byName.values()]
      .map((e) => ({ e, n: WORKSHEET.exec(e.fileName) }))
      .filter((w): w is { e: yauzl.Entry; n: RegExpExecArray } => w.n !== null)
      .sort((a, b) => Number(a.n[1]) - Number(b.n[1]));
    // A zip, but not a workbook (a .docx, an .ods, an archive of files).
    if (REQUIRED_PARTS.some((name) => !byName.has(name))) throw xlsxRefusals.notAWorkbook();
    if (worksheets.length === 0) throw fileRefusal("Tệp XLSX không có trang tính nào", "The XLSX file has no worksheet");

    const wanted = [...REQUIRED_PARTS, ...OPTIONAL_PARTS].flatMap((name) => byName.get(name) ?? []);
    wanted.push(worksheets[0].e);
    let budget = limits.maxUnpackedBytes;
    const parts: PackagePart[] = [];
    for (const entry of wanted) {
      if (entry.isEncrypted()) throw xlsxRefusals.encrypted();
      // Checked before reading; yauzl holds the data to this declared size.
      if (entry.uncompressedSize > budget)
        throw fileRefusal(
          `Tệp XLSX giải nén lớn hơn ${limits.maxUnpackedBytes} byte`,
          `The XLSX file unpacks to more than ${limits.maxUnpackedBytes} bytes`,
        );
      let data: Buffer;
      try {
        data = await readAll(await file.openReadStreamPromise(entry));
      } catch {
        // Among others: a part unpacking to more than its header declares (a lying zip bomb).
        throw xlsxRefusals.damaged();
      }
      budget -= data.length;
      parts.push({ name: entry.fileName, data });
    }
    if (!byName.has("xl/sharedStrings.xml"))
      parts.splice(parts.length - 1, 0, { name: "xl/sharedStrings.xml", data: Buffer.from(EMPTY_SHARED_STRINGS, "utf8") });
    return parts;
  } finally {
    file.close();
  }
}

/** A package of the parts, stored (not compressed), in the given order. */
export async function storedPackage(parts: readonly PackagePart[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const part of parts) zip.addBuffer(part.data, part.name, { compress: false });
  zip.end();
  return readAll(zip.outputStream as Readable);
}
