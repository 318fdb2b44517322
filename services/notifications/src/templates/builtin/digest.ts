/**
 * The daily digest: one email listing the notifications a person chose to receive once a day. Its data:
 * `{ date: Date, count, items: [{ title, body, createdAt: Date, critical, link }] }`.
 */
import type { Locale } from "../../domain/model.js";
import type { TemplateData } from "../../rules/types.js";
import type { TemplateParts } from "./compose.js";

const ITEM_STYLE = "margin:0 0 16px;padding:0 0 12px;border-bottom:1px solid #e5e7eb;";
const MARK_STYLE = "color:#b91c1c;font-weight:bold;";

export const DIGEST_TEMPLATES: Record<Locale, TemplateParts> = {
  vi: {
    subject: "Tổng hợp thông báo ngày {{date date}} ({{count}} thông báo)",
    text: `Các thông báo gửi anh/chị trong ngày {{date date}} ({{count}} thông báo):

{{#each items}}
{{#if critical}}[KHẨN] {{/if}}{{title}} ({{datetime createdAt}})
{{#if body}}
{{body}}
{{/if}}
{{#if link}}
{{portal_link link}}
{{/if}}

{{/each}}`,
    html: `<p style="margin:0 0 16px;">Các thông báo gửi anh/chị trong ngày {{date date}} ({{count}} thông báo):</p>
<ul style="list-style:none;margin:0;padding:0;">
{{#each items}}
<li style="${ITEM_STYLE}"><strong>{{#if critical}}<span style="${MARK_STYLE}">[KHẨN]</span> {{/if}}{{#if link}}<a href="{{portal_link link}}" style="color:#1d4ed8;">{{title}}</a>{{else}}{{title}}{{/if}}</strong><br>
{{#if body}}<span>{{body}}</span><br>{{/if}}
<span style="font-size:12px;color:#6b7280;">{{datetime createdAt}}</span></li>
{{/each}}
</ul>`,
  },
  en: {
    subject: "Your notifications of {{date date}} ({{count}})",
    text: `Your notifications of {{date date}} ({{count}}):

{{#each items}}
{{#if critical}}[CRITICAL] {{/if}}{{title}} ({{datetime createdAt}})
{{#if body}}
{{body}}
{{/if}}
{{#if link}}
{{portal_link link}}
{{/if}}

{{/each}}`,
    html: `<p style="margin:0 0 16px;">Your notifications of {{date date}} ({{count}}):</p>
<ul style="list-style:none;margin:0;padding:0;">
{{#each items}}
<li style="${ITEM_STYLE}"><strong>{{#if critical}}<span style="${MARK_STYLE}">[CRITICAL]</span> {{/if}}{{#if link}}<a href="{{portal_link link}}" style="color:#1d4ed8;">{{title}}</a>{{else}}{{title}}{{/if}}</strong><br>
{{#if body}}<span>{{body}}</span><br>{{/if}}
<span style="font-size:12px;color:#6b7280;">{{datetime createdAt}}</span></li>
{{/each}}
</ul>`,
  },
};

/** A day's digest as the seeded directory would get it: for previews and validation of digest templates. */
export const DIGEST_SAMPLE: TemplateData = {
  date: new Date("2020-05-25T00:30:00Z"),
  count: 2,
  items: [
    {
      title: "Hoàn thành nhiệm vụ: QP-02 Nghị định quy định về công tác thanh niên",
      body: "Nhiệm vụ QP-02 “Nghị định quy định về công tác thanh niên” do Vụ Công tác thanh niên chủ trì đã hoàn thành đúng hạn.",
      createdAt: new Date("2020-05-24T03:15:00Z"),
      critical: false,
      link: "/tasks/t-2020-qp-02",
    },
    {
      title: "Rút nhiệm vụ: QP-07 Đề án phát triển thanh niên nông thôn",
      body: "Nhiệm vụ QP-07 “Đề án phát triển thanh niên nông thôn” do Vụ Công tác thanh niên chủ trì đã được rút khỏi chương trình công tác.",
      createdAt: new Date("2020-05-24T09:40:00Z"),
      critical: false,
      link: "/tasks/t-2020-qp-07",
    },
  ],
};
