import { describe, expect, it } from "vitest";
import { InvalidArgument } from "@ministry/platform";
import {
  DEFAULT_TASK_KINDS,
  DEFAULT_UNITS,
  isNormativeKind,
  isSubmittedToAuthority,
  validateNewTask,
  type NewTaskInput,
} from "../../src/domain/index.js";
import { newTaskInput } from "./fixtures.js";

function violations(input: NewTaskInput, vocab = { kinds: DEFAULT_TASK_KINDS, units: DEFAULT_UNITS }) {
  try {
    validateNewTask(input, vocab);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    return (e as InvalidArgument).violations;
  }
  throw new Error("expected InvalidArgument");
}

describe("validateNewTask", () => {
  it("returns a normalized not-started task", () => {
    const task = validateNewTask(
      newTaskInput({ title: "  Nghị định   quy định\tvề vị trí việc làm ", assignee: " u-7 ", coordinatingUnits: ["TCCB", "VP", "TCCB"] }),
      { kinds: DEFAULT_TASK_KINDS, units: DEFAULT_UNITS },
    );
    expect(task).toEqual({
      id: "t-1",
      programmeId: "p-2020",
      code: "NV-001",
      title: "Nghị định quy định về vị trí việc làm",
      kind: "NGHI_DINH",
      authority: "CHINH_PHU",
      leadUnit: "PC",
      coordinatingUnits: ["TCCB", "VP"],
      assignee: "u-7",
      deadline: new Date("2020-03-31T16:59:59.999Z"),
      deadlineSpec: { kind: "quarter", year: 2020, quarter: 1 },
      priority: "high",
      source: { type: "programme", ref: "QĐ 123/QĐ-BNV" },
      documentLinks: [],
      status: "not_started",
      progress: 0,
      deadlineRequests: [],
      history: [],
      version: 0,
    });
  });

  it("normalizes the title to NFC", () => {
    const task = validateNewTask(newTaskInput({ title: "Đề án".normalize("NFD") }));
    expect(task.title).toBe("Đề án".normalize("NFC"));
  });

  it("applies defaults: priority normal, source programme, code = id, no authority", () => {
    const task = validateNewTask(
      newTaskInput({ priority: undefined, source: undefined, code: undefined, authority: undefined, coordinatingUnits: undefined }),
    );
    expect(task.priority).toBe("normal");
    expect(task.source).toEqual({ type: "programme" });
    expect(task.code).toBe("t-1");
    expect(task.authority).toBeNull();
    expect(task.coordinatingUnits).toEqual([]);
    expect("assignee" in task).toBe(false);
    expect(validateNewTask(newTaskInput({ authority: "" })).authority).toBeNull();
    expect(validateNewTask(newTaskInput({ authority: null })).authority).toBeNull();
  });

  it("accepts a deadline spec as well as text", () => {
    const task = validateNewTask(newTaskInput({ deadline: { kind: "date", date: "2020-06-30" } }));
    expect(task.deadline.toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(validateNewTask(newTaskInput({ deadline: "Tháng 6/2020" })).deadlineSpec).toEqual({ kind: "month", year: 2020, month: 6 });
  });

  it("accepts a one-element lead unit array", () => {
    expect(validateNewTask(newTaskInput({ leadUnit: ["PC"] })).leadUnit).toBe("PC");
    expect(validateNewTask(newTaskInput({ leadUnit: ["PC", "PC"] })).leadUnit).toBe("PC");
  });

  it("keeps document links, dropping duplicates", () => {
    const task = validateNewTask(
      newTaskInput({
        documentLinks: [
          { documentId: "d-1", relation: "directive", number: "05/CT-TTg" },
          { documentId: "d-1", relation: "directive" },
          { documentId: "d-2", relation: "draft", number: null },
        ],
      }),
    );
    expect(task.documentLinks).toEqual([
      { documentId: "d-1", relation: "directive", number: "05/CT-TTg" },
      { documentId: "d-2", relation: "draft" },
    ]);
  });

  it("reports every violation at once", () => {
    const v = violations({
      id: "",
      programmeId: " ",
      title: "",
      kind: "NOPE",
      authority: "UBND",
      leadUnit: "XYZ",
      coordinatingUnits: ["ABC", ""],
      deadline: "31/02/2020",
      priority: "critical",
      source: { type: "rumour" },
      documentLinks: [{ documentId: "", relation: "copy" }],
    });
    expect(v.map((x) => x.field)).toEqual([
      "id",
      "programme_id",
      "title",
      "kind",
      "authority",
      "lead_unit",
      "coordinating_units[0]",
      "coordinating_units[1]",
      "deadline",
      "priority",
      "source.type",
      "document_links[0].document_id",
      "document_links[0].relation",
    ]);
    for (const x of v) expect(x.description).toMatch(/ \/ /);
  });

  it("limits the title to 500 characters (counted as code points)", () => {
    expect(() => validateNewTask(newTaskInput({ title: "đ".repeat(500) }))).not.toThrow();
    expect(violations(newTaskInput({ title: "a".repeat(501) }))).toEqual([
      { field: "title", description: "Tên nhiệm vụ dài quá 500 ký tự / Title is longer than 500 characters" },
    ]);
    expect(violations(newTaskInput({ title: "   " }))[0].field).toBe("title");
  });

  it("requires exactly one lead unit", () => {
    expect(violations(newTaskInput({ leadUnit: [] }))[0].description).toContain("Lead unit is required");
    expect(violations(newTaskInput({ leadUnit: "" }))[0].description).toContain("Lead unit is required");
    expect(violations(newTaskInput({ leadUnit: ["PC", "VP"] }))[0].description).toContain("exactly one lead unit");
    expect(violations(newTaskInput({ leadUnit: "ZZ" }))[0].description).toContain('No such unit: "ZZ"');
  });

  it("rejects a coordinating unit that is the lead unit or unknown", () => {
    const v = violations(newTaskInput({ coordinatingUnits: ["VP", "PC", "NOPE"] }));
    expect(v).toEqual([
      { field: "coordinating_units[1]", description: expect.stringContaining("The lead unit cannot also coordinate") },
      { field: "coordinating_units[2]", description: expect.stringContaining('No such unit: "NOPE"') },
    ]);
  });

  it("rejects missing and malformed deadlines", () => {
    expect(violations(newTaskInput({ deadline: undefined as unknown as string }))).toEqual([
      { field: "deadline", description: "Thiếu thời hạn / Deadline is required" },
    ]);
    expect(violations(newTaskInput({ deadline: "sớm" }))[0].field).toBe("deadline");
    expect(violations(newTaskInput({ deadline: { kind: "month", year: 2020, month: 13 } }))[0].field).toBe("deadline");
  });

  it("uses the configured vocabulary, not the defaults", () => {
    const vocab = { kinds: [{ code: "X", vi: "X", en: "X", normative: false }], units: [{ id: "U1", vi: "U1", en: "U1" }] };
    const task = validateNewTask(newTaskInput({ kind: "X", leadUnit: "U1", coordinatingUnits: [] }), vocab);
    expect(task.kind).toBe("X");
    expect(violations(newTaskInput(), vocab).map((x) => x.field)).toEqual([
      "kind",
      "lead_unit",
      "coordinating_units[0]",
      "coordinating_units[1]",
    ]);
  });
});

describe("kind and authority helpers", () => {
  it("tells VBQPPL kinds from other documents", () => {
    expect(isNormativeKind("NGHI_DINH")).toBe(true);
    expect(isNormativeKind("THONG_TU")).toBe(true);
    expect(isNormativeKind("DE_AN")).toBe(false);
    expect(isNormativeKind("UNKNOWN")).toBe(false);
  });
  it("knows whether a task goes to an authority", () => {
    expect(isSubmittedToAuthority({ authority: "THU_TUONG" })).toBe(true);
    expect(isSubmittedToAuthority({ authority: null })).toBe(false);
  });
});
