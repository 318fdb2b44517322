/**
 * The minutes and the conclusions at the app layer, against the embedded MongoDB-compatible server:
 * who writes them, in which states, every validation path, numbering, unit names and deadlines as the
 * tasks service will read them.
 */
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewConclusionInput } from "../../src/app/records.js";
import { MAX_CONCLUSION_LENGTH, MAX_CONCLUSIONS, MAX_COORDINATING_UNITS, MAX_MINUTES_LENGTH } from "../../src/domain/limits.js";
import { CHAIR, newApp, OFFICE, OUTSIDER, PARTICIPANT, refusal, SECRETARY, startMongo, stopMongo, violatedFields } from "./fixture.js";

beforeAll(startMongo);
afterAll(stopMongo);

function conclusion(over: Partial<NewConclusionInput> = {}): NewConclusionInput {
  return {
    kind: "information",
    content: "Quý I/2020 hoàn thành 85% nhiệm vụ.",
    leadUnitId: "",
    coordinatingUnitIds: [],
    assignee: "",
    taskKind: "",
    ...over,
  };
}

function directive(over: Partial<NewConclusionInput> = {}): NewConclusionInput {
  return conclusion({ kind: "directive", content: "Hoàn thiện Đề án vị trí việc làm.", leadUnitId: "TCBC", ...over });
}

const date = (value: string): Deadline => ({ spec: { $case: "date", value } });

describe("SetMinutes", () => {
  it("the secretary writes the minutes while the meeting runs and after it ended, line breaks kept; only the version changes", async () => {
    const t = newApp();
    const m = await t.inProgress();
    const { meeting } = await t.records.setMinutes(SECRETARY, t.mutation(m), "  Thời gian: 08:30 ngày 30/03/2020\r\nThành phần: ...  ");
    expect(meeting.minutes).toBe("Thời gian: 08:30 ngày 30/03/2020\nThành phần: ...");
    expect(meeting.version).toBe(m.version + 1);
    expect(meeting.sequence).toBe(m.sequence);
    const ended = await t.meetings.end(OFFICE, t.mutation(meeting));
    expect((await t.records.setMinutes(CHAIR, t.mutation(ended), "Bản cuối")).meeting.minutes).toBe("Bản cuối");
  });

  it("refused once the meeting is concluded (MEETING_CONCLUDED) and before it is held (MEETING_NOT_HELD)", async () => {
    const t = newApp();
    const scheduled = await t.scheduled();
    expect(await refusal(t.records.setMinutes(SECRETARY, t.mutation(scheduled), "Sớm quá"))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_NOT_HELD",
    });
    const ended = await t.meetings.end(OFFICE, t.mutation(await t.meetings.start(OFFICE, t.mutation(scheduled))));
    const concluded = await t.meetings.conclude(OFFICE, t.mutation(ended));
    expect(await refusal(t.records.setMinutes(SECRETARY, t.mutation(concluded), "Muộn quá"))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_CONCLUDED",
    });
    expect((await t.meeting(concluded._id)).minutes).toBe("");
  });

  it("participants may not write them; outsiders find no meeting; at most MAX_MINUTES_LENGTH characters", async () => {
    const t = newApp();
    const m = await t.inProgress();
    expect((await refusal(t.records.setMinutes(PARTICIPANT, t.mutation(m), "Biên bản"))).kind).toBe("PermissionDenied");
    expect((await refusal(t.records.setMinutes(OUTSIDER, t.mutation(m), "Biên bản"))).kind).toBe("NotFound");
    expect(await violatedFields(t.records.setMinutes(SECRETARY, t.mutation(m), "x".repeat(MAX_MINUTES_LENGTH + 1)))).toEqual(["minutes"]);
  });
});

