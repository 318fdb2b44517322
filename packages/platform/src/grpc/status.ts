/**
 * Errors to gRPC status, once for every service: a typed domain error becomes its status code with
 * google.rpc details in the `grpc-status-details-bin` trailer (BadRequest field violations for
 * INVALID_ARGUMENT, ErrorInfo with the stable reason where the error has one); anything unexpected
 * becomes INTERNAL with a generic message, so internals never reach a caller.
 */
import { Metadata, status, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import type { Any } from "@ministry/proto/google/protobuf/any";
import { BadRequest, ErrorInfo } from "@ministry/proto/google/rpc/error_details";
import { Status } from "@ministry/proto/google/rpc/status";
import type { DomainError, FieldViolation } from "../errors.js";

export const ERROR_DOMAIN = "ministry-ops";
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";
const TYPE_URL_PREFIX = "type.googleapis.com/";
const BAD_REQUEST_TYPE = "google.rpc.BadRequest";
const ERROR_INFO_TYPE = "google.rpc.ErrorInfo";
export const INTERNAL_MESSAGE = "Lỗi hệ thống / Internal error";

/** A status a handler means to send as it is, e.g. UNAVAILABLE while a dependency is down. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly details: Any[] = [],
  ) {
    super(message);
  }
}

const codeOfKind: Record<DomainError["kind"], status> = {
  NotFound: status.NOT_FOUND,
  AlreadyExists: status.ALREADY_EXISTS,
  InvalidArgument: status.INVALID_ARGUMENT,
  FailedPrecondition: status.FAILED_PRECONDITION,
  PermissionDenied: status.PERMISSION_DENIED,
  Unauthenticated: status.UNAUTHENTICATED,
  Aborted: status.ABORTED,
};

/** By `kind` rather than instanceof, so a second copy of this package in a process still maps. */
export function isDomainError(err: unknown): err is DomainError {
  const kind = err instanceof Error ? (err as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" && kind in codeOfKind;
}

export function codeName(code: number): string {
  return status[code] ?? String(code);
}

export function packAny(typeName: string, value: Uint8Array): Any {
  return { typeUrl: TYPE_URL_PREFIX + typeName, value: Buffer.from(value) };
}

/** Trailer metadata carrying `google.rpc.Status { code, message, details }`. */
export function statusMetadata(code: status, message: string, details: Any[], metadata = new Metadata()): Metadata {
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(Status.encode({ code, message, details }).finish()));
  return metadata;
}

export function errorInfo(reason: string, metadata: Record<string, string> = {}): Any {
  return packAny(ERROR_INFO_TYPE, ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata }).finish());
}

export function badRequest(violations: FieldViolation[]): Any {
  return packAny(
    BAD_REQUEST_TYPE,
    BadRequest.encode({ fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })) }).finish(),
  );
}

export interface MappedError {
  status: StatusObject;
  /** True when the error was not one the handler meant to send: log it with its stack. */
  unexpected: boolean;
}

export function statusFromError(err: unknown): MappedError {
  if (isDomainError(err)) {
    const code = codeOfKind[err.kind];
    const details: Any[] = [];
    if (err.kind === "InvalidArgument") details.push(badRequest((err as DomainError & { violations: FieldViolation[] }).violations));
    const reason = (err as { reason?: unknown }).reason;
    if (typeof reason === "string" && reason) {
      const meta = (err as { metadata?: unknown }).metadata;
      details.push(errorInfo(reason, isStringRecord(meta) ? meta : {}));
    }
    return { status: { code, details: err.message, metadata: statusMetadata(code, err.message, details) }, unexpected: false };
  }
  if (err instanceof GrpcStatusError) {
    return {
      status: { code: err.code, details: err.message, metadata: statusMetadata(err.code, err.message, err.details) },
      unexpected: false,
    };
  }
  return { status: { code: status.INTERNAL, details: INTERNAL_MESSAGE, metadata: new Metadata() }, unexpected: true };
}

/** The same as `statusFromError`, shaped as the error object grpc-js handlers pass to their callback. */
export function toServiceError(mapped: MappedError): ServiceError {
  return Object.assign(new Error(mapped.status.details), mapped.status) as ServiceError;
}

export interface StatusDetails {
  code: number;
  message: string;
  badRequest?: BadRequest;
  errorInfo?: ErrorInfo;
  /** Every detail as sent, including kinds this decoder does not unpack. */
  details: Any[];
}

/** Reads `google.rpc.Status` back from a failed call's trailers; undefined when the server sent none. */
export function decodeStatusDetails(err: Pick<ServiceError, "metadata"> | { metadata?: Metadata }): StatusDetails | undefined {
  const raw = err.metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!raw || typeof raw === "string") return undefined;
  const decoded = Status.decode(raw);
  const out: StatusDetails = { code: decoded.code, message: decoded.message, details: decoded.details };
  for (const any of decoded.details) {
    const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
    if (type === BAD_REQUEST_TYPE) out.badRequest = BadRequest.decode(any.value);
    else if (type === ERROR_INFO_TYPE) out.errorInfo = ErrorInfo.decode(any.value);
  }
  return out;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string");
}
