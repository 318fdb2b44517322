/**
 * Builds XLSX packages for tests the way an attacker would: parts generated chunk by chunk and deflated
 * as they go (so a 100 MB part costs the test no 100 MB), optionally with sizes in the headers that
 * lie about what the data unpacks to.
 */
import { createDeflateRaw, crc32 } from "node:zlib";

/** One entry as written: its deflated bytes, and what the headers say of them (which may be a lie). */
interface PackageEntry {
  name: string;
  data: Buffer;
  crc: number;
  uncompressedSize: number;
}

const LOCAL_HEADER = 0x04034b50;
const DIRECTORY_ENTRY = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const DEFLATED = 8;
const UTF8_NAMES_FLAG = 0x0800;

/**
 * A zip package of deflated entries, written by hand: no zip library writes headers that lie about an
 * entry's size, and that is what an attacker sends.
 */
function writePackage(entries: readonly PackageEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const sizes = (header: Buffer, at: number) => {
      header.writeUInt16LE(DEFLATED, at);
      header.writeUInt32LE(e.crc >>> 0, at + 6);
      header.writeUInt32LE(e.data.length, at + 10);
      header.writeUInt32LE(e.uncompressedSize, at + 14);
      header.writeUInt16LE(name.length, at + 18);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES_FLAG, 6);
    sizes(local, 8);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(DIRECTORY_ENTRY, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(UTF8_NAMES_FLAG, 8);
    sizes(entry, 10);
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

export interface PartSource {
  name: string;
  /** The part's content, in pieces (a generator keeps a huge part out of memory). */
  chunks: Iterable<string>;
  /** The uncompressed size written in the headers; default the true one. */
  declaredSize?: number;
}

async function deflate(chunks: Iterable<string>): Promise<{ data: Buffer; crc: number; size: number }> {
  const deflater = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflater.on("data", (b: Buffer) => out.push(b));
  const done = new Promise((resolve, reject) => {
    deflater.on("end", resolve);
    deflater.on("error", reject);
  });
  let crc = 0;
  let size = 0;
  for (const chunk of chunks) {
    const bytes = Buffer.from(chunk, "utf8");
    crc = crc32(bytes, crc);
    size += bytes.length;
    if (!deflater.write(bytes)) await new Promise((r) => deflater.once("drain", r));
  }
  deflater.end();
  await done;
  return { data: Buffer.concat(out), crc, size };
}

/** A zip of the parts, deflated; the headers say `declaredSize` when given. */
export async function zipOf(parts: PartSource[]): Promise<Buffer> {
  const entries: PackageEntry[] = [];
  for (const part of parts) {
    const { data, crc, size } = await deflate(part.chunks);
    entries.push({ name: part.name, data, crc, uncompressedSize: part.declaredSize ?? size });
  }
  return writePackage(entries);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/** The parts every workbook has, around the given worksheet and shared strings. */
export function workbookParts(sheet: Iterable<string>, sharedStrings?: Iterable<string>): PartSource[] {
  const parts: PartSource[] = [
    {
      name: "[Content_Types].xml",
      chunks: [
        `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`,
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
        sharedStrings
          ? '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
          : "",
        "</Types>",
      ],
    },
    {
      name: "_rels/.rels",
      chunks: [
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`,
        `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ],
    },
    {
      name: "xl/workbook.xml",
      chunks: [`${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    },
    {
      name: "xl/_rels/workbook.xml.rels",
      chunks: [
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`,
        `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>`,
        sharedStrings ? `<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` : "",
        "</Relationships>",
      ],
    },
    { name: "xl/worksheets/sheet1.xml", chunks: sheet },
  ];
  if (sharedStrings) parts.push({ name: "xl/sharedStrings.xml", chunks: sharedStrings });
  return parts;
}

const HEADINGS = ["Mã", "Tên nhiệm vụ", "Loại", "Cấp trình", "Đơn vị chủ trì", "Thời hạn"];

function inlineRow(n: number, cells: readonly string[]): string {
  return `<row r="${n}">${cells.map((c, i) => `<c r="${String.fromCharCode(65 + i)}${n}" t="inlineStr"><is><t>${c}</t></is></c>`).join("")}</row>`;
}

/** The cells of a valid task row. */
export const TASK_ROW = ["NV-1", "Báo cáo tổng kết", "Báo cáo", "Bộ trưởng", "VP", "Quý IV/2020"] as const;

/** A worksheet of the heading row and `rows` rows of the given cells, generated lazily. */
export function* sheetOfRows(rows: number, cells: readonly string[] = TASK_ROW): Generator<string> {
  yield `${XML}<worksheet xmlns="${MAIN}"><sheetData>`;
  yield inlineRow(1, HEADINGS);
  let batch = "";
  for (let n = 2; n <= rows + 1; n += 1) {
    batch += inlineRow(n, cells);
    if (batch.length > 1 << 16) {
      yield batch;
      batch = "";
    }
  }
  yield `${batch}</sheetData></worksheet>`;
}

/** A shared-strings table holding one string of `characters` letters, generated lazily. */
export function* hugeSharedString(characters: number): Generator<string> {
  yield `${XML}<sst xmlns="${MAIN}" count="1" uniqueCount="1"><si><t>`;
  const piece = "a".repeat(1 << 16);
  for (let left = characters; left > 0; left -= piece.length) yield left >= piece.length ? piece : piece.slice(0, left);
  yield "</t></si></sst>";
}

/** A worksheet whose title cell is shared string 0. */
export function* sheetUsingSharedString(): Generator<string> {
  yield `${XML}<worksheet xmlns="${MAIN}"><sheetData>`;
  yield inlineRow(1, HEADINGS);
  yield '<row r="2"><c r="A2" t="inlineStr"><is><t>NV-1</t></is></c><c r="B2" t="s"><v>0</v></c></row>';
  yield "</sheetData></worksheet>";
}
