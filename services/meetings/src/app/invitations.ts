/**
 * Invitations: people by id, a unit (its head) or a role, resolved through the directory when invited
 * and stored with the meeting (so the record stays true if the directory changes later), or guests from
 * outside the ministry by name. Answers: accept, decline with a reason, or delegate to a deputy, who
 * becomes a participant in the delegator's place.
 */
import {
  FailedPrecondition,
  FieldChecks,
  InvalidArgument,
  keysetPage,
  type Identity,
  type KeysetPage,
  type PageRequest,
} from "@ministry/platform";
import type { AnyBulkWriteOperation, ClientSession, Document, Filter } from "mongodb";
import { assertPlannable, assertRespondable } from "../domain/lifecycle.js";
import {
  FIELDS,
  MAX_ID_LENGTH,
  MAX_INVITEES_PER_CALL,
  MAX_NAME_LENGTH,
  MAX_PARTICIPANTS,
  MAX_REASON_LENGTH,
  MAX_RESOLVED_PER_CALL,
  MAX_SITE_ID_LENGTH,
} from "../domain/limits.js";
import type { InvitationResponse, Meeting, Participant, PersonRef, Site } from "../domain/model.js";
import { sortName } from "../domain/names.js";
import { attendanceOf } from "../domain/attendance.js";
import { responseCodes } from "../domain/vocabulary.js";
import { MeetingEvents } from "../events/definitions.js";
import { centralVideoUrl, meetingSummary, notices, recipientsBySite } from "../events/builders.js";
import { toProtoPerson } from "../grpc/mapping.js";
import { participantKey, siteKey } from "../store/collections.js";
import { meetingNotFound } from "./access.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import type { Selector } from "./peers.js";
import { block, oneLine } from "./text.js";

export type InviteeInput =
  | { kind: "person"; id: string; siteId: string }
  | { kind: "unit_head"; unitId: string; siteId: string }
  | { kind: "role"; role: string; siteId: string }
  | { kind: "guest"; id: string; fullName: string; position: string; organisation: string; siteId: string }
  | { kind: "empty"; siteId: string };

export interface InviteResult {
  invited: number;
  alreadyInvited: number;
  unresolved: string[];
  participantCount: number;
}

const GUEST_ID = /^[\p{L}\p{N}._\-@:]+$/u;

interface Candidate {
  person: PersonRef;
  guest: boolean;
  invitedAs: string;
  /** Empty: the site of the person's unit, else the central one. */
  siteId: string;
  field: string;
}

export function newParticipant(meetingId: string, c: Omit<Candidate, "field">, siteId: string, at: Date): Participant {
  return {
    _id: participantKey(meetingId, c.person.personId),
    meetingId,
    person: c.person,
    guest: c.guest,
    siteId,
    invitedAs: c.invitedAs,
    response: "pending",
    responseReason: "",
    sessions: [],
    presentNow: false,
    sheetState: "absent_without_leave",
    sortName: sortName(c.person.fullName),
    version: 1,
    invitedAt: at,
  };
}

export class Invitations {
  constructor(private readonly app: AppContext) {}

