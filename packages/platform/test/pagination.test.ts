/**
 * Keyset pagination against the embedded store through the official driver: every mix of directions,
 * ties, missing and null keys, computed keys, a list read as of its first page while documents change,
 * and tokens that are garbled, hand-edited, foreign or expired.
 */
import { createHash } from "node:crypto";
import type { Collection, Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidArgument } from "../src/errors.js";
import { connectMongo, type MongoConnection } from "../src/mongo.js";
import { keysetPage, PAGE_TOKEN_LIFETIME_MS, type KeysetQuery, type KeysetSort } from "../src/pagination.js";

let conn: MongoConnection;
let items: Collection<Document>;
const NOW = new Date("2020-03-30T03:00:00Z");

/** 60 documents: numbers with ties, strings with ties, dates; each field sometimes missing, sometimes null. */
function documents(): Document[] {
  const out: Document[] = [];
  for (let i = 0; i < 60; i += 1) {
    const doc: Document = { _id: `d${String((i * 37) % 60).padStart(2, "0")}`, group: i % 2 };
    if (i % 7 === 0) doc.n = null;
    else if (i % 11 !== 0) doc.n = i % 4;
    if (i % 5 === 0) doc.s = null;
    else if (i % 13 !== 0) doc.s = ["b", "a", "c"][i % 3];
    if (i % 9 !== 0) doc.at = new Date(Date.UTC(2020, 0, 1 + (i % 6)));
    doc.x = i % 3 === 0 ? 1.5 : 2;
    out.push(doc);
  }
  return out;
}

beforeAll(async () => {
  conn = await connectMongo({ dbName: "platform_pagination_test" });
  items = conn.db.collection("items");
  await items.insertMany(documents());
});

afterAll(async () => {
  await conn?.close();
});

async function readAll(q: KeysetQuery, pageSize: number, now = NOW): Promise<string[]> {
  const ids: string[] = [];
  let token = "";
  do {
    const page = await keysetPage(items, q, { pageSize, pageToken: token }, { now });
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    ids.push(...page.items.map((d) => String(d._id)));
    token = page.nextPageToken;
  } while (token !== "");
  return ids;
}

async function refusal(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument);
    return (e as InvalidArgument).violations.map((v) => v.field);
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("keyset pages", () => {
  const fields = ["n", "s", "at"] as const;
  const mixes: KeysetSort[] = [];
  for (const a of fields)
    for (const b of fields)
      if (a !== b)
        for (const da of [1, -1] as const)
          for (const db of [1, -1] as const)
            mixes.push([
              [a, da],
              [b, db],
            ]);

  it("walk every mix of fields and directions, with ties, missing and null keys, in the store's own order", async () => {
    for (const sort of mixes) {
      for (const idDirection of [1, -1] as const) {
        const full: KeysetSort = [...sort, ["_id", idDirection]];
        const expected = (await items.find({}, { sort: Object.fromEntries(full) }).toArray()).map((d) => String(d._id));
        expect(expected).toHaveLength(60);
        for (const size of [2, 7])
          expect(await readAll({ list: "items", filter: {}, sort: full }, size), JSON.stringify(full)).toEqual(expected);
      }
    }
  });

  it("add _id to a sort without it, and page a filtered list with its total", async () => {
    const filter = { group: 1 };
    const expected = (await items.find(filter, { sort: { x: -1, _id: 1 } }).toArray()).map((d) => String(d._id));
    expect(await readAll({ list: "items", filter, sort: [["x", -1]] }, 4)).toEqual(expected);
    const first = await keysetPage(items, { list: "items", filter, sort: [["x", -1]] }, { pageSize: 4 }, { now: NOW });
    expect(first.totalSize).toBe(30);
  });

  it("sort on a computed key (an $addFields stage) and page by it", async () => {
    const computed = { rank: { $cond: [{ $eq: ["$s", "a"] }, 0, 1] } };
    const q: KeysetQuery = {
      list: "ranked",
      filter: {},
      sort: [
        ["rank", 1],
        ["at", -1],
      ],
      computed,
    };
    const expected = (await items.aggregate([{ $addFields: computed }, { $sort: { rank: 1, at: -1, _id: 1 } }]).toArray()).map((d) =>
      String(d._id),
    );
    expect(await readAll(q, 6)).toEqual(expected);
    // The computed key orders the pages; it is not part of the documents returned.
    const page = await keysetPage(items, q, { pageSize: 6 }, { now: NOW });
    expect(page.items.some((d) => "rank" in d)).toBe(false);
  });

  it("read as of the first page: a document changed or added between pages comes once, after the others", async () => {
    const list = conn.db.collection("changing");
    await list.insertMany(
      Array.from({ length: 30 }, (_, i) => ({
        _id: `t${String(i).padStart(2, "0")}` as never,
        updatedAt: new Date(Date.UTC(2020, 0, 1, i % 5)),
      })),
    );
    const q: KeysetQuery = { list: "changing", filter: {}, sort: [["updatedAt", -1]], changedAt: "updatedAt" };
    const everything = (await list.find({}, { sort: { updatedAt: -1, _id: 1 } }).toArray()).map((d) => String(d._id));
    const first = await keysetPage(list, q, { pageSize: 10 }, { now: NOW });
    const seen = first.items.map((d) => String(d._id));
    // One from the second page and one already read change; one is added.
    const later = new Date(NOW.getTime() + 60_000);
    const notYetRead = everything[15];
    await list.updateOne({ _id: notYetRead as never }, { $set: { updatedAt: later } });
    await list.updateOne({ _id: everything[2] as never }, { $set: { updatedAt: later } });
    await list.insertOne({ _id: "new" as never, updatedAt: later });
    let token = first.nextPageToken;
    while (token !== "") {
      const page = await keysetPage(list, q, { pageSize: 10, pageToken: token }, { now: later });
      seen.push(...page.items.map((d) => String(d._id)));
      token = page.nextPageToken;
    }
    const times = (id: string) => seen.filter((s) => s === id).length;
    expect(everything.filter((id) => id !== everything[2]).filter((id) => times(id) !== 1)).toEqual([]);
    // What changed comes at the end with its change: the one read before its change comes again.
    expect(seen.slice(-3).sort()).toEqual([everything[2], notYetRead, "new"].sort());
    expect(times(everything[2])).toBe(2);
  });
});

