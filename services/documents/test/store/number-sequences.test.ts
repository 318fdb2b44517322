/**
 * Decree 30's numbers through the official driver against the embedded MongoDB: taken inside the
 * transaction that records the document, so concurrent issues get distinct consecutive numbers, a failed
 * issue leaves no gap, and a restart continues where numbering was.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { ensureIndexes, InvalidArgument, inTransaction } from "@ministry/platform";
import { type Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCUMENTS_INDEXES } from "../../src/store/indexes.js";
import {
  ArrivalNumbers,
  type IssueNumberKey,
  IssueNumbers,
  type IssueSeries,
  numberingYear,
  seriesKey,
} from "../../src/store/number-sequences.js";

interface NumberedDocument {
  _id: string;
  number: number;
}

type Server = Awaited<ReturnType<typeof startEmbeddedMongo>>;

async function connect(server: Server, dbName: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(server.uri);
  await client.connect();
  const db = client.db(dbName);
  await ensureIndexes(db, DOCUMENTS_INDEXES);
  return { client, db };
}

const GENERAL: IssueSeries = { kind: "general" };
const THONG_TU: IssueSeries = { kind: "vbqppl", documentType: "TT" };
const SECRET: IssueSeries = { kind: "secret" };
const COPY: IssueSeries = { kind: "copy" };

describe("number sequences", () => {
  let server: Server;
  let client: MongoClient;
  let db: Db;
  let issue: IssueNumbers;
  let arrival: ArrivalNumbers;

  beforeAll(async () => {
    server = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
    ({ client, db } = await connect(server, "documents_numbers_test"));
    issue = new IssueNumbers(db);
    arrival = new ArrivalNumbers(db);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  /** Takes a number and records a document holding it, in one transaction (what issuing a document does). */
  function issueDocument(id: string, key: IssueNumberKey, attempts?: { n: number }): Promise<number> {
    const documents = db.collection<NumberedDocument>("issued");
    return inTransaction(client, async (session) => {
      if (attempts) attempts.n += 1;
      const number = await issue.next(session, key);
      await documents.insertOne({ _id: id, number }, { session });
      return number;
    });
  }

  it("gives 200 concurrent issues the numbers 1 to 200, each once, each held by the document issued with it", async () => {
    const key: IssueNumberKey = { body: "BNV", year: 2020, series: GENERAL };
    const attempts = { n: 0 };
    const started = performance.now();
    const numbers = await Promise.all(Array.from({ length: 200 }, (_, i) => issueDocument(`c-${i}`, key, attempts)));
    const ms = performance.now() - started;
    // informational only: how long 200 issues of one series took, serialized by their conflicts
    console.info(`200 concurrent issues: ${ms.toFixed(0)} ms wall, ${attempts.n} transaction attempts`);

    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = await db
      .collection<NumberedDocument>("issued")
      .find({ _id: { $regex: /^c-/ } })
      .toArray();
    expect(stored).toHaveLength(200);
    for (const doc of stored) expect(doc.number).toBe(numbers[Number(doc._id.slice(2))]);
    expect(await issue.peek(key)).toBe(200);
  });

  it("leaves no gap when the issue fails after taking a number: the next issue takes it", async () => {
    const key: IssueNumberKey = { body: "BNV", year: 2020, series: COPY };
    expect(await issueDocument("f-1", key)).toBe(1);
    const documents = db.collection<NumberedDocument>("issued");
    await expect(
      inTransaction(client, async (session) => {
        const number = await issue.next(session, key);
        expect(number).toBe(2);
        await documents.insertOne({ _id: "f-failed", number }, { session });
        throw new Error("chữ ký số không hợp lệ / the digital signature is invalid");
      }),
    ).rejects.toThrow("the digital signature is invalid");
    expect(await issue.peek(key)).toBe(1);
    expect(await documents.findOne({ _id: "f-failed" })).toBeNull();
    expect(await issueDocument("f-2", key)).toBe(2);
  });

  it("refuses to take a number outside a transaction (it would be spent without its document)", async () => {
    const session = client.startSession();
    try {
      await expect(issue.next(session, { body: "BNV", year: 2020, series: GENERAL })).rejects.toThrow(/inside the transaction/);
      await expect(arrival.next(session, { body: "BNV", year: 2020 })).rejects.toThrow(/inside the transaction/);
    } finally {
      await session.endSession();
    }
    expect(await issue.peek({ body: "BNV", year: 2020, series: GENERAL })).toBe(200);
  });

  it("starts every year at 1, and keeps series and bodies apart", async () => {
    const key = (body: string, year: number, series: IssueSeries): IssueNumberKey => ({ body, year, series });
    expect(await issueDocument("y-1", key("BTC", 2020, GENERAL))).toBe(1);
    expect(await issueDocument("y-2", key("BTC", 2020, GENERAL))).toBe(2);
    expect(await issueDocument("y-3", key("BTC", 2021, GENERAL))).toBe(1);
    expect(await issueDocument("y-4", key("BTC", 2020, THONG_TU))).toBe(1);
    expect(await issueDocument("y-5", key("BTC", 2020, { kind: "vbqppl", documentType: "QĐ" }))).toBe(1);
    expect(await issueDocument("y-6", key("BTC", 2020, THONG_TU))).toBe(2);
    expect(await issueDocument("y-7", key("BTC", 2020, SECRET))).toBe(1);
    expect(await issueDocument("y-8", key("BTC", 2020, COPY))).toBe(1);
    expect(await issueDocument("y-9", key("BYT", 2020, GENERAL))).toBe(1);
    expect(await issueDocument("y-10", key("BTC", 2021, GENERAL))).toBe(2);
    // a type's abbreviation typed composed ("Ư") or decomposed ("U" + combining horn) is one series
    expect(await issueDocument("y-11", key("BTC", 2020, { kind: "vbqppl", documentType: "TTƯ" }))).toBe(1);
    expect(await issueDocument("y-12", key("BTC", 2020, { kind: "vbqppl", documentType: "TTU\u031B" }))).toBe(2);

    expect(await issue.seriesOf("BTC", 2020)).toEqual([
      { series: COPY, last: 1 },
      { series: GENERAL, last: 2 },
      { series: SECRET, last: 1 },
      { series: { kind: "vbqppl", documentType: "QĐ" }, last: 1 },
      { series: THONG_TU, last: 2 },
      { series: { kind: "vbqppl", documentType: "TTƯ" }, last: 2 },
    ]);
    expect(await issue.seriesOf("BTC", 2021)).toEqual([{ series: GENERAL, last: 2 }]);
    expect(await issue.seriesOf("BTC", 2019)).toEqual([]);
    expect(await issue.peek(key("BTC", 2022, GENERAL))).toBe(0);
  });

  it("numbers a year by Vietnam's calendar: 1 January starts at 17:00 UTC the day before", () => {
    expect(numberingYear(new Date("2020-12-31T16:59:59.999Z"))).toBe(2020);
    expect(numberingYear(new Date("2020-12-31T17:00:00Z"))).toBe(2021);
    expect(numberingYear(new Date("2021-01-01T00:00:00+07:00"))).toBe(2021);
  });

  it("refuses keys that could name two sequences with one counter, or none", async () => {
    await inTransaction(client, async (s) => {
      for (const bad of [
        { body: "BNV/2020", year: 2020, series: GENERAL },
        { body: "", year: 2020, series: GENERAL },
        { body: " BNV", year: 2020, series: GENERAL },
        { body: "BNV", year: 2020.5, series: GENERAL },
        { body: "BNV", year: 20, series: GENERAL },
        { body: "BNV", year: 2020, series: { kind: "vbqppl", documentType: "TT/general" } },
        { body: "BNV", year: 2020, series: { kind: "vbqppl", documentType: "" } },
      ] as IssueNumberKey[]) {
        await expect(issue.next(s, bad), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidArgument);
      }
      await expect(arrival.next(s, { body: "V\u0000P", year: 2020 })).rejects.toBeInstanceOf(InvalidArgument);
    });
    expect(seriesKey(THONG_TU)).toBe("vbqppl:TT");
    await expect(issue.peek({ body: "BNV/2020", year: 2020, series: GENERAL })).rejects.toThrow(/Mã cơ quan .* \/ .*body's code/);
  });

  describe("arrival numbers (số đến)", () => {
    /** Registers an incoming document with the next arrival number, in one transaction. */
    function register(id: string, body: string, year: number): Promise<number> {
      const incoming = db.collection<NumberedDocument>("incoming");
      return inTransaction(client, async (session) => {
        const number = await arrival.next(session, { body, year });
        await incoming.insertOne({ _id: id, number }, { session });
        return number;
      });
    }

    it("gives 200 concurrent registrations the numbers 1 to 200, while the same body's issues number on their own", async () => {
      const [arrivals, issues] = await Promise.all([
        Promise.all(Array.from({ length: 200 }, (_, i) => register(`a-${i}`, "VP", 2020))),
        Promise.all(Array.from({ length: 20 }, (_, i) => issueDocument(`vp-${i}`, { body: "VP", year: 2020, series: GENERAL }))),
      ]);
      expect([...arrivals].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect([...issues].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const stored = await db
        .collection<NumberedDocument>("incoming")
        .find({ _id: { $regex: /^a-/ } })
        .toArray();
      expect(stored).toHaveLength(200);
      for (const doc of stored) expect(doc.number).toBe(arrivals[Number(doc._id.slice(2))]);
      expect(await arrival.peek({ body: "VP", year: 2020 })).toBe(200);
    });

    it("starts every year at 1, per receiving body, and a failed registration leaves no gap", async () => {
      expect(await register("r-1", "VP", 2021)).toBe(1);
      expect(await register("r-2", "VP", 2021)).toBe(2);
      expect(await register("r-3", "PC", 2021)).toBe(1);
      await expect(
        inTransaction(client, async (session) => {
          expect(await arrival.next(session, { body: "VP", year: 2021 })).toBe(3);
          throw new Error("văn bản trùng / a duplicate of a registered document");
        }),
      ).rejects.toThrow("a duplicate");
      expect(await register("r-4", "VP", 2021)).toBe(3);
      expect(await arrival.peek({ body: "VP", year: 2022 })).toBe(0);
    });
  });
});

describe("number sequences across a restart", () => {
  it("continue where they were when the embedded MongoDB starts again on the same data directory", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "documents-numbers-"));
    const key: IssueNumberKey = { body: "BNV", year: 2020, series: THONG_TU };
    const take = async (server: Server, count: number) => {
      const { client, db } = await connect(server, "documents_restart");
      try {
        const issue = new IssueNumbers(db);
        const arrival = new ArrivalNumbers(db);
        const issued = await Promise.all(Array.from({ length: count }, () => inTransaction(client, (s) => issue.next(s, key))));
        const arrived = await Promise.all(
          Array.from({ length: count }, () => inTransaction(client, (s) => arrival.next(s, { body: "BNV", year: 2020 }))),
        );
        return { issued: issued.sort((a, b) => a - b), arrived: arrived.sort((a, b) => a - b) };
      } finally {
        await client.close();
      }
    };
    try {
      const first = await startEmbeddedMongo({ port: 0, dataDir, logLevel: "warn" });
      let before: { issued: number[]; arrived: number[] };
      try {
        before = await take(first, 5);
      } finally {
        await first.stop();
      }
      expect(before).toEqual({ issued: [1, 2, 3, 4, 5], arrived: [1, 2, 3, 4, 5] });

      const second = await startEmbeddedMongo({ port: 0, dataDir, logLevel: "warn" });
      try {
        expect(await take(second, 3)).toEqual({ issued: [6, 7, 8], arrived: [6, 7, 8] });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