  /** Reads and resolves the invitees (the directory is asked before the transaction). */
  private async candidates(invitees: readonly InviteeInput[]): Promise<{ candidates: Candidate[]; unresolved: string[] }> {
    const checks = new FieldChecks();
    if (invitees.length === 0) checks.add("invitees", "Cần ít nhất một người được mời", "At least one invitee is required");
    checks.count("invitees", invitees, MAX_INVITEES_PER_CALL, FIELDS.invitees);
    checks.check();
    const selectors: { selector: Selector; field: string; siteId: string }[] = [];
    const candidates: Candidate[] = [];
    for (const [i, inv] of invitees.entries()) {
      const field = `invitees[${i}]`;
      const siteId = oneLine(inv.siteId);
      checks.length(`${field}.site_id`, siteId, MAX_SITE_ID_LENGTH, FIELDS.id);
      switch (inv.kind) {
        case "empty":
          checks.add(field, "Cần người, đơn vị, vai trò hoặc khách mời", "A person, unit, role or guest is required");
          break;
        case "guest": {
          const id = oneLine(inv.id);
          const fullName = oneLine(inv.fullName);
          if (id === "" || id.length > MAX_ID_LENGTH || !GUEST_ID.test(id))
            checks.add(`${field}.guest.id`, "Mã khách mời không hợp lệ", "Invalid guest id");
          if (fullName === "") checks.add(`${field}.guest.full_name`, "Cần họ tên", "The name is required");
          checks.length(`${field}.guest.full_name`, fullName, MAX_NAME_LENGTH, FIELDS.name);
          const position = oneLine(inv.position);
          checks.length(`${field}.guest.position`, position, MAX_NAME_LENGTH, FIELDS.name);
          const organisation = oneLine(inv.organisation);
          checks.length(`${field}.guest.organisation`, organisation, MAX_NAME_LENGTH, FIELDS.name);
          const person: PersonRef = { personId: id, fullName, position };
          if (organisation) person.unit = { id: "", name: organisation };
          candidates.push({ person, guest: true, invitedAs: "guest", siteId, field });
          break;
        }
        default: {
          const value = oneLine(inv.kind === "person" ? inv.id : inv.kind === "unit_head" ? inv.unitId : inv.role);
          const sub = inv.kind === "person" ? "person_id" : inv.kind;
          if (value === "") checks.add(`${field}.${sub}`, "Bắt buộc", "Required");
          else if (checks.length(`${field}.${sub}`, value, MAX_ID_LENGTH, FIELDS.id)) {
            const selector: Selector =
              inv.kind === "person"
                ? { kind: "person", id: value }
                : inv.kind === "unit_head"
                  ? { kind: "unit_head", unitId: value }
                  : { kind: "role", role: value };
            selectors.push({ selector, field, siteId });
          }
        }
      }
    }
    if (selectors.length > MAX_RESOLVED_PER_CALL)
      checks.add(
        "invitees",
        `Tối đa ${MAX_RESOLVED_PER_CALL} người, đơn vị, vai trò mỗi lần`,
        `At most ${MAX_RESOLVED_PER_CALL} people, units and roles per call`,
      );
    checks.check();
    // A guest's id is his or her own: one the directory gives a person of the ministry would make the
    // guest that person (the same participant, the same sign-in), so it is refused, naming both.
    const guests = candidates.filter((c) => c.guest);
    if (guests.length > 0) {
      const known = await this.app.directory.resolve(guests.map((g) => ({ kind: "person" as const, id: g.person.personId })));
      for (const p of known.people) {
        const g = guests.find((x) => x.person.personId === p.personId);
        if (g)
          checks.add(
            `${g.field}.guest.id`,
            `Mã khách mời "${p.personId}" trùng với ${p.fullName} trong danh bạ`,
            `The guest id "${p.personId}" is ${p.fullName}'s in the directory`,
          );
      }
      checks.check();
    }
    const resolved = await this.app.directory.resolve(selectors.map((s) => s.selector));
    for (const p of resolved.people) {
      const from = selectors.find((s) => selectorMatches(s.selector, p.via));
      const { via, ...person } = p;
      candidates.push({
        person,
        guest: false,
        invitedAs: via.startsWith("person:") ? "person" : via,
        siteId: from?.siteId ?? "",
        field: from?.field ?? "invitees",
      });
    }
    return { candidates, unresolved: resolved.unresolved };
  }

