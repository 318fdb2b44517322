/**
 * NotificationAdminService's template calls: proto ↔ use case. The role check, the bounds and the
 * validation of the Handlebars sources live in the use cases (app/templates.ts).
 */
import { requireIdentity } from "@ministry/platform";
import type { NotificationAdminServiceServer, Template } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { TemplateAdmin, TemplateInput, TemplateView } from "../app/templates.js";
import { channelFromProto, channelToProto } from "./notification-mapping.js";

export function toProtoTemplate(t: TemplateView): Template {
  return {
    eventType: t.eventType,
    channel: channelToProto(t.channel),
    locale: t.locale,
    subject: t.subject,
    text: t.text,
    html: t.html,
    overridden: t.overridden,
    version: t.version,
    updatedAt: t.updatedAt ?? undefined,
    updatedBy: t.updatedBy,
  };
}

function fromProtoTemplate(t: Template | undefined): TemplateInput | undefined {
  if (!t) return undefined;
  return { eventType: t.eventType, channel: channelFromProto(t.channel), locale: t.locale, subject: t.subject, text: t.text, html: t.html };
}

export function templateAdminHandlers(
  t: TemplateAdmin,
): Pick<NotificationAdminServiceServer, "listTemplates" | "upsertTemplate" | "resetTemplate" | "previewTemplate"> {
  return {
    listTemplates: async (call) => {
      const templates = await t.list(requireIdentity(), { eventType: call.request.eventType });
      return { templates: templates.map(toProtoTemplate) };
    },
    upsertTemplate: async (call) => {
      const r = call.request;
      const template = await t.upsert(requireIdentity(), { requestId: r.requestId, template: fromProtoTemplate(r.template) });
      return { template: toProtoTemplate(template) };
    },
    resetTemplate: async (call) => {
      const r = call.request;
      const template = await t.reset(requireIdentity(), {
        requestId: r.requestId,
        eventType: r.eventType,
        channel: channelFromProto(r.channel),
        locale: r.locale,
      });
      return { template: toProtoTemplate(template) };
    },
    previewTemplate: async (call) => {
      const m = await t.preview(requireIdentity(), { template: fromProtoTemplate(call.request.template) });
      return { subject: m.subject, text: m.text, html: m.html };
    },
  };
}
