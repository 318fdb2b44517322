/**
 * The attendance sheet as a PDF to print, sign and file: A4 landscape; the heading, the meeting, the
 * scope and the as-of time; the summary by site with its total; then the people grouped by site. Both
 * tables break across pages with their header row repeated, and every page is numbered "Trang 1/3".
 *
 * The text is set in DejaVu Sans (regular and bold, from the dejavu-fonts-ttf package), embedded as a
 * subset: it has every Vietnamese glyph, so the file reads the same on any machine, and its ToUnicode
 * map keeps the text searchable and copyable.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
import {
  LIST_HEADINGS,
  SHEET_TEXT,
  SUMMARY_HEADINGS,
  cleanText,
  groupBySite,
  groupHeading,
  headerLines,
  listCells,
  summaryCells,
  totalCells,
  type SheetData,
  type SheetLocale,
} from "./sheet-model.js";

const REGULAR = "DejaVuSans";
const BOLD = "DejaVuSans-Bold";

let fontCache: { regular: Buffer; bold: Buffer } | undefined;

/** The font files, read once: the package ships them under ttf/. */
function fonts(): { regular: Buffer; bold: Buffer } {
  if (!fontCache) {
    const require = createRequire(import.meta.url);
    fontCache = {
      regular: readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")),
      bold: readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf")),
    };
  }
  return fontCache;
}

const MARGIN = { top: 32, bottom: 40, left: 28, right: 28 };
const FONT_SIZE = 8;
const CELL_PADDING = 3;
/** A cell holds at most this much (a very long decline reason ends in "…"), so a row always fits a page. */
const MAX_ROW_HEIGHT = 120;
const HEADING_FILL = "#D9E1F2";
const GROUP_FILL = "#EEF2F9";
const TOTAL_FILL = "#F2F2F2";
const BORDER = "#808080";

type Align = "left" | "center" | "right";

interface Column {
  width: number;
  align: Align;
}

/** Widths as shares of the page's width; they are scaled to it. */
const SUMMARY_COLUMNS: Column[] = [
  { width: 170, align: "left" },
  { width: 150, align: "left" },
  { width: 130, align: "left" },
  { width: 55, align: "right" },
  { width: 55, align: "right" },
  { width: 70, align: "right" },
  { width: 80, align: "right" },
  { width: 76, align: "right" },
];

const LIST_COLUMNS: Column[] = [
  { width: 24, align: "right" },
  { width: 112, align: "left" },
  { width: 80, align: "left" },
  { width: 90, align: "left" },
  { width: 78, align: "left" },
  // A check-in time ("07:55 07/12/2026") on one line.
  { width: 79, align: "left" },
  { width: 79, align: "left" },
  { width: 66, align: "left" },
  { width: 80, align: "left" },
  { width: 98, align: "left" },
];

function scaled(columns: Column[], width: number): Column[] {
  const sum = columns.reduce((s, c) => s + c.width, 0);
  return columns.map((c) => ({ ...c, width: (c.width * width) / sum }));
}

interface RowStyle {
  bold?: boolean;
  fill?: string;
}

/**
 * Draws a table row by row at the document's cursor, starting a new page (and repeating the header
 * row there) whenever the next row would not fit above the bottom margin.
 */
