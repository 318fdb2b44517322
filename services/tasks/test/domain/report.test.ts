import { describe, expect, it } from "vitest";
import {
  buildReport,
  categorize,
  doneAt,
  reportFromGroups,
  resolveDeadline,
  statusAsOf,
  type CategoryGroup,
  type DeadlineSpec,
  type ReportTask,
  type StatusHistoryEntry,
  type TaskReport,
} from "../../src/domain/index.js";

const Q1: { kind: "quarter"; year: number; quarter: 1 } = { kind: "quarter", year: 2020, quarter: 1 };

function task(id: string, deadline: DeadlineSpec, extra: Partial<ReportTask> = {}): ReportTask {
  return { id, kind: "NGHI_DINH", leadUnit: "PC", deadline: resolveDeadline(deadline), status: "in_progress", ...extra };
}

const day = (date: string): DeadlineSpec => ({ kind: "date", date });

describe("categorize: edges", () => {
  const asOf = new Date("2020-03-30T03:00:00Z"); // 10:00 on 30 March 2020 in Vietnam

  it("completed on the deadline day is on time, also at 23:59 Vietnam time", () => {
    expect(categorize(task("a", day("2020-03-20"), { status: "completed", completedAt: new Date("2020-03-20T02:00:00Z") }), asOf)).toBe(
      "completedOnTime",
    );
    // 23:59 on 20 March in Vietnam = 16:59 UTC.
    expect(categorize(task("b", day("2020-03-20"), { status: "completed", completedAt: new Date("2020-03-20T16:59:00Z") }), asOf)).toBe(
      "completedOnTime",
    );
    expect(categorize(task("c", day("2020-03-20"), { status: "completed", completedAt: new Date("2020-03-20T16:59:59.999Z") }), asOf)).toBe(
      "completedOnTime",
    );
  });

  it("completed a day late is late, and so is one millisecond past midnight in Vietnam", () => {
    expect(categorize(task("a", day("2020-03-20"), { status: "completed", completedAt: new Date("2020-03-21T04:00:00Z") }), asOf)).toBe(
      "completedLate",
    );
    expect(categorize(task("b", day("2020-03-20"), { status: "completed", completedAt: new Date("2020-03-20T17:00:00Z") }), asOf)).toBe(
      "completedLate",
    );
  });

  it("not completed and due tomorrow is within deadline", () => {
    expect(categorize(task("a", day("2020-03-31")), asOf)).toBe("withinDeadline");
  });

  it("not completed and due today is still within deadline until 23:59:59.999 Vietnam time", () => {
    expect(categorize(task("a", day("2020-03-30")), asOf)).toBe("withinDeadline");
    expect(categorize(task("a", day("2020-03-30")), new Date("2020-03-30T16:59:59.999Z"))).toBe("withinDeadline");
  });

  it("deadline passed a minute ago is overdue", () => {
    const deadline = resolveDeadline(day("2020-03-29"));
    const aMinuteLater = new Date(deadline.getTime() + 60_000);
    expect(categorize(task("a", day("2020-03-29")), aMinuteLater)).toBe("overdue");
    expect(categorize(task("a", day("2020-03-29")), asOf)).toBe("overdue");
  });

  it("a task done 2020-03-31T20:00Z is done on 1 April in Vietnam: late for a Q1 deadline", () => {
    const t = task("a", Q1, { status: "completed", completedAt: new Date("2020-03-31T20:00:00Z") });
    expect(categorize(t, new Date("2020-04-05T00:00:00Z"))).toBe("completedLate");
    // The same instant is still 31 March in UTC, but that is not the calendar that counts.
    const t2 = task("b", Q1, { status: "completed", completedAt: new Date("2020-03-31T16:30:00Z") });
    expect(categorize(t2, new Date("2020-04-05T00:00:00Z"))).toBe("completedOnTime");
  });

  it("month deadlines end on the last day of the month in Vietnam (February 2020 has 29 days)", () => {
    const feb = { kind: "month", year: 2020, month: 2 } as const;
    const done = (iso: string) => task("a", feb, { status: "completed", completedAt: new Date(iso) });
    const later = new Date("2020-03-10T00:00:00Z");
    expect(categorize(done("2020-02-29T16:00:00Z"), later)).toBe("completedOnTime"); // 23:00 29 Feb VN
    expect(categorize(done("2020-02-29T17:00:00Z"), later)).toBe("completedLate"); // 00:00 1 Mar VN
    expect(categorize(task("b", feb), new Date("2020-02-29T16:59:59.999Z"))).toBe("withinDeadline");
    expect(categorize(task("b", feb), new Date("2020-02-29T17:00:00Z"))).toBe("overdue");
  });

  it("counts a submitted task as done at submission, whatever the completion date", () => {
    const t = task("a", Q1, {
      status: "completed",
      submittedAt: new Date("2020-03-25T02:00:00Z"),
      completedAt: new Date("2020-05-15T02:00:00Z"),
    });
    expect(doneAt(t)).toEqual(new Date("2020-03-25T02:00:00Z"));
    expect(categorize(t, new Date("2020-06-01T00:00:00Z"))).toBe("completedOnTime");
    expect(
      categorize(task("b", Q1, { status: "submitted", submittedAt: new Date("2020-04-02T02:00:00Z") }), new Date("2020-06-01T00:00:00Z")),
    ).toBe("completedLate");
  });

  it("reads a past moment as it was: something done after the report time is not done yet", () => {
    const t = task("a", Q1, { status: "completed", completedAt: new Date("2020-04-10T02:00:00Z") });
    expect(categorize(t, new Date("2020-03-30T03:00:00Z"))).toBe("withinDeadline");
    expect(categorize(t, new Date("2020-04-05T03:00:00Z"))).toBe("overdue");
    expect(categorize(t, new Date("2020-04-10T02:00:00Z"))).toBe("completedLate");
  });

  it("leaves withdrawn tasks out", () => {
    expect(categorize(task("a", Q1, { status: "withdrawn" }), asOf)).toBeUndefined();
  });
});

