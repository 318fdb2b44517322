/**
 * Documents' attachments in GridFS (the driver's GridFSBucket): streamed in and out, never held whole.
 *
 * Upload: the first bytes are sniffed before anything is written, so a renamed executable or a type
 * that is not allowed stores nothing; then the bytes stream into GridFS while the SHA-256 (of the whole
 * file and of each GridFS chunk) and the size are computed; past the configured size limit, or when the
 * full check at the end finds the bytes are not what was declared, the partial file is deleted and
 * nothing remains. GridFS writes the files document only when the stream finishes, so a file is listed
 * only once it is complete and checked.
 *
 * Versions are immutable: every upload is a new GridFS file; a document's version holds one file per
 * name, and uploading the same name again to the same version is refused, never a replacement.
 *
 * Download: each chunk is checked against its stored SHA-256 before any of its bytes are passed on, so
 * a corrupted chunk makes the stream fail instead of serving wrong bytes; the whole file's SHA-256 and
 * size are checked at the end. Every download is reported through `onDownload` before it starts, so
 * the service records it in its AuditLog (no download without its record).
 */
import { createHash } from "node:crypto";
import { type Readable, Transform, type TransformCallback, pipeline } from "node:stream";
import { finished } from "node:stream/promises";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import {
  AlreadyExists,
  type AuditEntry,
  type CollectionIndexes,
  FieldChecks,
  InvalidArgument,
  isDuplicateKeyError,
  NotFound,
} from "@ministry/platform";
import { type Collection, type Db, type GridFSBucketWriteStream, type GridFSFile, GridFSBucket, MongoError, ObjectId } from "mongodb";
import { MAX_ID_LENGTH } from "../domain/limits.js";
import {
  attachmentType,
  canonicalType,
  type ContentFamily,
  type ContentVerifier,
  familyLabel,
  SNIFF_BYTES,
  satisfies,
  sniffFamily,
  verifierFor,
} from "./content-type.js";

/** GridFS's default chunk size, set explicitly: the stored per-chunk digests are cut at this size. */
export const CHUNK_BYTES = 255 * 1024;
/** A file name, in characters (most file systems stop at 255). */
export const MAX_FILE_NAME_LENGTH = 255;
/** A document's version: far beyond any real draft's revisions. */
export const MAX_VERSION = 10_000;

export interface AttachmentStoreOptions {
  /** The GridFS bucket ("attachments": collections `attachments.files` and `attachments.chunks`). */
  bucketName: string;
  /** The largest attachment accepted, in bytes (configuration). */
  maxBytes: number;
  /** Canonical MIME types accepted (configuration), from `ATTACHMENT_TYPES`. */
  allowedTypes: readonly string[];
  /** Told of every download before it starts; the service records it in its AuditLog. */
  onDownload?: (entry: AuditEntry) => Promise<void> | void;
}

export interface UploadRequest {
  documentId: string;
  /** The document's version (draft revision) the file belongs to, from 1. */
  version: number;
  /** As the client named it; stored sanitised (`sanitizeFileName`). */
  fileName: string;
  /** The MIME type the client declared; the bytes must be of this type. */
  declaredType: string;
  /** The uploader's user id. */
  uploadedBy: string;
}

export interface StoredAttachment {
  /** The GridFS file id (ObjectId as hex). */
  id: string;
  documentId: string;
  version: number;
  fileName: string;
  /** The canonical MIME type the bytes were found to be. */
  contentType: string;
  size: number;
  /** Of the whole file, lower-case hex. */
  sha256: string;
  uploadedBy: string;
  uploadedAt: Date;
}

export interface OpenRequest {
  /** The document the caller may see: an attachment of another document answers as a missing one. */
  documentId: string;
  reader: Actor;
}

export interface OpenedAttachment {
  attachment: StoredAttachment;
  /** The file's bytes, each chunk checked before it is passed on; errors with `AttachmentCorrupted`. */
  stream: Readable;
}

/** Stored bytes that are not what was uploaded: never served; an operator restores from backup. */
export class AttachmentCorrupted extends Error {
  constructor(
    readonly attachmentId: string,
    detail: string,
  ) {
    super(`attachment ${attachmentId} is corrupted: ${detail}`);
    this.name = "AttachmentCorrupted";
  }
}

