/**
 * Attendance that is legally usable: each check-in and check-out with the site, the device, the time
 * and who recorded it (the person, or the site's host for people in the room). Presence is kept after
 * leaving: the sheet counts anyone who checked in at least once. A check-in of someone already present
 * records nothing new, so a burst of retries or double taps never makes duplicates.
 */
import {
  ConcurrencyGate,
  FailedPrecondition,
  FieldChecks,
  InvalidArgument,
  keysetPage,
  type Identity,
  type KeysetPage,
  type PageRequest,
} from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { AttendanceAction } from "@ministry/proto/ministry/meetings/v1/events";
import type { ClientSession, Document, Filter } from "mongodb";
import { attendanceOf } from "../domain/attendance.js";
import { assertCheckInOpen } from "../domain/lifecycle.js";
import { FIELDS, MAX_EXPORT_ROWS, MAX_ID_LENGTH, MAX_SESSIONS, MAX_SITE_ID_LENGTH } from "../domain/limits.js";
import type { DeviceKind, Meeting, Participant, Site } from "../domain/model.js";
import { deviceCodes, KIND_WORDS } from "../domain/vocabulary.js";
import { MeetingEvents } from "../events/definitions.js";
import { toProtoPerson } from "../grpc/mapping.js";
import { siteKey } from "../store/collections.js";
import { meetingNotFound } from "./access.js";
import { attendanceTotals, type Totals } from "./attendance-totals.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { oneLine } from "./text.js";
import type { SheetData, SheetRow, SheetSite } from "../export/attendance-sheet.js";

export interface AttendanceInput {
  requestId?: string;
  meetingId: string;
  personId: string;
  siteId: string;
  device?: DeviceKind;
}

export interface CheckInResult {
  participant: Participant;
  alreadyPresent: boolean;
}

export interface SiteFigures extends Totals {
  site: Site;
}

export interface Sheet {
  meeting: Meeting;
  total: Totals;
  sites: SiteFigures[];
  rows: KeysetPage<Participant>;
  asOf: Date;
}

export class Attendance {
  private readonly gate: ConcurrencyGate;

  constructor(private readonly app: AppContext) {
    this.gate = new ConcurrencyGate(app.settings.checkInConcurrency);
  }

  /**
   * The meeting, the participant and the site, with the caller's right to record the participant's
   * attendance there. The common case (people checking themselves in) reads three documents.
   */
  private async target(
    identity: Identity,
    input: AttendanceInput,
    session: ClientSession,
  ): Promise<{ meeting: Meeting; participant: Participant; site: Site }> {
    const meeting = await this.app.store.meeting(input.meetingId, session);
    if (!meeting) throw meetingNotFound();
    const personId = oneLine(input.personId) || identity.userId;
    const self = personId === identity.userId;
    const participant = await this.app.store.participant(meeting._id, personId, session);
    const siteId = oneLine(input.siteId) || participant?.presentAt || participant?.siteId || meeting.centralSiteId;
    const site = await this.app.store.site(meeting._id, siteId, session);
    // The common cases need nothing more: people checking themselves in, a site's host checking in the
    // people in the room, the organisers.
    const allowed =
      (self && participant !== null) || site?.host?.personId === identity.userId || this.app.access.manages(identity, meeting);
    if (!allowed) {
      const standing = await this.app.standing(identity, meeting, session);
      if (!this.app.access.canSee(standing)) throw meetingNotFound();
      // A site host also records the people planned at his or her site wherever they are.
      const planned =
        participant && participant.siteId !== siteId ? await this.app.store.site(meeting._id, participant.siteId, session) : undefined;
      if (planned?.host?.personId !== identity.userId)
        this.app.access.assertAttendance(identity, standing, personId, { siteId, host: site?.host });
    }
    if (!site) throw new InvalidArgument([{ field: "site_id", description: `Không có điểm cầu "${siteId}" / No site "${siteId}"` }]);
    if (!participant)
      throw new InvalidArgument([
        { field: "person_id", description: `"${personId}" không có trong thành phần dự họp / "${personId}" is not invited` },
      ]);
    return { meeting, participant, site };
  }

