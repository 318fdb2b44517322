/**
 * The service's collections, typed. Use cases read and write them inside their transactions; the
 * few reads worth naming (a meeting, a participant) are helpers here.
 */
import type { ClientSession, Collection, Db } from "mongodb";
import type { Comment, FeedToken, Meeting, Participant, Series, Site, Speaker } from "../domain/model.js";
import { COMMENTS, FEED_TOKENS, MEETINGS, PARTICIPANTS, SERIES, SITES, SPEAKER_LISTS, SPEAKERS } from "./indexes.js";

export function participantKey(meetingId: string, personId: string): string {
  return `${meetingId}/${personId}`;
}

export function siteKey(meetingId: string, siteId: string): string {
  return `${meetingId}/${siteId}`;
}

export class MeetingsDb {
  readonly meetings: Collection<Meeting>;
  readonly sites: Collection<Site>;
  readonly participants: Collection<Participant>;
  readonly comments: Collection<Comment>;
  readonly speakers: Collection<Speaker>;
  readonly speakerLists: Collection<{ _id: string; requests: number }>;
  readonly series: Collection<Series>;
  readonly feedTokens: Collection<FeedToken>;

  constructor(db: Db) {
    this.meetings = db.collection<Meeting>(MEETINGS);
    this.sites = db.collection<Site>(SITES);
    this.participants = db.collection<Participant>(PARTICIPANTS);
    this.comments = db.collection<Comment>(COMMENTS);
    this.speakers = db.collection<Speaker>(SPEAKERS);
    this.speakerLists = db.collection<{ _id: string; requests: number }>(SPEAKER_LISTS);
    this.series = db.collection<Series>(SERIES);
    this.feedTokens = db.collection<FeedToken>(FEED_TOKENS);
  }

  meeting(id: string, session?: ClientSession): Promise<Meeting | null> {
    return this.meetings.findOne({ _id: id }, { session });
  }

  participant(meetingId: string, personId: string, session?: ClientSession): Promise<Participant | null> {
    return this.participants.findOne({ _id: participantKey(meetingId, personId) }, { session });
  }

  site(meetingId: string, siteId: string, session?: ClientSession): Promise<Site | null> {
    return this.sites.findOne({ _id: siteKey(meetingId, siteId) }, { session });
  }

  /**
   * Writes a changed meeting if its version is still the one read (another writer in between: the
   * transaction conflicts, or this returns false outside one).
   */
  async saveMeeting(next: Meeting, readVersion: number, session: ClientSession): Promise<void> {
    const r = await this.meetings.replaceOne({ _id: next._id, version: readVersion }, next, { session });
    if (r.matchedCount !== 1) throw new Error(`meeting ${next._id} changed while it was being saved`);
  }
}
