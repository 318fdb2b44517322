/**
 * Every rule the service knows, by producing service, and the lookups the engine and the template admin
 * use. A new producer adds its RuleSet here and its categories to categories.ts.
 */
import { CATEGORIES } from "./categories.js";
import { MEETING_RULES, MEETING_SAMPLES } from "./meetings.js";
import { TASK_RULES, TASK_SAMPLES } from "./tasks.js";
import type { CategoryDef, NotificationRule, RuleSet } from "./types.js";

export { CATEGORIES };

export const RULE_SETS: RuleSet[] = [TASK_RULES, MEETING_RULES];

const rulesByType = new Map<string, NotificationRule>();
for (const set of RULE_SETS) {
  for (const rule of set.rules) {
    const type = rule.event.subject;
    if (rulesByType.has(type)) throw new Error(`two notification rules for ${type}`);
    if (!CATEGORIES.some((c) => c.id === rule.category))
      throw new Error(`the rule for ${type} names an unknown category "${rule.category}"`);
    rulesByType.set(type, rule);
  }
}

const SAMPLES: Record<string, unknown> = { ...TASK_SAMPLES, ...MEETING_SAMPLES };

/** The rule of an event type (its NATS subject, e.g. "tasks.task.overdue"). */
export function ruleFor(eventType: string): NotificationRule | undefined {
  return rulesByType.get(eventType);
}

/** Every event type a rule reacts to, in the rule tables' order. */
export function ruleEventTypes(): string[] {
  return [...rulesByType.keys()];
}

/** A realistic event message of the type, for template previews and validation. */
export function sampleFor(eventType: string): unknown {
  return SAMPLES[eventType];
}

export function categoryById(id: string): CategoryDef | undefined {
  return CATEGORIES.find((c) => c.id === id);
}
