/**
 * Attachments in GridFS through the official driver against the embedded MongoDB: streamed in with
 * SHA-256 and size counted, the content type told from the bytes, refusals leaving nothing stored,
 * immutable versions, corrupted chunks never served, and every download reported for the audit.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { AlreadyExists, type AuditEntry, ensureIndexes, InvalidArgument, NotFound } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { Document, Packer, Paragraph } from "docx";
import ExcelJS from "exceljs";
import { Binary, type Db, MongoClient, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttachmentCorrupted, AttachmentStore, attachmentIndexes, CHUNK_BYTES, sanitizeFileName } from "../../src/store/attachments.js";
import { ATTACHMENT_TYPES, DOC, DOCX, PDF, PNG, TEXT, XLS, XLSX, XML } from "../../src/store/content-type.js";

type Server = Awaited<ReturnType<typeof startEmbeddedMongo>>;

const BUCKET = "attachments";
const ALL_TYPES = ATTACHMENT_TYPES.map((t) => t.mime);
const CLERK: Actor = { userId: "u-clerk", displayName: "Nguyễn Văn Thư", roles: ["clerk"], unit: undefined };

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function pdf(body = "1 0 obj << /Type /Catalog >> endobj"): Buffer {
  return Buffer.from(`%PDF-1.7\n%âãÏÓ\n${body}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, "latin1");
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A ZIP of stored (uncompressed) entries; CRCs left 0, which nothing here reads. */
function storedZip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name, "utf8");
    const data = Buffer.from(text, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** An OLE2 compound file's shape: the header, then a directory sector holding a root entry and one stream. */
function ole2(streamName: string): Buffer {
  const file = Buffer.alloc(512 * 3);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(file, 0);
  const entry = (at: number, name: string, type: number) => {
    const bytes = Buffer.from(`${name}\0`, "utf16le");
    bytes.copy(file, at);
    file.writeUInt16LE(bytes.length, at + 64);
    file[at + 66] = type;
  };
  entry(512, "Root Entry", 5);
  entry(512 + 128, streamName, 2);
  return file;
}

async function docx(): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph("Báo cáo quý I năm 2020")] }] }));
}

async function xlsx(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet("Sổ văn bản đi").addRow(["Số", "Trích yếu"]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The InvalidArgument a promise rejects with, checked to name `field`. */
async function refusal(promise: Promise<unknown>, field: string): Promise<InvalidArgument> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidArgument);
  const invalid = err as InvalidArgument;
  expect(invalid.violations.map((v) => v.field)).toContain(field);
  return invalid;
}

describe("file names", () => {
  it("keeps the last path segment, NFC, without control or format characters", () => {
    expect(sanitizeFileName("../../etc/passwd.txt")).toBe("passwd.txt");
    expect(sanitizeFileName("C:\\Users\\thu\\Báo cáo.docx")).toBe("Báo cáo.docx");
    // "e" + combining acute becomes one "é"; U+202E (right-to-left override) disguises an extension
    expect(sanitizeFileName("re\u0301sume\u0301\u202Efdp.exe")).toBe("résuméfdp.exe");
    expect(sanitizeFileName("a\u0000b\tc\u0007.pdf")).toBe("abc.pdf");
    expect(sanitizeFileName('  ..Tờ trình: "dự thảo"?.pdf.  ')).toBe("Tờ trình_ _dự thảo__.pdf");
    expect(sanitizeFileName("Công văn.pdf").normalize("NFC")).toBe(sanitizeFileName("Công văn.pdf"));
  });

  it("refuses a name that is empty once cleaned, or too long", () => {
    expect(() => sanitizeFileName("../")).toThrow(InvalidArgument);
    expect(() => sanitizeFileName("\u0000\u0001")).toThrow(InvalidArgument);
    expect(() => sanitizeFileName(`${"ă".repeat(252)}.pdf`)).toThrow(/file_name: The file name is longer than 255 characters/);
    expect(sanitizeFileName(`${"ă".repeat(251)}.pdf`)).toHaveLength(255);
  });
});

