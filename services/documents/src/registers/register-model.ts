/**
 * What the three registers of Decree 30/2020/NĐ-CP (Phụ lục IV, "Mẫu về quản lý văn bản") say, whatever
 * the file they are written to: the rows the caller has read, the title block, the decree's columns in
 * both languages, and each row's cells as text or numbers. The XLSX renderer (register-xlsx.ts) only lays
 * these out.
 *
 *   outgoing  "SỔ ĐĂNG KÝ VĂN BẢN ĐI" (Phụ lục IV, I), 10 columns;
 *   incoming  "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" (Phụ lục IV, VI), 10 columns;
 *   handling  "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" (Phụ lục IV, VIII), 7 columns.
 *
 * Dates are Vietnam calendar days (Asia/Ho_Chi_Minh, UTC+7 all year) written dd/MM/yyyy: a document
 * issued on 31/12/2020 at 23:30 in Hà Nội is dated 31/12/2020 although it is already 2021 nowhere else.
 *
 * Secret documents: a row holds only what the reader of the register may see. Filtering is the caller's
 * job, because only the caller knows the reader's clearance (vocabulary.ts, clearanceCovers): it blanks or
 * replaces the summary, recipients and anything else of a classified document the reader may not read
 * before it calls the renderer. The renderer writes every field it is given, and marks the row with its
 * secrecy ("Mật") in the notes column when the row says so.
 */
import { FieldChecks, type FieldName } from "@ministry/platform";
import { MAX_DOCUMENT_NUMBER } from "../domain/limits.js";
import { formatNumber, numberingYear } from "../domain/numbering.js";
import {
  documentType,
  isClassified,
  isUrgent,
  SECRECIES,
  type Secrecy,
  URGENCIES,
  type Urgency,
  type Words,
} from "../domain/vocabulary.js";
import { type CalendarDate, vietnamDate } from "../domain/wording.js";
import { INCOMING_STATUS_WORDS, type IncomingStatus } from "../domain/workflow.js";

export type RegisterLocale = "vi" | "en";
export type RegisterKind = "outgoing" | "incoming" | "handling";

// ---------------------------------------------------------------------------------------------------
// Input

/** The register's body and period: the title block above the table. */
export interface RegisterMeta {
  /** The issuing (outgoing) or receiving (incoming) body, as it writes its name: "BỘ NỘI VỤ". */
  organName: string;
  /** The body it belongs to, when it has one ("TÊN CQ, TC CHỦ QUẢN"), written above its name. */
  parentOrganName?: string;
  /** ASCII code of the body for the file name ("BNV", "000.00.00.G09"); default: its name without diacritics. */
  organCode?: string;
  /** First day of the period, a Vietnam calendar day (vietnamDate of an instant), inclusive. */
  from: CalendarDate;
  /** Last day of the period, inclusive: a period read as [from, next day) ends the day before. */
  to: CalendarDate;
  /** "Quyển số": the book, when a year's register runs to several. */
  bookNumber?: string;
  /** When the file was produced: the workbook's metadata only, so the same rows give the same file. */
  generatedAt?: Date;
}

/**
 * The document's type: a DOCUMENT_TYPES code ("QUYET_DINH", named in the file's locale), or a name as
 * written by its author ("Luật", for a type outside the list); absent when unknown.
 */
type TypeText = string;

/** Marks written first in the notes column: "Hỏa tốc", "Mật". */
interface Marks {
  urgency?: Urgency;
  secrecy?: Secrecy;
}

/** One document of the outgoing register (Sổ đăng ký văn bản đi). */
export interface OutgoingRegisterRow extends Marks {
  /** The number in its series (CodeNumber): the register's order. */
  number: number;
  /** "Số, ký hiệu" as issued: "15/QĐ-BNV", "05/BNV-VP". */
  symbol: string;
  /** When it was issued ("Ngày tháng văn bản"): shown as its Vietnam date. */
  issuedAt: Date;
  type?: TypeText;
  /** "Trích yếu nội dung"; a công văn's starts "V/v". */
  summary: string;
  /** "Người ký" as the register names them: "Thứ trưởng Nguyễn Văn A". */
  signer?: string;
  /** "Nơi nhận": one entry a recipient; the "Lưu" line belongs in keptBy. */
  recipients?: readonly string[];
  /** "Đơn vị, người nhận bản lưu": the unit or person keeping the file copy. */
  keptBy?: string;
  /** "Số lượng bản". */
  copies?: number | null;
  /** "Ngày chuyển": when it was delivered or sent. */
  deliveredAt?: Date | null;
  /** "Ký nhận": who acknowledged receipt (an electronic register records the name; paper, a signature). */
  receipt?: string;
  notes?: string;
}

