/**
 * Searching documents through the official driver against the embedded MongoDB: words with and without
 * diacritics, exact symbols, the other criteria, keyset pages with nothing twice and nothing missed, and
 * a classified document that an unauthorized caller never finds, never counts and never reads a title of.
 */
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { ensureIndexes, type Identity, InvalidArgument, type Role } from "@ministry/platform";
import { type Collection, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchText, symbolKey } from "../../src/domain/search-text.js";
import { canSee } from "../../src/domain/visibility.js";
import { documentType, type Secrecy } from "../../src/domain/vocabulary.js";
import { type DocumentSearchQuery, type SearchRecord, searchDocuments, searchIndexes } from "../../src/store/document-search.js";

interface StoredDocument extends SearchRecord {
  summary: string;
}

const NOW = new Date("2020-04-01T03:00:00Z");

function person(userId: string, roles: Role[], extra: Partial<Identity> = {}): Identity {
  return { userId, name: userId, roles, ...extra };
}

const clerk = person("clerk-vp", ["clerk"], { unitId: "VP" });
const minister = person("minister", ["minister"], { clearance: "tuyet_mat" });
const tccbStaff = person("staff-tccb", ["staff"], { unitId: "TCCB" });
const pcStaff = person("staff-pc", ["staff"], { unitId: "PC" });
const securityOfficer = person("security-1", ["staff"], { unitId: "VP", clearance: "tuyet_mat" });

function record(p: {
  id: string;
  type: string;
  summary: string;
  date?: string;
  symbol?: string;
  issuingBody?: string;
  direction?: "incoming" | "outgoing";
  status?: string;
  secrecy?: Secrecy;
  grants?: string[];
  draftingUnit?: string;
  routing?: { leadUnit: string; coordinatingUnits: string[] };
  content?: string;
}): StoredDocument {
  const type = documentType(p.type);
  const doc: StoredDocument = {
    _id: p.id,
    direction: p.direction ?? "outgoing",
    status: p.status ?? "issued",
    secrecy: p.secrecy ?? "none",
    grants: p.grants ?? [],
    approvers: [],
    recipientUnits: [],
    createdBy: "clerk-vp",
    type: p.type,
    summary: p.summary,
    issuingBody: p.issuingBody ?? "BNV",
    searchText: searchText({
      symbol: p.symbol,
      typeName: type?.vi,
      summary: p.summary,
      content: p.content,
      issuingBodyName: p.issuingBody,
    }),
    updatedAt: p.date ? new Date(p.date) : new Date("2020-03-01T00:00:00Z"),
  };
  if (p.date) doc.documentDate = new Date(p.date);
  if (p.symbol) {
    doc.symbol = p.symbol;
    doc.symbolKey = symbolKey(p.symbol);
  }
  if (p.draftingUnit) doc.draftingUnit = p.draftingUnit;
  if (p.routing) doc.routing = p.routing;
  return doc;
}

const SECRET_TITLE = "Phương án bảo vệ bí mật nhà nước tại hội nghị giao ban quý I";

