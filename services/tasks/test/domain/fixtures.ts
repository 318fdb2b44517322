import { expect } from "vitest";
import { FailedPrecondition } from "@ministry/platform";
import { validateNewTask, type NewTaskInput, type Task } from "../../src/domain/index.js";

/** A valid new task (Q1 2020 decree for the Government, led by the Legal Department). */
export function newTaskInput(overrides: Partial<NewTaskInput> = {}): NewTaskInput {
  return {
    id: "t-1",
    programmeId: "p-2020",
    code: "NV-001",
    title: "Nghị định quy định về vị trí việc làm",
    kind: "NGHI_DINH",
    authority: "CHINH_PHU",
    leadUnit: "PC",
    coordinatingUnits: ["TCCB", "VP"],
    deadline: "Quý I/2020",
    priority: "high",
    source: { type: "programme", ref: "QĐ 123/QĐ-BNV" },
    ...overrides,
  };
}

export function makeTask(overrides: Partial<NewTaskInput> = {}, patch: Partial<Task> = {}): Task {
  return { ...validateNewTask(newTaskInput(overrides)), ...patch };
}

/** The stable reason of the FailedPrecondition `fn` throws; fails the test when it throws nothing or something else. */
export function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FailedPrecondition);
    return (e as FailedPrecondition).reason;
  }
  throw new Error("expected FailedPrecondition");
}
