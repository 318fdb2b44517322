/**
 * Handlebars templates: the built-in ones, and admins' overrides from the TEMPLATES collection. One
 * Handlebars instance of its own (helpers registered on it, nothing global), every template compiled
 * once and kept. Subjects and texts are compiled without escaping (they are not HTML), the HTML with
 * Handlebars' escaping, so text from an event can never become markup.
 *
 * What a person gets, in order: the override in his or her locale, the built-in one in that locale, the
 * same two in Vietnamese, and at last a generic message from the data. A template that fails (an
 * override that throws on some data, or renders an empty subject) is logged and the next one is used:
 * a notification is never lost, nor empty, because of a template.
 */
import { createLogger, type Logger } from "@ministry/platform";
import Handlebars from "handlebars";
import type { Db } from "mongodb";
import { DEFAULT_LOCALE, type Locale } from "../domain/model.js";
import type { TemplateData } from "../rules/types.js";
import type { TemplateDoc } from "../store/documents.js";
import { TEMPLATES } from "../store/indexes.js";
import { builtinKeys, builtinTemplate, templateId, type TemplateParts } from "./builtin/index.js";
import { genericMessage } from "./generic.js";
import { portalLink, registerHelpers, type RenderData } from "./helpers.js";
import { escapeHtml, frameHtml, frameText } from "./layout.js";
import type { RenderContext, RenderedMessage, TemplateKey, TemplateRenderer } from "./types.js";

/** An inbox title longer than this is cut (with "…"): lists show one line. */
export const MAX_TITLE_LENGTH = 120;
export const MAX_EMAIL_SUBJECT_LENGTH = 200;

export type TemplatePart = "subject" | "text" | "html";

/** A template part that does not compile, throws, or renders nothing. */
export class TemplateRenderError extends Error {
  constructor(
    readonly part: TemplatePart,
    message: string,
  ) {
    super(message);
    this.name = "TemplateRenderError";
  }
}

export interface EffectiveTemplate extends TemplateParts {
  key: TemplateKey;
  overridden: boolean;
  /** The override's version; 0 for a built-in template. */
  version: number;
  updatedAt: Date | null;
  updatedBy: string;
}

type Compiled = Record<TemplatePart, HandlebarsTemplateDelegate | undefined>;

interface Override {
  doc: TemplateDoc;
  compiled: Compiled;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join("")
        .trimEnd()}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return clip(message.trim(), 1_000);
}

/**
 * Whether a template writes a value unescaped (`{{{x}}}` or `{{& x}}`): refused in HTML, where event
 * text (a task's title, a reason) is anyone's input.
 */
export function unescapedOutputs(hb: typeof Handlebars, source: string): number {
  let count = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const n = node as { type?: string; escaped?: boolean };
    if (n.type === "MustacheStatement" && n.escaped === false) count += 1;
    for (const [k, v] of Object.entries(node)) if (k !== "loc" && typeof v === "object") visit(v);
  };
  visit(hb.parse(source));
  return count;
}

export class HandlebarsRenderer implements TemplateRenderer {
  private readonly hb = Handlebars.create();
  private readonly builtins = new Map<string, Compiled>();
  private overrides = new Map<string, Override>();
  /** Failures already logged, so a broken override logs once, not once per recipient. */
  private readonly logged = new Set<string>();
  private readonly log: Logger;

  constructor(
    private readonly db: Db,
    log?: Logger,
  ) {
    registerHelpers(this.hb);
    this.log = (log ?? createLogger("notifications", "silent")).child({ part: "templates" });
  }

  /** Reloads the overrides; one that does not compile is logged and left out (the built-in one applies). */
  async refresh(): Promise<void> {
    const docs = await this.db.collection<TemplateDoc>(TEMPLATES).find({}).toArray();
    const next = new Map<string, Override>();
    for (const doc of docs) {
      const key: TemplateKey = { eventType: doc.eventType, channel: doc.channel, locale: doc.locale };
      try {
        next.set(templateId(key), { doc, compiled: this.compileParts(doc, key.channel, true) });
      } catch (err) {
        this.log.error({ err, template: doc._id }, "a stored template does not compile; the built-in one is used");
      }
    }
    this.overrides = next;
  }

  render(key: Omit<TemplateKey, "locale">, data: TemplateData, ctx: RenderContext): RenderedMessage {
    const locales: Locale[] = ctx.locale === DEFAULT_LOCALE ? [DEFAULT_LOCALE] : [ctx.locale, DEFAULT_LOCALE];
    for (const locale of locales) {
      const full: TemplateKey = { ...key, locale };
      const id = templateId(full);
      const override = this.overrides.get(id);
      if (override) {
        try {
          return this.apply(override.compiled, full, data, ctx);
        } catch (err) {
          this.logOnce(
            `${id}|${override.doc.version}|${errorText(err)}`,
            { err, template: id, version: override.doc.version },
            "an overridden template failed; the built-in one is used",
          );
        }
      }
      const builtin = this.builtinCompiled(full);
      if (builtin) {
        try {
          return this.apply(builtin, full, data, ctx);
        } catch (err) {
          this.logOnce(`${id}|builtin|${errorText(err)}`, { err, template: id }, "a built-in template failed; a generic message is used");
        }
      }
    }
    return this.generic(key, data, ctx);
  }

  /** The built-in template's sources. */
  builtin(key: TemplateKey): TemplateParts | undefined {
    const parts = builtinTemplate(key);
    return parts ? { ...parts } : undefined;
  }

