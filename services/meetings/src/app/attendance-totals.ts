import type { ClientSession } from "mongodb";
import type { MeetingsDb } from "../store/collections.js";

export interface Totals {
  invited: number;
  present: number;
  absentWithLeave: number;
  absentWithoutLeave: number;
  delegated: number;
}

/**
 * A meeting's (or one site's) figures: every participant counted once, by the state the sheet shows.
 * Present: checked in at least once; delegated: sent a delegate (who counts on his or her own);
 * declined: absent with leave; the rest: absent without leave.
 */
export async function attendanceTotals(db: MeetingsDb, meetingId: string, session?: ClientSession, siteId?: string): Promise<Totals> {
  // Invited and present are the sites' own counters (kept in the invitation's and the check-in's
  // transactions); the others are counted on the (meeting, state) index.
  const sites = await db.sites
    .find(siteId === undefined ? { meetingId } : { meetingId, siteId }, { session, projection: { participantCount: 1, presentCount: 1 } })
    .toArray();
  const base = siteId === undefined ? { meetingId } : { meetingId, siteId };
  const [absentWithLeave, delegated] = await Promise.all([
    db.participants.countDocuments({ ...base, sheetState: "absent_with_leave" }, { session }),
    db.participants.countDocuments({ ...base, sheetState: "delegated" }, { session }),
  ]);
  const invited = sites.reduce((n, s) => n + s.participantCount, 0);
  const present = sites.reduce((n, s) => n + s.presentCount, 0);
  return { invited, present, absentWithLeave, delegated, absentWithoutLeave: Math.max(0, invited - present - absentWithLeave - delegated) };
}
