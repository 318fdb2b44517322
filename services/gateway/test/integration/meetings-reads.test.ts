/**
 * The meetings routes that read, over HTTP against the real system, on the seed briefing gb-2020-q1
 * (the meeting, its sites, participants, attendance sheet and its XLSX and PDF files, comments and
 * speakers); recurring series; calendar feed tokens and the public iCalendar feed they open. Each
 * route with its happy path and a validation failure; someone outside the meeting gets 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceByName } from "../../src/contracts/registry.js";
import { meetingsGroups } from "../../src/routes/meetings.js";
import { startSystem, type SystemHarness } from "../harness.js";
import { expectOk, expectViolation } from "../problems.js";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

const SEED = "gb-2020-q1";
const UID_DOMAIN = "meetings.bnv.gov.example";

describe("the seed briefing, read through every read route", () => {
  it("GET /v1/meetings/:id shows the concluded briefing with its 16 sites and 24 participants", async () => {
    const res = await sys.http("GET", `/v1/meetings/${SEED}`, { as: "vp-head" });
    expectOk(res);
    expect(res.json.meeting).toMatchObject({ id: SEED, status: "MEETING_STATUS_CONCLUDED", siteCount: 16, participantCount: 24 });
    expect(res.json.meeting.agenda).toHaveLength(4);
    expect(res.json.meeting.myPermissions).toContain("manage");
    expectViolation(await sys.http("GET", `/v1/meetings/${SEED}`, { as: "vp-head", query: { bogus: 1 } }), "bogus");
  });

  it("GET /v1/meetings filters by status (short names) and pages", async () => {
    const res = await sys.http("GET", "/v1/meetings", { as: "vp-head", query: { status: "concluded", pageSize: 10 } });
    expectOk(res);
    expect(res.json.meetings.map((m: { id: string }) => m.id)).toContain(SEED);
    expect(res.json.meetings.every((m: { status: string }) => m.status === "MEETING_STATUS_CONCLUDED")).toBe(true);
    expectViolation(await sys.http("GET", "/v1/meetings", { as: "vp-head", query: { status: "postponed" } }), "status[0]");
  });

  it("GET /v1/meetings/:meetingId/sites lists the 16 sites, the central one first", async () => {
    const res = await sys.http("GET", `/v1/meetings/${SEED}/sites`, { as: "vp-head", query: { pageSize: 100 } });
    expectOk(res);
    expect(res.json.sites).toHaveLength(16);
    expect(res.json.sites[0]).toMatchObject({ id: "central", central: true });
    expectViolation(await sys.http("GET", `/v1/meetings/${SEED}/sites`, { as: "vp-head", query: { pageSize: "many" } }), "pageSize");
  });

  it("GET /v1/meetings/:meetingId/participants lists the 24 participants, or one site's", async () => {
    const res = await sys.http("GET", `/v1/meetings/${SEED}/participants`, { as: "vp-head", query: { pageSize: 100 } });
    expectOk(res);
    expect(res.json.participants).toHaveLength(24);
    const pc = await sys.http("GET", `/v1/meetings/${SEED}/participants`, { as: "vp-head", query: { site: "PC" } });
    expectOk(pc);
    expect(pc.json.participants.length).toBeGreaterThan(0);
    expect(pc.json.participants.every((p: { siteId: string }) => p.siteId === "PC")).toBe(true);
    expectViolation(await sys.http("GET", `/v1/meetings/${SEED}/participants`, { as: "vp-head", query: { unit: "PC" } }), "unit");
  });

  it("GET /v1/meetings/:meetingId/attendance sums up every site", async () => {
    const res = await sys.http("GET", `/v1/meetings/${SEED}/attendance`, { as: "vp-head" });
    expectOk(res);
    expect(res.json.total.invited).toBe(24);
    expect(res.json.total.present).toBeGreaterThan(0);
    expect(res.json.sites).toHaveLength(16);
    expectViolation(await sys.http("GET", `/v1/meetings/${SEED}/attendance`, { as: "vp-head", query: { pageSize: -1 } }), "page.pageSize");
  });

  it("GET /v1/meetings/:meetingId/attendance/export answers a real XLSX and PDF file", async () => {
    const xlsx = await rawGet(`/v1/meetings/${SEED}/attendance/export?format=xlsx`, "vp-head");
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(xlsx.headers.get("content-disposition")).toMatch(/^attachment; filename="[^"]+\.xlsx"; filename\*=UTF-8''\S+\.xlsx$/);
    // A ZIP container (PK\x03\x04), as every XLSX is.
    expect(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    const pdf = await rawGet(`/v1/meetings/${SEED}/attendance/export?format=pdf&site=PC`, "vp-head");
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("content-disposition")).toMatch(/^attachment; filename="[^"]+\.pdf"/);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
    expectViolation(
      await sys.http("GET", `/v1/meetings/${SEED}/attendance/export`, { as: "vp-head", query: { format: "docx" } }),
      "format",
    );
  });

  it("GET /v1/meetings/:meetingId/comments and /speakers list the discussion of item 3", async () => {
    const comments = await sys.http("GET", `/v1/meetings/${SEED}/comments`, { as: "vp-head", query: { item: "3" } });
    expectOk(comments);
    expect(comments.json.comments).toHaveLength(4);
    expect(comments.json.comments.map((c: { author: { personId: string } }) => c.author.personId)).toContain("pc-head");
    expectViolation(await sys.http("GET", `/v1/meetings/${SEED}/comments`, { as: "vp-head", query: { pageSize: "x" } }), "pageSize");
    const speakers = await sys.http("GET", `/v1/meetings/${SEED}/speakers`, { as: "vp-head", query: { item: "3" } });
    expectOk(speakers);
    expect(speakers.json.speakers.length).toBeGreaterThan(0);
    expectViolation(await sys.http("GET", `/v1/meetings/${SEED}/speakers`, { as: "vp-head", query: { pageSize: 5 } }), "pageSize");
  });

  it("someone outside the meeting gets 404, exactly as for a missing meeting", async () => {
    const hidden = await sys.http("GET", `/v1/meetings/${SEED}`, { as: "ttr-staff" });
    const missing = await sys.http("GET", "/v1/meetings/no-such-meeting", { as: "ttr-staff" });
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get("content-type")).toContain("application/problem+json");
    expect(hidden.json.detail).toBe(missing.json.detail);
    expect((await sys.http("GET", `/v1/meetings/${SEED}/attendance`, { as: "ttr-staff" })).status).toBe(404);
  });
});

/** The raw answer of a GET (for a file's bytes). */
async function rawGet(url: string, as: string): Promise<Response> {
  const token = await sys.token(as);
  return fetch(new URL(url, sys.gateway.url), { headers: { authorization: `Bearer ${token}` } });
}

