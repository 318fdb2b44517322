/**
 * Reads packages. Accepts the layouts public samples use: a root `edXML` holding `edXMLEnvelope`
 * and `AttachmentEncoded`, or a bare `edXMLEnvelope` root; prefixed (`edXML:`) or default-namespace
 * element names alike, as long as the namespace is the standard's.
 *
 * Tolerant of what real systems write (test/fixtures/truclienthong-example): only the elements the
 * model knows are read, so extra ones (OtherInfo/Direction, Bussiness/DocumentId, ReplacementInfoList,
 * the Signature) are ignored; organ ids and CodeNumber are judged with the "receive" strictness.
 * The hostile-input refusals (size, DOCTYPE, well-formedness, namespace, attachment limits) are unchanged.
 */
import { createHash } from "node:crypto";
import { isBusinessDocType, isPriorityCode } from "./codes.js";
import { Problems, refuse } from "./errors.js";
import { base64DecodedSize, type EdxmlLimits } from "./limits.js";
import type {
  Business,
  BusinessDocType,
  EdxmlAttachment,
  EdxmlPackage,
  MessageHeader,
  Organization,
  OtherInfo,
  PriorityCode,
  ResponseFor,
  StaffInfo,
  TraceHeaderList,
} from "./types.js";
import { checkPackage } from "./validate.js";
import { admitXml, EDXML_NS, XmlElement } from "./xml.js";

/** The root element, checked to be one of `names` in the edXML namespace. */
export function edxmlRoot(text: string, names: readonly string[]): XmlElement {
  const root = XmlElement.root(text);
  if (!names.includes(root.localName)) {
    refuse(root.path, `Phần tử gốc phải là ${names.join(" hoặc ")}`, `Root element must be ${names.join(" or ")}, found ${root.localName}`);
  }
  if (!root.inEdxmlNamespace) {
    refuse(root.path, `Sai không gian tên: cần ${EDXML_NS}`, `Wrong or missing namespace "${root.namespace ?? ""}": expected ${EDXML_NS}`);
  }
  return root;
}

export function organizationOf(el: XmlElement): Organization {
  return compact({
    organId: el.childText("OrganId") ?? "",
    organizationInCharge: el.childText("OrganizationInCharge"),
    organName: el.childText("OrganName"),
    organAdd: el.childText("OrganAdd"),
    email: el.childText("Email"),
    telephone: el.childText("Telephone"),
    fax: el.childText("Fax"),
    website: el.childText("Website"),
  });
}

export function responseForOf(el: XmlElement): ResponseFor {
  return {
    organId: el.childText("OrganId") ?? "",
    code: el.childText("Code") ?? "",
    promulgationDate: el.childText("PromulgationDate") ?? "",
    documentId: el.childText("DocumentId") ?? "",
  };
}

export function staffInfoOf(el: XmlElement | undefined): StaffInfo | undefined {
  return (
    el &&
    compact({
      department: el.childText("Department"),
      staff: el.childText("Staff"),
      mobile: el.childText("Mobile"),
      email: el.childText("Email"),
    })
  );
}

/** A small integer code; NaN (reported by validation) when the text is not one. */
function codeNumber(text: string | undefined): number {
  return text !== undefined && /^\d{1,2}$/.test(text.trim()) ? Number(text) : Number.NaN;
}

function otherInfoOf(el: XmlElement | undefined, problems: Problems): OtherInfo | undefined {
  if (!el) return undefined;
  const priorityText = el.childText("Priority") ?? "0";
  const priority = codeNumber(priorityText);
  if (!isPriorityCode(priority)) {
    problems.add(
      `${el.path}/Priority`,
      `Độ khẩn "${priorityText}" không thuộc 0-4`,
      `Unknown priority code "${priorityText}" (expected 0-4)`,
    );
  }
  return compact({
    priority: (isPriorityCode(priority) ? priority : 0) as PriorityCode,
    sphereOfPromulgation: el.childText("SphereOfPromulgation"),
    typerNotation: el.childText("TyperNotation"),
    promulgationAmount: el.childText("PromulgationAmount"),
    pageAmount: el.childText("PageAmount"),
    appendixes: (el.child("Appendixes")?.children("Appendix") ?? []).map((a) => a.text),
  });
}

