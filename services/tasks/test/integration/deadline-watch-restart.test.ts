/**
 * The deadline watch survives a restart: alerts live in MongoDB, so a new process on the same database
 * publishes nothing it already published. (Its own file: one service per test process.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { ManualClock } from "@ministry/platform";
import { TaskDueSoon, TaskOverdue } from "@ministry/proto/ministry/tasks/v1/events";
import { describe, expect, it } from "vitest";
import { startTasksHarness } from "./harness.js";

describe("deadline watch across a restart", () => {
  it("publishes nothing twice after the service restarts on the same database", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tasks-watch-"));
    const mongo = await startEmbeddedMongo({ port: 0, dataDir });
    const clock = new ManualClock("2020-11-01T02:00:00Z");
    const env = { MONGODB_URI: mongo.uri, DEADLINE_WATCH_INTERVAL_MS: "20" };
    try {
      let first = await startTasksHarness({ clock, env });
      const c = await first.clients({ sub: "vp-chief", roles: ["office_chief"], unit: "VP" });
      await c.programmes.createProgramme({ requestId: "", year: 2020, issuingBody: "", title: "" });
      const { task } = await c.tasks.createTask({
        requestId: "",
        programmeId: "bnv-2020",
        code: "DW-R",
        title: "Báo cáo tổng kết",
        kind: "BAO_CAO",
        authority: "",
        leadUnit: "VP",
        coordinatingUnits: [],
        assignee: "",
        deadline: { spec: { $case: "date", value: "2020-11-05" }, dueAt: undefined, label: undefined },
        priority: 0,
        source: undefined,
        documentLinks: [],
      });
      // The timer-driven watch (every 20 ms) sees the 7-day threshold passed.
      await first.until(
        () => first.eventsOf("tasks.task.due_soon", TaskDueSoon).find((e) => e.aggregateId === task!.id),
        "due_soon by the timer",
      );
      await first.stop();

      const second = await startTasksHarness({ clock, env });
      first = second;
      // The outbox is the first process's and the second's: what the second committed is there when runOnce returns.
      await second.runtime.watch.runOnce();
      await second.runtime.watch.runOnce();
      expect(await second.committed(task!.id)).toEqual(["created", "due_soon"]);
      clock.set("2020-11-05T17:00:01Z");
      await second.until(
        () => second.eventsOf("tasks.task.overdue", TaskOverdue).find((e) => e.aggregateId === task!.id),
        "overdue by the timer",
      );
      // Two more runs: the second starts after the one that published has ended, so a whole pass saw it.
      await second.runtime.watch.runOnce();
      await second.runtime.watch.runOnce();
      expect(await second.committed(task!.id)).toEqual(["created", "due_soon", "overdue"]);
      const alerts = await second.svc.ctx.mongo.db.collection("deadline_alerts").find({ taskId: task!.id }).toArray();
      expect(alerts.map((a) => `${a.kind}:${a.days}:${a.published}`).sort()).toEqual(["due_soon:7:true", "overdue:0:true"]);
      await second.stop();
    } finally {
      await mongo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
