/**
 * HTTP → gRPC for one route: the request message built from the path, the query or body, and two
 * standard headers (Idempotency-Key → request_id, If-Match → expected_version), encoded with the
 * contracts' descriptors, sent with a deadline as the caller, and the answer returned as proto3 JSON
 * (every field present, so a portal sees a stable shape) or, for an export, as the file itself.
 */
import {
  fromJson,
  toBinary,
  fromBinary,
  toJson,
  type DescField,
  type DescMessage,
  type DescMethod,
  type JsonObject,
} from "@bufbuild/protobuf";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { fieldSchema, refTo, scalarSchema, shortEnumNames, wellKnown, type JsonSchema } from "../contracts/json-schema.js";
import { methodByPath } from "../contracts/registry.js";
import type { ServiceClients } from "../contracts/clients.js";
import type { RouteSpec } from "../routes/route.js";
import { HttpProblem } from "./problem.js";

export interface BridgeOptions {
  clients: ServiceClients;
  deadlineMs: number;
  exportDeadlineMs: number;
  bodyLimit: number;
}

/** Query names every list route accepts, for its page request. */
const PAGE_ALIASES: Record<string, string> = { pageSize: "page.pageSize", pageToken: "page.pageToken" };

interface QueryField {
  /** Path of JSON names into the request. */
  path: string[];
  /** Lower-case short enum names → full names, for enum fields. */
  enumNames?: Map<string, string>;
}

export interface BuiltRoute {
  spec: RouteSpec;
  method: DescMethod;
  tag: string;
}

