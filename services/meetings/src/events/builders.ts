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

/**
 * The notices of one change, one event per part of at most NOTICE_PART_SIZE recipients. Event ids are
 * derived from the change (`changeKey`), so the same change never makes two sets of notices.
 */
export function notices(
  kind: NoticeKind,
  summary: MeetingSummary,
  recipientIds: readonly string[],
  actor: Actor | undefined,
  changeKey: string,
  extra: NoticeExtra = {},
): OutgoingEvent<MeetingNotice>[] {
  const ids = [...new Set(recipientIds)];
  const leadUnits = extra.leadUnits ?? [];
  if (ids.length === 0 && leadUnits.length === 0) return [];
  const parts = Math.max(1, Math.ceil(ids.length / NOTICE_PART_SIZE));
  const out: OutgoingEvent<MeetingNotice>[] = [];
  for (let i = 0; i < parts; i += 1) {
    out.push(
      NoticeEvents[kind].of(
        summary.meetingId,
        {
          meeting: summary,
          recipientIds: ids.slice(i * NOTICE_PART_SIZE, (i + 1) * NOTICE_PART_SIZE),
          part: i + 1,
          parts,
          actor,
          previousStart: extra.previousStart,
          reason: extra.reason ?? "",
          minutesBefore: extra.minutesBefore ?? 0,
          leadUnits: i === 0 ? leadUnits.map((u) => ({ ...u })) : [],
          conclusionCount: extra.conclusionCount ?? 0,
          directiveCount: extra.directiveCount ?? 0,
        },
        { id: `${changeKey}:${kind}:${i + 1}` },
      ),
    );
  }
  return out;
}

/**
 * The people a change concerns: every directory person invited who has not declined or sent a
 * delegate (their delegates are participants themselves). Guests have no inbox.
 */
export async function audienceOf(db: MeetingsDb, meetingId: string, session: ClientSession): Promise<string[]> {
  const rows = await db.participants
    .find({ meetingId, guest: false, response: { $in: ["pending", "accepted"] } }, { session, projection: { "person.personId": 1 } })
    .toArray();
  return rows.map((r) => r.person.personId);
}

export async function centralVideoUrl(db: MeetingsDb, m: Meeting, session?: ClientSession): Promise<string> {
  const central = await db.site(m._id, m.centralSiteId, session);
  return central?.videoUrl ?? "";
}
