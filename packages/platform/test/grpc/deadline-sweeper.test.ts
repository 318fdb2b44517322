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
    const ended: string[] = [];
    const disarm = sweeper.add(Date.now() + 20, () => ended.push("disarmed"));
    expect(sweeper.ticking).toBe(true);
    disarm();
    disarm();
    expect(sweeper.waiting).toBe(0);
    expect(sweeper.ticking).toBe(false);
    // A call due later than the disarmed one: once it has ended, the disarmed one's time is long past.
    sweeper.add(Date.now() + 40, () => ended.push("later"));
    await until(() => ended.length > 0);
    expect(ended).toEqual(["later"]);
  });

  it("ends a call whose deadline has already passed at the next tick, also after being idle", async () => {
    // Its clock runs a second ahead once it is created: it has been idle for a second.
    let ahead = 0;
    const clock = () => Date.now() + ahead;
    const sweeper = new DeadlineSweeper(10, clock);
    ahead = 1_000;
    let ended = 0;
    // half a second late already: due at the next tick
    sweeper.add(clock() - 500, () => ended++);
    await until(() => ended === 1, 500);
    expect(sweeper.ticking).toBe(false);
  });
});
