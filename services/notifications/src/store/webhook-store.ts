/**
 * Webhook subscriptions. An event type matches a subscription when one of its entries is the type itself
 * ("tasks.task.overdue") or a prefix ending in ".*" that the type starts with ("tasks.task.*",
 * "tasks.*"). Read on every fan-out, without a cache: a disabled subscription gets nothing more from
 * the next event on, on every replica.
 */
import type { ClientSession, Collection, Db } from "mongodb";
import type { WebhookDoc } from "./documents.js";
import { WEBHOOKS } from "./indexes.js";

/** Whether `pattern` (an exact type, or a prefix ending in ".*") covers `eventType`. */
export function eventTypeMatches(pattern: string, eventType: string): boolean {
  if (pattern.endsWith(".*")) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

/** The entries a type can match: itself and each of its prefixes with ".*" ("a.b.c" → "a.b.c", "a.b.*", "a.*"). */
export function matchingPatterns(eventType: string): string[] {
  const parts = eventType.split(".");
  const patterns = [eventType];
  for (let i = parts.length - 1; i >= 1; i -= 1) patterns.push(`${parts.slice(0, i).join(".")}.*`);
  return patterns;
}

export class WebhookStore {
  readonly collection: Collection<WebhookDoc>;

  constructor(db: Db) {
    this.collection = db.collection<WebhookDoc>(WEBHOOKS);
  }

  /** Active subscriptions whose event types match `eventType` exactly or by prefix. */
  async matching(eventType: string, session?: ClientSession): Promise<WebhookDoc[]> {
    // Asking for the type's own patterns lets the multikey lookup do the matching; the check after it
    // keeps the rule in one place (eventTypeMatches).
    const docs = await this.collection
      .find({ active: true, eventTypes: { $in: matchingPatterns(eventType) } }, { session })
      .sort({ _id: 1 })
      .toArray();
    return docs.filter((w) => w.eventTypes.some((p) => eventTypeMatches(p, eventType)));
  }

  get(id: string, session?: ClientSession): Promise<WebhookDoc | null> {
    return this.collection.findOne({ _id: id }, { session });
  }
}