describe("recurring series", () => {
  it("POST /v1/meeting-series creates the drafts of a monthly series (201); GET /v1/meeting-series/:id reads it", async () => {
    const body = {
      title: "Giao ban Văn phòng hằng tháng",
      frequency: "FREQUENCY_MONTHLY",
      firstStart: "2020-04-06T01:00:00Z",
      durationMinutes: 90,
      count: 3,
      chairId: "vp-head",
      secretaryId: "vp-staff",
      mode: "MEETING_MODE_IN_PERSON",
      place: "Phòng họp Văn phòng Bộ",
    };
    const res = await sys.http("POST", "/v1/meeting-series", { as: "vp-head", body });
    expectOk(res, 201);
    expect(res.json.series).toMatchObject({ title: body.title, kind: "MEETING_KIND_MONTHLY_BRIEFING", count: 3 });
    expect(res.json.series.meetingIds).toHaveLength(3);
    const bad = await sys.http("POST", "/v1/meeting-series", { as: "vp-head", body: { ...body, count: 61, durationMinutes: 0 } });
    expectViolation(bad, "count");
    expectViolation(bad, "durationMinutes");

    const got = await sys.http("GET", `/v1/meeting-series/${res.json.series.id}`, { as: "vp-head" });
    expectOk(got);
    expect(got.json.series.meetingIds).toEqual(res.json.series.meetingIds);
    const first = await sys.http("GET", `/v1/meetings/${res.json.series.meetingIds[0]}`, { as: "vp-head" });
    expect(first.json.meeting).toMatchObject({
      seriesId: res.json.series.id,
      status: "MEETING_STATUS_DRAFT",
      start: "2020-04-06T01:00:00Z",
    });
    const listed = await sys.http("GET", "/v1/meetings", { as: "vp-head", query: { series: res.json.series.id } });
    expectOk(listed);
    expect(listed.json.meetings.map((m: { id: string }) => m.id).sort()).toEqual([...res.json.series.meetingIds].sort());
    expectViolation(
      await sys.http("GET", `/v1/meeting-series/${res.json.series.id}`, { as: "vp-head", query: { expand: "meetings" } }),
      "expand",
    );
    expect((await sys.http("GET", `/v1/meeting-series/${res.json.series.id}`, { as: "ttr-staff" })).status).toBe(404);
  });
});

