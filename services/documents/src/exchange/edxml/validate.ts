/**
 * The standard's rules on a typed packet, shared by building (we never send a bad packet) and
 * parsing (we never accept one). Paths name the element, e.g. "MessageHeader/From/OrganId".
 */
import { isBusinessDocType, isPriorityCode, isStatusCode } from "./codes.js";
import { isEdxmlDate, isEdxmlDateTime } from "./dates.js";
import { isOrganId, parseDocumentId } from "./document-id.js";
import type { Problems } from "./errors.js";
import type { EdxmlPackage, EdxmlStatus, MessageHeader, Organization, ResponseFor, TraceHeaderList } from "./types.js";

const MH = "MessageHeader";

function required(problems: Problems, path: string, value: string | undefined): boolean {
  if (value === undefined || value.trim() === "") {
    problems.missing(path);
    return false;
  }
  return true;
}

function organId(problems: Problems, path: string, value: string | undefined): void {
  if (!required(problems, path, value)) return;
  if (!isOrganId(value!)) {
    problems.add(path, `Mã định danh cơ quan "${value}" sai dạng ddd.dd.dd.Xdd`, `Organ id "${value}" is not of the form ddd.dd.dd.Xdd`);
  }
}

function date(problems: Problems, path: string, value: string | undefined, { optional = false } = {}): void {
  if (optional && value === undefined) return;
  if (!required(problems, path, value)) return;
  if (!isEdxmlDate(value!)) problems.add(path, `Ngày "${value}" sai dạng yyyy/MM/dd`, `Date "${value}" is not a valid yyyy/MM/dd`);
}

function dateTime(problems: Problems, path: string, value: string | undefined): void {
  if (!required(problems, path, value)) return;
  if (!isEdxmlDateTime(value!)) {
    problems.add(path, `Thời điểm "${value}" sai dạng yyyy/MM/dd HH:mm:ss`, `Timestamp "${value}" is not a valid yyyy/MM/dd HH:mm:ss`);
  }
}

function documentId(problems: Problems, path: string, value: string | undefined): void {
  if (!required(problems, path, value)) return;
  if (!parseDocumentId(value!)) {
    problems.add(
      path,
      `Mã văn bản "${value}" sai dạng <mã cơ quan>,<yyyy/MM/dd>,<số>/<ký hiệu>`,
      `DocumentId "${value}" is not of the form <organ>,<yyyy/MM/dd>,<number>/<notation>`,
    );
  }
}

function organization(problems: Problems, path: string, org: Organization | undefined): void {
  if (!org) {
    problems.missing(path);
    return;
  }
  organId(problems, `${path}/OrganId`, org.organId);
}

function responseFor(problems: Problems, path: string, r: ResponseFor): void {
  organId(problems, `${path}/OrganId`, r.organId);
  required(problems, `${path}/Code`, r.code);
  date(problems, `${path}/PromulgationDate`, r.promulgationDate);
  documentId(problems, `${path}/DocumentId`, r.documentId);
}

export function checkMessageHeader(problems: Problems, h: MessageHeader): void {
  organization(problems, `${MH}/From`, h.from);
  if (h.to.length === 0) problems.add(`${MH}/To`, "Cần ít nhất một nơi nhận", "At least one recipient is required");
  for (const [i, to] of h.to.entries()) organization(problems, `${MH}/To[${i}]`, to);
  documentId(problems, `${MH}/DocumentId`, h.documentId);
  required(problems, `${MH}/Code/CodeNumber`, h.code?.codeNumber);
  required(problems, `${MH}/Code/CodeNotation`, h.code?.codeNotation);
  date(problems, `${MH}/PromulgationInfo/PromulgationDate`, h.promulgationInfo?.promulgationDate);
  required(problems, `${MH}/DocumentType/Type`, h.documentType?.type);
  required(problems, `${MH}/Subject`, h.subject);
  if (h.dueDate !== undefined && !isEdxmlDate(h.dueDate) && !isEdxmlDateTime(h.dueDate)) {
    problems.add(`${MH}/DueDate`, `Hạn xử lý "${h.dueDate}" sai dạng yyyy/MM/dd`, `DueDate "${h.dueDate}" is not a valid yyyy/MM/dd`);
  }
  if (h.otherInfo && !isPriorityCode(h.otherInfo.priority)) {
    problems.add(
      `${MH}/OtherInfo/Priority`,
      `Độ khẩn "${h.otherInfo.priority}" không thuộc 0-4`,
      `Unknown priority code "${h.otherInfo.priority}" (expected 0-4)`,
    );
  }
  for (const [i, r] of h.responseFor.entries()) responseFor(problems, `${MH}/ResponseFor[${i}]`, r);
}

export function checkTrace(problems: Problems, trace: TraceHeaderList): void {
  const path = "TraceHeaderList";
  trace.traceHeaders.forEach((t, i) => {
    organId(problems, `${path}/TraceHeader[${i}]/OrganId`, t.organId);
    dateTime(problems, `${path}/TraceHeader[${i}]/Timestamp`, t.timestamp);
  });
  if (trace.business && !isBusinessDocType(trace.business.docType)) {
    problems.add(
      `${path}/Bussiness/BussinessDocType`,
      `Loại nghiệp vụ "${trace.business.docType}" không thuộc 0-3`,
      `Unknown business type "${trace.business.docType}" (expected 0-3)`,
    );
  }
}

export function checkAttachments(problems: Problems, pkg: EdxmlPackage): void {
  const seen = new Set<string>();
  pkg.attachments.forEach((a, i) => {
    const path = `edXMLManifest/Reference[${i}]`;
    if (required(problems, `${path}/ContentId`, a.contentId) && !a.contentId.startsWith("cid:")) {
      problems.add(
        `${path}/ContentId`,
        `ContentId "${a.contentId}" phải bắt đầu bằng "cid:"`,
        `ContentId "${a.contentId}" must start with "cid:"`,
      );
    }
    if (seen.has(a.contentId)) problems.add(`${path}/ContentId`, "ContentId bị trùng", "Duplicate ContentId");
    seen.add(a.contentId);
    required(problems, `${path}/AttachmentName`, a.name);
    required(problems, `${path}/ContentType`, a.contentType);
  });
}

export function checkPackage(problems: Problems, pkg: EdxmlPackage): void {
  checkMessageHeader(problems, pkg.header);
  checkTrace(problems, pkg.trace);
  checkAttachments(problems, pkg);
}

export function checkStatus(problems: Problems, s: EdxmlStatus): void {
  responseFor(problems, "Status/ResponseFor", s.responseFor);
  organization(problems, "Status/From", s.from);
  if (required(problems, "Status/StatusCode", s.statusCode) && !isStatusCode(s.statusCode)) {
    problems.add("Status/StatusCode", `Mã trạng thái "${s.statusCode}" không được hỗ trợ`, `Unknown status code "${s.statusCode}"`);
  }
  dateTime(problems, "Status/Timestamp", s.timestamp);
}