/** Registers `spec` on `app` (the schemas of its messages must have been added with `messageSchemas`). */
export function registerRpcRoute(app: FastifyInstance, spec: RouteSpec, tag: string, opts: BridgeOptions): BuiltRoute {
  const method = methodByPath(spec.rpc);
  if (method.methodKind !== "unary") throw new Error(`${spec.rpc} is not unary: give it its own handler`);
  const input = method.input;
  const pathParams = [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const paramTargets = new Map(pathParams.map((p) => [p, (spec.params?.[p] ?? p).split(".")]));
  for (const [p, target] of paramTargets) {
    if (!resolveField(input, target)) throw new Error(`${spec.method} ${spec.path}: parameter ${p} names no field of ${input.typeName}`);
  }
  // A parameter that fills a repeated field (`/v1/me/notifications/:id/read` → `ids`) stands for a one-element list.
  const listParams = new Set([...paramTargets].filter(([, t]) => resolveField(input, t)?.fieldKind === "list").map(([p]) => p));
  const boundByPath = new Set([...paramTargets.values()].map((t) => t[0]!));
  const hasBody = spec.method === "POST" || spec.method === "PUT" || spec.method === "PATCH";
  const queryFields = hasBody ? new Map<string, QueryField>() : queryFieldsOf(input, boundByPath, spec.query ?? {});
  const requestIdField = input.fields.find((f) => f.name === "request_id" && f.fieldKind === "scalar");
  const versionField = input.fields.find((f) => f.name === "expected_version" && f.fieldKind === "scalar");
  const deadlineMs = spec.deadlineMs ?? (spec.download ? opts.exportDeadlineMs : opts.deadlineMs);

  const schema: Record<string, unknown> = {
    tags: [tag],
    summary: spec.summary,
    description: spec.description ?? `gRPC: \`${spec.rpc}\``,
    operationId: lowerFirst(method.name),
    security: [{ bearerAuth: [] }],
    params: pathParams.length
      ? {
          type: "object",
          properties: Object.fromEntries(pathParams.map((p) => [p, { type: "string", minLength: 1, maxLength: 200 }])),
          required: pathParams,
        }
      : undefined,
    querystring: hasBody ? undefined : querySchema(input, queryFields),
    body: hasBody ? refTo(input) : undefined,
    headers: {
      type: "object",
      properties: {
        ...(requestIdField ? { "idempotency-key": { type: "string", minLength: 1, maxLength: 128 } } : {}),
        ...(versionField ? { "if-match": { type: "string", pattern: '^(W/)?"?[0-9]{1,10}"?$' } } : {}),
      },
    },
    response: spec.download
      ? {
          200: {
            description: `The file (${spec.download.contentType})`,
            content: { [spec.download.contentType]: { schema: { type: "string", format: "binary" } } },
          },
        }
      : { [spec.status ?? 200]: refTo(method.output) },
  };

  // fastify warns about a part named with no schema: leave out the parts this route does not have.
  for (const key of Object.keys(schema)) if (schema[key] === undefined) delete schema[key];
  app.route({
    method: spec.method,
    url: spec.path,
    schema,
    bodyLimit: spec.bodyLimit ?? opts.bodyLimit,
    config: { rpc: spec.rpc },
    // A command with nothing to say beyond its path (POST /v1/meetings/{id}/start) may send no body at all.
    preValidation: async (req: FastifyRequest) => {
      if (hasBody && (req.body === undefined || req.body === null)) req.body = {};
    },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const json: JsonObject = hasBody && req.body && typeof req.body === "object" ? { ...(req.body as JsonObject) } : {};
      const params = (req.params ?? {}) as Record<string, string>;
      for (const [p, target] of paramTargets) {
        const value = listParams.has(p) ? [params[p]!] : params[p]!;
        const given = getPath(json, target);
        if (given !== undefined && JSON.stringify(given) !== JSON.stringify(value))
          throw new HttpProblem(400, "PATH_BODY_MISMATCH", `"${target.join(".")}" in the body differs from the path`, {
            violations: [{ field: target.join("."), description: "differs from the path / khác với đường dẫn" }],
          });
        setPath(json, target, value);
      }
      if (!hasBody) {
        for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
          const q = queryFields.get(name);
          if (!q || value === undefined) continue;
          const mapped = q.enumNames ? mapEnum(value, q.enumNames) : value;
          setPath(json, q.path, mapped as never);
        }
      }
      if (requestIdField && json[requestIdField.jsonName] === undefined && req.headers["idempotency-key"])
        json[requestIdField.jsonName] = String(req.headers["idempotency-key"]);
      if (versionField && json[versionField.jsonName] === undefined && req.headers["if-match"])
        json[versionField.jsonName] = Number(String(req.headers["if-match"]).replace(/^W\//, "").replace(/"/g, ""));

      let bytes: Uint8Array;
      try {
        bytes = toBinary(input, fromJson(input, json, { ignoreUnknownFields: false }));
      } catch (err) {
        // What the schema cannot say (a 64-bit number out of range, a malformed timestamp, a bad base64).
        throw new HttpProblem(400, "MALFORMED_REQUEST", err instanceof Error ? err.message : String(err));
      }
      const deadline = Date.now() + deadlineMs;
      const metadata = new Metadata();
      metadata.set("x-request-id", req.id);
      // The caller's token goes in the call's own metadata (the platform's client interceptor then adds
      // none): no AsyncLocalStorage scope per request; the deadline is given to the call itself.
      if (req.caller) metadata.set("authorization", `Bearer ${req.caller.token}`);
      const answer = await opts.clients.unary(method, bytes, metadata, new Date(deadline));
      const message = fromBinary(method.output, answer);
      if (spec.download) return sendFile(reply, method.output, message as never, spec.download);
      reply.code(spec.status ?? 200);
      return toJson(method.output, message, { alwaysEmitImplicit: true });
    },
  });
  return { spec, method, tag };
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === "object" && err !== null && typeof (err as ServiceError).code === "number" && "metadata" in err;
}

function sendFile(
  reply: FastifyReply,
  output: DescMessage,
  message: Record<string, unknown>,
  download: NonNullable<RouteSpec["download"]>,
) {
  // A dotted path of JSON names ("file.content") into the decoded message (whose keys are local names).
  const read = (path: string): unknown => {
    let desc: DescMessage | undefined = output;
    let value: unknown = message;
    for (const part of path.split(".")) {
      const f: DescField | undefined = desc?.fields.find((x) => x.jsonName === part || x.name === part);
      if (!f || !value || typeof value !== "object") return undefined;
      value = (value as Record<string, unknown>)[f.localName];
      desc = f.fieldKind === "message" ? f.message : undefined;
    }
    return value;
  };
  const content = read(download.content) as Uint8Array | undefined;
  const filename = String(read(download.filename) || "download");
  const contentType = String(read(download.contentType) || "application/octet-stream");
  reply
    .code(200)
    .header("content-type", contentType)
    .header("content-disposition", contentDisposition(filename))
    .header("cache-control", "no-store");
  return reply.send(Buffer.from(content ?? new Uint8Array()));
}

/** RFC 6266 with an ASCII fallback and the UTF-8 name (Vietnamese file names). */
export function contentDisposition(filename: string): string {
  const ascii = filename
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function queryFieldsOf(input: DescMessage, bound: Set<string>, aliases: Record<string, string>): Map<string, QueryField> {
  const out = new Map<string, QueryField>();
  const add = (name: string, path: string[], field: DescField) => {
    const en = field.fieldKind === "enum" ? field.enum : field.fieldKind === "list" && field.listKind === "enum" ? field.enum : undefined;
    out.set(name, { path, ...(en ? { enumNames: shortEnumNames(en) } : {}) });
  };
  // Nested messages are flattened with dotted names (`period.quarter.year`), three levels deep at most.
  const walk = (message: DescMessage, prefix: string[]) => {
    for (const f of message.fields) {
      if (prefix.length === 0 && bound.has(f.jsonName)) continue;
      const path = [...prefix, f.jsonName];
      if (queryable(f)) add(path.join("."), path, f);
      else if (f.fieldKind === "message" && !wellKnown(f.message) && path.length < 3) walk(f.message, path);
    }
  };
  walk(input, []);
  for (const [alias, target] of Object.entries({ ...PAGE_ALIASES, ...aliases })) {
    const path = target.split(".");
    const field = resolveField(input, path);
    if (!field) {
      if (alias in PAGE_ALIASES) continue;
      throw new Error(`query alias ${alias} → ${target}: no such field of ${input.typeName}`);
    }
    add(alias, path, field);
  }
  return out;
}

function queryable(f: DescField): boolean {
  if (f.fieldKind === "scalar" || f.fieldKind === "enum") return true;
  if (f.fieldKind === "list") return f.listKind !== "message" || Boolean(wellKnown(f.message));
  return f.fieldKind === "message" && Boolean(wellKnown(f.message)) && f.message.typeName !== "google.protobuf.Struct";
}

function querySchema(input: DescMessage, fields: Map<string, QueryField>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, q] of fields) {
    const field = resolveField(input, q.path)!;
    let schema = fieldSchema(field);
    if (q.enumNames) {
      const values = [...new Set([...q.enumNames.values(), ...q.enumNames.keys()])];
      schema = field.fieldKind === "list" ? { type: "array", items: { type: "string", enum: values } } : { type: "string", enum: values };
    }
    if (field.fieldKind === "scalar" && schema.type && Array.isArray(schema.type)) schema = scalarSchema(field.scalar);
    properties[name] = schema;
  }
  return { type: "object", properties, additionalProperties: false };
}

function resolveField(message: DescMessage, path: string[]): DescField | undefined {
  let current: DescMessage | undefined = message;
  let field: DescField | undefined;
  for (const part of path) {
    if (!current) return undefined;
    field = current.fields.find((f) => f.jsonName === part || f.name === part);
    if (!field) return undefined;
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field;
}

function mapEnum(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => mapEnum(v, names));
  return typeof value === "string" ? (names.get(value.toLowerCase()) ?? value) : value;
}

function getPath(obj: JsonObject, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

function setPath(obj: JsonObject, path: string[], value: JsonObject[string]): void {
  let cur: JsonObject = obj;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    const child: JsonObject = next && typeof next === "object" && !Array.isArray(next) ? { ...(next as JsonObject) } : {};
    cur[p] = child;
    cur = child;
  }
  cur[path[path.length - 1]!] = value;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
