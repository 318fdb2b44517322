/**
 * Searching documents: by number and symbol, type, issuing body, date range, status, unit and words,
 * always within what the caller may see. The visibility filter is one `$and` term of every page's
 * filter and of its count, so a document the caller may not see never matches, never counts, and
 * never lends a title to a result; a page token only says where to start (the platform's keyset pages).
 *
 * Words are found in the stored `searchText` (search-text.ts: lower case, no diacritics), each anywhere:
 * "thong bao ket luan" finds "Thông báo kết luận". A text that reads as a number and symbol
 * ("15/qd-bnv") is looked up exactly by `symbolKey` instead, so it finds 15/QĐ-BNV and not 115/QĐ-BNV.
 *
 * Indexes (`searchIndexes`): the list's order (documentDate, _id) serves broad lists, which walk it and
 * stop after a page; each branch of the visibility filter and each selective criterion has one led by
 * its field, so a unit's or a person's list is read from its own entries (an `$or` of indexed branches).
 * Words cannot use an index (a substring of normalised text); they narrow what the other terms read.
 */
import { type CollectionIndexes, FieldChecks, type Identity, type KeysetPage, keysetPage, type PageRequest } from "@ministry/platform";
import type { Collection, Document, Filter } from "mongodb";
import { looksLikeSymbol, normalizeDocumentText, symbolKey } from "../domain/search-text.js";
import { type AccessPolicy, type Direction, type DocumentAccess, visibleFilter } from "../domain/visibility.js";

/** The stored fields a search reads, besides those of access. */
export interface SearchRecord extends DocumentAccess {
  /** The vocabulary's type code ("QUYET_DINH", "CONG_VAN"). */
  type: string;
  /** "15/QĐ-BNV"; absent before numbering. */
  symbol?: string;
  /** symbolKey(symbol), kept with the symbol. */
  symbolKey?: string;
  /** The issuing body's organ code ("BNV"; the sender of an incoming document). */
  issuingBody?: string;
  /**
   * The date the document is listed and filtered by: its issue date once issued (for an incoming one,
   * the date it bears), before that the day it was drafted or received.
   */
  documentDate?: Date;
  /** searchText(document) (search-text.ts), rewritten with every change of what it is made of. */
  searchText: string;
  /** Set at every change: a list is read as of its first page, so a document changed meanwhile comes once, at the end. */
  updatedAt?: Date;
}

export interface DocumentSearchQuery {
  /** Words anywhere (every one must appear), or a number and symbol, looked up exactly. */
  text?: string;
  direction?: Direction;
  /** Any of these type codes. */
  types?: readonly string[];
  /** The issuing body's organ code. */
  issuingBody?: string;
  /** documentDate in [from, to). */
  from?: Date;
  to?: Date;
  /** Any of these workflow states. */
  statuses?: readonly string[];
  /** Documents concerning the unit: drafted by it, routed to it (lead or coordinating) or addressed to it. */
  unitId?: string;
}

export const MAX_SEARCH_TEXT_LENGTH = 500;
export const MAX_SEARCH_WORDS = 20;
/** Far more than the vocabulary's types or the workflows' states. */
export const MAX_SEARCH_VALUES = 50;
const MAX_CODE_LENGTH = 128;

const TEXT = { vi: "Nội dung tìm kiếm", en: "Search text" };
const TYPES = { vi: "Loại văn bản", en: "Document types" };
const STATUSES = { vi: "Trạng thái", en: "Statuses" };
const CODE = { vi: "Mã", en: "Code" };

/** The list's order: newest document first; `_id` (added by the platform) breaks ties. */
const SORT = [["documentDate", -1]] as const;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
}

/** The distinct normalised words of a search text. */
export function searchWords(text: string): string[] {
  return [...new Set(normalizeDocumentText(text).split(" "))].filter((w) => w.length > 0);
}

/** INVALID_ARGUMENT, with every problem, for a query past its limits or with `to` not after `from`. */
function checkQuery(q: DocumentSearchQuery): void {
  const checks = new FieldChecks();
  if (checks.length("text", q.text, MAX_SEARCH_TEXT_LENGTH, TEXT) && q.text && searchWords(q.text).length > MAX_SEARCH_WORDS)
    checks.add("text", `Tối đa ${MAX_SEARCH_WORDS} từ`, `At most ${MAX_SEARCH_WORDS} words`);
  checks.texts("types", q.types, MAX_SEARCH_VALUES, MAX_CODE_LENGTH, TYPES);
  checks.texts("statuses", q.statuses, MAX_SEARCH_VALUES, MAX_CODE_LENGTH, STATUSES);
  checks.length("issuing_body", q.issuingBody, MAX_CODE_LENGTH, CODE);
  checks.length("unit_id", q.unitId, MAX_CODE_LENGTH, CODE);
  if (q.from && q.to && q.to.getTime() <= q.from.getTime())
    checks.add("to", "Ngày kết thúc phải sau ngày bắt đầu", "The end date must be after the start date");
  checks.check();
}

