/**
 * The discussion ("đóng góp ý kiến"): comments on an agenda item, and the speaking order of each item.
 * Participants, site hosts and managers take part, each from a site (his or her own unless named);
 * everyone who sees the meeting reads it. Comments and speakers are documents of their own, so the
 * meeting document does not grow with the discussion.
 */
import { randomUUID } from "node:crypto";
import {
  FailedPrecondition,
  FieldChecks,
  InvalidArgument,
  keysetPage,
  NotFound,
  PermissionDenied,
  type Identity,
  type KeysetPage,
  type PageRequest,
} from "@ministry/platform";
import type { ClientSession, Document, Filter } from "mongodb";
import { assertDiscussable } from "../domain/lifecycle.js";
import {
  FIELDS,
  MAX_COMMENT_LENGTH,
  MAX_ID_LENGTH,
  MAX_SITE_ID_LENGTH,
  MAX_SPEAKERS_PER_ITEM,
  MAX_TOPIC_LENGTH,
} from "../domain/limits.js";
import type { Comment, Meeting, PersonRef, Speaker, SpeakerStatus } from "../domain/model.js";
import { requiredId } from "../grpc/request.js";
import type { Standing } from "./access.js";
import { agendaItem, checkItemId } from "./agenda.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { block, oneLine } from "./text.js";

export interface NewCommentInput {
  requestId?: string;
  meetingId: string;
  itemId: string;
  /** Empty: the author's current or planned site. */
  siteId: string;
  text: string;
}

export interface ListCommentsInput {
  meetingId: string;
  /** Empty: every item's. */
  itemId: string;
  page: PageRequest;
}

export interface SpeakRequestInput {
  requestId?: string;
  meetingId: string;
  itemId: string;
  siteId: string;
  topic: string;
}

export interface SpeakerUpdateInput {
  requestId?: string;
  meetingId: string;
  speakerId: string;
  /** Undefined: kept. */
  status?: SpeakerStatus;
  /** A new place in the order (1 first); 0 keeps it. */
  position: number;
}

/** The speaking order: by place, then who asked first. */
const SPEAKING_ORDER = { position: 1, requestedAt: 1, _id: 1 } as const;

function checkSiteId(checks: FieldChecks, value: string | undefined): string {
  const v = oneLine(value);
  checks.length("site_id", v, MAX_SITE_ID_LENGTH, FIELDS.id);
  return v;
}

export class Discussion {
  constructor(private readonly app: AppContext) {}

