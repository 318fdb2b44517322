/**
 * The deadline watch as the test clock moves: due_soon at 7 and 1 days before, overdue once the
 * deadline passes, each once per task and threshold, never twice, across a restart of the service.
 * "Nothing more" is asserted on what each run committed (the outbox) when runOnce returns; what was
 * published is awaited on NATS for its content.
 */
import { ManualClock } from "@ministry/platform";
import { InMemorySpanExporter } from "@ministry/platform/testing";
import type { CommandFailedEvent } from "mongodb";
import { TaskDueSoon, TaskOverdue } from "@ministry/proto/ministry/tasks/v1/events";
import { TaskStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadlineWatch } from "../../src/app/deadline-watch.js";
import { approvedProgramme, startTasksHarness, type TasksHarness } from "./harness.js";

const DAY = 24 * 3600_000;
let h: TasksHarness;
let office: Awaited<ReturnType<TasksHarness["clients"]>>;

beforeAll(async () => {
  // With a span exporter: the service then has the driver's command events on, and the concurrency
  // tests below wait for a WriteConflict through them.
  h = await startTasksHarness({ clock: new ManualClock("2020-06-01T02:00:00Z"), spanExporter: new InMemorySpanExporter() });
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  await approvedProgramme(office);
});

afterAll(async () => {
  await h?.stop();
});

async function create(code: string, date: string) {
  const { task } = await office.tasks.createTask({
    requestId: "",
    programmeId: "bnv-2020",
    code,
    title: `Đề án ${code}`,
    kind: "DE_AN",
    authority: "",
    leadUnit: "CCVC",
    coordinatingUnits: [],
    assignee: "Phạm Văn Long",
    deadline: { spec: { $case: "date", value: date }, dueAt: undefined, label: undefined },
    priority: 0,
    source: undefined,
    documentLinks: [],
  });
  return task!;
}

const dueSoonOf = (id: string) => h.eventsOf("tasks.task.due_soon", TaskDueSoon).filter((e) => e.aggregateId === id);
const overdueOf = (id: string) => h.eventsOf("tasks.task.overdue", TaskOverdue).filter((e) => e.aggregateId === id);

