/**
 * The standard's rules on a typed packet, shared by building (we never send a bad packet) and
 * parsing (we never accept one). Paths name the element, e.g. "MessageHeader/From/OrganId".
 *
 * Two strictnesses, because real systems do not write what the standard says: "build" holds our own
 * packets to the letter (organ ids "ddd.dd.dd.Xdd", a numeric CodeNumber); "receive" accepts what the
 * public samples of the national axis carry (a local organ id "28.22.H17", a CodeNumber "74fass22").
 * Everything else (dates, DocumentId's shape, codes, attachments) is checked the same both ways.
 */
import { isBusinessDocType, isPriorityCode, isStatusCode } from "./codes.js";
import { isEdxmlDate, isEdxmlDateTime } from "./dates.js";
import { isOrganId, isReceivedOrganId, parseDocumentId } from "./document-id.js";
import type { Problems } from "./errors.js";
import type { EdxmlPackage, EdxmlStatus, MessageHeader, Organization, ResponseFor, TraceHeaderList } from "./types.js";

const MH = "MessageHeader";

export type Strictness = "build" | "receive";

function required(problems: Problems, path: string, value: string | undefined): boolean {
  if (value === undefined || value.trim() === "") {
    problems.missing(path);
    return false;
  }
  return true;
}

function organId(problems: Problems, path: string, value: string | undefined, strictness: Strictness): void {
  if (!required(problems, path, value)) return;
  if (strictness === "build" && !isOrganId(value!)) {
    problems.add(path, `Mã định danh cơ quan "${value}" sai dạng ddd.dd.dd.Xdd`, `Organ id "${value}" is not of the form ddd.dd.dd.Xdd`);
  }
  if (strictness === "receive" && !isReceivedOrganId(value!)) {
    problems.add(
      path,
      `Mã định danh cơ quan "${value}" không hợp lệ (chỉ gồm chữ, số, dấu chấm; tối đa 64 ký tự)`,
      `Organ id "${value}" is not valid (letters, digits and dots only, at most 64 characters)`,
    );
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

function documentId(problems: Problems, path: string, value: string | undefined, strictness: Strictness): void {
  if (!required(problems, path, value)) return;
  if (!parseDocumentId(value!, { received: strictness === "receive" })) {
    problems.add(
      path,
      `Mã văn bản "${value}" sai dạng <mã cơ quan>,<yyyy/MM/dd>,<số>/<ký hiệu>`,
      `DocumentId "${value}" is not of the form <organ>,<yyyy/MM/dd>,<number>/<notation>`,
    );
  }
}

function organization(problems: Problems, path: string, org: Organization | undefined, strictness: Strictness): void {
  if (!org) {
    problems.missing(path);
    return;
  }
  organId(problems, `${path}/OrganId`, org.organId, strictness);
}

function responseFor(problems: Problems, path: string, r: ResponseFor, strictness: Strictness): void {
  organId(problems, `${path}/OrganId`, r.organId, strictness);
  required(problems, `${path}/Code`, r.code);
  date(problems, `${path}/PromulgationDate`, r.promulgationDate);
  documentId(problems, `${path}/DocumentId`, r.documentId, strictness);
}

function codeNumber(problems: Problems, path: string, value: string | undefined, strictness: Strictness): void {
  if (!required(problems, path, value)) return;
  // Decree 30 numbers documents with Arabic digits; a received "74fass22" is kept as sent.
  if (strictness === "build" && !/^\d+$/.test(value!)) {
    problems.add(path, `Số văn bản "${value}" phải là chữ số`, `CodeNumber "${value}" must be digits`);
  }
}

export function checkMessageHeader(problems: Problems, h: MessageHeader, strictness: Strictness): void {
  organization(problems, `${MH}/From`, h.from, strictness);
  if (h.to.length === 0) problems.add(`${MH}/To`, "Cần ít nhất một nơi nhận", "At least one recipient is required");
  for (const [i, to] of h.to.entries()) organization(problems, `${MH}/To[${i}]`, to, strictness);
  documentId(problems, `${MH}/DocumentId`, h.documentId, strictness);
  codeNumber(problems, `${MH}/Code/CodeNumber`, h.code?.codeNumber, strictness);
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
  for (const [i, r] of h.responseFor.entries()) responseFor(problems, `${MH}/ResponseFor[${i}]`, r, strictness);
}

export function checkTrace(problems: Problems, trace: TraceHeaderList, strictness: Strictness): void {
  const path = "TraceHeaderList";
  trace.traceHeaders.forEach((t, i) => {
    organId(problems, `${path}/TraceHeader[${i}]/OrganId`, t.organId, strictness);
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

export function checkPackage(problems: Problems, pkg: EdxmlPackage, strictness: Strictness): void {
  checkMessageHeader(problems, pkg.header, strictness);
  checkTrace(problems, pkg.trace, strictness);
  checkAttachments(problems, pkg);
}

/** `root` names the element the status was read from ("MessageHeader", or "Status" in the older layouts). */
export function checkStatus(problems: Problems, s: EdxmlStatus, strictness: Strictness, root = MH): void {
  responseFor(problems, `${root}/ResponseFor`, s.responseFor, strictness);
  organization(problems, `${root}/From`, s.from, strictness);
  if (required(problems, `${root}/StatusCode`, s.statusCode) && !isStatusCode(s.statusCode)) {
    problems.add(`${root}/StatusCode`, `Mã trạng thái "${s.statusCode}" không được hỗ trợ`, `Unknown status code "${s.statusCode}"`);
  }
  dateTime(problems, `${root}/Timestamp`, s.timestamp);
}
