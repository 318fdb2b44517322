/**
 * Errors as RFC 9457 problem details (`application/problem+json`). A service's refusal keeps what the
 * service said: its gRPC code, its reason (google.rpc.ErrorInfo) and every field violation
 * (google.rpc.BadRequest), with field paths in the JSON names the caller sent. Anything unexpected is
 * a 500 that says so and carries the request id, never a stack.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import { codeName, decodeStatusDetails } from "@ministry/platform";

export const PROBLEM_TYPE_BASE = "https://ministry-ops.gov.vn/problems/";

export interface FieldViolation {
  field: string;
  description: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** The gRPC code the service answered (INVALID_ARGUMENT, NOT_FOUND...), when a service answered. */
  grpcStatus?: string;
  /** Stable for clients to switch on: the service's ErrorInfo reason, or the gateway's own. */
  reason?: string;
  metadata?: Record<string, string>;
  violations?: FieldViolation[];
  requestId?: string;
}

/** A refusal the gateway itself decides (before any service is called). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly extra: Partial<Problem> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: "Yêu cầu không hợp lệ / Bad request",
  401: "Chưa xác thực / Unauthenticated",
  403: "Không có quyền / Forbidden",
  404: "Không tìm thấy / Not found",
  405: "Phương thức không được hỗ trợ / Method not allowed",
  406: "Không có định dạng phù hợp / Not acceptable",
  409: "Xung đột trạng thái / Conflict",
  412: "Dữ liệu đã thay đổi / Precondition failed",
  413: "Dữ liệu quá lớn / Payload too large",
  415: "Kiểu dữ liệu không được hỗ trợ / Unsupported media type",
  429: "Quá nhiều yêu cầu / Too many requests",
  500: "Lỗi hệ thống / Internal error",
  501: "Chưa hỗ trợ / Not implemented",
  503: "Dịch vụ tạm thời không sẵn sàng / Service unavailable",
  504: "Quá thời gian chờ / Gateway timeout",
};

export function titleOf(httpStatus: number): string {
  return TITLES[httpStatus] ?? (httpStatus >= 500 ? TITLES[500]! : TITLES[400]!);
}

/** The HTTP status for a gRPC code (and, for ABORTED/FAILED_PRECONDITION, its reason). */
export function httpStatusOf(code: number, reason?: string): number {
  switch (code) {
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return 400;
    case status.UNAUTHENTICATED:
      return 401;
    case status.PERMISSION_DENIED:
      return 403;
    case status.NOT_FOUND:
      return 404;
    case status.ALREADY_EXISTS:
      return 409;
    case status.ABORTED:
      // An optimistic-concurrency loss: the caller's expected version (If-Match) is not the current one.
      return reason === "VERSION_CONFLICT" ? 412 : 409;
    case status.FAILED_PRECONDITION:
      return reason === "VERSION_CONFLICT" ? 412 : 409;
    case status.RESOURCE_EXHAUSTED:
      return 429;
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return 503;
    case status.DEADLINE_EXCEEDED:
      return 504;
    case status.UNIMPLEMENTED:
      return 501;
    default:
      return 500;
  }
}

/** snake_case field paths (as services name them) → the JSON names a caller uses: `attachments[0].document_id` → `attachments[0].documentId`. */
export function jsonFieldPath(path: string): string {
  return path.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A failed gRPC call as a problem. */
export function problemFromGrpc(err: ServiceError): Problem {
  const details = decodeStatusDetails(err);
  const reason = details?.errorInfo?.reason || undefined;
  const httpStatus = httpStatusOf(err.code, reason);
  const unexpected = httpStatus === 500;
  const problem: Problem = {
    type: reason ? `${PROBLEM_TYPE_BASE}${reason.toLowerCase().replace(/_/g, "-")}` : "about:blank",
    title: titleOf(httpStatus),
    status: httpStatus,
    // An internal error's text is the service's generic one already; a transport failure's is not for callers.
    detail: unexpected || err.code === status.UNAVAILABLE ? titleOf(httpStatus) : (details?.message ?? err.details),
    grpcStatus: codeName(err.code),
  };
  if (reason) problem.reason = reason;
  const metadata = details?.errorInfo?.metadata;
  if (metadata && Object.keys(metadata).length > 0) problem.metadata = { ...metadata };
  const violations = details?.badRequest?.fieldViolations;
  if (violations?.length) problem.violations = violations.map((v) => ({ field: jsonFieldPath(v.field), description: v.description }));
  return problem;
}

export function problemOf(httpStatus: number, reason: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${reason.toLowerCase().replace(/_/g, "-")}`,
    title: titleOf(httpStatus),
    status: httpStatus,
    detail,
    reason,
    ...extra,
  };
}

/** The OpenAPI schema of a problem response. */
export const problemSchema = {
  $id: "Problem",
  type: "object",
  description: "RFC 9457 problem details",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    grpcStatus: { type: "string" },
    reason: { type: "string" },
    metadata: { type: "object", additionalProperties: { type: "string" } },
    violations: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" }, description: { type: "string" } },
        required: ["field", "description"],
      },
    },
    requestId: { type: "string" },
  },
  required: ["type", "title", "status"],
} as const;