  /** What applies to a key now: the override loaded by the last refresh, or the built-in template. */
  effective(key: TemplateKey): EffectiveTemplate | undefined {
    const override = this.overrides.get(templateId(key));
    if (override) {
      const d = override.doc;
      return {
        key,
        subject: d.subject,
        text: d.text,
        html: d.html,
        overridden: true,
        version: d.version,
        updatedAt: d.updatedAt,
        updatedBy: d.updatedBy,
      };
    }
    const parts = builtinTemplate(key);
    return parts ? { key, ...parts, overridden: false, version: 0, updatedAt: null, updatedBy: "" } : undefined;
  }

  /** Every key with a built-in template: what may be overridden. */
  keys(): readonly TemplateKey[] {
    return builtinKeys();
  }

  /**
   * Renders candidate sources exactly as they would be used, without any fallback: what an admin's
   * template is validated and previewed with. Throws TemplateRenderError naming the failing part.
   */
  trial(key: TemplateKey, parts: TemplateParts, data: TemplateData, ctx: RenderContext): RenderedMessage {
    const compiled = this.compileParts(parts, key.channel, true);
    if (key.channel === "email") {
      let unescaped = 0;
      try {
        unescaped = unescapedOutputs(this.hb, parts.html);
      } catch (err) {
        throw new TemplateRenderError("html", errorText(err));
      }
      if (unescaped > 0)
        throw new TemplateRenderError("html", "HTML must not write values unescaped ({{{…}}} or {{& …}}): event text could become markup");
    }
    return this.apply(compiled, key, data, { ...ctx, locale: key.locale });
  }

  // ------------------------------------------------------------------------------------------- inside

  private builtinCompiled(key: TemplateKey): Compiled | undefined {
    const id = templateId(key);
    let compiled = this.builtins.get(id);
    if (!compiled) {
      const parts = builtinTemplate(key);
      if (!parts) return undefined;
      compiled = this.compileParts(parts, key.channel, false);
      this.builtins.set(id, compiled);
    }
    return compiled;
  }

  /**
   * Handlebars compiles lazily, on the first render; `eager` compiles now (precompile reports syntax
   * errors with their line), for sources not known to be good.
   */
  private compileParts(parts: TemplateParts, channel: TemplateKey["channel"], eager: boolean): Compiled {
    const compile = (part: TemplatePart, source: string, noEscape: boolean) => {
      const options = { noEscape, strict: false };
      try {
        if (eager) this.hb.precompile(source, options);
        return this.hb.compile(source, options);
      } catch (err) {
        throw new TemplateRenderError(part, errorText(err));
      }
    };
    return {
      subject: compile("subject", parts.subject, true),
      text: compile("text", parts.text, true),
      html: channel === "email" ? compile("html", parts.html, false) : undefined,
    };
  }

  private apply(compiled: Compiled, key: TemplateKey, data: TemplateData, ctx: RenderContext): RenderedMessage {
    const portalUrl = ctx.portalUrl.replace(/\/+$/, "");
    const url = portalLink(portalUrl, data.link);
    const root = { ...data, recipientName: ctx.recipientName, portalUrl, url };
    const runtime: RenderData = { locale: key.locale, timeZone: ctx.timeZone, portalUrl };
    const run = (part: TemplatePart): string => {
      const fn = compiled[part];
      if (!fn) return "";
      try {
        return fn(root, { data: runtime });
      } catch (err) {
        throw new TemplateRenderError(part, errorText(err));
      }
    };
    const subject = oneLine(run("subject"));
    if (subject === "") throw new TemplateRenderError("subject", "The subject is empty");
    const text = tidyText(run("text"));
    if (text === "") throw new TemplateRenderError("text", "The text is empty");
    if (key.channel === "inbox") return { subject: clip(subject, MAX_TITLE_LENGTH), text, html: "" };
    const html = run("html").trim();
    if (html === "") throw new TemplateRenderError("html", "The HTML is empty");
    const emailSubject = clip(subject, MAX_EMAIL_SUBJECT_LENGTH);
    const frame = { locale: key.locale, subject: emailSubject, recipientName: ctx.recipientName, url };
    return { subject: emailSubject, text: frameText(text, frame), html: frameHtml(html, frame) };
  }

  private generic(key: Omit<TemplateKey, "locale">, data: TemplateData, ctx: RenderContext): RenderedMessage {
    const locale: Locale = ctx.locale === "en" ? "en" : DEFAULT_LOCALE;
    const { subject, text } = genericMessage(key.eventType, data, locale, ctx.timeZone);
    if (key.channel === "inbox") return { subject: clip(subject, MAX_TITLE_LENGTH), text, html: "" };
    const url = portalLink(ctx.portalUrl.replace(/\/+$/, ""), data.link);
    const emailSubject = clip(subject, MAX_EMAIL_SUBJECT_LENGTH);
    const frame = { locale, subject: emailSubject, recipientName: ctx.recipientName, url };
    const body = `<p style="margin:0;">${text.split("\n").map(escapeHtml).join("<br>\n")}</p>`;
    return { subject: emailSubject, text: frameText(text, frame), html: frameHtml(body, frame) };
  }

  private logOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.logged.has(key)) return;
    if (this.logged.size > 1_000) this.logged.clear();
    this.logged.add(key);
    this.log.warn(fields, message);
  }
}
