import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import type { AttendanceState, DeviceKind } from "../../src/domain/model.js";
import {
  attendanceFileName,
  renderAttendancePdf,
  renderAttendanceXlsx,
  type SheetData,
  type SheetRow,
  type SheetSite,
} from "../../src/export/attendance-sheet.js";

// 08:00 Vietnam time on 7 December 2026 is 01:00 UTC.
const START = new Date("2026-12-07T01:00:00Z");
const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

function person(id: string, fullName: string, position: string, unit: string): SheetRow["person"] {
  return { personId: id, fullName, position, unit: { id: `u-${id}`, name: unit } };
}

function row(partial: Partial<SheetRow> & Pick<SheetRow, "person" | "siteId" | "siteName" | "state">): SheetRow {
  return { reason: "", invitedAs: "Thành viên", ...partial };
}

function site(siteId: string, name: string, unitName: string, hostName: string, central: boolean, rows: SheetRow[]): SheetSite {
  const mine = rows.filter((r) => r.siteId === siteId);
  const count = (state: AttendanceState) => mine.filter((r) => r.state === state).length;
  return {
    siteId,
    name,
    unitName,
    hostName,
    central,
    invited: mine.length,
    present: count("present"),
    absentWithLeave: count("absent_with_leave"),
    absentWithoutLeave: count("absent_without_leave"),
    delegated: count("delegated"),
  };
}

function sheetOf(rows: SheetRow[], sites: [string, string, string, string, boolean][]): SheetData {
  const sheetSites = sites.map(([id, name, unit, host, central]) => site(id, name, unit, host, central, rows));
  const sum = (key: "invited" | "present" | "absentWithLeave" | "absentWithoutLeave" | "delegated") =>
    sheetSites.reduce((s, x) => s + x[key], 0);
  return {
    meeting: {
      id: "mtg-2026-12-07",
      title: "Giao ban công tác tháng 12 năm 2026",
      kindLabel: { vi: "Giao ban tháng", en: "Monthly briefing" },
      start: START,
      plannedEnd: at(210),
      place: "Phòng họp số 1, trụ sở Bộ",
      chairName: "Đặng Quốc Việt",
      status: "ended",
    },
    sites: sheetSites,
    rows,
    total: {
      invited: sum("invited"),
      present: sum("present"),
      absentWithLeave: sum("absentWithLeave"),
      absentWithoutLeave: sum("absentWithoutLeave"),
      delegated: sum("delegated"),
    },
    asOf: at(240),
    scope: {},
  };
}

const SITES: [string, string, string, string, boolean][] = [
  ["hn", "Hà Nội", "Văn phòng Bộ", "Đặng Quốc Việt", true],
  ["dn", "Đà Nẵng", "Cục Quản lý thị trường", "Lê Thị Hồng Nhung", false],
  ["hcm", "Thành phố Hồ Chí Minh", "Vụ Kế hoạch - Tài chính", "Võ Minh Đức", false],
];

const FORMULA_NAMES = ['=HYPERLINK("http://evil.example","bấm vào")', "+84 912 345 678", "@x", "-1+2", "\tTab đầu"];

function smallRows(): SheetRow[] {
  return [
    row({
      person: person("p1", "Nguyễn Thị Thuỷ", "Phó Chánh Văn phòng", "Văn phòng Bộ"),
      siteId: "hn",
      siteName: "Hà Nội",
      state: "present",
      firstCheckIn: at(-5),
      lastCheckOut: at(200),
      device: "computer",
    }),
    row({
      person: person("p2", "Phạm Thị Thanh Trà", "Chuyên viên chính", "Văn phòng Bộ"),
      siteId: "hn",
      siteName: "Hà Nội",
      state: "present",
      firstCheckIn: at(3),
      device: "room_system",
      checkedInBy: "Đặng Quốc Việt",
    }),
    row({
      person: person("p3", "Trần Anh Tuấn", "Cục trưởng", "Cục Quản lý thị trường"),
      siteId: "dn",
      siteName: "Đà Nẵng",
      state: "absent_with_leave",
      reason: "Đi công tác nước ngoài theo Quyết định số 123/QĐ-BCT",
    }),
    row({
      person: person("p4", "Hoàng Văn Thụ", "Phó Cục trưởng", "Cục Quản lý thị trường"),
      siteId: "dn",
      siteName: "Đà Nẵng",
      state: "delegated",
      delegateName: "Lưu Thị Ngọc Hướng",
    }),
    row({
      person: person("p5", "Lưu Thị Ngọc Hướng", "Trưởng phòng", "Cục Quản lý thị trường"),
      siteId: "dn",
      siteName: "Đà Nẵng",
      state: "present",
      firstCheckIn: at(0),
      device: "phone",
      delegatedByName: "Hoàng Văn Thụ",
    }),
    row({
      person: person("p6", "Đặng Quốc Việt", "Vụ trưởng", "Vụ Kế hoạch - Tài chính"),
      siteId: "hcm",
      siteName: "Thành phố Hồ Chí Minh",
      state: "absent_without_leave",
    }),
    row({
      person: person("p7", "Bùi Thị Yến", "Chuyên viên", "Vụ Kế hoạch - Tài chính"),
      siteId: "hcm",
      siteName: "Thành phố Hồ Chí Minh",
      state: "present",
      firstCheckIn: at(10),
      device: "tablet",
    }),
    ...FORMULA_NAMES.map((fullName, i) =>
      row({
        person: person(`f${i}`, fullName, "=1+1", "@unit"),
        siteId: "hcm",
        siteName: "Thành phố Hồ Chí Minh",
        state: "absent_without_leave",
        reason: "+cmd|' /C calc'!A0",
      }),
    ),
  ];
}