describe("buildReport", () => {
  const asOf = new Date("2020-03-30T03:00:00Z");
  const tasks: ReportTask[] = [
    task("n1", day("2020-02-15"), { status: "completed", completedAt: new Date("2020-02-10T02:00:00Z") }), // on time
    task(
      "n2",
      { kind: "month", year: 2020, month: 3 },
      { status: "submitted", submittedAt: new Date("2020-03-28T02:00:00Z"), leadUnit: "TCCB" },
    ), // on time
    task("n3", day("2020-01-31"), { status: "completed", completedAt: new Date("2020-02-03T02:00:00Z"), kind: "THONG_TU" }), // late
    task("o1", day("2020-03-20"), { kind: "DE_AN" }), // overdue
    task("o2", Q1, { kind: "BAO_CAO", leadUnit: "VP" }), // within deadline
    task("o3", day("2020-03-31"), { kind: "KE_HOACH", leadUnit: "VP", status: "not_started" }), // within deadline
    task("w1", day("2020-03-10"), { status: "withdrawn" }), // excluded: withdrawn
    task("x1", day("2019-12-31"), { status: "in_progress" }), // excluded: 2019
    task("x2", day("2020-04-01"), { status: "in_progress" }), // excluded: Q2
    task("u1", day("2020-01-01"), {
      kind: "MYSTERY",
      leadUnit: "TCCB",
      status: "completed",
      completedAt: new Date("2019-12-20T00:00:00Z"),
    }), // other, on time
  ];
  const report = buildReport(tasks, Q1, asOf);

  it("labels the period and keeps its bounds", () => {
    expect(report.label).toEqual({ vi: "Quý I năm 2020", en: "Q1 2020" });
    expect(report.start.toISOString()).toBe("2019-12-31T17:00:00.000Z");
    expect(report.end.toISOString()).toBe("2020-03-31T17:00:00.000Z");
    expect(report.asOf).toEqual(asOf);
  });

  it("totals the categories with id lists and the on-time ratio", () => {
    expect(report.totals).toEqual({
      total: 7,
      completedOnTime: 3,
      completedLate: 1,
      withinDeadline: 2,
      overdue: 1,
      done: 4,
      notDone: 3,
      onTimeRatio: 0.75,
      ids: {
        completedOnTime: ["n1", "n2", "u1"],
        completedLate: ["n3"],
        withinDeadline: ["o2", "o3"],
        overdue: ["o1"],
      },
    });
  });

  it("groups by lead unit, sorted by unit id", () => {
    expect(report.byUnit.map((u) => [u.unit, u.total, u.completedOnTime, u.completedLate, u.withinDeadline, u.overdue])).toEqual([
      ["PC", 3, 1, 1, 0, 1],
      ["TCCB", 2, 2, 0, 0, 0],
      ["VP", 2, 0, 0, 2, 0],
    ]);
    expect(report.byUnit.find((u) => u.unit === "VP")?.onTimeRatio).toBeNull();
    expect(report.byUnit.find((u) => u.unit === "PC")?.onTimeRatio).toBe(0.5);
  });

  it("groups by kind group (VBQPPL vs other; unknown kinds are other) and by kind", () => {
    const { normative, other } = report.byKindGroup;
    expect(normative.ids).toEqual({ completedOnTime: ["n1", "n2"], completedLate: ["n3"], withinDeadline: [], overdue: [] });
    expect(normative.onTimeRatio).toBeCloseTo(2 / 3);
    expect(other.ids).toEqual({ completedOnTime: ["u1"], completedLate: [], withinDeadline: ["o2", "o3"], overdue: ["o1"] });
    expect(other.onTimeRatio).toBe(1);
    expect(report.byKind.map((k) => [k.kind, k.group, k.total])).toEqual([
      ["BAO_CAO", "other", 1],
      ["DE_AN", "other", 1],
      ["KE_HOACH", "other", 1],
      ["MYSTERY", "other", 1],
      ["NGHI_DINH", "normative", 2],
      ["THONG_TU", "normative", 1],
    ]);
  });

  it("groups add up to the totals", () => {
    const sum = (rows: { total: number }[]) => rows.reduce((s, r) => s + r.total, 0);
    expect(sum(report.byUnit)).toBe(report.totals.total);
    expect(sum(report.byKind)).toBe(report.totals.total);
    expect(report.byKindGroup.normative.total + report.byKindGroup.other.total).toBe(report.totals.total);
  });

  it("uses the configured kinds to decide what is normative", () => {
    const r = buildReport(tasks, Q1, asOf, [{ code: "MYSTERY", vi: "?", en: "?", normative: true }]);
    expect(r.byKindGroup.normative.ids.completedOnTime).toEqual(["u1"]);
  });

  it("reports nothing done as a null ratio, and an empty period as zeros", () => {
    const empty = buildReport([], { kind: "month", year: 2020, month: 6 }, asOf);
    expect(empty.totals.total).toBe(0);
    expect(empty.totals.onTimeRatio).toBeNull();
    expect(empty.byUnit).toEqual([]);
    expect(empty.byKind).toEqual([]);
    expect(empty.label).toEqual({ vi: "Tháng 6 năm 2020", en: "June 2020" });
  });

  it("places month deadlines in the right month across the Vietnam day boundary", () => {
    const marchDeadline = task("m3", { kind: "month", year: 2020, month: 3 }); // 2020-03-31T16:59:59.999Z
    const aprilFirst = task("a1", day("2020-04-01")); // 2020-04-01T16:59:59.999Z
    const march = buildReport([marchDeadline, aprilFirst], { kind: "month", year: 2020, month: 3 }, asOf);
    const april = buildReport([marchDeadline, aprilFirst], { kind: "month", year: 2020, month: 4 }, asOf);
    expect(march.totals.ids.withinDeadline).toEqual(["m3"]);
    expect(april.totals.ids.withinDeadline).toEqual(["a1"]);
  });

  it("reproduces the Q1 2020 briefing: nothing overdue, nothing late", () => {
    const programme: ReportTask[] = Array.from({ length: 143 }, (_, i) =>
      task(`t${String(i).padStart(3, "0")}`, i % 4 === 0 ? Q1 : { kind: "quarter", year: 2020, quarter: ((i % 3) + 2) as 2 | 3 | 4 }, {
        kind: i < 32 ? "NGHI_DINH" : "DE_AN",
        status: i % 8 === 0 ? "submitted" : "in_progress",
        ...(i % 8 === 0 ? { submittedAt: new Date("2020-03-25T02:00:00Z") } : {}),
      }),
    );
    const r = buildReport(programme, Q1, asOf);
    expect(r.totals.overdue).toBe(0);
    expect(r.totals.completedLate).toBe(0);
    expect(r.totals.total).toBe(programme.filter((t) => t.deadline.getTime() === resolveDeadline(Q1).getTime()).length);
    const year = buildReport(programme, { kind: "year", year: 2020 }, asOf);
    expect(year.totals.total).toBe(143);
    expect(year.byKindGroup.normative.total).toBe(32);
    expect(year.byKindGroup.other.total).toBe(111);
  });
});

