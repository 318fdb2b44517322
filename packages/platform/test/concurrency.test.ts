import { describe, expect, it } from "vitest";
import { ConcurrencyGate } from "../src/concurrency.js";

/** A task that runs until released, recording when it started. */
function held(started: number[], n: number) {
  let release!: () => void;
  const done = new Promise<void>((r) => {
    release = r;
  });
  return {
    task: async () => {
      started.push(n);
      await done;
      return n;
    },
    release: () => release(),
  };
}

describe("ConcurrencyGate", () => {
  it("runs at most `limit` tasks at once and the rest in arrival order, each as its turn comes", async () => {
    const gate = new ConcurrencyGate(2);
    const started: number[] = [];
    const tasks = [0, 1, 2, 3, 4].map((n) => held(started, n));
    const results = tasks.map((t) => gate.run(t.task));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(gate.queued).toBe(3);
    tasks[1]?.release();
    await results[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const t of tasks) t.release();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(gate.queued).toBe(0);
  });

  it("passes the turn on when a task fails, and gives the failure to its caller", async () => {
    const gate = new ConcurrencyGate(1);
    const failing = gate.run(async () => {
      throw new Error("boom");
    });
    const next = gate.run(async () => "next");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("next");
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    expect(() => new ConcurrencyGate(0)).toThrow(/whole number/);
    expect(() => new ConcurrencyGate(1.5)).toThrow(/whole number/);
  });
});
