import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GridFSBucket, type Db, type ObjectId } from "mongodb";
import { caught, openTarget, type Target, type AnyDoc } from "./harness.js";

let t: Target;
let db: Db;

beforeAll(async () => {
  t = await openTarget("gridfs");
  db = t.db();
});
afterAll(async () => {
  await t?.close();
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

async function upload(bucket: GridFSBucket, name: string, data: Buffer, metadata?: Record<string, unknown>): Promise<ObjectId> {
  const up = bucket.openUploadStream(name, { metadata });
  await pipeline(Readable.from([data.subarray(0, 1_000_003), data.subarray(1_000_003)]), up);
  return up.id as ObjectId;
}

describe("GridFS", () => {
  const SIZE = 5 * 1024 * 1024;
  const CHUNK = 255 * 1024;
  let bucket: GridFSBucket;
  let data: Buffer;
  let id: ObjectId;

  beforeAll(async () => {
    bucket = new GridFSBucket(db, { bucketName: "files" });
    data = randomBytes(SIZE);
    id = await upload(bucket, "random.bin", data, { kind: "test" });
  });

  it("stores a 5 MiB file as a files document plus ceil(size / chunkSize) chunks", async () => {
    const file = await db.collection<AnyDoc>("files.files").findOne({ _id: id });
    expect(file).toMatchObject({ _id: id, length: SIZE, chunkSize: CHUNK, filename: "random.bin", metadata: { kind: "test" } });
    expect(file?.uploadDate).toBeInstanceOf(Date);
    const chunks = db.collection<AnyDoc>("files.chunks");
    expect(await chunks.countDocuments({ files_id: id })).toBe(Math.ceil(SIZE / CHUNK));
    const last = await chunks.findOne({ files_id: id }, { sort: { n: -1 } });
    expect(last?.n).toBe(Math.ceil(SIZE / CHUNK) - 1);
    expect(last?.data.length()).toBe(SIZE % CHUNK);
  });

  it("downloads exactly the uploaded bytes (by id and by name)", async () => {
    const byId = await readAll(bucket.openDownloadStream(id));
    expect(byId.length).toBe(SIZE);
    expect(sha256(byId)).toBe(sha256(data));
    const byName = await readAll(bucket.openDownloadStreamByName("random.bin"));
    expect(sha256(byName)).toBe(sha256(data));
  });

  it("downloads a byte range", async () => {
    const start = CHUNK - 10;
    const end = 3 * CHUNK + 17;
    const part = await readAll(bucket.openDownloadStream(id, { start, end }));
    expect(part.equals(data.subarray(start, end))).toBe(true);
  });

  it("find lists files by filename and metadata", async () => {
    const small = Buffer.from("hello gridfs");
    const smallId = await upload(bucket, "small.txt", small);
    const files = await bucket.find({ filename: "random.bin" }).toArray();
    expect(files.map((f) => f._id.toHexString())).toEqual([id.toHexString()]);
    const all = await bucket.find({}, { sort: { filename: 1 } }).toArray();
    expect(all.map((f) => f.filename)).toEqual(["random.bin", "small.txt"]);
    expect(all[1].length).toBe(small.length);
    expect(await bucket.find({ "metadata.kind": "test" }).toArray()).toHaveLength(1);
    expect((await readAll(bucket.openDownloadStream(smallId))).toString()).toBe("hello gridfs");
  });

  it("delete removes the file and all its chunks", async () => {
    await bucket.delete(id);
    expect(await db.collection<AnyDoc>("files.files").findOne({ _id: id })).toBeNull();
    expect(await db.collection<AnyDoc>("files.chunks").countDocuments({ files_id: id })).toBe(0);
    expect(await bucket.find({ filename: "random.bin" }).toArray()).toEqual([]);
    const err = await caught(readAll(bucket.openDownloadStream(id)));
    expect(String(err?.message)).toMatch(/FileNotFound|file not found/i);
  });
});