/** One document of the incoming register (Sổ đăng ký văn bản đến). */
export interface IncomingRegisterRow extends Marks {
  /** "Ngày đến". */
  arrivedAt: Date;
  /** "Số đến", per receiving body and year: the register's order. */
  arrivalNumber: number;
  /** "Tác giả": the issuing body ("Văn phòng Chính phủ"). */
  author: string;
  /** "Số, ký hiệu" as the author wrote it: "7816/VPCP-TTĐT". */
  symbol: string;
  /** "Ngày tháng văn bản". */
  issuedAt?: Date | null;
  type?: TypeText;
  summary: string;
  /** "Đơn vị hoặc người nhận". */
  receiver?: string;
  /** "Ngày chuyển": when it was passed to the receiver. */
  transferredAt?: Date | null;
  /** "Ký nhận". */
  receipt?: string;
  notes?: string;
}

/** One document of the handling register (Sổ theo dõi giải quyết văn bản đến). */
export interface HandlingRegisterRow extends Marks {
  /** "Số đến": the register's order. */
  arrivalNumber: number;
  /** When it arrived: orders the rows by year with the arrival number; not a column of this register. */
  arrivedAt: Date;
  /** The document: type, number and symbol, date and author ("tên cơ quan, tổ chức ban hành"), summary. */
  type?: TypeText;
  symbol: string;
  issuedAt?: Date | null;
  author: string;
  summary?: string;
  /** "Đơn vị hoặc người nhận": the lead unit or person handling it. */
  handler: string;
  /** Units or people coordinating, each written "(phối hợp)". */
  coordinating?: readonly string[];
  /** "Thời hạn giải quyết": shown as the Vietnam date of the instant. */
  deadline?: Date | null;
  /** "Tiến độ giải quyết": the status (named in the locale), then free text (result, remarks). */
  status?: IncomingStatus;
  progress?: string;
  /** "Số, ký hiệu văn bản trả lời". */
  replySymbol?: string;
  notes?: string;
}

/** A register holds at most this many rows: a busy ministry registers ~20,000 documents a year. */
export const MAX_REGISTER_ROWS = 100_000;
/** Excel refuses a cell longer than 32,767 characters; a longer text is cut with "…". */
export const MAX_CELL_LENGTH = 32_767;

// ---------------------------------------------------------------------------------------------------
// Words

