/**
 * Aggregations are reads: no stage may change the stored documents it reads, whatever its options.
 * mingo writes into its input in several stages (dotted $set/$addFields/$project/$unset, $unwind with
 * preserveNullAndEmptyArrays or includeArrayIndex, $fill, $setWindowFields), and a later stage can write
 * through a reference an earlier stage passed on ($group's $push of $$ROOT, $replaceRoot, $lookup's
 * joined documents). Every stage the server supports has cases here — the list comes from the code, so a
 * stage added without cases fails — run on their own and inside $lookup, $unionWith and $facet
 * sub-pipelines. The stored documents must stay byte-identical: through find() at once, and on disk
 * after an unrelated write and a restart (a changed in-memory object is saved by the next write to it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MongoClient, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPPORTED_STAGES } from "../src/query/execute.js";
import { firstUnsafeStage } from "../src/query/stage-safety.js";
import { startEmbeddedMongo, type EmbeddedMongo } from "../src/index.js";

const SUBJECTS = "subjects";
const CONTROL = "control";
const DRIVER = "driver";

const DOCS: Document[] = [
  {
    _id: 1,
    kind: "a",
    n: 1,
    at: new Date("2024-01-01T00:00:00Z"),
    nested: { a: 1, keep: "k", deep: { x: 1 }, list: [1, 2] },
    arr: [{ b: 1, c: [1] }, { b: 2 }],
    empty: [],
    tags: ["x", "y"],
  },
  { _id: 2, kind: "b", n: 2, nested: { a: 2, deep: { x: 2 }, list: [] }, arr: [{ b: 3 }], empty: [], nul: null },
  { _id: 3, kind: "a", n: 4, nested: { a: 3 }, arr: [], tags: [] },
  { _id: 4, kind: "b", n: 5, arr: "scalar", nested: null },
  { _id: 5, kind: "c", n: 7, rare: true },
];

/** Mutating stages after a stage that may hand on references to stored objects. */
const HOSTILE: Document[] = [
  { $set: { "nested.a": "changed", "nested.deep.x": "changed", "arr.b": "changed" } },
  { $unset: ["nested.keep", "arr.c"] },
  { $project: { "nested.list": 0 } },
];

