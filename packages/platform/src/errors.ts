/**
 * Typed domain errors. Use cases throw these; the gRPC layer maps them once to status codes with
 * google.rpc details, and the gateway maps them once to RFC 9457 problem responses.
 */
export interface FieldViolation {
  field: string;
  description: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind:
    | "NotFound"
    | "AlreadyExists"
    | "InvalidArgument"
    | "FailedPrecondition"
    | "PermissionDenied"
    | "Unauthenticated"
    | "Aborted";
}

export class NotFound extends DomainError {
  readonly kind = "NotFound";
}

/** `reason` is stable (UPPER_SNAKE_CASE) for clients to switch on. */
export class AlreadyExists extends DomainError {
  readonly kind = "AlreadyExists";
  constructor(
    message: string,
    readonly reason = "ALREADY_EXISTS",
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class InvalidArgument extends DomainError {
  readonly kind = "InvalidArgument";
  constructor(
    readonly violations: FieldViolation[],
    message = violationsMessage(violations),
  ) {
    super(message);
  }
}

/**
 * The status message of field violations. Descriptions written "Vietnamese / English" give one
 * bilingual message, every Vietnamese half first and the English halves after with their field paths
 * (`Tiến độ phải là số nguyên... / percent: Progress must be...`), so the Vietnamese half holds no code;
 * otherwise each violation as `field: description`.
 */
function violationsMessage(violations: readonly FieldViolation[]): string {
  const halves = violations.map((v) => {
    const at = v.description.indexOf(" / ");
    return at < 0 ? undefined : { vi: v.description.slice(0, at), en: `${v.field}: ${v.description.slice(at + 3)}` };
  });
  if (halves.length === 0 || halves.some((h) => h === undefined)) return violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  const both = halves as { vi: string; en: string }[];
  return `${both.map((h) => h.vi).join("; ")} / ${both.map((h) => h.en).join("; ")}`;
}

export class FailedPrecondition extends DomainError {
  readonly kind = "FailedPrecondition";
  constructor(
    message: string,
    readonly reason: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class PermissionDenied extends DomainError {
  readonly kind = "PermissionDenied";
}

export class Unauthenticated extends DomainError {
  readonly kind = "Unauthenticated";
}

/** Optimistic concurrency lost: the caller should re-read (the current version is in metadata). */
export class Aborted extends DomainError {
  readonly kind = "Aborted";
  constructor(
    message: string,
    readonly reason = "VERSION_CONFLICT",
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
  }
}