/** The decree's names of the registers (Phụ lục IV, I, VI and VIII). */
export const REGISTER_TITLES: Record<RegisterKind, Words> = {
  outgoing: { vi: "SỔ ĐĂNG KÝ VĂN BẢN ĐI", en: "REGISTER OF OUTGOING DOCUMENTS" },
  incoming: { vi: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", en: "REGISTER OF INCOMING DOCUMENTS" },
  handling: { vi: "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN", en: "REGISTER FOR TRACKING THE HANDLING OF INCOMING DOCUMENTS" },
};

/** Sheet names: at most 31 characters, none of []:*?/\. */
export const REGISTER_SHEET_NAMES: Record<RegisterKind, Words> = {
  outgoing: { vi: "Sổ văn bản đi", en: "Outgoing register" },
  incoming: { vi: "Sổ văn bản đến", en: "Incoming register" },
  handling: { vi: "Sổ theo dõi giải quyết", en: "Handling register" },
};

const FILE_SLUGS: Record<RegisterKind, string> = {
  outgoing: "so-dang-ky-van-ban-di",
  incoming: "so-dang-ky-van-ban-den",
  handling: "so-theo-doi-giai-quyet-van-ban-den",
};

const TEXT = {
  vi: {
    year: (y: string) => `Năm: ${y}`,
    period: (from: string, to: string) => `Từ ngày ${from} đến ngày ${to}`,
    numbers: (from: string, to: string) => `Từ số ${from} đến số ${to}`,
    book: (n: string) => `Quyển số: ${n}`,
    documentLine: (type: string, symbol: string, date: string, author: string) =>
      [type, symbol && `số ${symbol}`, date && `ngày ${date}`, author && `của ${author}`].filter(Boolean).join(" "),
    lead: "chủ trì",
    coordinating: "phối hợp",
  },
  en: {
    year: (y: string) => `Year: ${y}`,
    period: (from: string, to: string) => `From ${from} to ${to}`,
    numbers: (from: string, to: string) => `Numbers ${from} to ${to}`,
    book: (n: string) => `Book No.: ${n}`,
    documentLine: (type: string, symbol: string, date: string, author: string) =>
      [[type, symbol && `No. ${symbol}`, date && `of ${date}`].filter(Boolean).join(" "), author].filter(Boolean).join(", "),
    lead: "lead",
    coordinating: "coordinating",
  },
} as const;

// ---------------------------------------------------------------------------------------------------
// Values

/** Keeps a cell's text as the user wrote it, minus what no cell can hold (control characters, > 32,767). */
export function cellText(text: string | null | undefined): string {
  const clean = (text ?? "")
    .normalize("NFC")
    .replace(/\r\n?/g, "\n")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point (XML 1.0 cannot carry them).
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .trim();
  if (clean.length <= MAX_CELL_LENGTH) return clean;
  let cut = MAX_CELL_LENGTH - 1;
  // Never split a surrogate pair: the half left would be an invalid character.
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${clean.slice(0, cut)}…`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** dd/MM/yyyy of a calendar day. */
export function formatDay(day: CalendarDate): string {
  return `${pad2(day.day)}/${pad2(day.month)}/${day.year}`;
}

/** dd/MM/yyyy of an instant's day in Vietnam; "" when absent. */
export function formatVietnamDay(at: Date | null | undefined): string {
  return at ? formatDay(vietnamDate(at)) : "";
}

function typeName(type: TypeText | undefined, locale: RegisterLocale): string {
  const text = cellText(type);
  return documentType(text)?.[locale] ?? text;
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase("vi") + text.slice(1);
}

/** "Hỏa tốc; Mật; <notes>": the urgency and secrecy the row carries, then its notes. */
function notesCell(row: Marks & { notes?: string }, locale: RegisterLocale): string {
  const marks: string[] = [];
  if (row.urgency && isUrgent(row.urgency)) marks.push(URGENCIES[row.urgency][locale]);
  if (row.secrecy && isClassified(row.secrecy)) marks.push(SECRECIES[row.secrecy][locale]);
  const notes = cellText(row.notes);
  if (notes) marks.push(notes);
  return cellText(marks.join("; "));
}

/** The type on one line, the summary under it: a summary is never run into the type's name. */
function typeAndSummary(type: TypeText | undefined, summary: string | undefined, locale: RegisterLocale): string {
  return cellText([typeName(type, locale), cellText(summary)].filter(Boolean).join("\n"));
}

function recipientsCell(recipients: readonly string[] | undefined): string {
  const names = (recipients ?? [])
    .map((r) =>
      cellText(r)
        .replace(/^-\s*/u, "")
        .replace(/[;,.]+$/u, "")
        .trim(),
    )
    .filter((r) => r.length > 0);
  return cellText(names.join("; "));
}

// ---------------------------------------------------------------------------------------------------
// Columns

export type CellValue = string | number | null;

export interface RegisterColumn<Row> {
  heading: Words;
  /** Width in characters. */
  width: number;
  /** numeric: a number shown with at least two digits ("01"); date: centred dd/MM/yyyy text; text otherwise. */
  kind: "text" | "numeric" | "date";
  cell: (row: Row, locale: RegisterLocale) => CellValue;
}

export const OUTGOING_COLUMNS: readonly RegisterColumn<OutgoingRegisterRow>[] = [
  { heading: { vi: "Số, ký hiệu văn bản", en: "Number and symbol" }, width: 18, kind: "text", cell: (r) => cellText(r.symbol) },
  { heading: { vi: "Ngày tháng văn bản", en: "Document date" }, width: 13, kind: "date", cell: (r) => formatVietnamDay(r.issuedAt) },
  {
    heading: { vi: "Tên loại và trích yếu nội dung văn bản", en: "Type and summary" },
    width: 48,
    kind: "text",
    cell: (r, l) => typeAndSummary(r.type, r.summary, l),
  },
  { heading: { vi: "Người ký", en: "Signer" }, width: 22, kind: "text", cell: (r) => cellText(r.signer) },
  { heading: { vi: "Nơi nhận văn bản", en: "Recipients" }, width: 32, kind: "text", cell: (r) => recipientsCell(r.recipients) },
  {
    heading: { vi: "Đơn vị, người nhận bản lưu", en: "Unit or person keeping the file copy" },
    width: 20,
    kind: "text",
    cell: (r) => cellText(r.keptBy),
  },
  { heading: { vi: "Số lượng bản", en: "Number of copies" }, width: 10, kind: "numeric", cell: (r) => r.copies ?? null },
  { heading: { vi: "Ngày chuyển", en: "Delivery date" }, width: 13, kind: "date", cell: (r) => formatVietnamDay(r.deliveredAt) },
  { heading: { vi: "Ký nhận", en: "Receipt" }, width: 16, kind: "text", cell: (r) => cellText(r.receipt) },
  { heading: { vi: "Ghi chú", en: "Notes" }, width: 22, kind: "text", cell: (r, l) => notesCell(r, l) },
];

export const INCOMING_COLUMNS: readonly RegisterColumn<IncomingRegisterRow>[] = [
  { heading: { vi: "Ngày đến", en: "Arrival date" }, width: 13, kind: "date", cell: (r) => formatVietnamDay(r.arrivedAt) },
  { heading: { vi: "Số đến", en: "Arrival number" }, width: 9, kind: "numeric", cell: (r) => r.arrivalNumber },
  { heading: { vi: "Tác giả", en: "Author (issuing body)" }, width: 24, kind: "text", cell: (r) => cellText(r.author) },
  { heading: { vi: "Số, ký hiệu văn bản", en: "Number and symbol" }, width: 18, kind: "text", cell: (r) => cellText(r.symbol) },
  { heading: { vi: "Ngày tháng văn bản", en: "Document date" }, width: 13, kind: "date", cell: (r) => formatVietnamDay(r.issuedAt) },
  {
    heading: { vi: "Tên loại và trích yếu nội dung văn bản", en: "Type and summary" },
    width: 48,
    kind: "text",
    cell: (r, l) => typeAndSummary(r.type, r.summary, l),
  },
  { heading: { vi: "Đơn vị hoặc người nhận", en: "Receiving unit or person" }, width: 22, kind: "text", cell: (r) => cellText(r.receiver) },
  { heading: { vi: "Ngày chuyển", en: "Transfer date" }, width: 13, kind: "date", cell: (r) => formatVietnamDay(r.transferredAt) },
  { heading: { vi: "Ký nhận", en: "Receipt" }, width: 16, kind: "text", cell: (r) => cellText(r.receipt) },
  { heading: { vi: "Ghi chú", en: "Notes" }, width: 22, kind: "text", cell: (r, l) => notesCell(r, l) },
];

/** "Quyết định số 15/QĐ-BNV ngày 05/01/2020 của Bộ Nội vụ", then the summary on the next line. */
function documentCell(r: HandlingRegisterRow, l: RegisterLocale): string {
  const line = TEXT[l].documentLine(typeName(r.type, l), cellText(r.symbol), formatVietnamDay(r.issuedAt), cellText(r.author));
  return cellText([line, cellText(r.summary)].filter(Boolean).join("\n"));
}

/** The lead alone, or "<lead> (chủ trì)" then each "<unit> (phối hợp)" on its own line. */
function handlerCell(r: HandlingRegisterRow, l: RegisterLocale): string {
  const lead = cellText(r.handler);
  const others = (r.coordinating ?? []).map(cellText).filter(Boolean);
  if (others.length === 0) return lead;
  return cellText([lead && `${lead} (${TEXT[l].lead})`, ...others.map((o) => `${o} (${TEXT[l].coordinating})`)].filter(Boolean).join("\n"));
}

function progressCell(r: HandlingRegisterRow, l: RegisterLocale): string {
  const words = r.status ? INCOMING_STATUS_WORDS[r.status] : undefined;
  const status = words ? capitalise(words[l]) : "";
  return cellText([status, cellText(r.progress)].filter(Boolean).join("\n"));
}

export const HANDLING_COLUMNS: readonly RegisterColumn<HandlingRegisterRow>[] = [
  { heading: { vi: "Số đến", en: "Arrival number" }, width: 9, kind: "numeric", cell: (r) => r.arrivalNumber },
  {
    heading: {
      vi: "Tên loại, số, ký hiệu, ngày, tháng và tên cơ quan, tổ chức ban hành văn bản",
      en: "Document: type, number and symbol, date, issuing body",
    },
    width: 56,
    kind: "text",
    cell: documentCell,
  },
  { heading: { vi: "Đơn vị hoặc người nhận", en: "Handling unit or person" }, width: 28, kind: "text", cell: handlerCell },
  { heading: { vi: "Thời hạn giải quyết", en: "Deadline" }, width: 13, kind: "date", cell: (r) => formatVietnamDay(r.deadline) },
  { heading: { vi: "Tiến độ giải quyết", en: "Progress" }, width: 30, kind: "text", cell: progressCell },
  {
    heading: { vi: "Số, ký hiệu văn bản trả lời", en: "Number and symbol of the reply" },
    width: 18,
    kind: "text",
    cell: (r) => cellText(r.replySymbol),
  },
  { heading: { vi: "Ghi chú", en: "Notes" }, width: 22, kind: "text", cell: (r, l) => notesCell(r, l) },
];

function headingsOf<Row>(columns: readonly RegisterColumn<Row>[]): Record<RegisterLocale, readonly string[]> {
  return { vi: columns.map((c) => c.heading.vi), en: columns.map((c) => c.heading.en) };
}

export const OUTGOING_REGISTER_HEADINGS = headingsOf(OUTGOING_COLUMNS);
export const INCOMING_REGISTER_HEADINGS = headingsOf(INCOMING_COLUMNS);
export const HANDLING_REGISTER_HEADINGS = headingsOf(HANDLING_COLUMNS);

// ---------------------------------------------------------------------------------------------------
// Order

const SYMBOL_ORDER = new Intl.Collator("vi", { numeric: true });

/** By year, then number in the series, then symbol: the decree's order ("theo thứ tự số"). */
export function sortOutgoing(rows: readonly OutgoingRegisterRow[]): OutgoingRegisterRow[] {
  return [...rows].sort(
    (a, b) => numberingYear(a.issuedAt) - numberingYear(b.issuedAt) || a.number - b.number || SYMBOL_ORDER.compare(a.symbol, b.symbol),
  );
}

/** By year of arrival, then arrival number ("số đến", which restarts at 01 each 1 January). */
export function sortByArrival<Row extends { arrivedAt: Date; arrivalNumber: number }>(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => numberingYear(a.arrivedAt) - numberingYear(b.arrivedAt) || a.arrivalNumber - b.arrivalNumber);
}

// ---------------------------------------------------------------------------------------------------
// Checks

const REGISTER_FIELDS = {
  organ: { vi: "Tên cơ quan, tổ chức", en: "Body name" },
  book: { vi: "Quyển số", en: "Book number" },
  rows: { vi: "Dòng của sổ", en: "Register rows" },
} satisfies Record<string, FieldName>;

/** 300: the longest title the domain takes (MAX_TITLE_LENGTH), and a body's full name is a title. */
const MAX_ORGAN_NAME_LENGTH = 300;
const MAX_BOOK_LENGTH = 20;

function validDay(d: CalendarDate | undefined): boolean {
  if (!d || !Number.isInteger(d.year) || !Number.isInteger(d.month) || !Number.isInteger(d.day)) return false;
  if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  return d.day <= new Date(Date.UTC(d.year, d.month, 0)).getUTCDate();
}

function dayValue(d: CalendarDate): number {
  return d.year * 10_000 + d.month * 100 + d.day;
}

function validInstant(at: unknown): boolean {
  return at instanceof Date && Number.isFinite(at.getTime());
}

/** Throws InvalidArgument listing every problem of the title block and the rows. */
export function checkRegister<Row>(
  meta: RegisterMeta,
  rows: readonly Row[],
  fields: {
    dates: readonly (keyof Row & string)[];
    optionalDates: readonly (keyof Row & string)[];
    numbers: readonly (keyof Row & string)[];
  },
): void {
  const checks = new FieldChecks();
  if (cellText(meta.organName).length === 0) checks.add("organ_name", "Cần tên cơ quan, tổ chức", "The body's name is required");
  checks.length("organ_name", meta.organName, MAX_ORGAN_NAME_LENGTH, REGISTER_FIELDS.organ);
  checks.length("parent_organ_name", meta.parentOrganName, MAX_ORGAN_NAME_LENGTH, REGISTER_FIELDS.organ);
  checks.length("book_number", meta.bookNumber, MAX_BOOK_LENGTH, REGISTER_FIELDS.book);
  const fromOk = validDay(meta.from);
  const toOk = validDay(meta.to);
  if (!fromOk) checks.add("from", "Ngày bắt đầu của kỳ không hợp lệ", "The period's first day is not a valid date");
  if (!toOk) checks.add("to", "Ngày kết thúc của kỳ không hợp lệ", "The period's last day is not a valid date");
  if (fromOk && toOk && dayValue(meta.from) > dayValue(meta.to)) {
    checks.add("to", "Ngày kết thúc của kỳ trước ngày bắt đầu", "The period ends before it begins");
  }
  if (!checks.count("rows", rows, MAX_REGISTER_ROWS, REGISTER_FIELDS.rows)) checks.check();
  rows.forEach((row, i) => {
    const value = row as Record<string, unknown>;
    for (const f of fields.dates) {
      if (!validInstant(value[f])) checks.add(`rows[${i}].${f}`, "Ngày không hợp lệ", "Not a valid date");
    }
    for (const f of fields.optionalDates) {
      if (value[f] != null && !validInstant(value[f])) checks.add(`rows[${i}].${f}`, "Ngày không hợp lệ", "Not a valid date");
    }
    for (const f of fields.numbers) {
      const n = value[f];
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1 || n > MAX_DOCUMENT_NUMBER) {
        checks.add(
          `rows[${i}].${f}`,
          `Số phải là số nguyên từ 1 đến ${MAX_DOCUMENT_NUMBER}`,
          `The number must be an integer from 1 to ${MAX_DOCUMENT_NUMBER}`,
        );
      }
    }
    const copies = value.copies;
    if (copies != null && (typeof copies !== "number" || !Number.isSafeInteger(copies) || copies < 0)) {
      checks.add(`rows[${i}].copies`, "Số lượng bản phải là số nguyên không âm", "The number of copies must be a whole number, 0 or more");
    }
  });
  checks.check();
}

// ---------------------------------------------------------------------------------------------------
// Title block and file name

/** The lines under the title: year, period, numbers (when the register has rows), book. */
export function titleLines(meta: RegisterMeta, numbers: { first: number; last: number } | null, locale: RegisterLocale): string[] {
  const t = TEXT[locale];
  const year = meta.from.year === meta.to.year ? String(meta.from.year) : `${meta.from.year} - ${meta.to.year}`;
  const lines = [t.year(year), t.period(formatDay(meta.from), formatDay(meta.to))];
  if (numbers) lines.push(t.numbers(formatNumber(numbers.first), formatNumber(numbers.last)));
  const book = cellText(meta.bookNumber);
  if (book) lines.push(t.book(book));
  return lines;
}

/** ASCII, lower case, words joined by "-": "Bộ Nội vụ" → "bo-noi-vu". */
function asciiSlug(text: string, max: number): string {
  return cellText(text)
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, max)
    .replace(/^-+|-+$/g, "");
}

/**
 * "so-dang-ky-van-ban-di-bnv-2020.xlsx" for a whole calendar year, "so-dang-ky-van-ban-den-bo-noi-vu-
 * 20200101-20200331.xlsx" otherwise: ASCII only, so every browser and mail client keeps it as it is.
 */
export function registerFileName(kind: RegisterKind, meta: Pick<RegisterMeta, "organName" | "organCode" | "from" | "to">): string {
  const organ = asciiSlug(meta.organCode || meta.organName, 60);
  const wholeYear =
    meta.from.year === meta.to.year && meta.from.month === 1 && meta.from.day === 1 && meta.to.month === 12 && meta.to.day === 31;
  const compact = (d: CalendarDate) => `${d.year}${pad2(d.month)}${pad2(d.day)}`;
  const period = wholeYear ? String(meta.from.year) : `${compact(meta.from)}-${compact(meta.to)}`;
  return `${[FILE_SLUGS[kind], organ, period].filter(Boolean).join("-")}.xlsx`;
}
