/**
 * Task ids derived from text people or other services write: a programme's task codes ("QP-05") and
 * the meetings, documents and items tasks come from. The ids are how a re-import or a redelivered event
 * finds the task it made before, so they must be injective: two different codes (or sources) must
 * never share an id, or the second would be "skipped as existing" without a word.
 *
 * Each id part keeps a few plain characters as they are and writes every other character as `_<hex
 * code point>_`; `_` is never plain, so a part reads back one way only. Plain text stays readable and
 * keeps the ids it always had (the 2020 seed's "bnv-2020-qp-05", a meeting's "kl-gb-2020-q1-1").
 */

/** A code's identity: the same code ignoring case, as a programme file's duplicate check compares them. */
export function codeKey(code: string): string {
  return code.normalize("NFC").toUpperCase();
}

function escaped(ch: string): string {
  return `_${ch.codePointAt(0)?.toString(16)}_`;
}

/** `text` with each character written as `plain` says, or escaped where it says nothing. */
function idPart(text: string, plain: (ch: string) => string | undefined): string {
  let out = "";
  for (const ch of text) out += plain(ch) ?? escaped(ch);
  return out;
}

const DIGIT_OR_DASH = /^[0-9-]$/u;
const UPPER_ASCII = /^[A-Z]$/u;
const LOWER_ASCII_OR_DIGIT = /^[a-z0-9]$/u;

/**
 * The id of a task a programme file brings: "<programme>-<code>" in lower case. The code is taken by
 * its key (codeKey), which has no lower-case ASCII letters, so writing A-Z as a-z keeps it injective.
 */
export function importedTaskId(programmeId: string, code: string): string {
  return `${programmeId}-${idPart(codeKey(code), (ch) => (UPPER_ASCII.test(ch) ? ch.toLowerCase() : DIGIT_OR_DASH.test(ch) ? ch : undefined))}`;
}

/**
 * The id of a task another service's event brings: "<prefix>-<source>-<item>" ("kl-gb-2020-q1-1").
 * Ids from other services are compared exactly, so upper-case letters are escaped, not folded; the
 * item's part escapes "-" too, so the last "-" always separates the two.
 */
export function sourceTaskId(prefix: string, sourceId: string, itemId: string): string {
  const source = idPart(sourceId, (ch) => (LOWER_ASCII_OR_DIGIT.test(ch) || ch === "-" ? ch : undefined));
  const item = idPart(itemId, (ch) => (LOWER_ASCII_OR_DIGIT.test(ch) ? ch : undefined));
  return `${prefix}-${source}-${item}`;
}
