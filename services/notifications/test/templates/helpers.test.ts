import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatLongDate } from "../../src/templates/format.js";
import { pickLabel, portalLink, registerHelpers } from "../../src/templates/helpers.js";

const VN = "Asia/Ho_Chi_Minh";

describe("date formats", () => {
  it("dd/MM/yyyy and HH:mm dd/MM/yyyy in the zone, zero-padded", () => {
    expect(formatDate(new Date("2020-05-31T16:59:59Z"), VN)).toBe("31/05/2020");
    expect(formatDateTime(new Date("2020-05-31T16:59:59Z"), VN)).toBe("23:59 31/05/2020");
    expect(formatDateTime(new Date("2020-05-31T17:00:00Z"), VN)).toBe("00:00 01/06/2020");
    expect(formatDateTime(new Date("2020-01-04T17:05:00Z"), "UTC")).toBe("17:05 04/01/2020");
  });

  it("long dates in Vietnamese and English", () => {
    const d = new Date("2020-01-04T17:30:00Z");
    expect(formatLongDate(d, "vi", VN)).toBe("ngày 05 tháng 01 năm 2020");
    expect(formatLongDate(d, "en", VN)).toBe("5 January 2020");
    expect(formatLongDate(d, "vi", "UTC")).toBe("ngày 04 tháng 01 năm 2020");
  });

  it("accepts ISO strings; nothing for no date or a bad one", () => {
    expect(formatDate("2020-05-31T16:59:59Z", VN)).toBe("31/05/2020");
    expect(formatDate(undefined, VN)).toBe("");
    expect(formatDate(null, VN)).toBe("");
    expect(formatDate("not a date", VN)).toBe("");
    expect(formatDateTime(new Date(Number.NaN), VN)).toBe("");
  });
});

describe("helpers in templates", () => {
  const hb = Handlebars.create();
  registerHelpers(hb);
  const render = (src: string, data: object, locale: "vi" | "en" = "vi") =>
    hb.compile(src, { noEscape: true })(data, { data: { locale, timeZone: VN, portalUrl: "http://portal" } });

  it("date helpers read the zone and language from the render", () => {
    const at = new Date("2020-01-04T17:30:00Z");
    expect(render("{{date at}} | {{datetime at}} | {{long_date at}}", { at })).toBe(
      "05/01/2020 | 00:30 05/01/2020 | ngày 05 tháng 01 năm 2020",
    );
    expect(render("{{long_date at}}", { at }, "en")).toBe("5 January 2020");
    // inside a block the language and zone still hold
    expect(render("{{#each items}}{{long_date this}};{{/each}}", { items: [at] }, "en")).toBe("5 January 2020;");
  });

  it("pick, days, conditions, default and portal links", () => {
    const label = { vi: "Quý II/2020", en: "Q2 2020" };
    expect(render("{{pick label}}", { label })).toBe("Quý II/2020");
    expect(render("{{pick label}}", { label }, "en")).toBe("Q2 2020");
    expect(render("{{pick label}}", { label: { vi: "Chỉ tiếng Việt", en: "" } }, "en")).toBe("Chỉ tiếng Việt");
    expect(render('{{pick "Có" "Yes"}}', {}, "en")).toBe("Yes");
    expect(render("{{days 1}} {{days 3}}", {}, "en")).toBe("1 day 3 days");
    expect(render("{{days 3}}", {})).toBe("3 ngày");
    expect(render("{{#if (gt n 0)}}late{{else}}today{{/if}}", { n: 0 })).toBe("today");
    expect(render("{{#if (and a (not b))}}yes{{/if}}", { a: 1, b: 0 })).toBe("yes");
    expect(render('{{default note "—"}}', { note: "" })).toBe("—");
    expect(render("{{portal_link link}}", { link: "/tasks/t-1" })).toBe("http://portal/tasks/t-1");
    expect(portalLink("http://portal/", "//evil.example")).toBe("http://portal");
    expect(pickLabel(undefined, "vi")).toBe("");
  });
});
