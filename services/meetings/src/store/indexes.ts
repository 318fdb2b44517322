import type { CollectionIndexes } from "@ministry/platform";

export const MEETINGS = "meetings";
export const SITES = "sites";
export const PARTICIPANTS = "participants";
export const COMMENTS = "comments";
export const SPEAKERS = "speakers";
/** Per agenda item, a document every request to speak writes (so concurrent requests conflict). */
export const SPEAKER_LISTS = "speaker_lists";
export const SERIES = "series";
export const FEED_TOKENS = "feed_tokens";

export const MEETINGS_INDEXES: CollectionIndexes[] = [
  {
    collection: MEETINGS,
    indexes: [
      { key: { start: 1, _id: 1 }, name: "start" },
      { key: { status: 1, start: 1 }, name: "status_start" },
      { key: { "organizerUnit.id": 1, start: 1 }, name: "organizer_start" },
      { key: { seriesId: 1, start: 1 }, name: "series_start", sparse: true },
    ],
  },
  {
    collection: SITES,
    indexes: [
      { key: { meetingId: 1, position: 1 }, name: "meeting_position" },
      // the sites a person hosts (what he or she may see and record), without reading a conference's thousands
      { key: { meetingId: 1, "host.personId": 1 }, name: "meeting_host" },
      { key: { "host.personId": 1 }, name: "host" },
    ],
  },
  {
    collection: PARTICIPANTS,
    indexes: [
      // the sheet's order: by site, then name
      { key: { meetingId: 1, siteId: 1, sortName: 1, _id: 1 }, name: "meeting_site_name" },
      { key: { meetingId: 1, sortName: 1, _id: 1 }, name: "meeting_name" },
      // the sheet's figures: those who declined or sent someone, per site
      { key: { meetingId: 1, sheetState: 1, siteId: 1 }, name: "meeting_state_site" },
      // a person's meetings (their list, their calendar feed)
      { key: { "person.personId": 1, meetingId: 1 }, name: "person_meeting" },
    ],
  },
  { collection: COMMENTS, indexes: [{ key: { meetingId: 1, itemId: 1, at: 1, _id: 1 }, name: "meeting_item_at" }] },
  { collection: SPEAKERS, indexes: [{ key: { meetingId: 1, itemId: 1, position: 1 }, name: "meeting_item_position" }] },
  {
    collection: FEED_TOKENS,
    indexes: [
      { key: { hash: 1 }, name: "hash_unique", unique: true },
      { key: { ownerId: 1 }, name: "owner" },
    ],
  },
];
