/**
 * The meeting's life: create a draft, change it, schedule it (the invitees are told), reschedule it
 * (history kept, everyone told again, SEQUENCE increases), cancel, start, end and conclude it (the
 * conclusions frozen and `meetings.meeting.concluded` published once).
 */
import { FieldChecks, InvalidArgument, keysetPage, type Identity, type KeysetPage, type PageRequest } from "@ministry/platform";
import { randomUUID } from "node:crypto";
import type { Filter } from "mongodb";
import { assertEditable, assertTransition } from "../domain/lifecycle.js";
import {
  FIELDS,
  MAX_DURATION_MS,
  MAX_ID_LENGTH,
  MAX_PLACE_LENGTH,
  MAX_REASON_LENGTH,
  MAX_RESCHEDULES,
  MAX_SITE_NAME_LENGTH,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
} from "../domain/limits.js";
import type { Meeting, MeetingKind, MeetingMode, MeetingStatus, PersonRef, Site, UnitRef } from "../domain/model.js";
import { MeetingEvents } from "../events/definitions.js";
import { audienceOf, centralVideoUrl, meetingSummary, notices } from "../events/builders.js";
import { siteKey } from "../store/collections.js";
import { meetingNotFound, type Standing } from "./access.js";
import { conclusionEvent } from "./conclusion-event.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { changeMeeting, type MeetingMutation } from "./meeting-change.js";
import { checkUrl, oneLine } from "./text.js";

export interface NewMeetingInput {
  requestId?: string;
  kind?: MeetingKind;
  title: string;
  chairId: string;
  secretaryId: string;
  organizerUnitId: string;
  start?: Date;
  plannedEnd?: Date;
  mode?: MeetingMode;
  place: string;
  centralSiteName: string;
  centralVideoUrl: string;
  seriesId?: string;
  /** A fixed id (the seed's); a new meeting gets a random one. */
  id?: string;
}

export interface MeetingUpdateInput {
  title?: string;
  kind?: MeetingKind;
  mode?: MeetingMode;
  place?: string;
  chairId?: string;
  secretaryId?: string;
  plannedEnd?: Date;
}

export interface ListMeetingsInput {
  page: PageRequest;
  statuses: MeetingStatus[];
  from?: Date;
  to?: Date;
  seriesId?: string;
}

export const CENTRAL_SITE_ID = "central";

/** Checks a start and planned end: both given, the end after the start, at most a day apart. */
export function checkTimes(
  checks: FieldChecks,
  start: Date | undefined,
  end: Date | undefined,
  fields = { start: "start", end: "planned_end" },
): void {
  if (!start || Number.isNaN(start.getTime())) checks.add(fields.start, "Thiếu thời gian bắt đầu", "The start is required");
  if (!end || Number.isNaN(end.getTime())) checks.add(fields.end, "Thiếu thời gian kết thúc dự kiến", "The planned end is required");
  if (start && end && end.getTime() <= start.getTime()) checks.add(fields.end, "Phải sau thời gian bắt đầu", "Must be after the start");
  else if (start && end && end.getTime() - start.getTime() > MAX_DURATION_MS)
    checks.add(fields.end, "Cuộc họp dài quá 24 giờ", "A meeting lasts at most 24 hours");
}

export class MeetingCommands {
  constructor(private readonly app: AppContext) {}

  /** A directory person for a role in the meeting; INVALID_ARGUMENT on `field` when the directory has none. */
  async person(checks: FieldChecks, field: string, id: string, required: boolean): Promise<PersonRef | undefined> {
    const v = oneLine(id);
    if (v === "") {
      if (required) checks.add(field, "Bắt buộc", "Required");
      return undefined;
    }
    if (v.length > MAX_ID_LENGTH) {
      checks.add(field, `Dài quá ${MAX_ID_LENGTH} ký tự`, `Longer than ${MAX_ID_LENGTH} characters`);
      return undefined;
    }
    const p = await this.app.directory.person(v);
    if (!p) checks.add(field, `Không có người "${v}" trong danh bạ`, `No person "${v}" in the directory`);
    return p;
  }

