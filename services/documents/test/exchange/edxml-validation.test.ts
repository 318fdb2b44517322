import { describe, expect, it } from "vitest";
import {
  buildPackage,
  DEFAULT_EDXML_LIMITS,
  EDXML_NS,
  EdxmlInvalid,
  type EdxmlLimits,
  parsePackage,
} from "../../src/exchange/edxml/index.js";
import { samplePackage } from "./edxml-samples.js";

const built = () => buildPackage(samplePackage()).toString("utf8");

/** The problems of a refused packet, as "path: description". */
function problemsOf(xml: string | Buffer, limits: EdxmlLimits = DEFAULT_EDXML_LIMITS): string[] {
  try {
    parsePackage(xml, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(EdxmlInvalid);
    return (error as EdxmlInvalid).problems.map((p) => `${p.field}: ${p.description}`);
  }
  throw new Error("the packet was accepted");
}

const without = (xml: string, element: string) => xml.replace(new RegExp(`<edXML:${element}>.*?</edXML:${element}>`), "");

describe("edXML package validation", () => {
  it("refuses a wrong or missing namespace", () => {
    expect(problemsOf(built().replaceAll(EDXML_NS, "http://example.org/other"))[0]).toMatch(
      /^edXML: Sai không gian tên.* \/ Wrong or missing namespace/,
    );
    expect(problemsOf(built().replace(` xmlns="${EDXML_NS}"`, ""))[0]).toMatch(/Wrong or missing namespace/);
  });

  it("names every missing required field with its path, Vietnamese first", () => {
    let xml = without(built(), "ResponseFor");
    for (const e of ["DocumentId", "Subject", "PromulgationInfo", "DocumentType"]) xml = without(xml, e);
    xml = xml.replace(/<edXML:CodeNotation>.*?<\/edXML:CodeNotation>/, "").replace(/<edXML:To>.*?<\/edXML:To>/g, "");
    xml = xml.replace(/<edXML:From><edXML:OrganId>.*?<\/edXML:OrganId>/, "<edXML:From>");
    const problems = problemsOf(xml);
    for (const path of [
      "MessageHeader/From/OrganId",
      "MessageHeader/DocumentId",
      "MessageHeader/Code/CodeNotation",
      "MessageHeader/PromulgationInfo/PromulgationDate",
      "MessageHeader/DocumentType/Type",
      "MessageHeader/Subject",
    ]) {
      expect(problems).toContain(`${path}: Thiếu trường bắt buộc / Required element is missing`);
    }
    expect(problems).toContain("MessageHeader/To: Cần ít nhất một nơi nhận / At least one recipient is required");
  });

  it("refuses malformed organ ids, dates, document ids and unknown codes", () => {
    const xml = built()
      .replace("<edXML:OrganId>000.00.00.G06</edXML:OrganId>", "<edXML:OrganId>G06-BNV</edXML:OrganId>")
      .replace("<edXML:OrganId>000.00.00.H41</edXML:OrganId>", `<edXML:OrganId>${"1".repeat(65)}</edXML:OrganId>`)
      .replace("<edXML:PromulgationDate>2020/03/05</edXML:PromulgationDate>", "<edXML:PromulgationDate>05/03/2020</edXML:PromulgationDate>")
      .replace("2020/03/05 08:30:00", "2020/02/30 08:30:00")
      .replace("<edXML:Priority>2</edXML:Priority>", "<edXML:Priority>7</edXML:Priority>")
      .replace("<edXML:BussinessDocType>0</edXML:BussinessDocType>", "<edXML:BussinessDocType>9</edXML:BussinessDocType>")
      .replace(
        "<edXML:DocumentId>000.00.00.G22,2020/03/05,1234/VPCP-TCCV</edXML:DocumentId>",
        "<edXML:DocumentId>1234/VPCP</edXML:DocumentId>",
      );
    const problems = problemsOf(xml);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MessageHeader\/To\[0\]\/OrganId: .* \/ Organ id "G06-BNV" is not valid \(letters, digits and dots only/),
        expect.stringMatching(/^MessageHeader\/To\[1\]\/OrganId: .* \/ Organ id "1{65}" is not valid .* at most 64 characters\)$/),
        expect.stringMatching(/^MessageHeader\/PromulgationInfo\/PromulgationDate: .* \/ Date "05\/03\/2020"/),
        expect.stringMatching(/^TraceHeaderList\/TraceHeader\[0\]\/Timestamp: .* \/ Timestamp "2020\/02\/30 08:30:00"/),
        expect.stringMatching(/OtherInfo\/Priority: Độ khẩn "7" .* \/ Unknown priority code "7"/),
        expect.stringMatching(/Bussiness\/BussinessDocType: .* \/ Unknown business type "9"/),
        expect.stringMatching(/^MessageHeader\/DocumentId: .* \/ DocumentId "1234\/VPCP" is not of the form/),
      ]),
    );
  });

  it("refuses a Reference without its attachment, and an attachment missing from the manifest", () => {
    const noAttachment = built().replace(/<Attachment><ContentId>phu-luc-1<\/ContentId>.*?<\/Attachment>/, "");
    expect(problemsOf(noAttachment)).toEqual([
      expect.stringMatching(/Reference: .* \/ Reference "cid:phu-luc-1" has no matching attachment$/),
    ]);
    const noReference = built().replace(
      /<edXML:Reference [^>]*><edXML:ContentId>cid:phu-luc-1<\/edXML:ContentId>.*?<\/edXML:Reference>/,
      "",
    );
    expect(problemsOf(noReference)).toEqual([
      expect.stringMatching(/Attachment: .* \/ Attachment "cid:phu-luc-1" is not listed in the manifest$/),
    ]);
  });

  it("refuses bad base64", () => {
    const xml = built().replace(/(<ContentId>phu-luc-1<\/ContentId>.*?<ContentTransferEncoded>)[^<]*/, "$1not*base64!");
    expect(problemsOf(xml)).toEqual([expect.stringMatching(/ContentTransferEncoded: .* \/ Invalid base64 content for "cid:phu-luc-1"$/)]);
  });

  it("refuses an attachment over the limit from its base64 length, before decoding", () => {
    const limits = { ...DEFAULT_EDXML_LIMITS, maxAttachmentBytes: 600 };
    expect(problemsOf(built(), limits)).toEqual([expect.stringMatching(/\(700 bytes\) exceeds the limit of 600 bytes$/)]);
  });

  it("refuses a 100 MB package on its size, before turning it into text", () => {
    const huge = Buffer.alloc(100 * 1024 * 1024 + 1, 0x41);
    const limits = { ...DEFAULT_EDXML_LIMITS, maxPackageBytes: 50 * 1024 * 1024 };
    expect(problemsOf(huge, limits)).toEqual([
      expect.stringMatching(/^edXML: Gói tin lớn quá giới hạn .* \/ Packet exceeds the limit of 52428800 bytes/),
    ]);
  });

  it("refuses DOCTYPE and ENTITY declarations outright (entity expansion)", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><edXML xmlns="${EDXML_NS}">&lol2;</edXML>`;
    expect(problemsOf(bomb)).toEqual(["edXML: Không chấp nhận khai báo DOCTYPE/ENTITY / DOCTYPE and ENTITY declarations are not accepted"]);
    expect(problemsOf(`<!doctype x SYSTEM "file:///etc/passwd"><x/>`)[0]).toMatch(/DOCTYPE and ENTITY declarations are not accepted/);
  });

  it("refuses what is not XML, or not well-formed", () => {
    expect(problemsOf("%PDF-1.4 this is not xml")).toEqual(["edXML: Nội dung không phải XML / Content is not XML"]);
    expect(problemsOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual(["edXML: Nội dung không phải XML / Content is not XML"]);
    expect(problemsOf(`<edXML xmlns="${EDXML_NS}"><a></edXML>`)[0]).toMatch(
      /^edXML: XML không hợp lệ \(dòng 1, cột \d+\) \/ Malformed XML/,
    );
  });

  it("refuses a root that is not an edXML packet", () => {
    expect(problemsOf(`<html xmlns="${EDXML_NS}"/>`)[0]).toMatch(/Root element must be edXML or edXMLEnvelope, found html/);
  });
});
