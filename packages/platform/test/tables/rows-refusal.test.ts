/** The bounded list of row errors a strict import's refusal carries. */
import { describe, expect, it } from "vitest";
import { ImportRowsInvalid, MAX_LISTED_ROW_ERROR_BYTES, MAX_LISTED_ROW_ERRORS, listRowErrors } from "../../src/tables/index.js";

describe("listRowErrors", () => {
  it("lists every error on `content` when they fit", () => {
    const { violations, listed } = listRowErrors(["Dòng 2: sai / Line 2: wrong", "Dòng 3: sai / Line 3: wrong"]);
    expect(listed).toBe(2);
    expect(violations).toEqual([
      { field: "content", description: "Dòng 2: sai / Line 2: wrong" },
      { field: "content", description: "Dòng 3: sai / Line 3: wrong" },
    ]);
  });

  it("lists at most MAX_LISTED_ROW_ERRORS, then says how many more there are", () => {
    const all = Array.from({ length: MAX_LISTED_ROW_ERRORS + 7 }, (_, i) => `Dòng ${i} / Line ${i}`);
    const { violations, listed } = listRowErrors(all);
    expect(listed).toBe(MAX_LISTED_ROW_ERRORS);
    expect(violations).toHaveLength(MAX_LISTED_ROW_ERRORS + 1);
    expect(violations.at(-1)?.description).toMatch(/^Còn 7 lỗi khác .* \/ 7 more errors are not listed here/u);
  });

  it("stops before the listed descriptions pass MAX_LISTED_ROW_ERROR_BYTES", () => {
    const long = "ệ".repeat(1000); // 3 bytes a character in UTF-8
    const all = Array.from({ length: 20 }, (_, i) => `${i} ${long}`);
    const { violations, listed } = listRowErrors(all);
    const bytes = violations.slice(0, listed).reduce((n, v) => n + Buffer.byteLength(v.description), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_LISTED_ROW_ERROR_BYTES);
    expect(listed).toBeLessThan(20);
    expect(violations.at(-1)?.description).toContain(`${20 - listed} more errors`);
  });

  it("ImportRowsInvalid is INVALID_ARGUMENT with the reason IMPORT_ROWS_INVALID and the importer's metadata", () => {
    const e = new ImportRowsInvalid([{ field: "content", description: "x / x" }], "m", { rows: "3" });
    expect(e.kind).toBe("InvalidArgument");
    expect(e.reason).toBe("IMPORT_ROWS_INVALID");
    expect(e.metadata).toEqual({ rows: "3" });
    expect(e.message).toBe("m");
  });
});
