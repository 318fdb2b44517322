/**
 * The notifications service's routes through HTTP against the real system: the directory (reads for
 * everyone signed in, writes for admins) and the caller's own inbox and preferences under /v1/me. Every
 * route's happy path and a validation failure (400 problem+json whose `violations` name the field in
 * JSON names). The inbox items are the seed's: the 30 March 2020 briefing's invitations and notices.
 * The admins' routes are in notifications-admin.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";
import { expectViolations } from "../problems.js";

let sys: SystemHarness;
beforeAll(async () => {
  // Waiting polls the gateway; the limits are not what this file tests.
  sys = await startSystem({ gatewayEnv: { RATE_LIMIT_PER_USER: "100000", RATE_LIMIT_PER_IP: "100000" } });
}, 120_000);
afterAll(async () => sys?.stop());

const long = (n: number) => "x".repeat(n);

interface Item {
  id: string;
  eventType: string;
  category: string;
  readAt?: string;
  archivedAt?: string;
  snoozedUntil?: string;
}

/** The seed briefing's invitation in a person's inbox (made in the background: waited for). */
const invitationOf = (person: string) =>
  sys.until(
    async () => {
      const r = await sys.http("GET", "/v1/me/notifications", { as: person, query: { view: "all" } });
      return (r.json?.notifications as Item[] | undefined)?.find((n) => n.eventType === "meetings.notice.invited");
    },
    `the seed briefing's invitation to ${person}`,
    30_000,
  );

