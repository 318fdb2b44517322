import { describe, expect, it } from "vitest";
import { InvalidArgument } from "@ministry/platform";
import {
  allowedTransitions,
  recordProgress,
  requestDeadlineChange,
  transition,
  type Task,
  type TaskStatus,
} from "../../src/domain/index.js";
import { makeTask, reasonOf } from "./fixtures.js";

const at = new Date("2020-03-20T03:00:00Z");
const by = "u-clerk";

function inStatus(status: TaskStatus, authority: string | null = "CHINH_PHU"): Task {
  return makeTask({ authority }, { status });
}

describe("transition: allowed moves", () => {
  it("walks not_started → in_progress → submitted → completed", () => {
    const t0 = makeTask();
    const r1 = transition(t0, "in_progress", { at, by });
    expect(r1.status).toBe("in_progress");
    expect(r1.entry).toEqual({ type: "status", from: "not_started", to: "in_progress", at, by });
    const submittedAt = new Date("2020-03-30T09:00:00Z");
    const r2 = transition(r1.task, "submitted", { at: submittedAt, by });
    expect(r2.task.submittedAt).toEqual(submittedAt);
    expect(r2.task.onTime).toBe(true);
    expect(r2.task.progress).toBe(100);
    const completedAt = new Date("2020-05-10T09:00:00Z");
    const r3 = transition(r2.task, "completed", { at: completedAt, by, reason: "Chính phủ ban hành" });
    expect(r3.task.status).toBe("completed");
    expect(r3.task.completedAt).toEqual(completedAt);
    // On time by submission, even though the Government's decision came after the deadline.
    expect(r3.task.onTime).toBe(true);
    expect(r3.task.history.map((h) => h.type === "status" && `${h.from}>${h.to}`)).toEqual([
      "not_started>in_progress",
      "in_progress>submitted",
      "submitted>completed",
    ]);
    expect(r3.entry.reason).toBe("Chính phủ ban hành");
    expect(r3.task.version).toBe(t0.version);
  });

  it("does not mutate the task it is given", () => {
    const t0 = makeTask();
    const snapshot = structuredClone(t0);
    transition(t0, "submitted", { at, by });
    expect(t0).toEqual(snapshot);
  });

  it("lets a not-started task be submitted straight away, and completed straight away only without an authority", () => {
    expect(transition(inStatus("not_started"), "submitted", { at, by }).status).toBe("submitted");
    expect(() => transition(inStatus("not_started"), "completed", { at, by })).toThrow(
      expect.objectContaining({ reason: "SUBMISSION_REQUIRED" }),
    );
    expect(transition(inStatus("not_started", null), "completed", { at, by }).task.onTime).toBe(true);
  });

  it("lets an in-progress task with no authority complete directly", () => {
    const r = transition(inStatus("in_progress", null), "completed", { at, by });
    expect(r.task.completedAt).toEqual(at);
    expect(r.task.onTime).toBe(true);
    expect(r.task.submittedAt).toBeUndefined();
  });

  it("requires submission before completion for a task going to an authority", () => {
    expect(reasonOf(() => transition(inStatus("in_progress", "THU_TUONG"), "completed", { at, by }))).toBe("SUBMISSION_REQUIRED");
    expect(allowedTransitions(inStatus("in_progress", "THU_TUONG"))).toEqual(["submitted", "withdrawn"]);
    expect(allowedTransitions(inStatus("in_progress", null))).toEqual(["submitted", "completed", "withdrawn"]);
  });

  it("records lateness against the deadline's last instant (Vietnam end of day)", () => {
    const task = inStatus("in_progress"); // deadline Q1 2020 = 2020-03-31T16:59:59.999Z
    expect(transition(task, "submitted", { at: new Date("2020-03-31T16:59:59.999Z"), by }).task.onTime).toBe(true);
    expect(transition(task, "submitted", { at: new Date("2020-03-31T17:00:00.000Z"), by }).task.onTime).toBe(false);
    const late = transition(task, "submitted", { at: new Date("2020-04-02T02:00:00Z"), by }).task;
    expect(late.onTime).toBe(false);
    expect(transition(late, "completed", { at: new Date("2020-04-03T02:00:00Z"), by }).task.onTime).toBe(false);
  });

  it("withdraws from any non-final state with a reason and an approver", () => {
    for (const status of ["not_started", "in_progress", "submitted"] as const) {
      const r = transition(inStatus(status), "withdrawn", { at, by, reason: "Không còn phù hợp", approvedBy: "u-minister" });
      expect(r.task.status).toBe("withdrawn");
      expect(r.task.withdrawal).toEqual({ reason: "Không còn phù hợp", approvedBy: "u-minister", by, at, previousStatus: status });
      expect(r.entry.reason).toBe("Không còn phù hợp");
    }
  });
});

