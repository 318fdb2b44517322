/**
 * Who may see a document: one rule, written twice — `canSee` over a stored record (a document fetched by
 * id) and `visibleFilter`, the MongoDB filter of exactly the same documents (lists, searches and their
 * counts). A test holds the two equal over generated documents and callers against the embedded MongoDB.
 *
 * Classified (Mật, Tối mật, Tuyệt mật; Law on Protection of State Secrets 2018): visible only to a person
 * who holds both a clearance reaching the document's secrecy (the token's `clearance` claim) and an
 * explicit grant on it (`grants`). Nothing else opens it: not a role (the Minister, an administrator),
 * not the unit it is routed to, not having drafted or approving it. Whoever must work on a classified
 * document is granted it by the use case that puts them on it (the drafter, the approvers, the secret
 * series' clerk, the handler), so the grant list is the one place that says who reads it.
 *
 * Unclassified:
 * - the Office's readers see every one: the Minister, the deputies, the Chief of the Office, and the
 *   Office's clerks (văn thư: they receive, register and number everything);
 * - a unit's people (its head, staff and clerks) see what concerns their unit: drafted by it, routed to
 *   it (lead or coordinating), or issued to it (an outgoing document's recipient units, once issued —
 *   a draft's intended recipients do not read it before it exists);
 * - a person sees what they created, handle, are an approver of, or hold a grant on, whatever their role;
 * - nobody else: an administrator or operator reads documents only through the rules above.
 *
 * A stored value the rule does not know (a secrecy level outside the vocabulary, a missing secrecy, a
 * clearance spelt otherwise) reads as the most restrictive: the document hidden, the clearance none.
 * A document the caller may not see answers exactly as a missing one (`visibleOrNotFound`).
 */
import { NotFound, type Identity, type Role } from "@ministry/platform";
import type { Document, Filter } from "mongodb";
import { SECRECIES, type Secrecy } from "./vocabulary.js";

export type Direction = "incoming" | "outgoing";

/** The stored fields a document's visibility depends on (the documents collection holds them as written here). */
export interface DocumentAccess {
  _id: string;
  direction: Direction;
  /** The workflow state (workflow.ts): an outgoing document reaches its recipients once issued. */
  status: string;
  secrecy: Secrecy;
  /** Person ids with an explicit grant (for a classified document, with a clearance, the only readers). */
  grants?: string[];
  /** Outgoing: the unit drafting it ("Lưu: VT, <unit>"). */
  draftingUnit?: string;
  /** Incoming: where the leader routed it. */
  routing?: { leadUnit: string; coordinatingUnits: string[] };
  /** The person handling it (an incoming document assigned to someone). */
  handlerId?: string;
  /** Outgoing: the approval chain, in order. */
  approvers?: string[];
  /** Outgoing: the ministry's own units among the recipients ("Nơi nhận"). */
  recipientUnits?: string[];
  createdBy: string;
}

export interface AccessPolicy {
  /** The Ministry Office ("VP"), whose clerks register and number every document. */
  officeUnitId: string;
}

export const DEFAULT_ACCESS_POLICY: AccessPolicy = { officeUnitId: "VP" };

/** Roles that see every unclassified document wherever they sit. */
const LEADERSHIP: readonly Role[] = ["minister", "deputy_minister", "office_chief"];
/** Roles that see what concerns their unit. */
const UNIT_PEOPLE: readonly Role[] = ["unit_head", "staff", "clerk"];
/** Outgoing states in which the recipients have the document. */
export const DELIVERED_STATUSES: readonly string[] = ["issued", "recalled", "replaced"];
const CLASSIFIED_LEVELS: readonly Secrecy[] = ["mat", "toi_mat", "tuyet_mat"];

function has(identity: Identity, roles: readonly Role[]): boolean {
  return identity.roles.some((r) => roles.includes(r));
}

/** The caller's clearance, or undefined for none (absent, "none", or a value the vocabulary does not spell). */
export function clearanceOf(identity: Identity): Exclude<Secrecy, "none"> | undefined {
  const c = identity.clearance;
  return c !== undefined && (CLASSIFIED_LEVELS as readonly string[]).includes(c) ? (c as Exclude<Secrecy, "none">) : undefined;
}

