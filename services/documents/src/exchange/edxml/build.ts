/**
 * Builds packages and status packets the way the public SDKs write them: a root `edXML` in the
 * default namespace, the envelope under the `edXML:` prefix, and `AttachmentEncoded` a sibling of
 * the envelope. The manifest's Reference carries "cid:<id>", the Attachment the bare id, as the SDK does.
 */
import { XMLBuilder } from "fast-xml-parser";
import { Problems } from "./errors.js";
import { checkPackage, checkStatus } from "./validate.js";
import type {
  EdxmlAttachment,
  EdxmlPackage,
  EdxmlStatus,
  MessageHeader,
  Organization,
  ResponseFor,
  StaffInfo,
  TraceHeaderList,
} from "./types.js";
import { EDXML_NS, XLINK_NS } from "./xml.js";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: false, suppressEmptyNode: true });

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

type Node = Record<string, unknown>;

/** Prefixes every key with "edXML:" and drops absent values, keeping the order given. */
function ed(fields: Record<string, unknown>): Node {
  const node: Node = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    node[key.startsWith("@_") ? key : `edXML:${key}`] = value;
  }
  return node;
}

function organization(o: Organization): Node {
  return ed({
    OrganId: o.organId,
    OrganizationInCharge: o.organizationInCharge,
    OrganName: o.organName,
    OrganAdd: o.organAdd,
    Email: o.email,
    Telephone: o.telephone,
    Fax: o.fax,
    Website: o.website,
  });
}

function responseFor(r: ResponseFor): Node {
  return ed({ OrganId: r.organId, Code: r.code, PromulgationDate: r.promulgationDate, DocumentId: r.documentId });
}

function staffInfo(s: StaffInfo | undefined): Node | undefined {
  return s && ed({ Department: s.department, Staff: s.staff, Mobile: s.mobile, Email: s.email });
}

function messageHeader(h: MessageHeader): Node {
  const other = h.otherInfo;
  return ed({
    From: organization(h.from),
    To: h.to.map(organization),
    ResponseFor: h.responseFor.length ? h.responseFor.map(responseFor) : undefined,
    DocumentId: h.documentId,
    Code: ed({ CodeNumber: h.code.codeNumber, CodeNotation: h.code.codeNotation }),
    PromulgationInfo: ed({ Place: h.promulgationInfo.place, PromulgationDate: h.promulgationInfo.promulgationDate }),
    DocumentType: ed({ Type: h.documentType.type, TypeDetail: h.documentType.typeDetail, TypeName: h.documentType.typeName }),
    Subject: h.subject,
    Content: h.content,
    SignerInfo:
      h.signerInfo && ed({ Competence: h.signerInfo.competence, Position: h.signerInfo.position, FullName: h.signerInfo.fullName }),
    DueDate: h.dueDate,
    ToPlaces: h.toPlaces.length ? ed({ Place: h.toPlaces }) : undefined,
    OtherInfo:
      other &&
      ed({
        Priority: String(other.priority),
        SphereOfPromulgation: other.sphereOfPromulgation,
        TyperNotation: other.typerNotation,
        PromulgationAmount: other.promulgationAmount,
        PageAmount: other.pageAmount,
        Appendixes: other.appendixes.length ? ed({ Appendix: other.appendixes }) : undefined,
      }),
    SteeringType: h.steeringType,
  });
}

function traceHeaderList(t: TraceHeaderList): Node {
  const b = t.business;
  return ed({
    TraceHeader: t.traceHeaders.map((th) => ed({ OrganId: th.organId, Timestamp: th.timestamp })),
    Bussiness:
      b &&
      ed({
        BussinessDocType: String(b.docType),
        BussinessDocReason: b.reason,
        Paper: b.paper,
        StaffInfo: staffInfo(b.staffInfo),
      }),
  });
}

function reference(a: EdxmlAttachment): Node {
  return ed({
    "@_xmlns:xlink": XLINK_NS,
    "@_xlink:href": a.contentId,
    "@_xlink:type": "simple",
    ContentId: a.contentId,
    ContentType: a.contentType,
    Description: a.description,
    AttachmentName: a.name,
  });
}

function attachment(a: EdxmlAttachment): Node {
  return {
    ContentId: a.contentId.slice("cid:".length),
    AttachmentName: a.name,
    ContentType: a.contentType,
    Description: a.description,
    ContentTransferEncoded: a.bytes.toString("base64"),
  };
}

function render(root: Node): Buffer {
  return Buffer.from(DECLARATION + builder.build(root), "utf8");
}

/** The package as UTF-8 XML; throws EdxmlInvalid when it breaks the standard's rules. */
export function buildPackage(pkg: EdxmlPackage): Buffer {
  const problems = new Problems();
  checkPackage(problems, pkg, "build");
  problems.throwIfAny();
  const envelope = ed({
    "@_xmlns:edXML": EDXML_NS,
    edXMLHeader: ed({ MessageHeader: messageHeader(pkg.header), TraceHeaderList: traceHeaderList(pkg.trace) }),
    edXMLBody: ed({ edXMLManifest: ed({ "@_version": "1.0", Reference: pkg.attachments.map(reference) }) }),
  });
  return render({
    edXML: {
      "@_xmlns": EDXML_NS,
      "edXML:edXMLEnvelope": envelope,
      AttachmentEncoded: pkg.attachments.length ? { Attachment: pkg.attachments.map(attachment) } : undefined,
    },
  });
}

/**
 * A status packet as UTF-8 XML in the layout the national axis's own samples use:
 * edXML > edXMLEnvelope > edXMLHeader > MessageHeader {From, ResponseFor, StaffInfo, StatusCode,
 * Description, Timestamp} (test/fixtures/truclienthong-example/status_*.edxml), so what we send looks
 * like what the real system sends.
 */
export function buildStatus(status: EdxmlStatus): Buffer {
  const problems = new Problems();
  checkStatus(problems, status, "build");
  problems.throwIfAny();
  const header = ed({
    From: organization(status.from),
    ResponseFor: responseFor(status.responseFor),
    StaffInfo: staffInfo(status.staffInfo),
    StatusCode: status.statusCode,
    Description: status.description,
    Timestamp: status.timestamp,
  });
  return render({
    edXML: {
      "@_xmlns": EDXML_NS,
      "edXML:edXMLEnvelope": ed({ "@_xmlns:edXML": EDXML_NS, edXMLHeader: ed({ MessageHeader: header }) }),
    },
  });
}
