/**
 * Documents (the documents service): incoming documents from arrival to handling, outgoing documents
 * from draft to issue, reading and searching, the registers, and the edXML exchange. Uploading a
 * version and downloading an attachment are streams: `documents-files.ts` serves those two.
 */
import type { RouteGroup } from "./route.js";

const D = "ministry.documents.v1.DocumentService";
const R = "ministry.documents.v1.RegisterService";
const X = "ministry.documents.v1.ExchangeService";

/** An edXML package of the configured size, base64-encoded in JSON (4/3 of the bytes) with room to spare. */
const IMPORT_BODY_LIMIT = 72 * 1_048_576;

export const documentRoutes: RouteGroup = {
  tag: "documents",
  description: "Văn bản đến, văn bản đi, tra cứu và tệp đính kèm / Incoming and outgoing documents, search and attachments",
  routes: [
    // Reading and searching.
    {
      method: "GET",
      path: "/v1/documents",
      rpc: `${D}/SearchDocuments`,
      summary: "Tra cứu văn bản / Search documents",
      description:
        "Filters: `q` (words in the number, summary and content, with or without diacritics; a number such as `95/TB-VPCP` finds its document), `direction` (incoming, outgoing), `type` (repeatable: CONG_VAN, QUYET_DINH...), `status` (repeatable: registered, routed, drafting, issued...), `unit`, `issuer`, `from`/`to` (RFC 3339); pages with `pageSize` and `pageToken`. Documents the caller may not see are never listed nor counted.",
      query: { q: "text", type: "types", status: "statuses", unit: "unitId", issuer: "issuingBody" },
    },
    { method: "GET", path: "/v1/documents/:id", rpc: `${D}/GetDocument`, summary: "Xem văn bản / Get a document" },
    {
      method: "GET",
      path: "/v1/documents/:id/history",
      rpc: `${D}/GetHistory`,
      summary: "Lịch sử xử lý văn bản / A document's history (newest first)",
    },
    {
      method: "POST",
      path: "/v1/documents/:id/access-grants",
      rpc: `${D}/GrantAccess`,
      summary: "Cấp hoặc thu hồi quyền đọc văn bản mật / Grant or revoke a reader of a classified document",
      description: "The Chief of Office only. `{personId, revoke}`; the answer lists everyone granted.",
    },
    // Incoming: arrival, registration, the leader's direction, routing, handling.
    {
      method: "POST",
      path: "/v1/documents/incoming",
      rpc: `${D}/ReceiveDocument`,
      summary: "Tiếp nhận văn bản đến (giấy, thư điện tử) / Receive an incoming document (paper, email)",
      status: 201,
    },
    {
      method: "POST",
      path: "/v1/documents/:id/registration",
      rpc: `${D}/RegisterDocument`,
      summary: "Vào sổ văn bản đến / Register an incoming document (arrival number)",
    },
    {
      method: "POST",
      path: "/v1/documents/:id/submission-to-leader",
      rpc: `${D}/SubmitToLeader`,
      summary: "Trình lãnh đạo / Submit an incoming document to a leader",
    },
    { method: "POST", path: "/v1/documents/:id/direction", rpc: `${D}/DirectDocument`, summary: "Ý kiến chỉ đạo / A leader's direction" },
    {
      method: "POST",
      path: "/v1/documents/:id/routing",
      rpc: `${D}/RouteDocument`,
      summary: "Chuyển xử lý (đơn vị chủ trì, phối hợp, hạn) / Route to a lead unit, coordinating units, with a deadline",
    },
    {
      method: "POST",
      path: "/v1/documents/:id/handling",
      rpc: `${D}/RecordHandling`,
      summary: "Cập nhật tình hình xử lý / Record the handling",
    },
    // Outgoing: drafts, the approval chain, numbering, signing, issuing, recall, read receipts.
    {
      method: "POST",
      path: "/v1/documents/drafts",
      rpc: `${D}/CreateDraft`,
      summary: "Tạo dự thảo văn bản đi / Create an outgoing draft",
      status: 201,
    },
    {
      method: "POST",
      path: "/v1/documents/:id/checkout",
      rpc: `${D}/CheckOutDraft`,
      summary: "Giữ dự thảo để sửa / Check a draft out for editing",
      description: "`minutes`: how long (default 30, at most 8 hours); others cannot upload or check it out meanwhile.",
    },
    { method: "POST", path: "/v1/documents/:id/release", rpc: `${D}/ReleaseDraft`, summary: "Trả dự thảo / Release a checked-out draft" },
    {
      method: "POST",
      path: "/v1/documents/:id/approval-submission",
      rpc: `${D}/SubmitForApproval`,
      summary: "Trình duyệt dự thảo / Submit a draft for approval",
      description: "`approverIds` in the order they decide.",
    },
    {
      method: "POST",
      path: "/v1/documents/:id/approval-decision",
      rpc: `${D}/DecideApproval`,
      summary: "Duyệt hoặc trả lại dự thảo / Approve or reject a draft",
      description: "The approver whose turn it is; a rejection needs a `comment`.",
    },
    { method: "POST", path: "/v1/documents/:id/numbering", rpc: `${D}/NumberDocument`, summary: "Cấp số văn bản / Number a document" },
    { method: "POST", path: "/v1/documents/:id/signature", rpc: `${D}/SignDocument`, summary: "Ký văn bản / Sign a document" },
    {
      method: "POST",
      path: "/v1/documents/:id/issue",
      rpc: `${D}/IssueDocument`,
      summary: "Ban hành, phát hành văn bản / Issue a document",
    },
    {
      method: "POST",
      path: "/v1/documents/:id/recall",
      rpc: `${D}/RecallDocument`,
      summary: "Thu hồi, thay thế văn bản / Recall (or replace) an issued document",
    },
    {
      method: "POST",
      path: "/v1/documents/:id/read-confirmation",
      rpc: `${D}/ConfirmRead`,
      summary: "Xác nhận đã đọc / Confirm having read a document",
    },
  ],
};

