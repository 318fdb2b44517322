/**
 * The codec against real public samples of the national document-exchange axis ("trục liên thông"):
 * test/fixtures/truclienthong-example, kept byte for byte (see test/fixtures/README.md). Expected
 * values are read off the files by eye, and the attachment's size and SHA-256 are computed here from
 * the file's own base64, independently of the codec.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildPackage,
  buildStatus,
  DEFAULT_EDXML_LIMITS,
  EdxmlInvalid,
  type EdxmlPackage,
  looksLikeStatus,
  parsePackage,
  parseStatus,
  type StatusCode,
} from "../../src/exchange/edxml/index.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/truclienthong-example/${name}`, import.meta.url));

const readPackage = (name: string): EdxmlPackage => parsePackage(fixture(name), DEFAULT_EDXML_LIMITS);

const DOCUMENT_ID = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT";
const SUBJECT = "V/v kết nối, liên thông phần mềm quản lý văn bản";

/** The base64 text of the attachment `contentId` as it stands in the file, whitespace removed. */
function encodedInFile(file: Buffer, contentId: string): string {
  const text = file.toString("utf8");
  const attachment = text.slice(text.indexOf(`<ContentId>${contentId}</ContentId>`));
  const match = /<edXML:ContentTransferEncoded[^>]*>([^<]*)<\/edXML:ContentTransferEncoded>/.exec(attachment);
  if (!match) throw new Error(`no ContentTransferEncoded after ${contentId}`);
  return match[1].replace(/\s+/g, "");
}

