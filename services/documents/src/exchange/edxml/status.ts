/**
 * Reads status packets. Public samples place `Status` under edXML > edXMLEnvelope > edXMLHeader
 * (the Java SDK) or under a SOAP envelope's Header (a C# client); both are accepted, and so is a
 * bare `Status` root, as long as Status is in the edXML namespace.
 */
import { Problems, refuse } from "./errors.js";
import { DEFAULT_STATUS_MAX_BYTES } from "./limits.js";
import { compact, edxmlRoot, organizationOf, responseForOf, staffInfoOf } from "./parse.js";
import type { EdxmlStatus, StatusCode } from "./types.js";
import { checkStatus } from "./validate.js";
import { admitXml, XmlElement } from "./xml.js";

const SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/";

function statusElement(text: string): XmlElement {
  const root = XmlElement.root(text);
  if (root.localName === "Envelope" && root.namespace === SOAP_NS) {
    const status = soapHeaderStatus(text);
    if (status) return status;
    return refuse("Envelope/Header/Status", "Thiếu phần tử Status", "Status element is missing");
  }
  const edxml = edxmlRoot(text, ["edXML", "edXMLEnvelope", "Status"]);
  if (edxml.localName === "Status") return edxml;
  const envelope = edxml.localName === "edXMLEnvelope" ? edxml : edxml.child("edXMLEnvelope");
  const status = envelope?.child("edXMLHeader")?.child("Status");
  return status ?? refuse("edXML/edXMLEnvelope/edXMLHeader/Status", "Thiếu phần tử Status", "Status element is missing");
}

/** The SOAP form: Status inside the SOAP Header, itself outside the edXML namespace. */
function soapHeaderStatus(text: string): XmlElement | undefined {
  // The SOAP wrapper is in another namespace, so read it with a tolerant walk: find Status by name
  // and require the edXML namespace on Status itself.
  const status = XmlElement.root(text).descendant(["Header", "Status"]);
  if (status && !status.inEdxmlNamespace) {
    refuse(status.path, "Sai không gian tên của Status", `Wrong namespace "${status.namespace ?? ""}" on Status`);
  }
  return status;
}

/** Reads a status packet; throws EdxmlInvalid listing every problem. */
export function parseStatus(xml: Buffer | string, maxBytes = DEFAULT_STATUS_MAX_BYTES): EdxmlStatus {
  const text = admitXml(xml, maxBytes, "Status");
  const el = statusElement(text);
  const responseFor = el.child("ResponseFor");
  const from = el.child("From");
  const problems = new Problems();
  if (!responseFor) problems.missing("Status/ResponseFor");
  if (!from) problems.missing("Status/From");
  const status: EdxmlStatus = compact({
    responseFor: responseFor ? responseForOf(responseFor) : { organId: "", code: "", promulgationDate: "", documentId: "" },
    from: from ? organizationOf(from) : { organId: "" },
    statusCode: (el.childText("StatusCode") ?? "") as StatusCode,
    description: el.childText("Description"),
    timestamp: el.childText("Timestamp") ?? "",
    staffInfo: staffInfoOf(el.child("StaffInfo")),
  });
  if (responseFor && from) checkStatus(problems, status);
  problems.throwIfAny();
  return status;
}
