/**
 * ImportDirectory at the use-case level, on the embedded MongoDB: CSV with Vietnamese headings, XLSX
 * made with exceljs, row errors with line and column, formula quotes removed, the size gate before
 * parsing, dry runs that change nothing, and a file with a bad row importing nothing.
 */
import ExcelJS from "exceljs";
import { type InvalidArgument, PermissionDenied } from "@ministry/platform";
import { ImportRowsInvalid } from "@ministry/platform/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_IMPORT_FILE_BYTES } from "../../src/domain/limits.js";
import { seedDirectory } from "../../src/seed/index.js";
import { ADMIN, STAFF, startDirectoryFixture, type DirectoryFixture } from "./context.js";

let server: Awaited<ReturnType<typeof startDirectoryFixture>>;
beforeAll(async () => {
  server = await startDirectoryFixture();
});
afterAll(async () => {
  await server?.close();
});

async function seeded(): Promise<DirectoryFixture> {
  const f = await server.fresh();
  await seedDirectory(f.directory);
  return f;
}

const encode = (text: string) => new TextEncoder().encode(text);
const HEADER = "Mã;Họ và tên;Chức vụ;Đơn vị;Vai trò trong đơn vị;Quyền;Email;Điện thoại;Ngôn ngữ;Múi giờ;Đang làm việc";

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
}

describe("a CSV with Vietnamese headings", () => {
  it("creates, updates and leaves unchanged; units by id or Vietnamese name", async () => {
    const f = await seeded();
    const csv = [
      HEADER,
      "pc-staff-2;Nguyễn Thị Hồng Vân;Chuyên viên;Vụ Pháp chế;Thành viên;staff;pc-staff-2@bnv.gov.example;024 3824 0001;vi;Asia/Ho_Chi_Minh;có",
      "cchc-head-2;Phạm Quốc Việt;Phó Vụ trưởng;cchc;Phó;unit_head;;;en;;",
      // the seeded vp-staff, with a new phone number
      "vp-staff;Lê Minh Tuấn;Chuyên viên;VP;Thành viên;staff;vp-staff@bnv.gov.example;0912 000 000;vi;Asia/Ho_Chi_Minh;có",
      // the seeded minister as he is
      "minister;Trịnh Quốc Khánh;Bộ trưởng;;;minister;minister@bnv.gov.example;;vi;Asia/Ho_Chi_Minh;có",
    ].join("\r\n");
    const before = await f.directory.store.getPerson("vp-staff");
    const r = await f.directory.importDirectory(ADMIN, { content: encode(csv), fileName: "danh-ba.csv", dryRun: false });
    expect(r).toEqual({ rows: 4, created: 2, updated: 1, unchanged: 1, errors: [] });
    expect(await f.directory.store.getPerson("pc-staff-2")).toMatchObject({
      unitId: "PC",
      unitRole: "member",
      phone: "024 3824 0001",
      active: true,
    });
    expect(await f.directory.store.getPerson("cchc-head-2")).toMatchObject({
      unitId: "CCHC",
      unitRole: "deputy",
      locale: "en",
      timeZone: "Asia/Ho_Chi_Minh",
    });
    const after = await f.directory.store.getPerson("vp-staff");
    expect(after).toMatchObject({ phone: "0912 000 000", version: before!.version + 1 });
  });

  it("English headings and commas work too; 'không' deactivates", async () => {
    const f = await seeded();
    const csv = "Id,Full name,Unit,Unit role,Roles,Active\r\nkhtc-clerk,Đỗ Thị Hà,KHTC,Member,clerk,không\r\n";
    const r = await f.directory.importDirectory(ADMIN, { content: encode(csv), fileName: "", dryRun: false });
    expect(r).toMatchObject({ rows: 1, updated: 1 });
    expect(await f.directory.store.getPerson("khtc-clerk")).toMatchObject({ fullName: "Đỗ Thị Hà", active: false });
  });

  it("removes the quote a spreadsheet-safe export puts before a formula-like cell", async () => {
    const f = await seeded();
    const csv = `${HEADER}\r\nvp-x;'=Lê Văn A;'+Chuyên viên;VP;;staff;;'+84 24 3824 0000;;;\r\n`;
    await f.directory.importDirectory(ADMIN, { content: encode(csv), fileName: "a.csv", dryRun: false });
    expect(await f.directory.store.getPerson("vp-x")).toMatchObject({
      fullName: "=Lê Văn A",
      position: "+Chuyên viên",
      phone: "+84 24 3824 0000",
    });
  });
});

