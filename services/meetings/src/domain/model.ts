/**
 * The meetings service's records as the use cases see them (and as MongoDB stores them). A meeting
 * holds only what is bounded (agenda, conclusions, reschedules, minutes); sites, participants,
 * comments and speakers are documents of their own, so nothing grows with the audience: a national
 * conference of 100,000 participants in 3,356 sites is 100,000 small documents, not one huge one.
 */
import type { Actor } from "@ministry/proto/ministry/common/v1/common";

export type MeetingStatus = "draft" | "scheduled" | "in_progress" | "ended" | "concluded" | "cancelled";
export type MeetingKind = "weekly_briefing" | "monthly_briefing" | "quarterly_briefing" | "thematic" | "national_conference" | "other";
export type MeetingMode = "in_person" | "online" | "hybrid";
export type DeviceKind = "computer" | "phone" | "tablet" | "room_system";
export type InvitationResponse = "pending" | "accepted" | "declined" | "delegated";
export type AttendanceState = "present" | "absent_with_leave" | "absent_without_leave" | "delegated";
export type ConclusionKind = "information" | "decision" | "directive";
export type SpeakerStatus = "requested" | "speaking" | "done" | "withdrawn";
export type Frequency = "weekly" | "monthly" | "quarterly";

export interface UnitRef {
  id: string;
  name: string;
}

/** A person as the meeting recorded him or her: from the directory when invited, or a guest. */
export interface PersonRef {
  personId: string;
  fullName: string;
  position: string;
  unit?: UnitRef;
}

export interface RescheduleEntry {
  previousStart: Date;
  previousEnd: Date;
  start: Date;
  end: Date;
  reason: string;
  actor: Actor;
  at: Date;
}

export interface AgendaDocument {
  documentId: string;
  title: string;
}

/** The tasks service's report as it was frozen for the meeting (the proto Report, as JSON, without lines). */
export interface FrozenReport {
  snapshotId: string;
  title: string;
  /** ministry.tasks.v1.Report in its proto JSON form (Report.toJSON). */
  report: unknown;
  frozenAt: Date;
}

export interface AgendaItem {
  id: string;
  title: string;
  description: string;
  presenter?: PersonRef;
  plannedMinutes: number;
  documents: AgendaDocument[];
  report?: FrozenReport;
  startedAt?: Date;
  endedAt?: Date;
  elapsedSeconds: number;
}

export interface DeadlineRecord {
  /** The common Deadline's typed form (date | month | quarter) as proto JSON, and its resolved instant. */
  spec: unknown;
  dueAt?: Date;
}

export interface Conclusion {
  number: number;
  kind: ConclusionKind;
  content: string;
  leadUnit?: UnitRef;
  coordinatingUnits: UnitRef[];
  /** ministry.common.v1.Deadline in its proto JSON form. */
  deadline?: unknown;
  assignee: string;
  taskKind: string;
}

export interface Meeting {
  _id: string;
  kind: MeetingKind;
  title: string;
  chair: PersonRef;
  secretary?: PersonRef;
  organizerUnit: UnitRef;
  start: Date;
  plannedEnd: Date;
  mode: MeetingMode;
  place: string;
  status: MeetingStatus;
  seriesId?: string;
  /** RFC 5545 SEQUENCE. */
  sequence: number;
  reschedules: RescheduleEntry[];
  cancelReason: string;
  agenda: AgendaItem[];
  currentItemId: string;
  currentItemSince?: Date;
  minutes: string;
  conclusions: Conclusion[];
  startedAt?: Date;
  endedAt?: Date;
  concludedAt?: Date;
  /** When the reminder before the start was sent, for which start (a reschedule sends a new one). */
  remindedFor?: Date;
  /** The central site's id. */
  centralSiteId: string;
  siteCount: number;
  participantCount: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  createdBy: Actor;
}

export interface Site {
  /** `${meetingId}/${siteId}` */
  _id: string;
  meetingId: string;
  siteId: string;
  name: string;
  unit?: UnitRef;
  host?: PersonRef;
  videoUrl: string;
  central: boolean;
  position: number;
  /** Participants expected here, and those who checked in here at least once (kept in the check-in's transaction). */
  participantCount: number;
  presentCount: number;
}

export interface AttendanceSession {
  checkedInAt: Date;
  checkedOutAt?: Date;
  siteId: string;
  device: DeviceKind;
  checkedInBy: Actor;
}

export interface Participant {
  /** `${meetingId}/${personId}` */
  _id: string;
  meetingId: string;
  person: PersonRef;
  /** The directory knows this person (may sign in, has an inbox), or a guest from outside the ministry. */
  guest: boolean;
  siteId: string;
  invitedAs: string;
  response: InvitationResponse;
  responseReason: string;
  respondedAt?: Date;
  delegate?: PersonRef;
  delegatedBy?: PersonRef;
  /** The last first, at most MAX_SESSIONS. */
  sessions: AttendanceSession[];
  firstCheckIn?: Date;
  /** The site of the first check-in (where the sheet counts the person present). */
  presentAt?: string;
  presentNow: boolean;
  /**
   * How the sheet reads the person (attendanceOf), kept with every change of the answer or a first
   * check-in, so a conference's figures are counted on an index instead of read person by person.
   */
  sheetState: AttendanceState;
  /** The sheet's order within a site: the name folded for sorting. */
  sortName: string;
  version: number;
  invitedAt: Date;
}

export interface Comment {
  _id: string;
  meetingId: string;
  itemId: string;
  author: PersonRef;
  siteId: string;
  text: string;
  at: Date;
}

export interface Speaker {
  _id: string;
  meetingId: string;
  itemId: string;
  person: PersonRef;
  siteId: string;
  status: SpeakerStatus;
  position: number;
  topic: string;
  requestedAt: Date;
  doneAt?: Date;
}

export interface Series {
  _id: string;
  title: string;
  kind: MeetingKind;
  frequency: Frequency;
  firstStart: Date;
  durationMinutes: number;
  count: number;
  chair: PersonRef;
  secretary?: PersonRef;
  organizerUnit: UnitRef;
  meetingIds: string[];
  createdAt: Date;
  createdBy: Actor;
}

export interface FeedToken {
  _id: string;
  /** SHA-256 of the secret, hex: the secret itself is never stored. */
  hash: string;
  scope: { kind: "person"; personId: string } | { kind: "series"; seriesId: string };
  ownerId: string;
  label: string;
  createdAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
}