describe("public sample: a new document package (edoc_new.edxml)", () => {
  const file = fixture("edoc_new.edxml");
  const pkg = parsePackage(file, DEFAULT_EDXML_LIMITS);
  const h = pkg.header;

  it("reads the sender, the recipient with its local organ id, and the document's identity", () => {
    expect(h.from).toMatchObject({
      organId: "000.00.00.A80",
      organName: "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
      fax: "048989898789",
    });
    expect(h.to).toEqual([
      {
        organId: "28.22.H17",
        organizationInCharge: "UBND xã Hòa Sơn - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
        organName: "UBND xã Hòa Sơn - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
        organAdd: "số 62 - Võ Thị Sáu - Ngô Quyền - Hải Phòng",
        email: "bxd@moc.gov.vn",
        telephone: "(84-4) 3821 5137",
        fax: "(023)37366617",
        website: "www.haiphong.gov.vn",
      },
    ]);
    expect(h.documentId).toBe(DOCUMENT_ID);
    expect(h.code).toEqual({ codeNumber: "74fass22", codeNotation: "VPCP-TTĐT" });
    expect(h.promulgationInfo).toEqual({ place: "Hà Nội", promulgationDate: "2019/01/16" });
    expect(h.documentType).toEqual({ type: "1", typeDetail: "0", typeName: "Công văn" });
    expect(h.subject).toBe(SUBJECT);
    expect(h.content).toBe(SUBJECT);
  });

  it("reads the signer, the due date, the places it goes to and the other information", () => {
    expect(h.signerInfo).toEqual({
      competence: "TL. BO TRUONG",
      position: "Cuc truong cuc ung dung cong nghe thong tin",
      fullName: "Nguyen Thanh Phuc",
    });
    expect(h.dueDate).toBe("2018/09/28");
    expect(h.toPlaces).toEqual(["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"]);
    // OtherInfo/Direction is not in the model: ignored.
    expect(h.otherInfo).toEqual({
      priority: 0,
      sphereOfPromulgation: "Liên thông văn bản quốc gia",
      typerNotation: "TVC",
      promulgationAmount: "2",
      pageAmount: "22",
      appendixes: ["Công văn về việc kết nối, liên thông phần mềm quản lý văn bản"],
    });
    expect(h.steeringType).toBe("1");
    expect(h.responseFor).toEqual([]);
  });

  it("reads the trace header and the business block, ignoring Bussiness/DocumentId and the Signature", () => {
    expect(pkg.trace).toEqual({
      traceHeaders: [{ organId: "000.00.00.G22", timestamp: "2018/09/28 00:00:00" }],
      business: {
        docType: 0,
        reason: "Văn bản điện tử mới",
        paper: "0",
        staffInfo: {
          department: "Văn thư văn phòng",
          staff: "Nguyễn Thị Ngọc Trâm",
          mobile: "84912000001",
          email: "vanthuvanphong@gov.vn",
        },
      },
    });
    // Both are really there: the ignored DocumentId even holds an impossible date (30 February).
    expect(file.toString("utf8")).toContain("<edXML:DocumentId>000.00.00.G22,2014/02/30,7806/VPCP-TTĐT</edXML:DocumentId>");
    expect(file.toString("utf8")).toContain("<SignatureValue>");
  });

  it("decodes the attachment cid:209 to the very bytes its base64 in the file stands for", () => {
    const expected = Buffer.from(encodedInFile(file, "cid:209"), "base64");
    const expectedSha256 = createHash("sha256").update(expected).digest("hex");
    expect(pkg.attachments).toHaveLength(1);
    const [a] = pkg.attachments;
    expect(a).toMatchObject({
      contentId: "cid:209",
      name: "1896_QD-TTg_m_294779.doc",
      description: "1896_QD-TTg_m_294779.doc",
      contentType: "application/zip",
    });
    expect(a.bytes.length).toBe(expected.length);
    expect(a.bytes.equals(expected)).toBe(true);
    expect(a.sha256).toBe(expectedSha256);
    // Pinned too, so a changed fixture shows: a ZIP archive (as its ContentType says, not a .doc).
    expect(expected.length).toBe(270_823);
    expect(expectedSha256).toBe("7ab7c43a02a3cf2cedd14ebf2545a37e7a1307e0091b4ba94c2ef1e842a763aa");
    expect(expected.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");
  });

  it("is not a status packet, and we would never send it as it is: building stays strict", () => {
    expect(looksLikeStatus(file)).toBe(false);
    try {
      buildPackage(pkg);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EdxmlInvalid);
      expect((error as EdxmlInvalid).problems.map((p) => p.field)).toEqual([
        "MessageHeader/To[0]/OrganId",
        "MessageHeader/Code/CodeNumber",
      ]);
    }
  });

  it("keeps the hostile-input refusals: a DOCTYPE slipped into the real sample, or a limit below its size", () => {
    const withDoctype = file.toString("utf8").replace("<edXML ", '<!DOCTYPE edXML [<!ENTITY x "x">]><edXML ');
    expect(() => parsePackage(withDoctype, DEFAULT_EDXML_LIMITS)).toThrow(/DOCTYPE and ENTITY declarations are not accepted/);
    expect(() => parsePackage(file, { ...DEFAULT_EDXML_LIMITS, maxPackageBytes: 300_000 })).toThrow(
      /Packet exceeds the limit of 300000 bytes \(367850 bytes\)/,
    );
    expect(() => parsePackage(file, { ...DEFAULT_EDXML_LIMITS, maxAttachmentBytes: 270_822 })).toThrow(
      /\(270823 bytes\) exceeds the limit of 270822 bytes/,
    );
  });
});

describe("public samples: recall, update and replacement packages", () => {
  const cases = [
    { file: "edoc_revocation.edxml", docType: 1, reason: "Thu hồi văn bản điện tử" },
    { file: "edoc_update.edxml", docType: 2, reason: "Cập nhật văn bản điện tử" },
    { file: "edoc_replacement.edxml", docType: 3, reason: "Văn bản thay thế" },
  ] as const;

  for (const c of cases) {
    it(`${c.file}: business type ${c.docType}, three recipients, the attachment's bytes as in the file`, () => {
      const file = fixture(c.file);
      const pkg = readPackage(c.file);
      expect(pkg.header.from.organId).toBe("000.00.00.G22");
      expect(pkg.header.to.map((t) => t.organId)).toEqual(["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"]);
      expect(pkg.header.documentId).toBe(DOCUMENT_ID);
      expect(pkg.header.code).toEqual({ codeNumber: "7816", codeNotation: "VPCP-TTĐT" });
      expect(pkg.header.subject).toBe(SUBJECT);
      expect(pkg.trace.business).toMatchObject({ docType: c.docType, reason: c.reason });
      const expected = Buffer.from(encodedInFile(file, "cid:209"), "base64");
      expect(pkg.attachments.map((a) => [a.contentId, a.name, a.bytes.length])).toEqual([["cid:209", "1896_QD-TTg_m_294779.doc", 270_823]]);
      expect(pkg.attachments[0].sha256).toBe(createHash("sha256").update(expected).digest("hex"));
    });
  }

  it("edoc_revocation.edxml names the document it recalls in ResponseFor", () => {
    expect(readPackage("edoc_revocation.edxml").header.responseFor).toEqual([
      {
        organId: "000.00.00.H14",
        code: "267/VPCP-TTĐT",
        promulgationDate: "2018/09/28",
        documentId: "000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
      },
    ]);
  });
});

