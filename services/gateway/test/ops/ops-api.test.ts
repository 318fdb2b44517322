/**
 * The ops API against the running system: operators only, every service healthy, figures from the
 * services' metrics after some traffic, and a poison event's dead letters listed, replayed (it fails
 * again: its body still does not decode) and discarded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeadLetterJson } from "../../src/ops/dead-letters.js";
import type { Overview } from "../../src/ops/overview.js";
import { startSystem, type SystemHarness } from "../harness.js";
import { injectPoison, POISON_TYPE } from "./poison.js";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

type Letters = { deadLetters: DeadLetterJson[] };

const overview = async () => {
  const res = await sys.http<Overview>("GET", "/v1/ops/overview", { as: "ops" });
  expect(res.status).toBe(200);
  return res.json;
};
const service = (o: Overview, name: string) => o.services.find((s) => s.name === name)!;

describe("ops API", () => {
  it("is for operators only", async () => {
    expect((await sys.http("GET", "/v1/ops/overview")).status).toBe(401);
    for (const path of ["/v1/ops/overview", "/v1/ops/dead-letters"]) {
      const res = await sys.http("GET", path, { as: "vp-head" });
      expect(res.status).toBe(403);
      expect(res.json.reason).toBe("OPERATORS_ONLY");
    }
    const replay = await sys.http("POST", "/v1/ops/dead-letters/tasks/0123456789abcdef01234567/replay", { as: "minister" });
    expect(replay.status).toBe(403);
    expect((await sys.http("GET", "/v1/ops/overview", { as: "admin" })).status).toBe(200);
  });

  it("shows every service healthy, with its checks", async () => {
    const o = await sys.until(
      async () => {
        const x = await overview();
        return x.services.length === 5 && x.services.every((s) => s.up && s.ready) ? x : undefined;
      },
      "every service healthy",
      30_000,
    );
    expect(o.services.map((s) => s.name)).toEqual(["gateway", "tasks", "notifications", "meetings", "documents"]);
    expect(service(o, "tasks").checks).toMatchObject({ mongodb: true, nats: true, "consumer_tasks-MEETINGS": true });
    expect(service(o, "gateway").version).toBe(sys.gateway.config.SERVICE_VERSION);
    for (const name of ["tasks", "notifications", "meetings", "documents"]) expect(service(o, name).outbox).toMatchObject({ parked: 0 });
    expect(service(o, "tasks").consumers.map((c) => c.consumer)).toEqual(["tasks-DOCUMENTS", "tasks-MEETINGS"]);
    // The seed's 2020 programme: every unit reported, VP among them.
    expect(Object.keys(o.domain.overdueTasksByUnit ?? {})).toContain("VP");
    const openapi = await sys.http("GET", "/openapi.json");
    expect(Object.keys(openapi.json.paths)).toEqual(
      expect.arrayContaining(["/v1/ops/overview", "/v1/ops/dead-letters", "/v1/ops/dead-letters/{service}/{id}/replay"]),
    );
    expect(openapi.json.paths["/v1/ops/overview"].get.tags).toEqual(["ops"]);
  });

  it("computes rates, errors and p99 from the services' metrics after traffic", async () => {
    for (let i = 0; i < 10; i++) expect((await sys.http("GET", "/v1/tasks", { as: "vp-head", query: { pageSize: 2 } })).status).toBe(200);
    expect((await sys.http("GET", "/v1/tasks/no-such-task", { as: "vp-head" })).status).toBe(404);
    const o = await sys.until(
      async () => {
        const x = await overview();
        const tasks = service(x, "tasks");
        return (tasks.requestRate ?? 0) > 0 && (tasks.errorRatio ?? 0) > 0 && (service(x, "gateway").requestRate ?? 0) > 0 ? x : undefined;
      },
      "the calls counted",
      30_000,
    );
    const tasks = service(o, "tasks");
    expect(tasks.p99Seconds).toBeGreaterThan(0);
    expect(tasks.errorRatio).toBeLessThan(1);
    expect(service(o, "gateway").p99Seconds).toBeGreaterThan(0);
    expect(o.series.t.length).toBe(o.series.services.tasks.requestRate.length);
    expect(o.events.map((e) => e.type)).toContain("ministry.tasks.task.created.v1");
  });

  it("lists a poison event's dead letters; a replay fails again and adds an attempt; discard removes it", async () => {
    const before = (await overview()).deadLetters.total;
    const eventId = await injectPoison(sys.nats.url);
    const o = await sys.until(
      async () => {
        const x = await overview();
        return x.deadLetters.byService.tasks >= 1 && x.deadLetters.byService.documents >= 1 ? x : undefined;
      },
      "the dead letters counted",
      30_000,
    );
    expect(o.deadLetters.total).toBe(before + 2);
    expect(o.events.find((e) => e.type === POISON_TYPE)?.deadLetteredPerMinute).toBeGreaterThan(0);

    const list = await sys.http<Letters>("GET", "/v1/ops/dead-letters", { as: "ops", query: { service: "tasks" } });
    expect(list.status).toBe(200);
    const letter = list.json.deadLetters.find((d) => d.eventId === eventId)!;
    expect(letter).toMatchObject({ service: "tasks", consumer: "tasks-MEETINGS", stream: "MEETINGS", eventType: POISON_TYPE });
    expect(letter.error).toMatch(/cannot decode/);
    const all = await sys.http<Letters>("GET", "/v1/ops/dead-letters", { as: "ops" });
    expect(
      all.json.deadLetters
        .filter((d) => d.eventId === eventId)
        .map((d) => d.service)
        .sort(),
    ).toEqual(["documents", "tasks"]);

    const replay = await sys.http("POST", `/v1/ops/dead-letters/tasks/${letter.id}/replay`, { as: "ops" });
    expect(replay.status).toBe(200);
    expect(replay.json.replayed).toBe(false);
    expect(replay.json.error).toMatch(/cannot decode/);
    const after = await sys.http<Letters>("GET", "/v1/ops/dead-letters", { as: "ops", query: { service: "tasks" } });
    const again = after.json.deadLetters.find((d) => d.id === letter.id)!;
    expect(again.attempts.length).toBe(letter.attempts.length + 1);
    expect(again.attempts.at(-1)).toMatchObject({ replay: true, by: "ops" });

    expect((await sys.http("POST", "/v1/ops/dead-letters/tasks/0123456789abcdef01234567/replay", { as: "ops" })).status).toBe(404);
    expect((await sys.http("POST", "/v1/ops/dead-letters/nowhere/x/replay", { as: "ops" })).status).toBe(400);
    const noReason = await sys.http("POST", `/v1/ops/dead-letters/tasks/${letter.id}/discard`, { as: "ops", body: {} });
    expect(noReason.status).toBe(400);
    const discard = await sys.http("POST", `/v1/ops/dead-letters/tasks/${letter.id}/discard`, {
      as: "ops",
      body: { reason: "Sự kiện thử nghiệm hỏng / A test's poison event" },
    });
    expect(discard.status).toBe(200);
    const gone = await sys.http<Letters>("GET", "/v1/ops/dead-letters", { as: "ops", query: { service: "tasks" } });
    expect(gone.json.deadLetters.some((d) => d.id === letter.id)).toBe(false);
    await sys.until(
      async () => ((await overview()).deadLetters.byService.tasks === o.deadLetters.byService.tasks - 1 ? true : undefined),
      "the count down",
      30_000,
    );
  });
});