/** The files document's `metadata`. */
interface AttachmentMetadata {
  documentId: string;
  version: number;
  fileName: string;
  contentType: string;
  sha256: string;
  /** SHA-256 of each GridFS chunk, in order, so a download checks a chunk before serving it. */
  chunkSha256: string[];
  uploadedBy: string;
}

type SourceBytes = Readable | AsyncIterable<Buffer | Uint8Array | string> | Buffer;

/**
 * The indexes the store needs, for the service's index list: a document's attachments in version
 * order, and one file per name in a version (also the guard when two uploads race for the same name).
 */
export function attachmentIndexes(bucketName: string): CollectionIndexes[] {
  return [
    {
      collection: `${bucketName}.files`,
      indexes: [
        {
          key: { "metadata.documentId": 1, "metadata.version": 1, "metadata.fileName": 1 },
          name: "document_version_name",
          unique: true,
        },
      ],
    },
    // what the driver creates on first upload anyway; declared so it exists before then
    { collection: `${bucketName}.chunks`, indexes: [{ key: { files_id: 1, n: 1 }, name: "files_id_1_n_1", unique: true }] },
    { collection: `${bucketName}.files`, indexes: [{ key: { filename: 1, uploadDate: 1 }, name: "filename_1_uploadDate_1" }] },
  ];
}

// Path separators, and what Windows forbids in names; replaced so the name stays readable.
const RESERVED_CHARACTERS = /[/\\:*?"<>|]/gu;
// Control characters, and format characters such as U+202E (right-to-left override), which make
// "invoice‮fdp.exe" read as "invoiceexe.pdf".
const INVISIBLE_CHARACTERS = /[\p{Cc}\p{Cf}]/gu;

/**
 * The name a file is stored under: its last path segment (a client may send "C:\\Users\\a\\x.pdf" or
 * "../../x.pdf"), NFC, without control or format characters, with reserved characters as "_", spaces
 * collapsed and no leading or trailing dots or spaces. Throws InvalidArgument (`file_name`) when nothing
 * is left, or the name is longer than `MAX_FILE_NAME_LENGTH`.
 */
export function sanitizeFileName(raw: string): string {
  const lastSegment = raw.split(/[/\\]/u).pop() ?? "";
  const name = lastSegment
    .normalize("NFC")
    .replace(INVISIBLE_CHARACTERS, "")
    .replace(RESERVED_CHARACTERS, "_")
    .replace(/\s+/gu, " ")
    .replace(/^[\s.]+|[\s.]+$/gu, "");
  const checks = new FieldChecks();
  if (name.length === 0) {
    checks.add("file_name", "Tên tệp trống hoặc không hợp lệ", "The file name is empty or not valid");
  } else {
    checks.length("file_name", name, MAX_FILE_NAME_LENGTH, { vi: "Tên tệp", en: "The file name" });
  }
  checks.check();
  return name;
}

function extensionOf(fileName: string): string | undefined {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(dot).toLowerCase() : undefined;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString("vi-VN", { maximumFractionDigits: 1 });
}

function contentViolation(vi: string, en: string): InvalidArgument {
  return new InvalidArgument([{ field: "content", description: `${vi} / ${en}` }]);
}

function notFound(): NotFound {
  return new NotFound("Không tìm thấy tệp đính kèm / Attachment not found");
}

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

async function* bytesOf(source: SourceBytes): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(source)) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Buffer | Uint8Array | string>) {
    if (chunk.length > 0) yield toBuffer(chunk);
  }
}

/** SHA-256 of the whole file and of each `CHUNK_BYTES` piece, fed in pieces cut anywhere. */
class Digests {
  readonly chunkSha256: string[] = [];
  private readonly whole = createHash("sha256");
  private piece = createHash("sha256");
  private pieceLength = 0;
  size = 0;

  update(chunk: Buffer): void {
    this.whole.update(chunk);
    this.size += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(CHUNK_BYTES - this.pieceLength, chunk.length - at);
      this.piece.update(chunk.subarray(at, at + take));
      this.pieceLength += take;
      at += take;
      if (this.pieceLength === CHUNK_BYTES) this.closePiece();
    }
  }

  private closePiece(): void {
    this.chunkSha256.push(this.piece.digest("hex"));
    this.piece = createHash("sha256");
    this.pieceLength = 0;
  }

  finish(): string {
    if (this.pieceLength > 0) this.closePiece();
    return this.whole.digest("hex");
  }
}

