/**
 * DocumentService's reads (GetDocument, SearchDocuments, DownloadAttachment, GetHistory) and GrantAccess:
 * request checks, proto ↔ domain mapping, the call into DocumentQueries.
 */
import type { ServerWritableStream } from "@grpc/grpc-js";
import { type AuditRecord, FieldChecks, requireIdentity } from "@ministry/platform";
import {
  Direction,
  type DocumentServiceServer,
  type DownloadAttachmentRequest,
  type DownloadAttachmentResponse,
  type HistoryEntry,
} from "@ministry/proto/ministry/documents/v1/documents";
import { MAX_ID_LENGTH } from "../domain/limits.js";
import type { DocumentSearchQuery } from "../store/document-search.js";
import type { DocumentRecord } from "../store/document-store.js";
import type { DocumentsRuntime } from "../service.js";
import { toProtoAttachment, toProtoDocument } from "./mapping.js";

/** The largest chunk a download message carries. */
export const DOWNLOAD_CHUNK_BYTES = 64 * 1024;

const ID = { vi: "Mã", en: "Id" };

function requireId(value: string | undefined, field = "id"): string {
  const checks = new FieldChecks();
  const v = (value ?? "").trim();
  if (!v) checks.add(field, "Bắt buộc", "Required");
  checks.length(field, v, MAX_ID_LENGTH, ID);
  checks.check();
  return v;
}

const ACTIONS: Record<string, { vi: string; en: string }> = {
  "document.received": { vi: "Tiếp nhận văn bản đến", en: "Incoming document received" },
  "document.registered": { vi: "Vào sổ văn bản đến", en: "Registered" },
  "document.rejected": { vi: "Từ chối tiếp nhận", en: "Rejected" },
  "document.submitted": { vi: "Trình lãnh đạo", en: "Submitted to the leader" },
  "document.directed": { vi: "Ghi ý kiến chỉ đạo", en: "Direction recorded" },
  "document.routed": { vi: "Chuyển xử lý", en: "Routed" },
  "document.handling_recorded": { vi: "Cập nhật tiến độ xử lý", en: "Handling recorded" },
  "document.returned": { vi: "Trả lại", en: "Returned" },
  "document.drafted": { vi: "Tạo dự thảo", en: "Draft created" },
  "document.version_uploaded": { vi: "Tải lên phiên bản dự thảo", en: "Draft version uploaded" },
  "document.checked_out": { vi: "Nhận sửa dự thảo", en: "Draft checked out" },
  "document.released": { vi: "Trả lại quyền sửa dự thảo", en: "Draft released" },
  "document.submitted_for_approval": { vi: "Trình duyệt", en: "Submitted for approval" },
  "document.approval_decided": { vi: "Cho ý kiến phê duyệt", en: "Approval decided" },
  "document.approved": { vi: "Phê duyệt", en: "Approved" },
  "document.approval_rejected": { vi: "Không phê duyệt", en: "Approval rejected" },
  "document.numbered": { vi: "Cấp số", en: "Numbered" },
  "document.signed": { vi: "Ký ban hành", en: "Signed" },
  "document.issued": { vi: "Ban hành", en: "Issued" },
  "document.recalled": { vi: "Thu hồi", en: "Recalled" },
  "document.replaced": { vi: "Thay thế", en: "Replaced" },
  "document.read_confirmed": { vi: "Xác nhận đã đọc", en: "Read confirmed" },
  "document.access_granted": { vi: "Cấp quyền đọc", en: "Access granted" },
  "document.access_revoked": { vi: "Thu hồi quyền đọc", en: "Access revoked" },
  "document.attachment.downloaded": { vi: "Tải tệp đính kèm", en: "Attachment downloaded" },
};

function words(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value).trim() : "";
}