describe("a list read as of its first page", () => {
  it.each([
    ["on the first page", 4],
    ["on a later page", 7],
  ])("holds a document changed later than the reader's clock (another replica's clock ahead) in its place, %s", async (_, skewed) => {
    const list = conn.db.collection(`skewed${skewed}`);
    await list.insertMany(
      Array.from({ length: 12 }, (_, i) => ({
        _id: `k${String(i).padStart(2, "0")}` as never,
        rank: i,
        updatedAt: new Date(NOW.getTime() + (i === skewed ? 5_000 : 0)),
      })),
    );
    const q: KeysetQuery = { list: "skewed", filter: {}, sort: [["rank", 1]], changedAt: "updatedAt" };
    const ids: string[] = [];
    let token = "";
    do {
      const page = await keysetPage(list, q, { pageSize: 5, pageToken: token }, { now: NOW });
      ids.push(...page.items.map((d) => String(d._id)));
      token = page.nextPageToken;
    } while (token !== "");
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, "0")}`));
  });
});

describe("page tokens", () => {
  const q: KeysetQuery = { list: "items", filter: { group: 0 }, sort: [["n", 1]] };

  async function firstToken(): Promise<string> {
    const page = await keysetPage(items, q, { pageSize: 3 }, { now: NOW });
    expect(page.nextPageToken).not.toBe("");
    return page.nextPageToken;
  }

  it("refuse a garbled or hand-edited token", async () => {
    const token = await firstToken();
    const [body, sum] = token.split(".");
    const json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    const edited = Buffer.from(
      JSON.stringify({
        ...json,
        k: [
          ["n", 99],
          ["s", "d99"],
        ],
      }),
      "utf8",
    ).toString("base64url");
    for (const bad of [
      "x",
      `${token}x`,
      `${edited}.${sum}`,
      token.slice(0, -2),
      "a".repeat(5000),
      Buffer.from("o:3").toString("base64url"),
    ])
      expect(await refusal(keysetPage(items, q, { pageSize: 3, pageToken: bad }, { now: NOW }))).toEqual(["page.page_token"]);
    // A token with a sound checksum but values this module never writes (an operator object) is refused too.
    const sneaky = JSON.stringify({
      ...json,
      k: [
        ["s", { $ne: null }],
        ["s", "d00"],
      ],
    });
    const forged = `${Buffer.from(sneaky, "utf8").toString("base64url")}.${createHash("sha256").update(sneaky).digest("base64url").slice(0, 16)}`;
    expect(await refusal(keysetPage(items, q, { pageSize: 3, pageToken: forged }, { now: NOW }))).toEqual(["page.page_token"]);
  });

  it("refuse a token of another list: another filter, order or list name", async () => {
    const token = await firstToken();
    for (const other of [
      { ...q, filter: { group: 1 } },
      { ...q, sort: [["n", -1]] as KeysetSort },
      { ...q, list: "others" },
    ])
      expect(await refusal(keysetPage(items, other, { pageSize: 3, pageToken: token }, { now: NOW }))).toEqual(["page.page_token"]);
  });

  it("expire after their lifetime, by the service's clock", async () => {
    const token = await firstToken();
    const justInTime = new Date(NOW.getTime() + PAGE_TOKEN_LIFETIME_MS);
    expect((await keysetPage(items, q, { pageSize: 3, pageToken: token }, { now: justInTime })).items).toHaveLength(3);
    const late = new Date(NOW.getTime() + PAGE_TOKEN_LIFETIME_MS + 1);
    expect(await refusal(keysetPage(items, q, { pageSize: 3, pageToken: token }, { now: late }))).toEqual(["page.page_token"]);
  });

  it("refuse a negative page size on page.page_size, and bound a large one", async () => {
    expect(await refusal(keysetPage(items, q, { pageSize: -1 }, { now: NOW }))).toEqual(["page.page_size"]);
    expect((await keysetPage(items, q, { pageSize: 10_000 }, { now: NOW, maxSize: 5 })).items).toHaveLength(5);
  });
});
