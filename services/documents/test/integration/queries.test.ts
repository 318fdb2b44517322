/**
 * Reads over gRPC: a classified document hidden (as a missing one) from GetDocument, SearchDocuments and the
 * registers until the Chief of Office grants a cleared reader; diacritics-insensitive search and search by
 * symbol; the registers exported as XLSX; the conclusion notice drafted once from a concluded meeting, with
 * its DOCX; an .edxml file imported (a hostile one refused, nothing stored); a document's history, newest first.
 */
import { readFileSync } from "node:fs";
import { status } from "@grpc/grpc-js";
import { createClient, type IdentityClaims } from "@ministry/platform";
import * as pb from "@ministry/proto/ministry/documents/v1/documents";
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import { ConclusionKind } from "@ministry/proto/ministry/meetings/v1/meetings";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conclusionNoticeId } from "../../src/events/consumers.js";
import { MeetingConcludedEvent } from "../../src/events/definitions.js";
import { type DocumentsHarness, PEOPLE, refusal, startDocumentsHarness } from "../harness.js";

const UNIT = { code: "TCCB", name: "Vụ Tổ chức cán bộ" };
const FIXTURE = new URL("../fixtures/truclienthong-example/edoc_new.edxml", import.meta.url);
const YEAR_2020 = { from: new Date("2019-12-31T17:00:00Z"), to: new Date("2020-12-31T17:00:00Z") };

let h: DocumentsHarness;
let seq = 0;
const rid = () => `q-${++seq}`;

