/**
 * The directory of the default run: the ministry's 17 units, its leadership, and for each unit a head,
 * a deputy, a staff member and a clerk; plus an administrator and an operator. The people are
 * fictional (no real person's name); their mail goes to the default run's local sink.
 *
 * Ids are what `scripts/token.ts --person <id>` issues tokens for: `minister`, `deputy-minister-1`..`-4`,
 * `<unit in lower case>-head` / `-deputy` / `-staff` / `-clerk` (e.g. `vp-head`, `tccb-staff`), `admin`, `ops`.
 */
import type { ValidPerson } from "../domain/directory.js";
import type { UnitRoleName } from "../domain/model.js";

export interface SeedUnit {
  id: string;
  name: string;
  nameEn: string;
}

/** A seeded person: what the directory checks (domain/directory.ts), without a phone number. */
export type SeedPerson = Omit<ValidPerson, "phone">;

/** The same units the tasks service knows (its vocabulary), as data: services share no domain code. */
export const SEED_UNITS: readonly SeedUnit[] = [
  { id: "VP", name: "Văn phòng Bộ", nameEn: "Ministry Office" },
  { id: "TCCB", name: "Vụ Tổ chức cán bộ", nameEn: "Department of Personnel and Organisation" },
  { id: "PC", name: "Vụ Pháp chế", nameEn: "Department of Legal Affairs" },
  { id: "KHTC", name: "Vụ Kế hoạch - Tài chính", nameEn: "Department of Planning and Finance" },
  { id: "HTQT", name: "Vụ Hợp tác quốc tế", nameEn: "Department of International Cooperation" },
  { id: "TCBC", name: "Vụ Tổ chức - Biên chế", nameEn: "Department of Organisation and Staffing" },
  { id: "CQDP", name: "Vụ Chính quyền địa phương", nameEn: "Department of Local Government" },
  { id: "CCVC", name: "Vụ Công chức - Viên chức", nameEn: "Department of Civil Servants and Public Employees" },
  { id: "DTBD", name: "Vụ Đào tạo, bồi dưỡng cán bộ, công chức, viên chức", nameEn: "Department of Training" },
  { id: "TL", name: "Vụ Tiền lương", nameEn: "Department of Salaries" },
  { id: "CCHC", name: "Vụ Cải cách hành chính", nameEn: "Department of Administrative Reform" },
  { id: "CTTN", name: "Vụ Công tác thanh niên", nameEn: "Department of Youth Affairs" },
  { id: "TCPCP", name: "Vụ Tổ chức phi chính phủ", nameEn: "Department of Non-Governmental Organisations" },
  { id: "TTR", name: "Thanh tra Bộ", nameEn: "Ministry Inspectorate" },
  { id: "VTLT", name: "Cục Văn thư và Lưu trữ nhà nước", nameEn: "State Records and Archives Department" },
  { id: "TDKT", name: "Ban Thi đua - Khen thưởng Trung ương", nameEn: "Central Emulation and Commendation Board" },
  { id: "TGCP", name: "Ban Tôn giáo Chính phủ", nameEn: "Government Committee for Religious Affairs" },
];

/** The head's and the deputy's titles by the kind of unit. */
const TITLES: Record<string, { head: string; deputy: string }> = {
  VP: { head: "Chánh Văn phòng", deputy: "Phó Chánh Văn phòng" },
  TTR: { head: "Chánh Thanh tra", deputy: "Phó Chánh Thanh tra" },
  VTLT: { head: "Cục trưởng", deputy: "Phó Cục trưởng" },
  TDKT: { head: "Trưởng ban", deputy: "Phó Trưởng ban" },
  TGCP: { head: "Trưởng ban", deputy: "Phó Trưởng ban" },
};
const DEPARTMENT_TITLES = { head: "Vụ trưởng", deputy: "Phó Vụ trưởng" };

