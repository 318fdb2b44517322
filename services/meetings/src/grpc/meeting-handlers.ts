/**
 * The gRPC handlers of the meeting's life, its sites, invitations and attendance: request checks,
 * proto ↔ domain mapping, and the call into the use case. Errors are typed domain errors; the platform
 * maps them to status codes with their details.
 */
import { FieldChecks, requireIdentity, type Identity } from "@ministry/platform";
import { ExportFormat, type Invitee, type MeetingServiceServer } from "@ministry/proto/ministry/meetings/v1/meetings";
import type { Standing } from "../app/access.js";
import type { Attendance } from "../app/attendance.js";
import type { AppContext } from "../app/context.js";
import type { InviteeInput, Invitations } from "../app/invitations.js";
import type { MeetingCommands } from "../app/meetings.js";
import type { SiteCommands } from "../app/sites.js";
import type { Meeting } from "../domain/model.js";
import { deviceCodes, kindCodes, modeCodes, responseCodes, statusCodes } from "../domain/vocabulary.js";
import { attendanceFileName, renderAttendancePdf, renderAttendanceXlsx } from "../export/attendance-sheet.js";
import { toProtoMeeting, toProtoParticipant, toProtoSite } from "./mapping.js";
import { mutationOf, optionalCode, requiredId } from "./request.js";

export interface MeetingParts {
  app: AppContext;
  meetings: MeetingCommands;
  sites: SiteCommands;
  invitations: Invitations;
  attendance: Attendance;
}

const CONTENT_TYPES = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pdf: "application/pdf",
} as const;

function inviteeOf(i: Invitee): InviteeInput {
  const siteId = i.siteId;
  switch (i.who?.$case) {
    case "personId":
      return { kind: "person", id: i.who.value, siteId };
    case "unitHead":
      return { kind: "unit_head", unitId: i.who.value, siteId };
    case "role":
      return { kind: "role", role: i.who.value, siteId };
    case "guest":
      return {
        kind: "guest",
        id: i.who.value.id,
        fullName: i.who.value.fullName,
        position: i.who.value.position,
        organisation: i.who.value.organisation,
        siteId,
      };
    default:
      return { kind: "empty", siteId };
  }
}

export function meetingHandlers(
  s: MeetingParts,
): Pick<
  MeetingServiceServer,
  | "createMeeting"
  | "getMeeting"
  | "listMeetings"
  | "updateMeeting"
  | "scheduleMeeting"
  | "rescheduleMeeting"
  | "cancelMeeting"
  | "startMeeting"
  | "endMeeting"
  | "concludeMeeting"
  | "addSites"
  | "updateSite"
  | "listSites"
  | "inviteParticipants"
  | "listParticipants"
  | "respondToInvitation"
  | "checkIn"
  | "checkOut"
  | "getAttendanceSheet"
  | "exportAttendanceSheet"
