/**
 * The service's use cases over one context (the service's, or the seed's with its own clock).
 */
import { AgendaCommands } from "./agenda.js";
import { Attendance } from "./attendance.js";
import type { AppContext } from "./context.js";
import { Discussion } from "./discussion.js";
import { Feeds } from "./feeds.js";
import { Invitations } from "./invitations.js";
import { MeetingCommands } from "./meetings.js";
import { Records } from "./records.js";
import { SeriesCommands } from "./series.js";
import { SiteCommands } from "./sites.js";

export interface UseCases {
  meetings: MeetingCommands;
  sites: SiteCommands;
  invitations: Invitations;
  attendance: Attendance;
  agenda: AgendaCommands;
  discussion: Discussion;
  records: Records;
  series: SeriesCommands;
  feeds: Feeds;
}

export function useCases(app: AppContext): UseCases {
  const meetings = new MeetingCommands(app);
  return {
    meetings,
    sites: new SiteCommands(app),
    invitations: new Invitations(app),
    attendance: new Attendance(app),
    agenda: new AgendaCommands(app),
    discussion: new Discussion(app),
    records: new Records(app),
    series: new SeriesCommands(app, meetings),
    feeds: new Feeds(app),
  };
}