function messageHeaderOf(el: XmlElement | undefined, problems: Problems): MessageHeader {
  if (!el) return refuse("edXMLEnvelope/edXMLHeader/MessageHeader", "Thiếu MessageHeader", "MessageHeader is missing");
  const from = el.child("From");
  const code = el.child("Code");
  const promulgation = el.child("PromulgationInfo");
  const type = el.child("DocumentType");
  const signer = el.child("SignerInfo");
  return compact({
    from: from ? organizationOf(from) : { organId: "" },
    to: el.children("To").map(organizationOf),
    documentId: el.childText("DocumentId") ?? "",
    code: { codeNumber: code?.childText("CodeNumber") ?? "", codeNotation: code?.childText("CodeNotation") ?? "" },
    promulgationInfo: compact({
      place: promulgation?.childText("Place"),
      promulgationDate: promulgation?.childText("PromulgationDate") ?? "",
    }),
    documentType: compact({
      type: type?.childText("Type") ?? "",
      typeDetail: type?.childText("TypeDetail"),
      typeName: type?.childText("TypeName"),
    }),
    subject: el.childText("Subject") ?? "",
    content: el.childText("Content"),
    signerInfo:
      signer &&
      compact({
        competence: signer.childText("Competence"),
        position: signer.childText("Position"),
        fullName: signer.childText("FullName"),
      }),
    dueDate: el.childText("DueDate"),
    toPlaces: (el.child("ToPlaces")?.children("Place") ?? []).map((p) => p.text),
    otherInfo: otherInfoOf(el.child("OtherInfo"), problems),
    steeringType: el.childText("SteeringType"),
    responseFor: el.children("ResponseFor").map(responseForOf),
  });
}

