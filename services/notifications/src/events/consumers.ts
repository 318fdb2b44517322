/**
 * One durable consumer per producing stream (`notifications-TASKS`, ...), with a handler per rule: the
 * rules table decides which events are read at all; an event type without a rule is acknowledged and
 * ignored by the platform's consumer.
 */
import type { EventConsumer } from "@ministry/platform";
import type { FanOut } from "../app/fan-out.js";
import type { RuleSet } from "../rules/types.js";

export function registerConsumers(
  consumer: (producer: string, filterSubject: string) => EventConsumer,
  ruleSets: readonly RuleSet[],
  fanOut: FanOut,
): void {
  for (const set of ruleSets) {
    const c = consumer(set.producer, `${set.producer}.>`);
    for (const rule of set.rules) {
      c.on(rule.event, async (event, session) => {
        await fanOut.handle(rule, event, session);
      });
    }
  }
}
