/**
 * What `meetings.meeting.concluded` carries: the meeting, every numbered conclusion, the directives as
 * the tasks service's ConclusionItems (one task each), and the attendance per site for the conclusion
 * notice the documents service drafts — bounded (EVENT_SITES sites, EVENT_ATTENDEES_PER_SITE names
 * each) so the event never grows with the audience.
 */
import type { OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import type { AttendanceTotals, MeetingConcluded, MeetingNotice, SiteAttendees } from "@ministry/proto/ministry/meetings/v1/events";
import type { ClientSession } from "mongodb";
import { EVENT_ATTENDEES_PER_SITE, EVENT_SITES } from "../domain/limits.js";
import type { Meeting } from "../domain/model.js";
import { MeetingEvents } from "../events/definitions.js";
import { audienceOf, centralVideoUrl, meetingSummary, notices } from "../events/builders.js";
import { toProtoConclusion, toProtoPerson } from "../grpc/mapping.js";
import type { AppContext } from "./context.js";
import { attendanceTotals } from "./attendance-totals.js";

export async function conclusionEvent(
  app: AppContext,
  m: Meeting,
  actor: Actor,
  session: ClientSession,
): Promise<{ concluded: OutgoingEvent<MeetingConcluded>; notice: OutgoingEvent<MeetingNotice>[] }> {
  const summary = meetingSummary(m, await centralVideoUrl(app.store, m, session));
  const sites = await app.store.sites.find({ meetingId: m._id }, { session, sort: { position: 1 }, limit: EVENT_SITES + 1 }).toArray();
  const listed: SiteAttendees[] = [];
  for (const site of sites.slice(0, EVENT_SITES)) {
    const present = await app.store.participants
      .find(
        { meetingId: m._id, presentAt: site.siteId },
        { session, sort: { sortName: 1 }, limit: EVENT_ATTENDEES_PER_SITE + 1, projection: { person: 1 } },
      )
      .toArray();
    listed.push({
      siteId: site.siteId,
      name: site.name,
      unit: site.unit ? { ...site.unit } : undefined,
      host: toProtoPerson(site.host),
      central: site.central,
      invited: site.participantCount,
      present: site.presentCount,
      attendees: present
        .slice(0, EVENT_ATTENDEES_PER_SITE)
        .map((p) => toProtoPerson(p.person))
        .filter((p) => p !== undefined),
      attendeesTruncated: present.length > EVENT_ATTENDEES_PER_SITE,
    });
  }
  const totals: AttendanceTotals = { ...(await attendanceTotals(app.store, m._id, session)), sites: m.siteCount };
  const directives = m.conclusions.filter((c) => c.kind === "directive");
  const concluded = MeetingEvents.concluded.of(
    m._id,
    {
      meetingId: m._id,
      title: m.title,
      heldAt: m.startedAt ?? m.start,
      concludedAt: m.concludedAt,
      chair: { userId: m.chair.personId, displayName: m.chair.fullName, roles: [], unit: m.chair.unit ? { ...m.chair.unit } : undefined },
      items: directives.map((c) => ({
        itemId: String(c.number),
        content: c.content,
        leadUnit: c.leadUnit ? { ...c.leadUnit } : undefined,
        coordinatingUnits: c.coordinatingUnits.map((u) => ({ ...u })),
        deadline: c.deadline ? Deadline.fromJSON(c.deadline) : undefined,
        assignee: c.assignee,
        taskKind: c.taskKind,
        number: c.number,
      })),
      actor,
      meeting: summary,
      conclusions: m.conclusions.map(toProtoConclusion),
      sites: listed,
      sitesTruncated: sites.length > EVENT_SITES,
      totals,
      endedAt: m.endedAt,
    },
    { id: `${m._id}:concluded` },
  );
  const leadUnits = [
    ...new Map(directives.filter((c) => c.leadUnit).map((c) => [c.leadUnit?.id, c.leadUnit as { id: string; name: string }])).values(),
  ];
  const audience = await audienceOf(app.store, m, session);
  const notice = notices("concluded", summary, audience, actor, `${m._id}:concluded`, {
    leadUnits,
    conclusionCount: m.conclusions.length,
    directiveCount: directives.length,
  });
  return { concluded, notice };
}
