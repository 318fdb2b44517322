/**
 * What this service does with other services' events: a concluded meeting becomes the Office's draft
 * conclusion notice (a TB), with its DOCX as version 1. Each handler runs in the consumer's transaction
 * with the event's inbox record, so a redelivery is a no-op; the draft's id is derived from the meeting,
 * so a re-published event finds it and does nothing either.
 */
import { createHash } from "node:crypto";
import { AlreadyExists, type EventConsumer } from "@ministry/platform";
import type { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import type { ClientSession } from "mongodb";
import { systemActor, type AppContext } from "../app/context.js";
import { withSearchFields } from "../app/document-change.js";
import type { UseCases } from "../app/index.js";
import { newOutgoing } from "../domain/workflow.js";
import { conclusionNotice, type ConclusionNoticeSettings } from "../notice/conclusion-notice.js";
import { conclusionNoticeDocx } from "../notice/docx.js";
import type { DocumentRecord } from "../store/document-store.js";
import { DocumentEvents, MeetingConcludedEvent } from "./definitions.js";

export const CONCLUSION_NOTICE_TYPE = "THONG_BAO";
const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/** The draft notice of a meeting: one id per meeting, whoever drafts it and however often the event comes. */
export function conclusionNoticeId(meetingId: string): string {
  return `tb-${createHash("sha256").update(`conclusion-notice:${meetingId}`).digest("hex").slice(0, 24)}`;
}

function noticeSettings(app: AppContext): ConclusionNoticeSettings {
  const s = app.settings;
  return {
    issuingBodyName: s.issuingBodyName,
    issuingBodyAbbrev: s.issuingBody,
    place: s.place,
    officeUnitAbbrev: s.officeUnitId,
    // who signs is settled in approval; the draft names the usual signer of a TB by the Office
    signer: { prefix: "TL. BỘ TRƯỞNG", position: "CHÁNH VĂN PHÒNG", fullName: "" },
  };
}

/** Drafts the conclusion notice of a concluded meeting, once. */
export async function draftConclusionNotice(
  app: AppContext,
  event: MeetingConcluded,
  session: ClientSession,
): Promise<DocumentRecord | undefined> {
  const id = conclusionNoticeId(event.meetingId);
  if (await app.documents.get(id, session)) return undefined;
  const notice = conclusionNotice(event, noticeSettings(app));
  const at = app.clock.now();
  const year = new Date(at.getTime() + 7 * 3600_000).getUTCFullYear();
  const docx = await conclusionNoticeDocx(notice, {
    issuingBodyName: app.settings.issuingBodyName,
    numberLine: `Số:      /${notice.symbolSuffix}`,
    placeAndDate: `${app.settings.place}, ngày      tháng      năm ${year}`,
  });
  // GridFS is outside the transaction: a transaction that then aborts leaves the file, which the
  // redelivery finds (ATTACHMENT_EXISTS) and keeps.
  try {
    await app.attachments.upload(docx, {
      documentId: id,
      version: 1,
      fileName: `thong-bao-ket-luan-${event.meetingId}.docx`.replace(/[^A-Za-z0-9._-]/gu, "-"),
      declaredType: DOCX_TYPE,
      uploadedBy: "system",
    });
  } catch (err) {
    if (!(err instanceof AlreadyExists)) throw err;
  }
  const actor = systemActor("Văn phòng Bộ");
  const content = [...notice.opening, notice.lead, ...notice.conclusions, notice.closing].filter(Boolean).join("\n");
  const doc = withSearchFields({
    _id: id,
    direction: "outgoing",
    status: "drafting",
    secrecy: "none",
    grants: [],
    draftingUnit: app.settings.officeUnitId,
    recipientUnits: [],
    approvers: [],
    createdBy: actor.userId,
    type: CONCLUSION_NOTICE_TYPE,
    issuingBody: app.settings.issuingBody,
    documentDate: at,
    searchText: "",
    summary: notice.summary,
    content,
    issuingBodyName: app.settings.issuingBodyName,
    place: app.settings.place,
    recipients: [],
    urgency: "normal",
    taskIds: [],
    meetingIds: [event.meetingId],
    outgoing: newOutgoing(),
    readBy: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdByActor: actor,
  });
  await app.documents.insert(doc, session);
  await app.record(
    session,
    actor,
    "document.drafted",
    { type: "document", id },
    { meeting_id: event.meetingId, type: CONCLUSION_NOTICE_TYPE },
    [
      DocumentEvents.drafted.of(id, {
        document: {
          documentId: id,
          direction: "outgoing",
          type: CONCLUSION_NOTICE_TYPE,
          number: "",
          summary: doc.summary,
          secrecy: doc.secrecy,
          urgency: doc.urgency,
          status: doc.status,
          sender: undefined,
        },
        draftingUnit: { id: app.settings.officeUnitId, name: app.settings.officeUnitId },
        actor,
      }),
    ],
  );
  return doc;
}

export function registerConsumers(consumer: (producer: string, filterSubject: string) => EventConsumer, useCases: UseCases): void {
  const app = useCases.queries.app;
  consumer("meetings", "meetings.meeting.*").on(MeetingConcludedEvent, async (event, session) => {
    await draftConclusionNotice(app, event.data, session);
  });
}