function write(writer: GridFSBucketWriteStream, chunk: Buffer): Promise<void> {
  // Waiting for each write's callback (not just for 'drain') means no chunk insert is in flight when an
  // upload is given up, so the clean-up deletes every chunk the upload wrote.
  return new Promise((resolve, reject) => writer.write(chunk, (err) => (err ? reject(err) : resolve())));
}

export class AttachmentStore {
  private readonly bucket: GridFSBucket;
  private readonly files: Collection<GridFSFile>;
  private readonly chunks: Collection<{ files_id: ObjectId }>;
  private readonly allowed: ReadonlySet<string>;

  constructor(
    db: Db,
    private readonly options: AttachmentStoreOptions,
  ) {
    if (!Number.isInteger(options.maxBytes) || options.maxBytes <= 0) throw new Error(`attachments: maxBytes must be a positive integer`);
    for (const type of options.allowedTypes) {
      if (canonicalType(type) !== type) throw new Error(`attachments: "${type}" is not a canonical attachment type`);
    }
    this.allowed = new Set(options.allowedTypes);
    this.bucket = new GridFSBucket(db, { bucketName: options.bucketName, chunkSizeBytes: CHUNK_BYTES });
    this.files = db.collection<GridFSFile>(`${options.bucketName}.files`);
    this.chunks = db.collection(`${options.bucketName}.chunks`);
  }

  /**
   * Streams `source` into a new GridFS file of the document's version. Refusals are InvalidArgument
   * (`file_name`, `content_type`, `content`, `document_id`, `version`) and leave nothing stored; a name
   * already in the version is AlreadyExists (ATTACHMENT_EXISTS).
   */
  async upload(source: SourceBytes, request: UploadRequest): Promise<StoredAttachment> {
    const { fileName, declared } = this.checkRequest(request);
    if (await this.files.findOne(this.nameFilter(request.documentId, request.version, fileName), { projection: { _id: 1 } })) {
      throw exists(fileName, request.version);
    }

    const digests = new Digests();
    const head: Buffer[] = [];
    let headLength = 0;
    let verifier: ContentVerifier | undefined;
    let writer: GridFSBucketWriteStream | undefined;
    // Completed before the stream ends: GridFS writes the files document, with this object as its
    // metadata, only when the stream finishes (see `finishUpload`).
    const metadata: AttachmentMetadata = {
      documentId: request.documentId,
      version: request.version,
      fileName,
      contentType: declared,
      sha256: "",
      chunkSha256: [],
      uploadedBy: request.uploadedBy,
    };

    const begin = async (): Promise<GridFSBucketWriteStream> => {
      const family = sniffFamily(Buffer.concat(head).subarray(0, SNIFF_BYTES));
      this.checkFamily(family, declared, digests.size);
      verifier = verifierFor(family);
      const opened = this.bucket.openUploadStream(fileName, { metadata, chunkSizeBytes: CHUNK_BYTES });
      opened.on("error", () => {}); // errors reach us through the write callbacks and `finished`
      writer = opened;
      for (const chunk of head) {
        verifier.update(chunk);
        await write(opened, chunk);
      }
      head.length = 0;
      return opened;
    };

    try {
      for await (const chunk of bytesOf(source)) {
        if (digests.size + chunk.length > this.options.maxBytes) throw this.tooLarge();
        digests.update(chunk);
        if (writer) {
          verifier?.update(chunk);
          await write(writer, chunk);
          continue;
        }
        head.push(chunk);
        headLength += chunk.length;
        if (headLength >= SNIFF_BYTES) await begin();
      }
      const opened = writer ?? (await begin());
      const detected = verifier?.finish();
      if (detected === undefined || !satisfies(detected, declared)) throw mismatch(declared);
      metadata.sha256 = digests.finish();
      metadata.chunkSha256 = digests.chunkSha256;
      const file = await this.finishUpload(opened, metadata);
      return toStored(file);
    } catch (err) {
      if (writer) await this.discard(writer);
      if (err instanceof MongoError && isDuplicateKeyError(err)) throw exists(fileName, request.version);
      throw err;
    }
  }

