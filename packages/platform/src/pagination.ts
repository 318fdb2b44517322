/**
 * Keyset (cursor) pagination for every list a service serves. An offset ("skip 50") shifts when a
 * document is inserted, removed or re-sorted between two pages, so the reader sees one twice and
 * misses another. A keyset page instead starts after the last item's sort key, so the documents that
 * did not change between two pages each appear exactly once whatever else happens.
 *
 * The sort always ends with `_id`, so no two documents share a key. The next-page token carries the last
 * item's key values with their types (a date stays a date, a number a number, missing/null as null), a
 * fingerprint of the list (its name, filter and order as the caller gave them) so a token is refused on
 * any other list, and its issue time so it expires. The list's filter, including what the caller may
 * see, is applied on every page: a token only says where to start, never what may be read, so it
 * needs no secret; a checksum refuses a garbled or hand-edited one.
 *
 * Documents whose sort key changes (a task ordered by its last update) would move behind the reader,
 * or ahead of it and come twice. A list given a `changedAt` field is read as of its first page:
 * documents changed since then are left out of their place and listed after the others, oldest change
 * first, so they appear once, with their change, at the end.
 */
import { createHash } from "node:crypto";
import { ObjectId, type Collection, type ClientSession, type Document, type Filter } from "mongodb";
import { InvalidArgument } from "./errors.js";
import { RequestLog } from "./requests.js";

/**
 * How long a page token stays good. A person leaves a list open for a working day and comes back to
 * it; beyond that the list is read anew. Tokens from before a deployment that changed a list's sort
 * expire within the day rather than linger.
 */
export const PAGE_TOKEN_LIFETIME_MS = 24 * 3600_000;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Far above any token this module writes (a few key values of bounded fields); anything longer is not one. */
const MAX_PAGE_TOKEN_LENGTH = 4096;
const TOKEN_VERSION = 1;

export type SortDirection = 1 | -1;
/** Sort fields in order; `_id` (ascending) is added at the end when the spec does not end with it. */
export type KeysetSort = readonly (readonly [field: string, direction: SortDirection])[];

/** A key value as a token carries it: the BSON types a sort field may hold here, with null for missing. */
export type KeyValue = null | string | number | boolean | Date | ObjectId;

export interface PageRequest {
  pageSize?: number;
  pageToken?: string;
}

export interface KeysetPage<T> {
  items: T[];
  /** Empty when this was the last page. */
  nextPageToken: string;
  /** Every document the filter matches (not only those of this page); -1 when not counted. */
  totalSize: number;
}

export interface KeysetQuery {
  /** Names the list, so a token of another list (another method, another collection) is refused. */
  list: string;
  filter: Filter<Document>;
  sort: KeysetSort;
  /**
   * What the caller asked for (filter, order, search...) in the form it gave it, for the token's
   * fingerprint; `filter` when not given. Give it when `filter` holds something that moves between
   * pages, such as "now" in an overdue filter.
   */
  fingerprint?: unknown;
  /**
   * Sort keys computed per document before sorting (an `$addFields` stage), for orders on values not
   * stored, such as a search rank. The page is then read with an aggregation; the computed fields are
   * removed from the returned documents (after the next page's key is taken from them).
   */
  computed?: Document;
  /**
   * A date field set whenever the document changes: the list is read as of its first page (see above).
   * Index it (descending): the first page reads the collection's latest change.
   */
  changedAt?: string;
  projection?: Document;
  /** Count every match for `totalSize` (default true). */
  count?: boolean;
  session?: ClientSession;
}

export interface PageOptions {
  /** The time the token is issued and checked at (the service's clock). */
  now: Date;
  defaultSize?: number;
  maxSize?: number;
  lifetimeMs?: number;
}

/** Where the next page starts: which part of the list, after which key, as of when. */
export interface PagePosition {
  /** "main": the documents in their place; "changed": those changed since the list was first read. */
  part: "main" | "changed";
  key: KeyValue[];
  /** The first page's time, for lists with `changedAt`. */
  asOf?: Date;
}

interface TokenBody {
  v: number;
  /** The list's fingerprint. */
  f: string;
  /** Issued at, ms since the epoch. */
  t: number;
  /** Position. */
  p: "m" | "c";
  /** As of, ms since the epoch. */
  a?: number;
  /** Key values, tagged. */
  k: unknown[];
}

