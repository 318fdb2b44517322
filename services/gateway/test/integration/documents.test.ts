/**
 * The documents API through HTTP against the real system: the seed's documents (and a "Mật" draft
 * hidden from whoever lacks the clearance), an incoming document from arrival to handling, an outgoing
 * one from draft to issue with a real file uploaded and downloaded back byte for byte, the registers
 * (rows and the XLSX file) and the exchange's packages. Every route's happy path and a refusal of bad
 * input naming the field, and the wrong person refused as the service answers (403, or 404 when the
 * document is not theirs to see).
 */
import { buildPackage, documentIdOf, type EdxmlPackage } from "@ministry/documents/src/exchange/edxml/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";
import { expectProblem, expectViolation, type Json, pdf, raw, sha256, upload } from "./documents-helpers.js";

const YEAR_2020 = { from: "2019-12-31T17:00:00Z", to: "2020-12-31T17:00:00Z" };
const GOVERNMENT_OFFICE = { code: "000.00.00.G22", name: "Văn phòng Chính phủ" };
const ORGAN_ID = "000.00.12.H49";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

const post = (url: string, as: string, body: unknown = {}, headers?: Record<string, string>) =>
  sys.http("POST", url, { as, body, headers });
const get = (url: string, as: string, query?: Record<string, string | number | boolean | (string | number)[]>) =>
  sys.http("GET", url, { as, query });

async function findOne(as: string, q: string, token?: string) {
  const res = await sys.http("GET", "/v1/documents", { ...(token ? { token } : { as }), query: { q, pageSize: 20 } });
  expect(res.status, res.text).toBe(200);
  return res.json.documents as Json[];
}

describe("the seed's documents", () => {
  it("finds 95/TB-VPCP and 01/BNV-VP by number, reads them and their history", async () => {
    const [notice] = await findOne("vp-clerk", "95/TB-VPCP");
    expect(notice).toMatchObject({ number: "95/TB-VPCP", direction: "DIRECTION_INCOMING", status: "routed" });
    const one = await get(`/v1/documents/${encodeURIComponent(notice.id)}`, "vp-clerk");
    expect(one.status, one.text).toBe(200);
    expect(one.json.document.routing.leadUnit.id).toBe("CCHC");
    expect(one.json.document.issuingBody).toEqual({ code: GOVERNMENT_OFFICE.code, name: GOVERNMENT_OFFICE.name });

    const [letter] = await findOne("vp-head", "01/BNV-VP");
    expect(letter).toMatchObject({ number: "01/BNV-VP", direction: "DIRECTION_OUTGOING", status: "issued", type: "CONG_VAN" });
    const history = await get(`/v1/documents/${encodeURIComponent(letter.id)}/history`, "vp-head", { pageSize: 50 });
    expect(history.status, history.text).toBe(200);
    expect(history.json.entries.map((e: Json) => e.action)).toEqual(
      expect.arrayContaining(["document.drafted", "document.numbered", "document.issued"]),
    );

    // search filters by friendly names
    const issued = await get("/v1/documents", "vp-head", { direction: "outgoing", status: "issued", type: "CONG_VAN", pageSize: 50 });
    expect(issued.status, issued.text).toBe(200);
    expect(issued.json.documents.map((d: Json) => d.id)).toContain(letter.id);
    expect(issued.json.documents.every((d: Json) => d.direction === "DIRECTION_OUTGOING" && d.status === "issued")).toBe(true);

    // bad input, named
    expectViolation(await get("/v1/documents", "vp-head", { direction: "sideways" }), "direction");
    expectViolation(await get("/v1/documents", "vp-head", { pageSize: "many" }), "pageSize");
    expectViolation(await get(`/v1/documents/${"x".repeat(150)}`, "vp-head"), "id");
    expectViolation(await get(`/v1/documents/${encodeURIComponent(letter.id)}/history`, "vp-head", { pageSize: "x" }), "pageSize");
    expectProblem(await get("/v1/documents/khong-co-van-ban-nay", "vp-head"), 404);
    expect((await sys.http("GET", "/v1/documents")).status).toBe(401);
  });

  it("hides the Minister's 'Mật' draft from anyone without the clearance, and the Chief of Office grants a reader", async () => {
    const cleared = await sys.token("minister", { clearance: "tuyet_mat" });
    const [secret] = await findOne("minister", "kiện toàn nhân sự lãnh đạo", cleared);
    expect(secret).toMatchObject({ secrecy: "SECRECY_CONFIDENTIAL", status: "drafting" });
    const path = `/v1/documents/${encodeURIComponent(secret.id)}`;
    expect((await sys.http("GET", path, { token: cleared })).status).toBe(200);

    // the Minister himself without the clearance in his token, the Chief of Office, a clerk: as if missing
    for (const who of ["minister", "vp-head", "vp-clerk"]) {
      const hidden = await get(path, who);
      expectProblem(hidden, 404);
      expect(await findOne(who, "kiện toàn nhân sự lãnh đạo")).toEqual([]);
    }

    // only the Chief of Office grants; a cleared reader granted then sees it
    expectProblem(await post(`${path}/access-grants`, "minister", { personId: "vp-deputy" }), 403);
    expectViolation(await post(`${path}/access-grants`, "vp-head", { personId: "vp-deputy", revoke: "no" }), "revoke");
    const grant = await post(`${path}/access-grants`, "vp-head", { personId: "vp-deputy" });
    expect(grant.status, grant.text).toBe(200);
    expect(grant.json.granted).toEqual(expect.arrayContaining(["minister", "vp-deputy"]));
    const reader = await sys.token("vp-deputy", { clearance: "mat" });
    const seen = await sys.http("GET", path, { token: reader });
    expect(seen.status, seen.text).toBe(200);
    expect(seen.json.document.summary).toContain("kiện toàn nhân sự");
  });
});

