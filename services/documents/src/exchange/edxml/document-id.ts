import { isEdxmlDate } from "./dates.js";

/** Organ identifiers as the standard defines them: 13 characters "ddd.dd.dd.Xdd", e.g. "000.00.00.G22". */
const ORGAN_ID = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

/**
 * What real systems send: the public samples carry ids such as "28.22.H17" (a local code), so a
 * received id only has to be a plausible code — non-empty, short, letters, digits and dots.
 */
const RECEIVED_ORGAN_ID = /^[A-Za-z0-9.]{1,64}$/;

/** The standard's form, required of every id we write. */
export function isOrganId(text: string): boolean {
  return ORGAN_ID.test(text);
}

/** The looser form accepted in what we receive (see RECEIVED_ORGAN_ID). */
export function isReceivedOrganId(text: string): boolean {
  return RECEIVED_ORGAN_ID.test(text);
}

export interface DocumentIdParts {
  organId: string;
  /** "yyyy/MM/dd" */
  date: string;
  number: string;
  notation: string;
}

/** "<organ>,<yyyy/MM/dd>,<number>/<notation>", e.g. "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT". */
export function documentIdOf(organId: string, date: string, number: string, notation: string): string {
  return `${organId},${date},${number}/${notation}`;
}

/**
 * The parts of a DocumentId, or undefined when it does not have the standard's shape. `received`
 * judges the organ part as a received organ id (a sender with a local id numbers its documents with it).
 */
export function parseDocumentId(documentId: string, { received = false } = {}): DocumentIdParts | undefined {
  const first = documentId.indexOf(",");
  const second = documentId.indexOf(",", first + 1);
  if (first < 0 || second < 0) return undefined;
  const organId = documentId.slice(0, first);
  const date = documentId.slice(first + 1, second);
  const code = documentId.slice(second + 1);
  const slash = code.indexOf("/");
  const organOk = received ? isReceivedOrganId(organId) : isOrganId(organId);
  if (!organOk || !isEdxmlDate(date) || slash <= 0 || slash === code.length - 1) return undefined;
  return { organId, date, number: code.slice(0, slash), notation: code.slice(slash + 1) };
}
