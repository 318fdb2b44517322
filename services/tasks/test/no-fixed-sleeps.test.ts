/**
 * Tests wait for a condition, or assert on what was committed before the call returned (the outbox,
 * the deadline alerts): never for a fixed time, which on a slow machine passes without checking
 * anything. The harness's `until` is the one place that waits, and it polls its condition.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const TESTS = path.dirname(fileURLToPath(import.meta.url));
const ALLOWED = new Set([path.join(TESTS, "integration", "harness.ts")]);
const TIMER = /\bset(Timeout|Immediate)\s*\(|\bsleep\s*\(|\bsettle\s*\(/u;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

describe("tests of the tasks service", () => {
  it("never sleep for a fixed time", () => {
    const sleeps = sources(TESTS)
      .filter((file) => !ALLOWED.has(file))
      .flatMap((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .flatMap((line, i) => (TIMER.test(line) ? [`${path.relative(TESTS, file)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(sleeps).toEqual([]);
  });
});
