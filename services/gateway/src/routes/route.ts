/**
 * A route of the HTTP/JSON API: a resource path and verb for one gRPC method. The request message is
 * filled from the path parameters, then the query string (GET, DELETE) or the JSON body (POST, PUT,
 * PATCH); the response message is the JSON answer. The schemas of both come from the contracts.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteSpec {
  method: HttpMethod;
  /** fastify syntax: "/v1/tasks/:id/progress". A parameter fills the request field of its name (JSON name) unless `params` maps it. */
  path: string;
  /** "ministry.tasks.v1.TaskService/RecordProgress" */
  rpc: string;
  /** One line for the docs page (Vietnamese / English). */
  summary: string;
  description?: string;
  /** Path parameter → request field path in JSON names ("meetingId", "page.pageToken"), where the names differ. */
  params?: Record<string, string>;
  /** Friendlier query names → request field path ("unit" → "unitId"). The request's own field names are accepted as well. */
  query?: Record<string, string>;
  /** 200 unless given (201 for a create). */
  status?: 200 | 201 | 202;
  /** The answer is a file: the response fields holding its bytes, its file name and its media type. */
  download?: { content: string; filename: string; contentType: string };
  /** Deadline of the gRPC call; default GRPC_DEADLINE_MS (exports: EXPORT_DEADLINE_MS). */
  deadlineMs?: number;
  /** Largest request body, for imports; default BODY_LIMIT_BYTES. */
  bodyLimit?: number;
}

/** The routes of one service, for the docs page's grouping. */
export interface RouteGroup {
  /** The tag on the docs page. */
  tag: string;
  description: string;
  routes: RouteSpec[];
}
