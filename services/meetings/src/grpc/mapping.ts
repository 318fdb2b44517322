/**
 * Domain records → proto messages. Requests are read in the handlers; what a record shows lives here once.
 */
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import type * as pb from "@ministry/proto/ministry/meetings/v1/meetings";
import { Report } from "@ministry/proto/ministry/tasks/v1/tasks";
import type { Standing } from "../app/access.js";
import { attendanceOf } from "../domain/attendance.js";
import type {
  AgendaItem,
  Comment,
  Conclusion,
  FeedToken,
  Meeting,
  Participant,
  PersonRef,
  Series,
  Site,
  Speaker,
} from "../domain/model.js";
import { plannedStarts } from "../domain/agenda.js";
import {
  attendanceCodes,
  conclusionCodes,
  deviceCodes,
  frequencyCodes,
  kindCodes,
  modeCodes,
  responseCodes,
  speakerCodes,
  statusCodes,
} from "../domain/vocabulary.js";

/**
 * A stored optional value as a proto field: MongoDB gives back null where a value was written as
 * undefined (or a field set to null), and no proto field takes null.
 */
function opt<T>(v: T | null | undefined): T | undefined {
  return v ?? undefined;
}

/** A stored actor: its unit is absent when it has none. */
function actorOut(a: Actor | null | undefined): Actor | undefined {
  if (!a) return undefined;
  return {
    userId: a.userId,
    displayName: a.displayName,
    roles: [...(a.roles ?? [])],
    unit: a.unit ? { id: a.unit.id, name: a.unit.name } : undefined,
  };
}

export function toProtoPerson(p: PersonRef | undefined): pb.PersonRef | undefined {
  if (!p) return undefined;
  return { personId: p.personId, fullName: p.fullName, position: p.position, unit: p.unit ? { ...p.unit } : undefined };
}

function toProtoAgendaItem(item: AgendaItem, plannedStart: Date): pb.AgendaItem {
  return {
    id: item.id,
    title: item.title,
    presenter: toProtoPerson(item.presenter),
    plannedMinutes: item.plannedMinutes,
    plannedStart,
    documents: item.documents.map((d) => ({ ...d })),
    report: item.report
      ? {
          snapshotId: item.report.snapshotId,
          title: item.report.title,
          report: Report.fromJSON(item.report.report),
          frozenAt: item.report.frozenAt,
        }
      : undefined,
    startedAt: opt(item.startedAt),
    endedAt: opt(item.endedAt),
    elapsedSeconds: String(item.elapsedSeconds),
    description: item.description,
  };
}

export function toProtoConclusion(c: Conclusion): pb.Conclusion {
  return {
    number: c.number,
    kind: conclusionCodes.toProto(c.kind),
    content: c.content,
    leadUnit: c.leadUnit ? { ...c.leadUnit } : undefined,
    coordinatingUnits: c.coordinatingUnits.map((u) => ({ ...u })),
    deadline: c.deadline ? Deadline.fromJSON(c.deadline) : undefined,
    assignee: c.assignee,
    taskKind: c.taskKind,
  };
}

export function toProtoParticipant(p: Participant): pb.Participant {
  return {
    meetingId: p.meetingId,
    person: toProtoPerson(p.person),
    siteId: p.siteId,
    invitedAs: p.invitedAs,
    response: responseCodes.toProto(p.response),
    responseReason: p.responseReason,
    respondedAt: opt(p.respondedAt),
    delegate: toProtoPerson(p.delegate),
    delegatedBy: toProtoPerson(p.delegatedBy),
    sessions: p.sessions.map((s) => ({
      checkedInAt: s.checkedInAt,
      checkedOutAt: opt(s.checkedOutAt),
      siteId: s.siteId,
      device: deviceCodes.toProto(s.device),
      checkedInBy: actorOut(s.checkedInBy),
    })),
    attendance: attendanceCodes.toProto(attendanceOf(p)),
    firstCheckIn: opt(p.firstCheckIn),
    presentNow: p.presentNow,
    version: p.version,
  };
}

