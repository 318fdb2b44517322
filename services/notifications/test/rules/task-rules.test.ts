import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type {
  TaskCreated,
  TaskDeadlineChanged,
  TaskDeadlineChangeRejected,
  TaskDeadlineChangeRequested,
  TaskOverdue,
  TaskSummary,
} from "@ministry/proto/ministry/tasks/v1/events";
import { describe, expect, it } from "vitest";
import { CATEGORIES, categoryById, RULE_SETS, ruleFor, sampleFor } from "../../src/rules/index.js";
import { deadlineLabel, TASK_RULES, TASK_SAMPLES } from "../../src/rules/tasks.js";
import type { NotificationRule } from "../../src/rules/types.js";

const env = { officeUnitId: "VP" };

const EVENT_TYPES = [
  "tasks.task.created",
  "tasks.task.assigned",
  "tasks.task.due_soon",
  "tasks.task.overdue",
  "tasks.task.deadline_change_requested",
  "tasks.task.deadline_changed",
  "tasks.task.deadline_change_rejected",
  "tasks.task.completed",
  "tasks.task.withdrawn",
];

function rule<T>(type: string): NotificationRule<T> {
  const r = ruleFor(type);
  if (!r) throw new Error(`no rule for ${type}`);
  return r as NotificationRule<T>;
}

function sample<T>(type: string): T {
  return structuredClone(sampleFor(type)) as T;
}

describe("the tasks rules table", () => {
  it("has a rule and a sample for every event the brief lists, and nothing else", () => {
    expect(TASK_RULES.producer).toBe("tasks");
    expect(TASK_RULES.rules.map((r) => r.event.subject).sort()).toEqual([...EVENT_TYPES].sort());
    expect(Object.keys(TASK_SAMPLES).sort()).toEqual([...EVENT_TYPES].sort());
    expect(RULE_SETS).toContain(TASK_RULES);
    expect(ruleFor("tasks.task.progressed")).toBeUndefined();
    expect(sampleFor("tasks.task.progressed")).toBeUndefined();
  });

  it("names only categories that exist", () => {
    for (const r of TASK_RULES.rules) expect(categoryById(r.category), r.event.subject).toBeDefined();
    expect(CATEGORIES.map((c) => c.id)).toEqual(["task_assignment", "task_deadline", "deadline_request", "task_update", "meeting"]);
    expect(categoryById("task_deadline")).toMatchObject({
      hasCritical: true,
      defaultEmailMode: "immediate",
      name: { vi: "Thời hạn nhiệm vụ" },
    });
    expect(categoryById("task_update")?.defaultEmailMode).toBe("digest");
    expect(categoryById("nope")).toBeUndefined();
  });

  it("gives each event its category", () => {
    const categories = Object.fromEntries(EVENT_TYPES.map((t) => [t, rule(t).category]));
    expect(categories).toEqual({
      "tasks.task.created": "task_assignment",
      "tasks.task.assigned": "task_assignment",
      "tasks.task.due_soon": "task_deadline",
      "tasks.task.overdue": "task_deadline",
      "tasks.task.deadline_change_requested": "deadline_request",
      "tasks.task.deadline_changed": "deadline_request",
      "tasks.task.deadline_change_rejected": "deadline_request",
      "tasks.task.completed": "task_update",
      "tasks.task.withdrawn": "task_update",
    });
  });

  it("makes only overdue critical", () => {
    const critical = EVENT_TYPES.filter((t) => rule(t).critical(sample(t), new Date("2020-03-30T03:00:00Z")));
    expect(critical).toEqual(["tasks.task.overdue"]);
  });

  it("samples are valid messages of their event type (they survive the protobuf round trip)", () => {
    for (const r of TASK_RULES.rules) {
      const s = sampleFor(r.event.subject);
      const bytes = r.event.codec.encode(s).finish();
      expect(r.event.codec.decode(bytes), r.event.subject).toEqual(s);
    }
  });

  it("every event is about its task", () => {
    for (const t of EVENT_TYPES) expect(rule(t).subject(sample(t)), t).toEqual({ type: "task", id: "t-2020-qp-01" });
  });
});