describe("directory", () => {
  it("GET /v1/people finds people by unit, role and name", async () => {
    const byUnit = await sys.http("GET", "/v1/people", { as: "vp-staff", query: { unit: "TCCB", pageSize: 50 } });
    expect(byUnit.status).toBe(200);
    expect(byUnit.json.people.map((p: { id: string }) => p.id).sort()).toEqual(["tccb-clerk", "tccb-deputy", "tccb-head", "tccb-staff"]);
    const byRole = await sys.http("GET", "/v1/people", { as: "vp-staff", query: { role: "deputy_minister" } });
    expect(byRole.json.people).toHaveLength(4);
    const byName = await sys.http("GET", "/v1/people", { as: "vp-staff", query: { q: "nguyen van" } });
    expect(byName.json.people.map((p: { fullName: string }) => p.fullName)).toContain("Nguyễn Văn Hòa");
    expect(byName.json.page).toMatchObject({ nextPageToken: "" });

    expectViolations(await sys.http("GET", "/v1/people", { as: "vp-staff", query: { q: long(201) } }), ["query"]);
    expectViolations(await sys.http("GET", "/v1/people", { as: "vp-staff", query: { includeInactive: "perhaps" } }), ["includeInactive"]);
  });

  it("GET /v1/people/:id", async () => {
    const res = await sys.http("GET", "/v1/people/minister", { as: "vp-staff" });
    expect(res.status).toBe(200);
    expect(res.json.person).toMatchObject({ id: "minister", position: "Bộ trưởng", active: true, roles: ["minister"] });
    expect((await sys.http("GET", "/v1/people/nobody", { as: "vp-staff" })).status).toBe(404);
    expectViolations(await sys.http("GET", `/v1/people/${long(129)}`, { as: "vp-staff" }), ["id"]);
  });

  it("GET /v1/units and /v1/units/:id, with their leaders", async () => {
    const all = await sys.http("GET", "/v1/units", { as: "vp-staff", query: { pageSize: 50 } });
    expect(all.status).toBe(200);
    expect(all.json.units).toHaveLength(17);
    const one = await sys.http("GET", "/v1/units/TCCB", { as: "vp-staff" });
    expect(one.status).toBe(200);
    expect(one.json.unit).toMatchObject({
      id: "TCCB",
      name: "Vụ Tổ chức cán bộ",
      head: { id: "tccb-head" },
      deputies: [{ id: "tccb-deputy" }],
      memberCount: 4,
    });
    expectViolations(await sys.http("GET", "/v1/units", { as: "vp-staff", query: { pageSize: "many" } }), ["pageSize"]);
    expectViolations(await sys.http("GET", `/v1/units/${long(65)}`, { as: "vp-staff" }), ["id"]);
  });

  it("POST /v1/directory/recipients resolves selectors", async () => {
    const res = await sys.http("POST", "/v1/directory/recipients", {
      as: "vp-staff",
      body: { selectors: [{ unitHead: "VP" }, { unitLeaders: "VP" }, { role: "minister" }, { personId: "nobody" }] },
    });
    expect(res.status).toBe(200);
    expect(res.json.people.map((p: { id: string }) => p.id)).toEqual(["vp-head", "vp-deputy", "minister"]);
    expect(res.json.unresolved).toEqual([{ personId: "nobody" }]);
    const tooMany = Array.from({ length: 101 }, () => ({ role: "staff" }));
    expectViolations(await sys.http("POST", "/v1/directory/recipients", { as: "vp-staff", body: { selectors: tooMany } }), ["selectors"]);
    expectViolations(await sys.http("POST", "/v1/directory/recipients", { as: "vp-staff", body: { selectors: [{ personId: "" }, {}] } }), [
      "selectors[0]",
      "selectors[1]",
    ]);
  });

  it("PUT /v1/people/:id creates and replaces a person (admins), with If-Match", async () => {
    const person = {
      fullName: "Nguyễn Văn Thông",
      position: "Chuyên viên",
      unit: { id: "PC" },
      unitRole: "UNIT_ROLE_MEMBER",
      roles: ["staff"],
      email: "pc-staff-2@bnv.gov.example",
    };
    const created = await sys.http("PUT", "/v1/people/pc-staff-2", { as: "admin", body: { person }, headers: { "if-match": '"0"' } });
    expect(created.status, created.text).toBe(200);
    expect(created.json).toMatchObject({
      created: true,
      person: { id: "pc-staff-2", unit: { id: "PC", name: "Vụ Pháp chế" }, version: 1, active: true },
    });
    const stale = await sys.http("PUT", "/v1/people/pc-staff-2", {
      as: "admin",
      body: { person: { ...person, phone: "1" } },
      headers: { "if-match": '"0"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.json.reason).toBe("VERSION_CONFLICT");
    const replaced = await sys.http("PUT", "/v1/people/pc-staff-2", {
      as: "admin",
      body: { person: { ...person, phone: "024 1" } },
      headers: { "if-match": '"1"' },
    });
    expect(replaced.json).toMatchObject({ created: false, person: { phone: "024 1", version: 2 } });

    expectViolations(
      await sys.http("PUT", "/v1/people/pc-staff-3", {
        as: "admin",
        body: { person: { ...person, roles: ["emperor"], email: "x", locale: "de" } },
      }),
      ["person.roles[0]", "person.email", "person.locale"],
    );
    expectViolations(
      await sys.http("PUT", "/v1/people/pc-staff-3", { as: "admin", body: { person: { ...person, unitRole: "UNIT_ROLE_KING" } } }),
      ["person.unitRole"],
    );
    // The path names the person; a body naming another is refused.
    expectViolations(await sys.http("PUT", "/v1/people/pc-staff-3", { as: "admin", body: { person: { ...person, id: "pc-staff-4" } } }), [
      "person.id",
    ]);
  });

  it("POST /v1/people/:id/deactivation (admins)", async () => {
    const person = { fullName: "Lê Thị Mai", unit: { id: "TTR" }, roles: ["staff"] };
    expect((await sys.http("PUT", "/v1/people/ttr-leaver", { as: "admin", body: { person } })).status).toBe(200);
    const res = await sys.http("POST", "/v1/people/ttr-leaver/deactivation", { as: "admin", body: {} });
    expect(res.status, res.text).toBe(200);
    expect(res.json.person).toMatchObject({ id: "ttr-leaver", active: false });
    const listed = await sys.http("GET", "/v1/people", { as: "vp-staff", query: { unit: "TTR" } });
    expect(listed.json.people.map((p: { id: string }) => p.id)).not.toContain("ttr-leaver");
    expectViolations(await sys.http("POST", `/v1/people/${long(129)}/deactivation`, { as: "admin", body: {} }), ["id"]);
    expectViolations(await sys.http("POST", "/v1/people/ttr-leaver/deactivation", { as: "admin", body: { requestId: 7 } }), ["requestId"]);
  });

  it("PUT /v1/units/:id creates and renames a unit (admins)", async () => {
    const created = await sys.http("PUT", "/v1/units/TN", { as: "admin", body: { name: "Vụ Thử nghiệm", nameEn: "Trial Department" } });
    expect(created.status, created.text).toBe(200);
    expect(created.json).toMatchObject({ created: true, unit: { id: "TN", name: "Vụ Thử nghiệm", nameEn: "Trial Department" } });
    const renamed = await sys.http("PUT", "/v1/units/TN", { as: "admin", body: { name: "Vụ Thí điểm", nameEn: "Pilot Department" } });
    expect(renamed.json).toMatchObject({ created: false, unit: { name: "Vụ Thí điểm" } });
    expect((await sys.http("GET", "/v1/units/TN", { as: "vp-staff" })).json.unit.name).toBe("Vụ Thí điểm");
    expectViolations(await sys.http("PUT", "/v1/units/TN2", { as: "admin", body: { name: long(201) } }), ["name"]);
  });

  it("POST /v1/directory/import checks and imports a CSV (admins)", async () => {
    const csv = "Mã,Họ và tên,Đơn vị,Quyền\r\nttr-staff-2,Phan Thị Hoài,Thanh tra Bộ,staff\r\n";
    const body = (text: string, dryRun: boolean) => ({ content: Buffer.from(text).toString("base64"), fileName: "danh-ba.csv", dryRun });
    const dry = await sys.http("POST", "/v1/directory/import", { as: "admin", body: body(csv, true) });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({ rows: 1, created: 1, errors: [] });
    expect((await sys.http("GET", "/v1/people/ttr-staff-2", { as: "admin" })).status).toBe(404);
    const real = await sys.http("POST", "/v1/directory/import", { as: "admin", body: body(csv, false) });
    expect(real.json).toMatchObject({ rows: 1, created: 1 });
    expect((await sys.http("GET", "/v1/people/ttr-staff-2", { as: "vp-staff" })).json.person).toMatchObject({
      fullName: "Phan Thị Hoài",
      unit: { id: "TTR" },
    });

    const bad = await sys.http("POST", "/v1/directory/import", { as: "admin", body: body(`${csv}ttr-staff-3,,TTR,staff\r\n`, false) });
    expectViolations(bad, ["content"]);
    expect(bad.json.reason).toBe("IMPORT_ROWS_INVALID");
    expectViolations(await sys.http("POST", "/v1/directory/import", { as: "admin", body: { ...body(csv, true), dryRun: "yes" } }), [
      "dryRun",
    ]);
  });

  it("directory writes are for admins: 403 for anyone else", async () => {
    const calls: [string, string, unknown][] = [
      ["PUT", "/v1/people/x-1", { person: { fullName: "Lê Văn X", unit: { id: "VP" } } }],
      ["POST", "/v1/people/vp-staff/deactivation", {}],
      ["PUT", "/v1/units/NEW", { name: "Vụ Mới" }],
      ["POST", "/v1/directory/import", { content: "eA==", fileName: "a.csv", dryRun: true }],
    ];
    for (const [method, url, body] of calls) {
      const res = await sys.http(method, url, { as: "vp-head", body });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
  });
});

describe("my notifications", () => {
  it("GET /v1/me/notifications lists the seed's items, filtered by view and category", async () => {
    const invitation = await invitationOf("vp-head");
    const all = await sys.http("GET", "/v1/me/notifications", { as: "vp-head", query: { view: "all", pageSize: 100 } });
    expect(all.status).toBe(200);
    expect(all.json.notifications.map((n: Item) => n.id)).toContain(invitation.id);
    expect(all.json.notifications.every((n: { recipientId: string }) => n.recipientId === "vp-head")).toBe(true);
    expect(typeof all.json.unreadCount).toBe("string");
    const meetings = await sys.http("GET", "/v1/me/notifications", { as: "vp-head", query: { view: "all", category: "meeting" } });
    expect(meetings.json.notifications.length).toBeGreaterThan(0);
    expect(meetings.json.notifications.every((n: Item) => n.category === "meeting")).toBe(true);
    const paged = await sys.http("GET", "/v1/me/notifications", { as: "vp-head", query: { filter: "all", pageSize: 1 } });
    expect(paged.json.notifications).toHaveLength(1);
    expect(paged.json.page.nextPageToken).not.toBe("");

    expectViolations(await sys.http("GET", "/v1/me/notifications", { as: "vp-head", query: { view: "everything" } }), ["view"]);
    expectViolations(await sys.http("GET", "/v1/me/notifications", { as: "vp-head", query: { category: long(65) } }), ["category"]);
  });

  it("GET /v1/me/notifications/:id with its deliveries; someone else's is 404", async () => {
    const invitation = await invitationOf("pc-head");
    const res = await sys.http("GET", `/v1/me/notifications/${invitation.id}`, { as: "pc-head" });
    expect(res.status).toBe(200);
    expect(res.json.notification).toMatchObject({
      id: invitation.id,
      recipientId: "pc-head",
      category: "meeting",
      subject: { type: "meeting", id: "gb-2020-q1" },
    });
    expect(res.json.notification.deliveries.length).toBeGreaterThan(0);
    const theirs = await sys.http("GET", `/v1/me/notifications/${invitation.id}`, { as: "tccb-head" });
    expect(theirs.status).toBe(404);
    expect(theirs.text).not.toContain("pc-head");
    expectViolations(await sys.http("GET", `/v1/me/notifications/${long(129)}`, { as: "pc-head" }), ["id"]);
  });

  it("read, unread, archive, unarchive, snooze, read-all and the unread count", async () => {
    const n = await invitationOf("tccb-head");
    const count = async () => {
      const r = await sys.http("GET", "/v1/me/notifications/unread-count", { as: "tccb-head" });
      expect(r.status).toBe(200);
      return Number(r.json.unreadCount);
    };
    const act = (verb: string, body: unknown = {}) => sys.http("POST", `/v1/me/notifications/${n.id}/${verb}`, { as: "tccb-head", body });
    // No view: the inbox (not archived, not snoozed).
    const view = async (v?: string) =>
      ((await sys.http("GET", "/v1/me/notifications", { as: "tccb-head", query: v ? { view: v } : {} })).json.notifications as Item[]).map(
        (x) => x.id,
      );

    const before = await count();
    expect(before).toBeGreaterThan(0);
    const read = await act("read");
    expect(read.status, read.text).toBe(200);
    expect(read.json).toEqual({ changed: 1, unreadCount: String(before - 1) });
    expect(await view("unread")).not.toContain(n.id);
    const unread = await act("unread");
    expect(unread.json).toEqual({ changed: 1, unreadCount: String(before) });

    const archived = await act("archive");
    expect(archived.json.changed).toBe(1);
    expect(await view("archived")).toContain(n.id);
    expect(await view()).not.toContain(n.id);
    const back = await act("unarchive");
    expect(back.json.changed).toBe(1);
    expect(await view("archived")).not.toContain(n.id);

    const snoozed = await act("snooze", { until: "2020-03-24T02:00:00Z" });
    expect(snoozed.status, snoozed.text).toBe(200);
    expect(snoozed.json.notification).toMatchObject({ id: n.id, snoozedUntil: "2020-03-24T02:00:00Z" });
    expect(await view("snoozed")).toContain(n.id);
    const woken = await act("snooze", {});
    expect(woken.json.notification.snoozedUntil).toBeUndefined();

    const all = await sys.http("POST", "/v1/me/notifications/read-all", { as: "tccb-head", body: {} });
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ unreadCount: "0" });
    expect(all.json.changed).toBeGreaterThan(0);
    expect(await count()).toBe(0);

    // A notification of someone else is missing, not forbidden.
    const other = await invitationOf("khtc-head");
    expect((await sys.http("POST", `/v1/me/notifications/${other.id}/read`, { as: "tccb-head", body: {} })).status).toBe(404);

    for (const verb of ["read", "unread", "archive", "unarchive"]) expectViolations(await act(verb, { requestId: 1 }), ["requestId"]);
    // The path names the notification; a body naming others is refused.
    expectViolations(await act("read", { ids: ["n-other"] }), ["ids"]);
    expectViolations(await act("snooze", { until: "2020-05-01T00:00:00Z" }), ["until"]);
    expectViolations(await act("snooze", { until: "2020-03-22T00:00:00Z" }), ["until"]);
    expectViolations(await sys.http("POST", "/v1/me/notifications/read-all", { as: "tccb-head", body: { category: long(65) } }), [
      "category",
    ]);
    expectViolations(await sys.http("GET", "/v1/me/notifications/unread-count", { as: "tccb-head", query: { category: "meeting" } }), [
      "category",
    ]);
  });

  it("GET and PUT /v1/me/preferences, with If-Match", async () => {
    const got = await sys.http("GET", "/v1/me/preferences", { as: "vp-staff" });
    expect(got.status).toBe(200);
    expect(got.json.preferences).toMatchObject({ channels: [], version: 0, digestTime: "07:30" });
    const preferences = {
      channels: [{ category: "task_update", channel: "CHANNEL_EMAIL", mode: "DELIVERY_MODE_OFF" }],
      quietHours: { enabled: true, start: "22:00", end: "06:30" },
    };
    const put = await sys.http("PUT", "/v1/me/preferences", { as: "vp-staff", body: { preferences }, headers: { "if-match": '"0"' } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.preferences).toMatchObject({ ...preferences, version: 1 });
    expect((await sys.http("GET", "/v1/me/preferences", { as: "vp-staff" })).json.preferences).toMatchObject({
      version: 1,
      quietHours: { enabled: true },
    });
    const stale = await sys.http("PUT", "/v1/me/preferences", { as: "vp-staff", body: { preferences }, headers: { "if-match": '"0"' } });
    expect(stale.status).toBe(412);

    expectViolations(
      await sys.http("PUT", "/v1/me/preferences", {
        as: "vp-staff",
        body: { preferences: { ...preferences, quietHours: { enabled: true, start: "25:99", end: "06:30" } } },
      }),
      ["preferences.quietHours.start"],
    );
    expectViolations(
      await sys.http("PUT", "/v1/me/preferences", {
        as: "vp-staff",
        body: { preferences: { channels: [{ category: "task_update", channel: "CHANNEL_INBOX", mode: "DELIVERY_MODE_LOUD" }] } },
      }),
      ["preferences.channels[0].mode"],
    );
    expectViolations(await sys.http("GET", "/v1/me/preferences", { as: "vp-staff", query: { version: 1 } }), ["version"]);
  });

  it("GET /v1/notification-categories", async () => {
    const res = await sys.http("GET", "/v1/notification-categories", { as: "vp-clerk" });
    expect(res.status).toBe(200);
    const ids = res.json.categories.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(["task_assignment", "task_deadline", "meeting"]));
    expect(res.json.categories.find((c: { id: string }) => c.id === "task_deadline")).toMatchObject({
      hasCritical: true,
      name: { vi: "Thời hạn nhiệm vụ" },
    });
    expectViolations(await sys.http("GET", "/v1/notification-categories", { as: "vp-clerk", query: { locale: "en" } }), ["locale"]);
  });

  it("every route needs a signed-in caller", async () => {
    for (const url of ["/v1/me/notifications", "/v1/me/preferences", "/v1/people", "/v1/units", "/v1/notification-categories"]) {
      const res = await sys.http("GET", url);
      expect(res.status, url).toBe(401);
    }
  });
});