/** Fictional names, in the order the people below take them. */
const NAMES = [
  // leadership
  "Trịnh Quốc Khánh",
  "Lương Thị Minh Hằng",
  "Tạ Đức Thịnh",
  "Mai Văn Toàn",
  "Kiều Thị Bích Ngọc",
  // head, deputy, staff, clerk of each unit, in SEED_UNITS order
  "Nguyễn Văn Hòa",
  "Trần Thị Thu Hà",
  "Lê Minh Tuấn",
  "Phạm Thị Lan",
  "Hoàng Đức Long",
  "Vũ Thị Mai",
  "Đặng Quang Huy",
  "Bùi Thị Hồng",
  "Đỗ Văn Thắng",
  "Ngô Thị Phương",
  "Dương Minh Đức",
  "Lý Thị Ngọc Ánh",
  "Phan Văn Hải",
  "Võ Thị Thanh Tâm",
  "Hồ Quang Vinh",
  "Nguyễn Thị Yến",
  "Trần Văn Bình",
  "Lê Thị Hương",
  "Nguyễn Văn Nam",
  "Phạm Thị Oanh",
  "Huỳnh Đức Tài",
  "Đinh Thị Kim Chi",
  "Cao Văn Phúc",
  "Trương Thị Hạnh",
  "Lâm Quốc Bảo",
  "Nguyễn Thị Thúy",
  "Phùng Văn Kiên",
  "Hà Thị Diệu Linh",
  "Đoàn Văn Sơn",
  "Tô Thị Ngân",
  "Vương Minh Khoa",
  "Châu Thị Liên",
  "Nguyễn Đình Trọng",
  "Lê Thị Thanh Xuân",
  "Phạm Văn Lực",
  "Trần Thị Nhung",
  "Bạch Văn Quân",
  "Nghiêm Thị Loan",
  "Hoàng Minh Trí",
  "Lưu Thị Dung",
  "Nguyễn Hữu Phước",
  "Đào Thị Thu Trang",
  "Vũ Văn Định",
  "Mạc Thị Hoa",
  "Tăng Văn Lộc",
  "Phạm Thị Ngọc Diệp",
  "Lê Văn Cường",
  "Nguyễn Thị Hải Yến",
  "Trần Quang Dũng",
  "Đặng Thị Quỳnh",
  "Hồ Văn Nghĩa",
  "Ông Thị Thảo",
  "Lại Văn Hưng",
  "Nguyễn Thị Kim Oanh",
  "Triệu Minh Hiếu",
  "Quách Thị Vân",
  "Thái Văn Lâm",
  "Phó Thị Mỹ Linh",
  "Khúc Đức Anh",
  "Doãn Thị Huệ",
  "Chu Văn Tiến",
  "Giang Thị Thu Hằng",
  "Âu Minh Nhật",
  "Ninh Thị Hồng Nhung",
  "Lò Văn Thành",
  "Kim Thị Uyên",
  "Cù Văn Quyết",
  "Hứa Thị Thanh Nga",
  // administrator, operator
  "Nguyễn Thành Công",
  "Đinh Văn Khải",
];

const DOMAIN = "bnv.gov.example";
const TIME_ZONE = "Asia/Ho_Chi_Minh";
/** People whose notifications come in English, so the default run uses the English templates too. */
const ENGLISH = new Set(["deputy-minister-2", "htqt-staff", "htqt-deputy"]);

function people(): SeedPerson[] {
  let next = 0;
  const name = () => {
    const n = NAMES[next];
    next += 1;
    if (n === undefined) throw new Error("the seed has more people than names");
    return n;
  };
  const person = (id: string, position: string, unitId: string | null, unitRole: UnitRoleName, roles: string[]): SeedPerson => ({
    id,
    fullName: name(),
    position,
    unitId,
    unitRole,
    roles,
    email: `${id}@${DOMAIN}`,
    locale: ENGLISH.has(id) ? "en" : "vi",
    timeZone: TIME_ZONE,
  });
  const list: SeedPerson[] = [person("minister", "Bộ trưởng", null, "member", ["minister"])];
  for (let i = 1; i <= 4; i += 1) list.push(person(`deputy-minister-${i}`, "Thứ trưởng", null, "member", ["deputy_minister"]));
  for (const unit of SEED_UNITS) {
    const prefix = unit.id.toLowerCase();
    const titles = TITLES[unit.id] ?? DEPARTMENT_TITLES;
    // The Chief of the Ministry Office is also the office chief every flow through the Office needs.
    list.push(person(`${prefix}-head`, titles.head, unit.id, "head", unit.id === "VP" ? ["office_chief", "unit_head"] : ["unit_head"]));
    list.push(person(`${prefix}-deputy`, titles.deputy, unit.id, "deputy", ["unit_head"]));
    list.push(person(`${prefix}-staff`, "Chuyên viên", unit.id, "member", ["staff"]));
    list.push(person(`${prefix}-clerk`, "Văn thư", unit.id, "member", ["clerk"]));
  }
  list.push(person("admin", "Quản trị hệ thống", "VP", "member", ["admin"]));
  list.push(person("ops", "Vận hành", "VP", "member", ["ops"]));
  return list;
}

export const SEED_PEOPLE: readonly SeedPerson[] = people();
