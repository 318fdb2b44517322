/**
 * Recipient resolution and lists against the embedded MongoDB: every selector kind, inactive people
 * left out, each person once in first-selected order, unresolved selectors apart, few reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Selector } from "../../src/domain/model.js";
import { seedDirectory } from "../../src/seed/index.js";
import { ADMIN, startDirectoryFixture, type DirectoryFixture } from "./context.js";

let server: Awaited<ReturnType<typeof startDirectoryFixture>>;
let f: DirectoryFixture;

beforeAll(async () => {
  server = await startDirectoryFixture();
  f = await server.fresh();
  await seedDirectory(f.directory);
  await f.directory.deactivatePerson(ADMIN, "pc-deputy");
});
afterAll(async () => {
  await server?.close();
});

const ids = (people: { _id: string }[]) => people.map((p) => p._id);
const sel = (kind: Selector["kind"], value: string): Selector => ({ kind, value });

describe("resolve", () => {
  it("turns each kind of selector into the active people it stands for", async () => {
    const store = f.directory.store;
    expect(ids((await store.resolve([sel("person", "minister")])).people)).toEqual(["minister"]);
    expect(ids((await store.resolve([sel("unit_head", "VP")])).people)).toEqual(["vp-head"]);
    expect(ids((await store.resolve([sel("unit_leaders", "TCCB")])).people)).toEqual(["tccb-head", "tccb-deputy"]);
    expect(ids((await store.resolve([sel("role", "deputy_minister")])).people).sort()).toEqual([
      "deputy-minister-1",
      "deputy-minister-2",
      "deputy-minister-3",
      "deputy-minister-4",
    ]);
    expect(ids((await store.resolve([sel("unit_members", "HTQT")])).people).sort()).toEqual([
      "htqt-clerk",
      "htqt-deputy",
      "htqt-head",
      "htqt-staff",
    ]);
  });

  it("leaves inactive people out, and lists selectors that stand for nobody", async () => {
    const r = await f.directory.store.resolve([
      sel("unit_leaders", "PC"),
      sel("person", "pc-deputy"),
      sel("person", "nobody"),
      sel("unit_head", "NOPE"),
      sel("role", "ops"),
    ]);
    expect(ids(r.people)).toEqual(["pc-head", "ops"]);
    expect(r.unresolved).toEqual([sel("person", "pc-deputy"), sel("person", "nobody"), sel("unit_head", "NOPE")]);
    const members = await f.directory.store.resolve([sel("unit_members", "PC")]);
    expect(ids(members.people)).not.toContain("pc-deputy");
  });

  it("gives each person once, in the order first selected", async () => {
    const r = await f.directory.store.resolve([
      sel("person", "vp-staff"),
      sel("unit_leaders", "VP"),
      sel("unit_head", "VP"),
      sel("role", "office_chief"),
      sel("unit_members", "VP"),
      sel("person", "vp-staff"),
    ]);
    expect(ids(r.people).slice(0, 3)).toEqual(["vp-staff", "vp-head", "vp-deputy"]);
    expect(new Set(ids(r.people)).size).toBe(r.people.length);
    expect(ids(r.people).sort()).toEqual(["admin", "ops", "vp-clerk", "vp-deputy", "vp-head", "vp-staff"]);
    expect(r.unresolved).toEqual([]);
  });

  it("reads once per kind of selector, whatever their number, inside the caller's session", async () => {
    const store = f.directory.store;
    const commands: { name: string; inTransaction: boolean }[] = [];
    const listener = (e: { commandName: string; command: { txnNumber?: unknown } }) =>
      commands.push({ name: e.commandName, inTransaction: e.command.txnNumber !== undefined });
    f.conn.client.on("commandStarted", listener);
    try {
      const selectors = [
        ...["VP", "PC", "TCCB", "HTQT", "KHTC"].flatMap((u) => [sel("unit_leaders", u), sel("unit_head", u), sel("unit_members", u)]),
        ...["minister", "deputy-minister-1", "admin"].map((p) => sel("person", p)),
        sel("role", "staff"),
        sel("role", "clerk"),
      ];
      const session = f.conn.client.startSession();
      try {
        await session.withTransaction(async () => {
          await store.resolve(selectors, session);
        });
      } finally {
        await session.endSession();
      }
    } finally {
      f.conn.client.off("commandStarted", listener);
    }
    const finds = commands.filter((c) => c.name === "find");
    expect(finds).toHaveLength(4);
    expect(finds.every((c) => c.inTransaction)).toBe(true);
  });
});

describe("lists", () => {
  it("lists people in name order, diacritics-insensitive search, by unit and role, page by page", async () => {
    const store = f.directory.store;
    const found = await store.listPeople({ query: "nguyen van" }, {});
    expect(found.items.map((p) => p.fullName).sort()).toEqual(["Nguyễn Văn Hòa", "Nguyễn Văn Nam"]);
    const first = await store.listPeople({ unitId: "VP" }, { pageSize: 3 });
    const second = await store.listPeople({ unitId: "VP" }, { pageSize: 3, pageToken: first.nextPageToken });
    const all = [...first.items, ...second.items];
    expect(all.map((p) => p._id).sort()).toEqual(["admin", "ops", "vp-clerk", "vp-deputy", "vp-head", "vp-staff"]);
    expect(all.map((p) => p.nameSearch)).toEqual([...all.map((p) => p.nameSearch)].sort());
    expect(ids((await store.listPeople({ role: "minister" }, {})).items)).toEqual(["minister"]);
    expect(ids((await store.listPeople({ unitId: "PC" }, {})).items)).not.toContain("pc-deputy");
    expect(ids((await store.listPeople({ unitId: "PC", includeInactive: true }, {})).items)).toContain("pc-deputy");
  });

  it("shows a unit with its active head, deputies and member count", async () => {
    const [pc] = await f.directory.store.summaries([(await f.directory.store.getUnit("PC"))!]);
    expect(pc.head?._id).toBe("pc-head");
    expect(pc.deputies).toEqual([]);
    expect(pc.memberCount).toBe(3);
    expect(await f.directory.store.unitLeaders("TCCB")).toMatchObject({ head: { _id: "tccb-head" }, deputies: [{ _id: "tccb-deputy" }] });
  });
});
