import type { FieldChecks } from "@ministry/platform";

/** One line of text as stored: NFC, trimmed, inner runs of white space as one space. */
export function oneLine(value: string | undefined): string {
  return (value ?? "").normalize("NFC").replace(/\s+/g, " ").trim();
}

/** A block of text as stored: NFC, trimmed, line breaks kept. */
export function block(value: string | undefined): string {
  return (value ?? "").normalize("NFC").replace(/\r\n?/g, "\n").trim();
}

/** A link: empty, or an absolute http(s) URL within `max` characters. */
export function checkUrl(checks: FieldChecks, field: string, value: string | undefined, max: number): string {
  const v = (value ?? "").trim();
  if (v === "") return "";
  if (v.length > max) {
    checks.add(field, `Đường dẫn dài quá ${max} ký tự`, `The link is longer than ${max} characters`);
    return v;
  }
  try {
    const u = new URL(v);
    if (u.protocol !== "https:" && u.protocol !== "http:") checks.add(field, "Đường dẫn phải là http(s)", "The link must be http(s)");
  } catch {
    checks.add(field, "Đường dẫn không hợp lệ", "Not a valid link");
  }
  return v;
}