describe("transition: refusals", () => {
  it("refuses any move out of a final state with a stable reason", () => {
    for (const to of ["not_started", "in_progress", "submitted", "completed", "withdrawn"] as const) {
      expect(reasonOf(() => transition(inStatus("completed"), to, { at, by, reason: "x", approvedBy: "y" }))).toBe("TASK_COMPLETED");
      expect(reasonOf(() => transition(inStatus("withdrawn"), to, { at, by, reason: "x", approvedBy: "y" }))).toBe("TASK_WITHDRAWN");
    }
  });

  it.each([
    ["not_started", "not_started"],
    ["in_progress", "not_started"],
    ["in_progress", "in_progress"],
    ["submitted", "not_started"],
    ["submitted", "in_progress"],
    ["submitted", "submitted"],
  ] as const)("refuses %s → %s as ILLEGAL_TRANSITION", (from, to) => {
    expect(reasonOf(() => transition(inStatus(from), to, { at, by }))).toBe("ILLEGAL_TRANSITION");
  });

  it("requires a reason and an approver to withdraw", () => {
    expect(reasonOf(() => transition(inStatus("in_progress"), "withdrawn", { at, by, approvedBy: "u-m" }))).toBe("REASON_REQUIRED");
    expect(reasonOf(() => transition(inStatus("in_progress"), "withdrawn", { at, by, reason: "  ", approvedBy: "u-m" }))).toBe(
      "REASON_REQUIRED",
    );
    expect(reasonOf(() => transition(inStatus("in_progress"), "withdrawn", { at, by, reason: "r" }))).toBe("APPROVER_REQUIRED");
  });

  it("rejects a bad time or a missing actor as InvalidArgument", () => {
    expect(() => transition(inStatus("in_progress"), "submitted", { at: new Date("nope"), by })).toThrow(InvalidArgument);
    expect(() => transition(inStatus("in_progress"), "submitted", { at, by: " " })).toThrow(InvalidArgument);
  });

  it("rejects completion dated before the submission", () => {
    const submitted = transition(inStatus("in_progress"), "submitted", { at, by }).task;
    expect(() => transition(submitted, "completed", { at: new Date(at.getTime() - 1), by })).toThrow(InvalidArgument);
  });
});

describe("transition and pending deadline requests", () => {
  it("cancels a pending deadline request when the task is submitted, completed or withdrawn", () => {
    const { task } = requestDeadlineChange(inStatus("not_started", null), "30/06/2020", "Chờ ý kiến bộ ngành", "u-pc", at);
    for (const [to, extra] of [
      ["submitted", {}],
      ["completed", {}],
      ["withdrawn", { reason: "r", approvedBy: "u-m" }],
    ] as const) {
      const next = transition(task, to, { at, by, ...extra }).task;
      expect(next.deadlineRequests[0].status).toBe("cancelled");
      expect(next.deadlineRequests[0].decidedAt).toEqual(at);
    }
  });

  it("keeps a pending deadline request when work starts", () => {
    const { task } = requestDeadlineChange(inStatus("not_started"), "30/06/2020", "Chờ ý kiến bộ ngành", "u-pc", at);
    expect(transition(task, "in_progress", { at, by }).task.deadlineRequests[0].status).toBe("pending");
  });
});

describe("recordProgress", () => {
  it("moves a not-started task to in_progress on first progress", () => {
    const r = recordProgress(makeTask(), 30, { at, by });
    expect(r.task.status).toBe("in_progress");
    expect(r.task.progress).toBe(30);
    expect(r.entry?.to).toBe("in_progress");
    expect(recordProgress(makeTask(), 0, { at, by }).task.status).toBe("not_started");
    const again = recordProgress(r.task, 60, { at, by });
    expect(again.entry).toBeUndefined();
    expect(again.task.progress).toBe(60);
  });
  it("rejects out-of-range progress and progress on closed tasks", () => {
    expect(() => recordProgress(makeTask(), 101, { at, by })).toThrow(InvalidArgument);
    expect(() => recordProgress(makeTask(), -1, { at, by })).toThrow(InvalidArgument);
    expect(() => recordProgress(makeTask(), 12.5, { at, by })).toThrow(InvalidArgument);
    expect(reasonOf(() => recordProgress(inStatus("submitted"), 50, { at, by }))).toBe("TASK_SUBMITTED");
    expect(reasonOf(() => recordProgress(inStatus("completed"), 50, { at, by }))).toBe("TASK_COMPLETED");
    expect(reasonOf(() => recordProgress(inStatus("withdrawn"), 50, { at, by }))).toBe("TASK_WITHDRAWN");
  });
});
