/**
 * Handling reminders: a routed incoming document not done gets `documents.document.handling_reminder`
 * once when its deadline is a day away and once when it has passed, and none once it is done.
 */
import * as P from "@ministry/proto/ministry/documents/v1/documents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDocumentsHarness, type DocumentsHarness } from "../harness.js";

let h: DocumentsHarness;

beforeAll(async () => {
  h = await startDocumentsHarness({ env: { EXCHANGE_URL: "", HANDLING_WATCH_INTERVAL_MS: "3600000" } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

async function routedDocument(summary: string, deadline: string): Promise<string> {
  const clerk = await h.as("vp-clerk");
  const minister = await h.as("minister");
  const { document } = await clerk.documents.receiveDocument(
    P.ReceiveDocumentRequest.fromPartial({
      type: "CONG_VAN",
      number: "125/VPCP-KGVX",
      sender: { code: "000.00.00.G22", name: "Văn phòng Chính phủ" },
      issuedDate: new Date("2020-03-25T03:00:00Z"),
      summary,
    }),
  );
  const id = document?.id as string;
  await clerk.documents.registerDocument(P.RegisterDocumentRequest.fromPartial({ id }));
  await clerk.documents.submitToLeader(P.SubmitToLeaderRequest.fromPartial({ id, leaderId: "minister" }));
  await minister.documents.directDocument(P.DirectDocumentRequest.fromPartial({ id, direction: "Giao Vụ Pháp chế xử lý" }));
  await minister.documents.routeDocument(
    P.RouteDocumentRequest.fromPartial({ id, leadUnitId: "PC", deadline: { spec: { $case: "date", value: deadline } } }),
  );
  return id;
}

describe("handling reminders", () => {
  it("remind once a day ahead and once overdue, never after the document is done", async () => {
    const id = await routedDocument("V/v báo cáo tình hình thực hiện cải cách hành chính", "2020-04-15");
    const outbox = h.svc.ctx.mongo.db.collection("outbox");
    const reminders = () => outbox.countDocuments({ subject: "documents.document.handling_reminder", aggregateId: id });
    await h.runtime.handlingWatch.runOnce();
    expect(await reminders()).toBe(0);
    h.clock.set("2020-04-15T06:00:00Z"); // 13:00 on the 15th in Hà Nội: the deadline ends that day
    await h.runtime.handlingWatch.runOnce();
    await h.runtime.handlingWatch.runOnce();
    expect(await reminders()).toBe(1);
    h.clock.set("2020-04-16T02:00:00Z");
    await h.runtime.handlingWatch.runOnce();
    expect(await reminders()).toBe(2);
    const pc = await h.as("pc-staff");
    await pc.documents.recordHandling(P.RecordHandlingRequest.fromPartial({ id, progress: "Đã gửi báo cáo", done: true }));
    h.clock.set("2020-04-20T02:00:00Z");
    await h.runtime.handlingWatch.runOnce();
    expect(await reminders()).toBe(2);
    const audit = h.svc.ctx.mongo.db.collection("audit");
    expect(await audit.countDocuments({ action: "document.handling_reminded", "target.id": id })).toBe(2);
  });
});