  async unit(checks: FieldChecks, field: string, id: string): Promise<UnitRef> {
    const v = oneLine(id);
    if (v === "" || v.length > 64) {
      checks.add(field, "Mã đơn vị không hợp lệ", "Invalid unit id");
      return { id: v, name: v };
    }
    // The organiser's name as the directory knows it: through its head (every unit has one), else the id.
    const { people } = await this.app.directory.resolve([{ kind: "unit_head", unitId: v }]);
    return { id: v, name: people[0]?.unit?.name ?? v };
  }

  /** The meeting document of a new draft (used by CreateMeeting and by a series' occurrences). */
  async draft(
    identity: Identity,
    input: NewMeetingInput,
    checks: FieldChecks,
    id: string = randomUUID(),
  ): Promise<{ meeting: Meeting; central: Site }> {
    const title = oneLine(input.title);
    if (title === "") checks.add("title", "Thiếu tên cuộc họp", "The title is required");
    checks.length("title", title, MAX_TITLE_LENGTH, FIELDS.title);
    const place = oneLine(input.place);
    checks.length("place", place, MAX_PLACE_LENGTH, FIELDS.place);
    checkTimes(checks, input.start, input.plannedEnd);
    const siteName = oneLine(input.centralSiteName) || "Điểm cầu Trung ương";
    checks.length("central_site_name", siteName, MAX_SITE_NAME_LENGTH, FIELDS.siteName);
    const video = checkUrl(checks, "central_video_url", input.centralVideoUrl, MAX_URL_LENGTH);
    const defaultUnit = this.app.access.managesAll(identity) || !identity.unitId ? this.app.settings.officeUnitId : identity.unitId;
    const organizerUnitId = oneLine(input.organizerUnitId) || defaultUnit;
    const [chair, secretary, organizerUnit] = await Promise.all([
      this.person(checks, "chair_id", input.chairId, true),
      this.person(checks, "secretary_id", input.secretaryId, false),
      this.unit(checks, "organizer_unit_id", organizerUnitId),
    ]);
    checks.check();
    this.app.access.assertOrganizer(identity, organizerUnit.id);
    const at = this.app.clock.now();
    const meeting: Meeting = {
      _id: id,
      kind: input.kind ?? "other",
      title,
      chair: chair as PersonRef,
      secretary,
      organizerUnit,
      start: input.start as Date,
      plannedEnd: input.plannedEnd as Date,
      mode: input.mode ?? "online",
      place,
      status: "draft",
      seriesId: input.seriesId,
      sequence: 0,
      reschedules: [],
      cancelReason: "",
      agenda: [],
      currentItemId: "",
      minutes: "",
      conclusions: [],
      centralSiteId: CENTRAL_SITE_ID,
      siteCount: 1,
      participantCount: 0,
      version: 1,
      createdAt: at,
      updatedAt: at,
      createdBy: actorOf(identity),
    };
    if (!secretary) delete meeting.secretary;
    if (!input.seriesId) delete meeting.seriesId;
    const central: Site = {
      _id: siteKey(id, CENTRAL_SITE_ID),
      meetingId: id,
      siteId: CENTRAL_SITE_ID,
      name: siteName,
      unit: { ...organizerUnit },
      host: meeting.secretary ?? meeting.chair,
      videoUrl: video,
      central: true,
      position: 0,
      participantCount: 0,
      presentCount: 0,
    };
    return { meeting, central };
  }

  async create(identity: Identity, input: NewMeetingInput): Promise<Meeting> {
    this.app.access.assertMayCreate(identity);
    return this.app.oncePrepared(
      "CreateMeeting",
      identity,
      { requestId: input.requestId, target: "meetings", body: input },
      documentCodec<Meeting>(),
      async () => {
        const checks = new FieldChecks();
        const drafted = await this.draft(identity, input, checks, input.id);
        checks.check();
        return drafted;
      },
      async (session, { meeting, central }) => {
        await this.app.store.meetings.insertOne(meeting, { session });
        await this.app.store.sites.insertOne(central, { session });
        await this.app.record(
          session,
          actorOf(identity),
          "meeting.created",
          { type: "meeting", id: meeting._id },
          {
            title: meeting.title,
            start: meeting.start,
            chair: meeting.chair.personId,
          },
        );
        return meeting;
      },
    );
  }