  private checkRequest(request: UploadRequest): { fileName: string; declared: string } {
    const checks = new FieldChecks();
    if (request.documentId.length === 0) checks.add("document_id", "Thiếu mã văn bản", "The document id is missing");
    checks.length("document_id", request.documentId, MAX_ID_LENGTH, { vi: "Mã văn bản", en: "The document id" });
    if (!Number.isInteger(request.version) || request.version < 1 || request.version > MAX_VERSION) {
      checks.add(
        "version",
        `Phiên bản phải là số nguyên từ 1 đến ${MAX_VERSION}`,
        `The version must be a whole number from 1 to ${MAX_VERSION}`,
      );
    }
    const declared = canonicalType(request.declaredType);
    if (declared === undefined || !this.allowed.has(declared)) {
      checks.add("content_type", "Loại tệp không được phép đính kèm", "This type of file may not be attached");
    }
    let fileName = "";
    try {
      fileName = sanitizeFileName(request.fileName);
    } catch (err) {
      if (!(err instanceof InvalidArgument)) throw err;
      checks.violations.push(...err.violations);
    }
    const type = declared === undefined ? undefined : attachmentType(declared);
    const extension = extensionOf(fileName);
    if (type && extension !== undefined && !type.extensions.includes(extension)) {
      checks.add(
        "file_name",
        `Phần mở rộng ${extension} không phải của tệp ${type.label}`,
        `The extension ${extension} is not that of a ${type.label} file`,
      );
    }
    checks.check();
    return { fileName, declared: declared as string };
  }

  /** Refuses, from the first bytes and before anything is stored, what cannot be the declared type. */
  private checkFamily(family: ContentFamily, declared: string, size: number): void {
    if (size === 0) throw contentViolation("Tệp trống", "The file is empty");
    if (family === "executable") {
      throw contentViolation(
        "Tệp là chương trình (thực thi), không được đính kèm",
        "The file is an executable program and may not be attached",
      );
    }
    if (attachmentType(declared)?.family !== family) {
      const found = familyLabel(family);
      const type = attachmentType(declared);
      throw contentViolation(
        `Nội dung tệp không phải ${type?.label ?? declared} mà là ${found.vi}`,
        `The file's content is not ${type?.label ?? declared} but ${found.en}`,
      );
    }
  }

  private tooLarge(): InvalidArgument {
    const limit = megabytes(this.options.maxBytes);
    return contentViolation(`Tệp vượt quá giới hạn ${limit} MB`, `The file is larger than the limit of ${limit} MB`);
  }

  private async finishUpload(writer: GridFSBucketWriteStream, metadata: AttachmentMetadata): Promise<GridFSFile> {
    writer.end();
    await finished(writer);
    const file = writer.gridFSFile;
    // The driver builds the files document from the metadata object given to openUploadStream when the
    // stream finishes, which is what lets the checksum (known only at the end) go in with it, atomically.
    // Should a driver copy it earlier, fail loudly rather than keep a file without its checksum.
    if (!file || (file.metadata as AttachmentMetadata | undefined)?.sha256 !== metadata.sha256) {
      throw new Error("attachments: the GridFS files document was written without the upload's checksum");
    }
    return file;
  }

  /** Deletes whatever an upload given up wrote: its chunks, and its files document should there be one. */
  private async discard(writer: GridFSBucketWriteStream): Promise<void> {
    writer.destroy();
    const id = writer.id as ObjectId;
    await this.chunks.deleteMany({ files_id: id });
    await this.files.deleteOne({ _id: id });
  }

  private nameFilter(documentId: string, version: number, fileName: string) {
    return { "metadata.documentId": documentId, "metadata.version": version, "metadata.fileName": fileName };
  }

  /** Every version's files of a document, in version order, then upload order. */
  async list(documentId: string): Promise<StoredAttachment[]> {
    const files = await this.files
      .find({ "metadata.documentId": documentId }, { projection: { "metadata.chunkSha256": 0 } })
      .sort({ "metadata.version": 1, uploadDate: 1, _id: 1 })
      .toArray();
    return files.map(toStored);
  }

