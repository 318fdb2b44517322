/**
 * What this service's events carry: the meeting as a summary, and the notices (who is to be told),
 * split into parts of at most NOTICE_PART_SIZE people so no event grows with the audience.
 */
import type { OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { MeetingNotice, MeetingSummary } from "@ministry/proto/ministry/meetings/v1/events";
import type { ClientSession } from "mongodb";
import { NOTICE_PART_SIZE } from "../domain/limits.js";
import type { Meeting, UnitRef } from "../domain/model.js";
import { kindCodes, modeCodes, statusCodes } from "../domain/vocabulary.js";
import { toProtoPerson } from "../grpc/mapping.js";
import type { MeetingsDb } from "../store/collections.js";
import { NoticeEvents, type NoticeKind } from "./definitions.js";

export function meetingSummary(m: Meeting, centralVideoUrl = ""): MeetingSummary {
  return {
    meetingId: m._id,
    title: m.title,
    kind: kindCodes.toProto(m.kind),
    start: m.start,
    plannedEnd: m.plannedEnd,
    mode: modeCodes.toProto(m.mode),
    place: m.place,
    chair: toProtoPerson(m.chair),
    secretary: toProtoPerson(m.secretary),
    organizerUnit: { ...m.organizerUnit },
    status: statusCodes.toProto(m.status),
    sequence: m.sequence,
    videoUrl: centralVideoUrl,
    siteCount: m.siteCount,
    participantCount: m.participantCount,
  };
}

export interface NoticeExtra {
  previousStart?: Date;
  reason?: string;
  minutesBefore?: number;
  leadUnits?: UnitRef[];
  conclusionCount?: number;
  directiveCount?: number;
}

/** People to tell, with the video link of the site they attend from. */
export interface Recipients {
  videoUrl: string;
  ids: readonly string[];
}

/**
 * The notices of one change, one event per part of at most NOTICE_PART_SIZE recipients of one site (each
 * told his or her own site's video link). Event ids are derived from the change (`changeKey`), so the
 * same change never makes two sets of notices.
 */
export function notices(
  kind: NoticeKind,
  summary: MeetingSummary,
  groups: readonly Recipients[],
  actor: Actor | undefined,
  changeKey: string,
  extra: NoticeExtra = {},
): OutgoingEvent<MeetingNotice>[] {
  const leadUnits = extra.leadUnits ?? [];
  const nonEmpty = groups.map((g) => ({ videoUrl: g.videoUrl, ids: [...new Set(g.ids)] })).filter((g) => g.ids.length > 0);
  // Lead units' heads are told even when no participant is.
  if (nonEmpty.length === 0 && leadUnits.length > 0) nonEmpty.push({ videoUrl: summary.videoUrl, ids: [] });
  const out: OutgoingEvent<MeetingNotice>[] = [];
  for (const [g, group] of nonEmpty.entries()) {
    const parts = Math.max(1, Math.ceil(group.ids.length / NOTICE_PART_SIZE));
    for (let i = 0; i < parts; i += 1) {
      const first = out.length === 0;
      out.push(
        NoticeEvents[kind].of(
          summary.meetingId,
          {
            meeting: { ...summary, videoUrl: group.videoUrl || summary.videoUrl },
            recipientIds: group.ids.slice(i * NOTICE_PART_SIZE, (i + 1) * NOTICE_PART_SIZE),
            part: i + 1,
            parts,
            actor,
            previousStart: extra.previousStart,
            reason: extra.reason ?? "",
            minutesBefore: extra.minutesBefore ?? 0,
            leadUnits: first ? leadUnits.map((u) => ({ ...u })) : [],
            conclusionCount: extra.conclusionCount ?? 0,
            directiveCount: extra.directiveCount ?? 0,
          },
          { id: `${changeKey}:${kind}:${g + 1}:${i + 1}` },
        ),
      );
    }
  }
  return out;
}

/** The directory people among `people`, grouped by the site they attend from, with its video link (else the central one's). */
export async function recipientsBySite(
  db: MeetingsDb,
  meeting: Meeting,
  people: readonly { siteId: string; personId: string; guest: boolean }[],
  session: ClientSession,
): Promise<Recipients[]> {
  const bySite = new Map<string, string[]>();
  for (const p of people) {
    if (p.guest) continue;
    const ids = bySite.get(p.siteId) ?? [];
    ids.push(p.personId);
    bySite.set(p.siteId, ids);
  }
  if (bySite.size === 0) return [];
  const siteIds = [...new Set([...bySite.keys(), meeting.centralSiteId])];
  const sites = await db.sites
    .find({ meetingId: meeting._id, siteId: { $in: siteIds } }, { session, projection: { siteId: 1, videoUrl: 1 } })
    .toArray();
  const links = new Map(sites.map((s) => [s.siteId, s.videoUrl]));
  const central = links.get(meeting.centralSiteId) ?? "";
  return [...bySite].map(([siteId, ids]) => ({ videoUrl: links.get(siteId) || central, ids }));
}

/**
 * The people a change concerns: every directory person invited who has not declined or sent a
 * delegate (their delegates are participants themselves), by site. Guests have no inbox.
 */
export async function audienceOf(db: MeetingsDb, meeting: Meeting, session: ClientSession): Promise<Recipients[]> {
  const rows = await db.participants
    .find(
      { meetingId: meeting._id, guest: false, response: { $in: ["pending", "accepted"] } },
      { session, projection: { "person.personId": 1, siteId: 1 } },
    )
    .toArray();
  return recipientsBySite(
    db,
    meeting,
    rows.map((r) => ({ siteId: r.siteId, personId: r.person.personId, guest: false })),
    session,
  );
}

export async function centralVideoUrl(db: MeetingsDb, m: Meeting, session?: ClientSession): Promise<string> {
  const central = await db.site(m._id, m.centralSiteId, session);
  return central?.videoUrl ?? "";
}
