/**
 * iCalendar (RFC 5545) feeds: a person's meetings or a series', one VEVENT per meeting with a stable
 * UID and the meeting's SEQUENCE, so a calendar program updates an event in place when the meeting is
 * rescheduled and removes it when it is cancelled (STATUS:CANCELLED).
 *
 * Times: DTSTART/DTEND carry TZID=Asia/Ho_Chi_Minh with its VTIMEZONE; DTSTAMP and LAST-MODIFIED are
 * UTC as RFC 5545 requires. ical-generator writes those two in the calendar's time zone (without "Z")
 * when the calendar has one, so the zone is set on each event and the calendar only generates the
 * VTIMEZONE; X-WR-TIMEZONE is added for the programs that read it.
 */
import { getVtimezoneComponent } from "@touch4it/ical-timezones";
import ical, { ICalEventStatus, type ICalDateTimeValue } from "ical-generator";
import type { ClientSession, Filter } from "mongodb";
import type { AppContext } from "../app/context.js";
import { MAX_TITLE_LENGTH } from "../domain/limits.js";
import type { FeedToken, Meeting, MeetingStatus, PersonRef } from "../domain/model.js";
import { KIND_WORDS } from "../domain/vocabulary.js";
import { siteKey } from "../store/collections.js";

export const CALENDAR_TIME_ZONE = "Asia/Ho_Chi_Minh";
/** The UIDs' domain: a UID must never change, so it does not follow any configurable host name. */
export const UID_DOMAIN = "meetings.bnv.gov.example";
export const PRODUCT_ID = { company: UID_DOMAIN, product: "meetings", language: "VI" };
/** How far back a person's feed reaches, and how many meetings it holds at most. */
export const FEED_PAST_DAYS = 90;
export const MAX_FEED_EVENTS = 500;
/** How often calendar programs are asked to poll (REFRESH-INTERVAL / X-PUBLISHED-TTL). */
const REFRESH_SECONDS = 15 * 60;

const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** A meeting as a feed shows it: the meeting and its central site's video link. */
export interface CalendarEntry {
  meeting: Meeting;
  videoUrl: string;
}

export function eventUid(meetingId: string): string {
  return `${meetingId}@${UID_DOMAIN}`;
}

/**
 * An instant on Vietnam's wall clock, in the shape ical-generator accepts for a Luxon DateTime. A plain
 * Date would be written with the process's own time zone's fields; Vietnam has a fixed offset, so this
 * needs no time-zone library.
 */
class VietnamTime {
  readonly isValid = true;
  readonly zone = { type: "fixed" };

  constructor(
    private readonly instant: Date,
    private readonly offsetMs = VIETNAM_OFFSET_MS,
  ) {}

  setZone(zone?: string): VietnamTime {
    if (zone === CALENDAR_TIME_ZONE) return new VietnamTime(this.instant, VIETNAM_OFFSET_MS);
    if (zone === undefined || zone.toLowerCase() === "utc") return new VietnamTime(this.instant, 0);
    throw new Error(`unsupported time zone ${zone}`);
  }

  toFormat(fmt: string): string {
    const t = new Date(this.instant.getTime() + this.offsetMs);
    const two = (n: number) => String(n).padStart(2, "0");
    if (fmt === "yyyyLLdd") return `${String(t.getUTCFullYear()).padStart(4, "0")}${two(t.getUTCMonth() + 1)}${two(t.getUTCDate())}`;
    if (fmt === "HHmmss") return `${two(t.getUTCHours())}${two(t.getUTCMinutes())}${two(t.getUTCSeconds())}`;
    throw new Error(`unsupported format ${fmt}`);
  }

  toJSDate(): Date {
    return new Date(this.instant.getTime());
  }

  toJSON(): string {
    return this.instant.toISOString();
  }
}

function vietnamTime(d: Date): ICalDateTimeValue {
  return new VietnamTime(d);
}

const STATUS: Record<MeetingStatus, ICalEventStatus> = {
  draft: ICalEventStatus.TENTATIVE,
  scheduled: ICalEventStatus.CONFIRMED,
  in_progress: ICalEventStatus.CONFIRMED,
  ended: ICalEventStatus.CONFIRMED,
  concluded: ICalEventStatus.CONFIRMED,
  cancelled: ICalEventStatus.CANCELLED,
};

function personLine(p: PersonRef): string {
  return p.position ? `${p.fullName} (${p.position})` : p.fullName;
}

