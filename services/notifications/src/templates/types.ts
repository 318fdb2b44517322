/**
 * The template port: a message for one event type, channel and locale, rendered for one recipient.
 */
import type { Locale } from "../domain/model.js";
import type { TemplateData } from "../rules/types.js";

export type TemplateChannel = "inbox" | "email";

export interface TemplateKey {
  /** An event type ("tasks.task.overdue") or "digest". */
  eventType: string;
  channel: TemplateChannel;
  locale: Locale;
}

/** Inbox: subject is the title, text the body (html empty). Email: all three. Never empty. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export interface RenderContext {
  locale: Locale;
  /** The recipient's IANA time zone: dates are shown in it. */
  timeZone: string;
  /** The recipient's name, for the greeting. */
  recipientName: string;
  /** The portal's address, for links. */
  portalUrl: string;
}

export interface TemplateRenderer {
  /**
   * The message in the recipient's locale; a locale without a template falls back to Vietnamese, an
   * event type without any to a generic message built from the data — never an empty message.
   */
  render(key: Omit<TemplateKey, "locale">, data: TemplateData, ctx: RenderContext): RenderedMessage;
  /** Reloads admins' overrides from the database (after a change, and on start). */
  refresh(): Promise<void>;
}
