/**
 * The tasks service's events, as this service reads them, and who is told of each. The event
 * definitions are this service's own (the contract is the proto, not the tasks service's code), so the
 * two services share nothing but @ministry/proto.
 *
 * | event                              | recipients                                       | category         | critical |
 * |------------------------------------|--------------------------------------------------|------------------|----------|
 * | created, assigned                  | lead unit's head, assignee                       | task_assignment  | no       |
 * | due_soon                           | assignee, lead unit's head                       | task_deadline    | no       |
 * | overdue                            | assignee, lead unit's head, the Office's leaders | task_deadline    | yes      |
 * | deadline_change_requested          | holders of each decider role                     | deadline_request | no       |
 * | deadline_changed                   | requester, lead unit's head                      | deadline_request | no       |
 * | deadline_change_rejected           | requester                                        | deadline_request | no       |
 * | completed, withdrawn               | lead unit's head, assignee                       | task_update      | no       |
 *
 * Whoever caused an event (its actor) is left out of its recipients; the deadline watch's events
 * (due_soon, overdue) have no actor.
 */
import { ENGLISH_MONTHS, QUARTER_NUMERALS, defineEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import {
  TaskAssigned,
  TaskCompleted,
  TaskCreated,
  TaskDeadlineChanged,
  TaskDeadlineChangeRejected,
  TaskDeadlineChangeRequested,
  TaskDueSoon,
  TaskOverdue,
  type TaskSummary,
  TaskWithdrawn,
} from "@ministry/proto/ministry/tasks/v1/events";
import { DeadlineRequestStatus, Priority, TaskSource, TaskStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
import type { Selector } from "../domain/model.js";
import type { NotificationRule, RuleSet, TemplateData } from "./types.js";

const task = { service: "tasks", aggregate: "task" } as const;

/** The tasks service's events this service consumes (subjects `tasks.task.<event>`). */
export const TaskEvents = {
  created: defineEvent({ ...task, event: "created", message: TaskCreated }),
  assigned: defineEvent({ ...task, event: "assigned", message: TaskAssigned }),
  completed: defineEvent({ ...task, event: "completed", message: TaskCompleted }),
  withdrawn: defineEvent({ ...task, event: "withdrawn", message: TaskWithdrawn }),
  dueSoon: defineEvent({ ...task, event: "due_soon", message: TaskDueSoon }),
  overdue: defineEvent({ ...task, event: "overdue", message: TaskOverdue }),
  deadlineChangeRequested: defineEvent({ ...task, event: "deadline_change_requested", message: TaskDeadlineChangeRequested }),
  deadlineChanged: defineEvent({ ...task, event: "deadline_changed", message: TaskDeadlineChanged }),
  deadlineChangeRejected: defineEvent({ ...task, event: "deadline_change_rejected", message: TaskDeadlineChangeRejected }),
};

// ------------------------------------------------------------------------------------------ selectors

function unitHead(t: TaskSummary | undefined): Selector[] {
  const unit = t?.leadUnit?.id?.trim();
  return unit ? [{ kind: "unit_head", value: unit }] : [];
}

function person(id: string | undefined): Selector[] {
  const v = id?.trim();
  return v ? [{ kind: "person", value: v }] : [];
}

function assignee(t: TaskSummary | undefined): Selector[] {
  return person(t?.assignee);
}

/** Each distinct, non-empty role once. */
function roles(names: readonly string[]): Selector[] {
  const distinct = new Set(names.map((r) => r.trim()).filter((r) => r !== ""));
  return [...distinct].map((value) => ({ kind: "role", value }));
}

function actorIdOf(actor: Actor | undefined): string | undefined {
  return actor?.userId?.trim() || undefined;
}

// ----------------------------------------------------------------------------------------------- data

/**
 * How a deadline reads, in both languages. Events carry the tasks service's label; the typed form is
 * the fallback for one without (e.g. an older producer), so a message never shows an empty deadline.
 */
export function deadlineLabel(d: Deadline | undefined): { vi: string; en: string } {
  if (d?.label?.vi || d?.label?.en) return { vi: d.label.vi || d.label.en, en: d.label.en || d.label.vi };
  const spec = d?.spec;
  switch (spec?.$case) {
    case "date": {
      const [y, m, day] = spec.value.split("-");
      return { vi: `${day}/${m}/${y}`, en: spec.value };
    }
    case "month":
      return {
        vi: `Tháng ${spec.value.month}/${spec.value.year}`,
        en: `${ENGLISH_MONTHS[spec.value.month - 1] ?? spec.value.month} ${spec.value.year}`,
      };
    case "quarter":
      return {
        vi: `Quý ${QUARTER_NUMERALS[spec.value.quarter] ?? spec.value.quarter}/${spec.value.year}`,
        en: `Q${spec.value.quarter} ${spec.value.year}`,
      };
    case "text":
      return { vi: spec.value, en: spec.value };
    default:
      return { vi: "", en: "" };
  }
}

/** What every task message shows: the task, its lead unit and deadline, and where it is in the portal. */
function taskData(t: TaskSummary | undefined, actor?: Actor): TemplateData {
  const id = t?.taskId ?? "";
  return {
    task: {
      id,
      code: t?.code ?? "",
      title: t?.title ?? "",
      leadUnitId: t?.leadUnit?.id ?? "",
      leadUnitName: t?.leadUnit?.name || t?.leadUnit?.id || "",
      assignee: t?.assignee ?? "",
      deadline: deadlineLabel(t?.deadline),
      dueAt: t?.deadline?.dueAt ?? null,
      progress: t?.progress ?? 0,
    },
    actorName: actor?.displayName || actor?.userId || "",
    link: `/tasks/${encodeURIComponent(id)}`,
  };
}

function subjectOf(t: TaskSummary | undefined) {
  return { type: "task", id: t?.taskId ?? "" };
}

// ---------------------------------------------------------------------------------------------- rules

type Rule<T> = NotificationRule<T>;

const created: Rule<TaskCreated> = {
  event: TaskEvents.created,
  category: "task_assignment",
  critical: () => false,
  recipients: (e) => [...unitHead(e.task), ...assignee(e.task)],
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({ ...taskData(e.task, e.actor), note: e.note ?? "" }),
};

const assigned: Rule<TaskAssigned> = {
  event: TaskEvents.assigned,
  category: "task_assignment",
  critical: () => false,
  recipients: (e) => [...unitHead(e.task), ...assignee(e.task)],
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({ ...taskData(e.task, e.actor), previousAssignee: e.previousAssignee, previousLeadUnit: e.previousLeadUnit }),
};

const dueSoon: Rule<TaskDueSoon> = {
  event: TaskEvents.dueSoon,
  category: "task_deadline",
  critical: () => false,
  recipients: (e) => [...assignee(e.task), ...unitHead(e.task)],
  actorId: () => undefined,
  subject: (e) => subjectOf(e.task),
  data: (e) => ({ ...taskData(e.task), daysBefore: e.daysBefore, dueAt: e.dueAt ?? e.task?.deadline?.dueAt ?? null }),
};

const overdue: Rule<TaskOverdue> = {
  event: TaskEvents.overdue,
  category: "task_deadline",
  // Cannot be muted: an overdue task is the one thing every leader involved must see.
  critical: () => true,
  recipients: (e, env) => [...assignee(e.task), ...unitHead(e.task), { kind: "unit_leaders", value: env.officeUnitId }],
  actorId: () => undefined,
  subject: (e) => subjectOf(e.task),
  data: (e) => ({ ...taskData(e.task), daysAfter: e.daysAfter, dueAt: e.dueAt ?? e.task?.deadline?.dueAt ?? null }),
};

const deadlineChangeRequested: Rule<TaskDeadlineChangeRequested> = {
  event: TaskEvents.deadlineChangeRequested,
  category: "deadline_request",
  critical: () => false,
  recipients: (e) => roles(e.deciderRoles),
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({
    ...taskData(e.task, e.actor),
    requestId: e.request?.id ?? "",
    currentDeadline: deadlineLabel(e.request?.currentDeadline ?? e.task?.deadline),
    requestedDeadline: deadlineLabel(e.request?.requestedDeadline),
    requestedDueAt: e.request?.requestedDeadline?.dueAt ?? null,
    requestedAt: e.request?.requestedAt ?? null,
    reason: e.request?.reason ?? "",
  }),
};

const deadlineChanged: Rule<TaskDeadlineChanged> = {
  event: TaskEvents.deadlineChanged,
  category: "deadline_request",
  critical: () => false,
  recipients: (e) => [...person(e.requestedBy), ...unitHead(e.task)],
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({
    ...taskData(e.task, e.actor),
    previousDeadline: deadlineLabel(e.previousDeadline),
    previousDueAt: e.previousDeadline?.dueAt ?? null,
    reason: e.reason,
    note: e.decisionNote,
  }),
};

const deadlineChangeRejected: Rule<TaskDeadlineChangeRejected> = {
  event: TaskEvents.deadlineChangeRejected,
  category: "deadline_request",
  critical: () => false,
  recipients: (e) => person(e.requestedBy),
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({
    ...taskData(e.task, e.actor),
    requestedDeadline: deadlineLabel(e.request?.requestedDeadline),
    reason: e.request?.reason ?? "",
    note: e.note || e.request?.note || "",
  }),
};

const completed: Rule<TaskCompleted> = {
  event: TaskEvents.completed,
  category: "task_update",
  critical: () => false,
  recipients: (e) => [...unitHead(e.task), ...assignee(e.task)],
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({ ...taskData(e.task, e.actor), completedAt: e.completedAt ?? null, onTime: e.onTime, note: e.note }),
};

const withdrawn: Rule<TaskWithdrawn> = {
  event: TaskEvents.withdrawn,
  category: "task_update",
  critical: () => false,
  recipients: (e) => [...unitHead(e.task), ...assignee(e.task)],
  actorId: (e) => actorIdOf(e.actor),
  subject: (e) => subjectOf(e.task),
  data: (e) => ({ ...taskData(e.task, e.actor), reason: e.reason }),
};

export const TASK_RULES: RuleSet = {
  producer: "tasks",
  rules: [created, assigned, dueSoon, overdue, deadlineChangeRequested, deadlineChanged, deadlineChangeRejected, completed, withdrawn],
};

// -------------------------------------------------------------------------------------------- samples

/** A task as the seeded 2020 programme has it: what template previews and tests render. */
function sampleTask(over: Partial<TaskSummary> = {}): TaskSummary {
  return {
    taskId: "t-2020-qp-01",
    programmeId: "p-2020",
    code: "QP-01",
    title: "Luật Thanh niên (sửa đổi)",
    kind: "LUAT",
    normative: true,
    authority: "QUOC_HOI",
    leadUnit: { id: "CTTN", name: "Vụ Công tác thanh niên" },
    coordinatingUnits: [
      { id: "PC", name: "Vụ Pháp chế" },
      { id: "VP", name: "Văn phòng Bộ" },
    ],
    assignee: "nguyen.van.an",
    deadline: {
      spec: { $case: "month", value: { year: 2020, month: 5 } },
      dueAt: new Date("2020-05-31T16:59:59.999Z"),
      label: { vi: "Tháng 5/2020", en: "May 2020" },
    },
    status: TaskStatus.TASK_STATUS_IN_PROGRESS,
    priority: Priority.PRIORITY_HIGH,
    source: { type: TaskSource.TASK_SOURCE_PROGRAMME, ref: "p-2020" },
    progress: 40,
    version: 3,
    ...over,
  };
}

const leader: Actor = {
  userId: "tran.thi.binh",
  displayName: "Trần Thị Bình",
  roles: ["unit_head"],
  unit: { id: "CTTN", name: "Vụ Công tác thanh niên" },
};
const office: Actor = {
  userId: "le.van.cuong",
  displayName: "Lê Văn Cường",
  roles: ["office_chief"],
  unit: { id: "VP", name: "Văn phòng Bộ" },
};
const quarterThree: Deadline = {
  spec: { $case: "quarter", value: { year: 2020, quarter: 3 } },
  dueAt: new Date("2020-09-30T16:59:59.999Z"),
  label: { vi: "Quý III/2020", en: "Q3 2020" },
};
const reason = "Chờ ý kiến thẩm định của Bộ Tư pháp về dự thảo Luật Thanh niên (sửa đổi)";

/** One realistic event message per rule's subject (event type). */
export const TASK_SAMPLES: Record<string, unknown> = {
  [TaskEvents.created.subject]: {
    task: sampleTask({ status: TaskStatus.TASK_STATUS_NOT_STARTED, progress: 0, version: 1 }),
    actor: office,
    note: "Trình Chính phủ trước khi trình Quốc hội tại kỳ họp thứ 9",
  } satisfies TaskCreated,
  [TaskEvents.assigned.subject]: {
    task: sampleTask(),
    actor: leader,
    previousAssignee: "pham.thi.dung",
    previousLeadUnit: "CTTN",
  } satisfies TaskAssigned,
  [TaskEvents.dueSoon.subject]: {
    task: sampleTask(),
    daysBefore: 7,
    dueAt: new Date("2020-05-31T16:59:59.999Z"),
  } satisfies TaskDueSoon,
  [TaskEvents.overdue.subject]: {
    task: sampleTask(),
    daysAfter: 3,
    dueAt: new Date("2020-05-31T16:59:59.999Z"),
  } satisfies TaskOverdue,
  [TaskEvents.deadlineChangeRequested.subject]: {
    task: sampleTask(),
    actor: leader,
    request: {
      id: "dcr-1",
      status: DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_PENDING,
      currentDeadline: sampleTask().deadline,
      requestedDeadline: quarterThree,
      reason,
      requestedBy: leader.userId,
      requestedAt: new Date("2020-05-20T02:30:00Z"),
      decidedBy: "",
      decidedAt: undefined,
      note: "",
    },
    deciderRoles: ["minister", "deputy_minister", "office_chief"],
  } satisfies TaskDeadlineChangeRequested,
  [TaskEvents.deadlineChanged.subject]: {
    task: sampleTask({ deadline: quarterThree, version: 4 }),
    actor: office,
    previousDeadline: sampleTask().deadline,
    reason,
    requestedBy: leader.userId,
    decisionNote: "Đồng ý, đề nghị Vụ hoàn thiện hồ sơ trong tháng 9",
    deadlineRequestId: "dcr-1",
  } satisfies TaskDeadlineChanged,
  [TaskEvents.deadlineChangeRejected.subject]: {
    task: sampleTask(),
    actor: office,
    request: {
      id: "dcr-1",
      status: DeadlineRequestStatus.DEADLINE_REQUEST_STATUS_REJECTED,
      currentDeadline: sampleTask().deadline,
      requestedDeadline: quarterThree,
      reason,
      requestedBy: leader.userId,
      requestedAt: new Date("2020-05-20T02:30:00Z"),
      decidedBy: office.userId,
      decidedAt: new Date("2020-05-22T08:00:00Z"),
      note: "Nhiệm vụ đã đăng ký với Chính phủ, không lùi thời hạn",
    },
    note: "Nhiệm vụ đã đăng ký với Chính phủ, không lùi thời hạn",
    requestedBy: leader.userId,
  } satisfies TaskDeadlineChangeRejected,
  [TaskEvents.completed.subject]: {
    task: sampleTask({ status: TaskStatus.TASK_STATUS_COMPLETED, progress: 100, version: 6 }),
    actor: leader,
    completedAt: new Date("2020-05-29T03:15:00Z"),
    onTime: true,
    documentId: "doc-2020-123",
    note: "Đã trình Chính phủ tại Tờ trình số 123/TTr-BNV",
  } satisfies TaskCompleted,
  [TaskEvents.withdrawn.subject]: {
    task: sampleTask({ status: TaskStatus.TASK_STATUS_WITHDRAWN, version: 5 }),
    actor: office,
    reason: "Nhiệm vụ được điều chỉnh sang Chương trình công tác năm 2021",
    approvedBy: "minister",
  } satisfies TaskWithdrawn,
};
