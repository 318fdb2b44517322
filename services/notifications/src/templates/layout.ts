/**
 * The frame every email is sent in: the greeting, the message a template rendered, the link to the
 * portal and the footer, in text and in HTML. Kept out of the templates so an admin's override changes
 * what a message says, never the ministry's letterhead, and so the HTML around event text is always
 * escaped and valid. No external resources: styles are inline, there are no images.
 */
import type { Locale } from "../domain/model.js";

const WORDS = {
  vi: {
    greeting: (name: string) => (name ? `Kính gửi ${name},` : "Kính gửi anh/chị,"),
    subtitle: "Hệ thống thông báo",
    button: "Xem trên cổng thông tin",
    linkLine: "Xem chi tiết",
    footer: "Thư gửi tự động từ hệ thống thông báo của Bộ Nội vụ. Vui lòng không trả lời thư này.",
  },
  en: {
    greeting: (name: string) => (name ? `Dear ${name},` : "Hello,"),
    subtitle: "Ministry of Home Affairs – Notifications",
    button: "Open in the portal",
    linkLine: "Details",
    footer: "An automatic message from the notification system of the Ministry of Home Affairs. Please do not reply to it.",
  },
} as const;

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
  "`": "&#x60;",
  "=": "&#x3D;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c] ?? c);
}

export interface Frame {
  locale: Locale;
  subject: string;
  recipientName: string;
  /** The absolute address the button opens. */
  url: string;
}

/** A locale without words of its own (none yet) reads Vietnamese. */
function wordsOf(locale: Locale) {
  return WORDS[locale] ?? WORDS.vi;
}

export function frameText(body: string, f: Frame): string {
  const w = wordsOf(f.locale);
  return `${w.greeting(f.recipientName)}\n\n${body}\n\n${w.linkLine}: ${f.url}\n\n-- \n${w.footer}\n`;
}

/** `bodyHtml` is a template's output, escaped by Handlebars; everything else is escaped here. */
export function frameHtml(bodyHtml: string, f: Frame): string {
  const w = wordsOf(f.locale);
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="${f.locale === "en" ? "en" : "vi"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(f.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:Arial,Helvetica,sans-serif;color:#1f2937;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;background:#ffffff;border:1px solid #e5e7eb;">
<tr><td style="background:#9b1c1c;color:#ffffff;padding:16px 24px;">
<div style="font-size:18px;font-weight:bold;letter-spacing:1px;">BỘ NỘI VỤ</div>
<div style="font-size:12px;">${e(w.subtitle)}</div>
</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5;">
<p style="margin:0 0 16px;">${e(w.greeting(f.recipientName))}</p>
${bodyHtml}
<p style="margin:24px 0 0;"><a href="${e(f.url)}" style="display:inline-block;background:#9b1c1c;color:#ffffff;text-decoration:none;padding:10px 20px;border-radius:4px;font-weight:bold;">${e(w.button)}</a></p>
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280;">${e(w.footer)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
