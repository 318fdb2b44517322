import { describe, expect, it } from "vitest";
import { InvalidArgument } from "@ministry/platform";
import {
  assertDeadlineSpec,
  deadlineLabel,
  formatVietnamDate,
  isWithin,
  parseDeadlineText,
  periodBounds,
  periodLabel,
  resolveDeadline,
  vietnamDay,
  type DeadlineSpec,
} from "../../src/domain/deadline.js";

function violation(fn: () => unknown): { field: string; description: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    const v = (e as InvalidArgument).violations;
    expect(v).toHaveLength(1);
    return v[0];
  }
  throw new Error("expected InvalidArgument");
}

describe("parseDeadlineText", () => {
  const cases: Array<[string, DeadlineSpec]> = [
    ["30/06/2020", { kind: "date", date: "2020-06-30" }],
    ["30/6/2020", { kind: "date", date: "2020-06-30" }],
    ["1/1/2021", { kind: "date", date: "2021-01-01" }],
    ["30.06.2020", { kind: "date", date: "2020-06-30" }],
    ["30-06-2020", { kind: "date", date: "2020-06-30" }],
    ["2020-06-30", { kind: "date", date: "2020-06-30" }],
    ["29/02/2020", { kind: "date", date: "2020-02-29" }],
    ["  30/06/2020 ", { kind: "date", date: "2020-06-30" }],
    ["Tháng 6/2020", { kind: "month", year: 2020, month: 6 }],
    ["tháng 6 năm 2020", { kind: "month", year: 2020, month: 6 }],
    ["THÁNG 12 NĂM 2020", { kind: "month", year: 2020, month: 12 }],
    ["Tháng 6, năm 2020", { kind: "month", year: 2020, month: 6 }],
    ["Thang 6/2020", { kind: "month", year: 2020, month: 6 }],
    ["thang 06 nam 2020", { kind: "month", year: 2020, month: 6 }],
    ["T6/2020", { kind: "month", year: 2020, month: 6 }],
    ["06/2020", { kind: "month", year: 2020, month: 6 }],
    ["6/2020", { kind: "month", year: 2020, month: 6 }],
    ["Quý II/2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["Quý 2/2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["quý II năm 2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["Q2/2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["Q2 2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["q2 2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["Quy II/2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["Quí II/2020", { kind: "quarter", year: 2020, quarter: 2 }],
    ["Quý I/2020", { kind: "quarter", year: 2020, quarter: 1 }],
    ["Quý III/2020", { kind: "quarter", year: 2020, quarter: 3 }],
    ["Quý IV năm 2020", { kind: "quarter", year: 2020, quarter: 4 }],
    ["quý iv/2020", { kind: "quarter", year: 2020, quarter: 4 }],
    ["Quý  II / 2020", { kind: "quarter", year: 2020, quarter: 2 }],
  ];
  it.each(cases)("parses %j", (text, spec) => {
    expect(parseDeadlineText(text)).toEqual(spec);
  });

  it("accepts decomposed (NFD) Vietnamese input", () => {
    expect(parseDeadlineText("Quý II/2020".normalize("NFD"))).toEqual({ kind: "quarter", year: 2020, quarter: 2 });
    expect(parseDeadlineText("tháng 6 năm 2020".normalize("NFD"))).toEqual({ kind: "month", year: 2020, month: 6 });
  });

  it.each(["31/02/2020", "29/02/2021", "31/04/2020", "0/1/2020", "32/01/2020", "15/13/2020", "2020-02-30", "2020-13-01"])(
    "rejects the impossible date %j",
    (text) => {
      const v = violation(() => parseDeadlineText(text));
      expect(v.field).toBe("deadline");
      expect(v.description).toContain("Ngày không tồn tại");
      expect(v.description).toContain(" / No such date");
    },
  );

  it.each(["13/2020", "0/2020", "Tháng 13/2020"])("rejects the impossible month %j", (text) => {
    expect(violation(() => parseDeadlineText(text)).description).toContain(" / No such month");
  });

  it.each([
    "",
    "   ",
    "soon",
    "Quý V/2020",
    "Q5/2020",
    "Q0 2020",
    "Quý 2",
    "2020",
    "30/06/20",
    "30/06",
    "Q22020",
    "tuần 3/2020",
    "Quý II/2020 và Quý III/2020",
  ])("rejects %j with a bilingual description", (text) => {
    const v = violation(() => parseDeadlineText(text, "rows[3].deadline"));
    expect(v.field).toBe("rows[3].deadline");
    expect(v.description).toMatch(/^.+ \/ .+$/);
  });

  it("rejects years outside the accepted range", () => {
    expect(violation(() => parseDeadlineText("30/06/1900")).description).toContain("Year out of range");
    expect(violation(() => parseDeadlineText("Q1/2200")).description).toContain("Year out of range");
  });

  it("rejects non-string input without crashing", () => {
    expect(() => parseDeadlineText(undefined as unknown as string)).toThrow(InvalidArgument);
  });
});

describe("resolveDeadline", () => {
  it("ends a quarter at 23:59:59.999 Vietnam time on its last day", () => {
    expect(resolveDeadline({ kind: "quarter", year: 2020, quarter: 1 }).toISOString()).toBe("2020-03-31T16:59:59.999Z");
    expect(resolveDeadline({ kind: "quarter", year: 2020, quarter: 2 }).toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(resolveDeadline({ kind: "quarter", year: 2020, quarter: 3 }).toISOString()).toBe("2020-09-30T16:59:59.999Z");
    expect(resolveDeadline({ kind: "quarter", year: 2020, quarter: 4 }).toISOString()).toBe("2020-12-31T16:59:59.999Z");
  });
  it("ends a month on its last day, leap years included", () => {
    expect(resolveDeadline({ kind: "month", year: 2020, month: 2 }).toISOString()).toBe("2020-02-29T16:59:59.999Z");
    expect(resolveDeadline({ kind: "month", year: 2021, month: 2 }).toISOString()).toBe("2021-02-28T16:59:59.999Z");
    expect(resolveDeadline({ kind: "month", year: 2020, month: 12 }).toISOString()).toBe("2020-12-31T16:59:59.999Z");
  });
  it("ends a date at the end of that day in Vietnam", () => {
    expect(resolveDeadline({ kind: "date", date: "2020-06-30" }).toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(resolveDeadline(parseDeadlineText("01/01/2021")).toISOString()).toBe("2021-01-01T16:59:59.999Z");
  });
  it("rejects malformed specs", () => {
    expect(() => resolveDeadline({ kind: "date", date: "2020-02-30" })).toThrow(InvalidArgument);
    expect(() => resolveDeadline({ kind: "date", date: "30/06/2020" })).toThrow(InvalidArgument);
    expect(() => resolveDeadline({ kind: "month", year: 2020, month: 0 })).toThrow(InvalidArgument);
    expect(() => resolveDeadline({ kind: "month", year: 2020.5, month: 1 })).toThrow(InvalidArgument);
    expect(() => resolveDeadline({ kind: "quarter", year: 2020, quarter: 5 as 4 })).toThrow(InvalidArgument);
    expect(() => assertDeadlineSpec({ kind: "week" } as unknown as DeadlineSpec)).toThrow(InvalidArgument);
  });
});

describe("Vietnam calendar days", () => {
  it("moves to the next day at 17:00 UTC", () => {
    expect(vietnamDay(new Date("2020-03-31T16:59:59.999Z"))).toBe("2020-03-31");
    expect(vietnamDay(new Date("2020-03-31T17:00:00.000Z"))).toBe("2020-04-01");
    expect(vietnamDay(new Date("2020-03-31T20:00:00Z"))).toBe("2020-04-01");
    expect(vietnamDay(new Date("2020-12-31T17:00:00Z"))).toBe("2021-01-01");
    expect(formatVietnamDate(new Date("2020-03-31T20:00:00Z"))).toBe("01/04/2020");
    expect(formatVietnamDate(new Date("2020-06-29T17:00:00Z"))).toBe("30/06/2020");
  });

  it("agrees with Intl Asia/Ho_Chi_Minh since 1976 (fixed +07:00 offset holds)", () => {
    const intl = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Ho_Chi_Minh",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    // Instants near the day boundary, every ~37 days from 1976 to 2040.
    for (let t = Date.UTC(1976, 0, 1, 16, 59); t < Date.UTC(2040, 0, 1); t += 37 * 86_400_000 + 60_000) {
      for (const d of [new Date(t), new Date(t + 60_000 * 1), new Date(t + 3_600_000 * 5)]) {
        expect(vietnamDay(d)).toBe(intl.format(d));
      }
    }
  });
});

describe("periods", () => {
  it("bounds a quarter from its first Vietnam midnight to the next quarter's", () => {
    const { start, end } = periodBounds({ kind: "quarter", year: 2020, quarter: 1 });
    expect(start.toISOString()).toBe("2019-12-31T17:00:00.000Z");
    expect(end.toISOString()).toBe("2020-03-31T17:00:00.000Z");
    const q4 = periodBounds({ kind: "quarter", year: 2020, quarter: 4 });
    expect(q4.start.toISOString()).toBe("2020-09-30T17:00:00.000Z");
    expect(q4.end.toISOString()).toBe("2020-12-31T17:00:00.000Z");
  });
  it("bounds months (December rolls over) and years", () => {
    const dec = periodBounds({ kind: "month", year: 2020, month: 12 });
    expect(dec.start.toISOString()).toBe("2020-11-30T17:00:00.000Z");
    expect(dec.end.toISOString()).toBe("2020-12-31T17:00:00.000Z");
    const y = periodBounds({ kind: "year", year: 2020 });
    expect(y.start.toISOString()).toBe("2019-12-31T17:00:00.000Z");
    expect(y.end.toISOString()).toBe("2020-12-31T17:00:00.000Z");
  });
  it("contains the deadline instant of every spec inside it", () => {
    const q1 = { kind: "quarter", year: 2020, quarter: 1 } as const;
    expect(isWithin(resolveDeadline({ kind: "quarter", year: 2020, quarter: 1 }), q1)).toBe(true);
    expect(isWithin(resolveDeadline({ kind: "month", year: 2020, month: 3 }), q1)).toBe(true);
    expect(isWithin(resolveDeadline({ kind: "date", date: "2020-01-01" }), q1)).toBe(true);
    expect(isWithin(resolveDeadline({ kind: "date", date: "2020-04-01" }), q1)).toBe(false);
    expect(isWithin(resolveDeadline({ kind: "date", date: "2019-12-31" }), q1)).toBe(false);
  });
  it("labels periods and deadlines in both languages", () => {
    expect(periodLabel({ kind: "quarter", year: 2020, quarter: 1 }, "vi")).toBe("Quý I năm 2020");
    expect(periodLabel({ kind: "quarter", year: 2020, quarter: 1 }, "en")).toBe("Q1 2020");
    expect(periodLabel({ kind: "quarter", year: 2020, quarter: 4 }, "vi")).toBe("Quý IV năm 2020");
    expect(periodLabel({ kind: "month", year: 2020, month: 6 }, "vi")).toBe("Tháng 6 năm 2020");
    expect(periodLabel({ kind: "month", year: 2020, month: 6 }, "en")).toBe("June 2020");
    expect(periodLabel({ kind: "year", year: 2020 }, "vi")).toBe("Năm 2020");
    expect(periodLabel({ kind: "year", year: 2020 }, "en")).toBe("2020");
    expect(deadlineLabel({ kind: "date", date: "2020-06-30" }, "vi")).toBe("30/06/2020");
    expect(deadlineLabel({ kind: "month", year: 2020, month: 6 }, "vi")).toBe("Tháng 6/2020");
    expect(deadlineLabel({ kind: "quarter", year: 2020, quarter: 2 }, "vi")).toBe("Quý II/2020");
    expect(deadlineLabel({ kind: "quarter", year: 2020, quarter: 2 }, "en")).toBe("Q2 2020");
  });
  it("round-trips labels through the parser", () => {
    for (const spec of [
      { kind: "date", date: "2020-06-30" },
      { kind: "month", year: 2020, month: 6 },
      { kind: "quarter", year: 2020, quarter: 3 },
    ] as DeadlineSpec[]) {
      expect(parseDeadlineText(deadlineLabel(spec, "vi"))).toEqual(spec);
      if (spec.kind !== "month") expect(parseDeadlineText(deadlineLabel(spec, "en"))).toEqual(spec);
    }
  });
});