describe("SetConclusions", () => {
  it("numbers the conclusions 1..n in the order given, names the units, keeps the deadline as the tasks service reads it", async () => {
    const t = newApp();
    const m = await t.inProgress();
    const { meeting } = await t.records.setConclusions(CHAIR, t.mutation(m), [
      conclusion(),
      directive({ coordinatingUnitIds: ["CCVC", " PC "], deadline: date("2020-06-30"), assignee: "dv.cuong", taskKind: "de_an" }),
      conclusion({ kind: "decision", content: "Thống nhất lịch giao ban quý II." }),
      directive({ leadUnitId: "CCHC", deadline: { spec: { $case: "quarter", value: { year: 2020, quarter: 2 } } } }),
      directive({ leadUnitId: "VP", deadline: { spec: { $case: "text", value: "Tháng 6/2020" } } }),
    ]);
    expect(meeting.conclusions.map((c) => [c.number, c.kind])).toEqual([
      [1, "information"],
      [2, "directive"],
      [3, "decision"],
      [4, "directive"],
      [5, "directive"],
    ]);
    expect(meeting.conclusions[1]).toEqual({
      number: 2,
      kind: "directive",
      content: "Hoàn thiện Đề án vị trí việc làm.",
      leadUnit: { id: "TCBC", name: "Vụ Tổ chức - Biên chế" },
      coordinatingUnits: [
        { id: "CCVC", name: "Vụ Công chức - Viên chức" },
        { id: "PC", name: "Vụ Pháp chế" },
      ],
      deadline: { date: "2020-06-30" },
      assignee: "dv.cuong",
      taskKind: "de_an",
    });
    expect(Deadline.fromJSON(meeting.conclusions[3].deadline)).toMatchObject({
      spec: { $case: "quarter", value: { year: 2020, quarter: 2 } },
    });
    expect(meeting.conclusions[4].deadline).toEqual({ text: "Tháng 6/2020" });
    expect(meeting.conclusions[0].leadUnit).toBeUndefined();
    expect(meeting.version).toBe(m.version + 1);
    expect(meeting.sequence).toBe(m.sequence);
    // replaced as a whole
    const again = await t.records.setConclusions(CHAIR, t.mutation(meeting), [directive()]);
    expect(again.meeting.conclusions.map((c) => c.number)).toEqual([1]);
  });

  it("names every violation by the request's field path", async () => {
    const t = newApp();
    const m = await t.ended();
    const fields = await violatedFields(
      t.records.setConclusions(OFFICE, t.mutation(m), [
        conclusion({ kind: undefined, content: " " }),
        conclusion({
          content: "c".repeat(MAX_CONCLUSION_LENGTH + 1),
          leadUnitId: "TCBC",
          coordinatingUnitIds: ["PC"],
          deadline: date("2020-06-30"),
        }),
        directive({ leadUnitId: "" }),
        directive({ coordinatingUnitIds: ["TCBC", "PC", "PC", "", "U".repeat(65)] }),
        directive({ coordinatingUnitIds: Array.from({ length: MAX_COORDINATING_UNITS + 1 }, (_, i) => `U${i}`) }),
        directive({ deadline: date("2020-02-30") }),
        directive({ deadline: date("30/06/2020") }),
        directive({ deadline: { spec: { $case: "month", value: { year: 1900, month: 13 } } } }),
        directive({ deadline: { spec: { $case: "quarter", value: { year: 2020, quarter: 5 } } } }),
        directive({ deadline: { spec: { $case: "text", value: " " } } }),
        directive({ assignee: "a".repeat(129), taskKind: "k".repeat(65) }),
        conclusion({ kind: "decision", content: "", deadline: { spec: { $case: "text", value: "Quý II/2020" } } }),
      ]),
    );
    expect(fields).toEqual(
      [
        "conclusions[0].kind",
        "conclusions[0].content",
        "conclusions[1].content",
        "conclusions[1].lead_unit_id",
        "conclusions[1].coordinating_unit_ids",
        "conclusions[1].deadline",
        "conclusions[2].lead_unit_id",
        "conclusions[3].coordinating_unit_ids[0]",
        "conclusions[3].coordinating_unit_ids[2]",
        "conclusions[3].coordinating_unit_ids[3]",
        "conclusions[3].coordinating_unit_ids[4]",
        "conclusions[4].coordinating_unit_ids",
        "conclusions[5].deadline.date",
        "conclusions[6].deadline.date",
        "conclusions[7].deadline.month.year",
        "conclusions[7].deadline.month.month",
        "conclusions[8].deadline.quarter.quarter",
        "conclusions[9].deadline.text",
        "conclusions[10].assignee",
        "conclusions[10].task_kind",
        "conclusions[11].content",
        "conclusions[11].deadline",
      ].sort(),
    );
    expect(
      await violatedFields(
        t.records.setConclusions(
          OFFICE,
          t.mutation(m),
          Array.from({ length: MAX_CONCLUSIONS + 1 }, () => conclusion()),
        ),
      ),
    ).toEqual(["conclusions"]);
    expect((await t.meeting(m._id)).conclusions).toEqual([]);
  });

  it("a participant may not set conclusions (PERMISSION_DENIED); an outsider finds no meeting; a concluded meeting's are final", async () => {
    const t = newApp();
    const m = await t.ended();
    expect((await refusal(t.records.setConclusions(PARTICIPANT, t.mutation(m), [directive()]))).kind).toBe("PermissionDenied");
    expect((await refusal(t.records.setConclusions(OUTSIDER, t.mutation(m), [directive()]))).kind).toBe("NotFound");
    const withConclusions = (await t.records.setConclusions(SECRETARY, t.mutation(m), [directive()])).meeting;
    const concluded = await t.meetings.conclude(OFFICE, t.mutation(withConclusions));
    expect(concluded.conclusions).toHaveLength(1);
    expect(await refusal(t.records.setConclusions(OFFICE, t.mutation(concluded), []))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_CONCLUDED",
    });
  });

  it("each unit is asked of the directory once however often it is named", async () => {
    const t = newApp();
    const m = await t.ended();
    const before = t.directory.lookups;
    await t.records.setConclusions(OFFICE, t.mutation(m), [
      directive({ coordinatingUnitIds: ["PC", "CCVC"] }),
      directive({ leadUnitId: "PC", coordinatingUnitIds: ["TCBC", "CCVC"] }),
    ]);
    expect(t.directory.lookups - before).toBe(3);
  });
});