/** Pipelines per supported stage; $documents cases run without a collection (or start a sub-pipeline). */
const CASES: Record<string, Document[][]> = {
  $addFields: [
    [{ $addFields: { "nested.a": 9, "nested.deep.y": 1, "arr.b": 0 } }],
    [{ $addFields: { "nested.keep": "$$REMOVE" } }],
    [{ $addFields: { ref: "$nested", refs: "$arr" } }, { $addFields: { "ref.a": "changed", "refs.b": "changed" } }],
  ],
  $set: [[{ $set: { "nested.a": 9, "arr.b": 0, "nested.deep": { y: 1 } } }], [{ $set: { top: 1 } }, ...HOSTILE]],
  $unset: [[{ $unset: ["nested.keep", "arr.b", "nested.deep"] }], [{ $unset: "nested.a" }], [{ $unset: "tags" }, ...HOSTILE]],
  $project: [
    [{ $project: { "nested.a": 0, "arr.b": 0 } }],
    [{ $project: { nested: { keep: 0 } } }],
    [{ $project: { "nested.a": 1, "arr.b": 1, "nested.deep.x": 1 } }],
    [{ $project: { "nested.z": { $literal: 1 }, "arr.z": "$n" } }],
    [{ $project: { nested: 1, arr: 1 } }, ...HOSTILE],
    [{ $project: { tags: 0 } }, ...HOSTILE],
    [{ $project: { ref: "$nested", kind: 1 } }, { $set: { "ref.a": "changed" } }],
  ],
  $unwind: [
    [{ $unwind: { path: "$arr", preserveNullAndEmptyArrays: true, includeArrayIndex: "i" } }],
    [{ $unwind: { path: "$empty", preserveNullAndEmptyArrays: true } }],
    [{ $unwind: { path: "$nested.list", includeArrayIndex: "nested.i" } }],
    [{ $unwind: { path: "$missing", preserveNullAndEmptyArrays: true, includeArrayIndex: "i" } }],
    [{ $unwind: "$arr" }, ...HOSTILE],
    [{ $unwind: "$tags" }, ...HOSTILE],
  ],
  $fill: [
    [{ $fill: { sortBy: { n: 1 }, output: { "nested.a": { value: 0 }, nul: { value: "filled" }, rare: { method: "locf" } } } }],
    [{ $fill: { output: { nul: { value: 0 } } } }, ...HOSTILE],
  ],
  $setWindowFields: [
    [
      {
        $setWindowFields: {
          sortBy: { n: 1 },
          output: {
            "nested.rank": { $documentNumber: {} },
            "nested.total": { $sum: "$n", window: { documents: ["unbounded", "current"] } },
          },
        },
      },
    ],
    [{ $setWindowFields: { partitionBy: "$kind", output: { total: { $sum: "$n" } } } }, ...HOSTILE],
  ],
  $lookup: [
    [
      { $lookup: { from: SUBJECTS, localField: "kind", foreignField: "kind", as: "joined" } },
      { $unwind: "$joined" },
      ...hostileUnder("joined"),
    ],
    [{ $lookup: { from: SUBJECTS, pipeline: [{ $set: { "nested.a": "x" } }], as: "joined" } }],
    [{ $lookup: { from: SUBJECTS, pipeline: [{ $match: {} }], as: "joined" } }, { $unwind: "$joined" }, ...hostileUnder("joined")],
    [
      {
        $lookup: {
          from: SUBJECTS,
          let: { ref: "$nested" },
          pipeline: [{ $replaceWith: { $ifNull: ["$$ref", {}] } }, { $set: { "deep.x": "changed", a: "changed" } }],
          as: "joined",
        },
      },
    ],
  ],
  $graphLookup: [
    [
      { $graphLookup: { from: SUBJECTS, startWith: "$n", connectFromField: "n", connectToField: "n", as: "g", depthField: "depth" } },
      { $unwind: "$g" },
      ...hostileUnder("g"),
    ],
  ],
  $unionWith: [[{ $unionWith: { coll: SUBJECTS, pipeline: [{ $set: { "nested.a": "u" } }] } }], [{ $unionWith: SUBJECTS }, ...HOSTILE]],
  $facet: [
    [{ $facet: { one: [{ $set: { "nested.a": "f" } }], two: [{ $unwind: { path: "$empty", preserveNullAndEmptyArrays: true } }] } }],
    [{ $facet: { all: [{ $match: {} }] } }, { $unwind: "$all" }, ...hostileUnder("all")],
  ],
  $group: [
    [{ $group: { _id: "$kind", n: { $sum: 1 }, total: { $sum: "$n" } } }],
    [
      { $group: { _id: "$kind", docs: { $push: "$$ROOT" }, firstNested: { $first: "$nested" } } },
      { $set: { "firstNested.a": "changed" } },
      { $unwind: "$docs" },
      ...hostileUnder("docs"),
    ],
  ],
  $bucket: [
    [
      { $bucket: { groupBy: "$n", boundaries: [0, 3, 10], output: { docs: { $push: "$$ROOT" } } } },
      { $unwind: "$docs" },
      ...hostileUnder("docs"),
    ],
  ],
  $bucketAuto: [
    [{ $bucketAuto: { groupBy: "$n", buckets: 2, output: { docs: { $push: "$$ROOT" } } } }, { $unwind: "$docs" }, ...hostileUnder("docs")],
  ],
  $sortByCount: [[{ $sortByCount: "$kind" }]],
  $count: [[{ $count: "n" }]],
  $densify: [[{ $densify: { field: "n", range: { step: 1, bounds: "full" } } }, ...HOSTILE]],
  $documents: [
    [{ $documents: [{ x: 1 }] }, { $set: { "y.z": 1 } }],
    [
      { $documents: [{ kind: "a" }] },
      { $lookup: { from: SUBJECTS, localField: "kind", foreignField: "kind", as: "j" } },
      { $unwind: "$j" },
      ...hostileUnder("j"),
    ],
  ],
  $limit: [[{ $limit: 2 }, ...HOSTILE]],
  $skip: [[{ $skip: 1 }, ...HOSTILE]],
  $sort: [[{ $sort: { n: -1 } }, ...HOSTILE]],
  $match: [
    [{ $match: { n: { $gte: 1 } } }, ...HOSTILE],
    [{ $match: { $expr: { $gt: ["$n", 1] } } }, ...HOSTILE],
  ],
  $sample: [[{ $sample: { size: 3 } }, ...HOSTILE]],
  $redact: [
    [{ $redact: "$$KEEP" }, ...HOSTILE],
    [{ $redact: { $cond: [{ $eq: ["$kind", "b"] }, "$$PRUNE", "$$DESCEND"] } }, ...HOSTILE],
  ],
  $replaceRoot: [[{ $replaceRoot: { newRoot: { $ifNull: ["$nested", {}] } } }, { $set: { "deep.x": "changed", a: "changed" } }]],
  $replaceWith: [[{ $replaceWith: { $ifNull: ["$nested", {}] } }, { $set: { "deep.x": "changed" } }, { $unset: "list" }]],
};

