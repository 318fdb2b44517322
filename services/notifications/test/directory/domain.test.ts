import { FieldChecks } from "@ministry/platform";
import { describe, expect, it } from "vitest";
import { checkPerson, checkUnit, isTimeZone } from "../../src/domain/directory.js";

function person(input: Parameters<typeof checkPerson>[1]) {
  const checks = new FieldChecks();
  const p = checkPerson(checks, input);
  return { p, fields: checks.violations.map((v) => v.field), violations: checks.violations };
}

describe("a person", () => {
  it("is normalised: trimmed, defaults for locale, time zone and unit role, roles once each", () => {
    const { p, fields } = person({ id: " vp-staff ", fullName: "  Nguyễn   Văn Hòa ", unitId: "VP", roles: ["staff", "staff", "clerk"] });
    expect(fields).toEqual([]);
    expect(p).toEqual({
      id: "vp-staff",
      fullName: "Nguyễn Văn Hòa",
      position: "",
      unitId: "VP",
      unitRole: "member",
      roles: ["staff", "clerk"],
      email: "",
      phone: "",
      locale: "vi",
      timeZone: "Asia/Ho_Chi_Minh",
    });
  });

  it("names every wrong field by its proto path", () => {
    const { fields, violations } = person({
      id: "có dấu cách",
      fullName: "",
      position: "x".repeat(201),
      unitId: "VP",
      unitRole: "boss" as never,
      roles: ["staff", "king"],
      email: "not-an-address",
      phone: "1".repeat(33),
      locale: "fr",
      timeZone: "Mars/Olympus_Mons",
    });
    expect(fields).toEqual([
      "person.id",
      "person.full_name",
      "person.position",
      "person.unit_role",
      "person.roles[1]",
      "person.email",
      "person.phone",
      "person.locale",
      "person.time_zone",
    ]);
    expect(violations[0].description).toBe("Chỉ gồm chữ cái không dấu, chữ số và . _ - @ / Only letters, digits and . _ - @");
    expect(violations.every((v) => v.description.includes(" / "))).toBe(true);
  });

  it("accepts the id alphabet and email syntax, refuses a leader without a unit", () => {
    expect(person({ id: "a.b_c-d@e", fullName: "A", email: "a.b@bnv.gov.example" }).fields).toEqual([]);
    expect(person({ id: "x", fullName: "A", unitRole: "head" }).fields).toEqual(["person.unit_role"]);
    expect(person({ id: "x", fullName: "A", email: "a@b" }).fields).toEqual(["person.email"]);
    expect(person({ id: "x".repeat(129), fullName: "A" }).fields).toEqual(["person.id"]);
    expect(person({ id: "x", fullName: "A", roles: Array.from({ length: 17 }, () => "staff") }).fields).toEqual(["person.roles"]);
  });

  it("knows IANA time zones", () => {
    expect(isTimeZone("Asia/Ho_Chi_Minh")).toBe(true);
    expect(isTimeZone("Europe/Paris")).toBe(true);
    expect(isTimeZone("Asia/Saigon_City")).toBe(false);
  });
});

describe("a unit", () => {
  it("needs an id and a name, each within bounds", () => {
    const checks = new FieldChecks();
    expect(checkUnit(checks, { id: " VP ", name: " Văn phòng  Bộ ", nameEn: "Ministry Office" })).toEqual({
      id: "VP",
      name: "Văn phòng Bộ",
      nameEn: "Ministry Office",
    });
    expect(checks.violations).toEqual([]);
    const bad = new FieldChecks();
    checkUnit(bad, { id: "x".repeat(65), name: "", nameEn: "y".repeat(201) });
    expect(bad.violations.map((v) => v.field)).toEqual(["id", "name", "name_en"]);
  });
});
