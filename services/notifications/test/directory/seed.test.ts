import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PEOPLE, SEED_UNITS, seedDirectory } from "../../src/seed/index.js";
import { startDirectoryFixture } from "./context.js";

let server: Awaited<ReturnType<typeof startDirectoryFixture>>;
beforeAll(async () => {
  server = await startDirectoryFixture();
});
afterAll(async () => {
  await server?.close();
});

describe("the seeded directory", () => {
  it("has the 17 units, the leadership, four people per unit, an admin and an operator: 73 + 2", () => {
    expect(SEED_UNITS).toHaveLength(17);
    expect(SEED_PEOPLE).toHaveLength(75);
    expect(new Set(SEED_PEOPLE.map((p) => p.id)).size).toBe(75);
    expect(new Set(SEED_PEOPLE.map((p) => p.fullName)).size).toBe(75);
    for (const unit of SEED_UNITS) {
      const own = SEED_PEOPLE.filter((p) => p.unitId === unit.id);
      const prefix = unit.id.toLowerCase();
      expect(own.filter((p) => p.unitRole === "head").map((p) => p.id)).toEqual([`${prefix}-head`]);
      expect(own.filter((p) => p.unitRole === "deputy").map((p) => p.id)).toEqual([`${prefix}-deputy`]);
      expect(own.map((p) => p.id)).toEqual(expect.arrayContaining([`${prefix}-staff`, `${prefix}-clerk`]));
    }
    const byId = new Map(SEED_PEOPLE.map((p) => [p.id, p]));
    expect(byId.get("minister")).toMatchObject({ roles: ["minister"], unitId: null, position: "Bộ trưởng" });
    expect(byId.get("vp-head")).toMatchObject({ roles: ["office_chief", "unit_head"], position: "Chánh Văn phòng" });
    expect(byId.get("tccb-head")).toMatchObject({ roles: ["unit_head"], position: "Vụ trưởng" });
    expect(byId.get("admin")).toMatchObject({ roles: ["admin"], unitId: "VP" });
    expect(SEED_PEOPLE.filter((p) => p.locale === "en").length).toBeGreaterThanOrEqual(2);
    expect(SEED_PEOPLE.every((p) => p.email === `${p.id}@bnv.gov.example`)).toBe(true);
  });

  it("loads into an empty directory once; a second run (another replica) leaves it be", async () => {
    const f = await server.fresh();
    expect(await seedDirectory(f.directory)).toEqual({ seeded: true, people: 75, units: 17 });
    expect(await seedDirectory(f.directory)).toEqual({ seeded: false, people: 75, units: 17 });
    const g = await server.fresh();
    const both = await Promise.allSettled([seedDirectory(g.directory), seedDirectory(g.directory)]);
    const seeded = both.filter((r) => r.status === "fulfilled" && r.value.seeded);
    expect(seeded).toHaveLength(1);
    for (const r of both) if (r.status === "rejected") expect((r.reason as Error).constructor.name).toBe("AlreadyExists");
    expect(await g.directory.store.countPeople()).toBe(75);
  });

  it("every id is one scripts/token.ts --person accepts (it lists what it reads from the build)", () => {
    const root = new URL("../../../../", import.meta.url).pathname;
    let listed: string;
    try {
      listed = execFileSync(process.execPath, ["--import", "tsx", "scripts/token.ts", "--list"], { cwd: root, encoding: "utf8" });
    } catch (e) {
      // The script reads services/notifications/dist: without a build there is nothing to compare.
      if (String((e as { stderr?: unknown }).stderr).includes("cannot load")) return;
      throw e;
    }
    const ids = listed
      .trim()
      .split("\n")
      .map((l) => l.split("\t")[0]);
    expect(ids).toEqual(SEED_PEOPLE.map((p) => p.id));
  });
});
