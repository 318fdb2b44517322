/**
 * DirectoryService over real gRPC (the service as it runs, seeded): reads for every signed-in caller,
 * admin-only writes, recipient resolution, the name search, and field violations.
 */
import { status } from "@grpc/grpc-js";
import { UnitRole } from "@ministry/proto/ministry/notifications/v1/notifications";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusal, startNotificationsHarness, type NotificationsHarness } from "../harness.js";

let h: NotificationsHarness;
beforeAll(async () => {
  h = await startNotificationsHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe("DirectoryService", () => {
  it("writes are for admins: a staff member is refused before anything is looked up", async () => {
    const staff = (await h.as({ sub: "vp-staff" })).directory;
    const person = {
      id: "x-1",
      fullName: "Lê Văn X",
      position: "",
      unit: { id: "NOPE", name: "" },
      unitRole: 0,
      roles: [],
      email: "",
      phone: "",
      locale: "",
      timeZone: "",
      active: true,
      version: 0,
    };
    for (const call of [
      staff.upsertPerson({ requestId: "", person }),
      staff.deactivatePerson({ requestId: "", id: "no-such-person" }),
      staff.upsertUnit({ requestId: "", id: "NEW", name: "Vụ Mới", nameEn: "" }),
      staff.importDirectory({ requestId: "", content: Buffer.from("x"), fileName: "a.csv", dryRun: true }),
    ])
      expect((await refusal(call)).code).toBe(status.PERMISSION_DENIED);
    // ...while reading is for everyone signed in
    expect((await staff.getPerson({ id: "minister" })).person).toMatchObject({ id: "minister", position: "Bộ trưởng", unit: undefined });
  });

  it("an admin creates a person in a known unit, with optimistic versions", async () => {
    const admin = (await h.as({ sub: "admin" })).directory;
    const person = {
      id: "pc-staff-2",
      fullName: "Nguyễn Văn Thông",
      position: "Chuyên viên",
      unit: { id: "PC", name: "" },
      unitRole: UnitRole.UNIT_ROLE_MEMBER,
      roles: ["staff"],
      email: "pc-staff-2@bnv.gov.example",
      phone: "",
      locale: "",
      timeZone: "",
      active: false,
      version: 0,
    };
    const created = await admin.upsertPerson({ requestId: "r-1", person, expectedVersion: 0 });
    expect(created).toMatchObject({
      created: true,
      person: { id: "pc-staff-2", unit: { id: "PC", name: "Vụ Pháp chế" }, version: 1, active: true, locale: "vi" },
    });
    const conflict = await refusal(admin.upsertPerson({ requestId: "r-2", person: { ...person, phone: "1" }, expectedVersion: 0 }));
    expect(conflict).toMatchObject({ code: status.ABORTED, reason: "VERSION_CONFLICT" });
    const unknownUnit = await refusal(
      admin.upsertPerson({ requestId: "", person: { ...person, id: "pc-staff-3", unit: { id: "NOPE", name: "" } } }),
    );
    expect(unknownUnit).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["person.unit.id"] });
  });

  it("resolves recipients: active people, each once, in order; the rest unresolved", async () => {
    const d = (await h.as({ sub: "vp-staff" })).directory;
    const r = await d.resolveRecipients({
      selectors: [
        { selector: { $case: "unitHead", value: "VP" } },
        { selector: { $case: "unitLeaders", value: "VP" } },
        { selector: { $case: "role", value: "minister" } },
        { selector: { $case: "personId", value: "nobody" } },
      ],
    });
    expect(r.people.map((p) => p.id)).toEqual(["vp-head", "vp-deputy", "minister"]);
    expect(r.people[0]).toMatchObject({ unit: { id: "VP", name: "Văn phòng Bộ" }, unitRole: UnitRole.UNIT_ROLE_HEAD });
    expect(r.unresolved).toEqual([{ selector: { $case: "personId", value: "nobody" } }]);
  });

  it("finds people by name without diacritics", async () => {
    const d = (await h.as({ sub: "vp-staff" })).directory;
    const r = await d.listPeople({ query: "nguyen van", unitId: "", role: "", includeInactive: false });
    expect(r.people.length).toBeGreaterThan(0);
    expect(r.people.every((p) => p.fullName.startsWith("Nguyễn Văn"))).toBe(true);
    expect(r.people.map((p) => p.fullName)).toContain("Nguyễn Văn Hòa");
  });

  it("lists units with their leaders", async () => {
    const d = (await h.as({ sub: "vp-staff" })).directory;
    const r = await d.listUnits({ page: { pageSize: 50, pageToken: "" } });
    expect(r.units).toHaveLength(17);
    const tccb = r.units.find((u) => u.id === "TCCB");
    expect(tccb).toMatchObject({ name: "Vụ Tổ chức cán bộ", head: { id: "tccb-head" }, deputies: [{ id: "tccb-deputy" }], memberCount: 4 });
  });

  it("answers INVALID_ARGUMENT with a violation per field", async () => {
    const d = (await h.as({ sub: "vp-staff" })).directory;
    const tooMany = await refusal(
      d.resolveRecipients({ selectors: Array.from({ length: 101 }, () => ({ selector: { $case: "role" as const, value: "staff" } })) }),
    );
    expect(tooMany).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["selectors"] });
    const empty = await refusal(d.resolveRecipients({ selectors: [{ selector: { $case: "personId", value: "" } }, {}] }));
    expect(empty.fields).toEqual(["selectors[0]", "selectors[1]"]);
    expect((await refusal(d.listPeople({ query: "x".repeat(201), unitId: "", role: "", includeInactive: false }))).fields).toEqual([
      "query",
    ]);
    const admin = (await h.as({ sub: "admin" })).directory;
    const bad = await refusal(
      admin.upsertPerson({
        requestId: "",
        person: {
          id: "",
          fullName: "",
          position: "",
          unitRole: 0,
          roles: ["emperor"],
          email: "x",
          phone: "",
          locale: "de",
          timeZone: "Nowhere/Here",
          active: true,
          version: 0,
        },
      }),
    );
    expect(bad.fields).toEqual(["person.id", "person.full_name", "person.roles[0]", "person.email", "person.locale", "person.time_zone"]);
    expect((await refusal(d.getPerson({ id: "nobody" }))).code).toBe(status.NOT_FOUND);
  });

  it("imports a file over gRPC; a bad row refuses it with IMPORT_ROWS_INVALID", async () => {
    const admin = (await h.as({ sub: "admin" })).directory;
    const csv = "Mã,Họ và tên,Đơn vị,Quyền\r\nttr-staff-2,Phan Thị Hoài,Thanh tra Bộ,staff\r\nttr-staff-3,,TTR,staff\r\n";
    const dry = await admin.importDirectory({ requestId: "", content: Buffer.from(csv), fileName: "a.csv", dryRun: true });
    expect(dry).toMatchObject({ rows: 2, created: 1, errors: [{ line: 3, column: "Họ và tên" }] });
    const refused = await refusal(admin.importDirectory({ requestId: "", content: Buffer.from(csv), fileName: "a.csv", dryRun: false }));
    expect(refused).toMatchObject({ code: status.INVALID_ARGUMENT, reason: "IMPORT_ROWS_INVALID", fields: ["content"] });
    expect((await refusal(admin.getPerson({ id: "ttr-staff-2" }))).code).toBe(status.NOT_FOUND);
  });
});
