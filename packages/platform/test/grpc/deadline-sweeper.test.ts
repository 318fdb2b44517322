import { describe, expect, it } from "vitest";
import { DeadlineSweeper } from "../../src/grpc/deadline-sweeper.js";

/** Resolves when `probe` holds, polling every few ms. */
async function until(probe: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("DeadlineSweeper", () => {
  it("ends each call after its deadline, never before, and at most a tick or so late", async () => {
    const sweeper = new DeadlineSweeper(10);
    const start = Date.now();
    const ended: { at: number; deadline: number }[] = [];
    for (const after of [5, 30, 60, 61, 90]) {
      const deadline = start + after;
      sweeper.add(deadline, () => ended.push({ at: Date.now(), deadline }));
    }
    await until(() => ended.length === 5);
    for (const e of ended) {
      expect(e.at).toBeGreaterThanOrEqual(e.deadline);
      // a tick late at most, plus what a busy test machine adds
      expect(e.at - e.deadline).toBeLessThan(1_000);
    }
    expect(ended.map((e) => e.deadline)).toEqual([...ended.map((e) => e.deadline)].sort((a, b) => a - b));
    await until(() => !sweeper.ticking);
    expect(sweeper.waiting).toBe(0);
  });

  it("does not end a call disarmed first, and stops ticking once nothing waits", async () => {
    const sweeper = new DeadlineSweeper(10);
    let ended = 0;
    const disarm = sweeper.add(Date.now() + 20, () => ended++);
    expect(sweeper.ticking).toBe(true);
    disarm();
    disarm();
    expect(sweeper.waiting).toBe(0);
    expect(sweeper.ticking).toBe(false);
    sweeper.add(Date.now() + 20, () => ended++);
    await until(() => ended === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(1);
  });

  it("ends a call whose deadline has already passed at the next tick, also after being idle", async () => {
    const sweeper = new DeadlineSweeper(10);
    await new Promise((r) => setTimeout(r, 40));
    let ended = 0;
    sweeper.add(Date.now() - 1_000, () => ended++);
    await until(() => ended === 1, 500);
  });
});
