/**
 * The message of an event type nobody wrote a template for (a new rule before its templates): built
 * from the data, so a person is still told something readable rather than nothing.
 */
import type { Locale } from "../domain/model.js";
import type { TemplateData, TemplateValue } from "../rules/types.js";
import { formatDateTime } from "./format.js";
import { pickLabel } from "./helpers.js";

const MAX_LINES = 12;
const MAX_VALUE = 300;

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function isLabel(v: TemplateValue): v is { vi?: TemplateValue; en?: TemplateValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && ("vi" in v || "en" in v);
}

function show(v: TemplateValue, locale: Locale, timeZone: string): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (v instanceof Date) return formatDateTime(v, timeZone) || undefined;
  if (typeof v === "boolean") return locale === "en" ? (v ? "yes" : "no") : v ? "có" : "không";
  if (typeof v === "string" || typeof v === "number") return clip(String(v), MAX_VALUE);
  if (isLabel(v)) return pickLabel(v, locale) || undefined;
  return undefined;
}

/** Scalars of the data, nested objects one level deep ("task.title"), links left out. */
function lines(data: TemplateData, locale: Locale, timeZone: string): string[] {
  const out: string[] = [];
  const visit = (obj: { [k: string]: TemplateValue }, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      if (out.length >= MAX_LINES || k === "link") continue;
      const shown = show(v, locale, timeZone);
      if (shown !== undefined) out.push(`${prefix}${k}: ${shown}`);
      else if (depth < 1 && typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date))
        visit(v, `${prefix}${k}.`, depth + 1);
    }
  };
  visit(data, "", 0);
  return out;
}

function titleOf(data: TemplateData): string | undefined {
  const task = data.task;
  for (const v of [
    data.title,
    typeof task === "object" && task && !Array.isArray(task) && !(task instanceof Date) ? task.title : undefined,
    data.name,
  ]) {
    if (typeof v === "string" && v.trim() !== "") return v.trim();
  }
  return undefined;
}

export function genericMessage(eventType: string, data: TemplateData, locale: Locale, timeZone: string): { subject: string; text: string } {
  const title = titleOf(data);
  const subject =
    locale === "en" ? (title ? `Notification: ${title}` : "New notification") : title ? `Thông báo: ${title}` : "Thông báo mới";
  const head = locale === "en" ? `Event: ${eventType}` : `Sự kiện: ${eventType}`;
  return { subject, text: [head, ...lines(data, locale, timeZone)].join("\n") };
}
