/**
 * Every built-in template, by event type, channel and locale: the tasks service's events and the
 * meetings service's notices (from their copy, composed per channel) and the daily digest (email only).
 */
import { LOCALES, type Locale } from "../../domain/model.js";
import type { TemplateChannel, TemplateKey } from "../types.js";
import { compose, type EventCopy, type TemplateParts } from "./compose.js";
import { DIGEST_TEMPLATES } from "./digest.js";
import { MEETING_TEMPLATES } from "./meetings.js";
import { TASK_TEMPLATES } from "./tasks.js";

export type { TemplateParts } from "./compose.js";

export const DIGEST_EVENT_TYPE = "digest";
export const TEMPLATE_CHANNELS: readonly TemplateChannel[] = ["inbox", "email"];

export function templateId(key: TemplateKey): string {
  return `${key.eventType}|${key.channel}|${key.locale}`;
}

const COPY: Record<string, EventCopy> = { ...TASK_TEMPLATES, ...MEETING_TEMPLATES };

const BUILTIN = new Map<string, TemplateParts>();
const KEYS: TemplateKey[] = [];

function add(key: TemplateKey, parts: TemplateParts): void {
  BUILTIN.set(templateId(key), parts);
  KEYS.push(key);
}

for (const [eventType, copy] of Object.entries(COPY)) {
  for (const channel of TEMPLATE_CHANNELS)
    for (const locale of LOCALES) add({ eventType, channel, locale }, compose(copy, channel, locale));
}
for (const locale of LOCALES) add({ eventType: DIGEST_EVENT_TYPE, channel: "email", locale }, DIGEST_TEMPLATES[locale as Locale]);

/** The built-in template of a key, if there is one. */
export function builtinTemplate(key: TemplateKey): TemplateParts | undefined {
  return BUILTIN.get(templateId(key));
}

/** Every key with a built-in template: the keys an admin may override. */
export function builtinKeys(): readonly TemplateKey[] {
  return KEYS;
}
