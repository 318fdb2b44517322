/**
 * The HTTP exchange protocol between the ministry and the Government Office's exchange endpoint, shared
 * by the connector and the exchange simulator so both derive the same idempotency keys and read the
 * same bodies. The protocol itself is described in exchange-simulator/README.md.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { EdxmlStatus } from "./edxml/index.js";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

export const PACKAGES_PATH = "/edxml/packages";
export const STATUSES_PATH = "/edxml/statuses";
export const INBOX_PATH = "/edxml/inbox";

/** Items one poll answers at most (and by default). */
export const MAX_POLL_LIMIT = 100;
export const DEFAULT_POLL_LIMIT = 20;

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The key of a package: the same document to the same recipients is one delivery, however many times
 * it is posted (a retry after a lost response). The recipients are sorted and deduplicated so their
 * order in the package does not matter.
 */
export function packageIdempotencyKey(documentId: string, to: readonly string[]): string {
  const recipients = [...new Set(to)].sort().join(",");
  return `pkg-${sha256Hex(`${documentId}\n${recipients}`)}`;
}

/** The key of a status packet: one organ's one status code at one time about one document. */
export function statusIdempotencyKey(status: EdxmlStatus): string {
  return `status-${sha256Hex([status.responseFor.documentId, status.from.organId, status.statusCode, status.timestamp].join("\n"))}`;
}

/** Inbox cursors are the decimal text of a sequence that only grows. */
export function isCursor(text: string): boolean {
  return /^\d{1,15}$/.test(text);
}

/** 202 (stored now) or 200 (already stored under that key: nothing new stored). */
export const acceptedBody = z.object({ id: z.string().min(1), duplicate: z.boolean() });
export type AcceptedBody = z.infer<typeof acceptedBody>;

export const inboxKinds = ["package", "status"] as const;
export type InboxKind = (typeof inboxKinds)[number];

export const inboxItemBody = z.object({
  id: z.string().min(1),
  cursor: z.string().refine(isCursor, "cursor must be digits"),
  /** What the Government Office says it is; the receiver parses it as such and reports what fails. */
  kind: z.enum(inboxKinds),
  deliveredAt: z.string(),
  /** The packet's bytes, base64. */
  data: z.string(),
});
export type InboxItemBody = z.infer<typeof inboxItemBody>;

export const inboxPageBody = z.object({
  items: z.array(inboxItemBody),
  /** The cursor to poll after next: the last item's, or the one given when there is none. */
  next: z.string().optional(),
});
export type InboxPageBody = z.infer<typeof inboxPageBody>;

/** RFC 9457 problem details; `title` is "Vietnamese / English". */
export const problemBody = z.object({
  type: z.string().optional(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
  violations: z.array(z.object({ field: z.string(), description: z.string() })).optional(),
});
export type ProblemBody = z.infer<typeof problemBody>;
