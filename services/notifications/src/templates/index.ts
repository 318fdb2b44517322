export { builtinKeys, builtinTemplate, DIGEST_EVENT_TYPE, TEMPLATE_CHANNELS, templateId, type TemplateParts } from "./builtin/index.js";
export { DIGEST_SAMPLE } from "./builtin/digest.js";
export { formatDate, formatDateTime, formatLongDate } from "./format.js";
export {
  type EffectiveTemplate,
  HandlebarsRenderer,
  MAX_EMAIL_SUBJECT_LENGTH,
  MAX_TITLE_LENGTH,
  type TemplatePart,
  TemplateRenderError,
} from "./renderer.js";
export { sampleTemplateData } from "./samples.js";
export type { RenderContext, RenderedMessage, TemplateChannel, TemplateKey, TemplateRenderer } from "./types.js";