  async get(identity: Identity, id: string): Promise<{ meeting: Meeting; standing: Standing }> {
    return this.app.visibleMeeting(identity, id);
  }

  /** Managers of every meeting see all; others the meetings they organise, chair, host or are invited to. */
  async list(identity: Identity, input: ListMeetingsInput): Promise<KeysetPage<Meeting>> {
    const filter: Filter<Meeting> = {};
    if (input.statuses.length > 0) filter.status = { $in: input.statuses };
    if (input.from || input.to) filter.start = { ...(input.from ? { $gte: input.from } : {}), ...(input.to ? { $lt: input.to } : {}) };
    if (input.seriesId) filter.seriesId = input.seriesId;
    if (!this.app.access.oversees(identity)) {
      const [invited, hosted] = await Promise.all([
        this.app.store.participants.distinct("meetingId", { "person.personId": identity.userId }),
        this.app.store.sites.distinct("meetingId", { "host.personId": identity.userId }),
      ]);
      const mine: Filter<Meeting>[] = [
        { "chair.personId": identity.userId },
        { "secretary.personId": identity.userId },
        { _id: { $in: [...new Set([...invited, ...hosted])] } },
      ];
      if (identity.unitId && identity.roles.some((r) => r === "unit_head" || r === "staff"))
        mine.push({ "organizerUnit.id": identity.unitId });
      filter.$or = mine;
    }
    return keysetPage(
      this.app.store.meetings,
      {
        list: `meetings:${identity.userId}`,
        filter: filter as Filter<import("mongodb").Document>,
        sort: [["start", -1]],
        projection: { minutes: 0 },
      },
      input.page,
      { now: this.app.clock.now() },
    );
  }

  async update(identity: Identity, m: MeetingMutation, input: MeetingUpdateInput): Promise<Meeting> {
    const checks = new FieldChecks();
    const title = input.title === undefined ? undefined : oneLine(input.title);
    if (title !== undefined) {
      if (title === "") checks.add("title", "Thiếu tên cuộc họp", "The title is required");
      checks.length("title", title, MAX_TITLE_LENGTH, FIELDS.title);
    }
    const place = input.place === undefined ? undefined : oneLine(input.place);
    if (place !== undefined) checks.length("place", place, MAX_PLACE_LENGTH, FIELDS.place);
    const [chair, secretary] = await Promise.all([
      input.chairId === undefined ? undefined : this.person(checks, "chair_id", input.chairId, true),
      input.secretaryId === undefined || input.secretaryId === ""
        ? undefined
        : this.person(checks, "secretary_id", input.secretaryId, false),
    ]);
    checks.check();
    return changeMeeting(this.app, "UpdateMeeting", identity, m, ({ read, standing }) => {
      this.app.access.assertManage(standing);
      assertEditable(read);
      const next: Meeting = { ...read };
      if (title !== undefined) next.title = title;
      if (place !== undefined) next.place = place;
      if (input.kind) next.kind = input.kind;
      if (input.mode) next.mode = input.mode;
      if (chair) next.chair = chair;
      if (input.secretaryId === "") delete next.secretary;
      else if (secretary) next.secretary = secretary;
      if (input.plannedEnd) {
        const c = new FieldChecks();
        checkTimes(c, read.start, input.plannedEnd);
        c.check();
        next.plannedEnd = input.plannedEnd;
      }
      // Calendars see a change of what they show.
      if (next.title !== read.title || next.place !== read.place || next.plannedEnd.getTime() !== read.plannedEnd.getTime())
        next.sequence += 1;
      return {
        meeting: next,
        action: "meeting.updated",
        change: {
          title,
          place,
          kind: input.kind,
          mode: input.mode,
          chair: chair?.personId,
          secretary: input.secretaryId,
          plannedEnd: input.plannedEnd,
        },
      };
    });
  }