/** "Vào sổ văn bản đến (số đến 12)": the action's name, then what the change names a person would want to read. */
export function historySummary(r: Pick<AuditRecord, "action" | "change">): { vi: string; en: string } {
  const label = ACTIONS[r.action] ?? { vi: r.action, en: r.action };
  const c = r.change ?? {};
  const details: { vi: string; en: string }[] = [];
  const add = (key: string, vi: string, en: string) => {
    const v = words(c[key]);
    if (v) details.push({ vi: `${vi} ${v}`, en: `${en} ${v}` });
  };
  add("arrival_number", "số đến", "arrival number");
  add("number", "số", "number");
  add("symbol", "số, ký hiệu", "number and symbol");
  add("person_id", "người được cấp", "person");
  add("file_name", "tệp", "file");
  add("version", "phiên bản", "version");
  add("lead_unit", "đơn vị chủ trì", "lead unit");
  add("direction", "ý kiến", "direction");
  add("reason", "lý do", "reason");
  add("comment", "ý kiến", "comment");
  if (details.length === 0) return label;
  return {
    vi: `${label.vi} (${details.map((d) => d.vi).join("; ")})`,
    en: `${label.en} (${details.map((d) => d.en).join("; ")})`,
  };
}

function toHistoryEntry(r: AuditRecord): HistoryEntry {
  return { at: r.at, actor: r.actor, action: r.action, summary: historySummary(r) };
}

function toSearchQuery(r: Parameters<DocumentServiceServer["searchDocuments"]>[0]["request"]): DocumentSearchQuery {
  const q: DocumentSearchQuery = {};
  if (r.text.trim()) q.text = r.text;
  if (r.direction === Direction.DIRECTION_INCOMING) q.direction = "incoming";
  else if (r.direction === Direction.DIRECTION_OUTGOING) q.direction = "outgoing";
  if (r.types.length > 0) q.types = r.types;
  if (r.issuingBody.trim()) q.issuingBody = r.issuingBody.trim();
  if (r.from) q.from = r.from;
  if (r.to) q.to = r.to;
  if (r.statuses.length > 0) q.statuses = r.statuses;
  if (r.unitId.trim()) q.unitId = r.unitId.trim();
  return q;
}

/** Writes one message, waiting for the transport when its buffer is full. */
function write(
  call: ServerWritableStream<DownloadAttachmentRequest, DownloadAttachmentResponse>,
  message: DownloadAttachmentResponse,
): Promise<void> {
  return new Promise((resolve) => {
    if (call.write(message)) resolve();
    else call.once("drain", () => resolve());
  });
}

export function queryHandlers(
  runtime: DocumentsRuntime,
): Pick<DocumentServiceServer, "getDocument" | "searchDocuments" | "downloadAttachment" | "getHistory" | "grantAccess"> {
  const q = runtime.queries;
  return {
    getDocument: async (call) => {
      const { document, attachments } = await q.get(requireIdentity(), requireId(call.request.id));
      return { document: toProtoDocument(document, attachments) };
    },
    searchDocuments: async (call) => {
      const r = call.request;
      const page = await q.search(requireIdentity(), toSearchQuery(r), { pageSize: r.page?.pageSize, pageToken: r.page?.pageToken });
      return {
        documents: page.items.map((d) => toProtoDocument({ ...d, searchText: "" } as DocumentRecord)),
        page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) },
      };
    },
    downloadAttachment: async (call: ServerWritableStream<DownloadAttachmentRequest, DownloadAttachmentResponse>) => {
      const identity = requireIdentity();
      const documentId = requireId(call.request.documentId, "document_id");
      const attachmentId = requireId(call.request.attachmentId, "attachment_id");
      const opened = await q.openAttachment(identity, documentId, attachmentId);
      const stop = () => opened.stream.destroy();
      call.on("cancelled", stop);
      try {
        await write(call, { part: { $case: "attachment", value: toProtoAttachment(opened.attachment) } });
        for await (const piece of opened.stream as AsyncIterable<Buffer>) {
          if (call.cancelled) return;
          for (let offset = 0; offset < piece.length; offset += DOWNLOAD_CHUNK_BYTES) {
            await write(call, { part: { $case: "chunk", value: piece.subarray(offset, offset + DOWNLOAD_CHUNK_BYTES) } });
          }
        }
        call.end();
      } finally {
        call.off("cancelled", stop);
      }
    },
    getHistory: async (call) => {
      const r = call.request;
      const page = await q.history(requireIdentity(), requireId(r.id), { pageSize: r.page?.pageSize, pageToken: r.page?.pageToken });
      return { entries: page.items.map(toHistoryEntry), page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) } };
    },
    grantAccess: async (call) => {
      const r = call.request;
      const granted = await q.grantAccess(requireIdentity(), {
        requestId: r.requestId || undefined,
        id: r.id,
        personId: r.personId,
        revoke: r.revoke,
      });
      return { granted };
    },
  };
}
