/**
 * The ops page in real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) on the running
 * system: signed in as an operator, every service shows healthy; a poison event raises the dead-letter
 * count the page shows; Replay fails again (the body still does not decode), as the page says, and the
 * letter stays with one more attempt. Screenshot: test-artifacts/ops-page.png. No Chromium is a failure.
 */
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";
import { injectPoison } from "../ops/poison.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

let sys: SystemHarness;
let browser: Browser | undefined;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

describe("the ops page in Chromium", () => {
  it("shows every service healthy, counts a poison event's dead letters, replays one", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (bootstrap does)`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // The dev sign-in stores the token here; the page reads it.
    await context.addInitScript((token) => localStorage.setItem("ministry-ops.token", token), await sys.token("ops"));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("response", (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${res.url()}`);
    });
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });
    await page.goto(`${sys.gateway.url}/ops`);

    await sys.until(
      async () => ((await page.locator('#services tbody tr[data-health="healthy"]').count()) === 5 ? true : undefined),
      "five healthy services on the page",
      30_000,
    );
    for (const name of ["gateway", "tasks", "notifications", "meetings", "documents"])
      expect(await text(page, `#services tr[data-service="${name}"] .health`)).toBe("Hoạt động / Healthy");
    expect(await page.locator("#charts svg").count()).toBeGreaterThanOrEqual(6);

    const count = async () => Number(await page.locator("#dead-letter-total").getAttribute("data-count"));
    await sys.until(async () => (Number.isInteger(await count()) ? true : undefined), "the dead-letter count shown", 30_000);
    const before = await count();

    const eventId = await injectPoison(sys.nats.url);
    // tasks-MEETINGS and documents-MEETINGS each dead-letter it.
    await sys.until(async () => ((await count()) >= before + 2 ? true : undefined), "the dead-letter count up by two", 30_000);
    expect(await count()).toBe(before + 2);
    const row = page.locator('#dead-letters tbody tr[data-service="tasks"]').first();
    await sys.until(async () => ((await row.count()) === 1 ? true : undefined), "the tasks dead letter listed", 30_000);
    expect(await row.locator(".attempts").textContent()).toBe("1");
    expect(await row.textContent()).toContain("cannot decode");

    await row.locator("button.replay").click();
    await sys.until(
      async () => ((await page.locator("#dl-message").getAttribute("data-outcome")) ? true : undefined),
      "the replay's outcome on the page",
      30_000,
    );
    // The body still does not decode: the replay fails, the letter stays with one more attempt.
    expect(await page.locator("#dl-message").getAttribute("data-outcome")).toBe("failed");
    expect(await text(page, "#dl-message")).toContain("cannot decode");
    await sys.until(
      async () => ((await row.locator(".attempts").textContent()) === "2" ? true : undefined),
      "the replay attempt listed",
      30_000,
    );
    expect(await count()).toBe(before + 2);
    const listed = await sys.http("GET", "/v1/ops/dead-letters", { as: "ops", query: { service: "tasks" } });
    expect(listed.json.deadLetters.find((d: { eventId: string }) => d.eventId === eventId)?.attempts).toHaveLength(2);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("ops-page.png", ARTIFACTS).pathname, fullPage: true });
    expect(problems).toEqual([]);
  });
});