function hostileUnder(field: string): Document[] {
  return [
    { $set: { [`${field}.nested.a`]: "changed", [`${field}.nested.deep.x`]: "changed", [`${field}.arr.b`]: "changed" } },
    { $unset: [`${field}.nested.keep`] },
  ];
}

type Context = "top level" | "in $lookup" | "in $unionWith" | "in $facet";
const CONTEXTS: Context[] = ["top level", "in $lookup", "in $unionWith", "in $facet"];

/**
 * Runs `pipeline` in `context`. A $documents pipeline runs without a collection, at the top level only:
 * the server refuses $documents at the start of a sub-pipeline.
 */
async function runIn(db: Db, context: Context, pipeline: Document[]): Promise<void> {
  if (pipeline[0]?.$documents !== undefined) {
    if (context === "top level") await db.aggregate(pipeline).toArray();
    return;
  }
  switch (context) {
    case "top level":
      await db.collection(SUBJECTS).aggregate(pipeline).toArray();
      return;
    case "in $lookup":
      await db
        .collection(DRIVER)
        .aggregate([{ $lookup: { from: SUBJECTS, pipeline, as: "out" } }])
        .toArray();
      return;
    case "in $unionWith":
      await db
        .collection(DRIVER)
        .aggregate([{ $unionWith: { coll: SUBJECTS, pipeline } }])
        .toArray();
      return;
    case "in $facet":
      await db
        .collection(SUBJECTS)
        .aggregate([{ $facet: { out: pipeline } }])
        .toArray();
      return;
  }
}

/** The stored documents as the server sends them: raw BSON, in _id order. */
async function storedBytes(db: Db, name: string): Promise<string[]> {
  const raw = (await db
    .collection(name)
    .find({}, { raw: true, sort: { _id: 1 } })
    .toArray()) as unknown as Buffer[];
  return raw.map((b) => Buffer.from(b).toString("hex"));
}

async function reset(db: Db, name: string): Promise<void> {
  await db.collection(name).deleteMany({});
  await db.collection(name).insertMany(structuredClone(DOCS));
}

describe("aggregations leave stored documents unchanged", () => {
  let dataDir: string;
  let srv: EmbeddedMongo;
  let client: MongoClient;
  let db: Db;
  let original: string[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "emb-agg-readonly-"));
    srv = await startEmbeddedMongo({ port: 0, dataDir, logLevel: "warn" });
    client = new MongoClient(srv.uri);
    db = client.db("readonly");
    await db.collection<{ _id: string; kind: string }>(DRIVER).insertOne({ _id: "driver", kind: "a" });
    await reset(db, CONTROL);
    original = await storedBytes(db, CONTROL);
  });

  afterAll(async () => {
    await client?.close();
    await srv?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("has cases for every stage the server supports", () => {
    expect(Object.keys(CASES).sort()).toEqual([...SUPPORTED_STAGES].sort());
  });

  for (const [stage, pipelines] of Object.entries(CASES)) {
    it(`${stage}: stored documents are byte-identical after each pipeline, in every context`, async () => {
      const changed: string[] = [];
      for (const pipeline of pipelines) {
        for (const context of CONTEXTS) {
          await reset(db, SUBJECTS);
          await runIn(db, context, pipeline);
          if (JSON.stringify(await storedBytes(db, SUBJECTS)) !== JSON.stringify(original)) {
            changed.push(`${context}: ${JSON.stringify(pipeline)}`);
          }
        }
      }
      expect(changed, "pipelines that changed stored documents").toEqual([]);
    });
  }

  it("every pipeline together, then an unrelated write and a restart: the data on disk is unchanged", async () => {
    await reset(db, SUBJECTS);
    for (const pipelines of Object.values(CASES)) {
      for (const pipeline of pipelines) for (const context of CONTEXTS) await runIn(db, context, pipeline);
    }
    // The same unrelated write on both collections: only the aggregated one could carry a changed object.
    for (const name of [SUBJECTS, CONTROL]) await db.collection(name).updateMany({}, { $set: { touched: true } });
    await client.close();
    await srv.stop();
    srv = await startEmbeddedMongo({ port: 0, dataDir, logLevel: "warn" });
    client = new MongoClient(srv.uri);
    db = client.db("readonly");
    expect(await storedBytes(db, SUBJECTS)).toEqual(await storedBytes(db, CONTROL));
  });
});