const NAMES = [
  "Nguyễn Thị Thuỷ",
  "Phạm Thị Thanh Trà",
  "Trần Anh Tuấn",
  "Đặng Quốc Việt",
  "Hoàng Văn Thụ",
  "Lưu Thị Ngọc Hướng",
  "Bùi Thị Yến",
];

function textOf(cell: ExcelJS.Cell): string {
  return typeof cell.value === "string" || typeof cell.value === "number" ? String(cell.value) : "";
}

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buf as unknown as ArrayBuffer);
  return workbook;
}

/** Every row's cell texts, row by row. */
function rowsOf(sheet: ExcelJS.Worksheet): string[][] {
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (r, n) => {
    const cells: string[] = [];
    r.eachCell({ includeEmpty: true }, (c, col) => {
      cells[col - 1] = textOf(c);
    });
    rows[n - 1] = cells;
  });
  return Array.from(rows, (r) => r ?? []);
}

interface PdfText {
  pages: string[];
  sizes: { width: number; height: number }[];
}

async function pdfText(buf: Buffer): Promise<PdfText> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const pdf = await pdfjs.getDocument({ data: new Uint8Array(buf), useSystemFonts: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  const sizes: { width: number; height: number }[] = [];
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const page = await pdf.getPage(n);
    const viewport = page.getViewport({ scale: 1 });
    sizes.push({ width: viewport.width, height: viewport.height });
    const content = await page.getTextContent();
    // A cell's text may wrap onto several lines: compare words, whatever whitespace separates them.
    const text = content.items.map((item) => ("str" in item ? item.str : "")).join(" ");
    pages.push(text.replace(/\s+/g, " "));
  }
  await pdf.destroy();
  return { pages, sizes };
}