describe("public samples: status packets (status in MessageHeader)", () => {
  const RECEIVER = "000.00.00.H41";
  const cases: { file: string; code: StatusCode; description: string }[] = [
    {
      file: "status_inbox_01.edxml",
      code: "01",
      description: "Văn thư - Phòng Văn thư - Lưu trữ: Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý",
    },
    {
      file: "status_rejection_02.edxml",
      code: "02",
      description: "Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận văn bản điện tử",
    },
    {
      file: "status_acceptance_03.edxml",
      code: "03",
      description: "Văn thư cơ - Phòng Văn thư - Lưu trữ: Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
    },
    { file: "status_assignment_04.edxml", code: "04", description: "Lãnh đạo: Phân công xử lý" },
    { file: "status_processing_05.edxml", code: "05", description: "Đang xử lý văn bản đến" },
    { file: "status_finish_06.edxml", code: "06", description: "Văn thư: Ban hành văn bản đến, hoàn thành xử lý" },
    { file: "status_cancellation_13.edxml", code: "13", description: "Văn thư yêu cầu lấy lại văn bản điện tử kèm lý do" },
    { file: "status_change-acceptance_15.edxml", code: "15", description: "Văn thư đồng ý yêu cầu cập nhật, lấy lại" },
    { file: "status_change-rejection_16.edxml", code: "16", description: "Văn thư từ chối yêu cầu cập nhật, lấy lại" },
  ];

  for (const c of cases) {
    it(`${c.file}: code ${c.code}, the document it answers, its description and time`, () => {
      const file = fixture(c.file);
      expect(looksLikeStatus(file)).toBe(true);
      const status = parseStatus(file);
      expect(status.statusCode).toBe(c.code);
      expect(status.responseFor.documentId).toBe(DOCUMENT_ID);
      expect(status.responseFor).toMatchObject({ code: "7816/VPCP-TTĐT", promulgationDate: "2015/09/30" });
      expect(status.description).toBe(c.description);
      expect(status.timestamp).toBe("2015/09/20 11:08:36");
      expect(status.staffInfo).toEqual({
        department: "Phong hanh chinh",
        staff: "Nguyen thi ngoc tram",
        mobile: "84912000001",
        email: "ngoctram@nghean.vn",
      });
    });
  }

  it("has the receiver answer the sender, except 13, where the sender (VPCP) asks the receiver", () => {
    for (const c of cases) {
      const status = parseStatus(fixture(c.file));
      const [from, answered] = c.code === "13" ? ["000.00.00.G22", RECEIVER] : [RECEIVER, "000.00.00.G22"];
      expect([c.file, status.from.organId, status.responseFor.organId]).toEqual([c.file, from, answered]);
    }
    expect(parseStatus(fixture("status_inbox_01.edxml")).from).toEqual({
      organId: RECEIVER,
      organName: "UBND Tỉnh Nghệ An",
      organizationInCharge: "UBND Tỉnh Nghệ An",
      organAdd: "Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam",
      email: "nghean@gov.vn",
      telephone: "0383 840418",
      fax: "0383 843049",
      website: "www.nghean.vn",
    });
  });

  it("builds what it read back in the sample's own layout, and reads that back the same", () => {
    // The path down to MessageHeader and its own children, in order (nested names like OrganId left out).
    const outline = new Set([
      "edXMLEnvelope",
      "edXMLHeader",
      "MessageHeader",
      "From",
      "ResponseFor",
      "StaffInfo",
      "StatusCode",
      "Description",
      "Timestamp",
    ]);
    const layout = (xml: string) => [...xml.matchAll(/<edXML:(\w+)[\s>]/g)].map((m) => m[1]).filter((name) => outline.has(name));
    for (const c of cases) {
      const sample = fixture(c.file);
      const status = parseStatus(sample);
      const built = buildStatus(status);
      expect(parseStatus(built)).toEqual(status);
      expect(layout(built.toString("utf8"))).toEqual(layout(sample.toString("utf8")));
    }
  });
});
