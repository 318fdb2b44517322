/**
 * Admins' templates: list every built-in template with its override, override one, reset one to the
 * built-in, and preview one with its event type's sample data. The role is checked before anything
 * else. An override is accepted only when it compiles and renders the sample data into a non-empty
 * subject and text (and HTML for email) without throwing, so a template that reaches the database works
 * for a real event of the same shape; should one still fail on some event, the renderer falls back to
 * the built-in template.
 */
import { FieldChecks, InvalidArgument, requireRole, type Identity, type ResultCodec } from "@ministry/platform";
import type { Collection } from "mongodb";
import { FIELDS, MAX_EVENT_TYPE_LENGTH, MAX_TEMPLATE_PART_LENGTH } from "../domain/limits.js";
import { DEFAULT_TIME_ZONE, LOCALES, type Locale } from "../domain/model.js";
import type { RuleEnv } from "../rules/types.js";
import type { TemplateDoc } from "../store/documents.js";
import { TEMPLATES } from "../store/indexes.js";
import { builtinKeys, templateId, type TemplateParts } from "../templates/builtin/index.js";
import { type HandlebarsRenderer, TemplateRenderError } from "../templates/renderer.js";
import { sampleTemplateData } from "../templates/samples.js";
import type { RenderContext, RenderedMessage, TemplateChannel, TemplateKey } from "../templates/types.js";
import { actorOf, type AppContext } from "./context.js";

/** A template as admins see it: the sources that apply, and whether they are an override. */
export interface TemplateView extends TemplateParts {
  eventType: string;
  channel: TemplateChannel;
  locale: Locale;
  overridden: boolean;
  /** The override's version (1 for the first); 0 for a built-in template. */
  version: number;
  updatedAt: Date | null;
  updatedBy: string;
}

/** A template as a caller sends it; the channel is what the request named ("webhook" and unknown ones are refused). */
export interface TemplateInput {
  eventType: string;
  channel: string | undefined;
  locale: string;
  subject: string;
  text: string;
  html: string;
}

/** Whom previews are addressed to: a name from the seeded directory. */
const PREVIEW_RECIPIENT = "Nguyễn Văn An";

const viewCodec: ResultCodec<TemplateView> = {
  toDocument: (v) => ({ value: v }),
  fromDocument: (d) => (d as { value: TemplateView }).value,
};

function fromDoc(doc: TemplateDoc): TemplateView {
  return {
    eventType: doc.eventType,
    channel: doc.channel,
    locale: doc.locale,
    subject: doc.subject,
    text: doc.text,
    html: doc.html,
    overridden: true,
    version: doc.version,
    updatedAt: doc.updatedAt,
    updatedBy: doc.updatedBy,
  };
}

export class TemplateAdmin {
  private readonly templates: Collection<TemplateDoc>;
  private readonly env: RuleEnv;

  constructor(
    private readonly app: AppContext,
    private readonly renderer: HandlebarsRenderer,
  ) {
    this.templates = app.db.collection<TemplateDoc>(TEMPLATES);
    this.env = { officeUnitId: app.config.OFFICE_UNIT_ID };
  }

  /** Every built-in key (optionally one event type's), each with its override if there is one. */
  async list(identity: Identity, filter: { eventType?: string } = {}): Promise<TemplateView[]> {
    requireRole(identity, "admin");
    const eventType = filter.eventType?.trim() ?? "";
    const checks = new FieldChecks();
    checks.length("event_type", eventType, MAX_EVENT_TYPE_LENGTH, FIELDS.eventType);
    checks.check();
    const keys = builtinKeys().filter((k) => eventType === "" || k.eventType === eventType);
    if (keys.length === 0) return [];
    // Read from the database, not the renderer's cache: another replica may have changed one since.
    const overrides = await this.templates.find(eventType === "" ? {} : { eventType }).toArray();
    const byId = new Map(overrides.map((d) => [d._id, d]));
    return keys.map((k) => {
      const doc = byId.get(templateId(k));
      return doc ? fromDoc(doc) : this.builtinView(k);
    });
  }