describe("attendance sheet: XLSX", () => {
  it("writes the heading, the summary by site with totals and the people grouped by site, in Vietnamese", async () => {
    const data = sheetOf(smallRows(), SITES);
    const workbook = await readXlsx(await renderAttendanceXlsx(data, "vi"));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(["Tổng hợp", "Danh sách"]);
    const [summarySheet, listSheet] = workbook.worksheets as [ExcelJS.Worksheet, ExcelJS.Worksheet];

    const summary = rowsOf(summarySheet);
    expect(summary[0]?.[0]).toBe("DANH SÁCH ĐIỂM DANH");
    const info = new Map(summary.filter((r) => r.length >= 2 && r[0] && r[1]).map((r) => [r[0], r[1]]));
    expect(info.get("Cuộc họp")).toBe("Giao ban công tác tháng 12 năm 2026");
    expect(info.get("Thời gian")).toBe("07/12/2026 08:00 – 11:30 (giờ Việt Nam)");
    expect(info.get("Địa điểm")).toBe("Phòng họp số 1, trụ sở Bộ");
    expect(info.get("Chủ trì")).toBe("Đặng Quốc Việt");
    expect(info.get("Phạm vi")).toBe("Toàn bộ các điểm cầu");
    expect(info.get("Số liệu tính đến")).toBe("07/12/2026 12:00 (giờ Việt Nam)");

    const headingAt = summary.findIndex((r) => r[0] === "Điểm cầu");
    expect(summary[headingAt]).toEqual([
      "Điểm cầu",
      "Đơn vị",
      "Người chủ trì điểm cầu",
      "Số được mời",
      "Có mặt",
      "Vắng có phép",
      "Vắng không phép",
      "Cử người dự thay",
    ]);
    expect(summarySheet.views[0]).toMatchObject({ state: "frozen", ySplit: headingAt + 1 });
    expect(summarySheet.getRow(headingAt + 1).getCell(1).font?.bold).toBe(true);
    expect(summary.slice(headingAt + 1, headingAt + 5)).toEqual([
      ["Hà Nội (điểm cầu chính)", "Văn phòng Bộ", "Đặng Quốc Việt", "2", "2", "0", "0", "0"],
      ["Đà Nẵng", "Cục Quản lý thị trường", "Lê Thị Hồng Nhung", "3", "1", "1", "0", "1"],
      ["Thành phố Hồ Chí Minh", "Vụ Kế hoạch - Tài chính", "Võ Minh Đức", "7", "1", "0", "6", "0"],
      ["Tổng cộng", "", "", "12", "4", "1", "6", "1"],
    ]);
    // Counts are numbers, so they add up in Excel.
    expect(summarySheet.getRow(headingAt + 5).getCell(4).value).toBe(12);

    const list = rowsOf(listSheet);
    expect(list[0]?.[0]).toBe("DANH SÁCH ĐIỂM DANH — Giao ban công tác tháng 12 năm 2026");
    const listHeadingAt = list.findIndex((r) => r[0] === "STT");
    expect(list[listHeadingAt]).toEqual([
      "STT",
      "Điểm cầu",
      "Họ và tên",
      "Chức vụ",
      "Đơn vị",
      "Tình trạng",
      "Giờ vào",
      "Giờ ra",
      "Thiết bị",
      "Người điểm danh hộ",
      "Ghi chú",
      "Thành phần",
    ]);
    expect(listSheet.views[0]).toMatchObject({ state: "frozen", ySplit: listHeadingAt + 1 });
    expect(listSheet.getRow(listHeadingAt + 1).getCell(3).font?.bold).toBe(true);
    const people = list.slice(listHeadingAt + 1);
    expect(people.map((r) => r[2])).toEqual([
      ...NAMES.filter((n) => n !== "Đặng Quốc Việt" && n !== "Bùi Thị Yến"),
      "Đặng Quốc Việt",
      "Bùi Thị Yến",
      ...FORMULA_NAMES,
    ]);
    expect(people[0]).toEqual([
      "1",
      "Hà Nội (điểm cầu chính)",
      "Nguyễn Thị Thuỷ",
      "Phó Chánh Văn phòng",
      "Văn phòng Bộ",
      "Có mặt",
      "07:55 07/12/2026",
      "11:20 07/12/2026",
      "Máy tính",
      "",
      "",
      "Thành viên",
    ]);
    expect(people[1]?.slice(5, 10)).toEqual(["Có mặt", "08:03 07/12/2026", "", "Thiết bị phòng họp", "Đặng Quốc Việt"]);
    expect(people[2]?.slice(0, 1)).toEqual(["1"]); // numbered within each site
    expect(people[2]?.[5]).toBe("Vắng có phép");
    expect(people[2]?.[10]).toBe("Đi công tác nước ngoài theo Quyết định số 123/QĐ-BCT");
    expect(people[3]?.[5]).toBe("Cử người dự thay");
    expect(people[3]?.[10]).toBe("Cử: Lưu Thị Ngọc Hướng");
    expect(people[4]?.[8]).toBe("Điện thoại");
    expect(people[4]?.[10]).toBe("Dự thay: Hoàng Văn Thụ");
    expect(people[5]?.[5]).toBe("Vắng không phép");
    expect(people[6]?.[8]).toBe("Máy tính bảng");
  });

  it("keeps formula-like text as plain text: no cell of the workbook is a formula", async () => {
    const buf = await renderAttendanceXlsx(sheetOf(smallRows(), SITES), "vi");
    const workbook = await readXlsx(buf);
    const list = workbook.getWorksheet("Danh sách");
    if (!list) throw new Error("no list sheet");
    const names: unknown[] = [];
    list.eachRow((r) => names.push(r.getCell(3).value));
    for (const name of FORMULA_NAMES) expect(names).toContain(name);
    let cells = 0;
    for (const sheet of workbook.worksheets) {
      sheet.eachRow((r) =>
        r.eachCell((c) => {
          cells += 1;
          expect(c.type).not.toBe(ExcelJS.ValueType.Formula);
          expect(c.formula).toBeFalsy();
          expect(["string", "number"]).toContain(typeof c.value);
        }),
      );
    }
    expect(cells).toBeGreaterThan(100);
  });

  it("speaks English with locale en, and names the file in ASCII", async () => {
    const data = { ...sheetOf(smallRows(), SITES), scope: { siteId: "đn/1", siteName: "Đà Nẵng" } };
    const workbook = await readXlsx(await renderAttendanceXlsx(data, "en"));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(["Summary", "Participants"]);
    const summary = rowsOf(workbook.worksheets[0] as ExcelJS.Worksheet);
    expect(summary[0]?.[0]).toBe("ATTENDANCE SHEET");
    expect(summary.find((r) => r[0] === "Scope")?.[1]).toBe("Site: Đà Nẵng");
    expect(summary.find((r) => r[0] === "Time")?.[1]).toBe("07/12/2026 08:00 – 11:30 (Vietnam time)");
    const list = rowsOf(workbook.worksheets[1] as ExcelJS.Worksheet);
    const delegated = list.find((r) => r[2] === "Hoàng Văn Thụ");
    expect(delegated?.[5]).toBe("Sent a substitute");
    expect(delegated?.[10]).toBe("Sent: Lưu Thị Ngọc Hướng");
    expect(list.find((r) => r[2] === "Phạm Thị Thanh Trà")?.[8]).toBe("Meeting-room system");

    expect(attendanceFileName(data, "xlsx")).toBe("diem-danh-mtg-2026-12-07-dn-1.xlsx");
    expect(attendanceFileName(sheetOf([], SITES), "pdf")).toBe("diem-danh-mtg-2026-12-07.pdf");
  });
});

