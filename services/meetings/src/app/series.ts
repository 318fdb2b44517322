/**
 * Recurring series (the weekly, monthly, quarterly briefing): a series and all its occurrences, each a
 * draft meeting of the series, are created together in one transaction, so a series never exists with
 * half of its meetings. Occurrences repeat the first one's weekday (weekly) or day of month (monthly,
 * quarterly; clamped to the month's last day) at the same wall-clock time in Vietnam.
 */
import { FieldChecks, NotFound, PermissionDenied, type Identity } from "@ministry/platform";
import { randomUUID } from "node:crypto";
import type { ClientSession } from "mongodb";
import { FIELDS, MAX_TITLE_LENGTH } from "../domain/limits.js";
import type { Frequency, Meeting, MeetingKind, MeetingMode, Series, Site } from "../domain/model.js";
import { siteKey } from "../store/collections.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import type { MeetingCommands } from "./meetings.js";
import { oneLine } from "./text.js";

export const MIN_SERIES_DURATION_MINUTES = 1;
export const MAX_SERIES_DURATION_MINUTES = 1_440;
export const MIN_SERIES_COUNT = 1;
export const MAX_SERIES_COUNT = 60;
/** Room an occurrence's title keeps for its period (" (tháng 04/2020)", " (quý III/2020)", " (30/03/2020)"). */
const PERIOD_SUFFIX_ROOM = 20;
export const MAX_SERIES_TITLE_LENGTH = MAX_TITLE_LENGTH - PERIOD_SUFFIX_ROOM;

const DEFAULT_KIND: Record<Frequency, MeetingKind> = {
  weekly: "weekly_briefing",
  monthly: "monthly_briefing",
  quarterly: "quarterly_briefing",
};

export interface NewSeriesInput {
  requestId?: string;
  title: string;
  /** Unset: the briefing of the frequency (weekly, monthly, quarterly briefing). */
  kind?: MeetingKind;
  frequency?: Frequency;
  firstStart?: Date;
  durationMinutes: number;
  count: number;
  chairId: string;
  secretaryId: string;
  organizerUnitId: string;
  mode?: MeetingMode;
  place: string;
}

/** Vietnam is UTC+7 all year (no daylight saving time). */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The starts of a series' occurrences: the first, then every 7 days (weekly), or every 1 or 3 months on
 * the first one's day of month, clamped to the month's last day (31 January → 29 February → 31 March),
 * at the first one's time of day in Vietnam.
 */
export function occurrenceStarts(first: Date, frequency: Frequency, count: number): Date[] {
  // Vietnam's wall clock as UTC fields, so the arithmetic does not depend on the process's time zone.
  const local = new Date(first.getTime() + VIETNAM_OFFSET_MS);
  const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  const timeOfDay = first.getTime() + VIETNAM_OFFSET_MS - Date.UTC(y, m, d);
  const starts: Date[] = [];
  for (let n = 0; n < count; n += 1) {
    let day: number;
    if (frequency === "weekly") {
      day = Date.UTC(y, m, d + 7 * n);
    } else {
      const months = m + n * (frequency === "monthly" ? 1 : 3);
      const year = y + Math.floor(months / 12);
      const month = months % 12;
      day = Date.UTC(year, month, Math.min(d, daysInMonth(year, month)));
    }
    starts.push(new Date(day + timeOfDay - VIETNAM_OFFSET_MS));
  }
  return starts;
}

const QUARTERS = ["I", "II", "III", "IV"];

