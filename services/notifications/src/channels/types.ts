/**
 * The channel ports the dispatcher sends through. An outcome is either sent, or failed with whether
 * the failure is permanent (a 5xx SMTP reply, a 4xx webhook answer other than 408/429) or transient
 * (a 4xx SMTP reply, a refused or dropped connection, a timeout, a 5xx/408/429 webhook answer).
 */
import type { EmailMessage } from "../store/documents.js";

export type SendOutcome =
  | { ok: true; detail?: string; responseStatus?: number }
  | { ok: false; permanent: boolean; error: string; responseStatus?: number };

export interface EmailSender {
  send(message: EmailMessage): Promise<SendOutcome>;
  close(): Promise<void>;
}

export interface WebhookRequest {
  /** The delivery id: Standard Webhooks' webhook-id, the same on every attempt. */
  id: string;
  url: string;
  body: string;
  /** "whsec_<base64 key>". */
  secret: string;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<SendOutcome>;
}