describe("attendance sheet: PDF", () => {
  it("embeds DejaVu Sans and says every name with its diacritics, with the Vietnamese headings", async () => {
    const buf = await renderAttendancePdf(sheetOf(smallRows(), SITES), "vi");
    expect(buf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const raw = buf.toString("latin1");
    expect(raw).toContain("FontFile2");
    expect(raw).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans\b/);
    expect(raw).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans-Bold\b/);

    const { pages, sizes } = await pdfText(buf);
    expect(sizes[0]?.width).toBeGreaterThan(sizes[0]?.height ?? 0); // A4 landscape
    expect(Math.round(sizes[0]?.width ?? 0)).toBe(842);
    const text = pages.join("\n");
    for (const heading of [
      "DANH SÁCH ĐIỂM DANH",
      "Giao ban công tác tháng 12 năm 2026",
      "07/12/2026 08:00 – 11:30 (giờ Việt Nam)",
      "Phòng họp số 1, trụ sở Bộ",
      "Toàn bộ các điểm cầu",
      "Vắng có phép",
      "Vắng không phép",
      "Cử người dự thay",
      "Họ và tên",
      "Thiết bị phòng họp",
      "Cử: Lưu Thị Ngọc Hướng",
      "Dự thay: Hoàng Văn Thụ",
      "Đi công tác nước ngoài",
      "Điểm cầu: Thành phố Hồ Chí Minh",
    ]) {
      expect(text).toContain(heading);
    }
    for (const name of NAMES) expect(text).toContain(name);
    expect(text).toContain("+84 912 345 678");
    expect(pages[pages.length - 1]).toContain(`Trang ${pages.length}/${pages.length}`);
  });

  it("speaks English with locale en", async () => {
    const { pages } = await pdfText(await renderAttendancePdf(sheetOf(smallRows(), SITES), "en"));
    const text = pages.join("\n");
    for (const words of [
      "ATTENDANCE SHEET",
      "Absent with leave",
      "Sent: Lưu Thị Ngọc Hướng",
      "Substitute for: Hoàng Văn Thụ",
      "(Vietnam time)",
      "Page 1/",
    ]) {
      expect(text).toContain(words);
    }
  });

  it("breaks 2,000 people across numbered pages, repeating the header row, the last name on the last page", async () => {
    const devices: DeviceKind[] = ["computer", "phone", "tablet", "room_system"];
    const families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
    const rows: SheetRow[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const [siteId, siteName] = SITES[i % 3] ?? SITES[0] ?? ["", "", "", "", false];
      rows.push(
        row({
          person: person(`p${i}`, `${families[i % families.length]} Thị Thuỷ Tiên ${i + 1}`, "Chuyên viên", "Văn phòng Bộ"),
          siteId,
          siteName,
          state: i % 10 === 0 ? "absent_with_leave" : "present",
          reason: i % 10 === 0 ? "Ốm" : "",
          firstCheckIn: i % 10 === 0 ? undefined : at(i % 30),
          device: i % 10 === 0 ? undefined : devices[i % 4],
        }),
      );
    }
    // Grouped by site: the list ends with the last person of the last site.
    rows.sort((a, b) => SITES.findIndex((s) => s[0] === a.siteId) - SITES.findIndex((s) => s[0] === b.siteId));
    const last = rows[rows.length - 1]?.person.fullName ?? "";
    const buf = await renderAttendancePdf(sheetOf(rows, SITES), "vi");
    const { pages } = await pdfText(buf);
    const count = pages.length;
    expect(count).toBeGreaterThan(20);
    expect(pages[count - 1]).toContain(last);
    pages.forEach((page, i) => {
      expect(page).toContain(`Trang ${i + 1}/${count}`);
      if (i > 0) expect(page).toContain("Họ và tên"); // the header row, repeated
    });
    const everything = pages.join("\n");
    for (const r of rows.slice(0, 50)) expect(everything).toContain(r.person.fullName);
  });
});