describe("recipients", () => {
  it("created and assigned: the lead unit's head and the assignee; the actor left out", () => {
    for (const t of ["tasks.task.created", "tasks.task.assigned"]) {
      const e = sample<TaskCreated>(t);
      expect(rule(t).recipients(e, env), t).toEqual([
        { kind: "unit_head", value: "CTTN" },
        { kind: "person", value: "nguyen.van.an" },
      ]);
      expect(rule(t).actorId(e)).toBe((e.actor as Actor).userId);
    }
  });

  it("created without an assignee: no person selector", () => {
    const e = sample<TaskCreated>("tasks.task.created");
    (e.task as TaskSummary).assignee = "";
    expect(rule("tasks.task.created").recipients(e, env)).toEqual([{ kind: "unit_head", value: "CTTN" }]);
  });

  it("due soon: the assignee and the lead unit's head, nobody left out", () => {
    const e = sample("tasks.task.due_soon");
    expect(rule("tasks.task.due_soon").recipients(e, env)).toEqual([
      { kind: "person", value: "nguyen.van.an" },
      { kind: "unit_head", value: "CTTN" },
    ]);
    expect(rule("tasks.task.due_soon").actorId(e)).toBeUndefined();
  });

  it("overdue: the assignee, the lead unit's head and the Office's leaders (from the configuration)", () => {
    const e = sample<TaskOverdue>("tasks.task.overdue");
    expect(rule("tasks.task.overdue").recipients(e, env)).toEqual([
      { kind: "person", value: "nguyen.van.an" },
      { kind: "unit_head", value: "CTTN" },
      { kind: "unit_leaders", value: "VP" },
    ]);
    expect(rule("tasks.task.overdue").recipients(e, { officeUnitId: "VPB" })).toContainEqual({ kind: "unit_leaders", value: "VPB" });
    expect(rule("tasks.task.overdue").actorId(e)).toBeUndefined();
  });

  it("deadline change requested: the holders of each decider role, once each; the requester left out", () => {
    const e = sample<TaskDeadlineChangeRequested>("tasks.task.deadline_change_requested");
    expect(rule("tasks.task.deadline_change_requested").recipients(e, env)).toEqual([
      { kind: "role", value: "minister" },
      { kind: "role", value: "deputy_minister" },
      { kind: "role", value: "office_chief" },
    ]);
    e.deciderRoles = ["minister", " minister ", "", "office_chief"];
    expect(rule("tasks.task.deadline_change_requested").recipients(e, env)).toEqual([
      { kind: "role", value: "minister" },
      { kind: "role", value: "office_chief" },
    ]);
    expect(rule("tasks.task.deadline_change_requested").actorId(e)).toBe("tran.thi.binh");
  });

  it("deadline changed: the requester and the lead unit's head; rejected: the requester", () => {
    const changed = sample<TaskDeadlineChanged>("tasks.task.deadline_changed");
    expect(rule("tasks.task.deadline_changed").recipients(changed, env)).toEqual([
      { kind: "person", value: "tran.thi.binh" },
      { kind: "unit_head", value: "CTTN" },
    ]);
    const rejected = sample<TaskDeadlineChangeRejected>("tasks.task.deadline_change_rejected");
    expect(rule("tasks.task.deadline_change_rejected").recipients(rejected, env)).toEqual([{ kind: "person", value: "tran.thi.binh" }]);
    // The decider is the actor: not told of his or her own decision.
    expect(rule("tasks.task.deadline_change_rejected").actorId(rejected)).toBe("le.van.cuong");
  });

  it("completed and withdrawn: the lead unit's head and the assignee; the actor left out", () => {
    for (const t of ["tasks.task.completed", "tasks.task.withdrawn"]) {
      const e = sample<TaskCreated>(t);
      expect(rule(t).recipients(e, env), t).toEqual([
        { kind: "unit_head", value: "CTTN" },
        { kind: "person", value: "nguyen.van.an" },
      ]);
      expect(rule(t).actorId(e), t).toBe((e.actor as Actor).userId);
    }
  });

  it("an event without an actor leaves nobody out", () => {
    const e = sample<TaskCreated>("tasks.task.created");
    e.actor = undefined;
    expect(rule("tasks.task.created").actorId(e)).toBeUndefined();
  });
});

describe("template data", () => {
  it("carries what messages show, dates as Dates", () => {
    const data = rule("tasks.task.overdue").data(sample("tasks.task.overdue"), env);
    expect(data).toMatchObject({
      task: {
        id: "t-2020-qp-01",
        code: "QP-01",
        title: "Luật Thanh niên (sửa đổi)",
        leadUnitName: "Vụ Công tác thanh niên",
        deadline: { vi: "Tháng 5/2020", en: "May 2020" },
      },
      daysAfter: 3,
      link: "/tasks/t-2020-qp-01",
    });
    expect(data.dueAt).toBeInstanceOf(Date);
    expect((data.dueAt as Date).toISOString()).toBe("2020-05-31T16:59:59.999Z");
  });

  it("names the actor, and the previous deadline of a change", () => {
    const data = rule("tasks.task.deadline_changed").data(sample("tasks.task.deadline_changed"), env);
    expect(data).toMatchObject({
      actorName: "Lê Văn Cường",
      previousDeadline: { vi: "Tháng 5/2020", en: "May 2020" },
      task: { deadline: { vi: "Quý III/2020", en: "Q3 2020" } },
      reason: expect.stringContaining("Bộ Tư pháp"),
      note: expect.stringContaining("Đồng ý"),
    });
    const requested = rule("tasks.task.deadline_change_requested").data(sample("tasks.task.deadline_change_requested"), env);
    expect(requested).toMatchObject({
      requestedDeadline: { vi: "Quý III/2020" },
      currentDeadline: { vi: "Tháng 5/2020" },
      actorName: "Trần Thị Bình",
    });
  });

  it("labels a deadline without the producer's label from its typed form", () => {
    expect(deadlineLabel({ spec: { $case: "quarter", value: { year: 2020, quarter: 2 } } })).toEqual({ vi: "Quý II/2020", en: "Q2 2020" });
    expect(deadlineLabel({ spec: { $case: "month", value: { year: 2020, month: 6 } } })).toEqual({ vi: "Tháng 6/2020", en: "June 2020" });
    expect(deadlineLabel({ spec: { $case: "date", value: "2020-06-30" } })).toEqual({ vi: "30/06/2020", en: "2020-06-30" });
    expect(deadlineLabel(undefined)).toEqual({ vi: "", en: "" });
  });
});