  async upsert(identity: Identity, input: { requestId?: string; template: TemplateInput | undefined }): Promise<TemplateView> {
    requireRole(identity, "admin");
    const { key, parts } = this.checkTemplate(input.template, "template.");
    this.tryRender(key, parts, "template.");
    const id = templateId(key);
    const request = { requestId: input.requestId, target: `template:${id}`, body: { key, parts } };
    const saved = await this.app.once("UpsertTemplate", identity, request, viewCodec, async (session) => {
      const existing = await this.templates.findOne({ _id: id }, { session });
      const doc: TemplateDoc = {
        _id: id,
        ...key,
        ...parts,
        version: (existing?.version ?? 0) + 1,
        updatedAt: this.app.clock.now(),
        updatedBy: identity.userId,
      };
      await this.templates.replaceOne({ _id: id }, doc, { upsert: true, session });
      const base = existing ?? this.renderer.builtin(key);
      await this.app.record(
        session,
        actorOf(identity),
        "template.updated",
        { type: "template", id },
        {
          ...key,
          version: doc.version,
          changed: (["subject", "text", "html"] as const).filter((p) => base?.[p] !== parts[p]),
        },
      );
      return fromDoc(doc);
    });
    await this.reload();
    return saved;
  }

  /** Removes the override, if any: the built-in template applies again. */
  async reset(
    identity: Identity,
    input: { requestId?: string; eventType: string; channel: string | undefined; locale: string },
  ): Promise<TemplateView> {
    requireRole(identity, "admin");
    const checks = new FieldChecks();
    const key = this.checkKey(checks, input, "");
    checks.check();
    const id = templateId(key!);
    const request = { requestId: input.requestId, target: `template:${id}`, body: key };
    const view = await this.app.once("ResetTemplate", identity, request, viewCodec, async (session) => {
      const removed = await this.templates.findOneAndDelete({ _id: id }, { session });
      if (removed) {
        await this.app.record(
          session,
          actorOf(identity),
          "template.reset",
          { type: "template", id },
          { ...key, previousVersion: removed.version },
        );
      }
      return this.builtinView(key!);
    });
    await this.reload();
    return view;
  }

  /**
   * Renders a template with its event type's sample data, saving nothing. Without any source (subject,
   * text and HTML all empty) it previews what applies now to the key.
   */
  async preview(identity: Identity, input: { template: TemplateInput | undefined }): Promise<RenderedMessage> {
    requireRole(identity, "admin");
    const t = input.template;
    const empty = !!t && (t.subject ?? "") === "" && (t.text ?? "") === "" && (t.html ?? "") === "";
    if (empty) {
      const checks = new FieldChecks();
      const key = this.checkKey(checks, t, "template.");
      checks.check();
      const doc = await this.templates.findOne({ _id: templateId(key!) });
      const parts = doc ?? this.renderer.builtin(key!)!;
      return this.tryRender(key!, { subject: parts.subject, text: parts.text, html: parts.html }, "template.");
    }
    const { key, parts } = this.checkTemplate(t, "template.");
    return this.tryRender(key, parts, "template.");
  }

  // ------------------------------------------------------------------------------------------- inside

  private builtinView(key: TemplateKey): TemplateView {
    const parts = this.renderer.builtin(key)!;
    return { ...key, ...parts, overridden: false, version: 0, updatedAt: null, updatedBy: "" };
  }

