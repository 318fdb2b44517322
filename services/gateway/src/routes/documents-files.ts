/**
 * A draft's new version uploaded as the file itself, and an attachment downloaded as the file itself.
 * Both RPCs are streams, which the declarative bridge does not serve: the upload's body is read as it
 * arrives and forwarded in chunks (never the whole file in memory), the download's chunks are written
 * to the response as they come, with the attachment's name, type, size and SHA-256 as headers.
 */
import { create, toBinary, fromBinary, toJson, type DescMethod } from "@bufbuild/protobuf";
import { Metadata, type ClientReadableStream, type ClientWritableStream, type ServiceError } from "@grpc/grpc-js";
import { runInRequestScope } from "@ministry/platform";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServiceClients } from "../contracts/clients.js";
import { refTo } from "../contracts/json-schema.js";
import { methodByPath } from "../contracts/registry.js";
import { contentDisposition, isServiceError } from "../http/bridge.js";
import { HttpProblem, problemFromGrpc, type FieldViolation } from "../http/problem.js";

const UPLOAD = "ministry.documents.v1.DocumentService/UploadVersion";
const DOWNLOAD = "ministry.documents.v1.DocumentService/DownloadAttachment";
/** Size of the chunks sent to the service: small enough to keep memory flat, large enough to be cheap. */
const CHUNK_BYTES = 64 * 1024;
const MAX_ID = 128;
const MAX_FILE_NAME = 255;

export interface DocumentFilesOptions {
  clients: ServiceClients;
  /** Largest upload accepted. */
  uploadLimitBytes: number;
  /** Deadline of an upload or a download. */
  deadlineMs: number;
}

type Client = Record<string, (...args: unknown[]) => unknown>;

export function documentFilesPlugin(app: FastifyInstance, opts: DocumentFilesOptions): void {
  // Its own scope, so the raw-body parser applies to the upload only; every other route keeps JSON.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body is left unread here: the handler streams it. ("" satisfies the documented binary body schema.)
    scope.addContentTypeParser("*", (_req, _payload, done) => done(null, ""));
    uploadRoute(scope, opts);
  });
  downloadRoute(app, opts);
}

const problemResponses = {
  400: problemRef("Yêu cầu không hợp lệ / Bad request"),
  404: problemRef("Không tìm thấy / Not found"),
};

function problemRef(description: string) {
  return { description, content: { "application/problem+json": { schema: { $ref: "Problem#" } } } };
}

