/**
 * `GET /v1/me/events`: the caller's notifications as server-sent events, fed by the notifications
 * service's live stream. Each event's id is the notification's id, so a browser's EventSource that
 * reconnects sends it back as Last-Event-ID and the stream resumes after it: what arrived while the
 * client was away comes first, then live ones, nothing missed and nothing twice.
 *
 * EventSource cannot set headers, so the token may come as `access_token` in the query (this route
 * only; the gateway never logs URLs with their query). The stream ends when the token expires, and the
 * client reconnects with a fresh one from where it was.
 */
import { fromBinary, toBinary, create, toJson } from "@bufbuild/protobuf";
import { Metadata, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { runInRequestScope, type Logger } from "@ministry/platform";
import type { FastifyInstance } from "fastify";
import { decodeJwt } from "jose";
import type { ServiceClients } from "./contracts/clients.js";
import { methodByPath } from "./contracts/registry.js";
import { isServiceError } from "./http/bridge.js";
import { HttpProblem, problemFromGrpc } from "./http/problem.js";

const RPC = "ministry.notifications.v1.NotificationService/StreamNotifications";
const GET_RPC = "ministry.notifications.v1.NotificationService/GetNotification";
/** Deadline of the check of a Last-Event-ID before the stream opens. */
const CHECK_DEADLINE_MS = 10_000;
const HEARTBEAT_MS = 15_000;
const EVENT_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export interface EventsOptions {
  clients: ServiceClients;
  maxStreams: number;
  /** Streams one person may hold at once (a tab each, a few devices); more is a client that leaks them. */
  maxStreamsPerUser: number;
  log: Logger;
  heartbeatMs?: number;
}

export function eventsPlugin(app: FastifyInstance, opts: EventsOptions): void {
  const method = methodByPath(RPC);
  const getMethod = methodByPath(GET_RPC);
  let open = 0;
  const openBy = new Map<string, number>();
  app.get(
    "/v1/me/events",
    {
      schema: {
        tags: ["notifications"],
        summary: "Thông báo trực tiếp (SSE) / Live notifications (server-sent events)",
        description:
          "`text/event-stream`: one `notification` event per new notification of the caller (data: `{notification, unreadCount}`), id = the notification's id. Reconnect with `Last-Event-ID` (EventSource does it) to resume after it. The token may be given as `access_token` in the query for EventSource.",
        security: [{ bearerAuth: [] }],
        querystring: {
          type: "object",
          properties: { access_token: { type: "string", maxLength: 8192 }, lastEventId: { type: "string", pattern: EVENT_ID.source } },
          additionalProperties: false,
        },
        response: { 200: { description: "An event stream", content: { "text/event-stream": { schema: { type: "string" } } } } },
      },
    },
    async (req, reply) => {
      const caller = req.caller!;
      const header = req.headers["last-event-id"];
      const after = typeof header === "string" && header ? header : ((req.query as { lastEventId?: string }).lastEventId ?? "");
      if (after && !EVENT_ID.test(after))
        throw new HttpProblem(400, "VALIDATION_FAILED", "Last-Event-ID không hợp lệ / Last-Event-ID is not a notification id", {
          violations: [{ field: "Last-Event-ID", description: "not a notification id" }],
        });
      if (open >= opts.maxStreams)
        throw new HttpProblem(
          503,
          "TOO_MANY_STREAMS",
          "Quá nhiều kết nối trực tiếp / Too many live streams open",
          {},
          { "retry-after": "10" },
        );

      const user = caller.identity.userId;
      if ((openBy.get(user) ?? 0) >= opts.maxStreamsPerUser)
        throw new HttpProblem(
          429,
          "TOO_MANY_STREAMS",
          `Đã mở ${opts.maxStreamsPerUser} kết nối trực tiếp; đóng bớt rồi thử lại / ${opts.maxStreamsPerUser} live streams already open for you; close one and retry`,
          {},
          { "retry-after": "10" },
        );

      const metadata = new Metadata();
      metadata.set("x-request-id", req.id);
      // A Last-Event-ID that is not one of the caller's notifications is refused as a problem answer
      // (404, exactly as a missing one) before the stream starts: once the 200 is sent it could only
      // come as an error event, and EventSource would reconnect with the same id every few seconds.
      if (after) {
        const deadline = Date.now() + CHECK_DEADLINE_MS;
        const check = toBinary(getMethod.input, create(getMethod.input, { id: after } as never));
        await runInRequestScope({ identity: caller.identity, token: caller.token, deadline }, () =>
          opts.clients.unary(getMethod, check, metadata.clone(), new Date(deadline)),
        );
        // The client may have left while it was checked: no stream for nobody.
        if (req.raw.destroyed || reply.raw.destroyed) {
          reply.hijack();
          return;
        }
      }
      const request = toBinary(method.input, create(method.input, { afterId: after } as never));
      const client = opts.clients.client(method.parent) as unknown as Record<
        string,
        (r: Buffer, m: Metadata, o: object) => ClientReadableStream<Buffer>
      >;
      const call = runInRequestScope({ identity: caller.identity, token: caller.token, deadline: Number.POSITIVE_INFINITY }, () =>
        client[method.name]!.call(client, Buffer.from(request), metadata, {}),
      );

      // From here on the answer is a stream: a later failure of the service comes as an `error` event.
      open++;
      openBy.set(user, (openBy.get(user) ?? 0) + 1);
      reply.hijack();
      const res = reply.raw;
      let ended = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = () => {
        if (ended) return;
        ended = true;
        open--;
        const left = (openBy.get(user) ?? 1) - 1;
        if (left > 0) openBy.set(user, left);
        else openBy.delete(user);
        for (const t of timers) clearTimeout(t);
        call.cancel();
        if (!res.writableEnded) res.end();
      };
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 3000\n: connected\n\n");
      const heartbeat = setInterval(() => res.write(": ping\n\n"), opts.heartbeatMs ?? HEARTBEAT_MS);
      timers.push(heartbeat);
      const exp = decodeJwt(caller.token).exp;
      if (exp) {
        const ms = exp * 1000 - Date.now();
        timers.push(
          setTimeout(
            () => {
              res.write(`event: token-expired\ndata: {}\n\n`);
              finish();
            },
            Math.min(Math.max(ms, 0), 2 ** 31 - 1),
          ),
        );
      }
      call.on("data", (chunk: Buffer) => {
        const message = fromBinary(method.output, chunk) as unknown as { notification?: { id: string } };
        const json = toJson(method.output, message as never, { alwaysEmitImplicit: true });
        const id = message.notification?.id;
        res.write(`${id ? `id: ${id}\n` : ""}event: notification\ndata: ${JSON.stringify(json)}\n\n`);
      });
      call.on("error", (err: ServiceError) => {
        if (!ended && isServiceError(err) && err.code !== 1 /* CANCELLED by us */) {
          const problem = problemFromGrpc(err);
          res.write(`event: error\ndata: ${JSON.stringify({ ...problem, requestId: req.id })}\n\n`);
          if (problem.status >= 500) opts.log.warn({ reqId: req.id, grpcStatus: problem.grpcStatus }, "live stream ended by the service");
        }
        finish();
      });
      call.on("end", finish);
      // The response's close is the connection's (the request's may come earlier, once its body is read).
      res.on("close", finish);
      req.raw.on("close", finish);
    },
  );
}