describe("an incoming document", () => {
  it("is received, registered, submitted, directed, routed and handled", async () => {
    const received = await post("/v1/documents/incoming", "vp-clerk", {
      type: "CONG_VAN",
      number: "1234/VPCP-KGVX",
      sender: GOVERNMENT_OFFICE,
      issuedDate: "2020-03-20T03:00:00Z",
      summary: "Về việc triển khai Nghị quyết của Chính phủ về cải cách hành chính",
      urgency: "URGENCY_URGENT",
      secrecy: "SECRECY_NONE",
    });
    expect(received.status, received.text).toBe(201);
    const doc = received.json.document;
    expect(doc).toMatchObject({ direction: "DIRECTION_INCOMING", status: "received", number: "1234/VPCP-KGVX", urgency: "URGENCY_URGENT" });
    expectViolation(await post("/v1/documents/incoming", "vp-clerk", { type: "CONG_VAN", sender: { code: 1 } }), "sender.code");
    expectViolation(await post("/v1/documents/incoming", "vp-clerk", { type: "CONG_VAN", urgency: "URGENCY_EXTREME" }), "urgency");

    const base = `/v1/documents/${encodeURIComponent(doc.id)}`;
    expectViolation(await post(`${base}/registration`, "vp-clerk", { expectedVersion: "one" }), "expectedVersion");
    const registered = await post(`${base}/registration`, "vp-clerk", {}, { "idempotency-key": `reg-${doc.id}` });
    expect(registered.status, registered.text).toBe(200);
    expect(registered.json.document.status).toBe("registered");
    expect(registered.json.document.arrivalNumber).toBeGreaterThan(0);
    // the same request again is answered the same
    const again = await post(`${base}/registration`, "vp-clerk", {}, { "idempotency-key": `reg-${doc.id}` });
    expect(again.json.document.arrivalNumber).toBe(registered.json.document.arrivalNumber);

    expectViolation(await post(`${base}/submission-to-leader`, "vp-clerk", { leaderId: 5 }), "leaderId");
    expectProblem(await post(`${base}/submission-to-leader`, "pc-staff", { leaderId: "minister" }), 403);
    const submitted = await post(`${base}/submission-to-leader`, "vp-clerk", { leaderId: "minister" });
    expect(submitted.status, submitted.text).toBe(200);

    expectViolation(await post(`${base}/direction`, "minister", { direction: ["x"] }), "direction");
    expectProblem(await post(`${base}/direction`, "vp-clerk", { direction: "x" }), 403);
    const directed = await post(`${base}/direction`, "minister", { direction: "Giao Vụ Pháp chế chủ trì, phối hợp Vụ TCCB" });
    expect(directed.status, directed.text).toBe(200);

    expectViolation(await post(`${base}/routing`, "minister", { leadUnitId: "PC", coordinatingUnitIds: "TCCB" }), "coordinatingUnitIds");
    const routed = await post(`${base}/routing`, "minister", {
      leadUnitId: "PC",
      coordinatingUnitIds: ["TCCB"],
      deadline: { date: "2020-04-15" },
    });
    expect(routed.status, routed.text).toBe(200);
    expect(routed.json.document.status).toBe("routed");
    expect(routed.json.document.routing.leadUnit.id).toBe("PC");
    expect(routed.json.document.routing.deadline.dueAt).toBe("2020-04-15T16:59:59.999Z");

    // a coordinating unit does not record the handling; the lead unit does
    expectProblem(await post(`${base}/handling`, "tccb-staff", { progress: "x" }), 403);
    expectViolation(await post(`${base}/handling`, "pc-staff", { progress: "x", done: "yes" }), "done");
    const progressing = await post(`${base}/handling`, "pc-staff", { progress: "Đang dự thảo văn bản trả lời" });
    expect(progressing.status, progressing.text).toBe(200);
    expect(progressing.json.document.status).toBe("in_progress");
    // a lost update is refused with If-Match
    const stale = await post(
      `${base}/handling`,
      "pc-staff",
      { progress: "x" },
      { "if-match": `"${progressing.json.document.version - 1}"` },
    );
    expectProblem(stale, 412);
    expect(stale.json.reason).toBe("VERSION_CONFLICT");
    const done = await post(`${base}/handling`, "pc-staff", { progress: "Đã trả lời", done: true, replyNumber: "12/BNV-PC" });
    expect(done.status, done.text).toBe(200);
    expect(done.json.document.status).toBe("done");

    // it is in the incoming register
    const register = await get("/v1/registers", "vp-clerk", { kind: "incoming", ...YEAR_2020, pageSize: 500 });
    expect(register.status, register.text).toBe(200);
    expect(register.json.headings.length).toBeGreaterThan(0);
    const cells = register.json.rows.map((r: Json) => r.cells.join(" | "));
    expect(cells.some((c: string) => c.includes("1234/VPCP-KGVX"))).toBe(true);
    expect(cells.some((c: string) => c.includes("95/TB-VPCP"))).toBe(true);
  });
});