  async checkIn(identity: Identity, input: AttendanceInput): Promise<CheckInResult> {
    const checks = new FieldChecks();
    checks.length("person_id", input.personId, MAX_ID_LENGTH, FIELDS.id);
    checks.length("site_id", input.siteId, MAX_SITE_ID_LENGTH, FIELDS.id);
    checks.check();
    return this.gate.run(() => this.checkInNow(identity, input));
  }

  private checkInNow(identity: Identity, input: AttendanceInput): Promise<CheckInResult> {
    return this.app.once(
      "CheckIn",
      identity,
      { requestId: input.requestId, target: `attendance:${input.meetingId}/${input.personId || identity.userId}`, body: input },
      documentCodec<CheckInResult>(),
      async (session) => {
        const { meeting, participant, site } = await this.target(identity, input, session);
        const at = this.app.clock.now();
        assertCheckInOpen(meeting, at, this.app.settings.checkInOpensBeforeMin);
        if (participant.presentNow) return { participant, alreadyPresent: true };
        if (participant.response === "delegated")
          throw new FailedPrecondition(
            `${participant.person.fullName} đã cử người dự thay / ${participant.person.fullName} sent a substitute`,
            "PARTICIPANT_DELEGATED",
          );
        const actor = actorOf(identity);
        const byHost = participant.person.personId !== identity.userId;
        const device: DeviceKind = input.device ?? (byHost ? "room_system" : "computer");
        const first = participant.firstCheckIn === undefined;
        const next: Participant = {
          ...participant,
          sessions: [{ checkedInAt: at, siteId: site.siteId, device, checkedInBy: actor }, ...participant.sessions].slice(0, MAX_SESSIONS),
          presentNow: true,
          version: participant.version + 1,
        };
        if (first) {
          next.firstCheckIn = at;
          next.presentAt = site.siteId;
          next.sheetState = "present";
        }
        const r = await this.app.store.participants.replaceOne({ _id: participant._id, version: participant.version }, next, { session });
        if (r.matchedCount !== 1) throw new Error("participant changed during check-in");
        // The planned site's figure: present counts once per person, kept after leaving.
        if (first)
          await this.app.store.sites.updateOne(
            { _id: siteKey(meeting._id, participant.siteId) },
            { $inc: { presentCount: 1 } },
            { session },
          );
        await this.app.record(
          session,
          actor,
          "attendance.checked_in",
          { type: "meeting", id: meeting._id },
          { person: participant.person.personId, site: site.siteId, device, at },
          [this.recorded(meeting, next, site.siteId, device, AttendanceAction.ATTENDANCE_ACTION_CHECK_IN, at, actor)],
        );
        return { participant: next, alreadyPresent: false };
      },
    );
  }

  async checkOut(identity: Identity, input: AttendanceInput): Promise<Participant> {
    const checks = new FieldChecks();
    checks.length("person_id", input.personId, MAX_ID_LENGTH, FIELDS.id);
    checks.check();
    return this.gate.run(() => this.checkOutNow(identity, input));
  }