function badToken(description: string): InvalidArgument {
  return new InvalidArgument([{ field: "page.page_token", description }]);
}

/** The page size asked for, within bounds; INVALID_ARGUMENT on `page.page_size` when negative or not whole. */
export function pageSizeOf(pageSize: number | undefined, opts: { defaultSize?: number; maxSize?: number } = {}): number {
  const size = pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0)
    throw new InvalidArgument([
      {
        field: "page.page_size",
        description: "Kích thước trang phải là số nguyên không âm / Page size must be a whole number, not negative",
      },
    ]);
  return Math.min(size || (opts.defaultSize ?? DEFAULT_PAGE_SIZE), opts.maxSize ?? MAX_PAGE_SIZE);
}

/** The sort with `_id` as its last field. */
export function completeSort(sort: KeysetSort): KeysetSort {
  const fields = sort.map(([f]) => f);
  const idAt = fields.indexOf("_id");
  if (idAt >= 0 && idAt !== fields.length - 1) throw new Error("a keyset sort has _id as its last field only");
  return idAt === fields.length - 1 ? sort : [...sort, ["_id", 1]];
}

/** The value at a dotted path; arrays are not sort keys here. */
function valueAt(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The document's key for the sort: the value of each field, missing as null. */
export function keyOf(doc: Document, sort: KeysetSort): KeyValue[] {
  return sort.map(([field]) => {
    const value = valueAt(doc, field);
    if (value === undefined || value === null) return null;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value instanceof Date) return value;
    if (value instanceof ObjectId) return value;
    throw new Error(`sort field ${field} holds a value keyset pagination does not carry (${typeof value})`);
  });
}

function tagged(value: KeyValue): unknown[] {
  if (value === null) return ["z"];
  if (value instanceof Date) return ["d", value.getTime()];
  if (value instanceof ObjectId) return ["o", value.toHexString()];
  if (typeof value === "string") return ["s", value];
  if (typeof value === "number") return Number.isFinite(value) ? ["n", value] : ["f", String(value)];
  return ["b", value];
}

/** A tagged value read back; undefined when it is not one this module writes. */
function untagged(item: unknown): KeyValue | undefined {
  if (!Array.isArray(item) || item.length === 0) return undefined;
  const [tag, v] = item as [unknown, unknown];
  if (tag === "z" && item.length === 1) return null;
  if (item.length !== 2) return undefined;
  if (tag === "d" && Number.isSafeInteger(v) && Math.abs(v as number) <= 8.64e15) return new Date(v as number);
  if (tag === "o" && typeof v === "string" && /^[0-9a-f]{24}$/u.test(v)) return new ObjectId(v);
  if (tag === "s" && typeof v === "string") return v;
  if (tag === "n" && typeof v === "number" && Number.isFinite(v)) return v;
  if (tag === "f" && (v === "NaN" || v === "Infinity" || v === "-Infinity")) return Number(v);
  if (tag === "b" && typeof v === "boolean") return v;
  return undefined;
}

function checksum(body: string): string {
  return createHash("sha256").update(body).digest("base64url").slice(0, 16);
}

/** The list's fingerprint: its name, sort and what the caller asked for. */
function fingerprintOf(q: KeysetQuery, sort: KeysetSort): string {
  return RequestLog.fingerprint({ list: q.list, sort: sort.map(([f, d]) => `${f}:${d}`), query: q.fingerprint ?? q.filter }).slice(0, 22);
}

export function encodePageToken(fingerprint: string, position: PagePosition, now: Date): string {
  const body: TokenBody = {
    v: TOKEN_VERSION,
    f: fingerprint,
    t: now.getTime(),
    p: position.part === "main" ? "m" : "c",
    k: position.key.map(tagged),
  };
  if (position.asOf) body.a = position.asOf.getTime();
  const json = JSON.stringify(body);
  return `${Buffer.from(json, "utf8").toString("base64url")}.${checksum(json)}`;
}