describe("bad rows", () => {
  const csv = [
    HEADER,
    "ok-1;Người Hợp Lệ;;VP;;staff;;;;;",
    "bad id;Trần Văn B;;VP;;staff;;;;;",
    "bad-2;Trần Văn C;;Vụ Không Có;;staff;sai-thu;;;Sao/Hoa;",
    "ok-1;Trùng Mã;;VP;;staff;;;;;",
  ].join("\n");

  it("a dry run reports each with its line and column, and writes nothing", async () => {
    const f = await seeded();
    const r = await f.directory.importDirectory(ADMIN, { content: encode(csv), fileName: "a.csv", dryRun: true });
    expect(r.rows).toBe(4);
    expect(r.created).toBe(1);
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([
      [3, "Mã"],
      [4, "Đơn vị"],
      [4, "Email"],
      [4, "Múi giờ"],
      [5, "Mã"],
    ]);
    expect(r.errors[4]).toMatchObject({ vi: 'Mã "ok-1" đã có ở dòng 2', en: 'Id "ok-1" is already on line 2' });
    expect(await f.directory.store.getPerson("ok-1")).toBeNull();
  });

  it("otherwise the file imports nothing: IMPORT_ROWS_INVALID, a violation on content per row error", async () => {
    const f = await seeded();
    const e = await rejection(f.directory.importDirectory(ADMIN, { content: encode(csv), fileName: "a.csv", dryRun: false }));
    expect(e).toBeInstanceOf(ImportRowsInvalid);
    const refused = e as ImportRowsInvalid;
    expect(refused.reason).toBe("IMPORT_ROWS_INVALID");
    expect(refused.violations).toHaveLength(5);
    expect(refused.violations.every((v) => v.field === "content")).toBe(true);
    expect(refused.violations[1].description).toBe(
      'Dòng 4, cột "Đơn vị": Không có đơn vị "Vụ Không Có" / Line 4, column "Đơn vị": No unit "Vụ Không Có"',
    );
    expect(await f.directory.store.getPerson("ok-1")).toBeNull();
  });

  it("a file without the required headings is refused as a whole", async () => {
    const f = await seeded();
    const e = await rejection(
      f.directory.importDirectory(ADMIN, { content: encode("Tên,Đơn vị\nA,VP\n"), fileName: "a.csv", dryRun: true }),
    );
    expect((e as InvalidArgument).violations).toEqual([
      {
        field: "content",
        description:
          'Thiếu cột: "Mã", "Họ và tên" (dòng tiêu đề là dòng 1) / Missing columns: "Id", "Full name" (the heading row is line 1)',
      },
    ]);
  });
});

describe("XLSX", () => {
  it("reads the first sheet of a workbook made with exceljs; errors name the sheet's row", async () => {
    const f = await seeded();
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("Danh bạ");
    sheet.addRow(["Mã", "Họ và tên", "Chức vụ", "Đơn vị", "Vai trò trong đơn vị", "Quyền", "Email"]);
    sheet.addRow(["tl-staff-2", "Vũ Thị Thanh", "Chuyên viên", "Vụ Tiền lương", "Thành viên", "staff", "tl-staff-2@bnv.gov.example"]);
    sheet.addRow([]);
    sheet.addRow(["tl-staff-3", "Vũ Văn Hậu", "Chuyên viên", "TL", "Trưởng nhóm", "staff", ""]);
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const dry = await f.directory.importDirectory(ADMIN, { content: bytes, fileName: "danh-ba.xlsx", dryRun: true });
    expect(dry.errors.map((e) => [e.line, e.column])).toEqual([[4, "Vai trò trong đơn vị"]]);
    sheet.getRow(4).getCell(5).value = "Phó";
    const good = new Uint8Array(await wb.xlsx.writeBuffer());
    const r = await f.directory.importDirectory(ADMIN, { content: good, fileName: "danh-ba.xlsx", dryRun: false });
    expect(r).toMatchObject({ rows: 2, created: 2, errors: [] });
    expect(await f.directory.store.getPerson("tl-staff-3")).toMatchObject({ unitId: "TL", unitRole: "deputy" });
  });
});

describe("the gate", () => {
  it(`refuses a file over ${MAX_IMPORT_FILE_BYTES} bytes before parsing it`, async () => {
    const f = await seeded();
    // Not even a valid file: only its size is looked at.
    const bytes = new Uint8Array(MAX_IMPORT_FILE_BYTES + 1).fill(0xff);
    const e = await rejection(f.directory.importDirectory(ADMIN, { content: bytes, fileName: "a.csv", dryRun: true }));
    expect((e as InvalidArgument).violations).toEqual([
      { field: "content", description: "Tệp lớn hơn 3145728 byte (3 MiB) / The file is larger than 3145728 bytes (3 MiB)" },
    ]);
  });

  it("is for admins, checked before the file is looked at", async () => {
    const f = await seeded();
    const e = await rejection(
      f.directory.importDirectory(STAFF, { content: new Uint8Array(MAX_IMPORT_FILE_BYTES + 1), fileName: "a.csv", dryRun: true }),
    );
    expect(e).toBeInstanceOf(PermissionDenied);
  });

  it("a retried request id answers the first result and changes nothing again", async () => {
    const f = await seeded();
    const csv = encode(`${HEADER}\nvp-y;Lê Thị Y;;VP;;staff;;;;;\n`);
    const first = await f.directory.importDirectory(ADMIN, { content: csv, fileName: "a.csv", dryRun: false, requestId: "r-1" });
    const again = await f.directory.importDirectory(ADMIN, { content: csv, fileName: "a.csv", dryRun: false, requestId: "r-1" });
    expect(first.created).toBe(1);
    expect(again).toEqual(first);
  });
});
