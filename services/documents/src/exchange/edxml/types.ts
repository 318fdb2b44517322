/**
 * The typed content of edXML packets (QCVN 102:2016/BTTTT, amended 2022). Field names follow the
 * standard's elements; dates stay in the wire format ("yyyy/MM/dd", "yyyy/MM/dd HH:mm:ss", Vietnam
 * time) so a package round-trips exactly — dates.ts converts them to and from instants.
 */

/** 0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ. */
export type PriorityCode = 0 | 1 | 2 | 3 | 4;

/** Trace header business type: 0 new, 1 recall, 2 update, 3 replace. */
export type BusinessDocType = 0 | 1 | 2 | 3;

/** From / To: an agency. OrganId is "ddd.dd.dd.Xdd" in what we build; received ids may be local codes ("28.22.H17"). */
export interface Organization {
  organId: string;
  organizationInCharge?: string;
  organName?: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  fax?: string;
  website?: string;
}

export interface DocumentCode {
  /** Digits in what we build; kept as sent when received (a public sample has "74fass22"). */
  codeNumber: string;
  codeNotation: string;
}

export interface PromulgationInfo {
  place?: string;
  /** "yyyy/MM/dd" */
  promulgationDate: string;
}

export interface DocumentTypeInfo {
  /** The type code; it differs between samples, so the mapping is configuration. */
  type: string;
  typeDetail?: string;
  typeName?: string;
}

export interface SignerInfo {
  competence?: string;
  position?: string;
  fullName?: string;
}

export interface OtherInfo {
  priority: PriorityCode;
  sphereOfPromulgation?: string;
  typerNotation?: string;
  promulgationAmount?: string;
  pageAmount?: string;
  appendixes: string[];
}

/** The document a package or status answers. */
export interface ResponseFor {
  organId: string;
  /** "number/notation", e.g. "7816/VPCP-TTĐT" */
  code: string;
  /** "yyyy/MM/dd" */
  promulgationDate: string;
  documentId: string;
}

export interface MessageHeader {
  from: Organization;
  to: Organization[];
  /** "<organ>,<yyyy/MM/dd>,<number>/<notation>" */
  documentId: string;
  code: DocumentCode;
  promulgationInfo: PromulgationInfo;
  documentType: DocumentTypeInfo;
  subject: string;
  content?: string;
  signerInfo?: SignerInfo;
  /** "yyyy/MM/dd", or with " HH:mm:ss" */
  dueDate?: string;
  toPlaces: string[];
  otherInfo?: OtherInfo;
  steeringType?: string;
  responseFor: ResponseFor[];
}

export interface TraceHeader {
  organId: string;
  /** "yyyy/MM/dd HH:mm:ss" */
  timestamp: string;
}

export interface StaffInfo {
  department?: string;
  staff?: string;
  mobile?: string;
  email?: string;
}

/** Spelled "Bussiness" on the wire, as in the standard's samples. */
export interface Business {
  docType: BusinessDocType;
  reason?: string;
  paper?: string;
  staffInfo?: StaffInfo;
}

export interface TraceHeaderList {
  traceHeaders: TraceHeader[];
  business?: Business;
}

export interface EdxmlAttachment {
  /** "cid:..." as in the manifest's Reference. */
  contentId: string;
  name: string;
  contentType: string;
  description?: string;
  bytes: Buffer;
  /** Hex SHA-256 of `bytes`: filled in by parsePackage, ignored by buildPackage. */
  sha256?: string;
}

/**
 * A document package. The Signature element is not modelled (real digital signing is out of scope):
 * buildPackage writes none and parsePackage ignores one.
 */
export interface EdxmlPackage {
  header: MessageHeader;
  trace: TraceHeaderList;
  attachments: EdxmlAttachment[];
}

/** 01 arrived, 02 rejected, 03 accepted, 04 assigned, 05 processing, 06 done, 13 take-back asked, 15/16 accepted/refused. */
export type StatusCode = "01" | "02" | "03" | "04" | "05" | "06" | "13" | "15" | "16";

/** A status packet; on the wire its fields sit in edXMLHeader/MessageHeader (see buildStatus). */
export interface EdxmlStatus {
  responseFor: ResponseFor;
  from: Organization;
  statusCode: StatusCode;
  description?: string;
  /** "yyyy/MM/dd HH:mm:ss" */
  timestamp: string;
  staffInfo?: StaffInfo;
}
