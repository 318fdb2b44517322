/**
 * A rule turns one consumed event type into notifications: who receives it (selectors the directory
 * resolves), in which category, whether it is critical, what it is about, and the data its templates
 * render. Rules are data: each producing service's rules are a table (rules/tasks.ts), and the engine
 * (app/fan-out.ts) knows none of them by name.
 */
import type { EventType } from "@ministry/platform";
import type { DeliveryModeName, Selector, SubjectRef } from "../domain/model.js";

/** What a rule's functions may read besides the event: the service's configuration. */
export interface RuleEnv {
  /** The Ministry Office's unit ("VP"). */
  officeUnitId: string;
}

/** Values templates see: text, numbers, booleans, dates (formatted by helpers), lists and nested objects. */
export type TemplateValue = string | number | boolean | Date | null | undefined | TemplateValue[] | { [key: string]: TemplateValue };
export type TemplateData = { [key: string]: TemplateValue };

export interface NotificationRule<T = unknown> {
  /** The event it reacts to; its `type` (e.g. "tasks.task.overdue") is the templates' key too. */
  event: EventType<T>;
  /** A category id from CATEGORIES (preferences are per category). */
  category: string;
  /** Critical notifications ignore preferences and quiet hours. */
  /** `at`: when the event happened (its ce-time), for rules that depend on how soon something is. */
  critical(event: T, at: Date): boolean;
  recipients(event: T, env: RuleEnv): Selector[];
  /** Who caused it, left out of the recipients (nobody is told of what he or she did); undefined: nobody left out. */
  actorId(event: T): string | undefined;
  subject(event: T): SubjectRef;
  /** The templates' data. Text in it is the event's, not translated; labels come in both languages where the event has them. */
  data(event: T, env: RuleEnv): TemplateData;
}

export interface CategoryDef {
  id: string;
  name: { vi: string; en: string };
  /** The email mode when a person sets none. */
  defaultEmailMode: Exclude<DeliveryModeName, "off">;
  /** Some of its notifications are critical. */
  hasCritical: boolean;
}

/** A producing service's rules, grouped so the engine makes one durable consumer per producing stream. */
export interface RuleSet {
  /** The producing service ("tasks"): the consumer reads its stream with the filter `<producer>.>`. */
  producer: string;
  // biome-ignore lint/suspicious/noExplicitAny: a table of rules of different event types; each rule is used with its own event's type
  rules: NotificationRule<any>[];
}