/** The query's own criteria (not what the caller may see); `{}` when it has none. */
export function searchFilter(q: DocumentSearchQuery): Filter<Document> {
  const and: Filter<Document>[] = [];
  const text = q.text?.trim();
  if (text) {
    if (looksLikeSymbol(text)) and.push({ symbolKey: symbolKey(text) });
    else for (const word of searchWords(text)) and.push({ searchText: { $regex: escapeRegex(word) } });
  }
  if (q.direction) and.push({ direction: q.direction });
  if (q.types && q.types.length > 0) and.push({ type: { $in: [...q.types] } });
  if (q.issuingBody) and.push({ issuingBody: q.issuingBody });
  if (q.from || q.to) {
    const range: Record<string, Date> = {};
    if (q.from) range.$gte = q.from;
    if (q.to) range.$lt = q.to;
    and.push({ documentDate: range });
  }
  if (q.statuses && q.statuses.length > 0) and.push({ status: { $in: [...q.statuses] } });
  if (q.unitId)
    and.push({
      $or: [
        { draftingUnit: q.unitId },
        { "routing.leadUnit": q.unitId },
        { "routing.coordinatingUnits": q.unitId },
        { recipientUnits: q.unitId },
      ],
    });
  return and.length === 0 ? {} : and.length === 1 ? and[0] : { $and: and };
}

export interface SearchOptions {
  /** The service's clock: page tokens are issued and checked at this time. */
  now: Date;
  policy?: AccessPolicy;
}

/**
 * A page of the documents the caller may see that match `query`, newest first, with the count of all of
 * them (never of one the caller may not see). Items are the stored records without their `searchText`.
 */
export async function searchDocuments<T extends SearchRecord>(
  collection: Collection<T>,
  identity: Identity,
  query: DocumentSearchQuery,
  page: PageRequest,
  opts: SearchOptions,
): Promise<KeysetPage<Omit<T, "searchText">>> {
  checkQuery(query);
  const visible = visibleFilter(identity, opts.policy);
  const criteria = searchFilter(query);
  const result = await keysetPage(
    collection as unknown as Collection<Document>,
    {
      list: "documents.search",
      filter: { $and: [visible, criteria] },
      sort: SORT,
      // The token belongs to this caller's view and this query: another caller's token is refused.
      fingerprint: { criteria, visible },
      changedAt: "updatedAt",
      projection: { searchText: 0 },
    },
    page,
    { now: opts.now },
  );
  return result as unknown as KeysetPage<Omit<T, "searchText">>;
}

/** An index led by `field`, then the list's order. */
function byField(name: string, field: string): { key: Record<string, 1 | -1>; name: string } {
  return { key: { [field]: 1, documentDate: -1 }, name };
}

/** The indexes the search and the visibility filter read, on the documents collection (`collection`). */
export function searchIndexes(collection = "documents"): CollectionIndexes[] {
  return [
    {
      collection,
      indexes: [
        // the list's order: the Office's lists and any search without a more selective term
        { key: { documentDate: -1, _id: 1 }, name: "date_id" },
        // read as of the first page: the collection's latest change
        { key: { updatedAt: -1 }, name: "updated_at" },
        // a number and symbol, looked up exactly
        { key: { symbolKey: 1 }, name: "symbol_key" },
        // visibility: classified documents (clearance and grant) and a person's own
        byField("grants_date", "grants"),
        byField("created_by_date", "createdBy"),
        byField("handler_date", "handlerId"),
        byField("approvers_date", "approvers"),
        // visibility and the unit criterion: what concerns a unit
        byField("drafting_unit_date", "draftingUnit"),
        byField("lead_unit_date", "routing.leadUnit"),
        byField("coordinating_units_date", "routing.coordinatingUnits"),
        byField("recipient_units_date", "recipientUnits"),
        // the selective criteria
        byField("type_date", "type"),
        byField("status_date", "status"),
        byField("issuing_body_date", "issuingBody"),
      ],
    },
  ];
}