/** The position a token names, or INVALID_ARGUMENT on `page.page_token`. */
export function decodePageToken(
  token: string,
  expected: { fingerprint: string; keyLength: number; now: Date; lifetimeMs: number },
): PagePosition {
  const invalid = () => badToken("Mã trang không hợp lệ / Invalid page token");
  if (token.length > MAX_PAGE_TOKEN_LENGTH) throw invalid();
  const [encoded, sum, ...rest] = token.split(".");
  if (!encoded || !sum || rest.length > 0) throw invalid();
  const json = Buffer.from(encoded, "base64url").toString("utf8");
  if (checksum(json) !== sum) throw invalid();
  let body: TokenBody;
  try {
    body = JSON.parse(json) as TokenBody;
  } catch {
    throw invalid();
  }
  if (typeof body !== "object" || body === null || body.v !== TOKEN_VERSION || typeof body.f !== "string" || !Number.isSafeInteger(body.t))
    throw invalid();
  if (body.f !== expected.fingerprint)
    throw badToken(
      "Mã trang thuộc một danh sách khác (bộ lọc hoặc thứ tự khác) / The page token belongs to another list (another filter or order)",
    );
  if (expected.now.getTime() - body.t > expected.lifetimeMs)
    throw badToken("Mã trang đã hết hạn; hãy tải lại danh sách từ đầu / The page token has expired; read the list again from the start");
  if ((body.p !== "m" && body.p !== "c") || !Array.isArray(body.k) || body.k.length !== expected.keyLength) throw invalid();
  if (body.a !== undefined && !Number.isSafeInteger(body.a)) throw invalid();
  const key = body.k.map(untagged);
  if (key.some((v) => v === undefined)) throw invalid();
  return { part: body.p === "m" ? "main" : "changed", key: key as KeyValue[], asOf: body.a === undefined ? undefined : new Date(body.a) };
}

/**
 * The filter of the documents after `key` in `sort`: for each field, the documents equal on the fields
 * before it and after on it. MongoDB sorts missing and null as one value below every other, so
 * ascending they come first and descending last; comparisons ($gt, $lt) match values of the compared
 * type only, so the other types of a field are not reached (a sort field holds one type, or none).
 */
export function afterKeyFilter(sort: KeysetSort, key: readonly KeyValue[]): Filter<Document> {
  const branches: Document[] = [];
  for (let i = 0; i < sort.length; i += 1) {
    const equal = sort.slice(0, i).map(([field], j) => ({ [field]: { $eq: key[j] } }));
    const [field, direction] = sort[i];
    const value = key[i];
    let after: Document | undefined;
    if (value === null) after = direction === 1 ? { [field]: { $ne: null } } : undefined;
    else if (direction === 1) after = { [field]: { $gt: value } };
    else after = { $or: [{ [field]: { $lt: value } }, { [field]: { $eq: null } }] };
    if (after) branches.push({ $and: [...equal, after] });
  }
  return branches.length === 0 ? { _id: { $exists: false } } : { $or: branches };
}

async function read(
  collection: Collection<Document>,
  q: KeysetQuery,
  filter: Filter<Document>,
  sort: KeysetSort,
  limit: number,
  after?: KeyValue[],
) {
  const sortDoc: Record<string, SortDirection> = Object.fromEntries(sort);
  const afterFilter = after ? afterKeyFilter(sort, after) : undefined;
  if (!q.computed) {
    const full = afterFilter ? { $and: [filter, afterFilter] } : filter;
    return collection.find(full, { sort: sortDoc, limit, projection: q.projection, session: q.session }).toArray();
  }
  const pipeline: Document[] = [{ $match: filter }, { $addFields: q.computed }];
  if (afterFilter) pipeline.push({ $match: afterFilter });
  pipeline.push({ $sort: sortDoc }, { $limit: limit });
  if (q.projection) pipeline.push({ $project: q.projection });
  return collection.aggregate(pipeline, { session: q.session }).toArray();
}

/**
 * The time a list is read as of: now, or the latest change in the collection when that is later (a
 * clock behind another replica's, or a test clock moved back), so that the first page holds every
 * document in its place. The collection's latest change, not the latest among the list's matches: it
 * is never earlier, so it does as well, and it is one entry of the `changedAt` index, where the
 * matches' latest means reading or sorting every match (thousands for a unit's list of a large
 * programme) on every first page.
 */
async function firstPageTime(c: Collection<Document>, q: KeysetQuery, changedAt: string, now: Date): Promise<Date> {
  const [latest] = await c
    .find({ [changedAt]: { $type: "date" } }, { sort: { [changedAt]: -1 }, limit: 1, projection: { [changedAt]: 1 }, session: q.session })
    .toArray();
  const at = latest ? valueAt(latest, changedAt) : undefined;
  return at instanceof Date && at.getTime() > now.getTime() ? at : now;
}

