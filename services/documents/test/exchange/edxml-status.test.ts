import { describe, expect, it } from "vitest";
import { buildStatus, EDXML_NS, EdxmlInvalid, looksLikeStatus, parseStatus, STATUS_CODES } from "../../src/exchange/edxml/index.js";
import { sampleStatus } from "./edxml-samples.js";

describe("edXML status packets", () => {
  it("round-trips a status packet, written in the MessageHeader form the national axis uses", () => {
    const status = sampleStatus();
    const xml = buildStatus(status);
    expect(xml.toString("utf8")).toContain(`<edXML:edXMLHeader><edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.00.H41<`);
    expect(xml.toString("utf8")).not.toContain("Status>");
    expect(parseStatus(xml)).toEqual(status);
  });

  it("still accepts the SDK's Status element under edXMLHeader, and a bare Status root", () => {
    const s = sampleStatus();
    const fields = `<edXML:ResponseFor><edXML:OrganId>${s.responseFor.organId}</edXML:OrganId><edXML:Code>${s.responseFor.code}</edXML:Code><edXML:PromulgationDate>${s.responseFor.promulgationDate}</edXML:PromulgationDate><edXML:DocumentId>${s.responseFor.documentId}</edXML:DocumentId></edXML:ResponseFor><edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:From><edXML:StatusCode>05</edXML:StatusCode><edXML:Timestamp>2020/03/05 10:00:00</edXML:Timestamp>`;
    const sdk = `<edXML xmlns="${EDXML_NS}"><edXML:edXMLEnvelope xmlns:edXML="${EDXML_NS}"><edXML:edXMLHeader><edXML:Status>${fields}</edXML:Status></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>`;
    expect(parseStatus(sdk)).toMatchObject({ statusCode: "05", responseFor: s.responseFor });
    const bare = `<edXML:Status xmlns:edXML="${EDXML_NS}">${fields}</edXML:Status>`;
    expect(parseStatus(bare)).toMatchObject({ statusCode: "05", from: { organId: "000.00.00.H41" } });
    try {
      parseStatus(sdk.replace("<edXML:StatusCode>05", "<edXML:StatusCode>77"));
      expect.unreachable();
    } catch (error) {
      expect((error as EdxmlInvalid).problems.map((p) => p.field)).toEqual(["Status/StatusCode"]);
    }
  });

  it("round-trips every status code of the table", () => {
    for (const code of Object.keys(STATUS_CODES) as (keyof typeof STATUS_CODES)[]) {
      const status = { ...sampleStatus(), statusCode: code, description: STATUS_CODES[code].vi };
      expect(parseStatus(buildStatus(status)).statusCode).toBe(code);
    }
  });

  it("accepts the SOAP-wrapped variant a public C# client writes", () => {
    const s = sampleStatus();
    const xml = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header><edXML:Status xmlns:edXML="${EDXML_NS}"><edXML:ResponseFor><edXML:OrganId>${s.responseFor.organId}</edXML:OrganId><edXML:Code>${s.responseFor.code}</edXML:Code><edXML:PromulgationDate>${s.responseFor.promulgationDate}</edXML:PromulgationDate><edXML:DocumentId>${s.responseFor.documentId}</edXML:DocumentId></edXML:ResponseFor><edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:From><edXML:StatusCode>03</edXML:StatusCode><edXML:Timestamp>2020/03/05 10:00:00</edXML:Timestamp></edXML:Status></SOAP-ENV:Header><SOAP-ENV:Body/></SOAP-ENV:Envelope>`;
    expect(parseStatus(xml)).toMatchObject({ statusCode: "03", from: { organId: "000.00.00.H41" } });
  });

  it("refuses that SOAP variant when Status is not in the edXML namespace (as that client wrongly declares it)", () => {
    const xml = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header><edXML:Status xmlns:edXML="http://schemas.xmlsoap.org/soap/envelope/"/></SOAP-ENV:Header></SOAP-ENV:Envelope>`;
    expect(() => parseStatus(xml)).toThrow(/Wrong namespace/);
  });

  it("refuses unknown status codes and malformed timestamps", () => {
    const text = buildStatus(sampleStatus())
      .toString("utf8")
      .replace("<edXML:StatusCode>01", "<edXML:StatusCode>99")
      .replace("2020/03/05 10:00:00", "05/03/2020 10:00");
    try {
      parseStatus(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EdxmlInvalid);
      expect((error as EdxmlInvalid).problems.map((p) => p.field)).toEqual(["MessageHeader/StatusCode", "MessageHeader/Timestamp"]);
    }
  });

  it("accepts a local organ id in what it receives but never builds one", () => {
    const status = { ...sampleStatus(), from: { organId: "28.22.H17" } };
    expect(() => buildStatus(status)).toThrow(/Organ id "28.22.H17" is not of the form ddd.dd.dd.Xdd/);
    const received = buildStatus(sampleStatus()).toString("utf8").replace("<edXML:OrganId>000.00.00.H41<", "<edXML:OrganId>28.22.H17<");
    expect(parseStatus(received).from.organId).toBe("28.22.H17");
  });

  it("refuses a package handed to it as a status packet", () => {
    const text = buildStatus(sampleStatus())
      .toString("utf8")
      .replace(/<edXML:StatusCode>.*?<\/edXML:StatusCode>/, "");
    try {
      parseStatus(text);
      expect.unreachable();
    } catch (error) {
      expect((error as EdxmlInvalid).problems).toEqual([
        { field: "MessageHeader/StatusCode", description: "Thiếu trường bắt buộc / Required element is missing" },
      ]);
    }
  });

  it("tells a status packet from a package by a glance at its elements", () => {
    expect(looksLikeStatus(buildStatus(sampleStatus()))).toBe(true);
    expect(looksLikeStatus(`<edXML:Status xmlns:edXML="${EDXML_NS}"/>`)).toBe(true);
    expect(looksLikeStatus(`<edXML xmlns="${EDXML_NS}"><edXML:edXMLEnvelope xmlns:edXML="${EDXML_NS}"/></edXML>`)).toBe(false);
  });

  it("refuses DOCTYPE in a status packet too", () => {
    expect(() => parseStatus(`<!DOCTYPE x [<!ENTITY a "b">]><edXML xmlns="${EDXML_NS}"/>`)).toThrow(/DOCTYPE/);
  });
});