class TableWriter {
  private readonly columns: Column[];

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    columns: Column[],
    private readonly headings: readonly string[],
  ) {
    this.columns = scaled(columns, doc.page.width - MARGIN.left - MARGIN.right);
  }

  private get bottom(): number {
    return this.doc.page.height - MARGIN.bottom;
  }

  private get width(): number {
    return this.columns.reduce((s, c) => s + c.width, 0);
  }

  private heightOf(cells: readonly string[], bold: boolean): number {
    this.doc.font(bold ? BOLD : REGULAR).fontSize(FONT_SIZE);
    let tallest = 0;
    cells.forEach((text, i) => {
      const column = this.columns[i];
      if (!column || !text) return;
      tallest = Math.max(tallest, this.doc.heightOfString(text, { width: column.width - 2 * CELL_PADDING }));
    });
    return Math.min(Math.max(tallest, this.doc.currentLineHeight(true)), MAX_ROW_HEIGHT) + 2 * CELL_PADDING;
  }

  private draw(cells: readonly string[], height: number, style: RowStyle, align?: Align): void {
    const doc = this.doc;
    const y = doc.y;
    let x = MARGIN.left;
    if (style.fill) doc.rect(x, y, this.width, height).fill(style.fill);
    doc
      .fillColor("black")
      .font(style.bold ? BOLD : REGULAR)
      .fontSize(FONT_SIZE);
    this.columns.forEach((column, i) => {
      doc.lineWidth(0.5).strokeColor(BORDER).rect(x, y, column.width, height).stroke();
      const text = cells[i]?.replace(/[\t\r]/g, " ");
      if (text) {
        doc.text(text, x + CELL_PADDING, y + CELL_PADDING, {
          width: column.width - 2 * CELL_PADDING,
          height: height - 2 * CELL_PADDING,
          align: align ?? column.align,
          ellipsis: true,
        });
      }
      x += column.width;
    });
    doc.x = MARGIN.left;
    doc.y = y + height;
  }

  header(): void {
    const cells = [...this.headings];
    this.draw(cells, this.heightOf(cells, true), { bold: true, fill: HEADING_FILL }, "center");
  }

  /** Starts the table here, or on the next page when not even the header and one line fit. */
  start(): void {
    if (this.doc.y + 2 * (this.doc.currentLineHeight(true) + 2 * CELL_PADDING) > this.bottom) this.newPage();
    else this.header();
  }

  private newPage(): void {
    this.doc.addPage();
    this.doc.y = MARGIN.top;
    this.header();
  }

  /** `keepWith`: the height that must fit on the same page after this row (a group heading keeps its first person). */
  row(cells: readonly string[], style: RowStyle = {}, keepWith = 0): void {
    const height = this.heightOf(cells, style.bold ?? false);
    if (this.doc.y + height + keepWith > this.bottom) this.newPage();
    this.draw(cells, height, style);
  }

  /** A row across the whole table (a site's heading within the list). */
  banner(text: string, keepWith: number): void {
    const doc = this.doc;
    doc.font(BOLD).fontSize(FONT_SIZE);
    const height = Math.min(doc.heightOfString(text, { width: this.width - 2 * CELL_PADDING }), MAX_ROW_HEIGHT) + 2 * CELL_PADDING;
    if (doc.y + height + keepWith > this.bottom) this.newPage();
    const y = doc.y;
    doc.rect(MARGIN.left, y, this.width, height).fill(GROUP_FILL);
    doc.lineWidth(0.5).strokeColor(BORDER).rect(MARGIN.left, y, this.width, height).stroke();
    doc.fillColor("black").font(BOLD).fontSize(FONT_SIZE);
    doc.text(text, MARGIN.left + CELL_PADDING, y + CELL_PADDING, {
      width: this.width - 2 * CELL_PADDING,
      height: height - 2 * CELL_PADDING,
      ellipsis: true,
    });
    doc.x = MARGIN.left;
    doc.y = y + height;
  }

  /** The height of a one-line row, for keepWith. */
  lineRowHeight(): number {
    this.doc.font(REGULAR).fontSize(FONT_SIZE);
    return this.doc.currentLineHeight(true) + 2 * CELL_PADDING;
  }
}

function writeHeading(doc: PDFKit.PDFDocument, data: SheetData, locale: SheetLocale): void {
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  doc.font(BOLD).fontSize(15).text(SHEET_TEXT[locale].heading, MARGIN.left, MARGIN.top, { width, align: "center" });
  doc
    .font(BOLD)
    .fontSize(11)
    .text(cleanText(data.meeting.title), MARGIN.left, doc.y + 2, { width, align: "center" });
  doc.y += 8;
  const labelWidth = 110;
  // The title stands under the heading already: the lines start with the kind.
  for (const [label, value] of headerLines(data, locale).slice(1)) {
    const y = doc.y;
    doc.font(BOLD).fontSize(9).text(`${label}:`, MARGIN.left, y, { width: labelWidth });
    const labelBottom = doc.y;
    doc
      .font(REGULAR)
      .fontSize(9)
      .text(value || "—", MARGIN.left + labelWidth, y, { width: width - labelWidth });
    doc.y = Math.max(doc.y, labelBottom) + 1;
  }
}

