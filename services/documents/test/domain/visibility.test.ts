/**
 * Who sees a document: the rules as a table over canSee, then canSee and visibleFilter held equal over
 * generated documents and callers, the filter run by the embedded MongoDB through the official driver.
 */
import { startEmbeddedMongo } from "@ministry/embedded-mongo";
import { type Identity, NotFound, type Role } from "@ministry/platform";
import { type Collection, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AccessPolicy,
  canSee,
  clearanceOf,
  type DocumentAccess,
  visibleFilter,
  visibleOrNotFound,
} from "../../src/domain/visibility.js";
import type { Secrecy } from "../../src/domain/vocabulary.js";

function person(userId: string, roles: Role[], extra: Partial<Identity> = {}): Identity {
  return { userId, name: userId, roles, ...extra };
}

const clerk = person("clerk-vp", ["clerk"], { unitId: "VP" });
const unitClerk = person("clerk-tccb", ["clerk"], { unitId: "TCCB" });
const minister = person("minister", ["minister"]);
const deputy = person("deputy", ["deputy_minister"]);
const officeChief = person("chief", ["office_chief"], { unitId: "VP" });
const tccbStaff = person("staff-tccb", ["staff"], { unitId: "TCCB" });
const tccbHead = person("head-tccb", ["unit_head"], { unitId: "TCCB" });
const phcStaff = person("staff-phc", ["staff"], { unitId: "PC" });
const ktStaff = person("staff-kt", ["staff"], { unitId: "KHTC" });
const approver = person("approver-1", ["staff"], { unitId: "PC" });
const admin = person("admin", ["admin"]);

/** An incoming document routed to TCCB (lead) and KHTC (coordinating). */
const routedIncoming: DocumentAccess = {
  _id: "in-1",
  direction: "incoming",
  status: "routed",
  secrecy: "none",
  grants: [],
  routing: { leadUnit: "TCCB", coordinatingUnits: ["KHTC"] },
  approvers: [],
  recipientUnits: [],
  createdBy: "clerk-vp",
};

/** An outgoing draft of TCCB, to be approved by approver-1, addressed to PC. */
const draft: DocumentAccess = {
  _id: "out-1",
  direction: "outgoing",
  status: "in_approval",
  secrecy: "none",
  grants: [],
  draftingUnit: "TCCB",
  approvers: ["approver-1"],
  recipientUnits: ["PC"],
  createdBy: "staff-tccb",
};
const issued: DocumentAccess = { ...draft, _id: "out-2", status: "issued" };

function classified(secrecy: Secrecy, grants: string[]): DocumentAccess {
  return { ...routedIncoming, _id: `secret-${secrecy}`, secrecy, grants };
}

describe("canSee: unclassified documents", () => {
  it.each([
    ["the Office's clerk", clerk, routedIncoming, true],
    ["the Office's clerk, a draft of another unit", clerk, draft, true],
    ["the Minister", minister, draft, true],
    ["a Deputy Minister", deputy, routedIncoming, true],
    ["the Chief of the Office", officeChief, routedIncoming, true],
    ["staff of the lead unit", tccbStaff, routedIncoming, true],
    ["the head of the lead unit", tccbHead, routedIncoming, true],
    ["a clerk of the lead unit", unitClerk, routedIncoming, true],
    ["staff of a coordinating unit", ktStaff, routedIncoming, true],
    ["staff of a unit it is not routed to", phcStaff, routedIncoming, false],
    ["staff of the drafting unit", tccbStaff, draft, true],
    ["staff of a recipient unit, before it is issued", phcStaff, draft, false],
    ["staff of a recipient unit, once issued", phcStaff, issued, true],
    ["staff of a unit it concerns in no way", ktStaff, issued, false],
    ["an approver from another unit", approver, draft, true],
    ["an administrator", admin, routedIncoming, false],
    ["an administrator, on a draft", admin, draft, false],
  ])("%s: %s", (_, identity, doc, expected) => {
    expect(canSee(identity, doc)).toBe(expected);
  });

  it("a person sees what they created, handle or were granted, whatever their role", () => {
    const ops = person("ops-1", ["ops"]);
    expect(canSee(ops, routedIncoming)).toBe(false);
    expect(canSee(ops, { ...routedIncoming, createdBy: "ops-1" })).toBe(true);
    expect(canSee(ops, { ...routedIncoming, handlerId: "ops-1" })).toBe(true);
    expect(canSee(ops, { ...routedIncoming, grants: ["ops-1"] })).toBe(true);
  });

  it("a clerk of another unit is not the Office's, and a unit role without a unit reads by person only", () => {
    expect(canSee(unitClerk, draft)).toBe(true); // drafted by TCCB
    expect(canSee(unitClerk, { ...draft, draftingUnit: "PC" })).toBe(false);
    const unitless = person("staff-x", ["staff"]);
    expect(canSee(unitless, routedIncoming)).toBe(false);
  });

  it("the Office is configured", () => {
    const policy: AccessPolicy = { officeUnitId: "VPB" };
    expect(canSee(clerk, draft, policy)).toBe(false);
    expect(canSee(person("c", ["clerk"], { unitId: "VPB" }), draft, policy)).toBe(true);
  });
});

