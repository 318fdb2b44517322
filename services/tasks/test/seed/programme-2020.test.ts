import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TASK_KINDS,
  DEFAULT_UNITS,
  buildReport,
  isNormativeKind,
  periodBounds,
  resolveDeadline,
  type Task,
} from "../../src/domain/index.js";
import { writeProgrammeCsv, type ImportReport, type ImportedTask } from "../../src/import/index.js";
import { PROGRESS_2020_Q1, Q1_2020_AS_OF, SEED_PROGRAMME_ID, buildSeedTasks, loadSeedProgramme, seedTaskId } from "../../src/seed/index.js";

const CSV_PATH = fileURLToPath(new URL("../../src/seed/programme-2020.csv", import.meta.url));
const unitIds = new Set(DEFAULT_UNITS.map((u) => u.id));

/** The authority a legal normative document of each tier goes to. */
const NORMATIVE_AUTHORITY: Record<string, string | undefined> = Object.fromEntries(DEFAULT_TASK_KINDS.map((k) => [k.code, k.authority]));

function quarterOf(deadline: Date): number {
  for (const quarter of [1, 2, 3, 4] as const) {
    const { start, end } = periodBounds({ kind: "quarter", year: 2020, quarter });
    if (deadline >= start && deadline < end) return quarter;
  }
  return 0;
}

let report: ImportReport;
let tasks: ImportedTask[];

beforeAll(async () => {
  report = await loadSeedProgramme();
  tasks = report.rows.flatMap((r) => (r.ok ? [r.task] : []));
});