  async invite(identity: Identity, input: { requestId?: string; meetingId: string; invitees: InviteeInput[] }): Promise<InviteResult> {
    const codec = documentCodec<InviteResult>();
    let outcome: InviteResult | undefined;
    const meeting = await this.app.oncePrepared(
      "InviteParticipants",
      identity,
      { requestId: input.requestId, target: `meeting:${input.meetingId}`, body: input },
      codec,
      async () => {
        // Permission before existence, and before the directory is asked on the caller's behalf.
        const { standing } = await this.app.visibleMeeting(identity, input.meetingId);
        this.app.access.assertManage(standing);
        return this.candidates(input.invitees);
      },
      async (session, { candidates, unresolved }) => {
        const { meeting: read, standing } = await this.app.visibleMeeting(identity, input.meetingId, session);
        this.app.access.assertManage(standing);
        assertPlannable(read, { vi: "thành phần mời", en: "the invitations" });
        const at = this.app.clock.now();
        const sites = await this.siteChoice(read, candidates, session);
        const found = await this.app.store.participants
          .find(
            { _id: { $in: candidates.map((c) => participantKey(read._id, c.person.personId)) } },
            { session, projection: { _id: 1, guest: 1, person: 1 } },
          )
          .toArray();
        // Someone invited already is not invited twice; but a guest and a person of the directory under one
        // id are two people, and that is refused, naming both.
        const clash = new FieldChecks();
        for (const c of candidates) {
          const other = found.find((f) => f.person.personId === c.person.personId && f.guest !== c.guest);
          if (other)
            clash.add(
              c.field,
              `"${c.person.personId}" đã được mời là ${other.person.fullName}${other.guest ? " (khách mời)" : ""}`,
              `"${c.person.personId}" is invited already as ${other.person.fullName}${other.guest ? " (a guest)" : ""}`,
            );
        }
        clash.check();
        const existing = new Set(found.map((p) => p._id));
        const fresh = new Map<string, Participant>();
        for (const c of candidates) {
          const key = participantKey(read._id, c.person.personId);
          if (existing.has(key) || fresh.has(key)) continue;
          fresh.set(key, newParticipant(read._id, c, sites.get(c) as string, at));
        }
        const added = [...fresh.values()];
        if (read.participantCount + added.length > MAX_PARTICIPANTS)
          throw new InvalidArgument([
            { field: "invitees", description: `Tối đa ${MAX_PARTICIPANTS} người dự / At most ${MAX_PARTICIPANTS} participants` },
          ]);
        if (added.length > 0) {
          await this.app.store.participants.insertMany(added, { session });
          await this.countIn(read._id, added, session);
        }
        const next: Meeting = { ...read, participantCount: read.participantCount + added.length, version: read.version + 1, updatedAt: at };
        await this.app.store.saveMeeting(next, read.version, session);
        const actor = actorOf(identity);
        // A scheduled meeting's new invitees are told now; a draft's when it is scheduled.
        const events =
          read.status === "scheduled" || read.status === "in_progress"
            ? notices(
                "invited",
                meetingSummary(next, await centralVideoUrl(this.app.store, read, session)),
                await recipientsBySite(
                  this.app.store,
                  read,
                  added.map((p) => ({ siteId: p.siteId, personId: p.person.personId, guest: p.guest })),
                  session,
                ),
                actor,
                `${read._id}:v${next.version}`,
              )
            : [];
        await this.app.record(
          session,
          actor,
          "meeting.invited",
          { type: "meeting", id: read._id },
          {
            invited: added.length,
            people: added.slice(0, 50).map((p) => p.person.personId),
            unresolved,
          },
          events,
        );
        outcome = {
          invited: added.length,
          alreadyInvited: candidates.length - added.length,
          unresolved,
          participantCount: next.participantCount,
        };
        return outcome;
      },
    );
    return outcome ?? meeting;
  }