export const registerRoutes: RouteGroup = {
  tag: "registers",
  description: "Sổ đăng ký văn bản đi, đến và sổ theo dõi giải quyết / The outgoing, incoming and handling registers",
  routes: [
    {
      method: "GET",
      path: "/v1/registers",
      rpc: `${R}/GetRegister`,
      summary: "Xem sổ đăng ký văn bản / A register's rows",
      description:
        "`kind`: outgoing, incoming or incoming_handling; the period with `from`/`to` (RFC 3339). E.g. `?kind=incoming&from=2019-12-31T17:00:00Z&to=2020-12-31T17:00:00Z`.",
    },
    {
      method: "GET",
      path: "/v1/registers/export",
      rpc: `${R}/ExportRegister`,
      summary: "Xuất sổ đăng ký (XLSX) / Export a register (XLSX)",
      description: "The same `kind`, `from`, `to` as the register, and `locale` (vi, en) for the headings.",
      download: { content: "content", filename: "fileName", contentType: "contentType" },
    },
  ],
};

export const exchangeRoutes: RouteGroup = {
  tag: "exchange",
  description: "Liên thông văn bản điện tử (edXML) với Văn phòng Chính phủ / The edXML document exchange with the Government Office",
  routes: [
    {
      method: "GET",
      path: "/v1/exchange/packages",
      rpc: `${X}/ListPackages`,
      summary: "Các gói tin liên thông / Packages sent and received",
      description: "`direction` (incoming, outgoing) or both; newest first, pages with `pageSize` and `pageToken`.",
    },
    {
      method: "GET",
      path: "/v1/exchange/packages/:id",
      rpc: `${X}/GetPackage`,
      summary: "Xem gói tin và trạng thái / A package and its status packets",
    },
    {
      method: "POST",
      path: "/v1/exchange/packages",
      rpc: `${X}/ImportPackage`,
      summary: "Nhập gói tin .edxml nhận ngoài hệ thống / Import an .edxml package received elsewhere",
      description: "The file goes base64-encoded in `content`; it is handled as if the exchange had delivered it.",
      status: 201,
      bodyLimit: IMPORT_BODY_LIMIT,
      deadlineMs: 60_000,
    },
  ],
};

export const documentsGroups: RouteGroup[] = [documentRoutes, registerRoutes, exchangeRoutes];