> {
  /** The meeting as the caller sees it after a change: his or her standing read again. */
  const shown = async (identity: Identity, m: Meeting, standing?: Standing) => {
    const st = standing ?? (await s.app.standing(identity, m));
    return { meeting: toProtoMeeting(m, { standing: st, myPermissions: s.app.access.myPermissions(st) }) };
  };
  return {
    createMeeting: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const kind = optionalCode(checks, "kind", r.kind, kindCodes);
      const mode = optionalCode(checks, "mode", r.mode, modeCodes);
      checks.check();
      const m = await s.meetings.create(identity, {
        requestId: r.requestId || undefined,
        kind,
        title: r.title,
        chairId: r.chairId,
        secretaryId: r.secretaryId,
        organizerUnitId: r.organizerUnitId,
        start: r.start,
        plannedEnd: r.plannedEnd,
        mode,
        place: r.place,
        centralSiteName: r.centralSiteName,
        centralVideoUrl: r.centralVideoUrl,
      });
      return shown(identity, m);
    },
    getMeeting: async (call) => {
      const identity = requireIdentity();
      const { meeting, standing } = await s.meetings.get(identity, requiredId(call.request.id, "id"));
      return shown(identity, meeting, standing);
    },
    listMeetings: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const checks = new FieldChecks();
      checks.count("statuses", r.statuses, 10, { vi: "Trạng thái", en: "Statuses" });
      const statuses = r.statuses.flatMap((st, i) => {
        const d = optionalCode(checks, `statuses[${i}]`, st, statusCodes);
        return d ? [d] : [];
      });
      const seriesId = r.seriesId.trim();
      if (seriesId) requiredId(seriesId, "series_id", undefined, checks);
      checks.check();
      const page = await s.meetings.list(identity, {
        page: r.page ?? {},
        statuses,
        from: r.from,
        to: r.to,
        seriesId: seriesId || undefined,
      });
      return {
        meetings: page.items.map((m) => toProtoMeeting(m, { brief: true })),
        page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) },
      };
    },
    updateMeeting: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const kind = optionalCode(checks, "kind", r.kind, kindCodes);
      const mode = optionalCode(checks, "mode", r.mode, modeCodes);
      checks.check();
      const m = await s.meetings.update(identity, mutationOf(r, r.id), {
        title: r.title,
        kind,
        mode,
        place: r.place,
        chairId: r.chairId,
        secretaryId: r.secretaryId,
        plannedEnd: r.plannedEnd,
      });
      return shown(identity, m);
    },
    scheduleMeeting: async (call) => {
      const identity = requireIdentity();
      return shown(identity, await s.meetings.schedule(identity, mutationOf(call.request, call.request.id)));
    },
    rescheduleMeeting: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      return shown(
        identity,
        await s.meetings.reschedule(identity, mutationOf(r, r.id), { start: r.start, plannedEnd: r.plannedEnd, reason: r.reason }),
      );
    },
    cancelMeeting: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      return shown(identity, await s.meetings.cancel(identity, mutationOf(r, r.id), r.reason));
    },
    startMeeting: async (call) => {
      const identity = requireIdentity();
      return shown(identity, await s.meetings.start(identity, mutationOf(call.request, call.request.id)));
    },
    endMeeting: async (call) => {
      const identity = requireIdentity();
      return shown(identity, await s.meetings.end(identity, mutationOf(call.request, call.request.id)));
    },
    concludeMeeting: async (call) => {
      const identity = requireIdentity();
      return shown(identity, await s.meetings.conclude(identity, mutationOf(call.request, call.request.id)));
    },
    addSites: async (call) => {
      const r = call.request;
      const identity = requireIdentity();
      const result = await s.sites.addSites(identity, {
        requestId: r.requestId || undefined,
        meetingId: requiredId(r.meetingId, "meeting_id"),
        sites: r.sites.map((x) => ({
          id: x.id,
          name: x.name,
          unitId: x.unitId,
          unitName: x.unitName,
          hostId: x.hostId,
          hostName: x.hostName,
          videoUrl: x.videoUrl,
        })),
      });
      return { sites: result.sites.map(toProtoSite), siteCount: result.siteCount };
    },
    updateSite: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const meetingId = requiredId(r.meetingId, "meeting_id", undefined, checks);
      const siteId = requiredId(r.siteId, "site_id", 64, checks);
      checks.check();
      const site = await s.sites.updateSite(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId,
        siteId,
        name: r.name,
        hostId: r.hostId,
        hostName: r.hostName,
        videoUrl: r.videoUrl,
      });
      return { site: toProtoSite(site) };
    },
    listSites: async (call) => {
      const r = call.request;
      const page = await s.sites.listSites(requireIdentity(), requiredId(r.meetingId, "meeting_id"), r.page ?? {});
      return { sites: page.items.map(toProtoSite), page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) } };
    },
    inviteParticipants: async (call) => {
      const r = call.request;
      const result = await s.invitations.invite(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId: requiredId(r.meetingId, "meeting_id"),
        invitees: r.invitees.map(inviteeOf),
      });
      return result;
    },
    listParticipants: async (call) => {
      const r = call.request;
      const page = await s.invitations.list(requireIdentity(), {
        meetingId: requiredId(r.meetingId, "meeting_id"),
        siteId: r.siteId.trim(),
        page: r.page ?? {},
      });
      return {
        participants: page.items.map(toProtoParticipant),
        page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) },
      };
    },
    respondToInvitation: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const response = optionalCode(checks, "response", r.response, responseCodes);
      checks.check();
      const answer = await s.invitations.respond(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId: requiredId(r.meetingId, "meeting_id"),
        personId: r.personId,
        response,
        reason: r.reason,
        delegateId: r.delegateId,
      });
      return {
        participant: toProtoParticipant(answer.participant),
        delegate: answer.delegate ? toProtoParticipant(answer.delegate) : undefined,
      };
    },
    checkIn: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const device = optionalCode(checks, "device", r.device, deviceCodes);
      const meetingId = requiredId(r.meetingId, "meeting_id", undefined, checks);
      checks.check();
      const result = await s.attendance.checkIn(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId,
        personId: r.personId,
        siteId: r.siteId,
        device,
      });
      return { participant: toProtoParticipant(result.participant), alreadyPresent: result.alreadyPresent };
    },
    checkOut: async (call) => {
      const r = call.request;
      const p = await s.attendance.checkOut(requireIdentity(), {
        requestId: r.requestId || undefined,
        meetingId: requiredId(r.meetingId, "meeting_id"),
        personId: r.personId,
        siteId: "",
      });
      return { participant: toProtoParticipant(p) };
    },
    getAttendanceSheet: async (call) => {
      const r = call.request;
      const sheet = await s.attendance.sheet(requireIdentity(), {
        meetingId: requiredId(r.meetingId, "meeting_id"),
        siteId: r.siteId,
        page: r.page ?? {},
      });
      const figures = (t: {
        invited: number;
        present: number;
        absentWithLeave: number;
        absentWithoutLeave: number;
        delegated: number;
      }) => ({
        invited: t.invited,
        present: t.present,
        absentWithLeave: t.absentWithLeave,
        absentWithoutLeave: t.absentWithoutLeave,
        delegated: t.delegated,
      });
      return {
        total: { site: undefined, ...figures(sheet.total) },
        sites: sheet.sites.map((f) => ({ site: toProtoSite(f.site), ...figures(f) })),
        rows: sheet.rows.items.map(toProtoParticipant),
        page: { nextPageToken: sheet.rows.nextPageToken, totalSize: String(sheet.total.invited) },
        asOf: sheet.asOf,
      };
    },
    exportAttendanceSheet: async (call) => {
      const r = call.request;
      const checks = new FieldChecks();
      const meetingId = requiredId(r.meetingId, "meeting_id", undefined, checks);
      if (r.format !== ExportFormat.EXPORT_FORMAT_XLSX && r.format !== ExportFormat.EXPORT_FORMAT_PDF)
        checks.add("format", "Chọn XLSX hoặc PDF", "Choose XLSX or PDF");
      const locale = r.locale === "" ? "vi" : r.locale;
      if (locale !== "vi" && locale !== "en") checks.add("locale", 'Chỉ "vi" hoặc "en"', 'Only "vi" or "en"');
      checks.check();
      const data = await s.attendance.sheetData(requireIdentity(), { meetingId, siteId: r.siteId });
      const format = r.format === ExportFormat.EXPORT_FORMAT_PDF ? "pdf" : "xlsx";
      const content =
        format === "pdf" ? await renderAttendancePdf(data, locale as "vi" | "en") : await renderAttendanceXlsx(data, locale as "vi" | "en");
      return { content, fileName: attendanceFileName(data, format), contentType: CONTENT_TYPES[format] };
    },
  };
}