describe("an outgoing document", () => {
  it("is drafted, gets a file, is approved, numbered, signed, issued, read and recalled", async () => {
    const created = await post("/v1/documents/drafts", "pc-staff", {
      type: "QUYET_DINH",
      summary: "Về việc ban hành Quy chế làm việc của Vụ Pháp chế",
      secrecy: "SECRECY_NONE",
      urgency: "URGENCY_NORMAL",
      recipients: [GOVERNMENT_OFFICE, { code: "TCCB", name: "Vụ Tổ chức cán bộ" }],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.document).toMatchObject({ direction: "DIRECTION_OUTGOING", status: "drafting", version: expect.any(Number) });
    expectViolation(
      await post("/v1/documents/drafts", "pc-staff", { type: "QUYET_DINH", recipients: [{ code: 1 }] }),
      "recipients[0].code",
    );
    const id = created.json.document.id as string;
    const base = `/v1/documents/${encodeURIComponent(id)}`;

    // check-out and release
    expectViolation(await post(`${base}/checkout`, "pc-staff", { minutes: 100_000 }), "minutes");
    const out = await post(`${base}/checkout`, "pc-staff", { minutes: 10 });
    expect(out.status, out.text).toBe(200);
    expect(out.json.document.checkedOutBy.userId).toBe("pc-staff");
    const blocked = await upload(sys, "pc-head", id, pdf(2000), { fileName: "ban-sua.pdf" });
    expect(blocked.status).toBe(409);
    expect(blocked.json.reason).toBe("DRAFT_CHECKED_OUT");
    expectViolation(await post(`${base}/release`, "pc-staff", { minutes: 1 }), "minutes");
    const released = await post(`${base}/release`, "pc-staff");
    expect(released.status, released.text).toBe(200);
    expect(released.json.document.checkedOutBy).toBeUndefined();

    // a version of ~300 KB (several chunks), then back byte for byte with its SHA-256
    const file = pdf(300_000, 7);
    const name = "Dự thảo Quyết định.pdf";
    const up = await upload(sys, "pc-staff", id, file, {
      headers: {
        "content-disposition": `attachment; filename="du-thao.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`,
        "idempotency-key": `up-${id}`,
      },
    });
    expect(up.status, up.bytes.toString()).toBe(201);
    expect(up.json.attachment).toMatchObject({
      fileName: name,
      contentType: "application/pdf",
      size: String(file.length),
      sha256: sha256(file),
      version: 1,
    });
    const attachmentId = up.json.attachment.id as string;
    expect(up.headers.get("location")).toBe(`${base}/attachments/${encodeURIComponent(attachmentId)}/content`);

    const down = await raw(sys, "GET", `${base}/attachments/${encodeURIComponent(attachmentId)}/content`, { as: "pc-staff" });
    expect(down.status).toBe(200);
    expect(down.headers.get("content-type")).toBe("application/pdf");
    expect(down.headers.get("content-disposition")).toContain(`filename*=UTF-8''${encodeURIComponent(name)}`);
    expect(down.headers.get("etag")).toBe(`"${sha256(file)}"`);
    expect(down.headers.get("repr-digest")).toBe(`sha-256=:${Buffer.from(sha256(file), "hex").toString("base64")}:`);
    expect(down.bytes.length).toBe(file.length);
    expect(sha256(down.bytes)).toBe(sha256(file));
    expect(down.bytes.equals(file)).toBe(true);

    // the upload refused: no name, a program, not the drafter's; the download: a bad id, a missing file, not theirs to see
    expectViolation(await upload(sys, "pc-staff", id, pdf(1000)), "fileName");
    expectViolation(await upload(sys, "pc-staff", id, pdf(1000), { fileName: "x.pdf", type: "" }), "Content-Type");
    const program = await upload(sys, "pc-staff", id, Buffer.concat([Buffer.from("MZ\x90\x00", "latin1"), Buffer.alloc(500)]), {
      fileName: "setup.exe",
      type: "application/x-msdownload",
    });
    expectViolation(program, "Content-Type");
    const stranger = await upload(sys, "tccb-staff", id, pdf(1000), { fileName: "x.pdf" });
    expect(stranger.status, JSON.stringify(stranger.json)).toBe(404);
    expect(stranger.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const longId = await raw(sys, "GET", `${base}/attachments/${"a".repeat(150)}/content`, { as: "pc-staff" });
    expectViolation(longId, "attachmentId");
    const missing = await raw(sys, "GET", `${base}/attachments/khong-co/content`, { as: "pc-staff" });
    expectProblem(missing, 404);
    const hidden = await raw(sys, "GET", `${base}/attachments/${encodeURIComponent(attachmentId)}/content`, { as: "cchc-staff" });
    expectProblem(hidden, 404);

    // approval: two approvers in order; a rejection needs a comment
    expectViolation(await post(`${base}/approval-submission`, "pc-staff", { approverIds: [] }), "approverIds");
    const submitted = await post(`${base}/approval-submission`, "pc-staff", { approverIds: ["pc-head", "deputy-minister-1"] });
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.json.document.approvals.map((a: Json) => a.approverId)).toEqual(["pc-head", "deputy-minister-1"]);
    expectProblem(await post(`${base}/approval-decision`, "deputy-minister-1", { approve: true }), 409);
    expectViolation(await post(`${base}/approval-decision`, "pc-head", { approve: false, comment: "  " }), "comment");
    expect((await post(`${base}/approval-decision`, "pc-head", { approve: true })).json.document.status).toBe("in_approval");
    const approved = await post(`${base}/approval-decision`, "deputy-minister-1", { approve: true, comment: "Đồng ý" });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json.document.status).toBe("approved");

    // numbering by the Office's clerk only
    expectProblem(await post(`${base}/numbering`, "pc-staff"), 403);
    expectViolation(await post(`${base}/numbering`, "vp-clerk", { requestId: 7 }), "requestId");
    const numbered = await post(`${base}/numbering`, "vp-clerk");
    expect(numbered.status, numbered.text).toBe(200);
    expect(numbered.json.document.number).toMatch(/^\d+\/QĐ-BNV$/u);

    expectViolation(await post(`${base}/signature`, "deputy-minister-1", { signer: { prefix: 1 } }), "signer.prefix");
    const signed = await post(`${base}/signature`, "deputy-minister-1", {
      signer: { prefix: "KT.", authority: "BỘ TRƯỞNG", position: "THỨ TRƯỞNG", fullName: "Nguyễn Văn A" },
    });
    expect(signed.status, signed.text).toBe(200);
    expect(signed.json.document.signer).toMatchObject({ prefix: "KT.", personId: "deputy-minister-1" });

    expectViolation(await post(`${base}/issue`, "vp-clerk", { bogus: true }), "bogus");
    const issued = await post(`${base}/issue`, "vp-clerk");
    expect(issued.status, issued.text).toBe(200);
    expect(issued.json.document.status).toBe("issued");
    expect(issued.json.document.attachments.map((a: Json) => a.sha256)).toEqual([sha256(file)]);

    // the recipient unit reads it (once); its file still comes back whole
    expectViolation(await post(`${base}/read-confirmation`, "tccb-staff", { id: "another" }), "id");
    const read1 = await post(`${base}/read-confirmation`, "tccb-staff");
    expect(read1.status, read1.text).toBe(200);
    const read2 = await post(`${base}/read-confirmation`, "tccb-staff");
    expect(read2.json.readAt).toBe(read1.json.readAt);
    const reread = await raw(sys, "GET", `${base}/attachments/${encodeURIComponent(attachmentId)}/content`, { as: "tccb-staff" });
    expect(reread.status).toBe(200);
    expect(reread.bytes.equals(file)).toBe(true);

    // the issued document's package goes to the Government Office by the exchange
    const pkg = await sys.until(async () => {
      const res = await get("/v1/exchange/packages", "vp-clerk", { direction: "outgoing", pageSize: 50 });
      return res.json?.packages?.find((p: Json) => p.documentId === id);
    }, "the outgoing package");
    expect(pkg.direction).toBe("DIRECTION_OUTGOING");
    const one = await get(`/v1/exchange/packages/${encodeURIComponent(pkg.id)}`, "vp-clerk");
    expect(one.status, one.text).toBe(200);
    expect(one.json.package.edxmlDocumentId).toContain(numbered.json.document.number);

    // recall needs a reason
    expectViolation(await post(`${base}/recall`, "vp-head", { reason: "" }), "reason");
    const recalled = await post(`${base}/recall`, "vp-head", { reason: "Sai thể thức" });
    expect(recalled.status, recalled.text).toBe(200);
    expect(recalled.json.document.status).toBe("recalled");

    // the outgoing register, as a file
    const exported = await raw(sys, "GET", `/v1/registers/export?kind=outgoing&from=${YEAR_2020.from}&to=${YEAR_2020.to}&locale=vi`, {
      as: "vp-clerk",
    });
    expect(exported.status, exported.bytes.toString()).toBe(200);
    expect(exported.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(exported.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.xlsx"/);
    expect(exported.bytes.subarray(0, 2).toString("latin1")).toBe("PK");
    const rows = await get("/v1/registers", "vp-clerk", { kind: "outgoing", ...YEAR_2020, pageSize: 500 });
    expect(rows.json.rows.some((r: Json) => r.cells.some((c: string) => c.includes(numbered.json.document.number)))).toBe(true);
  }, 60_000);
});

describe("registers and the exchange", () => {
  it("refuses bad register requests and people who keep no register", async () => {
    expectViolation(await get("/v1/registers", "vp-clerk", { kind: "sideways" }), "kind");
    expectViolation(await get("/v1/registers/export", "vp-clerk", { kind: "incoming", from: "yesterday" }), "from");
    expectProblem(await get("/v1/registers/export", "pc-staff", { kind: "outgoing", ...YEAR_2020 }), 403);
    expectProblem(await get("/v1/registers", "pc-staff", { kind: "outgoing", ...YEAR_2020 }), 403);
  });

  it("imports an .edxml package as an incoming document, refusing a hostile one and people who may not", async () => {
    const pkg = officePackage(777);
    const content = buildPackage(pkg).toString("base64");
    expectProblem(await post("/v1/exchange/packages", "pc-staff", { content }), 403);
    const hostile = buildPackage(officePackage(778))
      .toString("utf8")
      .replace(/^(<\?xml[^>]*\?>)/u, '$1<!DOCTYPE edXML [<!ENTITY a "a">]>');
    expectViolation(await post("/v1/exchange/packages", "vp-clerk", { content: Buffer.from(hostile).toString("base64") }), "content");
    expectViolation(await post("/v1/exchange/packages", "vp-clerk", { content: 12 }), "content");

    const imported = await post("/v1/exchange/packages", "vp-clerk", { content });
    expect(imported.status, imported.text).toBe(201);
    expect(imported.json.package).toMatchObject({ direction: "DIRECTION_INCOMING", edxmlDocumentId: pkg.header.documentId });
    expect(imported.json.document).toMatchObject({ direction: "DIRECTION_INCOMING", number: "777/VPCP-KGVX" });
    expectProblem(await post("/v1/exchange/packages", "vp-clerk", { content }), 409);

    // its attachment downloads as sent
    const read = await get(`/v1/documents/${encodeURIComponent(imported.json.document.id)}`, "vp-clerk");
    expect(read.status, read.text).toBe(200);
    const doc = read.json.document;
    expect(doc.attachments.map((a: Json) => a.fileName)).toEqual(["777-VPCP-KGVX.pdf"]);
    const file = await raw(
      sys,
      "GET",
      `/v1/documents/${encodeURIComponent(doc.id)}/attachments/${encodeURIComponent(doc.attachments[0].id)}/content`,
      {
        as: "vp-clerk",
      },
    );
    expect(file.status).toBe(200);
    expect(file.bytes.equals(pkg.attachments[0]!.bytes)).toBe(true);

    const listed = await get("/v1/exchange/packages", "vp-clerk", { direction: "incoming", pageSize: 50 });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json.packages.map((p: Json) => p.id)).toContain(imported.json.package.id);
    expectViolation(await get("/v1/exchange/packages", "vp-clerk", { direction: "sideways" }), "direction");
    expectProblem(await get("/v1/exchange/packages", "pc-staff"), 403);
    expectViolation(await get("/v1/exchange/packages/%20", "vp-clerk"), "id");
  });

  it("documents the file routes in /openapi.json", async () => {
    const spec = (await sys.http("GET", "/openapi.json")).json;
    const up = spec.paths["/v1/documents/{id}/versions"].post;
    expect(up.tags).toEqual(["documents"]);
    expect(Object.keys(up.requestBody.content)).toContain("application/octet-stream");
    expect(Object.keys(up.responses)).toEqual(expect.arrayContaining(["201", "413"]));
    const down = spec.paths["/v1/documents/{id}/attachments/{attachmentId}/content"].get;
    expect(down.parameters.map((p: Json) => p.name)).toEqual(expect.arrayContaining(["id", "attachmentId"]));
    expect(Object.keys(down.responses["200"].content)).toEqual(["application/octet-stream"]);
    expect(spec.paths["/v1/registers/export"].get.tags).toEqual(["registers"]);
    expect(spec.paths["/v1/exchange/packages"].post.tags).toEqual(["exchange"]);
    expect(spec.tags.map((t: Json) => t.name)).toEqual(expect.arrayContaining(["documents", "registers", "exchange"]));
  });
});

/** A công văn of the Government Office to the ministry, numbered `number`, with one PDF. */
function officePackage(number: number): EdxmlPackage {
  const notation = "VPCP-KGVX";
  const date = "2020/03/20";
  return {
    header: {
      from: { organId: GOVERNMENT_OFFICE.code, organizationInCharge: GOVERNMENT_OFFICE.name, organName: GOVERNMENT_OFFICE.name },
      to: [{ organId: ORGAN_ID, organName: "Bộ Nội vụ" }],
      documentId: documentIdOf(GOVERNMENT_OFFICE.code, date, String(number), notation),
      code: { codeNumber: String(number), codeNotation: notation },
      promulgationInfo: { place: "Hà Nội", promulgationDate: date },
      documentType: { type: "1", typeDetail: "0", typeName: "Công văn" },
      subject: `V/v báo cáo tình hình thực hiện nhiệm vụ (số ${number})`,
      content: "Văn phòng Chính phủ đề nghị Bộ Nội vụ báo cáo.",
      signerInfo: { competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", position: "PHÓ CHỦ NHIỆM", fullName: "Nguyễn Cao Lục" },
      toPlaces: ["Bộ Nội vụ"],
      otherInfo: { priority: 0, sphereOfPromulgation: "Liên thông văn bản quốc gia", appendixes: [] },
      responseFor: [],
    },
    trace: {
      traceHeaders: [{ organId: GOVERNMENT_OFFICE.code, timestamp: "2020/03/20 16:30:00" }],
      business: { docType: 0, reason: "Văn bản điện tử mới", paper: "0" },
    },
    attachments: [
      {
        contentId: `cid:van-ban-${number}`,
        name: `${number}-VPCP-KGVX.pdf`,
        contentType: "application/pdf",
        description: "Văn bản",
        bytes: pdf(5000, number),
      },
    ],
  };
}