  async schedule(identity: Identity, m: MeetingMutation): Promise<Meeting> {
    return changeMeeting(this.app, "ScheduleMeeting", identity, m, async ({ read, standing, actor, session }) => {
      this.app.access.assertManage(standing);
      assertTransition(read, "schedule");
      const next: Meeting = { ...read, status: "scheduled", sequence: read.sequence + 1 };
      const summary = meetingSummary(next, await centralVideoUrl(this.app.store, read, session));
      const audience = await audienceOf(this.app.store, read, session);
      const key = `${read._id}:v${read.version + 1}`;
      return {
        meeting: next,
        action: "meeting.scheduled",
        change: { start: read.start, plannedEnd: read.plannedEnd, invitees: audience.length },
        events: [
          MeetingEvents.scheduled.of(read._id, { meeting: summary, actor }, { id: `${key}:scheduled` }),
          ...notices("invited", summary, audience, actor, key),
        ],
      };
    });
  }

  async reschedule(identity: Identity, m: MeetingMutation, input: { start?: Date; plannedEnd?: Date; reason: string }): Promise<Meeting> {
    const checks = new FieldChecks();
    checkTimes(checks, input.start, input.plannedEnd);
    const reason = oneLine(input.reason);
    if (reason === "") checks.add("reason", "Cần nêu lý do dời lịch", "A reason is required");
    checks.length("reason", reason, MAX_REASON_LENGTH, FIELDS.reason);
    checks.check();
    const start = input.start as Date;
    const end = input.plannedEnd as Date;
    return changeMeeting(this.app, "RescheduleMeeting", identity, m, async ({ read, standing, actor, at, session }) => {
      this.app.access.assertManage(standing);
      assertTransition(read, "reschedule");
      if (read.reschedules.length >= MAX_RESCHEDULES)
        throw new InvalidArgument([
          { field: "start", description: `Đã dời lịch ${MAX_RESCHEDULES} lần / Rescheduled ${MAX_RESCHEDULES} times already` },
        ]);
      const entry = { previousStart: read.start, previousEnd: read.plannedEnd, start, end, reason, actor, at };
      const next: Meeting = { ...read, start, plannedEnd: end, sequence: read.sequence + 1, reschedules: [...read.reschedules, entry] };
      delete next.remindedFor;
      const summary = meetingSummary(next, await centralVideoUrl(this.app.store, read, session));
      // A draft was never announced: its new time is told when it is scheduled.
      const audience = read.status === "scheduled" ? await audienceOf(this.app.store, read, session) : [];
      const key = `${read._id}:v${read.version + 1}`;
      return {
        meeting: next,
        action: "meeting.rescheduled",
        change: { from: { start: read.start, end: read.plannedEnd }, to: { start, end }, reason },
        // Only an announced meeting's new time is news to anyone.
        events:
          read.status === "scheduled"
            ? [
                MeetingEvents.rescheduled.of(
                  read._id,
                  { meeting: summary, actor, previousStart: read.start, previousEnd: read.plannedEnd, reason },
                  { id: `${key}:rescheduled` },
                ),
                ...notices("rescheduled", summary, audience, actor, key, { previousStart: read.start, reason }),
              ]
            : [],
      };
    });
  }