function sectionTitle(doc: PDFKit.PDFDocument, text: string): void {
  doc.y += 10;
  // A title never ends a page alone: it needs room for the table's header and a row below it.
  if (doc.y + 60 > doc.page.height - MARGIN.bottom) {
    doc.addPage();
    doc.y = MARGIN.top;
  }
  doc.font(BOLD).fontSize(10).fillColor("black").text(text, MARGIN.left, doc.y);
  doc.y += 3;
}

function writeSummary(doc: PDFKit.PDFDocument, data: SheetData, locale: SheetLocale): void {
  sectionTitle(doc, SHEET_TEXT[locale].summaryTitle);
  const table = new TableWriter(doc, SUMMARY_COLUMNS, SUMMARY_HEADINGS[locale]);
  table.start();
  for (const site of data.sites) table.row(summaryCells(site, locale).map(String));
  table.row(totalCells(data, locale).map(String), { bold: true, fill: TOTAL_FILL });
}

function writeList(doc: PDFKit.PDFDocument, data: SheetData, locale: SheetLocale): void {
  sectionTitle(doc, SHEET_TEXT[locale].listTitle);
  const table = new TableWriter(doc, LIST_COLUMNS, LIST_HEADINGS[locale]);
  table.start();
  const keepWith = table.lineRowHeight();
  for (const group of groupBySite(data, locale)) {
    table.banner(groupHeading(group, locale), keepWith);
    group.rows.forEach((row, i) => {
      table.row(listCells(row, i + 1, locale).map(String));
    });
  }
}

/** "Trang 2/7" at the foot of every page, and the sheet's name on the left. */
function numberPages(doc: PDFKit.PDFDocument, data: SheetData, locale: SheetLocale): void {
  const t = SHEET_TEXT[locale];
  const range = doc.bufferedPageRange();
  const count = range.count;
  for (let i = 0; i < count; i += 1) {
    doc.switchToPage(range.start + i);
    const width = doc.page.width - MARGIN.left - MARGIN.right;
    const y = doc.page.height - MARGIN.bottom + 14;
    // Writing inside the bottom margin would make pdfkit start a page: lift the margin while writing.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(REGULAR).fontSize(8).fillColor("#404040");
    doc.text(`${t.heading} — ${cleanText(data.meeting.title)}`, MARGIN.left, y, {
      width: width - 90,
      height: doc.currentLineHeight(true),
      ellipsis: true,
      lineBreak: false,
    });
    doc.text(`${t.page} ${i + 1}/${count}`, MARGIN.left + width - 90, y, { width: 90, align: "right", lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

export function renderAttendancePdf(data: SheetData, locale: SheetLocale): Promise<Buffer> {
  const title = `${SHEET_TEXT[locale].heading} — ${cleanText(data.meeting.title)}`;
  const doc = new PDFDocument({
    size: "A4",
    layout: "landscape",
    margins: MARGIN,
    bufferPages: true,
    lang: locale,
    displayTitle: true,
    info: { Title: title, Creator: "ministry-ops meetings", CreationDate: data.asOf },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  try {
    const { regular, bold } = fonts();
    doc.registerFont(REGULAR, regular);
    doc.registerFont(BOLD, bold);
    writeHeading(doc, data, locale);
    writeSummary(doc, data, locale);
    writeList(doc, data, locale);
    numberPages(doc, data, locale);
    doc.end();
  } catch (error) {
    doc.end();
    return Promise.reject(error);
  }
  return done;
}
