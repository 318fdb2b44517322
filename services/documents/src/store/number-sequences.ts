/**
 * The number sequences of Decree 30/2020: an outgoing document's number, per issuing body, per year and
 * per series (one per VBQPPL type, one for secret documents, one shared by copies, one general), and an
 * incoming document's arrival number ("số đến"), per receiving body and year. Numbers start at 1 on
 * 1 January and are never reused nor skipped.
 *
 * A number is taken inside the transaction of the command that records the document (`session`), so
 * the number and the document commit together or not at all: a command that fails after taking one
 * rolls it back, and the next command takes it. Each sequence is one counter document
 * (`{ _id: "<body>/<year>/<series>", last }`) raised with `$inc`; two transactions raising the same
 * counter conflict (WriteConflict, TransientTransactionError) and `inTransaction` runs the loser again,
 * which then takes the next number. The cost is that issues of one series are serialized; issues of
 * different series or bodies never conflict.
 */
import { FieldChecks, isDuplicateKeyError } from "@ministry/platform";
import { type ClientSession, type Collection, type Db, MongoError } from "mongodb";
import { numberingYear, seriesName, type NumberSeries } from "../domain/numbering.js";
import { ARRIVAL_SEQUENCES, NUMBER_SEQUENCES } from "./indexes.js";

/** Which series of an issuing body's year a document takes its number from (the domain decides: numberSeries). */
export type IssueSeries = NumberSeries;

export interface IssueNumberKey {
  /** The issuing body's code ("BNV"). */
  body: string;
  year: number;
  series: IssueSeries;
}

export interface ArrivalNumberKey {
  /** The receiving body's code. */
  body: string;
  year: number;
}

export interface SeriesState {
  series: IssueSeries;
  /** The last number given (the next is one more). */
  last: number;
}

/** A counter as stored; `body`, `year` and `series` repeat the `_id`'s parts for listing a body's year. */
interface Counter {
  _id: string;
  body: string;
  year: number;
  /** Issue numbers only (seriesKey); an arrival sequence is the body's year alone. */
  series?: string;
  last: number;
}

const MAX_BODY_LENGTH = 64;
const MAX_DOCUMENT_TYPE_LENGTH = 16;
export { numberingYear };

/** The series' part of a counter's key: "vbqppl:TT", "secret", "copy", "general". */
export function seriesKey(series: IssueSeries): string {
  return seriesName(series.kind === "vbqppl" ? { kind: "vbqppl", documentType: series.documentType.normalize("NFC") } : series);
}

function seriesFromKey(key: string): IssueSeries {
  if (key.startsWith("vbqppl:")) return { kind: "vbqppl", documentType: key.slice("vbqppl:".length) };
  if (key === "secret" || key === "copy" || key === "general") return { kind: key };
  throw new Error(`unknown number series "${key}" in ${NUMBER_SEQUENCES}`);
}

/**
 * Checks the parts of a key and gives the body as stored (NFC, so one body never has two sequences for
 * two spellings of "Đ"). A body holds no "/" and a series no "/" either, so the `_id` is injective.
 */
function checkedKey(field: string, body: string, year: number, series?: IssueSeries): string {
  const checks = new FieldChecks();
  const code = body.normalize("NFC");
  if (code.length === 0 || code !== code.trim() || /[/\p{Cc}]/u.test(code)) {
    checks.add(field, "Mã cơ quan trống hoặc chứa ký tự không hợp lệ", "The body's code is empty or holds a character it may not");
  } else {
    checks.length(field, code, MAX_BODY_LENGTH, { vi: "Mã cơ quan", en: "The body's code" });
  }
  if (!Number.isInteger(year) || year < 1900 || year > 9999) {
    checks.add("year", "Năm phải là số nguyên từ 1900 đến 9999", "The year must be a whole number from 1900 to 9999");
  }
  if (series?.kind === "vbqppl") {
    const type = series.documentType.normalize("NFC");
    if (!/^\p{L}+$/u.test(type)) {
      checks.add("series.document_type", "Ký hiệu loại văn bản chỉ gồm chữ cái", "The document type's abbreviation must be letters only");
    } else {
      checks.length("series.document_type", type, MAX_DOCUMENT_TYPE_LENGTH, {
        vi: "Ký hiệu loại văn bản",
        en: "The document type's abbreviation",
      });
    }
  }
  checks.check();
  return code;
}