  async cancel(identity: Identity, m: MeetingMutation, reasonText: string): Promise<Meeting> {
    const checks = new FieldChecks();
    const reason = oneLine(reasonText);
    if (reason === "") checks.add("reason", "Cần nêu lý do hủy", "A reason is required");
    checks.length("reason", reason, MAX_REASON_LENGTH, FIELDS.reason);
    checks.check();
    return changeMeeting(this.app, "CancelMeeting", identity, m, async ({ read, standing, actor, session }) => {
      this.app.access.assertManage(standing);
      assertTransition(read, "cancel");
      const next: Meeting = { ...read, status: "cancelled", cancelReason: reason, sequence: read.sequence + 1 };
      const summary = meetingSummary(next, await centralVideoUrl(this.app.store, read, session));
      // A draft was never announced: nobody is told of its cancellation.
      const audience = read.status === "scheduled" ? await audienceOf(this.app.store, read, session) : [];
      const key = `${read._id}:v${read.version + 1}`;
      return {
        meeting: next,
        action: "meeting.cancelled",
        change: { reason, from: read.status },
        events: [
          MeetingEvents.cancelled.of(read._id, { meeting: summary, actor, reason }, { id: `${key}:cancelled` }),
          ...notices("cancelled", summary, audience, actor, key, { reason }),
        ],
      };
    });
  }

  async start(identity: Identity, m: MeetingMutation): Promise<Meeting> {
    return changeMeeting(this.app, "StartMeeting", identity, m, async ({ read, standing, actor, at, session }) => {
      this.app.access.assertManage(standing);
      assertTransition(read, "start");
      const next: Meeting = { ...read, status: "in_progress", startedAt: at };
      const summary = meetingSummary(next, await centralVideoUrl(this.app.store, read, session));
      return {
        meeting: next,
        action: "meeting.started",
        change: { at },
        events: [MeetingEvents.started.of(read._id, { meeting: summary, actor }, { id: `${read._id}:v${read.version + 1}:started` })],
      };
    });
  }

  async end(identity: Identity, m: MeetingMutation): Promise<Meeting> {
    return changeMeeting(this.app, "EndMeeting", identity, m, async ({ read, standing, actor, at, session }) => {
      this.app.access.assertManage(standing);
      assertTransition(read, "end");
      const next: Meeting = { ...read, status: "ended", endedAt: at, currentItemId: "" };
      delete next.currentItemSince;
      next.agenda = closeCurrentItem(read, at);
      // Those still present leave when the meeting ends: their sessions close at its end.
      const summary = meetingSummary(next, await centralVideoUrl(this.app.store, read, session));
      return {
        meeting: next,
        action: "meeting.ended",
        change: { at },
        events: [MeetingEvents.ended.of(read._id, { meeting: summary, actor }, { id: `${read._id}:v${read.version + 1}:ended` })],
        also: async (s) => {
          await this.app.store.participants.updateMany(
            { meetingId: read._id, presentNow: true },
            { $set: { presentNow: false, "sessions.0.checkedOutAt": at } },
            { session: s },
          );
        },
      };
    });
  }

  /**
   * Ended → concluded: the conclusions are final, and `meetings.meeting.concluded` carries them with the
   * attendance per site. The status change makes a second conclude impossible, and a retried request id
   * answers the first result: the event is published once.
   */
  async conclude(identity: Identity, m: MeetingMutation): Promise<Meeting> {
    return changeMeeting(this.app, "ConcludeMeeting", identity, m, async ({ read, standing, actor, at, session }) => {
      this.app.access.assertManage(standing);
      assertTransition(read, "conclude");
      const next: Meeting = { ...read, status: "concluded", concludedAt: at };
      const { concluded, notice } = await conclusionEvent(this.app, next, actor, session);
      return {
        meeting: next,
        action: "meeting.concluded",
        change: { at, conclusions: read.conclusions.length },
        events: [concluded, ...notice],
      };
    });
  }
}

/** The agenda with the current item's time closed at `at`. */
export function closeCurrentItem(read: Meeting, at: Date): Meeting["agenda"] {
  if (!read.currentItemId || !read.currentItemSince) return read.agenda;
  const since = read.currentItemSince;
  return read.agenda.map((item) =>
    item.id === read.currentItemId
      ? { ...item, endedAt: at, elapsedSeconds: item.elapsedSeconds + Math.max(0, Math.round((at.getTime() - since.getTime()) / 1000)) }
      : item,
  );
}

export { meetingNotFound };