const FIXED: StoredDocument[] = [
  record({
    id: "tb-15",
    type: "THONG_BAO",
    symbol: "15/TB-BNV",
    summary: "Thông báo kết luận của Bộ trưởng tại cuộc họp giao ban quý I năm 2020",
    date: "2020-03-20T02:00:00Z",
    draftingUnit: "VP",
  }),
  record({
    id: "qd-15",
    type: "QUYET_DINH",
    symbol: "15/QĐ-BNV",
    summary: "Về việc bổ nhiệm Vụ trưởng Vụ Tổ chức cán bộ",
    date: "2020-03-10T02:00:00Z",
    draftingUnit: "TCCB",
  }),
  record({
    id: "qd-05",
    type: "QUYET_DINH",
    symbol: "05/QĐ-BNV",
    summary: "Về việc ban hành Quy chế làm việc của Bộ",
    date: "2020-01-06T02:00:00Z",
    draftingUnit: "PC",
  }),
  record({
    id: "qd-115",
    type: "QUYET_DINH",
    symbol: "115/QĐ-BNV",
    summary: "Về việc thành lập Hội đồng thi đua khen thưởng",
    date: "2020-03-25T02:00:00Z",
    draftingUnit: "TCCB",
  }),
  record({
    id: "bc-q1",
    type: "BAO_CAO",
    symbol: "20/BC-BNV",
    summary: "Báo cáo kết quả thực hiện nhiệm vụ quý I năm 2020",
    date: "2020-03-31T09:00:00Z",
    draftingUnit: "KHTC",
    content: "Tình hình thực hiện chương trình công tác; kết luận giao ban.",
  }),
  record({
    id: "in-vpcp",
    type: "THONG_BAO",
    symbol: "80/TB-VPCP",
    issuingBody: "VPCP",
    direction: "incoming",
    status: "routed",
    summary: "Thông báo kết luận của Thủ tướng Chính phủ về cải cách hành chính",
    date: "2020-03-12T02:00:00Z",
    routing: { leadUnit: "TCCB", coordinatingUnits: ["PC"] },
  }),
  record({
    id: "draft-tb",
    type: "THONG_BAO",
    status: "drafting",
    summary: "Dự thảo thông báo kết luận họp chuyên đề",
    draftingUnit: "TCCB",
  }),
  record({
    id: "secret-1",
    type: "PHUONG_AN",
    symbol: "01/PA-BNV",
    secrecy: "toi_mat",
    grants: ["security-1"],
    summary: SECRET_TITLE,
    date: "2020-03-21T02:00:00Z",
    draftingUnit: "TCCB",
    routing: { leadUnit: "TCCB", coordinatingUnits: ["PC"] },
  }),
];

