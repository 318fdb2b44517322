/**
 * The bench's incoming documents: what the Office's clerk keys in from a year of mail, generated from a
 * fixed seed so every run registers the same documents. Realistic on purpose (types of the vocabulary,
 * senders' own symbols "1234/UBND-VX", "V/v …" summaries of a ministry of home affairs' work): the
 * search figures depend on how long the summaries are and how their words spread.
 *
 * Two topics are planted at known rates so the word queries have known selectivity: "phòng, chống lụt
 * bão" in 1 summary in 100, "cải cách hành chính" in 1 in 2. The expected matches of every query are
 * counted here with the service's own matching (matchesDocument), so a wrong answer is seen.
 */
import { matchesDocument, symbolKey } from "../src/domain/search-text.js";

export interface IncomingDoc {
  type: string;
  number: string;
  sender: { code: string; name: string };
  /** ISO date-time: the date the document bears. */
  issuedDate: string;
  summary: string;
  urgent: boolean;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENDERS: { code: string; name: string; abbrev: string; units: string[] }[] = [
  { code: "000.00.00.G22", name: "Văn phòng Chính phủ", abbrev: "VPCP", units: ["TCCV", "KSTT", "NC", "KGVX", "ĐMDN"] },
  { code: "000.00.01.H26", name: "Ủy ban nhân dân thành phố Hà Nội", abbrev: "UBND", units: ["NC", "VX", "KT", "ĐT"] },
  { code: "000.00.01.H29", name: "Ủy ban nhân dân Thành phố Hồ Chí Minh", abbrev: "UBND", units: ["VX", "KT", "TH"] },
  { code: "000.00.01.H56", name: "Ủy ban nhân dân tỉnh Quảng Ninh", abbrev: "UBND", units: ["NC", "TM"] },
  { code: "000.00.01.H40", name: "Ủy ban nhân dân tỉnh Nghệ An", abbrev: "UBND", units: ["VX", "NC"] },
  { code: "000.00.01.H58", name: "Ủy ban nhân dân tỉnh Quảng Trị", abbrev: "UBND", units: ["NC"] },
  { code: "000.00.01.H17", name: "Ủy ban nhân dân tỉnh Đắk Lắk", abbrev: "UBND", units: ["VX", "KT"] },
  { code: "000.00.01.H06", name: "Ủy ban nhân dân tỉnh Cà Mau", abbrev: "UBND", units: ["NC", "KT"] },
  { code: "000.00.00.G06", name: "Bộ Tài chính", abbrev: "BTC", units: ["NSNN", "HCSN", "TCCB"] },
  { code: "000.00.00.G12", name: "Bộ Tư pháp", abbrev: "BTP", units: ["KTrVB", "PLHSHC"] },
  { code: "000.00.00.G09", name: "Bộ Kế hoạch và Đầu tư", abbrev: "BKHĐT", units: ["TCCB", "KTĐPLT"] },
  { code: "000.00.00.G15", name: "Bộ Giáo dục và Đào tạo", abbrev: "BGDĐT", units: ["NGCBQLGD", "TCCB"] },
];

/** Type code, its abbreviation in a symbol (empty: a công văn, whose symbol names the drafting unit). */
const TYPES: { code: string; abbrev: string; weight: number }[] = [
  { code: "CONG_VAN", abbrev: "", weight: 55 },
  { code: "QUYET_DINH", abbrev: "QĐ", weight: 10 },
  { code: "GIAY_MOI", abbrev: "GM", weight: 8 },
  { code: "BAO_CAO", abbrev: "BC", weight: 8 },
  { code: "THONG_BAO", abbrev: "TB", weight: 6 },
  { code: "KE_HOACH", abbrev: "KH", weight: 5 },
  { code: "TO_TRINH", abbrev: "TTr", weight: 4 },
  { code: "CHI_THI", abbrev: "CT", weight: 2 },
  { code: "HUONG_DAN", abbrev: "HD", weight: 2 },
];

const ACTIONS = [
  "đề nghị góp ý dự thảo",
  "triển khai thực hiện",
  "báo cáo tình hình thực hiện",
  "hướng dẫn thực hiện",
  "đề nghị cử đại diện tham dự hội nghị về",
  "thẩm định hồ sơ",
  "phối hợp rà soát",
  "xin ý kiến về",
  "tổng kết công tác",
  "đôn đốc thực hiện",
];
const SUBJECTS = [
  "Nghị định quy định về tuyển dụng, sử dụng và quản lý công chức",
  "Đề án sắp xếp đơn vị hành chính cấp xã giai đoạn 2023–2025",
  "vị trí việc làm và cơ cấu ngạch công chức",
  "chế độ tiền lương đối với người làm việc trong khu vực công",
  "thi đua, khen thưởng năm 2026",
  "công tác thanh niên và bình đẳng giới",
  "tín ngưỡng, tôn giáo trên địa bàn",
  "văn thư, lưu trữ và số hóa tài liệu lưu trữ",
  "tinh giản biên chế theo Nghị định số 29/2023/NĐ-CP",
  "bổ nhiệm lại Giám đốc Sở Nội vụ",
  "đào tạo, bồi dưỡng cán bộ, công chức cấp xã",
  "chính quyền đô thị và phân cấp, phân quyền",
  "chuyển đổi vị trí công tác nhằm phòng ngừa tham nhũng",
  "kiểm định chất lượng đầu vào công chức",
];
const RATE_WORDS = { rare: "phòng, chống lụt bão", half: "cải cách hành chính" } as const;

/** `count` incoming documents, issued over the twelve months before `until` (dates in Vietnam). */
export function incomingDocuments(count: number, until = new Date("2026-11-30T17:00:00Z"), seed = 13): IncomingDoc[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const totalWeight = TYPES.reduce((n, t) => n + t.weight, 0);
  const pickType = () => {
    let r = rnd() * totalWeight;
    for (const t of TYPES) {
      r -= t.weight;
      if (r < 0) return t;
    }
    return TYPES[0];
  };
  const counters = new Map<string, number>();
  const docs: IncomingDoc[] = [];
  for (let i = 0; i < count; i++) {
    const sender = pick(SENDERS);
    const type = pickType();
    // one running number per sender, as each body numbers its own documents
    const n = (counters.get(sender.code) ?? 0) + 1;
    counters.set(sender.code, n);
    const symbolTail = type.abbrev ? `${type.abbrev}-${sender.abbrev}` : `${sender.abbrev}-${pick(sender.units)}`;
    const topic = [pick(ACTIONS), pick(SUBJECTS)];
    if (i % 2 === 0) topic.push(`gắn với ${RATE_WORDS.half}`);
    if (i % 100 === 7) topic.push(`và công tác ${RATE_WORDS.rare} năm 2026`);
    const daysBefore = Math.floor(rnd() * 365);
    const issued = new Date(until.getTime() - daysBefore * 86_400_000);
    docs.push({
      type: type.code,
      number: `${n}/${symbolTail}`,
      sender: { code: sender.code, name: sender.name },
      issuedDate: issued.toISOString(),
      summary: `V/v ${topic.join(" ")}`,
      urgent: rnd() < 0.1,
    });
  }
  return docs;
}

export interface SearchMix {
  name: string;
  text: string;
  from?: string;
  to?: string;
}

/** The query mixes: a rare word, a common one, a symbol, a date range; texts as people type them. */
export function searchMixes(docs: readonly IncomingDoc[]): SearchMix[] {
  const probe = docs[Math.floor(docs.length / 3)];
  return [
    { name: "word in 1% of summaries, typed without diacritics", text: "lut bao" },
    { name: "words in 50% of summaries, upper case", text: "CẢI CÁCH HÀNH CHÍNH" },
    // a symbol typed loosely (lower case, "qd" for "QĐ"): looked up exactly
    { name: "number and symbol, typed loosely", text: symbolKey(probe.number) },
    { name: "date range (issued in October 2026), no words", text: "", from: "2026-09-30T17:00:00Z", to: "2026-10-31T17:00:00Z" },
  ];
}

/** What a mix must match among `docs`: the service's own matching, over what it searches (symbol and summary). */
export function expectedMatches(docs: readonly IncomingDoc[], mix: SearchMix): number {
  return docs.filter((d) => {
    if (mix.from && new Date(d.issuedDate) < new Date(mix.from)) return false;
    if (mix.to && new Date(d.issuedDate) >= new Date(mix.to)) return false;
    if (!mix.text) return true;
    if (/^\d+\//u.test(mix.text)) return symbolKey(d.number) === symbolKey(mix.text);
    return matchesDocument({ symbol: d.number, summary: d.summary }, mix.text);
  }).length;
}