  private checkOutNow(identity: Identity, input: AttendanceInput): Promise<Participant> {
    return this.app.once(
      "CheckOut",
      identity,
      { requestId: input.requestId, target: `attendance:${input.meetingId}/${input.personId || identity.userId}`, body: input },
      documentCodec<Participant>(),
      async (session) => {
        const { meeting, participant } = await this.target(identity, { ...input, siteId: "" }, session);
        const at = this.app.clock.now();
        assertCheckInOpen(meeting, at, this.app.settings.checkInOpensBeforeMin);
        const open = participant.sessions[0];
        if (!participant.presentNow || !open)
          throw new FailedPrecondition(
            `${participant.person.fullName} chưa điểm danh vào / ${participant.person.fullName} is not checked in`,
            "NOT_CHECKED_IN",
          );
        const actor = actorOf(identity);
        const next: Participant = {
          ...participant,
          sessions: [{ ...open, checkedOutAt: at }, ...participant.sessions.slice(1)],
          presentNow: false,
          version: participant.version + 1,
        };
        const r = await this.app.store.participants.replaceOne({ _id: participant._id, version: participant.version }, next, { session });
        if (r.matchedCount !== 1) throw new Error("participant changed during check-out");
        await this.app.record(
          session,
          actor,
          "attendance.checked_out",
          { type: "meeting", id: meeting._id },
          { person: participant.person.personId, site: open.siteId, at },
          [this.recorded(meeting, next, open.siteId, open.device, AttendanceAction.ATTENDANCE_ACTION_CHECK_OUT, at, actor)],
        );
        return next;
      },
    );
  }

  private recorded(meeting: Meeting, p: Participant, siteId: string, device: DeviceKind, action: AttendanceAction, at: Date, actor: Actor) {
    return MeetingEvents.attendanceRecorded.of(
      meeting._id,
      { meetingId: meeting._id, person: toProtoPerson(p.person), siteId, device: deviceCodes.toProto(device), action, at, actor },
      { id: `${p._id}:${p.version}` },
    );
  }

  /** The sheet: the totals, each site's figures, and a page of rows (by site, then name). */
  async sheet(identity: Identity, input: { meetingId: string; siteId: string; page: PageRequest }): Promise<Sheet> {
    const { meeting, standing } = await this.app.visibleMeeting(identity, input.meetingId);
    const siteId = oneLine(input.siteId) || undefined;
    this.app.access.assertReadSheet(standing, siteId);
    const asOf = this.app.clock.now();
    const sites = await this.siteFigures(meeting, siteId);
    const total = siteId ? sites[0] : await attendanceTotals(this.app.store, meeting._id);
    const filter: Filter<Document> = siteId ? { meetingId: meeting._id, siteId } : { meetingId: meeting._id };
    const rows = await keysetPage(
      this.app.store.participants,
      {
        list: `sheet:${meeting._id}:${siteId ?? ""}`,
        filter,
        sort: [
          ["siteId", 1],
          ["sortName", 1],
        ],
        count: false,
      },
      input.page,
      { now: asOf, maxSize: 500 },
    );
    return { meeting, total: stripSite(total), sites, rows, asOf };
  }

  /** Each site's figures: invited and present from the site's counters, leave and delegation from the few who answered so. */
  private async siteFigures(meeting: Meeting, siteId?: string): Promise<SiteFigures[]> {
    const sites = await this.app.store.sites
      .find(siteId ? { _id: siteKey(meeting._id, siteId) } : { meetingId: meeting._id }, { sort: { position: 1 } })
      .toArray();
    if (siteId && sites.length === 0)
      throw new InvalidArgument([{ field: "site_id", description: `Không có điểm cầu "${siteId}" / No site "${siteId}"` }]);
    // The few who declined or sent someone, per site: each state read on its index, never everyone.
    const perSite = async (state: "absent_with_leave" | "delegated") => {
      const rows = await this.app.store.participants
        .aggregate<{ _id: string; n: number }>([
          { $match: { meetingId: meeting._id, sheetState: state, ...(siteId ? { siteId } : {}) } },
          { $group: { _id: "$siteId", n: { $sum: 1 } } },
        ])
        .toArray();
      return new Map(rows.map((r) => [r._id, r.n]));
    };
    const [declined, delegatedBy] = await Promise.all([perSite("absent_with_leave"), perSite("delegated")]);
    return sites.map((site) => {
      const absentWithLeave = declined.get(site.siteId) ?? 0;
      const delegated = delegatedBy.get(site.siteId) ?? 0;
      return {
        site,
        invited: site.participantCount,
        present: site.presentCount,
        absentWithLeave,
        delegated,
        absentWithoutLeave: Math.max(0, site.participantCount - site.presentCount - absentWithLeave - delegated),
      };
    });
  }

