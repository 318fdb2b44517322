/**
 * Outgoing documents over gRPC: drafting with a version, check-out, the approval chain (a rejection needs
 * a comment; approvers in order), numbering, signing and issuing (DocumentIssued in the outbox, the edXML
 * package at the exchange simulator), recall, read receipts, 200 concurrent numberings, the new year's
 * series and a classified draft's readers.
 */
import { status } from "@grpc/grpc-js";
import { createClient, inTransaction, type IdentityClaims } from "@ministry/platform";
import * as pb from "@ministry/proto/ministry/documents/v1/documents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOutgoing } from "../../src/domain/workflow.js";
import { DEFAULT_EDXML_LIMITS, parsePackage } from "../../src/exchange/edxml/index.js";
import type { DocumentRecord } from "../../src/store/document-store.js";
import { type DocumentsHarness, PEOPLE, refusal, startDocumentsHarness } from "../harness.js";

const OUTSIDE = { code: "000.00.00.G22", name: "Văn phòng Chính phủ" };
const UNIT = { code: "TCCB", name: "Vụ Tổ chức cán bộ" };

function pdf(body = "1 0 obj << /Type /Catalog >> endobj"): Buffer {
  return Buffer.from(`%PDF-1.7\n%âãÏÓ\n${body}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, "latin1");
}

let h: DocumentsHarness;
let seq = 0;
const rid = () => `req-${++seq}`;

beforeAll(async () => {
  h = await startDocumentsHarness();
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

async function docs(who: string | IdentityClaims) {
  return (await h.as(who)).documents;
}

/** UploadVersion is client-streaming: the promised clients are unary only, so a raw client here. */
async function upload(who: string, documentId: string, fileName: string, bytes: Buffer): Promise<pb.UploadVersionResponse> {
  const claims: IdentityClaims = { sub: who, ...(PEOPLE[who] ?? { name: who, roles: [] }) };
  const token = await h.svc.ctx.authority!.issueToken(claims, "8h");
  const client = createClient(pb.DocumentServiceClient, h.svc.grpc.address, { log: h.svc.ctx.log, token: () => token });
  try {
    return await new Promise<pb.UploadVersionResponse>((resolve, reject) => {
      const call = client.uploadVersion((err, res) => (err ? reject(err) : resolve(res as pb.UploadVersionResponse)));
      call.write({ part: { $case: "header", value: { requestId: rid(), documentId, fileName, contentType: "application/pdf" } } });
      call.write({ part: { $case: "chunk", value: bytes } });
      call.end();
    });
  } finally {
    client.close();
  }
}

async function draft(who: string | IdentityClaims, over: Partial<pb.CreateDraftRequest> = {}): Promise<pb.Document> {
  const d = await docs(who);
  const r = await d.createDraft({
    requestId: rid(),
    type: "QUYET_DINH",
    summary: "Về việc ban hành Quy chế làm việc của Bộ",
    draftingUnitId: "",
    secrecy: pb.Secrecy.SECRECY_NONE,
    urgency: pb.Urgency.URGENCY_URGENT,
    recipients: [OUTSIDE, UNIT],
    taskIds: ["task-1"],
    meetingIds: [],
    ...over,
  });
  return r.document!;
}

/** Approved records written straight into the store (one transaction), for the numbering tests. */
async function insertApproved(n: number, type: string): Promise<string[]> {
  const app = h.runtime.app;
  const at = h.clock.now();
  const ids = Array.from({ length: n }, (_, i) => `approved-${type}-${at.getTime()}-${i}`);
  await inTransaction(h.svc.ctx.mongo.client, async (session) => {
    for (const id of ids) {
      const record: DocumentRecord = {
        _id: id,
        direction: "outgoing",
        status: "approved",
        secrecy: "none",
        grants: [],
        draftingUnit: "PC",
        approvers: ["pc-head"],
        recipientUnits: [],
        createdBy: "pc-staff",
        type,
        issuingBody: "BNV",
        documentDate: at,
        searchText: "",
        summary: `Văn bản thử ${id}`,
        content: "",
        issuingBodyName: "BỘ NỘI VỤ",
        place: "Hà Nội",
        recipients: [],
        urgency: "normal",
        taskIds: [],
        meetingIds: [],
        outgoing: { ...newOutgoing(), status: "approved", approvers: ["pc-head"], nextApprover: 1 },
        readBy: [],
        version: 1,
        createdAt: at,
        updatedAt: at,
        createdByActor: { userId: "pc-staff", displayName: "pc-staff", roles: [] },
      };
      await app.documents.insert(record, session);
    }
  });
  return ids;
}

describe("outgoing documents", () => {
  it("drafts, rejects with a comment, approves in order, numbers, signs, issues and sends by the exchange", async () => {
    const created = await draft("pc-staff");
    expect(created.status).toBe("drafting");
    const id = created.id;
    const att = await upload("pc-staff", id, "du-thao.pdf", pdf());
    expect(att.attachment?.version).toBe(1);

    const staff = await docs("pc-staff");
    const head = await docs("pc-head");
    const deputy = await docs("deputy-minister-1");
    const clerk = await docs("vp-clerk");

    const none = await refusal(staff.submitForApproval({ requestId: rid(), id, approverIds: [] }));
    expect(none.code).toBe(status.INVALID_ARGUMENT);
    expect(none.fields).toContain("approver_ids");

    await staff.submitForApproval({ requestId: rid(), id, approverIds: ["pc-head", "deputy-minister-1"] });
    const early = await refusal(deputy.decideApproval({ requestId: rid(), id, approve: true, comment: "" }));
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    expect(early.reason).toBe("NOT_APPROVERS_TURN");

    const bare = await refusal(head.decideApproval({ requestId: rid(), id, approve: false, comment: "  " }));
    expect(bare.code).toBe(status.INVALID_ARGUMENT);
    expect(bare.fields).toContain("comment");
    const rejected = await head.decideApproval({ requestId: rid(), id, approve: false, comment: "Sửa lại Điều 3" });
    expect(rejected.document?.status).toBe("drafting");

    await upload("pc-staff", id, "du-thao.pdf", pdf("2 0 obj << /Type /Pages >> endobj"));
    await staff.submitForApproval({ requestId: rid(), id, approverIds: ["pc-head", "deputy-minister-1"] });
    const first = await head.decideApproval({ requestId: rid(), id, approve: true, comment: "" });
    expect(first.document?.status).toBe("in_approval");
    const approved = await deputy.decideApproval({ requestId: rid(), id, approve: true, comment: "Đồng ý" });
    expect(approved.document?.status).toBe("approved");

    const notClerk = await refusal(staff.numberDocument({ requestId: rid(), id }));
    expect(notClerk.code).toBe(status.PERMISSION_DENIED);
    const numbered = await clerk.numberDocument({ requestId: rid(), id });
    expect(numbered.document?.number).toBe("01/QĐ-BNV");
    expect(numbered.document?.status).toBe("numbered");

    const signed = await deputy.signDocument({
      requestId: rid(),
      id,
      signer: {
        prefix: "KT.",
        authority: "BỘ TRƯỞNG",
        position: "THỨ TRƯỞNG",
        fullName: "Nguyễn Văn A",
        personId: "",
        signedAt: undefined,
      },
    });
    expect(signed.document?.signer).toMatchObject({ prefix: "KT.", authority: "BỘ TRƯỞNG", personId: "deputy-minister-1" });

    const issued = await clerk.issueDocument({ requestId: rid(), id });
    expect(issued.document?.status).toBe("issued");

    const outbox = h.svc.ctx.mongo.db.collection("outbox");
    expect(await outbox.countDocuments({ subject: "documents.document.issued", aggregateId: id })).toBe(1);
    expect(await outbox.countDocuments({ subject: "documents.document.approved", aggregateId: id })).toBe(1);

    const expectedId = "000.00.12.H49,2020/03/30,01/QĐ-BNV";
    const packet = await h.until(
      () => h.simulator.received().find((p) => p.kind === "package" && p.documentId === expectedId),
      "the issued document's package at the exchange",
    );
    const pkg = parsePackage(Buffer.from(packet.data, "base64"), DEFAULT_EDXML_LIMITS);
    expect(pkg.header.documentId).toBe(expectedId);
    expect(pkg.header.to.map((t) => t.organId)).toEqual([OUTSIDE.code]);
    expect(pkg.header.code).toEqual({ codeNumber: "01", codeNotation: "QĐ-BNV" });
    expect(pkg.header.otherInfo?.priority).toBe(1);
    expect(pkg.trace.business?.docType).toBe(0);
    expect(pkg.attachments.map((a) => a.bytes.toString("latin1"))).toEqual([pdf("2 0 obj << /Type /Pages >> endobj").toString("latin1")]);

    // A reader of the recipient unit confirms once; the record keeps the first time.
    const reader = await docs("tccb-staff");
    const read1 = await reader.confirmRead({ requestId: rid(), id });
    const read2 = await reader.confirmRead({ requestId: rid(), id });
    expect(read2.readAt).toEqual(read1.readAt);
    const stored = await h.runtime.app.documents.get(id);
    expect(stored?.readBy.map((r) => r.personId)).toEqual(["tccb-staff"]);

    // Recall: the agency outside gets the same DocumentId with business type 1.
    const noReason = await refusal((await docs("vp-head")).recallDocument({ requestId: rid(), id, reason: "", replacedBy: "" }));
    expect(noReason.code).toBe(status.INVALID_ARGUMENT);
    const recalled = await (await docs("vp-head")).recallDocument({ requestId: rid(), id, reason: "Sai thể thức", replacedBy: "" });
    expect(recalled.document?.status).toBe("recalled");
    expect(await outbox.countDocuments({ subject: "documents.document.recalled", aggregateId: id })).toBe(1);
    const recall = await h.until(() => {
      const found = h.simulator
        .received()
        .filter((p) => p.kind === "package" && p.documentId === expectedId)
        .map((p) => parsePackage(Buffer.from(p.data, "base64"), DEFAULT_EDXML_LIMITS))
        .find((p) => p.trace.business?.docType === 1);
      return found;
    }, "the recall package at the exchange");
    expect(recall.trace.business?.reason).toBe("Sai thể thức");
  }, 60_000);

  it("a check-out by one person blocks another's upload and check-out, naming the holder", async () => {
    const { id } = await draft("pc-staff");
    const head = await docs("pc-head");
    const out = await head.checkOutDraft({ requestId: rid(), id, minutes: 0 });
    expect(out.document?.checkedOutBy?.userId).toBe("pc-head");
    const until = out.document?.checkedOutUntil as Date;
    expect(until.getTime() - h.clock.now().getTime()).toBe(30 * 60_000);

    const blocked = await refusal(upload("pc-staff", id, "ban-sua.pdf", pdf()));
    expect(blocked.code).toBe(status.FAILED_PRECONDITION);
    expect(blocked.reason).toBe("DRAFT_CHECKED_OUT");
    expect(blocked.metadata.holder_id).toBe("pc-head");
    expect(blocked.message).toContain("Vụ trưởng Vụ Pháp chế");
    expect(blocked.message).toContain("30/03/2020 09:30");
    const again = await refusal((await docs("pc-staff")).checkOutDraft({ requestId: rid(), id, minutes: 10 }));
    expect(again.reason).toBe("DRAFT_CHECKED_OUT");
    const tooLong = await refusal(head.checkOutDraft({ requestId: rid(), id, minutes: 100_000 }));
    expect(tooLong.fields).toEqual(["minutes"]);

    // The holder uploads; after the release anyone of the unit does.
    expect((await upload("pc-head", id, "ban-sua.pdf", pdf())).attachment?.version).toBe(1);
    await head.releaseDraft({ requestId: rid(), id });
    expect((await upload("pc-staff", id, "ban-sua.pdf", pdf())).attachment?.version).toBe(2);
  });

  it("a classified draft is hidden from anyone without a clearance and a grant", async () => {
    const drafter: IdentityClaims = { sub: "pc-secret", name: "Chuyên viên có quyền mật", roles: ["staff"], unit: "PC", clearance: "mat" };
    const created = await draft(drafter, { secrecy: pb.Secrecy.SECRECY_CONFIDENTIAL, recipients: [UNIT] });
    const id = created.id;
    expect(created.secrecy).toBe(pb.Secrecy.SECRECY_CONFIDENTIAL);
    // The drafter sees it; a colleague of the unit, the Office's clerk and a cleared stranger do not.
    await (await docs(drafter)).checkOutDraft({ requestId: rid(), id, minutes: 5 });
    for (const who of [
      "pc-staff",
      "vp-clerk",
      { sub: "cleared", name: "Có quyền mật", roles: ["staff"], unit: "PC", clearance: "toi_mat" },
    ] as const) {
      const c = await docs(who as string | IdentityClaims);
      expect((await refusal(c.getDocument({ id }))).code).toBe(status.NOT_FOUND);
      expect((await refusal(c.checkOutDraft({ requestId: rid(), id, minutes: 5 }))).code).toBe(status.NOT_FOUND);
    }
  });

  it("200 concurrent numberings of approved documents give exactly 1..200", async () => {
    // Records inserted directly (approved), so the test measures numbering, not 200 approval chains.
    const ids = await insertApproved(200, "THONG_TU");
    const clerk = await docs("vp-clerk");
    const numbered = await Promise.all(ids.map((id) => clerk.numberDocument({ requestId: rid(), id })));
    const numbers = numbered.map((r) => Number(r.document?.number.split("/")[0])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(numbered.map((r) => r.document?.number)).toContain("05/2020/TT-BNV");
    expect(await h.runtime.app.issueNumbers.peek({ body: "BNV", year: 2020, series: { kind: "vbqppl", documentType: "TT" } })).toBe(200);
  }, 120_000);

  it("numbers restart at 01 in a new year (Vietnam time)", async () => {
    const [before] = await insertApproved(1, "QUYET_DINH");
    const clerk = await docs("vp-clerk");
    expect((await clerk.numberDocument({ requestId: rid(), id: before as string })).document?.number).toBe("02/QĐ-BNV");
    h.clock.set("2021-01-01T00:10:00+07:00");
    const [after] = await insertApproved(1, "QUYET_DINH");
    expect((await clerk.numberDocument({ requestId: rid(), id: after as string })).document?.number).toBe("01/QĐ-BNV");
    expect(await h.runtime.app.issueNumbers.peek({ body: "BNV", year: 2021, series: { kind: "general" } })).toBe(1);
  });
});
