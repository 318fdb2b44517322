/**
 * The words of the work programme: kinds of task (legal-normative tiers and other documents), the
 * authorities tasks are submitted to, the ministry's units, statuses and priorities. Lists that the law
 * or the organisation changes (tiers: Law 80/2015 lists 16, Law 64/2025 lists 14; units) are data,
 * replaceable by configuration, not rules in code.
 */

/** Legal normative document (VBQPPL) tiers a ministry drafts or issues. */
export interface TaskKindDef {
  code: string;
  vi: string;
  en: string;
  /** true: a legal normative document (VBQPPL); false: another document or scheme. */
  normative: boolean;
  /** For a VBQPPL tier: the authority that passes or issues it, so the one the draft is submitted to. */
  authority?: AuthorityCode;
}

export const DEFAULT_TASK_KINDS: readonly TaskKindDef[] = [
  { code: "LUAT", vi: "Luật", en: "Law", normative: true, authority: "QUOC_HOI" },
  { code: "NQ_QH", vi: "Nghị quyết của Quốc hội", en: "Resolution of the National Assembly", normative: true, authority: "QUOC_HOI" },
  { code: "PHAP_LENH", vi: "Pháp lệnh", en: "Ordinance", normative: true, authority: "UBTVQH" },
  {
    code: "NQ_UBTVQH",
    vi: "Nghị quyết của Ủy ban Thường vụ Quốc hội",
    en: "Resolution of the NA Standing Committee",
    normative: true,
    authority: "UBTVQH",
  },
  { code: "NGHI_DINH", vi: "Nghị định", en: "Decree", normative: true, authority: "CHINH_PHU" },
  { code: "NQ_CP", vi: "Nghị quyết của Chính phủ", en: "Resolution of the Government", normative: true, authority: "CHINH_PHU" },
  {
    code: "QD_TTG",
    vi: "Quyết định của Thủ tướng Chính phủ",
    en: "Decision of the Prime Minister",
    normative: true,
    authority: "THU_TUONG",
  },
  { code: "THONG_TU", vi: "Thông tư", en: "Circular", normative: true, authority: "BO_TRUONG" },
  { code: "DE_AN", vi: "Đề án", en: "Scheme", normative: false },
  { code: "BAO_CAO", vi: "Báo cáo", en: "Report", normative: false },
  { code: "TO_TRINH", vi: "Tờ trình", en: "Submission", normative: false },
  { code: "QD_CA_BIET", vi: "Quyết định cá biệt", en: "Individual decision", normative: false },
  { code: "CHIEN_LUOC", vi: "Chiến lược", en: "Strategy", normative: false },
  { code: "KE_HOACH", vi: "Kế hoạch", en: "Plan", normative: false },
  { code: "CHUONG_TRINH", vi: "Chương trình", en: "Programme", normative: false },
  { code: "VAN_BAN_KHAC", vi: "Văn bản khác", en: "Other document", normative: false },
];

export const AUTHORITIES = [
  { code: "QUOC_HOI", vi: "Quốc hội", en: "National Assembly" },
  { code: "UBTVQH", vi: "Ủy ban Thường vụ Quốc hội", en: "NA Standing Committee" },
  { code: "CHINH_PHU", vi: "Chính phủ", en: "Government" },
  { code: "THU_TUONG", vi: "Thủ tướng Chính phủ", en: "Prime Minister" },
  { code: "BO_TRUONG", vi: "Bộ trưởng", en: "Minister" },
] as const;

export type AuthorityCode = (typeof AUTHORITIES)[number]["code"];

/** Units of the Ministry of Home Affairs (2020). Configuration may replace the list. */
export interface UnitDef {
  id: string;
  vi: string;
  en: string;
}

export const DEFAULT_UNITS: readonly UnitDef[] = [
  { id: "VP", vi: "Văn phòng Bộ", en: "Ministry Office" },
  { id: "TCCB", vi: "Vụ Tổ chức cán bộ", en: "Department of Personnel and Organisation" },
  { id: "PC", vi: "Vụ Pháp chế", en: "Department of Legal Affairs" },
  { id: "KHTC", vi: "Vụ Kế hoạch - Tài chính", en: "Department of Planning and Finance" },
  { id: "HTQT", vi: "Vụ Hợp tác quốc tế", en: "Department of International Cooperation" },
  { id: "TCBC", vi: "Vụ Tổ chức - Biên chế", en: "Department of Organisation and Staffing" },
  { id: "CQDP", vi: "Vụ Chính quyền địa phương", en: "Department of Local Government" },
  { id: "CCVC", vi: "Vụ Công chức - Viên chức", en: "Department of Civil Servants and Public Employees" },
  { id: "DTBD", vi: "Vụ Đào tạo, bồi dưỡng cán bộ, công chức, viên chức", en: "Department of Training" },
  { id: "TL", vi: "Vụ Tiền lương", en: "Department of Salaries" },
  { id: "CCHC", vi: "Vụ Cải cách hành chính", en: "Department of Administrative Reform" },
  { id: "CTTN", vi: "Vụ Công tác thanh niên", en: "Department of Youth Affairs" },
  { id: "TCPCP", vi: "Vụ Tổ chức phi chính phủ", en: "Department of Non-Governmental Organisations" },
  { id: "TTR", vi: "Thanh tra Bộ", en: "Ministry Inspectorate" },
  { id: "VTLT", vi: "Cục Văn thư và Lưu trữ nhà nước", en: "State Records and Archives Department" },
  { id: "TDKT", vi: "Ban Thi đua - Khen thưởng Trung ương", en: "Central Emulation and Commendation Board" },
  { id: "TGCP", vi: "Ban Tôn giáo Chính phủ", en: "Government Committee for Religious Affairs" },
];

export const TASK_STATUSES = ["not_started", "in_progress", "submitted", "completed", "withdrawn"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const PRIORITIES = ["normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TASK_SOURCES = ["programme", "meeting_conclusion", "directive", "ad_hoc"] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

export const PROGRAMME_STATUSES = ["draft", "approved", "closed"] as const;
export type ProgrammeStatus = (typeof PROGRAMME_STATUSES)[number];

/** The ministry's time zone: deadlines are calendar days there. */
export const TIME_ZONE = "Asia/Ho_Chi_Minh";
