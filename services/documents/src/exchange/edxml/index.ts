/** The edXML codec (QCVN 102:2016/BTTTT, amended 2022): pure code, no I/O. */
export { buildPackage, buildStatus } from "./build.js";
export {
  BUSINESS_DOC_TYPES,
  isPriorityCode,
  isStatusCode,
  priorityOfUrgency,
  STATUS_CODES,
  type Urgency,
  urgencyOfPriority,
} from "./codes.js";
export { formatEdxmlDate, formatEdxmlDateTime, isEdxmlDate, isEdxmlDateTime, parseEdxmlDate, parseEdxmlDateTime } from "./dates.js";
export { type DocumentIdParts, documentIdOf, isOrganId, isReceivedOrganId, parseDocumentId } from "./document-id.js";
export { EdxmlInvalid } from "./errors.js";
export { DEFAULT_EDXML_LIMITS, DEFAULT_STATUS_MAX_BYTES, type EdxmlLimits } from "./limits.js";
export { parsePackage } from "./parse.js";
export { looksLikeStatus, parseStatus } from "./status.js";
export type * from "./types.js";
export { EDXML_NS } from "./xml.js";