function uploadRoute(scope: FastifyInstance, opts: DocumentFilesOptions): void {
  const method = methodByPath(UPLOAD);
  const attachment = method.output.fields.find((f) => f.jsonName === "attachment");
  const limitMb = Math.round((opts.uploadLimitBytes / 1_048_576) * 10) / 10;
  scope.post(
    "/v1/documents/:id/versions",
    {
      schema: {
        tags: ["documents"],
        summary: "Tải lên phiên bản dự thảo / Upload a new version of a draft",
        description: [
          "The body is the file itself (not JSON), its media type in `Content-Type` (application/pdf, DOCX...).",
          "The file name in `?fileName=` or a `Content-Disposition: attachment; filename*=UTF-8''...` header.",
          `At most ${limitMb} MiB (413 beyond). Send \`Idempotency-Key\` to make a retry safe.`,
          `gRPC: \`${UPLOAD}\` (client stream).`,
        ].join(" "),
        operationId: "uploadVersion",
        security: [{ bearerAuth: [] }],
        params: {
          type: "object",
          properties: { id: { type: "string", minLength: 1, maxLength: MAX_ID } },
          required: ["id"],
        },
        querystring: {
          type: "object",
          properties: { fileName: { type: "string", minLength: 1, maxLength: MAX_FILE_NAME } },
          additionalProperties: false,
        },
        headers: {
          type: "object",
          properties: {
            "idempotency-key": { type: "string", minLength: 1, maxLength: 128 },
            "content-disposition": { type: "string", maxLength: 1024 },
          },
        },
        body: { content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
        response: {
          201: {
            description: "The stored version",
            content: { "application/json": { schema: { type: "object", properties: { attachment: refTo(attachment!.message!) } } } },
          },
          ...problemResponses,
          413: problemRef("Tệp quá lớn / The file is larger than the limit"),
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const fileName = fileNameOf(req);
      const contentType = mediaTypeOf(req.headers["content-type"]);
      const violations: FieldViolation[] = [];
      if (!fileName)
        violations.push({
          field: "fileName",
          description: "Cần tên tệp (?fileName= hoặc Content-Disposition) / The file name is required (?fileName= or Content-Disposition)",
        });
      else if (fileName.length > MAX_FILE_NAME)
        violations.push({ field: "fileName", description: `Tên tệp quá dài / At most ${MAX_FILE_NAME} characters` });
      if (!contentType) violations.push({ field: "Content-Type", description: "Cần kiểu tệp / The file's media type is required" });
      if (violations.length)
        throw new HttpProblem(400, "VALIDATION_FAILED", "Yêu cầu không hợp lệ / The request is not valid", { violations });
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > opts.uploadLimitBytes) throw tooLarge(opts.uploadLimitBytes);

      const deadline = Date.now() + opts.deadlineMs;
      const metadata = new Metadata();
      metadata.set("x-request-id", req.id);
      const client = opts.clients.client(method.parent) as unknown as Client;
      let call!: ClientWritableStream<Buffer>;
      const answer = new Promise<Buffer>((resolve, reject) => {
        call = runInRequestScope({ identity: req.caller?.identity, token: req.caller?.token, deadline }, () =>
          client[method.name]!.call(client, metadata, { deadline: new Date(deadline) }, (err: ServiceError | null, res?: Buffer) =>
            err ? reject(err) : resolve(res!),
          ),
        ) as ClientWritableStream<Buffer>;
      });
      let settled = false;
      answer.then(
        () => (settled = true),
        () => (settled = true),
      );
      const header = { requestId: String(req.headers["idempotency-key"] ?? ""), documentId: id, fileName, contentType };
      const send = async (part: object): Promise<void> => {
        const bytes = Buffer.from(toBinary(method.input, create(method.input, { part } as never)));
        // Back-pressure: wait for the service to take what was sent, or for its answer (a refusal).
        if (!call.write(bytes)) await Promise.race([new Promise((r) => call.once("drain", r)), answer.catch(() => {})]);
      };
      let complete = false;
      try {
        await send({ case: "header", value: header });
        let total = 0;
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        // Not destroyed on an early stop, so the problem answer can still be written on its socket.
        for await (const piece of req.raw.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          if (settled) break;
          total += piece.length;
          if (total > opts.uploadLimitBytes) throw tooLarge(opts.uploadLimitBytes);
          pending.push(piece);
          pendingBytes += piece.length;
          while (pendingBytes >= CHUNK_BYTES && !settled) {
            const all = Buffer.concat(pending);
            await send({ case: "chunk", value: all.subarray(0, CHUNK_BYTES) });
            pending = [all.subarray(CHUNK_BYTES)];
            pendingBytes = all.length - CHUNK_BYTES;
          }
        }
        complete = req.raw.readableEnded;
        if (pendingBytes > 0 && !settled) await send({ case: "chunk", value: Buffer.concat(pending) });
        call.end();
        const message = fromBinary(method.output, await answer);
        const json = toJson(method.output, message, { alwaysEmitImplicit: true }) as { attachment?: { id?: string } };
        if (json.attachment?.id)
          reply.header("location", `/v1/documents/${encodeURIComponent(id)}/attachments/${encodeURIComponent(json.attachment.id)}/content`);
        reply.code(201);
        return json;
      } catch (err) {
        if (!settled) call.cancel();
        if (!complete && !req.raw.readableEnded) {
          // The rest of the body is not wanted: the connection closes once the problem is sent.
          reply.header("connection", "close");
          req.raw.resume();
        }
        throw isServiceError(err) ? withHttpFieldNames(err, UPLOAD_FIELDS) : err;
      }
    },
  );
}

function downloadRoute(app: FastifyInstance, opts: DocumentFilesOptions): void {
  const method = methodByPath(DOWNLOAD);
  app.get(
    "/v1/documents/:id/attachments/:attachmentId/content",
    {
      schema: {
        tags: ["documents"],
        summary: "Tải tệp đính kèm / Download an attachment",
        description: `The file itself, with its name (Content-Disposition), media type, size and SHA-256 (\`ETag\` in hex, \`Repr-Digest\`). gRPC: \`${DOWNLOAD}\` (server stream).`,
        operationId: "downloadAttachment",
        security: [{ bearerAuth: [] }],
        params: {
          type: "object",
          properties: {
            id: { type: "string", minLength: 1, maxLength: MAX_ID },
            attachmentId: { type: "string", minLength: 1, maxLength: MAX_ID },
          },
          required: ["id", "attachmentId"],
        },
        response: {
          200: { description: "The file", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const { id, attachmentId } = req.params as { id: string; attachmentId: string };
      const deadline = Date.now() + opts.deadlineMs;
      const metadata = new Metadata();
      metadata.set("x-request-id", req.id);
      const request = Buffer.from(toBinary(method.input, create(method.input, { documentId: id, attachmentId } as never)));
      const client = opts.clients.client(method.parent) as unknown as Client;
      const call = runInRequestScope({ identity: req.caller?.identity, token: req.caller?.token, deadline }, () =>
        client[method.name]!.call(client, request, metadata, { deadline: new Date(deadline) }),
      ) as ClientReadableStream<Buffer>;
      try {
        const first = await firstMessage(call, method);
        return streamFile(reply, call, method, first);
      } catch (err) {
        call.cancel();
        throw isServiceError(err) ? withHttpFieldNames(err, DOWNLOAD_FIELDS) : err;
      }
    },
  );
}

interface Part {
  part:
    | { case: "attachment"; value: { fileName: string; contentType: string; size: bigint; sha256: string } }
    | { case: "chunk"; value: Uint8Array }
    | { case: undefined };
}

/** The first message, or the failure that came instead: until then the answer can still be a problem. */
function firstMessage(call: ClientReadableStream<Buffer>, method: DescMethod): Promise<Part | undefined> {
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      done();
      call.pause();
      resolve(fromBinary(method.output, b) as unknown as Part);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onEnd = () => {
      done();
      resolve(undefined);
    };
    const done = () => {
      call.off("data", onData).off("error", onError).off("end", onEnd);
    };
    call.on("data", onData).on("error", onError).on("end", onEnd);
  });
}

function streamFile(reply: FastifyReply, call: ClientReadableStream<Buffer>, method: DescMethod, first: Part | undefined) {
  const info = first?.part.case === "attachment" ? first.part.value : undefined;
  reply
    .code(200)
    .header("content-type", info?.contentType || "application/octet-stream")
    .header("content-disposition", contentDisposition(info?.fileName || "download"))
    .header("cache-control", "private, no-store");
  if (info) {
    reply.header("content-length", String(info.size));
    if (/^[0-9a-f]{64}$/.test(info.sha256))
      reply.header("etag", `"${info.sha256}"`).header("repr-digest", `sha-256=:${Buffer.from(info.sha256, "hex").toString("base64")}:`);
  }
  const body = new PassThrough();
  if (first?.part.case === "chunk") body.write(first.part.value);
  call.on("data", (b: Buffer) => {
    const m = fromBinary(method.output, b) as unknown as Part;
    if (m.part.case === "chunk" && !body.write(m.part.value)) {
      call.pause();
      body.once("drain", () => call.resume());
    }
  });
  call.on("end", () => body.end());
  // After the first byte a failure can no longer be a problem answer: fastify cuts the response short,
  // and the client sees fewer bytes than Content-Length (and a SHA-256 that does not match).
  call.on("error", (err) => body.destroy(err));
  // The client went away: stop reading the file.
  body.on("close", () => {
    if (!body.writableFinished) call.cancel();
  });
  call.resume();
  return reply.send(body);
}

function tooLarge(limit: number): HttpProblem {
  const mb = Math.round((limit / 1_048_576) * 10) / 10;
  return new HttpProblem(413, "UPLOAD_TOO_LARGE", `Tệp vượt quá giới hạn ${mb} MB / The file is larger than the limit of ${mb} MB`, {
    violations: [{ field: "body", description: `at most ${limit} bytes` }],
  });
}

/** The file name from `?fileName=`, else Content-Disposition (`filename*` in UTF-8 first, as RFC 6266 says). */
function fileNameOf(req: FastifyRequest): string {
  const fromQuery = (req.query as { fileName?: string }).fileName;
  if (fromQuery) return fromQuery.trim();
  const header = req.headers["content-disposition"];
  if (typeof header !== "string") return "";
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim()).trim();
    } catch {
      // a malformed encoding: fall back to the plain name
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header);
  return (plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2] ?? "").trim();
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The service's field names for the upload's parts, as an HTTP caller names them. */
const UPLOAD_FIELDS: Record<string, string> = {
  "header.fileName": "fileName",
  fileName: "fileName",
  "header.contentType": "Content-Type",
  contentType: "Content-Type",
  "header.documentId": "id",
  documentId: "id",
  content: "body",
  chunk: "body",
};
const DOWNLOAD_FIELDS: Record<string, string> = { documentId: "id", attachmentId: "attachmentId" };

/** A service's refusal as a problem whose violations name the path, query and header fields the caller sent. */
function withHttpFieldNames(err: ServiceError, names: Record<string, string>): HttpProblem | ServiceError {
  const p = problemFromGrpc(err);
  if (!p.violations?.length) return err;
  return new HttpProblem(p.status, p.reason ?? p.grpcStatus ?? "INVALID_ARGUMENT", p.detail ?? p.title, {
    type: p.type,
    grpcStatus: p.grpcStatus,
    ...(p.metadata ? { metadata: p.metadata } : {}),
    violations: p.violations.map((v) => ({ field: names[v.field] ?? v.field, description: v.description })),
  });
}
