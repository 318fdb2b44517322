import type { DocumentSummary } from "@ministry/proto/ministry/documents/v1/events";
import { isClassified } from "../domain/vocabulary.js";
import type { DocumentRecord } from "../store/document-store.js";

/** The document as every event carries it; a classified one without its summary. */
export function documentSummaryOf(d: DocumentRecord): DocumentSummary {
  return {
    documentId: d._id,
    direction: d.direction,
    type: d.type,
    number: d.symbol ?? "",
    summary: isClassified(d.secrecy) ? "" : d.summary,
    secrecy: d.secrecy,
    urgency: d.urgency,
    status: d.status,
    sender: d.sender ? { code: d.sender.code, name: d.sender.name } : undefined,
  };
}