describe("the 2020 programme (src/seed/programme-2020.csv through the importer)", () => {
  it("has 143 rows, all valid", () => {
    const invalid = report.rows.filter((r) => !r.ok);
    expect(invalid).toEqual([]);
    expect(report).toMatchObject({ valid: 143, invalid: 0 });
    expect(tasks).toHaveLength(143);
    expect(new Set(tasks.map((t) => t.code)).size).toBe(143);
  });

  it("holds 32 legal normative documents and 111 other documents and schemes", () => {
    const normative = tasks.filter((t) => isNormativeKind(t.kindCode, DEFAULT_TASK_KINDS));
    expect(normative).toHaveLength(32);
    expect(tasks.length - normative.length).toBe(111);
    // A realistic mix of tiers.
    const tiers = new Set(normative.map((t) => t.kindCode));
    for (const tier of ["LUAT", "NGHI_DINH", "QD_TTG", "THONG_TU"]) expect(tiers).toContain(tier);
    const others = new Set(tasks.filter((t) => !isNormativeKind(t.kindCode)).map((t) => t.kindCode));
    for (const kind of ["DE_AN", "BAO_CAO", "TO_TRINH", "KE_HOACH", "CHIEN_LUOC"]) expect(others).toContain(kind);
  });

  it("submits every task to an authority that fits its kind", () => {
    for (const t of tasks) {
      expect(t.authority).toBeTruthy();
      const expected = NORMATIVE_AUTHORITY[t.kindCode];
      if (expected) expect([t.code, t.authority]).toEqual([t.code, expected]);
    }
  });

  it("gives every task one known lead unit and known coordinating units other than the lead", () => {
    for (const t of tasks) {
      expect(unitIds.has(t.leadUnit)).toBe(true);
      for (const u of t.coordinatingUnits) expect(unitIds.has(u)).toBe(true);
      expect(t.coordinatingUnits).not.toContain(t.leadUnit);
    }
    expect(tasks.some((t) => t.coordinatingUnits.length > 0)).toBe(true);
    expect(tasks.some((t) => t.coordinatingUnits.length === 0)).toBe(true);
    // Every unit of the ministry leads at least one task.
    expect(new Set(tasks.map((t) => t.leadUnit))).toEqual(unitIds);
  });

  it("has deadlines in 2020, in all four quarters, written as dates, months and quarters", () => {
    const { start, end } = periodBounds({ kind: "year", year: 2020 });
    const quarters = new Map<number, number>();
    for (const t of tasks) {
      const deadline = resolveDeadline(t.deadlineSpec);
      expect(deadline >= start && deadline < end).toBe(true);
      const q = quarterOf(deadline);
      quarters.set(q, (quarters.get(q) ?? 0) + 1);
    }
    expect([...quarters.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(tasks.map((t) => t.deadlineSpec.kind))).toEqual(new Set(["date", "month", "quarter"]));
  });

  it("is written in the importer's canonical form (writing it back gives the same bytes)", async () => {
    const onDisk = new Uint8Array(await readFile(CSV_PATH));
    expect(Buffer.from(writeProgrammeCsv(tasks)).equals(Buffer.from(onDisk))).toBe(true);
  });
});

describe("progress as of the briefing of 30 March 2020", () => {
  let seeded: Task[];
  beforeAll(async () => {
    seeded = await buildSeedTasks();
  });

  const working = (d: Date) => {
    const local = new Date(d.getTime() + 7 * 3600_000);
    const day = local.getUTCDay();
    const ymd = local.toISOString().slice(0, 10);
    return day !== 0 && day !== 6 && !(ymd >= "2020-01-23" && ymd <= "2020-01-29");
  };

  it("names known tasks once each, on working days before the briefing", () => {
    const codes = new Set(tasks.map((t) => t.code));
    const named = PROGRESS_2020_Q1.map((e) => e.code);
    expect(new Set(named).size).toBe(named.length);
    for (const e of PROGRESS_2020_Q1) {
      expect(codes.has(e.code)).toBe(true);
      const times = e.status === "in_progress" ? [e.at] : e.status === "submitted" ? [e.submittedAt] : [e.submittedAt, e.completedAt];
      for (const t of times) {
        expect(t).toMatch(/\+07:00$/);
        const at = new Date(t);
        expect(at.getTime()).toBeLessThanOrEqual(Q1_2020_AS_OF.getTime());
        expect([e.code, t, working(at)]).toEqual([e.code, t, true]);
      }
    }
  });

  it("marks every task due in Q1 submitted or completed on or before its deadline", () => {
    const q1 = tasks.filter((t) => quarterOf(resolveDeadline(t.deadlineSpec)) === 1);
    expect(q1).toHaveLength(34);
    expect(q1.filter((t) => isNormativeKind(t.kindCode))).toHaveLength(4);
    const progress = new Map(PROGRESS_2020_Q1.map((e) => [e.code, e]));
    for (const t of q1) {
      const entry = progress.get(t.code);
      if (!entry || entry.status === "in_progress") throw new Error(`${t.code} is due in Q1 and not done`);
      expect(new Date(entry.submittedAt).getTime()).toBeLessThanOrEqual(resolveDeadline(t.deadlineSpec).getTime());
    }
  });

  it("builds Task aggregates through the domain lifecycle", () => {
    expect(seeded).toHaveLength(143);
    for (const t of seeded) {
      expect(t.programmeId).toBe(SEED_PROGRAMME_ID);
      expect(t.id).toBe(seedTaskId(t.code));
    }
    const byCode = new Map(seeded.map((t) => [t.code, t]));
    expect(byCode.get("QP-21")).toMatchObject({
      status: "completed",
      submittedAt: new Date("2020-01-17T08:30:00Z"),
      completedAt: new Date("2020-03-05T10:00:00Z"),
      onTime: true,
      progress: 100,
    });
    expect(byCode.get("VB-003")).toMatchObject({ status: "submitted", onTime: true });
    expect(byCode.get("QP-01")).toMatchObject({ status: "in_progress", progress: 80 });
    expect(byCode.get("VB-100")).toMatchObject({ status: "not_started", progress: 0 });
    const done = seeded.filter((t) => t.status === "submitted" || t.status === "completed");
    expect(done).toHaveLength(35);
    expect(done.every((t) => t.onTime === true)).toBe(true);
  });

  it("the Q1 2020 report shows every task done on time and none overdue", () => {
    const q1 = buildReport(seeded, { kind: "quarter", year: 2020, quarter: 1 }, Q1_2020_AS_OF);
    expect(q1.label.vi).toBe("Quý I năm 2020");
    expect(q1.totals).toMatchObject({ total: 34, completedOnTime: 34, completedLate: 0, withinDeadline: 0, overdue: 0, onTimeRatio: 1 });
    expect(q1.byKindGroup.normative).toMatchObject({ total: 4, completedOnTime: 4, overdue: 0 });
    expect(q1.byKindGroup.other).toMatchObject({ total: 30, completedOnTime: 30, overdue: 0 });
    expect(q1.byUnit.every((u) => u.overdue === 0 && u.completedLate === 0)).toBe(true);
  });

  it("the year so far has nothing overdue: the rest is within its deadline", () => {
    const year = buildReport(seeded, { kind: "year", year: 2020 }, Q1_2020_AS_OF);
    expect(year.totals).toMatchObject({ total: 143, completedOnTime: 35, completedLate: 0, withinDeadline: 108, overdue: 0 });
    expect(year.totals.ids.completedOnTime).toContain(seedTaskId("VB-091"));
  });
});