describe("reportFromGroups: the same figures from grouped counts", () => {
  it("equals buildReport (without ids) over many random tasks, as of many moments", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const kinds = ["NGHI_DINH", "THONG_TU", "DE_AN", "BAO_CAO"];
    const units = ["PC", "VP", "TCBC"];
    const tasks: ReportTask[] = [];
    for (let i = 0; i < 400; i++) {
      const day = `2020-${String(1 + Math.floor(random() * 4)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`;
      const deadline = resolveDeadline({ kind: "date", date: day });
      const status = pick(["not_started", "in_progress", "submitted", "completed", "withdrawn"] as const);
      const t: ReportTask & { onTime?: boolean } = { id: `t${i}`, kind: pick(kinds), leadUnit: pick(units), deadline, status };
      if (status === "submitted" || status === "completed" || (status === "withdrawn" && random() < 0.3)) {
        const at = new Date(deadline.getTime() + (random() - 0.6) * 40 * 24 * 3600_000);
        if (status === "completed" && random() < 0.5) t.completedAt = at;
        else t.submittedAt = at;
        t.onTime = at.getTime() <= deadline.getTime();
      }
      tasks.push(t);
    }
    for (const asOf of ["2020-02-15T00:00:00Z", "2020-03-31T16:59:59.999Z", "2020-03-31T17:00:00Z", "2020-05-20T00:00:00Z"].map(
      (d) => new Date(d),
    )) {
      const groups = new Map<string, CategoryGroup>();
      // What the store's $match does: only the tasks due in the period.
      const inQ1 = (t: ReportTask) => t.deadline.getTime() < Date.parse("2020-03-31T17:00:00Z");
      for (const t of (tasks as (ReportTask & { onTime?: boolean })[]).filter(inQ1)) {
        const done = doneAt(t);
        const g = {
          leadUnit: t.leadUnit,
          kind: t.kind,
          status: t.status,
          onTime: t.onTime,
          doneAfterAsOf: done !== undefined && done.getTime() > asOf.getTime(),
          pastDeadline: t.deadline.getTime() < asOf.getTime(),
        };
        const key = JSON.stringify(g);
        const existing = groups.get(key);
        if (existing) existing.count += 1;
        else groups.set(key, { ...g, count: 1 });
      }
      const withoutIds = (r: TaskReport) => JSON.parse(JSON.stringify(r, (k, v) => (k === "ids" ? undefined : v)));
      const expected = buildReport(tasks, Q1, asOf);
      expect(expected.totals.total).toBeGreaterThan(50);
      expect(withoutIds(reportFromGroups(groups.values(), Q1, asOf))).toEqual(withoutIds(expected));
    }
  });
});

