/**
 * The columns of a programme file. Headings are Vietnamese, with English aliases; they match ignoring
 * case, diacritics and punctuation, a trailing required-mark ("*") and anything in parentheses
 * ("Thời hạn (dd/mm/yyyy)"), and bilingual headings match by either half ("Mã / Code").
 */
import { lookupKey } from "./lookup.js";

export const COLUMN_KEYS = [
  "code",
  "title",
  "kindCode",
  "authority",
  "leadUnit",
  "coordinatingUnits",
  "deadlineText",
  "priority",
  "assignee",
  "note",
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

export interface ColumnDef {
  key: ColumnKey;
  /** The heading written in files and named in messages (with `en` in the English half). */
  vi: string;
  en: string;
  required: boolean;
  /** Other headings accepted for the column (Vietnamese and English). */
  aliases: readonly string[];
}

export const PROGRAMME_COLUMNS: readonly ColumnDef[] = [
  { key: "code", vi: "Mã", en: "Code", required: true, aliases: ["Mã nhiệm vụ", "Mã số", "Task code", "Task id", "Id"] },
  {
    key: "title",
    vi: "Tên nhiệm vụ",
    en: "Title",
    required: true,
    aliases: ["Nhiệm vụ", "Tên", "Nội dung", "Tên văn bản, đề án", "Tên đề án, văn bản", "Task", "Task title", "Name"],
  },
  {
    key: "kindCode",
    vi: "Loại",
    en: "Kind",
    required: true,
    aliases: ["Loại nhiệm vụ", "Loại văn bản", "Hình thức văn bản", "Task kind", "Type", "Document type"],
  },
  {
    key: "authority",
    vi: "Cấp trình",
    en: "Authority",
    // Blank (or absent): the kind's own authority, or none (importer).
    required: false,
    aliases: ["Cấp có thẩm quyền", "Trình cấp", "Cơ quan trình", "Submitted to", "Submit to"],
  },
  {
    key: "leadUnit",
    vi: "Đơn vị chủ trì",
    en: "Lead unit",
    required: true,
    aliases: ["Chủ trì", "Cơ quan chủ trì", "Đơn vị chủ trì soạn thảo", "Lead"],
  },
  {
    key: "coordinatingUnits",
    vi: "Đơn vị phối hợp",
    en: "Coordinating units",
    required: false,
    aliases: ["Phối hợp", "Cơ quan phối hợp", "Coordinating unit", "Coordination"],
  },
  {
    key: "deadlineText",
    vi: "Thời hạn",
    en: "Deadline",
    required: true,
    aliases: ["Thời hạn trình", "Thời gian trình", "Thời hạn hoàn thành", "Hạn", "Due", "Due date"],
  },
  { key: "priority", vi: "Mức ưu tiên", en: "Priority", required: false, aliases: ["Ưu tiên", "Độ ưu tiên", "Mức độ ưu tiên"] },
  {
    key: "assignee",
    vi: "Người thực hiện",
    en: "Assignee",
    required: false,
    aliases: ["Người phụ trách", "Cán bộ thực hiện", "Chuyên viên thực hiện", "Assigned to"],
  },
  { key: "note", vi: "Ghi chú", en: "Note", required: false, aliases: ["Notes", "Remarks"] },
];

const BY_KEY = new Map<string, ColumnKey>();
for (const c of PROGRAMME_COLUMNS) {
  for (const h of [c.vi, c.en, ...c.aliases]) {
    const k = lookupKey(h);
    if (!BY_KEY.has(k)) BY_KEY.set(k, c.key);
  }
}

function stripDecorations(heading: string): string {
  return heading
    .replace(/\([^)]*\)|\[[^\]]*\]/gu, " ")
    .replace(/[*:]+/gu, " ")
    .trim();
}

/** The column a heading names, or undefined. */
export function columnOf(heading: string): ColumnKey | undefined {
  const whole = stripDecorations(heading);
  const direct = BY_KEY.get(lookupKey(whole));
  if (direct) return direct;
  const halves = whole.split("/").map(lookupKey);
  if (halves.length < 2) return undefined;
  const found = new Set(halves.map((h) => BY_KEY.get(h)).filter((k): k is ColumnKey => k !== undefined));
  return found.size === 1 ? [...found][0] : undefined;
}

export function columnDef(key: ColumnKey): ColumnDef {
  const def = PROGRAMME_COLUMNS.find((c) => c.key === key);
  if (!def) throw new Error(`no column ${key}`);
  return def;
}

/**
 * How a row's report names a column: the template's heading with its English name, "Thời hạn
 * (Deadline)" — what the person fixing the file sees in it, never an internal name.
 */
export function columnLabel(key: ColumnKey): string {
  const def = columnDef(key);
  return `${def.vi} (${def.en})`;
}