/**
 * One page of a list. `page` is the caller's request (size and token); the answer's token names the
 * next page, or is empty after the last.
 */
export async function keysetPage<T extends Document = Document>(
  collection: Collection<T>,
  q: KeysetQuery,
  page: PageRequest,
  opts: PageOptions,
): Promise<KeysetPage<T>> {
  const result = await readPage(collection as unknown as Collection<Document>, q, page, opts);
  if (q.computed) for (const item of result.items) for (const field of Object.keys(q.computed)) delete item[field];
  return result as KeysetPage<T>;
}

async function readPage(c: Collection<Document>, q: KeysetQuery, page: PageRequest, opts: PageOptions): Promise<KeysetPage<Document>> {
  const size = pageSizeOf(page.pageSize, opts);
  const sort = completeSort(q.sort);
  const fingerprint = fingerprintOf(q, sort);
  // A token is checked before anything is read: a refused one costs no count.
  const position: PagePosition = page.pageToken
    ? decodePageToken(page.pageToken, {
        fingerprint,
        keyLength: sort.length,
        now: opts.now,
        lifetimeMs: opts.lifetimeMs ?? PAGE_TOKEN_LIFETIME_MS,
      })
    : { part: "main", key: [], asOf: undefined };
  const total = q.count === false ? Promise.resolve(-1) : c.countDocuments(q.filter, { session: q.session });
  // The count runs beside the reads; if a read fails first, its failure is the one reported, and the
  // count's is not left unhandled (it is still thrown where the count is awaited).
  total.catch(() => {});
  if (!page.pageToken && q.changedAt) {
    // The first page of a list read as of it holds every document in its place: it reads the list as it
    // is, while (at the same time, one round trip less to wait for) the time it is read as of is taken.
    const changedAt = q.changedAt;
    const [items, latest] = await Promise.all([read(c, q, q.filter, sort, size + 1), firstPageTime(c, q, changedAt, opts.now)]);
    const more = items.length > size;
    if (more) items.length = size;
    // One of the page's own documents may have changed between the two reads: the page holds it as it read it.
    let asOf = latest;
    for (const item of items) {
      const v = valueAt(item, changedAt);
      if (v instanceof Date && v.getTime() > asOf.getTime()) asOf = v;
    }
    const nextPageToken = more ? encodePageToken(fingerprint, { part: "main", key: keyOf(items[size - 1], sort), asOf }, opts.now) : "";
    return { items, nextPageToken, totalSize: await total };
  }
  const next = (part: PagePosition["part"], last: Document, partSort: KeysetSort) =>
    encodePageToken(fingerprint, { part, key: keyOf(last, partSort), asOf: position.asOf }, opts.now);

  if (!q.changedAt || !position.asOf) {
    const items = await read(c, q, q.filter, sort, size + 1, position.key.length > 0 ? position.key : undefined);
    const more = items.length > size;
    if (more) items.length = size;
    return { items, nextPageToken: more ? next("main", items[size - 1], sort) : "", totalSize: await total };
  }

  // Read as of the first page: first the documents unchanged since, in their place; then those changed
  // since. A change at the very millisecond of the first page counts as before it: the first page held it.
  const unchanged = { $and: [q.filter, { $or: [{ [q.changedAt]: { $lte: position.asOf } }, { [q.changedAt]: { $eq: null } }] }] };
  const changedSort: KeysetSort = [
    [q.changedAt, 1],
    ["_id", 1],
  ];
  const changed = { $and: [q.filter, { [q.changedAt]: { $gt: position.asOf } }] };
  const items: Document[] = [];
  if (position.part === "main") {
    items.push(...(await read(c, q, unchanged, sort, size + 1, position.key.length > 0 ? position.key : undefined)));
    if (items.length > size) {
      items.length = size;
      return { items, nextPageToken: next("main", items[size - 1], sort), totalSize: await total };
    }
  }
  const after = position.part === "changed" ? position.key : undefined;
  const tail = await read(c, q, changed, changedSort, size - items.length + 1, after);
  const more = items.length + tail.length > size;
  if (more) tail.length = size - items.length;
  items.push(...tail);
  // A page that ends with the last unchanged document continues with the changed ones.
  const last = items[items.length - 1];
  const nextPageToken = !more ? "" : tail.length > 0 ? next("changed", tail[tail.length - 1], changedSort) : next("main", last, sort);
  return { items, nextPageToken, totalSize: await total };
}