  /** The key a request names, checked against the built-in keys; undefined (with violations) otherwise. */
  private checkKey(
    checks: FieldChecks,
    t: { eventType?: string; channel?: string | undefined; locale?: string } | undefined,
    prefix: string,
  ): TemplateKey | undefined {
    const eventType = (t?.eventType ?? "").trim();
    const channel = t?.channel;
    const locale = (t?.locale ?? "").trim();
    const before = checks.violations.length;
    const known = builtinKeys();
    if (eventType === "") checks.add(`${prefix}event_type`, "Bắt buộc", "Required");
    else if (
      checks.length(`${prefix}event_type`, eventType, MAX_EVENT_TYPE_LENGTH, FIELDS.eventType) &&
      !known.some((k) => k.eventType === eventType)
    ) {
      checks.add(
        `${prefix}event_type`,
        "Không có mẫu thông báo cho loại sự kiện này",
        `No template for this event type; one of ${[...new Set(known.map((k) => k.eventType))].join(", ")}`,
      );
    }
    if (channel !== "inbox" && channel !== "email")
      checks.add(`${prefix}channel`, "Chọn kênh thông báo trong hệ thống hoặc thư", "Choose CHANNEL_INBOX or CHANNEL_EMAIL");
    if (!(LOCALES as readonly string[]).includes(locale))
      checks.add(`${prefix}locale`, 'Ngôn ngữ là "vi" hoặc "en"', 'Locale is "vi" or "en"');
    if (checks.violations.length > before) return undefined;
    const key: TemplateKey = { eventType, channel: channel as TemplateChannel, locale: locale as Locale };
    if (!known.some((k) => templateId(k) === templateId(key))) {
      checks.add(`${prefix}channel`, "Loại sự kiện này không gửi qua kênh này", "This event type has no template for this channel");
      return undefined;
    }
    return key;
  }

  /** A template's key and sources, bounded and present (INVALID_ARGUMENT naming every problem). */
  private checkTemplate(t: TemplateInput | undefined, prefix: string): { key: TemplateKey; parts: TemplateParts } {
    const checks = new FieldChecks();
    if (!t) {
      checks.add("template", "Bắt buộc", "Required");
      checks.check();
    }
    const key = this.checkKey(checks, t, prefix);
    const parts: TemplateParts = { subject: t?.subject ?? "", text: t?.text ?? "", html: t?.html ?? "" };
    for (const part of ["subject", "text", "html"] as const) {
      checks.length(`${prefix}${part}`, parts[part], MAX_TEMPLATE_PART_LENGTH, FIELDS.template);
    }
    if (parts.subject.trim() === "") checks.add(`${prefix}subject`, "Bắt buộc", "Required");
    if (parts.text.trim() === "") checks.add(`${prefix}text`, "Bắt buộc", "Required");
    if (key?.channel === "email" && parts.html.trim() === "") checks.add(`${prefix}html`, "Bắt buộc với thư điện tử", "Required for email");
    if (key?.channel === "inbox" && parts.html !== "")
      checks.add(`${prefix}html`, "Thông báo trong hệ thống không có phần HTML", "Inbox templates have no HTML part");
    checks.check();
    return { key: key!, parts };
  }

  /** Renders with the sample data, exactly as a real event would be; a failure names the part and the Handlebars error. */
  private tryRender(key: TemplateKey, parts: TemplateParts, prefix: string): RenderedMessage {
    const data = sampleTemplateData(key.eventType, this.env);
    if (!data)
      throw new InvalidArgument([
        { field: `${prefix}event_type`, description: "Không có dữ liệu mẫu / No sample data for this event type" },
      ]);
    const ctx: RenderContext = {
      locale: key.locale,
      timeZone: DEFAULT_TIME_ZONE,
      recipientName: PREVIEW_RECIPIENT,
      portalUrl: this.app.config.PORTAL_URL,
    };
    try {
      return this.renderer.trial(key, parts, data, ctx);
    } catch (err) {
      if (!(err instanceof TemplateRenderError)) throw err;
      const checks = new FieldChecks();
      checks.add(`${prefix}${err.part}`, `Mẫu không dùng được: ${err.message}`, `The template does not work: ${err.message}`);
      checks.check();
      throw err;
    }
  }

  /** The change is committed; a failed reload only delays it until the next one, so it is logged, not thrown. */
  private async reload(): Promise<void> {
    try {
      await this.renderer.refresh();
    } catch (err) {
      this.app.deps.log.warn({ err }, "templates changed but could not be reloaded; the next refresh loads them");
    }
  }
}
