/**
 * Built-in templates are written once per event as a headline, a sentence and a few labelled details,
 * and composed here into each channel's parts: the inbox shows the headline and the sentence; the email
 * adds the details, as lines in its text and as a table in its HTML. The same Handlebars source serves
 * text and HTML: the text is compiled without escaping, the HTML with it.
 */
import type { Locale } from "../../domain/model.js";
import type { TemplateChannel } from "../types.js";

/** A template's sources: Handlebars text. Inbox templates have no HTML. */
export interface TemplateParts {
  subject: string;
  text: string;
  html: string;
}

export type Bilingual = Record<Locale, string>;

export interface Detail {
  label: Bilingual;
  /** Handlebars: the value shown. */
  value: string;
  /** A Handlebars expression (a field or a subexpression): the line shows only when it is truthy. */
  when?: string;
}

export interface EventCopy {
  /** The inbox title and the email subject. */
  headline: Bilingual;
  /** The inbox body and the email's first paragraph: one or two sentences. */
  sentence: Bilingual;
  details: Detail[];
}

const LABEL_CELL = "padding:4px 16px 4px 0;color:#6b7280;vertical-align:top;white-space:nowrap;";
const VALUE_CELL = "padding:4px 0;vertical-align:top;";

function guarded(d: Detail, line: string, newline: boolean): string {
  if (!d.when) return newline ? `${line}\n` : line;
  return newline ? `{{#if ${d.when}}}\n${line}\n{{/if}}\n` : `{{#if ${d.when}}}${line}{{/if}}`;
}

export function compose(copy: EventCopy, channel: TemplateChannel, locale: Locale): TemplateParts {
  if (channel === "inbox") return { subject: copy.headline[locale], text: copy.sentence[locale], html: "" };
  const lines = copy.details.map((d) => guarded(d, `${d.label[locale]}: ${d.value}`, true)).join("");
  const rows = copy.details
    .map((d) => guarded(d, `<tr><td style="${LABEL_CELL}">${d.label[locale]}</td><td style="${VALUE_CELL}">${d.value}</td></tr>`, false))
    .join("\n");
  return {
    subject: copy.headline[locale],
    text: `${copy.sentence[locale]}\n\n${lines}`,
    html: `<p style="margin:0 0 16px;">${copy.sentence[locale]}</p>\n<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:14px;">\n${rows}\n</table>`,
  };
}
