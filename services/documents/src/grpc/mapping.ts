/**
 * Stored records → proto messages, written once for every handler. A stored optional value may come back
 * from MongoDB as null: `opt` makes it absent, as proto fields want.
 */
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import * as pb from "@ministry/proto/ministry/documents/v1/documents";
import type { Secrecy, Urgency } from "../domain/vocabulary.js";
import type { StoredAttachment } from "../store/attachments.js";
import type { DocumentRecord } from "../store/document-store.js";

function opt<T>(v: T | null | undefined): T | undefined {
  return v ?? undefined;
}

const URGENCY: Record<Urgency, pb.Urgency> = {
  normal: pb.Urgency.URGENCY_NORMAL,
  khan: pb.Urgency.URGENCY_URGENT,
  thuong_khan: pb.Urgency.URGENCY_VERY_URGENT,
  hoa_toc: pb.Urgency.URGENCY_FLASH,
};
const SECRECY: Record<Secrecy, pb.Secrecy> = {
  none: pb.Secrecy.SECRECY_NONE,
  mat: pb.Secrecy.SECRECY_CONFIDENTIAL,
  toi_mat: pb.Secrecy.SECRECY_SECRET,
  tuyet_mat: pb.Secrecy.SECRECY_TOP_SECRET,
};

export const urgencyCodes = {
  toProto: (u: Urgency): pb.Urgency => URGENCY[u] ?? pb.Urgency.URGENCY_UNSPECIFIED,
  fromProto: (p: pb.Urgency): Urgency | undefined => Object.entries(URGENCY).find(([, v]) => v === p)?.[0] as Urgency | undefined,
};
export const secrecyCodes = {
  toProto: (s: Secrecy): pb.Secrecy => SECRECY[s] ?? pb.Secrecy.SECRECY_UNSPECIFIED,
  fromProto: (p: pb.Secrecy): Secrecy | undefined => Object.entries(SECRECY).find(([, v]) => v === p)?.[0] as Secrecy | undefined,
};

export function toProtoAttachment(a: StoredAttachment): pb.Attachment {
  return {
    id: a.id,
    fileName: a.fileName,
    contentType: a.contentType,
    size: String(a.size),
    sha256: a.sha256,
    version: a.version,
    uploadedAt: opt(a.uploadedAt),
    uploadedBy: undefined,
  };
}

export function toProtoDocument(d: DocumentRecord, attachments: readonly StoredAttachment[] = []): pb.Document {
  const routing = d.incoming?.routing;
  const outgoing = d.outgoing;
  return {
    id: d._id,
    direction: d.direction === "incoming" ? pb.Direction.DIRECTION_INCOMING : pb.Direction.DIRECTION_OUTGOING,
    type: d.type,
    number: d.symbol ?? "",
    issuingBody: { code: d.issuingBody ?? "", name: d.issuingBodyName },
    place: d.place,
    issuedDate: opt(d.issuedDate),
    summary: d.summary,
    signer: d.signer
      ? {
          prefix: d.signer.prefix === "none" ? "" : `${d.signer.prefix}.`,
          authority: d.signer.authority,
          position: d.signer.position,
          fullName: d.signer.fullName,
          personId: d.signer.personId ?? "",
          signedAt: opt(outgoing?.signature?.at),
        }
      : undefined,
    recipients: d.recipients.map((r) => ({ code: r.code, name: r.name })),
    urgency: urgencyCodes.toProto(d.urgency),
    secrecy: secrecyCodes.toProto(d.secrecy),
    due: d.due ? Deadline.fromJSON(d.due.spec) : undefined,
    taskIds: [...d.taskIds],
    meetingIds: [...d.meetingIds],
    attachments: attachments.map(toProtoAttachment),
    status: d.status,
    arrivalNumber: d.incoming?.arrivalNumber ?? 0,
    arrivedAt: opt(d.incoming?.registeredAt ?? d.incoming?.receivedAt),
    routing: routing
      ? {
          leadUnit: { id: routing.leadUnit, name: routing.leadUnit },
          coordinatingUnits: routing.coordinatingUnits.map((u) => ({ id: u, name: u })),
          deadline: { spec: { $case: "date", value: vietnamDay(routing.deadline) }, dueAt: routing.deadline, label: undefined },
          direction: d.incoming?.direction?.text ?? "",
          directedBy: undefined,
        }
      : undefined,
    approvals: (outgoing?.approvers ?? []).map((approverId, i) => {
      const decision = [...(outgoing?.decisions ?? [])].reverse().find((x) => x.approverId === approverId);
      return {
        order: i + 1,
        approverId,
        approverName: approverId,
        decision: i < (outgoing?.nextApprover ?? 0) || outgoing?.status !== "in_approval" ? (decision?.decision ?? "pending") : "pending",
        comment: decision?.comment ?? "",
        decidedAt: opt(decision?.at),
      };
    }),
    checkedOutBy: d.checkout ? { userId: d.checkout.by, displayName: d.checkout.name, roles: [] } : undefined,
    checkedOutUntil: opt(d.checkout?.until),
    version: d.version,
    createdAt: opt(d.createdAt),
    updatedAt: opt(d.updatedAt),
    readBy: (d.readBy ?? []).map((r) => ({ personId: r.personId, readAt: r.at })),
  };
}

/** "YYYY-MM-DD" of an instant in Vietnam time. */
export function vietnamDay(d: Date): string {
  return new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
}