describe("deadline watch", () => {
  it("publishes due_soon 7 days and 1 day before, then overdue, each exactly once as the clock moves", async () => {
    // Deadline 30 June 2020, i.e. 2020-06-30T16:59:59.999Z.
    const task = await create("DW-1", "2020-06-30");
    const watch = h.runtime.watch;

    expect(await watch.runOnce()).toEqual({ dueSoon: 0, overdue: 0 });

    h.clock.set("2020-06-23T16:59:59.000Z"); // a second short of 7 days before
    await watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created"]);

    h.clock.set("2020-06-23T17:00:00.000Z"); // 7 days before, 00:00 on 24 June in Vietnam
    await watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon"]);
    await h.until(() => (dueSoonOf(task.id).length === 1 ? true : undefined), "7-day due_soon");
    const week = dueSoonOf(task.id)[0].data;
    expect(week.daysBefore).toBe(7);
    expect(week.dueAt!.toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(week.task).toMatchObject({
      title: "Đề án DW-1",
      assignee: "Phạm Văn Long",
      leadUnit: { id: "CCVC", name: "Vụ Công chức - Viên chức" },
    });

    // Runs in between publish nothing more.
    for (const at of ["2020-06-25T00:00:00Z", "2020-06-28T00:00:00Z"]) {
      h.clock.set(at);
      await watch.runOnce();
    }
    expect(await h.committed(task.id)).toEqual(["created", "due_soon"]);

    h.clock.set("2020-06-29T18:00:00Z"); // within the last day
    await watch.runOnce();
    await watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon", "due_soon"]);
    await h.until(() => (dueSoonOf(task.id).length === 2 ? true : undefined), "1-day due_soon");
    expect(dueSoonOf(task.id)[1].data.daysBefore).toBe(1);

    h.clock.set("2020-06-30T16:59:59.999Z"); // the deadline's last instant: not overdue yet
    await watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon", "due_soon"]);

    h.clock.set("2020-06-30T17:00:00.000Z"); // 00:00 on 1 July in Vietnam
    await watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon", "due_soon", "overdue"]);
    await h.until(() => (overdueOf(task.id).length === 1 ? true : undefined), "overdue");
    expect(overdueOf(task.id)[0].data.daysAfter).toBe(0);

    h.clock.advance(30 * DAY);
    await watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon", "due_soon", "overdue"]);
  });

  it("a task created inside the last day gets one due_soon (the most urgent), not two", async () => {
    h.clock.set("2020-08-10T02:00:00Z");
    const task = await create("DW-2", "2020-08-10");
    await h.runtime.watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon"]);
    await h.until(() => (dueSoonOf(task.id).length === 1 ? true : undefined), "due_soon");
    expect(dueSoonOf(task.id).map((e) => e.data.daysBefore)).toEqual([1]);
    h.clock.set("2020-08-10T12:00:00Z");
    await h.runtime.watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "due_soon"]);
  });

  it("a task submitted in time is never reported overdue; an approved deadline change arms the alerts again", async () => {
    h.clock.set("2020-09-01T02:00:00Z");
    const done = await create("DW-3", "2020-09-05");
    const moved = await create("DW-4", "2020-09-05");
    const pc = office;
    await pc.tasks.completeTask({
      requestId: "",
      id: done.id,
      expectedVersion: undefined,
      completedAt: undefined,
      document: undefined,
      note: "",
    });
    const asked = await pc.tasks.requestDeadlineChange({
      requestId: "",
      id: moved.id,
      expectedVersion: undefined,
      newDeadline: { spec: { $case: "date", value: "2020-10-20" }, dueAt: undefined, label: undefined },
      reason: "Chờ số liệu của các địa phương",
    });
    h.clock.set("2020-09-03T02:00:00Z");
    await h.runtime.watch.runOnce();
    await h.until(() => (dueSoonOf(moved.id).length === 1 ? true : undefined), "due_soon before the change");
    await pc.tasks.decideDeadlineChange({
      requestId: "",
      id: moved.id,
      expectedVersion: undefined,
      deadlineRequestId: asked.task!.deadlineRequests[0].id,
      approve: true,
      note: "",
    });

    h.clock.set("2020-09-10T02:00:00Z"); // past the old deadline
    await h.runtime.watch.runOnce();
    expect(await h.committed(done.id)).toEqual(["created", "completed"]);
    expect(await h.committed(moved.id)).toEqual(["created", "deadline_change_requested", "due_soon", "deadline_changed"]);

    h.clock.set("2020-10-19T02:00:00Z"); // inside the new deadline's last day
    await h.runtime.watch.runOnce();
    await h.until(() => (dueSoonOf(moved.id).length === 2 ? true : undefined), "due_soon for the new deadline");
    expect(dueSoonOf(moved.id)[1].data.dueAt!.toISOString()).toBe("2020-10-20T16:59:59.999Z");
  });
});

