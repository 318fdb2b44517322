/**
 * The events this service publishes (MEETINGS stream). Lifecycle events once per change; notices name
 * who is to be told, at most NOTICE_PART_SIZE people each.
 */
import { defineEvent } from "@ministry/platform";
import {
  AttendanceRecorded,
  InvitationResponded,
  MeetingCancelled,
  MeetingConcluded,
  MeetingEnded,
  MeetingNotice,
  MeetingRescheduled,
  MeetingScheduled,
  MeetingStarted,
} from "@ministry/proto/ministry/meetings/v1/events";

const meeting = { service: "meetings", aggregate: "meeting" } as const;
const notice = { service: "meetings", aggregate: "notice" } as const;

export const MeetingEvents = {
  scheduled: defineEvent({ ...meeting, event: "scheduled", message: MeetingScheduled }),
  rescheduled: defineEvent({ ...meeting, event: "rescheduled", message: MeetingRescheduled }),
  cancelled: defineEvent({ ...meeting, event: "cancelled", message: MeetingCancelled }),
  started: defineEvent({ ...meeting, event: "started", message: MeetingStarted }),
  ended: defineEvent({ ...meeting, event: "ended", message: MeetingEnded }),
  concluded: defineEvent({ ...meeting, event: "concluded", message: MeetingConcluded }),
  attendanceRecorded: defineEvent({ service: "meetings", aggregate: "attendance", event: "recorded", message: AttendanceRecorded }),
  invitationResponded: defineEvent({ service: "meetings", aggregate: "invitation", event: "responded", message: InvitationResponded }),
};

export const NoticeEvents = {
  invited: defineEvent({ ...notice, event: "invited", message: MeetingNotice }),
  rescheduled: defineEvent({ ...notice, event: "rescheduled", message: MeetingNotice }),
  cancelled: defineEvent({ ...notice, event: "cancelled", message: MeetingNotice }),
  reminder: defineEvent({ ...notice, event: "reminder", message: MeetingNotice }),
  concluded: defineEvent({ ...notice, event: "concluded", message: MeetingNotice }),
};

export type NoticeKind = keyof typeof NoticeEvents;