describe("canSee: classified documents need both clearance and grant", () => {
  const granted = (clearance: string | undefined) => person("reader", ["staff"], { unitId: "TCCB", clearance });
  it.each<[string, Identity, DocumentAccess, boolean]>([
    ["clearance, no grant (even the Minister)", { ...minister, clearance: "tuyet_mat" }, classified("mat", []), false],
    ["clearance, no grant (the lead unit's staff)", granted("tuyet_mat"), classified("mat", []), false],
    ["grant, no clearance", granted(undefined), classified("mat", ["reader"]), false],
    ["both", granted("mat"), classified("mat", ["reader"]), true],
    ["a higher clearance reads a lower level", granted("tuyet_mat"), classified("toi_mat", ["reader"]), true],
    ["a lower clearance does not read a higher level", granted("mat"), classified("toi_mat", ["reader"]), false],
    ["a clearance spelt otherwise is none", granted("TUYET_MAT"), classified("mat", ["reader"]), false],
    ["'none' is no clearance", granted("none"), classified("mat", ["reader"]), false],
    ["the Office's clerk without grant", { ...clerk, clearance: "tuyet_mat" }, classified("mat", []), false],
    ["an administrator with clearance and grant", { ...admin, clearance: "mat" }, classified("mat", ["admin"]), true],
    ["an administrator with clearance, no grant", { ...admin, clearance: "tuyet_mat" }, classified("mat", []), false],
    ["its creator, without a grant", person("clerk-vp", ["clerk"], { unitId: "VP", clearance: "mat" }), classified("mat", []), false],
  ])("%s", (_, identity, doc, expected) => {
    expect(canSee(identity, doc)).toBe(expected);
  });

  it("a secrecy level the vocabulary does not know hides the document from everyone", () => {
    const odd = { ...routedIncoming, secrecy: "secret" as Secrecy, grants: ["minister"] };
    expect(canSee({ ...minister, clearance: "tuyet_mat" }, odd)).toBe(false);
    expect(canSee(minister, { ...routedIncoming, secrecy: undefined as unknown as Secrecy })).toBe(false);
  });

  it("reads the clearance claim as the vocabulary spells it", () => {
    expect(clearanceOf(person("a", [], { clearance: "toi_mat" }))).toBe("toi_mat");
    expect(clearanceOf(person("a", [], { clearance: "none" }))).toBeUndefined();
    expect(clearanceOf(person("a", [], { clearance: "constructor" }))).toBeUndefined();
    expect(clearanceOf(person("a", []))).toBeUndefined();
  });
});

describe("a hidden document answers as a missing one", () => {
  it("NOT_FOUND with the same message", () => {
    const missing = (() => {
      try {
        visibleOrNotFound(phcStaff, null);
      } catch (e) {
        return e;
      }
    })();
    const hidden = (() => {
      try {
        visibleOrNotFound(phcStaff, routedIncoming);
      } catch (e) {
        return e;
      }
    })();
    expect(missing).toBeInstanceOf(NotFound);
    expect(hidden).toBeInstanceOf(NotFound);
    expect((hidden as Error).message).toBe((missing as Error).message);
    expect((hidden as Error).message).not.toContain("in-1");
    expect(visibleOrNotFound(tccbStaff, routedIncoming)).toBe(routedIncoming);
  });
});

// ---------------------------------------------------------------- canSee ≡ visibleFilter

