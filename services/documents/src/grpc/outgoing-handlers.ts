/**
 * The outgoing half of DocumentService: proto ↔ use case for drafting, versions, check-out, approval,
 * numbering, signing, issuing, recall and read receipts. Errors are the use cases' typed errors.
 */
import { FieldChecks, InvalidArgument, requireIdentity } from "@ministry/platform";
import * as pb from "@ministry/proto/ministry/documents/v1/documents";
import { FIELDS, MAX_ID_LENGTH } from "../domain/limits.js";
import type { DocumentRecord } from "../store/document-store.js";
import type { DocumentsRuntime } from "../service.js";
import { secrecyCodes, toProtoAttachment, toProtoDocument, urgencyCodes } from "./mapping.js";

type Handlers = Pick<
  pb.DocumentServiceServer,
  | "createDraft"
  | "uploadVersion"
  | "checkOutDraft"
  | "releaseDraft"
  | "submitForApproval"
  | "decideApproval"
  | "numberDocument"
  | "signDocument"
  | "issueDocument"
  | "recallDocument"
  | "confirmRead"
>;

/** A required document id. */
function requiredId(value: string, field = "id"): string {
  const checks = new FieldChecks();
  const id = value.trim();
  if (!id) checks.add(field, "Cần mã văn bản", "The document id is required");
  checks.length(field, id, MAX_ID_LENGTH, FIELDS.id);
  checks.check();
  return id;
}

function reqId(value: string): string | undefined {
  return value || undefined;
}

export function outgoingHandlers(runtime: DocumentsRuntime): Handlers {
  const { app, outgoing } = runtime;

  const withFiles = async (d: DocumentRecord): Promise<{ document: pb.Document }> => ({
    document: toProtoDocument(d, await app.attachments.list(d._id)),
  });

  return {
    createDraft: async (call) => {
      const r = call.request;
      const secrecy = r.secrecy === pb.Secrecy.SECRECY_UNSPECIFIED ? "none" : secrecyCodes.fromProto(r.secrecy);
      const urgency = r.urgency === pb.Urgency.URGENCY_UNSPECIFIED ? "normal" : urgencyCodes.fromProto(r.urgency);
      const checks = new FieldChecks();
      if (!secrecy) checks.add("secrecy", "Độ mật không hợp lệ", "Unknown secrecy");
      if (!urgency) checks.add("urgency", "Độ khẩn không hợp lệ", "Unknown urgency");
      checks.check();
      const d = await outgoing.createDraft(requireIdentity(), {
        requestId: reqId(r.requestId),
        type: r.type,
        summary: r.summary,
        draftingUnitId: r.draftingUnitId || undefined,
        secrecy: secrecy ?? "none",
        urgency: urgency ?? "normal",
        recipients: r.recipients.map((o) => ({ code: o.code, name: o.name })),
        taskIds: r.taskIds,
        meetingIds: r.meetingIds,
      });
      return withFiles(d);
    },

    uploadVersion: async (call) => {
      const identity = requireIdentity();
      const messages = call[Symbol.asyncIterator]() as AsyncIterator<pb.UploadVersionRequest>;
      const first = await messages.next();
      const part = first.done ? undefined : first.value.part;
      if (part?.$case !== "header") {
        throw new InvalidArgument([
          { field: "header", description: "Tin đầu tiên phải là phần đầu (header) / The first message must be the header" },
        ]);
      }
      const header = part.value;
      async function* chunks(): AsyncGenerator<Buffer> {
        for (;;) {
          const next = await messages.next();
          if (next.done) return;
          const p = next.value.part;
          if (p?.$case === "header") {
            throw new InvalidArgument([{ field: "header", description: "Chỉ một phần đầu cho mỗi lần tải / One header per upload" }]);
          }
          if (p?.$case === "chunk") yield p.value;
        }
      }
      const stored = await outgoing.uploadVersion(
        identity,
        { requestId: reqId(header.requestId), documentId: header.documentId, fileName: header.fileName, contentType: header.contentType },
        chunks(),
      );
      return { attachment: toProtoAttachment(stored) };
    },

    checkOutDraft: async (call) => {
      const r = call.request;
      return withFiles(
        await outgoing.checkOut(requireIdentity(), { requestId: reqId(r.requestId), id: requiredId(r.id), minutes: r.minutes }),
      );
    },

    releaseDraft: async (call) => {
      const r = call.request;
      return withFiles(await outgoing.release(requireIdentity(), { requestId: reqId(r.requestId), id: requiredId(r.id) }));
    },

    submitForApproval: async (call) => {
      const r = call.request;
      const d = await outgoing.submitForApproval(requireIdentity(), {
        requestId: reqId(r.requestId),
        id: requiredId(r.id),
        expectedVersion: r.expectedVersion,
        approverIds: r.approverIds,
      });
      return withFiles(d);
    },

    decideApproval: async (call) => {
      const r = call.request;
      const d = await outgoing.decideApproval(requireIdentity(), {
        requestId: reqId(r.requestId),
        id: requiredId(r.id),
        expectedVersion: r.expectedVersion,
        approve: r.approve,
        comment: r.comment,
      });
      return withFiles(d);
    },

    numberDocument: async (call) => {
      const r = call.request;
      const d = await outgoing.numberDocument(requireIdentity(), {
        requestId: reqId(r.requestId),
        id: requiredId(r.id),
        expectedVersion: r.expectedVersion,
      });
      return withFiles(d);
    },

    signDocument: async (call) => {
      const r = call.request;
      const s = r.signer;
      const d = await outgoing.signDocument(requireIdentity(), {
        requestId: reqId(r.requestId),
        id: requiredId(r.id),
        expectedVersion: r.expectedVersion,
        signer: {
          prefix: s?.prefix ?? "",
          authority: s?.authority ?? "",
          position: s?.position ?? "",
          fullName: s?.fullName ?? "",
          personId: s?.personId ?? "",
        },
      });
      return withFiles(d);
    },

    issueDocument: async (call) => {
      const r = call.request;
      const d = await outgoing.issueDocument(requireIdentity(), {
        requestId: reqId(r.requestId),
        id: requiredId(r.id),
        expectedVersion: r.expectedVersion,
      });
      return withFiles(d);
    },

    recallDocument: async (call) => {
      const r = call.request;
      const d = await outgoing.recallDocument(requireIdentity(), {
        requestId: reqId(r.requestId),
        id: requiredId(r.id),
        expectedVersion: r.expectedVersion,
        reason: r.reason,
        replacedBy: r.replacedBy,
      });
      return withFiles(d);
    },

    confirmRead: async (call) => {
      const r = call.request;
      const readAt = await outgoing.confirmRead(requireIdentity(), { requestId: reqId(r.requestId), id: requiredId(r.id) });
      return { readAt };
    },
  };
}