  /** Everything a sheet file shows (every row, up to MAX_EXPORT_ROWS). */
  async sheetData(identity: Identity, input: { meetingId: string; siteId: string }): Promise<SheetData> {
    const { meeting, standing } = await this.app.visibleMeeting(identity, input.meetingId);
    const siteId = oneLine(input.siteId) || undefined;
    this.app.access.assertReadSheet(standing, siteId);
    const sites = await this.siteFigures(meeting, siteId);
    const invited = sites.reduce((n, s) => n + s.invited, 0);
    if (invited > MAX_EXPORT_ROWS)
      throw new FailedPrecondition(
        `Danh sách quá lớn (${invited} người): hãy xuất theo từng điểm cầu / The sheet is too large (${invited} people): export it site by site`,
        "SHEET_TOO_LARGE",
        { rows: String(invited), max_rows: String(MAX_EXPORT_ROWS) },
      );
    const filter = siteId ? { meetingId: meeting._id, siteId } : { meetingId: meeting._id };
    const participants = await this.app.store.participants
      .find(filter, { sort: { siteId: 1, sortName: 1 }, limit: MAX_EXPORT_ROWS })
      .toArray();
    const siteNames = new Map(sites.map((s) => [s.site.siteId, s.site.name]));
    const rows: SheetRow[] = participants.map((p) => {
      const first = p.sessions[p.sessions.length - 1];
      const last = p.sessions[0];
      const row: SheetRow = {
        person: p.person,
        siteId: p.siteId,
        siteName: siteNames.get(p.siteId) ?? p.siteId,
        state: attendanceOf(p),
        reason: p.response === "declined" ? p.responseReason : "",
        invitedAs: p.invitedAs,
      };
      if (p.firstCheckIn) row.firstCheckIn = p.firstCheckIn;
      if (last?.checkedOutAt && !p.presentNow) row.lastCheckOut = last.checkedOutAt;
      if (first) row.device = first.device;
      if (first && first.checkedInBy.userId !== p.person.personId) row.checkedInBy = first.checkedInBy.displayName;
      if (p.delegate) row.delegateName = p.delegate.fullName;
      if (p.delegatedBy) row.delegatedByName = p.delegatedBy.fullName;
      return row;
    });
    const sheetSites: SheetSite[] = sites.map((s) => ({
      siteId: s.site.siteId,
      name: s.site.name,
      unitName: s.site.unit?.name ?? "",
      hostName: s.site.host?.fullName ?? "",
      central: s.site.central,
      invited: s.invited,
      present: s.present,
      absentWithLeave: s.absentWithLeave,
      absentWithoutLeave: s.absentWithoutLeave,
      delegated: s.delegated,
    }));
    const sum = (k: keyof Totals) => sheetSites.reduce((n, s) => n + s[k], 0);
    return {
      meeting: {
        id: meeting._id,
        title: meeting.title,
        kindLabel: KIND_WORDS[meeting.kind],
        start: meeting.start,
        plannedEnd: meeting.plannedEnd,
        place: meeting.place,
        chairName: meeting.chair.fullName,
        status: meeting.status,
      },
      sites: sheetSites,
      rows,
      total: {
        invited: sum("invited"),
        present: sum("present"),
        absentWithLeave: sum("absentWithLeave"),
        absentWithoutLeave: sum("absentWithoutLeave"),
        delegated: sum("delegated"),
      },
      asOf: this.app.clock.now(),
      scope: siteId ? { siteId, siteName: siteNames.get(siteId) } : {},
    };
  }
}

function stripSite(t: Totals | SiteFigures | undefined): Totals {
  if (!t) return { invited: 0, present: 0, absentWithLeave: 0, absentWithoutLeave: 0, delegated: 0 };
  return {
    invited: t.invited,
    present: t.present,
    absentWithLeave: t.absentWithLeave,
    absentWithoutLeave: t.absentWithoutLeave,
    delegated: t.delegated,
  };
}