function assertInTransaction(session: ClientSession): void {
  // Taken outside a transaction, a number would be spent even when the document is not recorded: a gap.
  if (!session.inTransaction()) throw new Error("a document number is taken inside the transaction that records the document");
}

/**
 * Raises a counter by one in `session`'s transaction and gives its new value. Two transactions that
 * both create a counter (its first number) can meet on its `_id`; MongoDB reports that as a write
 * conflict or, on some paths, a duplicate key: the latter is marked transient too, so the loser runs
 * again and raises the counter the winner created.
 */
async function raise(
  counters: Collection<Counter>,
  session: ClientSession,
  id: string,
  fields: Omit<Counter, "_id" | "last">,
): Promise<number> {
  assertInTransaction(session);
  try {
    const counter = await counters.findOneAndUpdate(
      { _id: id },
      { $inc: { last: 1 }, $setOnInsert: fields },
      { upsert: true, returnDocument: "after", session, projection: { last: 1 } },
    );
    if (!counter) throw new Error(`the counter ${id} was not returned by its upsert`);
    return counter.last;
  } catch (err) {
    if (err instanceof MongoError && isDuplicateKeyError(err)) err.addErrorLabel("TransientTransactionError");
    throw err;
  }
}

async function lastOf(counters: Collection<Counter>, id: string, session?: ClientSession): Promise<number> {
  const counter = await counters.findOne({ _id: id }, { projection: { last: 1 }, session });
  return counter?.last ?? 0;
}

/** Outgoing documents' numbers ("Số: 15/QĐ-BNV": the 15). */
export class IssueNumbers {
  private readonly counters: Collection<Counter>;

  constructor(db: Db) {
    this.counters = db.collection<Counter>(NUMBER_SEQUENCES);
  }

  /** The next number of the key's series, taken in `session`'s transaction (which must be running). */
  async next(session: ClientSession, key: IssueNumberKey): Promise<number> {
    const body = checkedKey("issuing_body", key.body, key.year, key.series);
    const series = seriesKey(key.series);
    return raise(this.counters, session, `${body}/${key.year}/${series}`, { body, year: key.year, series });
  }

  /** The last number the key's series gave (0 when it gave none); in `session`'s view when given. */
  async peek(key: IssueNumberKey, session?: ClientSession): Promise<number> {
    const body = checkedKey("issuing_body", key.body, key.year, key.series);
    return lastOf(this.counters, `${body}/${key.year}/${seriesKey(key.series)}`, session);
  }

  /** The series a body has numbered from in a year, each with its last number, in key order. */
  async seriesOf(body: string, year: number, session?: ClientSession): Promise<SeriesState[]> {
    const code = checkedKey("issuing_body", body, year);
    const counters = await this.counters
      .find({ body: code, year }, { projection: { series: 1, last: 1 }, session })
      .sort({ series: 1 })
      .toArray();
    return counters.map((c) => ({ series: seriesFromKey(c.series ?? ""), last: c.last }));
  }
}

/** Incoming documents' arrival numbers ("số đến"), sequential per receiving body per year. */
export class ArrivalNumbers {
  private readonly counters: Collection<Counter>;

  constructor(db: Db) {
    this.counters = db.collection<Counter>(ARRIVAL_SEQUENCES);
  }

  /** The next arrival number of the body's year, taken in `session`'s transaction (which must be running). */
  async next(session: ClientSession, key: ArrivalNumberKey): Promise<number> {
    const body = checkedKey("receiving_body", key.body, key.year);
    return raise(this.counters, session, `${body}/${key.year}`, { body, year: key.year });
  }

  /** The last arrival number given in the body's year (0 when none); in `session`'s view when given. */
  async peek(key: ArrivalNumberKey, session?: ClientSession): Promise<number> {
    const body = checkedKey("receiving_body", key.body, key.year);
    return lastOf(this.counters, `${body}/${key.year}`, session);
  }
}
