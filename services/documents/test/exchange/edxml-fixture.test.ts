import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePackage } from "../../src/exchange/edxml/index.js";
import { DEFAULT_EDXML_LIMITS } from "../../src/exchange/edxml/limits.js";

describe("the default run's sample package (test/fixtures/vpcp-to-bnv.edxml)", () => {
  it("parses: from the Government Office to the ministry, with a PDF", () => {
    const pkg = parsePackage(readFileSync(new URL("../fixtures/vpcp-to-bnv.edxml", import.meta.url)), DEFAULT_EDXML_LIMITS);
    expect(pkg.header.from.organId).toBe("000.00.00.G22");
    expect(pkg.header.to.map((t) => t.organId)).toEqual(["000.00.12.H49"]);
    expect(pkg.attachments).toHaveLength(1);
    expect(pkg.attachments[0]?.bytes.subarray(0, 5).toString()).toBe("%PDF-");
  });
});
