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
    message = violations.map((v) => `${v.field}: ${v.description}`).join("; "),
  ) {
    super(message);
  }
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
