/**
 * What the app-layer tests share until the service harness exists: the embedded MongoDB-compatible
 * server through the official driver (one per test file, a fresh database per test), an AppContext
 * over it with the platform's real Outbox, AuditLog and RequestLog and a ManualClock, a small directory
 * of people and units, and meetings put into each state through the real commands. Participants and
 * sites are written as documents: what is tested here is what they may do, not how they were invited.
 */
import {
  AuditLog,
  connectMongo,
  createLogger,
  type DomainError,
  type FieldViolation,
  type Identity,
  type Logger,
  ManualClock,
  type MongoConnection,
  Outbox,
  RequestLog,
} from "@ministry/platform";
import { Access } from "../../src/app/access.js";
import { AgendaCommands } from "../../src/app/agenda.js";
import { AppContext } from "../../src/app/context.js";
import { Discussion } from "../../src/app/discussion.js";
import type { MeetingMutation } from "../../src/app/meeting-change.js";
import { MeetingCommands } from "../../src/app/meetings.js";
import type { Directory, Reports, Selector } from "../../src/app/peers.js";
import { Records } from "../../src/app/records.js";
import type { Meeting, Participant, PersonRef, Site } from "../../src/domain/model.js";
import { sortName } from "../../src/domain/names.js";
import { participantKey, siteKey } from "../../src/store/collections.js";

const log: Logger = createLogger("meetings-test", "silent");

/** The Office's staff member who organises the briefing (manages it through the organising unit). */
export const OFFICE: Identity = { userId: "vp.an", name: "Nguyễn Văn An", roles: ["staff"], unitId: "VP" };
export const CHAIR: Identity = { userId: "tt.hung", name: "Trần Văn Hùng", roles: ["deputy_minister"] };
/** The secretary, from another unit: manages the meeting as its secretary only. */
export const SECRETARY: Identity = { userId: "tk.binh", name: "Lê Thị Bình", roles: ["staff"], unitId: "TCCB" };
export const PARTICIPANT: Identity = { userId: "dv.cuong", name: "Phạm Văn Cường", roles: ["unit_head"], unitId: "TCBC" };
export const OTHER_PARTICIPANT: Identity = { userId: "dv.giang", name: "Đỗ Thu Giang", roles: ["staff"], unitId: "CCVC" };
/** Sees nothing of the meeting. */
export const OUTSIDER: Identity = { userId: "ng.dung", name: "Ngô Văn Dũng", roles: ["staff"], unitId: "PC" };

const UNITS: Record<string, string> = {
  VP: "Văn phòng Bộ",
  TCCB: "Vụ Tổ chức cán bộ",
  TCBC: "Vụ Tổ chức - Biên chế",
  CCVC: "Vụ Công chức - Viên chức",
  PC: "Vụ Pháp chế",
  CCHC: "Vụ Cải cách hành chính",
};

function ref(identity: Identity, position: string): PersonRef {
  const unitId = identity.unitId ?? "VP";
  return { personId: identity.userId, fullName: identity.name, position, unit: { id: unitId, name: UNITS[unitId] ?? unitId } };
}

export const PEOPLE: PersonRef[] = [
  ref(OFFICE, "Chuyên viên"),
  ref(CHAIR, "Thứ trưởng"),
  ref(SECRETARY, "Chuyên viên chính"),
  ref(PARTICIPANT, "Vụ trưởng"),
  ref(OTHER_PARTICIPANT, "Chuyên viên"),
  ref(OUTSIDER, "Chuyên viên"),
  { personId: "vt.cchc", fullName: "Hoàng Minh Khoa", position: "Vụ trưởng", unit: { id: "CCHC", name: UNITS.CCHC } },
];

/** The directory as the notifications service answers it: people by id, a unit's head (every unit has one here). */
export class TestDirectory implements Directory {
  lookups = 0;

  async person(id: string): Promise<PersonRef | undefined> {
    this.lookups += 1;
    const p = PEOPLE.find((x) => x.personId === id);
    return p ? structuredClone(p) : undefined;
  }

  async resolve(selectors: readonly Selector[]) {
    this.lookups += 1;
    const people: (PersonRef & { via: string })[] = [];
    const unresolved: string[] = [];
    for (const s of selectors) {
      const name = s.kind === "unit_head" ? UNITS[s.unitId] : undefined;
      if (s.kind === "unit_head" && name)
        people.push({
          personId: `head.${s.unitId}`,
          fullName: `Head of ${s.unitId}`,
          position: "Vụ trưởng",
          unit: { id: s.unitId, name },
          via: `unit_head:${s.unitId}`,
        });
      else if (s.kind === "person") {
        const p = PEOPLE.find((x) => x.personId === s.id);
        if (p) people.push({ ...structuredClone(p), via: `person:${s.id}` });
        else unresolved.push(`person:${s.id}`);
      } else unresolved.push(s.kind === "unit_head" ? `unit_head:${s.unitId}` : `role:${s.role}`);
    }
    return { people, unresolved };
  }
}

/** Report snapshots come from the real tasks service: they are tested with the service harness. */
const noReports: Reports = {
  createSnapshot: async () => {
    throw new Error("the tasks service is not part of the app-layer tests");
  },
};

let mongo: MongoConnection | undefined;
let dbCount = 0;

export async function startMongo(): Promise<void> {
  mongo = await connectMongo({ uri: undefined, dbName: "unused", allowEmbedded: true, monitorCommands: false });
}

export async function stopMongo(): Promise<void> {
  await mongo?.close();
  mongo = undefined;
}