describe("statusAsOf: a task's status at a past instant, from its status history", () => {
  const change = (from: StatusHistoryEntry["from"], to: StatusHistoryEntry["to"], at: string): StatusHistoryEntry => ({
    type: "status",
    from,
    to,
    at: new Date(at),
    by: "tester",
  });
  // Created 5 March, started 10 March, submitted 20 April, completed 15 May.
  const created = new Date("2020-03-05T02:00:00Z");
  const history = [
    change("not_started", "in_progress", "2020-03-10T02:00:00Z"),
    change("in_progress", "submitted", "2020-04-20T02:00:00Z"),
    change("submitted", "completed", "2020-05-15T02:00:00Z"),
  ];
  const t = { status: "completed" as const, history, createdAt: created };

  it("is the last status reached at or before the instant, with the instant it was reached", () => {
    expect(statusAsOf(t, new Date("2020-03-30T03:00:00Z"))).toEqual({ status: "in_progress", since: new Date("2020-03-10T02:00:00Z") });
    expect(statusAsOf(t, new Date("2020-04-20T02:00:00Z"))).toEqual({ status: "submitted", since: new Date("2020-04-20T02:00:00Z") });
    expect(statusAsOf(t, new Date("2020-06-30T03:00:00Z"))).toEqual({ status: "completed", since: new Date("2020-05-15T02:00:00Z") });
  });

  it("before any change it is the status the task was created with, since its creation", () => {
    expect(statusAsOf(t, new Date("2020-03-06T00:00:00Z"))).toEqual({ status: "not_started", since: created });
    expect(statusAsOf({ status: "not_started", history: [], createdAt: created }, new Date("2020-03-30T03:00:00Z"))).toEqual({
      status: "not_started",
      since: created,
    });
  });

  it("has no since for a task recorded only after the instant (loaded later, or created later with a past deadline)", () => {
    expect(statusAsOf({ status: "in_progress", history: [history[0]] }, new Date("2020-03-06T00:00:00Z"))).toEqual({
      status: "not_started",
    });
    expect(
      statusAsOf({ status: "not_started", history: [], createdAt: new Date("2026-01-01T00:00:00Z") }, new Date("2020-03-30T03:00:00Z")),
    ).toEqual({ status: "not_started" });
  });

  it("a change recorded late with an earlier instant (a document issued yesterday, reported today) counts from that instant", () => {
    const late = {
      status: "submitted" as const,
      history: [change("not_started", "in_progress", "2020-04-10T02:00:00Z"), change("in_progress", "submitted", "2020-04-09T02:00:00Z")],
    };
    expect(statusAsOf(late, new Date("2020-04-09T12:00:00Z"))).toEqual({ status: "submitted", since: new Date("2020-04-09T02:00:00Z") });
  });

  it("skips deadline changes, which are in the same history", () => {
    const withDeadline = {
      status: "in_progress" as const,
      history: [
        change("not_started", "in_progress", "2020-03-10T02:00:00Z"),
        {
          type: "deadline" as const,
          from: Q1,
          to: { kind: "quarter" as const, year: 2020, quarter: 2 as const },
          fromDeadline: resolveDeadline(Q1),
          toDeadline: resolveDeadline({ kind: "quarter", year: 2020, quarter: 2 }),
          at: new Date("2020-03-20T02:00:00Z"),
          by: "vp-chief",
          reason: "Chờ ý kiến",
          requestId: "r1",
          requestedBy: "pc-staff",
        },
      ],
    };
    expect(statusAsOf(withDeadline, new Date("2020-03-30T03:00:00Z"))).toEqual({
      status: "in_progress",
      since: new Date("2020-03-10T02:00:00Z"),
    });
  });
});
