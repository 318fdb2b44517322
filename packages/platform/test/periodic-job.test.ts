import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import { PeriodicJob } from "../src/periodic-job.js";
import { until } from "../src/testing/until.js";

describe("PeriodicJob", () => {
  it("runs one pass at a time, carries on after a failed pass, and stop() waits for the pass under way", async () => {
    let running = 0;
    let overlapped = false;
    let passes = 0;
    let release: (() => void) | undefined;
    const job = new PeriodicJob(
      "test job",
      async () => {
        running += 1;
        if (running > 1) overlapped = true;
        passes += 1;
        try {
          if (passes === 1) throw new Error("first pass fails");
          if (passes === 3) await new Promise<void>((r) => (release = r));
        } finally {
          running -= 1;
        }
      },
      { intervalMs: 5, log: createLogger("test", "silent") },
    );
    job.start();
    await until(() => (passes >= 3 && release ? true : undefined), "the third, slow pass");
    const stopped = job.stop();
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    release?.();
    await stopped;
    expect(passes).toBe(3);
    expect(overlapped).toBe(false);
  });
});
