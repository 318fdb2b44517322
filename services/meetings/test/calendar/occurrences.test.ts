import { describe, expect, it } from "vitest";
import { MAX_SERIES_TITLE_LENGTH, occurrenceStarts, occurrenceTitle } from "../../src/app/series.js";
import { MAX_TITLE_LENGTH } from "../../src/domain/limits.js";

/** An instant given as Vietnam's wall clock (UTC+7). */
function vn(iso: string): Date {
  return new Date(`${iso}+07:00`);
}

describe("occurrenceStarts", () => {
  it("monthly keeps the first day of month, clamped to each month's last day (31 Jan → 29 Feb 2020 → 31 Mar)", () => {
    const starts = occurrenceStarts(vn("2020-01-31T08:30:00"), "monthly", 5);
    expect(starts).toEqual([
      vn("2020-01-31T08:30:00"),
      vn("2020-02-29T08:30:00"),
      vn("2020-03-31T08:30:00"),
      vn("2020-04-30T08:30:00"),
      vn("2020-05-31T08:30:00"),
    ]);
  });

  it("monthly in a common year clamps to 28 February", () => {
    expect(occurrenceStarts(vn("2021-01-30T14:00:00"), "monthly", 3)).toEqual([
      vn("2021-01-30T14:00:00"),
      vn("2021-02-28T14:00:00"),
      vn("2021-03-30T14:00:00"),
    ]);
  });

  it("works in Vietnam's calendar: 06:00 on the 1st in Vietnam is the previous day in UTC", () => {
    const first = vn("2020-03-01T06:00:00");
    expect(first.toISOString()).toBe("2020-02-29T23:00:00.000Z");
    expect(occurrenceStarts(first, "monthly", 3)).toEqual([
      vn("2020-03-01T06:00:00"),
      vn("2020-04-01T06:00:00"),
      vn("2020-05-01T06:00:00"),
    ]);
  });

  it("quarterly adds three months across the year's end, same time of day", () => {
    expect(occurrenceStarts(vn("2020-03-30T08:00:00"), "quarterly", 5)).toEqual([
      vn("2020-03-30T08:00:00"),
      vn("2020-06-30T08:00:00"),
      vn("2020-09-30T08:00:00"),
      vn("2020-12-30T08:00:00"),
      vn("2021-03-30T08:00:00"),
    ]);
    expect(occurrenceStarts(vn("2019-11-30T08:00:00"), "quarterly", 2)[1]).toEqual(vn("2020-02-29T08:00:00"));
  });

  it("weekly adds 7 days, across months and years", () => {
    expect(occurrenceStarts(vn("2020-12-21T07:30:00"), "weekly", 4)).toEqual([
      vn("2020-12-21T07:30:00"),
      vn("2020-12-28T07:30:00"),
      vn("2021-01-04T07:30:00"),
      vn("2021-01-11T07:30:00"),
    ]);
  });

  it("keeps seconds and milliseconds and gives exactly `count` starts", () => {
    const starts = occurrenceStarts(new Date("2020-01-15T01:02:03.456Z"), "monthly", 60);
    expect(starts).toHaveLength(60);
    expect(starts[59].toISOString()).toBe("2024-12-15T01:02:03.456Z");
  });
});

describe("occurrenceTitle", () => {
  it("names the month, the quarter or the day in Vietnam's calendar", () => {
    expect(occurrenceTitle("Giao ban Bộ", "monthly", vn("2020-04-01T00:30:00"))).toBe("Giao ban Bộ (tháng 04/2020)");
    expect(occurrenceTitle("Giao ban quý", "quarterly", vn("2020-09-30T08:00:00"))).toBe("Giao ban quý (quý III/2020)");
    expect(occurrenceTitle("Giao ban tuần", "weekly", vn("2021-01-04T07:30:00"))).toBe("Giao ban tuần (04/01/2021)");
  });

  it("leaves room for the period within the meeting title's limit", () => {
    const title = "x".repeat(MAX_SERIES_TITLE_LENGTH);
    for (const f of ["weekly", "monthly", "quarterly"] as const)
      expect(occurrenceTitle(title, f, vn("2020-12-31T08:00:00")).length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
  });
});
