/**
 * The data a template is validated and previewed with: the event type's sample event through its rule
 * (so a template sees exactly the shape real events give it), or the sample digest.
 */
import { ruleFor, sampleFor } from "../rules/index.js";
import type { RuleEnv, TemplateData } from "../rules/types.js";
import { DIGEST_EVENT_TYPE } from "./builtin/index.js";
import { DIGEST_SAMPLE } from "./builtin/digest.js";

export function sampleTemplateData(eventType: string, env: RuleEnv): TemplateData | undefined {
  if (eventType === DIGEST_EVENT_TYPE) return DIGEST_SAMPLE;
  const rule = ruleFor(eventType);
  const sample = sampleFor(eventType);
  if (!rule || sample === undefined) return undefined;
  return rule.data(sample, env);
}
