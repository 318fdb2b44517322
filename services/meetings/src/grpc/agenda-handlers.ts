/**
 * The gRPC handlers of the agenda, the discussion and the record (minutes, conclusions): proto ↔ use
 * case. The checks, permissions and states live in the use cases (app/agenda.ts, discussion.ts,
 * records.ts); errors are typed domain errors the platform maps to status codes.
 */
import { FieldChecks, requireIdentity } from "@ministry/platform";
import type { MeetingServiceServer, NewAgendaItem, NewConclusion } from "@ministry/proto/ministry/meetings/v1/meetings";
import type { AgendaCommands, MeetingResult, NewAgendaItemInput } from "../app/agenda.js";
import type { Discussion } from "../app/discussion.js";
import type { NewConclusionInput, Records } from "../app/records.js";
import { conclusionCodes, speakerCodes } from "../domain/vocabulary.js";
import { toProtoComment, toProtoMeeting, toProtoSpeaker } from "./mapping.js";
import { mutationOf, optionalCode } from "./request.js";

export interface AgendaParts {
  agenda: AgendaCommands;
  discussion: Discussion;
  records: Records;
}

function shown(r: MeetingResult) {
  return { meeting: toProtoMeeting(r.meeting, { standing: r.standing, myPermissions: r.myPermissions }) };
}

function agendaItemOf(i: NewAgendaItem): NewAgendaItemInput {
  return {
    id: i.id,
    title: i.title,
    presenterId: i.presenterId,
    plannedMinutes: i.plannedMinutes,
    documents: i.documents.map((d) => ({ documentId: d.documentId, title: d.title })),
    description: i.description,
  };
}

function conclusionOf(c: NewConclusion): NewConclusionInput {
  return {
    kind: conclusionCodes.fromProto(c.kind),
    content: c.content,
    leadUnitId: c.leadUnitId,
    coordinatingUnitIds: [...c.coordinatingUnitIds],
    deadline: c.deadline,
    assignee: c.assignee,
    taskKind: c.taskKind,
  };
}

export function agendaHandlers(
  s: AgendaParts,
): Pick<
  MeetingServiceServer,
  | "setAgenda"
  | "attachReportSnapshot"
  | "setCurrentItem"
  | "addComment"
  | "listComments"
  | "requestToSpeak"
  | "updateSpeaker"
  | "listSpeakers"
  | "setMinutes"
  | "setConclusions"
> {
  return {
    setAgenda: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      return shown(await s.agenda.setAgenda(identity, mutationOf(r, r.meetingId, "meeting_id"), r.items.map(agendaItemOf)));
    },
    attachReportSnapshot: async (call) => {
      const r = call.request;
      return shown(
        await s.agenda.attachReportSnapshot(requireIdentity(), {
          requestId: r.requestId || undefined,
          meetingId: r.meetingId,
          itemId: r.itemId,
          report: r.report,
          title: r.title,
        }),
      );
    },
    setCurrentItem: async (call) => {
      const r = call.request;
      return shown(
        await s.agenda.setCurrentItem(requireIdentity(), { requestId: r.requestId || undefined, meetingId: r.meetingId, itemId: r.itemId }),
      );
    },
    addComment: async (call) => {
      const r = call.request;
      const comment = await s.discussion.addComment(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId: r.meetingId,
        itemId: r.itemId,
        siteId: r.siteId,
        text: r.text,
      });
      return { comment: toProtoComment(comment) };
    },
    listComments: async (call) => {
      const r = call.request;
      const page = await s.discussion.listComments(requireIdentity(), {
        meetingId: r.meetingId,
        itemId: r.itemId,
        page: { pageSize: r.page?.pageSize, pageToken: r.page?.pageToken },
      });
      return { comments: page.items.map(toProtoComment), page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) } };
    },
    requestToSpeak: async (call) => {
      const r = call.request;
      const speaker = await s.discussion.requestToSpeak(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId: r.meetingId,
        itemId: r.itemId,
        siteId: r.siteId,
        topic: r.topic,
      });
      return { speaker: toProtoSpeaker(speaker) };
    },
    updateSpeaker: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const status = optionalCode(checks, "status", r.status, speakerCodes);
      checks.check();
      const speaker = await s.discussion.updateSpeaker(identity, {
        requestId: r.requestId || undefined,
        meetingId: r.meetingId,
        speakerId: r.speakerId,
        status,
        position: r.position,
      });
      return { speaker: toProtoSpeaker(speaker) };
    },
    listSpeakers: async (call) => {
      const r = call.request;
      const speakers = await s.discussion.listSpeakers(requireIdentity(), { meetingId: r.meetingId, itemId: r.itemId });
      return { speakers: speakers.map(toProtoSpeaker) };
    },
    setMinutes: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      return shown(await s.records.setMinutes(identity, mutationOf(r, r.meetingId, "meeting_id"), r.minutes));
    },
    setConclusions: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const checks = new FieldChecks();
      for (const [i, c] of r.conclusions.entries()) optionalCode(checks, `conclusions[${i}].kind`, c.kind, conclusionCodes);
      checks.check();
      return shown(await s.records.setConclusions(identity, mutationOf(r, r.meetingId, "meeting_id"), r.conclusions.map(conclusionOf)));
    },
  };
}
