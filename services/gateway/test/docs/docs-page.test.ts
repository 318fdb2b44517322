/**
 * The default run's promise, in real Chromium: a person signs in as the Chief of Office on the dev
 * sign-in page, opens the docs page, and from it alone reads the Q1 2020 report and the seed briefing
 * (Swagger UI's "Try it out" → "Execute", with the token the sign-in handed over).
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.join(import.meta.dirname, "../../test-artifacts");

let sys: SystemHarness;
let browser: Browser;
beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (./scripts/bootstrap does)`);
  sys = await startSystem();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** Opens an operation on the docs page, fills its parameters, executes it and returns the response body shown. */
async function tryOut(page: Page, tag: string, operationId: string, params: Record<string, string>): Promise<string> {
  // Tags start folded (docExpansion "none"): open the operation's tag first.
  const block = page.locator(`#operations-${tag}-${operationId}`);
  if (!(await block.isVisible())) await page.locator(`#operations-tag-${tag}`).click();
  await block.locator(".opblock-summary").first().click();
  // The docs page opens operations ready to try (tryItOutEnabled): parameters are editable at once.
  for (const [name, value] of Object.entries(params)) {
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  await block.getByRole("button", { name: "Execute" }).click();
  const body = block.locator(".responses-wrapper .live-responses-table .response-col_description pre").first();
  await body.waitFor({ timeout: 30_000 });
  return (await body.textContent()) ?? "";
}

describe("the docs page in Chromium", () => {
  it("signs in as the Chief of Office and reads the Q1 2020 report and the seed briefing from the docs page alone", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${sys.gateway.url}/docs`);
    // The docs page says where to sign in.
    const signIn = await page.getByRole("link", { name: "/dev/sign-in" }).getAttribute("href");
    expect(signIn).toBe("/dev/sign-in");
    // Swagger UI opens description links in a new tab; follow it in this one.
    await page.goto(`${sys.gateway.url}${signIn}`);
    await page.locator('button[data-person="vp-head"]').click();
    await page.getByText("Đã đăng nhập là").waitFor();
    await page.locator("a#docs").click();
    await page.locator(".swagger-ui .info").waitFor();
    // Signed in: the Authorize button shows a closed lock once a token is set.
    await page.locator(".swagger-ui .auth-wrapper .authorize.locked").waitFor({ timeout: 10_000 });

    const report = await tryOut(page, "reports", "getReport", { programme: "bnv-2020", "quarter.year": "2020", "quarter.quarter": "1" });
    expect(report).toContain("Quý I năm 2020");
    const totals = JSON.parse(report).report.totals;
    expect(totals.total).toBeGreaterThan(0);

    const meeting = await tryOut(page, "meetings", "getMeeting", { id: "gb-2020-q1" });
    const m = JSON.parse(meeting).meeting;
    expect(m.title).toContain("Quý I năm 2020");
    expect(m.status).toBe("MEETING_STATUS_CONCLUDED");

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "docs-page.png"), fullPage: false });
    // Nothing the page asked for failed (the browser's own favicon guess aside).
    expect(problems.filter((p) => !p.endsWith("/favicon.ico"))).toEqual([]);
  }, 90_000);
});