  /** Each candidate's site: the one given (it must exist), else the site of the person's unit, else the central one. */
  private async siteChoice(m: Meeting, candidates: readonly Candidate[], session: ClientSession): Promise<Map<Candidate, string>> {
    const wanted = new Set<string>();
    for (const c of candidates) {
      if (c.siteId) wanted.add(c.siteId);
      else if (c.person.unit?.id) wanted.add(c.person.unit.id);
    }
    const found = new Set(
      (
        await this.app.store.sites
          .find({ _id: { $in: [...wanted].map((s) => siteKey(m._id, s)) } }, { session, projection: { siteId: 1 } })
          .toArray()
      ).map((s) => s.siteId),
    );
    const choice = new Map<Candidate, string>();
    const checks = new FieldChecks();
    for (const c of candidates) {
      if (c.siteId) {
        if (!found.has(c.siteId)) checks.add(`${c.field}.site_id`, `Không có điểm cầu "${c.siteId}"`, `No site "${c.siteId}"`);
        choice.set(c, c.siteId);
      } else choice.set(c, c.person.unit?.id && found.has(c.person.unit.id) ? c.person.unit.id : m.centralSiteId);
    }
    checks.check();
    return choice;
  }

  /** Adds the new participants to their sites' counts. */
  private async countIn(meetingId: string, added: readonly Participant[], session: ClientSession): Promise<void> {
    const perSite = new Map<string, number>();
    for (const p of added) perSite.set(p.siteId, (perSite.get(p.siteId) ?? 0) + 1);
    const ops: AnyBulkWriteOperation<Site>[] = [...perSite].map(([siteId, n]) => ({
      updateOne: { filter: { _id: siteKey(meetingId, siteId) }, update: { $inc: { participantCount: n } } },
    }));
    await this.app.store.sites.bulkWrite(ops, { session });
  }

  async list(identity: Identity, input: { meetingId: string; siteId: string; page: PageRequest }): Promise<KeysetPage<Participant>> {
    const { meeting, standing } = await this.app.visibleMeeting(identity, input.meetingId);
    // Everyone invited sees who else is; guests hosting a site see it too.
    if (!this.app.access.canSee(standing)) throw meetingNotFound();
    const filter: Filter<Document> = { meetingId: meeting._id };
    if (input.siteId) filter.siteId = input.siteId;
    return keysetPage(
      this.app.store.participants,
      {
        list: `participants:${meeting._id}`,
        filter,
        sort: input.siteId
          ? [
              ["siteId", 1],
              ["sortName", 1],
            ]
          : [["sortName", 1]],
      },
      input.page,
      { now: this.app.clock.now(), maxSize: 500 },
    );
  }

