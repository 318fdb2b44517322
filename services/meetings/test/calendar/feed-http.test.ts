/**
 * Series and calendar feeds on the running service: a series' occurrences are drafts created together;
 * a feed token is created by gRPC, its .ics read from the admin port, and the feed follows the meeting
 * (scheduled → CONFIRMED, rescheduled → SEQUENCE up and a new ETag, cancelled → STATUS:CANCELLED);
 * a revoked token answers exactly as an unknown one.
 */
import { status } from "@grpc/grpc-js";
import { Frequency, MeetingKind, MeetingMode, MeetingStatus } from "@ministry/proto/ministry/meetings/v1/meetings";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_FEED_TOKENS_PER_PERSON } from "../../src/domain/limits.js";
import { refusal, startMeetingsHarness, type Clients, type MeetingsHarness } from "../harness.js";

let h: MeetingsHarness;
let office: Clients;
let minister: Clients;
let outsider: Clients;

beforeAll(async () => {
  h = await startMeetingsHarness();
  [office, minister, outsider] = await Promise.all([h.as("vp-head"), h.as("minister"), h.as("tccb-staff")]);
});

afterAll(async () => {
  await h?.stop();
});

function events(text: string) {
  return new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent");
}

async function feed(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.adminUrl}${path}`, { headers });
  return { res, text: await res.text() };
}

describe("series and calendar feeds", () => {
  let seriesId: string;
  let meetingIds: string[];

  it("creates a monthly series: every occurrence a draft meeting of the series, same time in Vietnam", async () => {
    const { series } = await office.meetings.createSeries({
      requestId: "series-1",
      title: "Giao ban Bộ hằng tháng",
      kind: MeetingKind.MEETING_KIND_UNSPECIFIED,
      frequency: Frequency.FREQUENCY_MONTHLY,
      // 08:00 on 31 January 2020 in Hà Nội
      firstStart: new Date("2020-01-31T01:00:00Z"),
      durationMinutes: 120,
      count: 3,
      chairId: "minister",
      secretaryId: "vp-staff",
      organizerUnitId: "",
      mode: MeetingMode.MEETING_MODE_HYBRID,
      place: "Phòng họp số 1, Bộ Nội vụ",
    });
    expect(series?.meetingIds).toHaveLength(3);
    expect(series?.kind).toBe(MeetingKind.MEETING_KIND_MONTHLY_BRIEFING);
    expect(series?.chair?.personId).toBe("minister");
    seriesId = series!.id;
    meetingIds = series!.meetingIds;

    const meetings = await Promise.all(meetingIds.map(async (id) => (await office.meetings.getMeeting({ id })).meeting!));
    expect(meetings.map((m) => m.start?.toISOString())).toEqual([
      "2020-01-31T01:00:00.000Z",
      "2020-02-29T01:00:00.000Z",
      "2020-03-31T01:00:00.000Z",
    ]);
    expect(meetings.map((m) => m.title)).toEqual([
      "Giao ban Bộ hằng tháng (tháng 01/2020)",
      "Giao ban Bộ hằng tháng (tháng 02/2020)",
      "Giao ban Bộ hằng tháng (tháng 03/2020)",
    ]);
    for (const m of meetings) {
      expect(m.status).toBe(MeetingStatus.MEETING_STATUS_DRAFT);
      expect(m.seriesId).toBe(seriesId);
      expect(m.plannedEnd!.getTime() - m.start!.getTime()).toBe(120 * 60_000);
    }
    // A retry answers the first series, creating nothing more.
    const again = await office.meetings.createSeries({
      requestId: "series-1",
      title: "Giao ban Bộ hằng tháng",
      kind: MeetingKind.MEETING_KIND_UNSPECIFIED,
      frequency: Frequency.FREQUENCY_MONTHLY,
      firstStart: new Date("2020-01-31T01:00:00Z"),
      durationMinutes: 120,
      count: 3,
      chairId: "minister",
      secretaryId: "vp-staff",
      organizerUnitId: "",
      mode: MeetingMode.MEETING_MODE_HYBRID,
      place: "Phòng họp số 1, Bộ Nội vụ",
    });
    expect(again.series?.id).toBe(seriesId);
  });

  it("refuses bad series input field by field, and callers who may not create meetings", async () => {
    const bad = await refusal(
      office.meetings.createSeries({
        requestId: "",
        title: "",
        kind: 0,
        frequency: 0,
        firstStart: undefined,
        durationMinutes: 1441,
        count: 61,
        chairId: "",
        secretaryId: "",
        organizerUnitId: "",
        mode: 0,
        place: "",
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fields.sort()).toEqual(["chair_id", "count", "duration_minutes", "first_start", "frequency", "title"]);
    const denied = await refusal(
      outsider.meetings.createSeries({
        requestId: "",
        title: "x",
        kind: 0,
        frequency: Frequency.FREQUENCY_WEEKLY,
        firstStart: new Date("2020-04-01T01:00:00Z"),
        durationMinutes: 60,
        count: 2,
        chairId: "minister",
        secretaryId: "",
        organizerUnitId: "",
        mode: 0,
        place: "",
      }),
    );
    expect(denied.code).toBe(status.PERMISSION_DENIED);
  });

  it("shows the series to its managers and leaders, and answers NOT_FOUND to others as for a missing one", async () => {
    expect((await office.meetings.getSeries({ id: seriesId })).series?.id).toBe(seriesId);
    expect((await minister.meetings.getSeries({ id: seriesId })).series?.count).toBe(3);
    const hidden = await refusal(outsider.meetings.getSeries({ id: seriesId }));
    const missing = await refusal(outsider.meetings.getSeries({ id: "no-such-series" }));
    expect(hidden.code).toBe(status.NOT_FOUND);
    expect(hidden.message).toBe(missing.message);
    const feedOfHidden = await refusal(outsider.meetings.createFeedToken({ requestId: "", seriesId, label: "" }));
    expect(feedOfHidden.code).toBe(status.NOT_FOUND);
  });

  it("serves a series feed that follows its meetings: schedule, reschedule (SEQUENCE, ETag), cancel, revoke", async () => {
    const created = await office.meetings.createFeedToken({ requestId: "feed-1", seriesId, label: "Giao ban tháng" });
    expect(created.token?.scope).toBe(`series:${seriesId}`);
    expect(created.path).toBe(`/calendar/${created.secret}.ics`);
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A retry answers the same token; the secret, never stored, is not shown again.
    const retried = await office.meetings.createFeedToken({ requestId: "feed-1", seriesId, label: "Giao ban tháng" });
    expect(retried.token?.id).toBe(created.token?.id);
    expect(retried.secret).toBe("");

    // Drafts are not in the feed.
    let { res, text } = await feed(created.path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("private, max-age=300");
    expect(events(text)).toHaveLength(0);

    const [first, second] = meetingIds;
    await office.meetings.scheduleMeeting({ requestId: "", id: first });
    ({ res, text } = await feed(created.path));
    let [event] = events(text);
    expect(event.getFirstPropertyValue("uid")).toBe(`${first}@meetings.bnv.gov.example`);
    expect(event.getFirstPropertyValue("status")).toBe("CONFIRMED");
    expect(event.getFirstPropertyValue("summary")).toBe("Giao ban Bộ hằng tháng (tháng 01/2020)");
    expect(text).toContain("DTSTART;TZID=Asia/Ho_Chi_Minh:20200131T080000");
    const sequence = Number(event.getFirstPropertyValue("sequence"));
    const etag = res.headers.get("etag")!;
    expect(etag).toBeTruthy();
    expect((await fetch(`${h.adminUrl}${created.path}`, { headers: { "if-none-match": etag } })).status).toBe(304);

    await office.meetings.rescheduleMeeting({
      requestId: "",
      id: first,
      start: new Date("2020-02-03T02:00:00Z"),
      plannedEnd: new Date("2020-02-03T04:00:00Z"),
      reason: "Trùng lịch làm việc với Chính phủ",
    });
    ({ res, text } = await feed(created.path, { "if-none-match": etag }));
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).not.toBe(etag);
    [event] = events(text);
    expect(event.getFirstPropertyValue("sequence")).toBeGreaterThan(sequence);
    expect(text).toContain("DTSTART;TZID=Asia/Ho_Chi_Minh:20200203T090000");

    await office.meetings.cancelMeeting({ requestId: "", id: second, reason: "Nghỉ Tết" });
    ({ text } = await feed(created.path));
    const byUid = new Map(events(text).map((e) => [e.getFirstPropertyValue("uid"), e]));
    expect(byUid.get(`${second}@meetings.bnv.gov.example`)?.getFirstPropertyValue("status")).toBe("CANCELLED");

    // Its use is noted (at most once a minute), never its secret.
    const listed = await office.meetings.listFeedTokens({});
    expect(listed.tokens.find((t) => t.id === created.token?.id)?.lastUsedAt).toBeDefined();

    // Only the owner revokes; others get NOT_FOUND as for a missing token.
    expect((await refusal(minister.meetings.revokeFeedToken({ requestId: "", id: created.token!.id }))).code).toBe(status.NOT_FOUND);
    const revoked = await office.meetings.revokeFeedToken({ requestId: "", id: created.token!.id });
    expect(revoked.token?.revokedAt).toBeDefined();
    const twice = await office.meetings.revokeFeedToken({ requestId: "", id: created.token!.id });
    expect(twice.token?.revokedAt?.getTime()).toBe(revoked.token?.revokedAt?.getTime());

    const gone = await feed(created.path);
    const unknown = await feed(`/calendar/${"A".repeat(43)}.ics`);
    expect(gone.res.status).toBe(404);
    expect(unknown.res.status).toBe(404);
    expect(gone.text).toBe(unknown.text);
  });

  it("serves a person's feed: the meetings he or she chairs, not drafts", async () => {
    const { path } = await minister.meetings.createFeedToken({ requestId: "", seriesId: "", label: "" });
    const { res, text } = await feed(path);
    expect(res.status).toBe(200);
    const uids = events(text).map((e) => e.getFirstPropertyValue("uid"));
    expect(uids).toContain(`${meetingIds[0]}@meetings.bnv.gov.example`);
    expect(uids).toContain(`${meetingIds[1]}@meetings.bnv.gov.example`);
    expect(uids).not.toContain(`${meetingIds[2]}@meetings.bnv.gov.example`);
    const { tokens } = await minister.meetings.listFeedTokens({});
    expect(tokens.map((t) => t.scope)).toEqual(["person:minister"]);
  });

  it(`keeps at most ${MAX_FEED_TOKENS_PER_PERSON} active tokens per person`, async () => {
    const person = await h.as("vp-deputy");
    for (let i = 0; i < MAX_FEED_TOKENS_PER_PERSON; i += 1)
      await person.meetings.createFeedToken({ requestId: "", seriesId: "", label: `Lịch ${i}` });
    const over = await refusal(person.meetings.createFeedToken({ requestId: "", seriesId: "", label: "one more" }));
    expect(over.code).toBe(status.FAILED_PRECONDITION);
    expect(over.reason).toBe("FEED_TOKEN_LIMIT");
    const { tokens } = await person.meetings.listFeedTokens({});
    await person.meetings.revokeFeedToken({ requestId: "", id: tokens[0].id });
    await person.meetings.createFeedToken({ requestId: "", seriesId: "", label: "after revoking one" });
  });
});