describe("searchDocuments", () => {
  type Server = Awaited<ReturnType<typeof startEmbeddedMongo>>;
  let server: Server;
  let client: MongoClient;
  let fixed: Collection<StoredDocument>;
  let many: Collection<StoredDocument>;
  let manyDocs: StoredDocument[];

  beforeAll(async () => {
    server = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
    client = new MongoClient(server.uri);
    await client.connect();
    const db = client.db("documents_search_test");
    await ensureIndexes(db, [...searchIndexes("documents"), ...searchIndexes("many")]);
    fixed = db.collection<StoredDocument>("documents");
    await fixed.insertMany(FIXED.map((d) => ({ ...d })));
    // many documents, several on the same day (ties broken by _id), some without a date, some classified
    manyDocs = Array.from({ length: 61 }, (_, i) =>
      record({
        id: `m-${String(i).padStart(3, "0")}`,
        type: i % 3 === 0 ? "CONG_VAN" : "THONG_BAO",
        summary: `Văn bản số ${i} về công tác văn thư lưu trữ`,
        date: i % 10 === 9 ? undefined : `2020-03-${String((i % 7) + 1).padStart(2, "0")}T02:00:00Z`,
        secrecy: i % 8 === 5 ? "mat" : "none",
        grants: i % 16 === 5 ? ["security-1"] : [],
        draftingUnit: i % 2 === 0 ? "TCCB" : "PC",
      }),
    );
    many = db.collection<StoredDocument>("many");
    await many.insertMany(manyDocs.map((d) => ({ ...d })));
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  const ids = (items: { _id: string }[]) => items.map((d) => d._id).sort();
  const search = (identity: Identity, query: DocumentSearchQuery, pageSize = 50, pageToken?: string) =>
    searchDocuments(fixed, identity, query, { pageSize, pageToken }, { now: NOW });

  describe("words, diacritics-insensitive", () => {
    it.each(["thong bao ket luan", "Thông báo kết luận", "THÔNG BÁO KẾT LUẬN", "ket luan thong bao"])(
      "%j finds the notices",
      async (text) => {
        const page = await search(clerk, { text });
        expect(ids(page.items)).toEqual(["draft-tb", "in-vpcp", "tb-15"]);
        expect(page.totalSize).toBe(3);
      },
    );

    it("every word must appear; content is searched too", async () => {
      expect(ids((await search(clerk, { text: "thong bao ket luan giao ban" })).items)).toEqual(["tb-15"]);
      expect(ids((await search(clerk, { text: "bo nhiem vu truong" })).items)).toEqual(["qd-15"]);
      expect(ids((await search(clerk, { text: "chuong trinh cong tac" })).items)).toEqual(["bc-q1"]);
      expect((await search(clerk, { text: "thong bao tuyen dung" })).totalSize).toBe(0);
    });

    it("takes regular-expression characters as written", async () => {
      const page = await search(clerk, { text: "quy.i (2020" });
      expect(page.totalSize).toBe(0);
      // a word is found anywhere, as the platform's search finds it
      expect(ids((await search(clerk, { text: "giao ban (quý" })).items)).toEqual([]);
      expect(ids((await search(clerk, { text: "giao ban quý" })).items)).toEqual(["bc-q1", "tb-15"]);
    });

    it("never returns the stored search text", async () => {
      const page = await search(clerk, { text: "bao cao" });
      expect(page.items.length).toBeGreaterThan(0);
      for (const item of page.items) expect(item).not.toHaveProperty("searchText");
    });
  });

  describe("number and symbol", () => {
    it.each([
      ["15/qd-bnv", ["qd-15"]],
      ["15/QĐ-BNV", ["qd-15"]],
      ["5/qd-bnv", ["qd-05"]],
      ["05/QĐ-BNV", ["qd-05"]],
      ["115/qd-bnv", ["qd-115"]],
      ["80/tb-vpcp", ["in-vpcp"]],
      ["16/qd-bnv", []],
    ])("%j finds exactly %j", async (text, expected) => {
      const page = await search(clerk, { text });
      expect(ids(page.items)).toEqual(expected);
      expect(page.totalSize).toBe(expected.length);
    });
  });

  describe("criteria", () => {
    it("a date range [from, to) and a type", async () => {
      const march = { from: new Date("2020-02-29T17:00:00Z"), to: new Date("2020-03-31T17:00:00Z") };
      expect(ids((await search(clerk, { ...march, types: ["QUYET_DINH"] })).items)).toEqual(["qd-115", "qd-15"]);
      expect(ids((await search(clerk, { ...march, types: ["THONG_BAO", "BAO_CAO"] })).items)).toEqual(["bc-q1", "in-vpcp", "tb-15"]);
      const to = new Date("2020-03-20T02:00:00Z");
      expect(ids((await search(clerk, { from: new Date("2020-03-12T02:00:00Z"), to })).items)).toEqual(["in-vpcp"]);
    });

    it("status, direction, issuing body, unit", async () => {
      expect(ids((await search(clerk, { statuses: ["drafting"] })).items)).toEqual(["draft-tb"]);
      expect(ids((await search(clerk, { direction: "incoming" })).items)).toEqual(["in-vpcp"]);
      expect(ids((await search(clerk, { issuingBody: "VPCP" })).items)).toEqual(["in-vpcp"]);
      expect(ids((await search(clerk, { unitId: "PC" })).items)).toEqual(["in-vpcp", "qd-05"]);
      expect(ids((await search(clerk, { unitId: "TCCB", text: "thong bao" })).items)).toEqual(["draft-tb", "in-vpcp"]);
    });

    it("lists newest first, undated last", async () => {
      const page = await search(clerk, {});
      expect(page.items.map((d) => d._id)).toEqual(["bc-q1", "qd-115", "tb-15", "in-vpcp", "qd-15", "qd-05", "draft-tb"]);
    });

    it("refuses a range that ends before it starts and an overlong text", async () => {
      const at = new Date("2020-03-01T00:00:00Z");
      await expect(search(clerk, { from: at, to: at })).rejects.toBeInstanceOf(InvalidArgument);
      await expect(search(clerk, { text: "a ".repeat(300) })).rejects.toBeInstanceOf(InvalidArgument);
      await expect(search(clerk, { text: Array.from({ length: 21 }, (_, i) => `w${i}`).join(" ") })).rejects.toBeInstanceOf(
        InvalidArgument,
      );
    });
  });

  describe("what the caller may see", () => {
    it("a unit's staff find what concerns their unit only", async () => {
      expect(ids((await search(pcStaff, { text: "thong bao ket luan" })).items)).toEqual(["in-vpcp"]);
      expect(ids((await search(tccbStaff, { text: "thong bao ket luan" })).items)).toEqual(["draft-tb", "in-vpcp"]);
    });

    it("a classified document: never found, counted or titled for a caller without clearance and grant", async () => {
      const secretWords = ["bao ve bi mat nha nuoc", "phuong an", "01/PA-BNV", "giao ban quy i"];
      for (const identity of [clerk, minister, tccbStaff, pcStaff]) {
        for (const text of [...secretWords, ""]) {
          const page = await search(identity, { text });
          const visible = FIXED.filter((d) => canSee(identity, d));
          expect(visible.some((d) => d._id === "secret-1")).toBe(false);
          expect(page.items.map((d) => d._id)).not.toContain("secret-1");
          expect(JSON.stringify(page.items)).not.toContain(SECRET_TITLE);
          expect(JSON.stringify(page.items)).not.toContain("bi mat nha nuoc");
          expect(page.totalSize).toBe(page.items.length);
        }
        // the count of everything equals what the caller sees
        expect((await search(identity, {})).totalSize).toBe(FIXED.filter((d) => canSee(identity, d)).length);
        expect((await search(identity, { text: "01/PA-BNV" })).totalSize).toBe(0);
      }
    });

    it("the granted officer with the clearance finds it", async () => {
      const byWords = await search(securityOfficer, { text: "bao ve bi mat nha nuoc" });
      expect(ids(byWords.items)).toEqual(["secret-1"]);
      expect(byWords.items[0].summary).toBe(SECRET_TITLE);
      expect(ids((await search(securityOfficer, { text: "01/pa-bnv" })).items)).toEqual(["secret-1"]);
      // grant, not clearance enough for Tối mật
      const lower = { ...securityOfficer, clearance: "mat" };
      expect((await search(lower, { text: "01/pa-bnv" })).totalSize).toBe(0);
    });
  });

  describe("pages", () => {
    async function readAll(identity: Identity, query: DocumentSearchQuery, pageSize: number) {
      const seen: string[] = [];
      const totals = new Set<number>();
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await searchDocuments(many, identity, query, { pageSize, pageToken: token }, { now: NOW });
        expect(page.items.length).toBeLessThanOrEqual(pageSize);
        seen.push(...page.items.map((d) => d._id));
        totals.add(page.totalSize);
        token = page.nextPageToken || undefined;
        pages += 1;
        expect(pages).toBeLessThan(100);
      } while (token);
      return { seen, totals, pages };
    }

    it.each([
      ["the Office's clerk", clerk, {}],
      ["TCCB's staff", tccbStaff, {}],
      ["the granted officer", securityOfficer, {}],
      ["the Minister, by words", minister, { text: "van thu luu tru" }],
      ["TCCB's staff, by type", tccbStaff, { types: ["THONG_BAO"] }],
    ] as [string, Identity, DocumentSearchQuery][])("%s: every visible match once, across pages", async (_, identity, query) => {
      const expected = manyDocs.filter(
        (d) => canSee(identity, d) && (!query.types || query.types.includes(d.type)) && (!query.text || d.searchText.includes("van thu")),
      );
      const { seen, totals, pages } = await readAll(identity, query, 7);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(expected.map((d) => d._id).sort());
      expect([...totals]).toEqual([expected.length]);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 7)));
      // in the list's order: newest first, undated last, ties by id
      const order = [...expected].sort(
        (a, b) => (b.documentDate?.getTime() ?? -Infinity) - (a.documentDate?.getTime() ?? -Infinity) || (a._id < b._id ? -1 : 1),
      );
      expect(seen).toEqual(order.map((d) => d._id));
    });

    it("classified documents the caller may not see are left out of the pages and of the total", async () => {
      const unauthorized = await readAll(minister, {}, 10);
      const authorized = await readAll(securityOfficer, {}, 10);
      const hidden = manyDocs.filter((d) => d.secrecy !== "none");
      expect(hidden.length).toBeGreaterThan(0);
      for (const d of hidden) expect(unauthorized.seen).not.toContain(d._id);
      expect([...unauthorized.totals]).toEqual([manyDocs.length - hidden.length]);
      expect(authorized.seen).toEqual(expect.arrayContaining(manyDocs.filter((d) => d.grants?.includes("security-1")).map((d) => d._id)));
    });

    it("a page token is refused for another caller or another query", async () => {
      const first = await searchDocuments(many, clerk, {}, { pageSize: 5 }, { now: NOW });
      expect(first.nextPageToken).not.toBe("");
      await expect(
        searchDocuments(many, tccbStaff, {}, { pageSize: 5, pageToken: first.nextPageToken }, { now: NOW }),
      ).rejects.toBeInstanceOf(InvalidArgument);
      await expect(
        searchDocuments(many, clerk, { types: ["CONG_VAN"] }, { pageSize: 5, pageToken: first.nextPageToken }, { now: NOW }),
      ).rejects.toBeInstanceOf(InvalidArgument);
    });
  });
});
