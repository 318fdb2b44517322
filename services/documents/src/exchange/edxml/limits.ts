/** Size limits of an incoming packet; the caller passes them (they come from configuration). */
export interface EdxmlLimits {
  /** The whole packet in bytes, checked before anything is decoded or parsed. */
  maxPackageBytes: number;
  /** One attachment's decoded size in bytes, checked from its base64 length before decoding. */
  maxAttachmentBytes: number;
  maxAttachments: number;
}

export const DEFAULT_EDXML_LIMITS: EdxmlLimits = {
  maxPackageBytes: 50 * 1024 * 1024,
  maxAttachmentBytes: 30 * 1024 * 1024,
  maxAttachments: 50,
};

/** Status packets carry no attachments: a small ceiling. */
export const DEFAULT_STATUS_MAX_BYTES = 256 * 1024;

/** Decoded size of a base64 text without whitespace, computed without decoding it. */
export function base64DecodedSize(compact: string): number {
  let padding = 0;
  if (compact.endsWith("==")) padding = 2;
  else if (compact.endsWith("=")) padding = 1;
  return Math.floor(compact.length / 4) * 3 - padding;
}
