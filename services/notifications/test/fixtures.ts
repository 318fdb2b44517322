/**
 * Tasks events as the tasks service publishes them, for the notifications service to consume.
 */
import type { TaskSummary } from "@ministry/proto/ministry/tasks/v1/events";
import { Priority, TaskStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
// The service's own definitions of the tasks events (the dev-stack test checks them against the real tasks service).
import { TaskEvents } from "../src/rules/tasks.js";
import { SEED_UNITS } from "../src/seed/people.js";

const UNIT_NAMES = new Map(SEED_UNITS.map((u) => [u.id, u.name]));

let counter = 0;

export function taskSummary(overrides: Partial<TaskSummary> & { unit?: string } = {}): TaskSummary {
  counter += 1;
  const unit = overrides.unit ?? "PC";
  const { unit: _unit, ...rest } = overrides;
  return {
    taskId: `bnv-2020-t${counter}`,
    programmeId: "bnv-2020",
    code: `VB-${String(counter).padStart(3, "0")}`,
    title: `Đề án thí điểm số ${counter} về cải cách hành chính`,
    kind: "DE_AN",
    normative: false,
    authority: "MINISTER",
    leadUnit: { id: unit, name: UNIT_NAMES.get(unit) ?? unit },
    coordinatingUnits: [],
    assignee: "",
    deadline: {
      spec: { $case: "date", value: "2020-06-30" },
      dueAt: new Date("2020-06-30T16:59:59.999Z"),
      label: { vi: "30/06/2020", en: "30 Jun 2020" },
    },
    status: TaskStatus.TASK_STATUS_IN_PROGRESS,
    priority: Priority.PRIORITY_NORMAL,
    source: undefined,
    progress: 0,
    version: 1,
    ...rest,
  };
}

export const officeChief = {
  userId: "vp-head",
  displayName: "Chánh Văn phòng",
  roles: ["office_chief"],
  unit: { id: "VP", name: "Văn phòng Bộ" },
};

export function assigned(summary: TaskSummary) {
  return TaskEvents.assigned.of(summary.taskId, { task: summary, actor: officeChief, previousAssignee: "", previousLeadUnit: "" });
}

export function overdue(summary: TaskSummary) {
  return TaskEvents.overdue.of(summary.taskId, { task: summary, daysAfter: 0, dueAt: summary.deadline?.dueAt });
}

export function completed(summary: TaskSummary) {
  return TaskEvents.completed.of(summary.taskId, {
    task: { ...summary, status: TaskStatus.TASK_STATUS_COMPLETED, progress: 100 },
    actor: officeChief,
    completedAt: new Date("2020-03-30T03:00:00Z"),
    onTime: true,
    documentId: "",
    note: "",
  });
}
