import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildPackage, DEFAULT_EDXML_LIMITS, EDXML_NS, EdxmlInvalid, parsePackage } from "../../src/exchange/edxml/index.js";
import { samplePackage } from "./edxml-samples.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("edXML package round trip", () => {
  it("parses back exactly what it built, with every attachment's SHA-256", () => {
    const pkg = samplePackage();
    const xml = buildPackage(pkg);
    const parsed = parsePackage(xml, DEFAULT_EDXML_LIMITS);
    expect(parsed).toEqual({ ...pkg, attachments: pkg.attachments.map((a) => ({ ...a, sha256: sha256(a.bytes) })) });
    expect(parsed.attachments[1].bytes.equals(pkg.attachments[1].bytes)).toBe(true);
  });

  it("writes the SDK layout: edXML root, edXML: prefix, Bussiness, manifest references and AttachmentEncoded", () => {
    const text = buildPackage(samplePackage()).toString("utf8");
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">')).toBe(true);
    expect(text).toContain(`<edXML:edXMLEnvelope xmlns:edXML="${EDXML_NS}">`);
    expect(text).toContain("<edXML:Bussiness><edXML:BussinessDocType>0</edXML:BussinessDocType>");
    expect(text.match(/<edXML:Reference /g)).toHaveLength(2);
    expect(text.match(/<Attachment>/g)).toHaveLength(2);
    expect(text).toContain("&amp; các nhiệm vụ &lt;trọng tâm&gt;");
  });

  it("round-trips a package with no attachments and only the required fields", () => {
    const full = samplePackage();
    const minimal = {
      header: {
        ...full.header,
        content: undefined,
        signerInfo: undefined,
        dueDate: undefined,
        otherInfo: undefined,
        steeringType: undefined,
      },
      trace: { traceHeaders: [] },
      attachments: [],
    };
    for (const key of ["content", "signerInfo", "dueDate", "otherInfo", "steeringType"] as const) delete minimal.header[key];
    minimal.header.toPlaces = [];
    minimal.header.responseFor = [];
    expect(parsePackage(buildPackage(minimal), DEFAULT_EDXML_LIMITS)).toEqual(minimal);
  });

  it("refuses to build a package that breaks the rules", () => {
    const pkg = samplePackage();
    pkg.header.from.organId = "G22";
    expect(() => buildPackage(pkg)).toThrow(EdxmlInvalid);
  });

  it("builds only the standard's forms: organ ids ddd.dd.dd.Xdd and a numeric CodeNumber", () => {
    const pkg = samplePackage();
    pkg.header.to[0].organId = "28.22.H17";
    pkg.header.code.codeNumber = "74fass22";
    try {
      buildPackage(pkg);
      expect.unreachable();
    } catch (error) {
      expect((error as EdxmlInvalid).problems.map((p) => `${p.field}: ${p.description}`)).toEqual([
        'MessageHeader/To[0]/OrganId: Mã định danh cơ quan "28.22.H17" sai dạng ddd.dd.dd.Xdd / Organ id "28.22.H17" is not of the form ddd.dd.dd.Xdd',
        'MessageHeader/Code/CodeNumber: Số văn bản "74fass22" phải là chữ số / CodeNumber "74fass22" must be digits',
      ]);
    }
  });
});