describe("attachment store (GridFS)", () => {
  let server: Server;
  let client: MongoClient;
  let db: Db;
  let store: AttachmentStore;
  const downloads: AuditEntry[] = [];

  const count = async () => ({
    files: await db.collection(`${BUCKET}.files`).countDocuments({}),
    chunks: await db.collection(`${BUCKET}.chunks`).countDocuments({}),
  });

  /** Runs an upload that must be refused, and checks it left no file and no chunk behind. */
  async function refusedLeavingNothing(run: () => Promise<unknown>, field: string): Promise<InvalidArgument> {
    const before = await count();
    const err = await refusal(run(), field);
    expect(await count()).toEqual(before);
    return err;
  }

  const request = (over: Partial<Parameters<AttachmentStore["upload"]>[1]> = {}) => ({
    documentId: "doc-1",
    version: 1,
    fileName: "bao-cao.pdf",
    declaredType: PDF,
    uploadedBy: "u-drafter",
    ...over,
  });

  beforeAll(async () => {
    server = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
    client = new MongoClient(server.uri);
    await client.connect();
    db = client.db("documents_attachments_test");
    await ensureIndexes(db, attachmentIndexes(BUCKET));
    store = new AttachmentStore(db, {
      bucketName: BUCKET,
      maxBytes: 8 * 1024 * 1024,
      allowedTypes: ALL_TYPES,
      onDownload: (entry) => {
        downloads.push(entry);
      },
    });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it("stores a PDF and reads it back byte for byte, its SHA-256 the same as node:crypto's", async () => {
    const bytes = pdf();
    const stored = await store.upload(bytes, request({ documentId: "doc-roundtrip", fileName: "Báo cáo quý I.pdf" }));
    expect(stored).toMatchObject({
      documentId: "doc-roundtrip",
      version: 1,
      fileName: "Báo cáo quý I.pdf",
      contentType: PDF,
      size: bytes.length,
      sha256: sha256(bytes),
      uploadedBy: "u-drafter",
    });
    expect(stored.id).toMatch(/^[0-9a-f]{24}$/);
    expect(stored.uploadedAt).toBeInstanceOf(Date);

    const file = await db.collection(`${BUCKET}.files`).findOne({ _id: new ObjectId(stored.id) });
    expect(file).toMatchObject({
      filename: "Báo cáo quý I.pdf",
      length: bytes.length,
      metadata: { sha256: sha256(bytes), chunkSha256: [sha256(bytes)] },
    });

    const opened = await store.open(stored.id, { documentId: "doc-roundtrip", reader: CLERK });
    expect(opened.attachment).toEqual(stored);
    expect((await readAll(opened.stream)).equals(bytes)).toBe(true);
  });

  it("streams a 5 MB upload in pieces, into ceil(size / 255 KiB) chunks, and back", async () => {
    const size = 5 * 1024 * 1024;
    const bytes = Buffer.concat([pdf(), randomBytes(size - pdf().length)]);
    let pulled = 0;
    // odd-sized pieces, so neither the sniffing nor the chunk digests can count on aligned input
    const source = Readable.from(
      (function* () {
        for (let at = 0; at < bytes.length; at += 65_537) {
          pulled += 1;
          yield bytes.subarray(at, at + 65_537);
        }
      })(),
    );
    const stored = await store.upload(source, request({ documentId: "doc-big", fileName: "ho-so.pdf" }));
    expect(pulled).toBe(Math.ceil(size / 65_537));
    expect(stored.size).toBe(size);
    expect(stored.sha256).toBe(sha256(bytes));
    const chunks = await db.collection(`${BUCKET}.chunks`).countDocuments({ files_id: new ObjectId(stored.id) });
    expect(chunks).toBe(Math.ceil(size / CHUNK_BYTES));

    const opened = await store.open(stored.id, { documentId: "doc-big", reader: CLERK });
    const back = await readAll(opened.stream);
    expect(back.length).toBe(size);
    expect(sha256(back)).toBe(sha256(bytes));
  });

  it("gives up as soon as the size limit is passed, reads no further, and leaves nothing stored", async () => {
    const limited = new AttachmentStore(db, { bucketName: BUCKET, maxBytes: 1024 * 1024, allowedTypes: ALL_TYPES });
    const piece = 64 * 1024;
    let pulled = 0;
    async function* threeMegabytes() {
      yield Buffer.concat([pdf(), Buffer.alloc(piece - pdf().length, 0x20)]);
      pulled += 1;
      for (let i = 1; i < 48; i += 1) {
        pulled += 1;
        yield randomBytes(piece);
      }
    }
    const err = await refusedLeavingNothing(() => limited.upload(threeMegabytes(), request({ documentId: "doc-limit" })), "content");
    expect(err.message).toMatch(/vượt quá giới hạn 1 MB/);
    expect(err.message).toMatch(/larger than the limit of 1 MB/);
    // 16 pieces are the limit exactly: the 17th passes it and nothing after is read
    expect(pulled).toBe(17);
    expect(await limited.list("doc-limit")).toEqual([]);

    // a whole buffer over the limit is refused the same way
    await refusedLeavingNothing(
      () => limited.upload(Buffer.concat([pdf(), randomBytes(1024 * 1024)]), request({ documentId: "doc-limit" })),
      "content",
    );
  });

  it("refuses a renamed executable, whatever its name and declared type, storing nothing", async () => {
    const exe = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00", "latin1"), randomBytes(300 * 1024)]);
    const err = await refusedLeavingNothing(
      () => store.upload(exe, request({ documentId: "doc-exe", fileName: "bao-cao.pdf" })),
      "content",
    );
    expect(err.message).toMatch(/chương trình \(thực thi\)/);
    expect(err.message).toMatch(/executable/);
    await refusedLeavingNothing(() => store.upload(exe, request({ documentId: "doc-exe", fileName: "setup.exe" })), "file_name");
  });

  it("refuses a ZIP renamed .pdf, and a ZIP that is not the Office file it claims (checked at its end)", async () => {
    const zip = storedZip({ "readme.txt": "không phải văn bản Word" });
    const asPdf = await refusedLeavingNothing(() => store.upload(zip, request({ documentId: "doc-zip", fileName: "x.pdf" })), "content");
    expect(asPdf.message).toMatch(/not PDF but a ZIP archive/);
    // large enough that chunks are written before the central directory shows what it is
    const bigZip = storedZip({ "readme.txt": "x", "data.bin": randomBytes(600 * 1024).toString("latin1") });
    await refusedLeavingNothing(
      () =>
        store.upload(
          Readable.from([bigZip.subarray(0, 5000), bigZip.subarray(5000)]),
          request({ documentId: "doc-zip", fileName: "x.docx", declaredType: DOCX }),
        ),
      "content",
    );
  });

  it("accepts a DOCX and an XLSX for what they are, and refuses one declared as the other", async () => {
    const word = await docx();
    const sheet = await xlsx();
    expect(
      (await store.upload(word, request({ documentId: "doc-office", fileName: "du-thao.docx", declaredType: DOCX }))).contentType,
    ).toBe(DOCX);
    expect((await store.upload(sheet, request({ documentId: "doc-office", fileName: "so.xlsx", declaredType: XLSX }))).contentType).toBe(
      XLSX,
    );
    await refusedLeavingNothing(
      () => store.upload(sheet, request({ documentId: "doc-office", fileName: "so.docx", declaredType: DOCX })),
      "content",
    );
  });

  it("tells a Word 97–2003 document from an Excel one by its OLE2 directory", async () => {
    expect(
      (await store.upload(ole2("WordDocument"), request({ documentId: "doc-ole", fileName: "cu.doc", declaredType: DOC }))).contentType,
    ).toBe(DOC);
    expect(
      (await store.upload(ole2("Workbook"), request({ documentId: "doc-ole", fileName: "cu.xls", declaredType: XLS }))).contentType,
    ).toBe(XLS);
    await refusedLeavingNothing(
      () => store.upload(ole2("Workbook"), request({ documentId: "doc-ole", fileName: "sai.doc", declaredType: DOC })),
      "content",
    );
  });

  it("accepts UTF-8 text and XML, and refuses binary declared as text", async () => {
    const text = Buffer.from("Thông báo kết luận cuộc họp giao ban quý I/2020\r\n", "utf8");
    expect((await store.upload(text, request({ documentId: "doc-text", fileName: "ghi-chu.txt", declaredType: TEXT }))).contentType).toBe(
      TEXT,
    );
    const xml = Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope/>', "utf8");
    expect(
      (await store.upload(xml, request({ documentId: "doc-text", fileName: "goi-tin.xml", declaredType: "text/xml; charset=utf-8" })))
        .contentType,
    ).toBe(XML);
    // text at the start, then a NUL far past the sniffed head: found by the full check at the end
    const disguised = Buffer.concat([Buffer.alloc(10_000, "a"), Buffer.from([0]), Buffer.alloc(10, "b")]);
    await refusedLeavingNothing(
      () => store.upload(disguised, request({ documentId: "doc-text", fileName: "x.txt", declaredType: TEXT })),
      "content",
    );
    const latin1 = Buffer.from("Qu\xe9bec", "latin1"); // not UTF-8
    await refusedLeavingNothing(
      () => store.upload(latin1, request({ documentId: "doc-text", fileName: "y.txt", declaredType: TEXT })),
      "content",
    );
  });

  it("refuses a type that is not allowed, or empty content, before reading it", async () => {
    const pdfOnly = new AttachmentStore(db, { bucketName: BUCKET, maxBytes: 1024 * 1024, allowedTypes: [PDF] });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(100)]);
    const err = await refusedLeavingNothing(() => pdfOnly.upload(png, request({ fileName: "anh.png", declaredType: PNG })), "content_type");
    expect(err.message).toMatch(/^Loại tệp không được phép đính kèm \/ content_type: This type of file may not be attached$/);
    await refusedLeavingNothing(() => pdfOnly.upload(pdf(), request({ declaredType: "application/x-msdownload" })), "content_type");
    await refusedLeavingNothing(() => pdfOnly.upload(Buffer.alloc(0), request({ documentId: "doc-empty" })), "content");
  });

  it("keeps every upload as a new immutable version, listed in version order", async () => {
    const v = (n: number) => pdf(`% version ${n}`);
    const second = await store.upload(v(2), request({ documentId: "doc-versions", version: 2 }));
    const first = await store.upload(v(1), request({ documentId: "doc-versions", version: 1 }));
    const appendix = await store.upload(v(21), request({ documentId: "doc-versions", version: 2, fileName: "phu-luc.pdf" }));
    const third = await store.upload(v(3), request({ documentId: "doc-versions", version: 3 }));

    // the same name in the same version is refused, and the stored one stays as it was
    const before = await count();
    await expect(store.upload(v(99), request({ documentId: "doc-versions", version: 2 }))).rejects.toBeInstanceOf(AlreadyExists);
    expect(await count()).toEqual(before);

    const listed = await store.list("doc-versions");
    expect(listed.map((a) => [a.version, a.fileName])).toEqual([
      [1, "bao-cao.pdf"],
      [2, "bao-cao.pdf"],
      [2, "phu-luc.pdf"],
      [3, "bao-cao.pdf"],
    ]);
    expect(listed.map((a) => a.id)).toEqual([first.id, second.id, appendix.id, third.id]);
    expect(listed.map((a) => a.sha256)).toEqual([v(1), v(2), v(21), v(3)].map(sha256));
    const reread = await store.open(second.id, { documentId: "doc-versions", reader: CLERK });
    expect((await readAll(reread.stream)).equals(v(2))).toBe(true);
  });

  it("two concurrent uploads of one name to one version: one is stored, the other refused, no chunk left over", async () => {
    const before = await count();
    const results = await Promise.allSettled([
      store.upload(Buffer.concat([pdf(), randomBytes(400 * 1024)]), request({ documentId: "doc-race" })),
      store.upload(Buffer.concat([pdf(), randomBytes(400 * 1024)]), request({ documentId: "doc-race" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(AlreadyExists);
    expect(await count()).toEqual({ files: before.files + 1, chunks: before.chunks + 2 });
  });

  it("fails the download at a corrupted chunk, having passed on only the chunks before it", async () => {
    const bytes = Buffer.concat([pdf(), randomBytes(3 * CHUNK_BYTES - pdf().length)]);
    const stored = await store.upload(bytes, request({ documentId: "doc-corrupt" }));
    const chunks = db.collection(`${BUCKET}.chunks`);
    const chunk = await chunks.findOne({ files_id: new ObjectId(stored.id), n: 1 });
    if (!chunk) throw new Error("chunk 1 was not stored");
    const data = Buffer.from((chunk.data as Binary).buffer);
    data[1000] = (data[1000] ?? 0) ^ 0xff; // one flipped byte, same length: only the checksum can tell
    await chunks.updateOne({ _id: chunk._id }, { $set: { data: new Binary(data) } });

    const opened = await store.open(stored.id, { documentId: "doc-corrupt", reader: CLERK });
    const served: Buffer[] = [];
    const err = await (async () => {
      try {
        for await (const piece of opened.stream) served.push(piece as Buffer);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(AttachmentCorrupted);
    expect(String((err as Error).message)).toMatch(/chunk 1 does not match its SHA-256/);
    const passed = Buffer.concat(served);
    expect(passed.equals(bytes.subarray(0, CHUNK_BYTES))).toBe(true);
  });

  it("reports each download once, with who read what, before it starts", async () => {
    const bytes = pdf("% audited");
    const stored = await store.upload(bytes, request({ documentId: "doc-audit" }));
    downloads.length = 0;
    await readAll((await store.open(stored.id, { documentId: "doc-audit", reader: CLERK })).stream);
    expect(downloads).toEqual([
      {
        actor: CLERK,
        action: "document.attachment.downloaded",
        target: { type: "attachment", id: stored.id },
        change: { document_id: "doc-audit", version: 1, file_name: "bao-cao.pdf", size: bytes.length, sha256: sha256(bytes) },
      },
    ]);
    const leader: Actor = { userId: "u-leader", displayName: "Trần Thị Lãnh Đạo", roles: ["leader"], unit: undefined };
    await readAll((await store.open(stored.id, { documentId: "doc-audit", reader: leader })).stream);
    expect(downloads.map((d) => d.actor.userId)).toEqual(["u-clerk", "u-leader"]);

    // a download that cannot be recorded does not happen
    const unrecorded = new AttachmentStore(db, {
      bucketName: BUCKET,
      maxBytes: 1024,
      allowedTypes: [PDF],
      onDownload: () => Promise.reject(new Error("audit store down")),
    });
    await expect(unrecorded.open(stored.id, { documentId: "doc-audit", reader: CLERK })).rejects.toThrow("audit store down");
  });

  it("answers an attachment of another document, or an unknown id, as missing, and reports no download", async () => {
    const stored = await store.upload(pdf("% secret"), request({ documentId: "doc-secret" }));
    downloads.length = 0;
    await expect(store.open(stored.id, { documentId: "doc-visible", reader: CLERK })).rejects.toBeInstanceOf(NotFound);
    await expect(store.open(new ObjectId().toHexString(), { documentId: "doc-secret", reader: CLERK })).rejects.toBeInstanceOf(NotFound);
    await expect(store.open("not-an-id", { documentId: "doc-secret", reader: CLERK })).rejects.toBeInstanceOf(NotFound);
    expect(downloads).toEqual([]);
    expect(await store.get(stored.id, "doc-visible")).toBeUndefined();
    expect((await store.get(stored.id, "doc-secret"))?.sha256).toBe(stored.sha256);
  });
});
