/**
 * The events this service publishes (DOCUMENTS stream) and the one it consumes from meetings.
 */
import { defineEvent } from "@ministry/platform";
import {
  DocumentApproved,
  DocumentDrafted,
  DocumentIssued,
  DocumentReceived,
  DocumentRecalled,
  DocumentRegistered,
  DocumentRouted,
  ExchangeStatusChanged,
  HandlingReminder,
} from "@ministry/proto/ministry/documents/v1/events";
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";

const document = { service: "documents", aggregate: "document" } as const;

export const DocumentEvents = {
  received: defineEvent({ ...document, event: "received", message: DocumentReceived }),
  registered: defineEvent({ ...document, event: "registered", message: DocumentRegistered }),
  routed: defineEvent({ ...document, event: "routed", message: DocumentRouted }),
  drafted: defineEvent({ ...document, event: "drafted", message: DocumentDrafted }),
  approved: defineEvent({ ...document, event: "approved", message: DocumentApproved }),
  issued: defineEvent({ ...document, event: "issued", message: DocumentIssued }),
  recalled: defineEvent({ ...document, event: "recalled", message: DocumentRecalled }),
  handlingReminder: defineEvent({ ...document, event: "handling_reminder", message: HandlingReminder }),
  exchangeStatusChanged: defineEvent({
    service: "documents",
    aggregate: "exchange",
    event: "status_changed",
    message: ExchangeStatusChanged,
  }),
};

export const MeetingConcludedEvent = defineEvent({
  service: "meetings",
  aggregate: "meeting",
  event: "concluded",
  message: MeetingConcluded,
});