describe("calendar feeds", () => {
  it("a person's feed: created through the API, read at /v1/calendar/<secret>.ics without a token, revoked → 404", async () => {
    const created = await sys.http("POST", "/v1/me/calendar-feeds", { as: "minister", body: { label: "Lịch họp trên điện thoại" } });
    expectOk(created, 201);
    expect(created.json.token).toMatchObject({ scope: "person:minister", label: "Lịch họp trên điện thoại" });
    const secret: string = created.json.secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expectViolation(await sys.http("POST", "/v1/me/calendar-feeds", { as: "minister", body: { label: "x".repeat(201) } }), "label");

    // The calendar program sends no bearer token: the secret is the credential.
    const feed = await sys.http("GET", `/v1/calendar/${secret}.ics`);
    expect(feed.status, feed.text).toBe(200);
    expect(feed.headers.get("content-type")).toContain("text/calendar");
    expect(feed.text).toContain("BEGIN:VCALENDAR");
    expect(feed.text).toContain(`UID:${SEED}@${UID_DOMAIN}`);

    const listed = await sys.http("GET", "/v1/me/calendar-feeds", { as: "minister" });
    expectOk(listed);
    expect(listed.json.tokens.map((t: { id: string }) => t.id)).toContain(created.json.token.id);
    expectViolation(await sys.http("GET", "/v1/me/calendar-feeds", { as: "minister", query: { pageSize: 10 } }), "pageSize");

    expectViolation(
      await sys.http("DELETE", `/v1/me/calendar-feeds/${created.json.token.id}`, { as: "minister", query: { reason: "lost" } }),
      "reason",
    );
    // Only the owner revokes; to anyone else the token does not exist.
    expect((await sys.http("DELETE", `/v1/me/calendar-feeds/${created.json.token.id}`, { as: "vp-head" })).status).toBe(404);
    const revoked = await sys.http("DELETE", `/v1/me/calendar-feeds/${created.json.token.id}`, { as: "minister" });
    expectOk(revoked);
    expect(revoked.json.token.revokedAt).toMatch(/^2020-03-23T/);
    const gone = await sys.http("GET", `/v1/calendar/${secret}.ics`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get("content-type")).toContain("application/problem+json");
    const unknown = await sys.http("GET", `/v1/calendar/${"A".repeat(43)}.ics`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.reason).toBe(gone.json.reason);
  });

  it("a series feed shows its scheduled meetings, not its drafts", async () => {
    const series = await sys.http("POST", "/v1/meeting-series", {
      as: "vp-head",
      body: {
        title: "Giao ban tuần",
        frequency: "FREQUENCY_WEEKLY",
        firstStart: "2020-04-13T01:00:00Z",
        durationMinutes: 60,
        count: 2,
        chairId: "vp-head",
      },
    });
    expectOk(series, 201);
    const [first, second] = series.json.series.meetingIds as string[];
    expectOk(await sys.http("POST", `/v1/meetings/${first}/schedule`, { as: "vp-head", body: {} }));
    const token = await sys.http("POST", "/v1/me/calendar-feeds", {
      as: "vp-head",
      body: { seriesId: series.json.series.id, label: "Giao ban tuần" },
    });
    expectOk(token, 201);
    expect(token.json.token.scope).toBe(`series:${series.json.series.id}`);
    const feed = await sys.http("GET", `/v1/calendar/${token.json.secret}.ics`);
    expect(feed.status, feed.text).toBe(200);
    expect(feed.text).toContain(`UID:${first}@${UID_DOMAIN}`);
    expect(feed.text).not.toContain(`UID:${second}@${UID_DOMAIN}`);
    expect(feed.text).toContain("STATUS:CONFIRMED");
  });
});

describe("the published contract", () => {
  it("lists every meetings route in /openapi.json under its tag, with the tag's bilingual description", async () => {
    const doc = (await sys.http("GET", "/openapi.json")).json;
    const tags = new Map(doc.tags.map((t: { name: string; description: string }) => [t.name, t.description]));
    const rpcs = new Set<string>();
    for (const group of meetingsGroups) {
      expect(tags.get(group.tag)).toMatch(/ \/ /);
      for (const route of group.routes) {
        const path = route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
        const op = doc.paths[path]?.[route.method.toLowerCase()];
        expect(op, `${route.method} ${path}`).toBeDefined();
        expect(op.tags).toEqual([group.tag]);
        rpcs.add(route.rpc);
      }
    }
    // Every RPC of the meetings service has its route (all are user-facing).
    const service = serviceByName("ministry.meetings.v1.MeetingService");
    expect([...rpcs].sort()).toEqual(service.methods.map((m) => `${service.typeName}/${m.name}`).sort());
  });
});
