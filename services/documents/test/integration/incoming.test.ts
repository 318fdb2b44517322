/**
 * Incoming documents over gRPC with the real exchange simulator: a package from the Government Office
 * becomes a document, is registered, submitted, directed, routed and handled, and the sender hears of
 * each step by a status packet (01, 03, 04, 05, 06); malformed or hostile packages are refused (a status
 * 02 when the sender can be read) and store nothing; an outage of the exchange loses nor doubles anything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incomingDocumentId } from "../../src/app/incoming.js";
import { buildPackage, documentIdOf, type EdxmlPackage } from "../../src/exchange/edxml/index.js";
import { samplePackage } from "../exchange/edxml-samples.js";
import { type Clients, type DocumentsHarness, startDocumentsHarness } from "../harness.js";

const ORGAN_ID = "000.00.12.H49";
const GOVERNMENT_OFFICE = "000.00.00.G22";

let h: DocumentsHarness;
let clerk: Clients;

beforeAll(async () => {
  h = await startDocumentsHarness();
  clerk = await h.as("vp-clerk");
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

function pdf(text: string): Buffer {
  return Buffer.from(`%PDF-1.7\n%âãÏÓ\n1 0 obj << /Title (${text}) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, "latin1");
}

/** A package of the Government Office to the ministry, numbered `number`, with one PDF attached. */
function officePackage(number: number, priority: 0 | 1 | 2 | 3 = 0): EdxmlPackage {
  const pkg = samplePackage();
  const notation = "VPCP-KGVX";
  const date = "2020/03/27";
  pkg.header.from = { ...pkg.header.from, organId: GOVERNMENT_OFFICE };
  pkg.header.to = [{ organId: ORGAN_ID, organName: "Bộ Nội vụ" }];
  pkg.header.code = { codeNumber: String(number), codeNotation: notation };
  pkg.header.promulgationInfo = { place: "Hà Nội", promulgationDate: date };
  pkg.header.documentId = documentIdOf(GOVERNMENT_OFFICE, date, String(number), notation);
  pkg.header.documentType = { type: "1", typeName: "Công văn" };
  pkg.header.otherInfo = { ...pkg.header.otherInfo!, priority };
  pkg.header.responseFor = [];
  pkg.attachments = [
    {
      contentId: `cid:van-ban-${number}`,
      name: `${number}-VPCP-KGVX.pdf`,
      contentType: "application/pdf",
      description: "Văn bản",
      bytes: pdf(`so ${number}`),
    },
  ];
  return pkg;
}

function statusCodesFor(edxmlDocumentId: string): string[] {
  return h.simulator
    .received()
    .filter((p) => p.kind === "status" && p.documentId === edxmlDocumentId)
    .map((p) => p.statusCode ?? "");
}

async function documentCount(): Promise<number> {
  return h.runtime.app.documents.collection.countDocuments({});
}

async function outboxSubjects(aggregateId: string): Promise<string[]> {
  const records = await h.runtime.app.db
    .collection<{ subject: string; aggregateId: string; seq: number; sentAt: Date | null }>("outbox")
    .find({ aggregateId })
    .sort({ seq: 1 })
    .toArray();
  return records.map((r) => r.subject);
}