/** The classified levels the caller's clearance reaches ("toi_mat" reads "mat" too); empty without one. */
export function coveredLevels(identity: Identity): Secrecy[] {
  const clearance = clearanceOf(identity);
  if (!clearance) return [];
  return CLASSIFIED_LEVELS.filter((level) => SECRECIES[level].rank <= SECRECIES[clearance].rank);
}

/** Whether the caller sees every unclassified document. */
export function seesAllUnclassified(identity: Identity, policy: AccessPolicy = DEFAULT_ACCESS_POLICY): boolean {
  return has(identity, LEADERSHIP) || (has(identity, ["clerk"]) && identity.unitId === policy.officeUnitId);
}

/** The unit whose documents the caller sees as one of its people, if any. */
function readerUnit(identity: Identity): string | undefined {
  return has(identity, UNIT_PEOPLE) && identity.unitId ? identity.unitId : undefined;
}

/**
 * MongoDB's equality on a field: an array field matches when it holds the value, any other when it is
 * the value. Written out so canSee reads a stored record exactly as the filter does.
 */
function holds(field: unknown, value: string): boolean {
  return Array.isArray(field) ? field.includes(value) : field === value;
}

export function canSee(identity: Identity, doc: DocumentAccess, policy: AccessPolicy = DEFAULT_ACCESS_POLICY): boolean {
  if (doc.secrecy === "none") {
    if (seesAllUnclassified(identity, policy)) return true;
    const me = identity.userId;
    if (holds(doc.createdBy, me) || holds(doc.handlerId, me) || holds(doc.approvers, me) || holds(doc.grants, me)) return true;
    const unit = readerUnit(identity);
    if (unit === undefined) return false;
    return (
      holds(doc.draftingUnit, unit) ||
      holds(doc.routing?.leadUnit, unit) ||
      holds(doc.routing?.coordinatingUnits, unit) ||
      (doc.direction === "outgoing" && DELIVERED_STATUSES.includes(doc.status) && holds(doc.recipientUnits, unit))
    );
  }
  // Classified (or a level the vocabulary does not know, which no clearance covers): clearance and grant.
  return coveredLevels(identity).includes(doc.secrecy) && holds(doc.grants, identity.userId);
}

/**
 * The filter of the documents `canSee` shows the caller; combine it with `$and` so nothing else widens
 * it. Typed for the caller's collection (`T`), any collection holding the fields of DocumentAccess.
 */
export function visibleFilter<T = Document>(identity: Identity, policy: AccessPolicy = DEFAULT_ACCESS_POLICY): Filter<T> {
  const visible: Filter<Document>[] = [];
  if (seesAllUnclassified(identity, policy)) visible.push({ secrecy: "none" });
  else {
    const me = identity.userId;
    const mine: Filter<Document>[] = [{ createdBy: me }, { handlerId: me }, { approvers: me }, { grants: me }];
    const unit = readerUnit(identity);
    if (unit !== undefined)
      mine.push(
        { draftingUnit: unit },
        { "routing.leadUnit": unit },
        { "routing.coordinatingUnits": unit },
        { direction: "outgoing", status: { $in: [...DELIVERED_STATUSES] }, recipientUnits: unit },
      );
    visible.push({ secrecy: "none", $or: mine });
  }
  const levels = coveredLevels(identity);
  if (levels.length > 0) visible.push({ secrecy: { $in: levels }, grants: identity.userId });
  return (visible.length === 1 ? visible[0] : { $or: visible }) as Filter<T>;
}

/** The same answer for a document that does not exist and one the caller may not see. */
export function documentNotFound(): NotFound {
  return new NotFound("Không tìm thấy văn bản / Document not found");
}

/** `doc` when the caller may see it; NOT_FOUND, the same as for a missing one, when absent or hidden. */
export function visibleOrNotFound<T extends DocumentAccess>(
  identity: Identity,
  doc: T | null | undefined,
  policy: AccessPolicy = DEFAULT_ACCESS_POLICY,
): T {
  if (!doc || !canSee(identity, doc, policy)) throw documentNotFound();
  return doc;
}