  async respond(
    identity: Identity,
    input: { requestId?: string; meetingId: string; personId: string; response?: InvitationResponse; reason: string; delegateId: string },
  ): Promise<{ participant: Participant; delegate?: Participant }> {
    const personId = oneLine(input.personId) || identity.userId;
    const checks = new FieldChecks();
    checks.length("person_id", personId, MAX_ID_LENGTH, FIELDS.id);
    const reason = block(input.reason);
    checks.length("reason", reason, MAX_REASON_LENGTH, FIELDS.reason);
    if (!input.response || input.response === "pending")
      checks.add("response", "Cần chọn: dự, vắng hoặc cử người dự thay", "Choose: accept, decline or delegate");
    if (input.response === "declined" && reason === "") checks.add("reason", "Cần nêu lý do vắng mặt", "A reason is required to decline");
    const delegateId = oneLine(input.delegateId);
    if (input.response === "delegated") {
      if (delegateId === "") checks.add("delegate_id", "Cần người dự thay", "The delegate is required");
      else if (delegateId === personId) checks.add("delegate_id", "Không thể cử chính mình", "Cannot delegate to oneself");
      else checks.length("delegate_id", delegateId, MAX_ID_LENGTH, FIELDS.id);
    } else if (delegateId !== "") checks.add("delegate_id", "Chỉ dùng khi cử người dự thay", "Only for a delegation");
    checks.check();
    type Answer = { participant: Participant; delegate?: Participant };
    return this.app.oncePrepared(
      "RespondToInvitation",
      identity,
      { requestId: input.requestId, target: `participant:${input.meetingId}/${personId}`, body: input },
      documentCodec<Answer>(),
      async () => {
        const { standing } = await this.app.visibleMeeting(identity, input.meetingId);
        this.app.access.assertRespond(identity, standing, personId);
        if (input.response !== "delegated") return undefined;
        const delegate = await this.app.directory.person(delegateId);
        if (!delegate)
          throw new InvalidArgument([
            {
              field: "delegate_id",
              description: `Không có người "${delegateId}" trong danh bạ / No person "${delegateId}" in the directory`,
            },
          ]);
        return delegate;
      },
      async (session, delegatePerson) => {
        const { meeting: read, standing } = await this.app.visibleMeeting(identity, input.meetingId, session);
        this.app.access.assertRespond(identity, standing, personId);
        assertRespondable(read);
        const participant = await this.app.store.participant(read._id, personId, session);
        if (!participant)
          throw new InvalidArgument([{ field: "person_id", description: "Người này không được mời / This person is not invited" }]);
        if (participant.response === "delegated" && participant.delegate)
          throw new FailedPrecondition(
            `Đã cử ${participant.delegate.fullName} dự thay / ${participant.delegate.fullName} was already delegated`,
            "ALREADY_DELEGATED",
          );
        const at = this.app.clock.now();
        const actor = actorOf(identity);
        const next: Participant = {
          ...participant,
          response: input.response as InvitationResponse,
          responseReason: reason,
          respondedAt: at,
          version: participant.version + 1,
        };
        next.sheetState = attendanceOf(next);
        let delegate: Participant | undefined;
        let meeting = read;
        const events = [];
        if (delegatePerson) {
          next.delegate = delegatePerson;
          const already = await this.app.store.participant(read._id, delegatePerson.personId, session);
          if (already)
            throw new FailedPrecondition(
              `${delegatePerson.fullName} đã có trong thành phần dự họp / ${delegatePerson.fullName} is already invited`,
              "DELEGATE_ALREADY_INVITED",
            );
          delegate = {
            ...newParticipant(
              read._id,
              { person: delegatePerson, guest: false, invitedAs: "delegate", siteId: participant.siteId },
              participant.siteId,
              at,
            ),
            delegatedBy: participant.person,
            response: "accepted",
            respondedAt: at,
          };
          await this.app.store.participants.insertOne(delegate, { session });
          await this.countIn(read._id, [delegate], session);
          meeting = { ...read, participantCount: read.participantCount + 1, version: read.version + 1, updatedAt: at };
          await this.app.store.saveMeeting(meeting, read.version, session);
          if (read.status === "scheduled")
            events.push(
              ...notices(
                "invited",
                meetingSummary(meeting, await centralVideoUrl(this.app.store, read, session)),
                await recipientsBySite(
                  this.app.store,
                  read,
                  [{ siteId: participant.siteId, personId: delegatePerson.personId, guest: false }],
                  session,
                ),
                actor,
                `${read._id}:delegate:${personId}`,
              ),
            );
        }
        const r = await this.app.store.participants.replaceOne({ _id: participant._id, version: participant.version }, next, { session });
        if (r.matchedCount !== 1) throw new Error("participant changed while answering");
        events.unshift(
          MeetingEvents.invitationResponded.of(
            read._id,
            {
              meeting: meetingSummary(meeting),
              person: toProtoPerson(participant.person),
              response: responseCodes.toProto(next.response),
              reason,
              delegate: toProtoPerson(delegatePerson),
              actor,
            },
            { id: `${read._id}:${personId}:response:${next.version}` },
          ),
        );
        await this.app.record(
          session,
          actor,
          "invitation.responded",
          { type: "meeting", id: read._id },
          { person: personId, response: input.response, reason, delegate: delegatePerson?.personId },
          events,
        );
        return delegate ? { participant: next, delegate } : { participant: next };
      },
    );
  }
}

function selectorMatches(s: Selector, via: string): boolean {
  return via === (s.kind === "person" ? `person:${s.id}` : s.kind === "unit_head" ? `unit_head:${s.unitId}` : `role:${s.role}`);
}