/** What the event's description says, Vietnamese first with the English word beside. */
export function eventDescription(m: Meeting, videoUrl: string): string {
  const lines = [`Loại / Kind: ${KIND_WORDS[m.kind].vi} / ${KIND_WORDS[m.kind].en}`, `Chủ trì / Chair: ${personLine(m.chair)}`];
  if (m.secretary) lines.push(`Thư ký / Secretary: ${personLine(m.secretary)}`);
  lines.push(`Đơn vị tổ chức / Organiser: ${m.organizerUnit.name}`);
  if (videoUrl) lines.push(`Họp trực tuyến / Join online: ${videoUrl}`);
  if (m.status === "cancelled") lines.push(`Đã hủy / Cancelled${m.cancelReason ? `: ${m.cancelReason}` : ""}`);
  if (m.agenda.length > 0) {
    lines.push("", "Chương trình / Agenda:");
    for (const [i, item] of m.agenda.entries()) lines.push(`${i + 1}. ${item.title}`);
  }
  return lines.join("\n");
}

/**
 * The feed as RFC 5545 text. Without a METHOD, DTSTAMP is when the event was last revised (RFC 5545
 * §3.8.7.2): the meeting's last change, so the same meetings give the same text and the same ETag.
 */
export function renderCalendar(name: string, entries: readonly CalendarEntry[]): string {
  const calendar = ical({
    name: name.slice(0, MAX_TITLE_LENGTH),
    prodId: PRODUCT_ID,
    ttl: REFRESH_SECONDS,
    timezone: { name: null, generator: (tz) => getVtimezoneComponent(tz) },
  });
  for (const { meeting: m, videoUrl } of entries) {
    calendar.createEvent({
      id: eventUid(m._id),
      sequence: m.sequence,
      timezone: CALENDAR_TIME_ZONE,
      start: vietnamTime(m.start),
      end: vietnamTime(m.plannedEnd),
      stamp: m.updatedAt,
      lastModified: m.updatedAt,
      summary: m.title,
      location: m.place || null,
      description: eventDescription(m, videoUrl),
      url: videoUrl || null,
      status: STATUS[m.status],
    });
  }
  // A calendar property, so beside PRODID, before any component (ical-generator puts its X- properties last).
  return calendar.toString().replace(/^(PRODID:[^\r]*\r\n)/m, `$1X-WR-TIMEZONE:${CALENDAR_TIME_ZONE}\r\n`);
}

/** The central sites' video links of `meetings`, by meeting id. */
async function videoLinks(app: AppContext, meetings: readonly Meeting[], session?: ClientSession): Promise<Map<string, string>> {
  if (meetings.length === 0) return new Map();
  const sites = await app.store.sites
    .find({ _id: { $in: meetings.map((m) => siteKey(m._id, m.centralSiteId)) } }, { session, projection: { meetingId: 1, videoUrl: 1 } })
    .toArray();
  return new Map(sites.map((s) => [s.meetingId, s.videoUrl]));
}

/**
 * A person's meetings: those he or she is invited to, chairs or is secretary of, from FEED_PAST_DAYS ago
 * on, the nearest first, at most MAX_FEED_EVENTS. Drafts were never announced and stay out; cancelled
 * meetings stay in, so calendars remove them.
 */
export async function personMeetings(app: AppContext, personId: string, now: Date): Promise<Meeting[]> {
  const invited = await app.store.participants.distinct("meetingId", { "person.personId": personId });
  const filter: Filter<Meeting> = {
    status: { $ne: "draft" },
    start: { $gte: new Date(now.getTime() - FEED_PAST_DAYS * 24 * 3600_000) },
    $or: [{ "chair.personId": personId }, { "secretary.personId": personId }, { _id: { $in: invited } }],
  };
  return app.store.meetings
    .find(filter, { projection: { minutes: 0 } })
    .sort({ start: 1, _id: 1 })
    .limit(MAX_FEED_EVENTS)
    .toArray();
}

/** A series' meetings (at most 60), drafts left out. */
export async function seriesMeetings(app: AppContext, seriesId: string): Promise<Meeting[]> {
  return app.store.meetings
    .find({ seriesId, status: { $ne: "draft" } }, { projection: { minutes: 0 } })
    .sort({ start: 1, _id: 1 })
    .limit(MAX_FEED_EVENTS)
    .toArray();
}

/** The feed a token opens, as RFC 5545 text. */
export async function feedCalendar(app: AppContext, token: FeedToken): Promise<string> {
  let name: string;
  let meetings: Meeting[];
  if (token.scope.kind === "person") {
    name = token.label || "Lịch họp / Meetings";
    meetings = await personMeetings(app, token.scope.personId, app.clock.now());
  } else {
    const series = await app.store.series.findOne({ _id: token.scope.seriesId }, { projection: { title: 1 } });
    name = token.label || series?.title || "Lịch họp / Meetings";
    meetings = await seriesMeetings(app, token.scope.seriesId);
  }
  const links = await videoLinks(app, meetings);
  return renderCalendar(
    name,
    meetings.map((meeting) => ({ meeting, videoUrl: links.get(meeting._id) ?? "" })),
  );
}
