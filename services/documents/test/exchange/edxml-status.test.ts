import { describe, expect, it } from "vitest";
import { buildStatus, EDXML_NS, EdxmlInvalid, parseStatus, STATUS_CODES } from "../../src/exchange/edxml/index.js";
import { sampleStatus } from "./edxml-samples.js";

describe("edXML status packets", () => {
  it("round-trips a status packet", () => {
    const status = sampleStatus();
    const xml = buildStatus(status);
    expect(xml.toString("utf8")).toContain(`<edXML:edXMLHeader><edXML:Status><edXML:ResponseFor>`);
    expect(parseStatus(xml)).toEqual(status);
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
      expect((error as EdxmlInvalid).problems.map((p) => p.field)).toEqual(["Status/StatusCode", "Status/Timestamp"]);
    }
  });

  it("refuses DOCTYPE in a status packet too", () => {
    expect(() => parseStatus(`<!DOCTYPE x [<!ENTITY a "b">]><edXML xmlns="${EDXML_NS}"/>`)).toThrow(/DOCTYPE/);
  });
});