function traceOf(el: XmlElement | undefined, problems: Problems): TraceHeaderList {
  if (!el) return { traceHeaders: [] };
  const b = el.child("Bussiness");
  let business: Business | undefined;
  if (b) {
    const docTypeText = b.childText("BussinessDocType") ?? "0";
    const docType = codeNumber(docTypeText);
    if (!isBusinessDocType(docType)) {
      problems.add(
        `${b.path}/BussinessDocType`,
        `Loại nghiệp vụ "${docTypeText}" không thuộc 0-3`,
        `Unknown business type "${docTypeText}" (expected 0-3)`,
      );
    }
    business = compact({
      docType: (isBusinessDocType(docType) ? docType : 0) as BusinessDocType,
      reason: b.childText("BussinessDocReason"),
      paper: b.childText("Paper"),
      staffInfo: staffInfoOf(b.child("StaffInfo")),
    });
  }
  const traceHeaders = el
    .children("TraceHeader")
    .map((t) => ({ organId: t.childText("OrganId") ?? "", timestamp: t.childText("Timestamp") ?? "" }));
  return compact({ traceHeaders, business });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The manifest's references joined to their encoded attachments, each size-checked before decoding. */
function attachmentsOf(envelope: XmlElement, root: XmlElement, limits: EdxmlLimits, problems: Problems): EdxmlAttachment[] {
  const references = envelope.child("edXMLBody")?.child("edXMLManifest")?.children("Reference") ?? [];
  const encoded = root.children("AttachmentEncoded").flatMap((a) => a.children("Attachment"));
  if (references.length > limits.maxAttachments || encoded.length > limits.maxAttachments) {
    refuse("edXMLManifest", `Quá ${limits.maxAttachments} tệp đính kèm`, `More than ${limits.maxAttachments} attachments`);
  }
  const byId = new Map<string, XmlElement>();
  for (const a of encoded) byId.set(bareId(a.childText("ContentId") ?? ""), a);
  const referenced = new Set<string>();
  const attachments: EdxmlAttachment[] = [];
  for (const ref of references) {
    const contentId = ref.childText("ContentId") ?? ref.attribute("xlink:href") ?? "";
    const id = bareId(contentId);
    referenced.add(id);
    const enc = byId.get(id);
    if (!enc) {
      problems.add(
        ref.path,
        `Tham chiếu "${contentId}" không có tệp đính kèm tương ứng`,
        `Reference "${contentId}" has no matching attachment`,
      );
      continue;
    }
    const bytes = decode(enc, contentId, limits, problems);
    if (!bytes) continue;
    attachments.push(
      compact({
        contentId: `cid:${id}`,
        name: ref.childText("AttachmentName") ?? enc.childText("AttachmentName") ?? "",
        contentType: ref.childText("ContentType") ?? enc.childText("ContentType") ?? "",
        description: ref.childText("Description") ?? enc.childText("Description"),
        bytes,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      }),
    );
  }
  for (const [id, enc] of byId) {
    if (!referenced.has(id)) {
      problems.add(
        enc.path,
        `Tệp đính kèm "cid:${id}" không có trong edXMLManifest`,
        `Attachment "cid:${id}" is not listed in the manifest`,
      );
    }
  }
  return attachments;
}

function decode(enc: XmlElement, contentId: string, limits: EdxmlLimits, problems: Problems): Buffer | undefined {
  const path = `${enc.path}/ContentTransferEncoded`;
  const raw = enc.childText("ContentTransferEncoded");
  if (raw === undefined) {
    problems.missing(path);
    return undefined;
  }
  // Encoders may wrap lines; the size check comes before any decoding.
  const compactText = /\s/.test(raw) ? raw.replace(/\s+/g, "") : raw;
  const size = base64DecodedSize(compactText);
  if (size > limits.maxAttachmentBytes) {
    problems.add(
      path,
      `Tệp "${contentId}" lớn quá giới hạn ${limits.maxAttachmentBytes} byte`,
      `Attachment "${contentId}" (${size} bytes) exceeds the limit of ${limits.maxAttachmentBytes} bytes`,
    );
    return undefined;
  }
  if (compactText.length % 4 !== 0 || !BASE64.test(compactText)) {
    problems.add(path, `Nội dung base64 của "${contentId}" không hợp lệ`, `Invalid base64 content for "${contentId}"`);
    return undefined;
  }
  return Buffer.from(compactText, "base64");
}

function bareId(contentId: string): string {
  const trimmed = contentId.trim();
  return trimmed.startsWith("cid:") ? trimmed.slice(4) : trimmed;
}

/**
 * Reads a package: size, DOCTYPE and well-formedness first, then the namespace, then every rule of
 * the standard; throws EdxmlInvalid listing every problem. Attachments come back with their SHA-256.
 */
export function parsePackage(xml: Buffer | string, limits: EdxmlLimits): EdxmlPackage {
  const text = admitXml(xml, limits.maxPackageBytes, "edXML");
  const root = edxmlRoot(text, ["edXML", "edXMLEnvelope"]);
  const envelope = root.localName === "edXMLEnvelope" ? root : root.child("edXMLEnvelope");
  if (!envelope) return refuse("edXML/edXMLEnvelope", "Thiếu edXMLEnvelope", "edXMLEnvelope is missing");
  const problems = new Problems();
  const header = envelope.child("edXMLHeader");
  const pkg: EdxmlPackage = {
    header: messageHeaderOf(header?.child("MessageHeader"), problems),
    trace: traceOf(header?.child("TraceHeaderList"), problems),
    attachments: attachmentsOf(envelope, root, limits, problems),
  };
  checkPackage(problems, pkg, "receive");
  problems.throwIfAny();
  return pkg;
}

/** Drops keys whose value is undefined, so parsed objects deep-equal the ones they were built from. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
