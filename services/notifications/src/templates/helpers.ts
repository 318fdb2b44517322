/**
 * The helpers every template may use. Dates are shown in the recipient's time zone and words in the
 * template's language: both come from the render's private data (`@locale`, `@timeZone`), so a helper
 * never needs them as arguments.
 *
 * - `{{date d}}` "31/05/2020", `{{datetime d}}` "23:59 31/05/2020", `{{long_date d}}` "ngày 31 tháng 05
 *   năm 2020" / "31 May 2020";
 * - `{{pick label}}` a `{vi, en}` label in the template's language (`{{pick "Có" "Yes"}}` two texts);
 * - `{{days n}}` "3 ngày" / "3 days" ("1 day");
 * - `{{portal_link link}}` the portal's address of a path ("/tasks/t-1");
 * - `eq`, `gt`, `lt`, `or`, `and`, `not` for conditions: `{{#if (gt daysAfter 0)}}`;
 * - `default`: `{{default note "—"}}`.
 */
import type Handlebars from "handlebars";
import type { Locale } from "../domain/model.js";
import { formatDate, formatDateTime, formatLongDate } from "./format.js";

type Hbs = typeof Handlebars;

/** What a render passes as Handlebars' private data (`@locale`, ...): what helpers read. */
export interface RenderData {
  locale: Locale;
  timeZone: string;
  /** The portal's address without a trailing "/". */
  portalUrl: string;
}

/** Handlebars calls a helper with its arguments and, last, the options object. */
function split(args: unknown[]): { params: unknown[]; data: Partial<RenderData> } {
  const options = args[args.length - 1] as Handlebars.HelperOptions | undefined;
  return { params: args.slice(0, -1), data: (options?.data ?? {}) as Partial<RenderData> };
}

function localeOf(data: Partial<RenderData>): Locale {
  return data.locale === "en" ? "en" : "vi";
}

/** A `{vi, en}` label in `locale`, the other language when that one is empty. */
export function pickLabel(label: unknown, locale: Locale): string {
  if (label === null || label === undefined) return "";
  if (typeof label !== "object") return String(label);
  const l = label as { vi?: unknown; en?: unknown };
  const first = locale === "en" ? l.en : l.vi;
  const second = locale === "en" ? l.vi : l.en;
  if (typeof first === "string" && first !== "") return first;
  return typeof second === "string" ? second : "";
}

/** The portal's address of a path; the portal's home for anything that is not a path of it. */
export function portalLink(portalUrl: string, link: unknown): string {
  const base = portalUrl.replace(/\/+$/, "");
  if (typeof link !== "string" || !link.startsWith("/") || link.startsWith("//")) return base;
  return base + link;
}

export function registerHelpers(hb: Hbs): void {
  hb.registerHelper("date", (...args: unknown[]) => {
    const { params, data } = split(args);
    return formatDate(params[0], data.timeZone);
  });
  hb.registerHelper("datetime", (...args: unknown[]) => {
    const { params, data } = split(args);
    return formatDateTime(params[0], data.timeZone);
  });
  hb.registerHelper("long_date", (...args: unknown[]) => {
    const { params, data } = split(args);
    return formatLongDate(params[0], localeOf(data), data.timeZone);
  });
  hb.registerHelper("pick", (...args: unknown[]) => {
    const { params, data } = split(args);
    const locale = localeOf(data);
    if (params.length >= 2) return pickLabel({ vi: params[0], en: params[1] }, locale);
    return pickLabel(params[0], locale);
  });
  hb.registerHelper("days", (...args: unknown[]) => {
    const { params, data } = split(args);
    const n = Number(params[0] ?? 0);
    if (localeOf(data) === "en") return `${n} ${Math.abs(n) === 1 ? "day" : "days"}`;
    return `${n} ngày`;
  });
  hb.registerHelper("portal_link", (...args: unknown[]) => {
    const { params, data } = split(args);
    return portalLink(data.portalUrl ?? "", params[0]);
  });
  hb.registerHelper("eq", (...args: unknown[]) => {
    const { params } = split(args);
    return params[0] === params[1];
  });
  hb.registerHelper("gt", (...args: unknown[]) => {
    const { params } = split(args);
    return Number(params[0]) > Number(params[1]);
  });
  hb.registerHelper("lt", (...args: unknown[]) => {
    const { params } = split(args);
    return Number(params[0]) < Number(params[1]);
  });
  hb.registerHelper("or", (...args: unknown[]) => split(args).params.some(Boolean));
  hb.registerHelper("and", (...args: unknown[]) => split(args).params.every(Boolean));
  hb.registerHelper("not", (...args: unknown[]) => !split(args).params[0]);
  hb.registerHelper("default", (...args: unknown[]) => {
    const { params } = split(args);
    const v = params[0];
    return v === undefined || v === null || v === "" ? (params[1] ?? "") : v;
  });
}
