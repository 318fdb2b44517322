/**
 * The documents.awaiting_handling gauge on /metrics: incoming documents not yet handled, by the unit that
 * must act now (the Office until routed, then the lead unit), none once done.
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

async function awaiting(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${h.svc.admin.port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^documents_awaiting_handling\{unit="([^"]+)"[^}]*\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe("documents.awaiting_handling", () => {
  it("counts incoming documents by the unit that must act, until they are done", async () => {
    expect(await awaiting()).toEqual({ VP: 0 });
    const clerk = await h.as("vp-clerk");
    const minister = await h.as("minister");
    const receive = async (summary: string) =>
      (
        await clerk.documents.receiveDocument(
          P.ReceiveDocumentRequest.fromPartial({
            type: "CONG_VAN",
            number: "125/VPCP-KGVX",
            sender: { code: "000.00.00.G22", name: "Văn phòng Chính phủ" },
            issuedDate: new Date("2020-03-25T03:00:00Z"),
            summary,
          }),
        )
      ).document!.id;
    const first = await receive("V/v báo cáo công tác cải cách hành chính");
    await receive("V/v góp ý dự thảo Nghị định");
    expect(await awaiting()).toEqual({ VP: 2 });

    await clerk.documents.registerDocument(P.RegisterDocumentRequest.fromPartial({ id: first }));
    await clerk.documents.submitToLeader(P.SubmitToLeaderRequest.fromPartial({ id: first, leaderId: "minister" }));
    await minister.documents.directDocument(P.DirectDocumentRequest.fromPartial({ id: first, direction: "Giao Vụ Pháp chế xử lý" }));
    await minister.documents.routeDocument(
      P.RouteDocumentRequest.fromPartial({ id: first, leadUnitId: "PC", deadline: { spec: { $case: "date", value: "2020-04-15" } } }),
    );
    expect(await awaiting()).toEqual({ VP: 1, PC: 1 });

    const pc = await h.as("pc-staff");
    await pc.documents.recordHandling(P.RecordHandlingRequest.fromPartial({ id: first, progress: "Đã gửi báo cáo", done: true }));
    // A unit cleared of its documents shows 0, not its last count.
    expect(await awaiting()).toEqual({ VP: 1, PC: 0 });
  });
});
