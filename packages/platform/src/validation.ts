/**
 * Checks of a request's fields, collected so a caller learns every problem at once. Descriptions are
 * "Vietnamese / English"; lengths count Unicode code points (what a person counts as characters).
 */
import { InvalidArgument, type FieldViolation } from "./errors.js";

/** What a field holds, for messages: Vietnamese first, English after. */
export interface FieldName {
  vi: string;
  en: string;
}

/** Unicode code points: what a person counts as characters. */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

export function tooLong(field: string, what: FieldName, max: number): FieldViolation {
  return { field, description: `${what.vi} dài quá ${max} ký tự / ${what.en} is longer than ${max} characters` };
}

export function tooMany(field: string, what: FieldName, max: number): FieldViolation {
  return { field, description: `Tối đa ${max} ${what.vi.toLowerCase()} / At most ${max} ${what.en.toLowerCase()}` };
}

/**
 * Collects every violation of a request, so a caller learns every problem at once; `check` throws
 * InvalidArgument when there is any.
 */
export class FieldChecks {
  readonly violations: FieldViolation[] = [];

  add(field: string, vi: string, en: string): this {
    this.violations.push({ field, description: `${vi} / ${en}` });
    return this;
  }

  /** Whether `value` (absent counts as empty) is at most `max` characters; records a violation if not. */
  length(field: string, value: string | null | undefined, max: number, what: FieldName): boolean {
    if (typeof value !== "string" || value.length <= max) return true; // UTF-16 units ≥ code points
    if (characterCount(value) <= max) return true;
    this.violations.push(tooLong(field, what, max));
    return false;
  }

  /** Whether a repeated field holds at most `max` items; records a violation if not. */
  count(field: string, items: readonly unknown[] | null | undefined, max: number, what: FieldName): boolean {
    if (!items || items.length <= max) return true;
    this.violations.push(tooMany(field, what, max));
    return false;
  }

  /** A repeated text field: at most `maxCount` items (named `what` as a list), each at most `maxLength` characters. */
  texts(field: string, values: readonly string[] | null | undefined, maxCount: number, maxLength: number, what: FieldName): boolean {
    if (!this.count(field, values, maxCount, what)) return false;
    let ok = true;
    for (const [i, v] of (values ?? []).entries()) ok = this.length(`${field}[${i}]`, v, maxLength, what) && ok;
    return ok;
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  check(): void {
    if (this.violations.length > 0) throw new InvalidArgument(this.violations);
  }
}
