/**
 * Ids derived from user text are injective: two different codes (or sources) never share a task id,
 * so nothing is "skipped as existing" by mistake. The 2020 seed keeps its ids.
 */
import { describe, expect, it } from "vitest";
import { MAX_CODE_LENGTH, MAX_EXTERNAL_ID_LENGTH, MAX_ITEM_ID_LENGTH, MAX_TASK_ID_LENGTH } from "../../src/domain/limits.js";
import { importedTaskId, sourceTaskId } from "../../src/domain/ids.js";
import { loadSeedProgramme, SEED_PROGRAMME_ID } from "../../src/seed/index.js";

/** Random texts over an alphabet of the characters ids used to merge. */
function randomTexts(count: number, seed: number): string[] {
  const alphabet = ["1", "a", "A", "d", "D", "Đ", "đ", "-", ".", " ", "_", "/", "#", "Ă", "k", "K"];
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(next() * 5) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
  );
}

describe("importedTaskId", () => {
  it("gives codes that differ in punctuation or in Vietnamese letters different ids", () => {
    const codes = ["1.1", "1-1", "1 1", "1_1", "1--1", "-1-1", "Đ-1", "D-1", "Ă-1", "A-1", "ĐA-01", "DA-01"];
    const ids = codes.map((c) => importedTaskId("bnv-2022", c));
    expect(new Set(ids).size).toBe(codes.length);
  });

  it("is one id for one code, whatever its case (codes are compared ignoring case)", () => {
    expect(importedTaskId("bnv-2022", "qp-05")).toBe(importedTaskId("bnv-2022", "QP-05"));
  });

  it("never gives two codes that differ ignoring case one id", () => {
    const codes = randomTexts(3000, 7);
    const byId = new Map<string, string>();
    for (const code of codes) {
      const id = importedTaskId("bnv-2022", code);
      const other = byId.get(id);
      if (other !== undefined) expect(other.toUpperCase()).toBe(code.toUpperCase());
      byId.set(id, code);
    }
  });

  it("keeps the ids of the 2020 seed: bnv-2020-<code in lower case>", async () => {
    const report = await loadSeedProgramme();
    const codes = report.rows.flatMap((r) => (r.ok ? [r.task.code] : []));
    expect(codes).toHaveLength(143);
    for (const code of codes) expect(importedTaskId(SEED_PROGRAMME_ID, code)).toBe(`bnv-2020-${code.toLowerCase()}`);
  });

  it("fits the task id limit for the longest code", () => {
    expect(importedTaskId(`${"x".repeat(32)}-2020`, "\u{10FFFF}".repeat(MAX_CODE_LENGTH)).length).toBeLessThanOrEqual(MAX_TASK_ID_LENGTH);
  });
});

describe("sourceTaskId", () => {
  it("keeps the ids of meetings and documents named plainly", () => {
    expect(sourceTaskId("kl", "gb-2020-q1", "1")).toBe("kl-gb-2020-q1-1");
    expect(sourceTaskId("cd", "den-2021-0042", "2a")).toBe("cd-den-2021-0042-2a");
  });

  it("never gives two (source, item) pairs one id", () => {
    const pairs: [string, string][] = [
      ["a-b", "c"],
      ["a", "b-c"],
      ["m", "1.1"],
      ["m", "1-1"],
      ["m", "Đ"],
      ["m", "D"],
      ["m", "A"],
      ["m", "a"],
      ["m", ""],
      ["m-", ""],
    ];
    const texts = randomTexts(120, 11);
    for (const s of texts) for (const i of texts.slice(0, 30)) pairs.push([s, i]);
    const byId = new Map<string, string>();
    for (const [source, item] of pairs) {
      const id = sourceTaskId("kl", source, item);
      const key = JSON.stringify([source, item]);
      const other = byId.get(id);
      if (other !== undefined) expect(other).toBe(key);
      byId.set(id, key);
    }
  });

  it("fits the task id limit for the longest ids", () => {
    const longest = sourceTaskId("kl", "\u{10FFFF}".repeat(MAX_EXTERNAL_ID_LENGTH), "\u{10FFFF}".repeat(MAX_ITEM_ID_LENGTH));
    expect(longest.length).toBeLessThanOrEqual(MAX_TASK_ID_LENGTH);
  });
});