describe("which stages work on copies", () => {
  it("pipelines of reading stages run on the stored objects (no copy is paid)", () => {
    const reading: Document[][] = [
      [{ $match: { a: 1 } }, { $sort: { a: 1 } }, { $skip: 1 }, { $limit: 2 }, { $count: "n" }],
      [{ $group: { _id: "$unit", n: { $sum: 1 }, docs: { $push: "$$ROOT" } } }, { $sortByCount: "$_id" }],
      [{ $project: { a: 1, b: 1, _id: 0 } }, { $project: { x: { $add: ["$a", 1] }, y: "$b", z: [1, "$a"] } }],
      [{ $set: { top: "$a.b" } }, { $addFields: { other: { $literal: { c: 1 } } } }, { $unset: ["top", "a"] }],
      [{ $unwind: "$tags" }, { $unwind: { path: "$more" } }, { $unwind: { path: "$x", preserveNullAndEmptyArrays: false } }],
      [
        { $lookup: { from: "o", localField: "a", foreignField: "b", as: "j" } },
        { $lookup: { from: "o", pipeline: [{ $match: {} }], as: "k" } },
      ],
      [{ $unionWith: "o" }, { $unionWith: { coll: "o", pipeline: [{ $project: { a: 1 } }] } }, { $facet: { f: [{ $match: {} }] } }],
      [{ $replaceRoot: { newRoot: "$a" } }, { $replaceWith: "$b" }, { $redact: "$$KEEP" }, { $sample: { size: 1 } }],
      [
        { $bucket: { groupBy: "$n", boundaries: [0, 1] } },
        { $bucketAuto: { groupBy: "$n", buckets: 1 } },
        { $densify: { field: "n", range: { step: 1, bounds: "full" } } },
      ],
      [{ $graphLookup: { from: "o", startWith: "$a", connectFromField: "a", connectToField: "b", as: "g" } }],
    ];
    for (const pipeline of reading) expect(firstUnsafeStage(pipeline), JSON.stringify(pipeline)).toBe(pipeline.length);
  });

  it("copies from the first stage that may write into its input, and for any stage it does not know", () => {
    const cases: [Document[], number][] = [
      [[{ $match: {} }, { $set: { "a.b": 1 } }], 1],
      [[{ $project: { "a.b": 0 } }], 0],
      [[{ $project: { a: { b: 1 } } }], 0],
      [[{ $unset: "a.b" }], 0],
      [[{ $group: { _id: null } }, { $unwind: { path: "$a", includeArrayIndex: "i" } }], 1],
      [[{ $unwind: { path: "$a", preserveNullAndEmptyArrays: true } }], 0],
      [[{ $fill: { output: { a: { value: 0 } } } }], 0],
      [[{ $setWindowFields: { output: { a: { $sum: 1 } } } }], 0],
      [[{ $lookup: { from: "o", pipeline: [{ $set: { "a.b": 1 } }], as: "j" } }], 0],
      [[{ $facet: { f: [{ $unset: "a.b" }] } }], 0],
      [[{ $match: {} }, { $someFutureStage: {} }], 1],
    ];
    for (const [pipeline, index] of cases) expect(firstUnsafeStage(pipeline), JSON.stringify(pipeline)).toBe(index);
  });
});