  /** One attachment's record, when it belongs to `documentId`. */
  async get(id: string, documentId: string): Promise<StoredAttachment | undefined> {
    const file = await this.findFile(id, documentId, { "metadata.chunkSha256": 0 });
    return file ? toStored(file) : undefined;
  }

  private async findFile(id: string, documentId: string, projection?: Record<string, 0>): Promise<GridFSFile | undefined> {
    if (!ObjectId.isValid(id) || id.length !== 24) return undefined;
    const file = await this.files.findOne({ _id: new ObjectId(id), "metadata.documentId": documentId }, { projection });
    return file ?? undefined;
  }

  /**
   * Opens an attachment for `reader`: reports the download (`onDownload`, awaited, so a download that
   * cannot be recorded does not happen), then streams the bytes, each chunk checked before it is passed
   * on. A missing attachment, or one of another document, is NotFound.
   */
  async open(id: string, request: OpenRequest): Promise<OpenedAttachment> {
    const file = await this.findFile(id, request.documentId);
    if (!file) throw notFound();
    const attachment = toStored(file);
    await this.options.onDownload?.({
      actor: request.reader,
      action: "document.attachment.downloaded",
      target: { type: "attachment", id: attachment.id },
      change: {
        document_id: attachment.documentId,
        version: attachment.version,
        file_name: attachment.fileName,
        size: attachment.size,
        sha256: attachment.sha256,
      },
    });
    const metadata = file.metadata as AttachmentMetadata;
    const checking = new VerifyingStream(attachment.id, metadata, file.length, file.chunkSize);
    const download = this.bucket.openDownloadStream(file._id);
    // pipeline: an error of the download fails `checking`, and a reader giving up stops the download
    const stream = pipeline(download, checking, () => {});
    return { attachment, stream };
  }
}

function exists(fileName: string, version: number): AlreadyExists {
  return new AlreadyExists(
    `Phiên bản ${version} đã có tệp "${fileName}"; mỗi lần tải lên là một phiên bản mới / Version ${version} already has a file "${fileName}"; each upload is a new version`,
    "ATTACHMENT_EXISTS",
    { file_name: fileName, version: String(version) },
  );
}

function mismatch(declared: string): InvalidArgument {
  const label = attachmentType(declared)?.label ?? declared;
  return contentViolation(`Nội dung tệp không phải tệp ${label} hợp lệ`, `The file's content is not a valid ${label} file`);
}

function toStored(file: GridFSFile): StoredAttachment {
  const m = file.metadata as AttachmentMetadata;
  return {
    id: file._id.toHexString(),
    documentId: m.documentId,
    version: m.version,
    fileName: m.fileName,
    contentType: m.contentType,
    size: file.length,
    sha256: m.sha256,
    uploadedBy: m.uploadedBy,
    uploadedAt: file.uploadDate,
  };
}

/**
 * Passes a GridFS file's bytes on one chunk at a time, each only after its SHA-256 matched the stored
 * one (so at most one chunk is held), and checks the whole file's size and SHA-256 at the end.
 */
class VerifyingStream extends Transform {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private n = 0;
  private received = 0;
  private readonly whole = createHash("sha256");

  constructor(
    private readonly id: string,
    private readonly metadata: AttachmentMetadata,
    private readonly length: number,
    private readonly chunkSize: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    this.received += chunk.length;
    try {
      if (this.received > this.length) throw new AttachmentCorrupted(this.id, "more bytes than stored");
      while (this.pendingLength >= this.chunkSize) this.release(this.chunkSize);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.pendingLength > 0) this.release(this.pendingLength);
      if (this.received !== this.length || this.n !== this.metadata.chunkSha256.length) {
        throw new AttachmentCorrupted(this.id, `${this.received} bytes in ${this.n} chunks, ${this.length} stored`);
      }
      if (this.whole.digest("hex") !== this.metadata.sha256) throw new AttachmentCorrupted(this.id, "the file's SHA-256 does not match");
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private release(bytes: number): void {
    const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    const piece = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLength = rest.length;
    const expected = this.metadata.chunkSha256[this.n];
    if (expected === undefined || createHash("sha256").update(piece).digest("hex") !== expected) {
      throw new AttachmentCorrupted(this.id, `chunk ${this.n} does not match its SHA-256`);
    }
    this.n += 1;
    this.whole.update(piece);
    this.push(piece);
  }
}