describe("an alert and a concurrent change of its task", () => {
  /** A watch of its own whose alert transaction, for `taskId`, stops once at `point` until released. */
  function pausedWatch(point: "read" | "written", taskId: string) {
    let reached = () => {};
    let release = () => {};
    const atPoint = new Promise<void>((r) => {
      reached = r;
    });
    const released = new Promise<void>((r) => {
      release = r;
    });
    let paused = false;
    const watch = new DeadlineWatch(h.runtime.services.app, {
      dueSoonDays: [7, 1],
      overdueAfterDays: [0],
      intervalMs: 3_600_000,
      log: h.svc.ctx.log,
      interleave: async (at, id) => {
        if (at !== point || id !== taskId || paused) return;
        paused = true;
        reached();
        await released;
      },
    });
    return { watch, atPoint, release };
  }

  /** Resolves when the next command fails with WriteConflict (MongoDB error 112). */
  function nextWriteConflict(): Promise<void> {
    const client = h.svc.ctx.mongo.client;
    return new Promise((resolve) => {
      const listener = (e: CommandFailedEvent) => {
        if ((e.failure as { code?: unknown }).code !== 112) return;
        client.off("commandFailed", listener);
        resolve();
      };
      client.on("commandFailed", listener);
    });
  }

  const completion = (id: string) => ({
    requestId: "",
    id,
    expectedVersion: undefined,
    completedAt: undefined,
    document: undefined,
    note: "",
  });

  it("an alert that read the task before a CompleteTask committed publishes nothing: never overdue after completed", async () => {
    h.clock.set("2020-12-10T02:00:00Z");
    const task = await create("DW-C1", "2020-12-01");
    const { watch, atPoint, release } = pausedWatch("read", task.id);
    const run = watch.runOnce();
    await atPoint;
    await office.tasks.completeTask(completion(task.id));
    release();
    await run;
    expect(await h.committed(task.id)).toEqual(["created", "completed"]);
    expect(await h.svc.ctx.mongo.db.collection("deadline_alerts").countDocuments({ taskId: task.id })).toBe(0);
  });

  it("an alert that wrote before a CompleteTask commits first: the command waits for it, overdue then completed", async () => {
    h.clock.set("2020-12-20T02:00:00Z");
    const task = await create("DW-C2", "2020-12-15");
    const { watch, atPoint, release } = pausedWatch("written", task.id);
    const run = watch.runOnce();
    await atPoint;
    const conflict = nextWriteConflict();
    const completing = office.tasks.completeTask(completion(task.id));
    // The command ran into the alert's uncommitted write of the task: it retries until the alert ends.
    await conflict;
    release();
    await run;
    expect((await completing).task!.status).toBe(TaskStatus.TASK_STATUS_COMPLETED);
    expect(await h.committed(task.id)).toEqual(["created", "overdue", "completed"]);
  });

  it("a stop during a pass ends it after the alert in hand: the rest waits for the next start", async () => {
    h.clock.set("2021-01-20T02:00:00Z");
    const first = await create("DW-S1", "2021-01-05");
    const second = await create("DW-S2", "2021-01-06");
    const { watch, atPoint, release } = pausedWatch("read", first.id);
    watch.start();
    await atPoint;
    const stopping = watch.stop();
    release();
    await stopping;
    expect(await h.committed(first.id)).toEqual(["created", "overdue"]);
    expect(await h.committed(second.id)).toEqual(["created"]);
    // the next pass picks up what the stopped one left
    await h.runtime.watch.runOnce();
    expect(await h.committed(second.id)).toEqual(["created", "overdue"]);
  });

  it("a stop while an alert retries against a task held by another transaction returns at once, having committed nothing", async () => {
    h.clock.set("2021-02-20T02:00:00Z");
    const task = await create("DW-S3", "2021-02-05");
    // What a process killed in the middle of a transaction leaves: the task held until the transaction expires.
    const orphan = h.svc.ctx.mongo.client.startSession();
    orphan.startTransaction();
    await h.svc.ctx.mongo.db.collection("tasks").updateOne({ _id: task.id as never }, { $set: { heldBy: "orphan" } }, { session: orphan });
    try {
      const watch = new DeadlineWatch(h.runtime.services.app, {
        dueSoonDays: [7, 1],
        overdueAfterDays: [0],
        intervalMs: 3_600_000,
        log: h.svc.ctx.log,
      });
      const conflict = nextWriteConflict();
      watch.start();
      // the alert runs into the held task and the driver retries it
      await conflict;
      await watch.stop();
      expect(await h.committed(task.id)).toEqual(["created"]);
    } finally {
      await orphan.abortTransaction();
      await orphan.endSession();
    }
    await h.runtime.watch.runOnce();
    expect(await h.committed(task.id)).toEqual(["created", "overdue"]);
  });
});