/** An occurrence's title: the series' title and its period, in Vietnam's calendar. */
export function occurrenceTitle(title: string, frequency: Frequency, start: Date): string {
  const local = new Date(start.getTime() + VIETNAM_OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = String(local.getUTCMonth() + 1).padStart(2, "0");
  if (frequency === "monthly") return `${title} (tháng ${month}/${year})`;
  if (frequency === "quarterly") return `${title} (quý ${QUARTERS[Math.floor(local.getUTCMonth() / 3)]}/${year})`;
  return `${title} (${String(local.getUTCDate()).padStart(2, "0")}/${month}/${year})`;
}

export function seriesNotFound(): NotFound {
  return new NotFound("Không tìm thấy chuỗi cuộc họp / Series not found");
}

/**
 * Whether the caller sees the series: its managers (chair, secretary, organising office), the
 * leadership, and whoever is invited to or hosts a site of one of its meetings.
 */
export async function seesSeries(app: AppContext, identity: Identity, series: Series, session?: ClientSession): Promise<boolean> {
  if (app.access.manages(identity, series) || app.access.oversees(identity)) return true;
  const [invited, hosting] = await Promise.all([
    app.store.participants.findOne(
      { meetingId: { $in: series.meetingIds }, "person.personId": identity.userId },
      { session, projection: { _id: 1 } },
    ),
    app.store.sites.findOne(
      { meetingId: { $in: series.meetingIds }, "host.personId": identity.userId },
      { session, projection: { _id: 1 } },
    ),
  ]);
  return invited !== null || hosting !== null;
}

/** The series if the caller sees it; NOT_FOUND otherwise, exactly as for a missing one. */
export async function visibleSeries(app: AppContext, identity: Identity, id: string, session?: ClientSession): Promise<Series> {
  const series = await app.store.series.findOne({ _id: id }, { session });
  if (!series || !(await seesSeries(app, identity, series, session))) throw seriesNotFound();
  return series;
}

export function assertManagesSeries(app: AppContext, identity: Identity, series: Series): void {
  if (app.access.manages(identity, series)) return;
  throw new PermissionDenied(
    "Chỉ chủ trì, thư ký và đơn vị tổ chức được quản lý chuỗi cuộc họp / Only the chair, the secretary and the organising office manage the series",
  );
}

interface Drafted {
  series: Series;
  meetings: Meeting[];
  sites: Site[];
}

export class SeriesCommands {
  constructor(
    private readonly app: AppContext,
    private readonly meetings: MeetingCommands,
  ) {}

  async createSeries(identity: Identity, input: NewSeriesInput): Promise<Series> {
    this.app.access.assertMayCreate(identity);
    return this.app.oncePrepared(
      "CreateSeries",
      identity,
      { requestId: input.requestId, target: "series", body: input },
      documentCodec<Series>(),
      () => this.draft(identity, input),
      async (session, { series, meetings, sites }) => {
        const actor = actorOf(identity);
        await this.app.store.series.insertOne(series, { session });
        await this.app.store.meetings.insertMany(meetings, { session });
        await this.app.store.sites.insertMany(sites, { session });
        await this.app.record(
          session,
          actor,
          "series.created",
          { type: "series", id: series._id },
          {
            title: series.title,
            frequency: series.frequency,
            firstStart: series.firstStart,
            durationMinutes: series.durationMinutes,
            count: series.count,
            chair: series.chair.personId,
          },
        );
        for (const m of meetings) {
          await this.app.record(
            session,
            actor,
            "meeting.created",
            { type: "meeting", id: m._id },
            {
              title: m.title,
              start: m.start,
              chair: m.chair.personId,
              seriesId: series._id,
            },
          );
        }
        return series;
      },
    );
  }

  async getSeries(identity: Identity, id: string): Promise<Series> {
    return visibleSeries(this.app, identity, id);
  }

  /**
   * Checks the request and drafts every occurrence. The first is drafted by MeetingCommands.draft (its
   * checks, the directory's answer for the chair, secretary and organiser); the others repeat it with
   * their own id, title and times, so a series of 60 asks the directory once, not 60 times, and every
   * occurrence names the same people.
   */
  private async draft(identity: Identity, input: NewSeriesInput): Promise<Drafted> {
    const checks = new FieldChecks();
    const title = oneLine(input.title);
    if (title === "") checks.add("title", "Thiếu tên chuỗi cuộc họp", "The title is required");
    checks.length("title", title, MAX_SERIES_TITLE_LENGTH, FIELDS.title);
    if (!input.frequency)
      checks.add("frequency", "Thiếu tần suất (hằng tuần, hằng tháng, hằng quý)", "The frequency (weekly, monthly, quarterly) is required");
    if (!input.firstStart || Number.isNaN(input.firstStart.getTime()))
      checks.add("first_start", "Thiếu thời gian bắt đầu", "The first start is required");
    const duration = input.durationMinutes;
    if (!Number.isInteger(duration) || duration < MIN_SERIES_DURATION_MINUTES || duration > MAX_SERIES_DURATION_MINUTES)
      checks.add(
        "duration_minutes",
        `Thời lượng từ ${MIN_SERIES_DURATION_MINUTES} đến ${MAX_SERIES_DURATION_MINUTES} phút`,
        `The duration is ${MIN_SERIES_DURATION_MINUTES}-${MAX_SERIES_DURATION_MINUTES} minutes`,
      );
    if (!Number.isInteger(input.count) || input.count < MIN_SERIES_COUNT || input.count > MAX_SERIES_COUNT)
      checks.add(
        "count",
        `Số cuộc họp từ ${MIN_SERIES_COUNT} đến ${MAX_SERIES_COUNT}`,
        `The count is ${MIN_SERIES_COUNT}-${MAX_SERIES_COUNT}`,
      );
    if (!checks.ok) {
      // The people and the unit are checked too, so one answer names every problem.
      await Promise.all([
        this.meetings.person(checks, "chair_id", input.chairId, true),
        this.meetings.person(checks, "secretary_id", input.secretaryId, false),
      ]);
      checks.check();
    }
    const frequency = input.frequency as Frequency;
    const seriesId = randomUUID();
    const durationMs = duration * 60_000;
    const starts = occurrenceStarts(input.firstStart as Date, frequency, input.count);
    const kind = input.kind ?? DEFAULT_KIND[frequency];
    const first = await this.meetings.draft(
      identity,
      {
        kind,
        title: occurrenceTitle(title, frequency, starts[0]),
        chairId: input.chairId,
        secretaryId: input.secretaryId,
        organizerUnitId: input.organizerUnitId,
        start: starts[0],
        plannedEnd: new Date(starts[0].getTime() + durationMs),
        mode: input.mode,
        place: input.place,
        centralSiteName: "",
        centralVideoUrl: "",
        seriesId,
      },
      checks,
      `${seriesId}-1`,
    );
    checks.check();
    const meetings: Meeting[] = [];
    const sites: Site[] = [];
    starts.forEach((start, i) => {
      const id = `${seriesId}-${i + 1}`;
      const meeting: Meeting = structuredClone(first.meeting);
      Object.assign(meeting, {
        _id: id,
        title: occurrenceTitle(title, frequency, start),
        start,
        plannedEnd: new Date(start.getTime() + durationMs),
      });
      const central: Site = { ...structuredClone(first.central), _id: siteKey(id, first.central.siteId), meetingId: id };
      meetings.push(meeting);
      sites.push(central);
    });
    const { meeting } = first;
    const series: Series = {
      _id: seriesId,
      title,
      kind,
      frequency,
      firstStart: starts[0],
      durationMinutes: duration,
      count: input.count,
      chair: meeting.chair,
      secretary: meeting.secretary,
      organizerUnit: meeting.organizerUnit,
      meetingIds: meetings.map((m) => m._id),
      createdAt: meeting.createdAt,
      createdBy: meeting.createdBy,
    };
    if (!series.secretary) delete series.secretary;
    return { series, meetings, sites };
  }
}