export interface MeetingView {
  /** Lists leave out the heavy parts (agenda reports, minutes, conclusions). */
  brief?: boolean;
  standing?: Standing;
  myPermissions?: string[];
}

export function toProtoMeeting(m: Meeting, view: MeetingView = {}): pb.Meeting {
  const starts = plannedStarts(m.start, m.agenda);
  return {
    id: m._id,
    kind: kindCodes.toProto(m.kind),
    title: m.title,
    chair: toProtoPerson(m.chair),
    secretary: toProtoPerson(m.secretary),
    organizerUnit: { ...m.organizerUnit },
    start: m.start,
    plannedEnd: m.plannedEnd,
    mode: modeCodes.toProto(m.mode),
    place: m.place,
    status: statusCodes.toProto(m.status),
    seriesId: m.seriesId ?? "",
    sequence: m.sequence,
    reschedules: m.reschedules.map((r) => ({
      previousStart: r.previousStart,
      previousEnd: r.previousEnd,
      start: r.start,
      end: r.end,
      reason: r.reason,
      actor: actorOut(r.actor),
      at: r.at,
    })),
    cancelReason: m.cancelReason,
    agenda: view.brief ? [] : m.agenda.map((item, i) => toProtoAgendaItem(item, starts[i] ?? m.start)),
    currentItemId: m.currentItemId,
    currentItemSince: opt(m.currentItemSince),
    minutes: view.brief ? "" : m.minutes,
    conclusions: view.brief ? [] : m.conclusions.map(toProtoConclusion),
    startedAt: opt(m.startedAt),
    endedAt: opt(m.endedAt),
    concludedAt: opt(m.concludedAt),
    siteCount: m.siteCount,
    participantCount: m.participantCount,
    version: m.version,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    myParticipation: view.standing?.participant ? toProtoParticipant(view.standing.participant) : undefined,
    myPermissions: view.myPermissions ?? [],
  };
}

export function toProtoSite(s: Site): pb.Site {
  return {
    id: s.siteId,
    name: s.name,
    unit: s.unit ? { ...s.unit } : undefined,
    host: toProtoPerson(s.host),
    videoUrl: s.videoUrl,
    central: s.central,
    participantCount: s.participantCount,
    presentCount: s.presentCount,
    position: s.position,
  };
}

export function toProtoComment(c: Comment): pb.Comment {
  return { id: c._id, meetingId: c.meetingId, itemId: c.itemId, author: toProtoPerson(c.author), siteId: c.siteId, text: c.text, at: c.at };
}

export function toProtoSpeaker(s: Speaker): pb.Speaker {
  return {
    id: s._id,
    meetingId: s.meetingId,
    itemId: s.itemId,
    person: toProtoPerson(s.person),
    siteId: s.siteId,
    status: speakerCodes.toProto(s.status),
    position: s.position,
    requestedAt: s.requestedAt,
    doneAt: opt(s.doneAt),
    topic: s.topic,
  };
}

export function toProtoSeries(s: Series): pb.Series {
  return {
    id: s._id,
    title: s.title,
    kind: kindCodes.toProto(s.kind),
    frequency: frequencyCodes.toProto(s.frequency),
    firstStart: s.firstStart,
    durationMinutes: s.durationMinutes,
    count: s.count,
    chair: toProtoPerson(s.chair),
    secretary: toProtoPerson(s.secretary),
    organizerUnit: { ...s.organizerUnit },
    meetingIds: [...s.meetingIds],
    createdAt: s.createdAt,
  };
}

export function toProtoFeedToken(t: FeedToken): pb.FeedToken {
  return {
    id: t._id,
    scope: t.scope.kind === "person" ? `person:${t.scope.personId}` : `series:${t.scope.seriesId}`,
    label: t.label,
    createdAt: t.createdAt,
    revokedAt: opt(t.revokedAt),
    lastUsedAt: opt(t.lastUsedAt),
  };
}
