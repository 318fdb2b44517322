import { describe, expect, it } from "vitest";
import { InvalidArgument } from "@ministry/platform";
import {
  congVanSummaryLine,
  englishDate,
  numberLine,
  placeAndDate,
  recipientsBlock,
  signerBlock,
  vietnamDate,
  writtenDate,
} from "../../src/domain/wording.js";

describe("the date line (Phụ lục I: ngày dưới 10 và tháng 1, 2 có số 0 phía trước)", () => {
  it.each([
    [5, 1, "ngày 05 tháng 01 năm 2020"],
    [15, 2, "ngày 15 tháng 02 năm 2020"],
    [20, 3, "ngày 20 tháng 3 năm 2020"],
    [9, 9, "ngày 09 tháng 9 năm 2020"],
    [10, 10, "ngày 10 tháng 10 năm 2020"],
    [1, 11, "ngày 01 tháng 11 năm 2020"],
    [31, 12, "ngày 31 tháng 12 năm 2020"],
  ])("day %i month %i → %s", (day, month, text) => {
    expect(writtenDate({ year: 2020, month, day })).toBe(text);
  });

  it("writes place and date in Vietnam's time", () => {
    expect(placeAndDate("Hà Nội", new Date("2020-01-05T02:00:00Z"))).toBe("Hà Nội, ngày 05 tháng 01 năm 2020");
    // 17:30 UTC on 4 January is already 5 January in Hà Nội.
    expect(placeAndDate(" Hà Nội ", new Date("2020-01-04T17:30:00Z"))).toBe("Hà Nội, ngày 05 tháng 01 năm 2020");
    expect(vietnamDate(new Date("2020-12-31T16:59:59Z"))).toEqual({ year: 2020, month: 12, day: 31 });
    expect(vietnamDate(new Date("2020-12-31T17:00:00Z"))).toEqual({ year: 2021, month: 1, day: 1 });
    expect(englishDate({ year: 2020, month: 3, day: 20 })).toBe("20 March 2020");
  });

  it("needs a place", () => {
    expect(() => placeAndDate("  ", new Date())).toThrow(InvalidArgument);
    expect(() => placeAndDate("x".repeat(101), new Date())).toThrow(InvalidArgument);
  });
});

describe("number line and công văn summary", () => {
  it("writes them", () => {
    expect(numberLine("15/QĐ-BNV")).toBe("Số: 15/QĐ-BNV");
    expect(congVanSummaryLine("nâng bậc lương năm 2020")).toBe("V/v nâng bậc lương năm 2020");
    expect(congVanSummaryLine(" V/v nâng bậc lương năm 2020")).toBe("V/v nâng bậc lương năm 2020");
    expect(() => congVanSummaryLine("V/v ")).toThrow(InvalidArgument);
  });
});

describe("signerBlock", () => {
  it("a deputy signs for the Minister", () => {
    expect(signerBlock({ prefix: "KT", authority: "Bộ trưởng", position: "Thứ trưởng", name: "Nguyễn Văn A" })).toEqual([
      "KT. BỘ TRƯỞNG",
      "THỨ TRƯỞNG",
      "Nguyễn Văn A",
    ]);
  });

  it("the head signs in their own name, an acting head with Q.", () => {
    expect(signerBlock({ prefix: "none", authority: "Bộ trưởng", name: "Lê Vĩnh Tân" })).toEqual(["BỘ TRƯỞNG", "Lê Vĩnh Tân"]);
    expect(signerBlock({ prefix: "Q", authority: "Bộ trưởng", name: "Trần Văn B" })).toEqual(["Q. BỘ TRƯỞNG", "Trần Văn B"]);
  });

  it("TM., TL., TUQ. take the signer's position", () => {
    expect(signerBlock({ prefix: "TM", authority: "Ban cán sự đảng", position: "Bí thư", name: "A" })[0]).toBe("TM. BAN CÁN SỰ ĐẢNG");
    expect(signerBlock({ prefix: "TL", authority: "Bộ trưởng", position: "Chánh Văn phòng", name: "A" })).toEqual([
      "TL. BỘ TRƯỞNG",
      "CHÁNH VĂN PHÒNG",
      "A",
    ]);
    expect(signerBlock({ prefix: "TUQ", authority: "Bộ trưởng", position: "Vụ trưởng Vụ Tổ chức cán bộ", name: "A" })).toEqual([
      "TUQ. BỘ TRƯỞNG",
      "VỤ TRƯỞNG VỤ TỔ CHỨC CÁN BỘ",
      "A",
    ]);
  });

  it("a TL. can pass to the unit's deputy; a TUQ. cannot", () => {
    expect(
      signerBlock({
        prefix: "TL",
        authority: "Bộ trưởng",
        deputyOf: "Chánh Văn phòng",
        position: "Phó Chánh Văn phòng",
        name: "Phạm Thị C",
      }),
    ).toEqual(["TL. BỘ TRƯỞNG", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Phạm Thị C"]);
    expect(() =>
      signerBlock({ prefix: "TUQ", authority: "Bộ trưởng", deputyOf: "Vụ trưởng", position: "Phó Vụ trưởng", name: "A" }),
    ).toThrow(InvalidArgument);
  });

  it("refuses a KT. without position, or no name", () => {
    try {
      signerBlock({ prefix: "KT", authority: "Bộ trưởng", name: " " });
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidArgument).violations.map((v) => v.field)).toEqual(["position", "name"]);
      expect((e as InvalidArgument).message).toContain("Ký KT. cần chức vụ của người ký");
    }
  });
});

describe("recipientsBlock", () => {
  it("lists recipients and ends with Lưu: VT, <unit>.", () => {
    expect(recipientsBlock(["Như Điều 3", "- Bộ trưởng (để b/c);", "Các Thứ trưởng."], "TCCB")).toEqual([
      "Nơi nhận:",
      "- Như Điều 3;",
      "- Bộ trưởng (để b/c);",
      "- Các Thứ trưởng;",
      "- Lưu: VT, TCCB.",
    ]);
    expect(recipientsBlock([], ["VP", "TH"])).toEqual(["Nơi nhận:", "- Lưu: VT, VP, TH."]);
  });

  it("needs the keeping unit and bounds the list", () => {
    expect(() => recipientsBlock(["A"], " ")).toThrow(InvalidArgument);
    expect(() =>
      recipientsBlock(
        Array.from({ length: 501 }, () => "A"),
        "VP",
      ),
    ).toThrow(InvalidArgument);
  });
});