/** A small seeded generator (mulberry32), so a failure is reproduced by its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const some = <T>(items: readonly T[], max: number): T[] => {
    const n = Math.floor(next() * (max + 1));
    return [...new Set(Array.from({ length: n }, () => pick(items)))];
  };
  const maybe = <T>(value: () => T, p = 0.5): T | undefined => (next() < p ? value() : undefined);
  return { next, pick, some, maybe };
}

const UNITS = ["VP", "TCCB", "PC", "KHTC", "TTra"];
const PEOPLE = ["p1", "p2", "p3", "p4", "p5", "p6"];
const SECRECY_VALUES = ["none", "none", "none", "mat", "toi_mat", "tuyet_mat", "odd"];
const CLEARANCES = [undefined, undefined, "mat", "toi_mat", "tuyet_mat", "none", "MAT"];
const STATUSES = ["received", "registered", "routed", "drafting", "in_approval", "issued", "recalled", "replaced"];
const ALL_ROLES: Role[] = ["minister", "deputy_minister", "office_chief", "unit_head", "staff", "clerk", "admin", "ops"];

function generatedDocument(r: ReturnType<typeof random>, i: number): DocumentAccess {
  const doc: Record<string, unknown> = {
    _id: `d${i}`,
    direction: r.pick(["incoming", "outgoing"]),
    status: r.pick(STATUSES),
    secrecy: r.pick(SECRECY_VALUES),
    createdBy: r.pick(PEOPLE),
  };
  // absent fields as well as empty ones: stored records differ in what they carry
  const grants = r.maybe(() => r.some(PEOPLE, 3), 0.8);
  if (grants) doc.grants = grants;
  const drafting = r.maybe(() => r.pick(UNITS));
  if (drafting) doc.draftingUnit = drafting;
  const routing = r.maybe(() => ({ leadUnit: r.pick(UNITS), coordinatingUnits: r.some(UNITS, 3) }), 0.4);
  if (routing) doc.routing = routing;
  const handler = r.maybe(() => r.pick(PEOPLE), 0.3);
  if (handler) doc.handlerId = handler;
  const approvers = r.maybe(() => r.some(PEOPLE, 3), 0.7);
  if (approvers) doc.approvers = approvers;
  const recipients = r.maybe(() => r.some(UNITS, 3), 0.7);
  if (recipients) doc.recipientUnits = recipients;
  return doc as unknown as DocumentAccess;
}

function generatedIdentity(r: ReturnType<typeof random>): Identity {
  const identity: Identity = { userId: r.pick(PEOPLE), name: "", roles: r.some(ALL_ROLES, 2) };
  const unit = r.maybe(() => r.pick(UNITS), 0.8);
  if (unit) identity.unitId = unit;
  const clearance = r.pick(CLEARANCES);
  if (clearance) identity.clearance = clearance;
  return identity;
}

describe("visibleFilter means exactly what canSee does (embedded MongoDB)", () => {
  type Server = Awaited<ReturnType<typeof startEmbeddedMongo>>;
  let server: Server;
  let client: MongoClient;
  let documents: Collection<DocumentAccess>;
  const r = random(20200315);
  const docs = Array.from({ length: 400 }, (_, i) => generatedDocument(r, i));

  beforeAll(async () => {
    server = await startEmbeddedMongo({ port: 0, logLevel: "warn" });
    client = new MongoClient(server.uri);
    await client.connect();
    documents = client.db("documents_visibility_test").collection<DocumentAccess>("documents");
    await documents.insertMany(docs.map((d) => ({ ...d })));
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it("for generated callers over generated documents, the filter finds the documents canSee shows", async () => {
    const identities = [
      ...Array.from({ length: 120 }, () => generatedIdentity(r)),
      clerk,
      { ...minister, userId: "p1", clearance: "tuyet_mat" },
      { ...tccbStaff, userId: "p2", clearance: "mat" },
      { ...admin, userId: "p3", clearance: "toi_mat" },
    ];
    let seen = 0;
    let hidden = 0;
    for (const identity of identities) {
      const expected = docs
        .filter((d) => canSee(identity, d))
        .map((d) => d._id)
        .sort();
      const found = (await documents.find(visibleFilter(identity), { projection: { _id: 1 } }).toArray()).map((d) => d._id).sort();
      expect(found, JSON.stringify(identity)).toEqual(expected);
      seen += expected.length;
      hidden += docs.length - expected.length;
    }
    // the generation reaches both sides of the rule, and classified documents are seen by someone
    expect(seen).toBeGreaterThan(1000);
    expect(hidden).toBeGreaterThan(1000);
    const classifiedSeen = identities.some((i) => docs.some((d) => d.secrecy !== "none" && canSee(i, d)));
    expect(classifiedSeen).toBe(true);
  });
});