  async addComment(identity: Identity, input: NewCommentInput): Promise<Comment> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const itemId = checkItemId(checks, "item_id", input.itemId, true);
    const siteId = checkSiteId(checks, input.siteId);
    const text = block(input.text);
    if (text === "") checks.add("text", "Thiếu nội dung ý kiến", "The comment's text is required");
    checks.length("text", text, MAX_COMMENT_LENGTH, FIELDS.comment);
    checks.check();
    const body = { ...input, meetingId, itemId, siteId, text };
    return this.app.once(
      "AddComment",
      identity,
      { requestId: input.requestId, target: `meeting:${meetingId}`, body },
      documentCodec<Comment>(),
      async (session) => {
        const { meeting, standing } = await this.app.visibleMeeting(identity, meetingId, session);
        this.app.access.assertTakePart(standing);
        assertDiscussable(meeting);
        agendaItem(meeting, itemId);
        const from = await this.speakerOf(identity, meeting, standing, siteId, session);
        const comment: Comment = {
          _id: randomUUID(),
          meetingId,
          itemId,
          author: from.person,
          siteId: from.siteId,
          text,
          at: this.app.clock.now(),
        };
        await this.app.store.comments.insertOne(comment, { session });
        await this.app.record(
          session,
          actorOf(identity),
          "comment.added",
          { type: "meeting", id: meetingId },
          {
            commentId: comment._id,
            itemId,
            siteId: comment.siteId,
            characters: text.length,
          },
        );
        return comment;
      },
    );
  }

  /** Anyone who sees the meeting: its comments, by item then time, a page at a time. */
  async listComments(identity: Identity, input: ListCommentsInput): Promise<KeysetPage<Comment>> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const itemId = checkItemId(checks, "item_id", input.itemId, false);
    checks.check();
    await this.app.visibleMeeting(identity, meetingId);
    const filter: Filter<Document> = itemId ? { meetingId, itemId } : { meetingId };
    return keysetPage(
      this.app.store.comments,
      {
        list: `comments:${meetingId}`,
        filter,
        sort: [
          ["meetingId", 1],
          ["itemId", 1],
          ["at", 1],
        ],
      },
      input.page,
      { now: this.app.clock.now() },
    );
  }

  /**
   * A place in an item's speaking order, after the last. Asking again while the first request stands
   * (requested or speaking) answers that one: nobody is listed twice.
   */
  async requestToSpeak(identity: Identity, input: SpeakRequestInput): Promise<Speaker> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const itemId = checkItemId(checks, "item_id", input.itemId, true);
    const siteId = checkSiteId(checks, input.siteId);
    const topic = oneLine(input.topic);
    checks.length("topic", topic, MAX_TOPIC_LENGTH, FIELDS.topic);
    checks.check();
    const body = { ...input, meetingId, itemId, siteId, topic };
    return this.app.once(
      "RequestToSpeak",
      identity,
      { requestId: input.requestId, target: `meeting:${meetingId}`, body },
      documentCodec<Speaker>(),
      async (session) => {
        const { meeting, standing } = await this.app.visibleMeeting(identity, meetingId, session);
        this.app.access.assertTakePart(standing);
        assertDiscussable(meeting);
        agendaItem(meeting, itemId);
        // Two requests on one item at once both write the item's list document, so they conflict and
        // one runs again, seeing the other's entry: no shared position, no second entry for one person.
        await this.app.store.speakerLists.updateOne(
          { _id: `${meetingId}/${itemId}` },
          { $inc: { requests: 1 } },
          { upsert: true, session },
        );
        const speakers = this.app.store.speakers;
        const standingRequest = await speakers.findOne(
          { meetingId, itemId, "person.personId": identity.userId, status: { $in: ["requested", "speaking"] } },
          { session },
        );
        if (standingRequest) return standingRequest;
        const from = await this.speakerOf(identity, meeting, standing, siteId, session);
        const count = await speakers.countDocuments({ meetingId, itemId }, { session });
        if (count >= MAX_SPEAKERS_PER_ITEM)
          throw new FailedPrecondition(
            `Mục này đã có ${MAX_SPEAKERS_PER_ITEM} lượt đăng ký phát biểu / This item has ${MAX_SPEAKERS_PER_ITEM} speakers already`,
            "TOO_MANY_SPEAKERS",
            { max: String(MAX_SPEAKERS_PER_ITEM) },
          );
        const [last] = await speakers
          .find({ meetingId, itemId }, { session, sort: { position: -1 }, limit: 1, projection: { position: 1 } })
          .toArray();
        const speaker: Speaker = {
          _id: randomUUID(),
          meetingId,
          itemId,
          person: from.person,
          siteId: from.siteId,
          status: "requested",
          position: (last?.position ?? 0) + 1,
          topic,
          requestedAt: this.app.clock.now(),
        };
        await speakers.insertOne(speaker, { session });
        await this.app.record(
          session,
          actorOf(identity),
          "speaker.requested",
          { type: "meeting", id: meetingId },
          {
            speakerId: speaker._id,
            itemId,
            siteId: speaker.siteId,
            position: speaker.position,
          },
        );
        return speaker;
      },
    );
  }

  /**
   * Managers give the floor (the one speaking before on the item is done), mark a speaker done or
   * withdrawn, and move a speaker in the order (the others renumbered 1..n); a speaker may withdraw.
   */
  async updateSpeaker(identity: Identity, input: SpeakerUpdateInput): Promise<Speaker> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const speakerId = requiredId(input.speakerId, "speaker_id", MAX_ID_LENGTH, checks);
    if (input.status === "requested")
      checks.add(
        "status",
        "Chỉ có thể chuyển sang đang phát biểu, đã phát biểu hoặc rút",
        "The status may become speaking, done or withdrawn only",
      );
    const position = input.position;
    if (!Number.isInteger(position) || position < 0)
      checks.add("position", "Vị trí là số nguyên dương (0: giữ nguyên)", "The position is a positive whole number (0 keeps it)");
    else if (input.status === undefined && position === 0)
      checks.add("status", "Cần trạng thái mới hoặc vị trí mới", "A new status or position is required");
    checks.check();
    const body = { ...input, meetingId, speakerId };
    return this.app.once(
      "UpdateSpeaker",
      identity,
      { requestId: input.requestId, target: `meeting:${meetingId}`, body },
      documentCodec<Speaker>(),
      async (session) => {
        const { meeting, standing } = await this.app.visibleMeeting(identity, meetingId, session);
        const speakers = this.app.store.speakers;
        const speaker = await speakers.findOne({ _id: speakerId, meetingId }, { session });
        if (!speaker) throw new NotFound("Không tìm thấy lượt đăng ký phát biểu / Speaker not found");
        if (!standing.manages) {
          if (speaker.person.personId !== identity.userId)
            throw new PermissionDenied(
              "Chỉ chủ trì và thư ký điều hành lượt phát biểu / Only the meeting's managers run the speaking order",
            );
          if (input.status !== "withdrawn" || position !== 0)
            throw new PermissionDenied("Người đăng ký chỉ có thể rút lượt phát biểu / A speaker may only withdraw");
        }
        assertDiscussable(meeting);
        if (!standing.manages && (speaker.status === "done" || speaker.status === "withdrawn"))
          throw new FailedPrecondition("Lượt phát biểu đã kết thúc / The speaker is done already", "SPEAKER_CLOSED", {
            status: speaker.status,
          });
        const at = this.app.clock.now();
        const next: Speaker = { ...speaker };
        if (input.status) {
          next.status = input.status;
          if (input.status === "done") next.doneAt = at;
          else delete next.doneAt;
        }
        const order = await speakers.find({ meetingId, itemId: speaker.itemId }, { session, sort: SPEAKING_ORDER }).toArray();
        if (position > order.length)
          throw new InvalidArgument([
            { field: "position", description: `Vị trí từ 1 đến ${order.length} / The position is from 1 to ${order.length}` },
          ]);
        const rest = order.filter((s) => s._id !== speaker._id);
        const place = position === 0 ? order.findIndex((s) => s._id === speaker._id) : position - 1;
        rest.splice(place, 0, next);
        for (const [i, s] of rest.entries()) {
          const update: Partial<Speaker> = {};
          if (s.position !== i + 1) update.position = i + 1;
          // One speaker at a time: giving the floor ends the one who had it.
          if (input.status === "speaking" && s._id !== speaker._id && s.status === "speaking")
            Object.assign(update, { status: "done", doneAt: at });
          if (s._id === speaker._id) {
            next.position = i + 1;
            continue;
          }
          if (Object.keys(update).length > 0) await speakers.updateOne({ _id: s._id }, { $set: update }, { session });
        }
        await speakers.replaceOne({ _id: speaker._id }, next, { session });
        await this.app.record(
          session,
          actorOf(identity),
          "speaker.updated",
          { type: "meeting", id: meetingId },
          {
            speakerId,
            itemId: speaker.itemId,
            from: { status: speaker.status, position: speaker.position },
            to: { status: next.status, position: next.position },
          },
        );
        return next;
      },
    );
  }

  /** Anyone who sees the meeting: an item's speakers in speaking order. */
  async listSpeakers(identity: Identity, input: { meetingId: string; itemId: string }): Promise<Speaker[]> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const itemId = checkItemId(checks, "item_id", input.itemId, true);
    checks.check();
    await this.app.visibleMeeting(identity, meetingId);
    return this.app.store.speakers.find({ meetingId, itemId }, { sort: SPEAKING_ORDER, limit: MAX_SPEAKERS_PER_ITEM }).toArray();
  }

  /**
   * Who speaks and from where. The person as the meeting knows him or her (participant, chair,
   * secretary, site host), else as the token names the caller (a manager from the organising office).
   * The site: the one named (it must exist), else where the participant is checked in now, else his or
   * her planned site, else the site the caller hosts, else the central one.
   */
  private async speakerOf(
    identity: Identity,
    meeting: Meeting,
    standing: Standing,
    siteId: string,
    session: ClientSession,
  ): Promise<{ person: PersonRef; siteId: string }> {
    if (siteId && !(await this.app.store.site(meeting._id, siteId, session)))
      throw new InvalidArgument([{ field: "site_id", description: `Không có điểm cầu "${siteId}" / No site "${siteId}"` }]);
    const p = standing.participant;
    const current = p?.presentNow ? p.sessions[0]?.siteId : undefined;
    const at = siteId || current || p?.siteId || standing.hostOf[0] || meeting.centralSiteId;
    let person = p?.person;
    if (!person && meeting.chair.personId === identity.userId) person = meeting.chair;
    if (!person && meeting.secretary?.personId === identity.userId) person = meeting.secretary;
    if (!person && standing.hostOf.length > 0) {
      const hosted = await this.app.store.site(meeting._id, standing.hostOf[0], session);
      if (hosted?.host?.personId === identity.userId) person = hosted.host;
    }
    if (!person) {
      person = { personId: identity.userId, fullName: identity.name || identity.userId, position: "" };
      if (identity.unitId) person.unit = { id: identity.unitId, name: identity.unitId };
    }
    return { person: { ...person }, siteId: at };
  }
}
