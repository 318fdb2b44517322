/**
 * The upload limit (UPLOAD_LIMIT_BYTES, 2 KiB here so the test stays small): a file over it is refused
 * with 413 problem+json whether its size is announced (Content-Length) or only found while streaming
 * (chunked), nothing of it is stored, and files within it are taken as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";
import { expectProblem, type Json, pdf, raw, sha256, upload } from "./documents-helpers.js";

const LIMIT = 2048;

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem({ gatewayEnv: { UPLOAD_LIMIT_BYTES: String(LIMIT) } });
}, 120_000);
afterAll(async () => sys?.stop());

/** A body sent in pieces without Content-Length (Transfer-Encoding: chunked). */
function chunked(bytes: Buffer, piece = 512): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + piece));
      offset += piece;
    },
  });
}

describe("the upload limit", () => {
  it("refuses a file over the limit with 413, announced or streamed, and stores nothing of it", async () => {
    const draft = await sys.http("POST", "/v1/documents/drafts", {
      as: "pc-staff",
      body: { type: "CONG_VAN", summary: "Về việc thử giới hạn tải tệp", recipients: [{ code: "TCCB", name: "Vụ Tổ chức cán bộ" }] },
    });
    expect(draft.status, draft.text).toBe(201);
    const id = draft.json.document.id as string;

    const announced = await upload(sys, "pc-staff", id, pdf(LIMIT * 2), { fileName: "lon.pdf" });
    expectProblem(announced, 413);
    expect(announced.json.reason).toBe("UPLOAD_TOO_LARGE");

    const streamed = await raw(sys, "POST", `/v1/documents/${encodeURIComponent(id)}/versions?fileName=lon.pdf`, {
      as: "pc-staff",
      body: chunked(pdf(LIMIT * 3, 2)),
      headers: { "content-type": "application/pdf" },
    });
    expectProblem(streamed, 413);

    // a file within the limit, whole, also sent in pieces
    const small = pdf(LIMIT - 100, 3);
    const ok = await raw(sys, "POST", `/v1/documents/${encodeURIComponent(id)}/versions?fileName=nho.pdf`, {
      as: "pc-staff",
      body: chunked(small, 300),
      headers: { "content-type": "application/pdf" },
    });
    expect(ok.status, ok.bytes.toString()).toBe(201);
    expect(ok.json.attachment).toMatchObject({ size: String(small.length), sha256: sha256(small), version: 1 });
    const exactly = pdf(LIMIT, 4);
    const atLimit = await upload(sys, "pc-staff", id, exactly, { fileName: "vua.pdf" });
    expect(atLimit.status, atLimit.bytes.toString()).toBe(201);
    expect(atLimit.json.attachment.version).toBe(2);

    const stored = await sys.http("GET", `/v1/documents/${encodeURIComponent(id)}`, { as: "pc-staff" });
    expect(stored.json.document.attachments.map((a: Json) => a.fileName).sort()).toEqual(["nho.pdf", "vua.pdf"]);
  });
});