export interface TestApp {
  app: AppContext;
  clock: ManualClock;
  directory: TestDirectory;
  meetings: MeetingCommands;
  agenda: AgendaCommands;
  discussion: Discussion;
  records: Records;
  /** A draft briefing organised by the Office, chaired by CHAIR with SECRETARY, starting 08:30 Vietnam time. */
  draft(): Promise<Meeting>;
  /** The same, scheduled, with PARTICIPANT and OTHER_PARTICIPANT invited (PARTICIPANT at the "hanoi" site). */
  scheduled(): Promise<Meeting>;
  inProgress(): Promise<Meeting>;
  ended(): Promise<Meeting>;
  meeting(id: string): Promise<Meeting>;
  mutation(m: Meeting, requestId?: string): MeetingMutation;
}

export function newApp(clock = new ManualClock("2020-03-30T01:00:00Z")): TestApp {
  if (!mongo) throw new Error("startMongo() first");
  dbCount += 1;
  const client = mongo.client;
  const db = client.db(`meetings_app_${process.pid}_${dbCount}`);
  const directory = new TestDirectory();
  const app = new AppContext({
    client,
    db,
    clock,
    outbox: new Outbox({ db, clock, log }),
    audit: new AuditLog(db, { clock }),
    requests: new RequestLog(client, db, { clock }),
    access: new Access({ officeUnitId: "VP" }),
    directory,
    reports: noReports,
    settings: { officeUnitId: "VP", checkInOpensBeforeMin: 60, reminderBeforeMin: 60, checkInConcurrency: 8, calendarBaseUrl: "" },
  });
  const meetings = new MeetingCommands(app);
  const meeting = async (id: string) => {
    const m = await app.store.meeting(id);
    if (!m) throw new Error(`no meeting ${id}`);
    return m;
  };
  const mutation = (m: Meeting, requestId?: string): MeetingMutation => ({ id: m._id, requestId, body: { id: m._id } });
  const draft = () =>
    meetings.create(OFFICE, {
      kind: "quarterly_briefing",
      title: "Giao ban công tác quý I năm 2020",
      chairId: CHAIR.userId,
      secretaryId: SECRETARY.userId,
      organizerUnitId: "",
      start: new Date("2020-03-30T01:30:00Z"),
      plannedEnd: new Date("2020-03-30T04:30:00Z"),
      mode: "hybrid",
      place: "Phòng họp tầng 3, 8 Tôn Thất Thuyết, Hà Nội",
      centralSiteName: "Điểm cầu Bộ Nội vụ",
      centralVideoUrl: "https://hop.moha.gov.vn/giao-ban-q1",
    });
  const scheduled = async () => {
    const m = await draft();
    await addSite(app, m._id, { siteId: "hanoi", name: "Điểm cầu Sở Nội vụ Hà Nội", position: 1 });
    await addParticipant(app, m._id, PARTICIPANT, "hanoi");
    await addParticipant(app, m._id, OTHER_PARTICIPANT, "central");
    return meetings.schedule(OFFICE, mutation(await meeting(m._id)));
  };
  const inProgress = async () => meetings.start(OFFICE, mutation(await scheduled()));
  const ended = async () => meetings.end(OFFICE, mutation(await inProgress()));
  return {
    app,
    clock,
    directory,
    meetings,
    agenda: new AgendaCommands(app),
    discussion: new Discussion(app),
    records: new Records(app),
    draft,
    scheduled,
    inProgress,
    ended,
    meeting,
    mutation,
  };
}

export async function addSite(
  app: AppContext,
  meetingId: string,
  s: { siteId: string; name: string; position: number; host?: PersonRef },
): Promise<void> {
  const site: Site = {
    _id: siteKey(meetingId, s.siteId),
    meetingId,
    siteId: s.siteId,
    name: s.name,
    videoUrl: "",
    central: false,
    position: s.position,
    participantCount: 0,
    presentCount: 0,
  };
  if (s.host) site.host = s.host;
  await app.store.sites.insertOne(site);
  await app.store.meetings.updateOne({ _id: meetingId }, { $inc: { siteCount: 1 } });
}

export async function addParticipant(app: AppContext, meetingId: string, who: Identity, siteId: string): Promise<Participant> {
  const person = PEOPLE.find((p) => p.personId === who.userId) as PersonRef;
  const p: Participant = {
    _id: participantKey(meetingId, who.userId),
    meetingId,
    person: structuredClone(person),
    guest: false,
    siteId,
    invitedAs: `person:${who.userId}`,
    response: "accepted",
    responseReason: "",
    sessions: [],
    presentNow: false,
    sheetState: "absent_without_leave",
    sortName: sortName(person.fullName),
    version: 1,
    invitedAt: app.clock.now(),
  };
  await app.store.participants.insertOne(p);
  await app.store.meetings.updateOne({ _id: meetingId }, { $inc: { participantCount: 1 } });
  return p;
}

/** The refusal a call ends with (it must fail). */
export async function refusal(p: Promise<unknown>): Promise<DomainError & { violations?: FieldViolation[]; reason?: string }> {
  try {
    await p;
  } catch (err) {
    return err as DomainError & { violations?: FieldViolation[]; reason?: string };
  }
  throw new Error("expected the call to be refused");
}

/** The field paths of an INVALID_ARGUMENT refusal, sorted. */
export async function violatedFields(p: Promise<unknown>): Promise<string[]> {
  const err = await refusal(p);
  if (err.kind !== "InvalidArgument") throw new Error(`expected INVALID_ARGUMENT, got ${err.kind ?? ""}: ${err.message}`);
  return (err.violations ?? []).map((v) => v.field).sort();
}
