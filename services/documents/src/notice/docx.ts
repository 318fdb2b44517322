/**
 * The conclusion notice as a DOCX laid out as Decree 30/2020 (Phụ lục I) lays out an administrative
 * document: the issuing body and the number at the top left, the national title and the place and date at
 * the top right, the type and summary centred, the body, then "Nơi nhận" at the left and the signer at the
 * right. Times New Roman, A4, the decree's margins.
 */
import { AlignmentType, BorderStyle, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from "docx";
import type { ConclusionNotice } from "./conclusion-notice.js";

const FONT = "Times New Roman";
/** Half-points: 13 pt and 14 pt, the decree's body sizes. */
const SIZE_13 = 26;
const SIZE_14 = 28;
/** Twips (1/20 pt, 567 to the cm): top and bottom 2 cm, left 3 cm, right 1.5 cm. */
const MARGIN = { top: 1134, bottom: 1134, left: 1701, right: 851 };
const NO_BORDER = { style: BorderStyle.NONE, size: 0, color: "FFFFFF" };
const NO_BORDERS = {
  top: NO_BORDER,
  bottom: NO_BORDER,
  left: NO_BORDER,
  right: NO_BORDER,
  insideHorizontal: NO_BORDER,
  insideVertical: NO_BORDER,
};

function line(
  text: string,
  opts: {
    bold?: boolean;
    italics?: boolean;
    size?: number;
    align?: (typeof AlignmentType)[keyof typeof AlignmentType];
    indent?: boolean;
  } = {},
): Paragraph {
  return new Paragraph({
    alignment: opts.align ?? AlignmentType.JUSTIFIED,
    indent: opts.indent ? { firstLine: 567 } : undefined,
    spacing: { after: 120 },
    children: [new TextRun({ text, font: FONT, size: opts.size ?? SIZE_14, bold: opts.bold, italics: opts.italics })],
  });
}

function cell(children: Paragraph[], widthPct: number): TableCell {
  return new TableCell({ children, width: { size: widthPct, type: WidthType.PERCENTAGE }, borders: NO_BORDERS });
}

export interface NoticeHeader {
  issuingBodyName: string;
  /** "Số:      /TB-BNV" until numbered, then "Số: 15/TB-BNV". */
  numberLine: string;
  /** "Hà Nội, ngày      tháng      năm 2020" until issued. */
  placeAndDate: string;
}

export async function conclusionNoticeDocx(notice: ConclusionNotice, header: NoticeHeader): Promise<Buffer> {
  const top = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: NO_BORDERS,
    rows: [
      new TableRow({
        children: [
          cell(
            [
              line(header.issuingBodyName, { bold: true, size: SIZE_13, align: AlignmentType.CENTER }),
              line(header.numberLine, { size: SIZE_13, align: AlignmentType.CENTER }),
            ],
            40,
          ),
          cell(
            [
              line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", { bold: true, size: SIZE_13, align: AlignmentType.CENTER }),
              line("Độc lập - Tự do - Hạnh phúc", { bold: true, align: AlignmentType.CENTER }),
              line(header.placeAndDate, { italics: true, align: AlignmentType.CENTER }),
            ],
            60,
          ),
        ],
      }),
    ],
  });
  const bottom = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: NO_BORDERS,
    rows: [
      new TableRow({
        children: [
          cell(
            [
              new Paragraph({ children: [new TextRun({ text: "Nơi nhận:", font: FONT, size: 24, bold: true, italics: true })] }),
              ...notice.recipients.map((r) => new Paragraph({ children: [new TextRun({ text: r, font: FONT, size: 22 })] })),
            ],
            50,
          ),
          cell(
            [
              line(notice.signer.prefix, { bold: true, align: AlignmentType.CENTER }),
              line(notice.signer.position, { bold: true, align: AlignmentType.CENTER }),
              line("", {}),
              line("", {}),
              line(notice.signer.fullName, { bold: true, align: AlignmentType.CENTER }),
            ],
            50,
          ),
        ],
      }),
    ],
  });
  const doc = new Document({
    creator: header.issuingBodyName,
    title: `Thông báo: ${notice.summary}`,
    sections: [
      {
        properties: { page: { size: { width: 11906, height: 16838 }, margin: MARGIN } },
        children: [
          top,
          line("THÔNG BÁO", { bold: true, align: AlignmentType.CENTER }),
          line(notice.summary, { bold: true, align: AlignmentType.CENTER }),
          ...notice.opening.map((p) => line(p, { indent: true })),
          line(notice.lead, { indent: true }),
          ...notice.conclusions.map((p) => line(p, { indent: true })),
          line(notice.closing, { indent: true }),
          bottom,
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
