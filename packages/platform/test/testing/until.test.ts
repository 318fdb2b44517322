/** The tests' one way to wait. */
import { describe, expect, it } from "vitest";
import { until } from "../../src/testing/until.js";

describe("until", () => {
  it("resolves with the probe's first defined value, sync or async", async () => {
    let n = 0;
    expect(await until(() => (++n >= 3 ? n : undefined), "the third poll")).toBe(3);
    expect(await until(async () => "now", "an async value")).toBe("now");
  });

  it("fails naming what did not happen", async () => {
    await expect(until(() => undefined, "the impossible", 30)).rejects.toThrow(/timed out waiting for the impossible/u);
  });
});