describe("incoming documents through the exchange", () => {
  it("takes a package from the exchange through registration, direction, routing and handling, answering each step", async () => {
    const pkg = officePackage(101, 1);
    const edxmlId = pkg.header.documentId;
    const id = incomingDocumentId(GOVERNMENT_OFFICE, edxmlId);
    await h.simulator.deliver(buildPackage(pkg));

    const received = await h.until(async () => (await h.runtime.app.documents.get(id)) ?? undefined, "the package to become a document");
    expect(received).toMatchObject({
      direction: "incoming",
      status: "received",
      symbol: "101/VPCP-KGVX",
      type: "CONG_VAN",
      urgency: "khan",
    });
    expect(received.sender).toEqual({ code: GOVERNMENT_OFFICE, name: "Văn phòng Chính phủ" });
    expect(received.edxmlDocumentId).toBe(edxmlId);
    const files = await h.runtime.app.attachments.list(id);
    expect(files.map((f) => [f.fileName, f.contentType])).toEqual([["101-VPCP-KGVX.pdf", "application/pdf"]]);

    // the arrival (01) goes back by itself, saying the document is urgent
    await h.until(() => (statusCodesFor(edxmlId).includes("01") ? true : undefined), "status 01");
    const arrived = h.simulator.received().find((p) => p.documentId === edxmlId && p.statusCode === "01")!;
    expect(Buffer.from(arrived.data, "base64").toString("utf8")).toMatch(/khẩn/);

    const { document: registered } = await clerk.documents.registerDocument({ requestId: "reg-101", id });
    expect(registered?.status).toBe("registered");
    expect(registered?.arrivalNumber).toBe(1);
    expect(registered?.attachments.map((a) => a.fileName)).toEqual(["101-VPCP-KGVX.pdf"]);

    // only the Office's clerks register, submit; only leaders direct
    const pcStaff = await h.as("pc-staff");
    await expect(pcStaff.documents.submitToLeader({ requestId: "", id, leaderId: "minister" })).rejects.toMatchObject({ code: 7 });

    await clerk.documents.submitToLeader({ requestId: "", id, leaderId: "minister" });
    await expect(clerk.documents.directDocument({ requestId: "", id, direction: "x" })).rejects.toMatchObject({ code: 7 });
    const minister = await h.as("minister");
    await minister.documents.directDocument({ requestId: "", id, direction: "Giao Vụ Pháp chế chủ trì, phối hợp Vụ TCCB" });
    const { document: routed } = await minister.documents.routeDocument({
      requestId: "route-101",
      id,
      leadUnitId: "PC",
      coordinatingUnitIds: ["TCCB"],
      deadline: { spec: { $case: "date", value: "2020-04-15" } },
      directiveTasks: [],
    });
    expect(routed?.status).toBe("routed");
    expect(routed?.routing?.leadUnit?.id).toBe("PC");
    expect(routed?.routing?.deadline?.dueAt?.toISOString()).toBe("2020-04-15T16:59:59.999Z");

    // a coordinating unit does not record the handling; the lead unit does
    const tccb = await h.as("tccb-staff");
    await expect(tccb.documents.recordHandling({ requestId: "", id, progress: "x", done: false, replyNumber: "" })).rejects.toMatchObject({
      code: 7,
    });
    const { document: progressing } = await pcStaff.documents.recordHandling({
      requestId: "",
      id,
      progress: "Đang dự thảo văn bản trả lời",
      done: false,
      replyNumber: "",
    });
    expect(progressing?.status).toBe("in_progress");
    const { document: done } = await pcStaff.documents.recordHandling({
      requestId: "",
      id,
      progress: "Đã trả lời",
      done: true,
      replyNumber: "12/BNV-PC",
    });
    expect(done?.status).toBe("done");

    await h.until(() => (statusCodesFor(edxmlId).length >= 5 ? true : undefined), "the five status packets");
    expect(statusCodesFor(edxmlId)).toEqual(["01", "03", "04", "05", "06"]);
    for (const p of h.simulator.received().filter((x) => x.documentId === edxmlId)) expect(p.to).toEqual([GOVERNMENT_OFFICE]);

    const subjects = await outboxSubjects(id);
    expect(subjects.filter((s) => s.startsWith("documents.document."))).toEqual([
      "documents.document.received",
      "documents.document.registered",
      "documents.document.routed",
    ]);
    const exchangeSubjects = await outboxSubjects(edxmlId);
    expect(exchangeSubjects).toEqual(Array(5).fill("documents.exchange.status_changed"));
    // published on the DOCUMENTS stream
    await h.until(
      async () =>
        (await h.runtime.app.db.collection("outbox").countDocuments({ aggregateId: id, sentAt: null })) === 0 ? true : undefined,
      "the events published",
    );
  });

  it("stores a package delivered twice once", async () => {
    const pkg = officePackage(102);
    const before = await documentCount();
    await h.simulator.deliver(buildPackage(pkg));
    await h.simulator.deliver(buildPackage(pkg));
    await h.until(
      () =>
        h.simulator.inbox(ORGAN_ID).filter((e) => e.documentId === pkg.header.documentId && e.ackedAt).length === 2 ? true : undefined,
      "both deliveries taken",
    );
    expect(await documentCount()).toBe(before + 1);
    await h.until(() => (statusCodesFor(pkg.header.documentId).length === 1 ? true : undefined), "one status 01");
  });

  it("refuses malformed or hostile packages, answering 02 when the sender can be read, and stores nothing", async () => {
    const before = await documentCount();
    const valid = buildPackage(officePackage(201)).toString("utf8");

    const doctype = valid
      .replace("201/VPCP-KGVX", "202/VPCP-KGVX")
      .replace("CodeNumber>201<", "CodeNumber>202<")
      .replace(/^(<\?xml[^>]*\?>)/, '$1<!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>');
    const wrongNamespace = valid
      .replaceAll("201/VPCP-KGVX", "203/VPCP-KGVX")
      .replace("CodeNumber>201<", "CodeNumber>203<")
      .replaceAll("http://www.mic.gov.vn/TBT/QCVN_102_2016", "http://example.org/not-edxml");
    const missingId = valid.replace(/<(edXML:)?DocumentId>[^<]*<\/(edXML:)?DocumentId>/, "").replace("CodeNumber>201<", "CodeNumber>204<");
    const noSender = valid
      .replace(/<(edXML:)?From>[\s\S]*?<\/(edXML:)?From>/, "")
      .replace("CodeNumber>201<", "CodeNumber>205<")
      .replace(",201/", ",205/");
    expect(doctype).toContain("<!DOCTYPE");
    expect(wrongNamespace).not.toBe(valid);
    expect(missingId).not.toMatch(/DocumentId>000\.00\.00\.G22,2020\/03\/27,204/);

    const items: string[] = [];
    for (const text of [doctype, wrongNamespace, missingId, noSender]) {
      const r = await h.simulator.deliver(Buffer.from(text, "utf8"), { organs: [ORGAN_ID], kind: "package", force: true });
      expect(r.valid).toBe(false);
      items.push(r.delivered[0].id);
    }
    const poller = h.runtime.exchange.poller!;
    const records = await h.until(async () => {
      const all = await Promise.all(items.map((i) => poller.record(i)));
      return all.every((r) => r?.state === "refused") ? all : undefined;
    }, "the four items refused");
    for (const r of records) expect(r?.problems?.length).toBeGreaterThan(0);

    // a 02 to the sender of each package it can read (not to the one without a sender)
    const answered = ["202", "203", "204"].map((n) => documentIdOf(GOVERNMENT_OFFICE, "2020/03/27", n, "VPCP-KGVX"));
    await h.until(() => (answered.every((d) => statusCodesFor(d).includes("02")) ? true : undefined), "status 02 for each readable sender");
    for (const d of answered) expect(statusCodesFor(d)).toEqual(["02"]);
    expect(h.simulator.received().filter((p) => p.documentId.includes(",205/"))).toEqual([]);
    expect(await documentCount()).toBe(before);
  });

  it("delivers every status packet exactly once through an outage of the exchange", async () => {
    const first = officePackage(301);
    await h.simulator.deliver(buildPackage(first));
    const firstId = incomingDocumentId(GOVERNMENT_OFFICE, first.header.documentId);
    await h.until(async () => (await h.runtime.app.documents.get(firstId)) ?? undefined, "the first package received");
    await h.until(() => (statusCodesFor(first.header.documentId).includes("01") ? true : undefined), "its status 01");

    // the exchange down: a registration's 03 waits, packages arriving wait at the exchange
    h.simulator.setOutage({ mode: "unavailable", status: 503 });
    await clerk.documents.registerDocument({ requestId: "", id: firstId });
    const later = [officePackage(302, 2), officePackage(303)];
    for (const p of later) await h.simulator.deliver(buildPackage(p));
    await h.until(
      () => (h.simulator.requests().filter((r) => r.outcome === "outage").length >= 2 ? true : undefined),
      "the service to meet the outage",
    );
    // back, answers lost on the way: the retries must not deliver twice
    h.simulator.setOutage({ mode: "lost-response", requests: 3 });
    h.runtime.exchange.sender?.nudge();
    h.runtime.exchange.poller?.nudge();

    const expected = new Map([
      [first.header.documentId, ["01", "03"]],
      [later[0].header.documentId, ["01"]],
      [later[1].header.documentId, ["01"]],
    ]);
    await h.until(
      () => ([...expected].every(([d, codes]) => statusCodesFor(d).length >= codes.length) ? true : undefined),
      "every status delivered",
      60_000,
    );
    for (const [d, codes] of expected) expect(statusCodesFor(d)).toEqual(codes);
    for (const p of later) {
      expect(await h.runtime.app.documents.get(incomingDocumentId(GOVERNMENT_OFFICE, p.header.documentId))).toBeTruthy();
    }
    // nothing left in the queue
    await h.until(async () => ((await h.runtime.app.exchangeQueue.backlog()).count === 0 ? true : undefined), "the queue drained");
    h.simulator.setOutage(undefined);
  }, 90_000);
});
