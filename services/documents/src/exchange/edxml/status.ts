/**
 * Reads status packets. The national axis's own samples (test/fixtures/truclienthong-example) carry
 * the status in edXML > edXMLEnvelope > edXMLHeader > MessageHeader {From, ResponseFor, StaffInfo,
 * StatusCode, Description, Timestamp}: that is the primary form, and the one buildStatus writes.
 * Older layouts seen in public code are still accepted: a `Status` element under edXMLHeader (the
 * BKAV Java SDK), under a SOAP envelope's Header (a C# client), or as the root — always in the edXML
 * namespace.
 */
import { Problems, refuse } from "./errors.js";
import { DEFAULT_STATUS_MAX_BYTES } from "./limits.js";
import { compact, edxmlRoot, organizationOf, responseForOf, staffInfoOf } from "./parse.js";
import type { EdxmlStatus, StatusCode } from "./types.js";
import { checkStatus } from "./validate.js";
import { admitXml, XmlElement } from "./xml.js";

const SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/";

/** The element holding the status fields; its local name prefixes the problems' paths. */
function statusElement(text: string): XmlElement {
  const root = XmlElement.root(text);
  if (root.localName === "Envelope" && root.namespace === SOAP_NS) {
    const status = soapHeaderStatus(root);
    if (status) return status;
    return refuse("Envelope/Header/Status", "Thiếu phần tử Status", "Status element is missing");
  }
  const edxml = edxmlRoot(text, ["edXML", "edXMLEnvelope", "Status"]);
  if (edxml.localName === "Status") return edxml;
  const envelope = edxml.localName === "edXMLEnvelope" ? edxml : edxml.child("edXMLEnvelope");
  const header = envelope?.child("edXMLHeader");
  const messageHeader = header?.child("MessageHeader");
  const status = header?.child("Status");
  // A MessageHeader without a StatusCode is a package's: read the Status beside it if there is one,
  // else report the missing StatusCode under MessageHeader.
  if (messageHeader && (messageHeader.child("StatusCode") || !status)) return messageHeader;
  if (status) return status;
  return refuse(
    "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
    "Thiếu MessageHeader chứa trạng thái",
    "MessageHeader carrying the status is missing",
  );
}

/** The SOAP form: Status inside the SOAP Header, itself outside the edXML namespace. */
function soapHeaderStatus(envelope: XmlElement): XmlElement | undefined {
  // The SOAP wrapper is in another namespace, so read it with a tolerant walk: find Status by name
  // and require the edXML namespace on Status itself.
  const status = envelope.descendant(["Header", "Status"]);
  if (status && !status.inEdxmlNamespace) {
    refuse(status.path, "Sai không gian tên của Status", `Wrong namespace "${status.namespace ?? ""}" on Status`);
  }
  return status;
}

/**
 * Reads a status packet; throws EdxmlInvalid listing every problem, each path starting with the
 * element read ("MessageHeader/StatusCode", or "Status/StatusCode" in the older layouts).
 */
export function parseStatus(xml: Buffer | string, maxBytes = DEFAULT_STATUS_MAX_BYTES): EdxmlStatus {
  const text = admitXml(xml, maxBytes, "Status");
  const el = statusElement(text);
  const root = el.localName;
  const responseFor = el.child("ResponseFor");
  const from = el.child("From");
  const problems = new Problems();
  if (!responseFor) problems.missing(`${root}/ResponseFor`);
  if (!from) problems.missing(`${root}/From`);
  const status: EdxmlStatus = compact({
    responseFor: responseFor ? responseForOf(responseFor) : { organId: "", code: "", promulgationDate: "", documentId: "" },
    from: from ? organizationOf(from) : { organId: "" },
    statusCode: (el.childText("StatusCode") ?? "") as StatusCode,
    description: el.childText("Description"),
    timestamp: el.childText("Timestamp") ?? "",
    staffInfo: staffInfoOf(el.child("StaffInfo")),
  });
  if (responseFor && from) checkStatus(problems, status, "receive", root);
  problems.throwIfAny();
  return status;
}

/**
 * Whether a packet whose kind nobody declared looks like a status packet rather than a package: it
 * has a StatusCode (the MessageHeader form) or a Status element (the older ones). A guess from the
 * first 64 KiB, for tools; the parse that follows decides.
 */
export function looksLikeStatus(xml: Buffer | string): boolean {
  const head = typeof xml === "string" ? xml.slice(0, 64 * 1024) : xml.subarray(0, 64 * 1024).toString("utf8");
  return /<(?:[\w.-]+:)?(?:Status|StatusCode)[\s>/]/.test(head);
}