beforeAll(async () => {
  h = await startDocumentsHarness();
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

/** Someone of PEOPLE with a clearance added. */
function cleared(who: string, clearance = "mat"): IdentityClaims {
  return { sub: who, ...(PEOPLE[who] ?? { name: who, roles: [] }), clearance };
}

async function docs(who: string | IdentityClaims) {
  return (await h.as(who)).documents;
}

async function registers(who: string | IdentityClaims) {
  return (await h.as(who)).registers;
}

/** A minute later: each step of a document gets its own time, so "newest first" means something. */
function tick(): void {
  h.clock.advance(60_000);
}

async function draft(who: string | IdentityClaims, over: Partial<pb.CreateDraftRequest> = {}): Promise<pb.Document> {
  const r = await (await docs(who)).createDraft({
    requestId: rid(),
    type: "CONG_VAN",
    summary: "Về việc báo cáo tình hình thực hiện nhiệm vụ",
    draftingUnitId: "",
    secrecy: pb.Secrecy.SECRECY_NONE,
    urgency: pb.Urgency.URGENCY_NORMAL,
    recipients: [UNIT],
    taskIds: [],
    meetingIds: [],
    ...over,
  });
  return r.document!;
}

/** Through approval (one approver), numbering, signing (by the approver) and, unless told not to, issuing. */
async function issue(
  id: string,
  people: { drafter: string | IdentityClaims; approver: IdentityClaims; clerk: string | IdentityClaims },
  opts: { stopAfterNumbering?: boolean } = {},
): Promise<pb.Document> {
  tick();
  await (await docs(people.drafter)).submitForApproval({ requestId: rid(), id, approverIds: [people.approver.sub] });
  tick();
  const approved = await (await docs(people.approver)).decideApproval({ requestId: rid(), id, approve: true, comment: "Đồng ý" });
  expect(approved.document?.status).toBe("approved");
  tick();
  const numbered = await (await docs(people.clerk)).numberDocument({ requestId: rid(), id });
  if (opts.stopAfterNumbering) return numbered.document!;
  tick();
  await (await docs(people.approver)).signDocument({
    requestId: rid(),
    id,
    signer: { prefix: "", authority: "", position: "VỤ TRƯỞNG", fullName: "Nguyễn Văn B", personId: "", signedAt: undefined },
  });
  tick();
  const issued = await (await docs(people.clerk)).issueDocument({ requestId: rid(), id });
  expect(issued.document?.status).toBe("issued");
  return issued.document!;
}

async function searchIds(who: string | IdentityClaims, text: string): Promise<{ ids: string[]; total: number }> {
  const r = await (await docs(who)).searchDocuments({
    page: { pageSize: 100, pageToken: "" },
    text,
    direction: pb.Direction.DIRECTION_UNSPECIFIED,
    types: [],
    issuingBody: "",
    from: undefined,
    to: undefined,
    statuses: [],
    unitId: "",
  });
  return { ids: r.documents.map((d) => d.id), total: Number(r.page?.totalSize ?? 0) };
}

async function registerRows(who: string | IdentityClaims, kind: pb.RegisterKind): Promise<string[][]> {
  const r = await (await registers(who)).getRegister({ kind, ...YEAR_2020, page: { pageSize: 1000, pageToken: "" } });
  return r.rows.map((row) => row.cells);
}

/** DownloadAttachment is server-streaming: the promised clients are unary only, so a raw client here. */
async function download(who: IdentityClaims, documentId: string, attachmentId: string): Promise<Buffer> {
  const token = await h.svc.ctx.authority!.issueToken(who, "8h");
  const client = createClient(pb.DocumentServiceClient, h.svc.grpc.address, { log: h.svc.ctx.log, token: () => token });
  try {
    const chunks: Buffer[] = [];
    const call = client.downloadAttachment({ documentId, attachmentId });
    await new Promise<void>((resolve, reject) => {
      call.on("data", (m: pb.DownloadAttachmentResponse) => {
        if (m.part?.$case === "chunk") chunks.push(Buffer.from(m.part.value));
      });
      call.on("error", reject);
      call.on("end", () => resolve());
    });
    return Buffer.concat(chunks);
  } finally {
    client.close();
  }
}

async function sheetText(content: Uint8Array): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(content) as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const rows: string[][] = [];
  sheet.eachRow((row) => {
    const cells: string[] = [];
    row.eachCell((cell) => {
      cells.push(cell.text);
    });
    rows.push(cells);
  });
  return rows;
}

describe("reading documents", () => {
  it("hides a classified document as a missing one until a cleared person is granted it", async () => {
    const drafter: IdentityClaims = { sub: "pc-secret", name: "Chuyên viên có quyền mật", roles: ["staff"], unit: "PC", clearance: "mat" };
    const summary = "Về việc phương án bảo vệ mục tiêu trọng yếu";
    const created = await draft(drafter, { secrecy: pb.Secrecy.SECRECY_CONFIDENTIAL, summary });
    const id = created.id;
    // the Office's clerk numbers and issues it: granted, with a clearance
    const clerk = cleared("vp-clerk");
    await (await docs("vp-head")).grantAccess({ requestId: rid(), id, personId: "vp-clerk", revoke: false });
    const issued = await issue(id, { drafter, approver: cleared("pc-head"), clerk });
    expect(issued.number).not.toBe("");

    const missing = await refusal((await docs("minister")).getDocument({ id: "khong-co-van-ban-nay" }));
    expect(missing.code).toBe(status.NOT_FOUND);
    const reader: IdentityClaims = {
      sub: "tccb-mat",
      name: "Chuyên viên TCCB có quyền mật",
      roles: ["staff"],
      unit: "TCCB",
      clearance: "mat",
    };
    const grantedOnly: IdentityClaims = { sub: "tccb-plain", name: "Chuyên viên TCCB", roles: ["staff"], unit: "TCCB" };
    const strangers: (string | IdentityClaims)[] = ["minister", "vp-head", "tccb-staff", reader, grantedOnly];
    for (const who of strangers) {
      const hidden = await refusal((await docs(who)).getDocument({ id }));
      expect(hidden.code).toBe(status.NOT_FOUND);
      expect(hidden.message).toBe(missing.message.replace("khong-co-van-ban-nay", id));
      const found = await searchIds(who, "phuong an bao ve muc tieu");
      expect(found.ids).not.toContain(id);
      expect(found.total).toBe(0);
    }
    // the registers: the minister and a clerk without the clearance do not see its row; the cleared clerk does
    const hasRow = (rows: string[][]) => rows.some((cells) => cells.some((c) => c.includes(issued.number)));
    expect(hasRow(await registerRows("minister", pb.RegisterKind.REGISTER_KIND_OUTGOING))).toBe(false);
    expect(hasRow(await registerRows("vp-clerk", pb.RegisterKind.REGISTER_KIND_OUTGOING))).toBe(false);
    expect(hasRow(await registerRows(clerk, pb.RegisterKind.REGISTER_KIND_OUTGOING))).toBe(true);

    // only the Chief of Office grants
    const refused = await refusal((await docs("minister")).grantAccess({ requestId: rid(), id, personId: "tccb-mat", revoke: false }));
    expect(refused.code).toBe(status.PERMISSION_DENIED);
    const chief = await docs("vp-head");
    await chief.grantAccess({ requestId: rid(), id, personId: "tccb-mat", revoke: false });
    const { granted } = await chief.grantAccess({ requestId: rid(), id, personId: "tccb-plain", revoke: false });
    expect(granted).toEqual(expect.arrayContaining(["pc-secret", "vp-clerk", "tccb-mat", "tccb-plain"]));

    const seen = await (await docs(reader)).getDocument({ id });
    expect(seen.document?.summary).toBe(summary);
    const found = await searchIds(reader, "phuong an bao ve muc tieu");
    expect(found.ids).toEqual([id]);
    expect(found.total).toBe(1);
    // a grant without the clearance opens nothing
    expect((await refusal((await docs(grantedOnly)).getDocument({ id }))).code).toBe(status.NOT_FOUND);
    expect((await searchIds(grantedOnly, "phuong an bao ve muc tieu")).total).toBe(0);
    // the Chief of Office granted it, yet has no clearance: still hidden from them
    expect((await refusal(chief.getDocument({ id }))).code).toBe(status.NOT_FOUND);
  }, 60_000);

  it("finds documents by words without diacritics, and by symbol", async () => {
    const notice = await draft("pc-staff", { summary: "Thông báo kết luận của Bộ trưởng tại cuộc họp giao ban tháng 3" });
    const decision = await draft("pc-staff", { type: "QUYET_DINH", summary: "Quyết định phê duyệt kế hoạch đào tạo năm 2020" });
    const found = await searchIds("pc-staff", "thong bao ket luan");
    expect(found.ids).toContain(notice.id);
    expect(found.ids).not.toContain(decision.id);
    expect((await searchIds("pc-staff", "phe duyet ke hoach")).ids).toEqual([decision.id]);

    const numbered = await issue(
      decision.id,
      { drafter: "pc-staff", approver: { sub: "pc-head", ...PEOPLE["pc-head"]! }, clerk: "vp-clerk" },
      { stopAfterNumbering: true },
    );
    expect(numbered.number).toMatch(/^\d+\/QĐ-BNV$/u);
    const bySymbol = await searchIds("vp-clerk", numbered.number);
    expect(bySymbol.ids).toContain(decision.id);
    expect(bySymbol.ids).not.toContain(notice.id);
  }, 60_000);

  it("exports the outgoing and incoming registers as XLSX", async () => {
    const outgoing = await draft("pc-staff", { summary: "Về việc cử cán bộ tham gia lớp bồi dưỡng" });
    const issued = await issue(outgoing.id, {
      drafter: "pc-staff",
      approver: { sub: "pc-head", ...PEOPLE["pc-head"]! },
      clerk: "vp-clerk",
    });

    const clerk = await docs("vp-clerk");
    const received = await clerk.receiveDocument({
      requestId: rid(),
      type: "CONG_VAN",
      number: "1234/VPCP-KGVX",
      sender: { code: "000.00.00.G22", name: "Văn phòng Chính phủ" },
      issuedDate: new Date("2020-03-27T03:00:00Z"),
      summary: "Về việc triển khai Nghị quyết của Chính phủ",
      urgency: pb.Urgency.URGENCY_NORMAL,
      secrecy: pb.Secrecy.SECRECY_NONE,
      due: undefined,
    });
    tick();
    const registered = await clerk.registerDocument({ requestId: rid(), id: received.document!.id });
    expect(registered.document?.arrivalNumber).toBeGreaterThan(0);

    const regs = await registers("vp-clerk");
    const out = await regs.exportRegister({ kind: pb.RegisterKind.REGISTER_KIND_OUTGOING, ...YEAR_2020, locale: "vi" });
    expect(out.contentType).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(out.fileName).toMatch(/\.xlsx$/u);
    const outRows = await sheetText(out.content);
    expect(outRows.flat().join("\n")).toContain("SỔ ĐĂNG KÝ VĂN BẢN ĐI");
    expect(outRows.some((r) => r.some((c) => c.includes(issued.number)) && r.some((c) => c.includes("cử cán bộ tham gia")))).toBe(true);

    const inc = await regs.exportRegister({ kind: pb.RegisterKind.REGISTER_KIND_INCOMING, ...YEAR_2020, locale: "vi" });
    const inRows = await sheetText(inc.content);
    expect(inRows.flat().join("\n")).toContain("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN");
    expect(inRows.some((r) => r.some((c) => c.includes("1234/VPCP-KGVX")) && r.some((c) => c.includes("triển khai Nghị quyết")))).toBe(
      true,
    );

    // the same rows in GetRegister; a staff member reads no register
    expect((await registerRows("vp-clerk", pb.RegisterKind.REGISTER_KIND_INCOMING)).some((r) => r.includes("1234/VPCP-KGVX"))).toBe(true);
    expect(
      (
        await refusal(
          (await registers("pc-staff")).exportRegister({ kind: pb.RegisterKind.REGISTER_KIND_OUTGOING, ...YEAR_2020, locale: "" }),
        )
      ).code,
    ).toBe(status.PERMISSION_DENIED);
  }, 60_000);

  it("drafts one conclusion notice with its DOCX from a concluded meeting, however often the event comes", async () => {
    const meetingId = "mtg-giao-ban-03";
    const concluded = (id: string) =>
      MeetingConcluded.fromPartial({
        meetingId: id,
        title: "Hội nghị giao ban công tác tháng 3 năm 2020",
        heldAt: new Date("2020-03-30T01:00:00Z"),
        concludedAt: new Date("2020-03-30T04:00:00Z"),
        chair: { userId: "minister", displayName: "Bộ trưởng Nguyễn Văn A", roles: ["minister"] },
        meeting: {
          meetingId: id,
          title: "Hội nghị giao ban công tác tháng 3 năm 2020",
          place: "Phòng họp số 1, trụ sở Bộ",
          start: new Date("2020-03-30T01:00:00Z"),
          chair: { personId: "minister", fullName: "Nguyễn Văn A", position: "Bộ trưởng" },
        },
        sites: [
          {
            siteId: "s1",
            name: "Điểm cầu Bộ",
            central: true,
            invited: 10,
            present: 9,
            attendees: [{ personId: "pc-head", fullName: "Trần Thị C", position: "Vụ trưởng Vụ Pháp chế" }],
          },
          { siteId: "s2", name: "Điểm cầu Sở Nội vụ Hà Nội", central: false, invited: 5, present: 5, attendees: [] },
        ],
        conclusions: [
          {
            number: 1,
            kind: ConclusionKind.CONCLUSION_KIND_INFORMATION,
            content: "Tình hình thực hiện nhiệm vụ quý I cơ bản đạt kế hoạch",
          },
          {
            number: 2,
            kind: ConclusionKind.CONCLUSION_KIND_DIRECTIVE,
            content: "Hoàn thiện dự thảo Thông tư hướng dẫn",
            leadUnit: { id: "PC", name: "Vụ Pháp chế" },
            deadline: { spec: { $case: "date", value: "2020-04-15" } },
          },
        ],
      });
    await h.publish(MeetingConcludedEvent.of(meetingId, concluded(meetingId)));
    const id = conclusionNoticeId(meetingId);
    const clerk = await docs("vp-clerk");
    const notice = await h.until(async () => {
      try {
        return (await clerk.getDocument({ id })).document;
      } catch {
        return undefined;
      }
    }, "the conclusion notice drafted");
    expect(notice).toMatchObject({ type: "THONG_BAO", status: "drafting", meetingIds: [meetingId] });
    expect(notice?.attachments).toHaveLength(1);
    const file = notice!.attachments[0]!;
    expect(file.contentType).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    const bytes = await download({ sub: "vp-clerk", ...PEOPLE["vp-clerk"]! }, id, file.id);
    expect(bytes.subarray(0, 2).toString("latin1")).toBe("PK");
    expect(bytes.length).toBe(Number(file.size));

    // the same meeting again (a new event), then another meeting: once that one is drafted, the repeat was handled
    await h.publish(MeetingConcludedEvent.of(meetingId, concluded(meetingId)));
    await h.publish(MeetingConcludedEvent.of("mtg-marker", concluded("mtg-marker")));
    await h.until(async () => (await h.runtime.app.documents.get(conclusionNoticeId("mtg-marker"))) ?? undefined, "the marker's notice");
    expect(await h.runtime.app.documents.collection.countDocuments({ meetingIds: meetingId })).toBe(1);
    expect(await h.runtime.app.attachments.list(id)).toHaveLength(1);
    const again = await clerk.getDocument({ id });
    expect(again.document?.version).toBe(notice?.version);
  }, 60_000);

  it("imports an .edxml file as an incoming document and refuses a DOCTYPE, storing nothing", async () => {
    const exchange = (await h.as("vp-clerk")).exchange;
    const count = () => h.runtime.app.documents.collection.countDocuments({});
    const before = await count();
    const real = readFileSync(FIXTURE);
    const doctype = Buffer.from(
      real.toString("utf8").replace(/^(<\?xml[^>]*\?>)/u, '$1<!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa">]>'),
      "utf8",
    );
    expect(doctype.toString("utf8")).toContain("<!DOCTYPE");
    const bad = await refusal(exchange.importPackage({ requestId: rid(), content: doctype }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fields.every((f) => f.startsWith("content"))).toBe(true);
    expect(await count()).toBe(before);

    // The sample as published: its attachment is a ZIP named ".doc", which the service does not take:
    // the package is shown rejected, with why, and no document is made.
    const refused = await exchange.importPackage({ requestId: rid(), content: real });
    expect(refused.document).toBeUndefined();
    expect(refused.package?.state).toBe("rejected");
    expect(refused.package?.lastError).toContain("application/zip");
    expect(await count()).toBe(before);

    // The same header with a PDF as its attachment: an incoming document from 000.00.00.A80.
    const pdfBase64 = Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", "latin1").toString(
      "base64",
    );
    const withPdf = Buffer.from(
      real
        .toString("utf8")
        .replaceAll("application/zip", "application/pdf")
        .replaceAll("1896_QD-TTg_m_294779.doc", "1896_QD-TTg_m_294779.pdf")
        .replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]*(<\/edXML:ContentTransferEncoded>)/u, `$1${pdfBase64}$2`),
      "utf8",
    );
    const imported = await exchange.importPackage({ requestId: rid(), content: withPdf });
    expect(imported.package?.direction).toBe(pb.Direction.DIRECTION_INCOMING);
    expect(imported.package?.edxmlDocumentId).toBe("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
    expect(imported.package?.from?.code).toBe("000.00.00.A80");
    expect(imported.document?.direction).toBe(pb.Direction.DIRECTION_INCOMING);
    expect(imported.document?.issuingBody?.code).toBe("000.00.00.A80");
    expect(await count()).toBe(before + 1);
    const stored = await h.runtime.app.documents.get(imported.document!.id);
    expect(stored?.sender?.code).toBe("000.00.00.A80");
    expect((await h.runtime.app.attachments.list(imported.document!.id)).map((a) => a.fileName)).toEqual(["1896_QD-TTg_m_294779.pdf"]);
    // the same file again is refused as imported already
    expect((await refusal(exchange.importPackage({ requestId: rid(), content: withPdf }))).code).toBe(status.ALREADY_EXISTS);
    expect(await count()).toBe(before + 1);
  });

  it("lists a document's history newest first", async () => {
    const created = await draft("pc-staff", { summary: "Về việc rà soát văn bản quy phạm pháp luật" });
    const numbered = await issue(
      created.id,
      { drafter: "pc-staff", approver: { sub: "pc-head", ...PEOPLE["pc-head"]! }, clerk: "vp-clerk" },
      {
        stopAfterNumbering: true,
      },
    );
    const { entries } = await (await docs("pc-staff")).getHistory({ id: created.id, page: { pageSize: 50, pageToken: "" } });
    const actions = entries.map((e) => e.action);
    expect(actions[0]).toBe("document.numbered");
    expect(actions.at(-1)).toBe("document.drafted");
    expect(actions).toContain("document.submitted_for_approval");
    const times = entries.map((e) => (e.at as Date).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(entries[0]?.summary?.vi).toContain(numbered.number.split("/")[0]!);
    expect(entries[0]?.actor?.userId).toBe("vp-clerk");
    // hidden from whoever may not see the document
    expect((await refusal((await docs("tccb-staff")).getHistory({ id: created.id, page: undefined }))).code).toBe(status.NOT_FOUND);
  });
});
