import { describe, expect, it } from "vitest";
import {
  documentIdOf,
  formatEdxmlDate,
  formatEdxmlDateTime,
  isOrganId,
  isReceivedOrganId,
  parseDocumentId,
  parseEdxmlDate,
  parseEdxmlDateTime,
  priorityOfUrgency,
  STATUS_CODES,
  urgencyOfPriority,
} from "../../src/exchange/edxml/index.js";

describe("edXML helpers", () => {
  it("builds and parses DocumentIds", () => {
    const id = documentIdOf("000.00.00.G22", "2015/09/30", "7816", "VPCP-TTĐT");
    expect(id).toBe("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
    expect(parseDocumentId(id)).toEqual({ organId: "000.00.00.G22", date: "2015/09/30", number: "7816", notation: "VPCP-TTĐT" });
    expect(parseDocumentId("000.00.00.G22,2015/09/30,7816")).toBeUndefined();
    expect(parseDocumentId("G22,2015/09/30,7816/VPCP")).toBeUndefined();
    expect(parseDocumentId("000.00.00.G22,30/09/2015,7816/VPCP")).toBeUndefined();
  });

  it("checks organ ids", () => {
    expect(isOrganId("000.00.00.G22")).toBe(true);
    expect(isOrganId("000.00.00.g22")).toBe(false);
    expect(isOrganId("000.00.00.G221")).toBe(false);
    expect(isOrganId("28.22.H17")).toBe(false);
  });

  it("checks received organ ids leniently: letters, digits and dots, 1 to 64 characters", () => {
    for (const ok of ["28.22.H17", "000.00.00.G22", "h17", "A".repeat(64)]) expect(isReceivedOrganId(ok)).toBe(true);
    for (const bad of ["", "A".repeat(65), "28.22 H17", "28/22", "G06-BNV", "Hà.Nội", "<x>"]) expect(isReceivedOrganId(bad)).toBe(false);
    expect(parseDocumentId("28.22.H17,2019/01/16,12/UBND")).toBeUndefined();
    expect(parseDocumentId("28.22.H17,2019/01/16,12/UBND", { received: true })).toMatchObject({ organId: "28.22.H17", number: "12" });
  });

  it("maps priority codes to urgencies and back", () => {
    expect([0, 1, 2, 3, 4].map((c) => urgencyOfPriority(c as 0))).toEqual(["normal", "khan", "thuong_khan", "hoa_toc", "hoa_toc_hen_gio"]);
    expect(priorityOfUrgency("hoa_toc")).toBe(3);
  });

  it("labels every status code in Vietnamese and English", () => {
    expect(Object.keys(STATUS_CODES).sort()).toEqual(["01", "02", "03", "04", "05", "06", "13", "15", "16"]);
    expect(STATUS_CODES["02"]).toEqual({ vi: "Từ chối tiếp nhận", en: "Rejected" });
  });

  it("formats and parses dates in Vietnam time (UTC+7)", () => {
    const at = new Date("2020-03-04T17:30:05Z");
    expect(formatEdxmlDateTime(at)).toBe("2020/03/05 00:30:05");
    expect(formatEdxmlDate(at)).toBe("2020/03/05");
    expect(parseEdxmlDateTime("2020/03/05 00:30:05")?.toISOString()).toBe("2020-03-04T17:30:05.000Z");
    expect(parseEdxmlDate("2020/03/05")?.toISOString()).toBe("2020-03-04T17:00:00.000Z");
    expect(parseEdxmlDate("2021/02/29")).toBeUndefined();
    expect(parseEdxmlDateTime("2020/03/05 24:00:00")).toBeUndefined();
    expect(parseEdxmlDateTime("2020-03-05 10:00:00")).toBeUndefined();
  });
});
