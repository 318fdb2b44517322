/**
 * The ops page's data API, for operators only (role `ops` or `admin`; everyone else gets 403):
 * GET /v1/ops/overview, and the dead letters of each service: list, replay, discard.
 */
import { hasRole, runInRequestScope } from "@ministry/platform";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpProblem } from "../http/problem.js";
import type { Collector } from "./collector.js";
import { deadLetterJson, OPERATED_SERVICES, type DeadLetterClients, type OperatedService } from "./dead-letters.js";
import { buildOverview } from "./overview.js";
import { deadLetterSchema, overviewSchema, problemRef } from "./schemas.js";

export interface OpsRoutesOptions {
  collector: Collector;
  deadLetters: DeadLetterClients;
  deadlineMs: number;
}

const TAG = "ops";
const ERRORS = {
  401: problemRef("Chưa đăng nhập / No valid bearer token"),
  403: problemRef("Không phải cán bộ vận hành / Not an operator"),
};
const BAD = problemRef("Yêu cầu không hợp lệ / Bad request");
const MISSING = problemRef("Không có thư chết này / No such dead letter");
const SERVICE_PARAM = { type: "string", enum: [...OPERATED_SERVICES], description: "Dịch vụ / Service" } as const;
const ID_PARAM = { type: "string", minLength: 1, maxLength: 100, description: "Mã thư chết / Dead letter id" } as const;

/** The operator calling, or 403. The auth hook has already refused a request without a valid token. */
function operator(req: FastifyRequest) {
  const caller = req.caller;
  if (!caller) throw new HttpProblem(401, "TOKEN_MISSING", "Cần đăng nhập / Sign-in required");
  if (!hasRole(caller.identity, "ops", "admin"))
    throw new HttpProblem(
      403,
      "OPERATORS_ONLY",
      "Chỉ cán bộ vận hành hoặc quản trị được xem trang này / Only operators (role ops or admin) may use the ops API",
    );
  return caller;
}

/** Before validation, so a non-operator learns nothing about the routes' parameters. */
async function checkOperator(req: FastifyRequest): Promise<void> {
  operator(req);
}

export function registerOpsRoutes(app: FastifyInstance, opts: OpsRoutesOptions): void {
  const { collector, deadLetters } = opts;
  const asOperator = <T>(req: FastifyRequest, fn: () => Promise<T>): Promise<T> => {
    const caller = operator(req);
    return runInRequestScope({ identity: caller.identity, token: caller.token, deadline: Date.now() + opts.deadlineMs }, fn);
  };

  app.get(
    "/v1/ops/overview",
    {
      preValidation: checkOperator,
      schema: {
        operationId: "opsOverview",
        tags: [TAG],
        summary: "Tổng quan vận hành / Operations overview",
        description:
          "Mỗi dịch vụ: sức khỏe, phiên bản, số yêu cầu/giây, tỷ lệ lỗi, p99 (trong phút vừa qua); sự kiện theo loại; outbox; hàng đợi; thư chết; chỉ số nghiệp vụ; chuỗi số liệu cho biểu đồ (30 phút). / Every service's health, version, request rate, error ratio and p99 over the last minute; events per minute by type; outbox backlog and age; consumer pending; dead letters; domain gauges; chart series over the last 30 minutes. Read from the services' /healthz, /readyz and /metrics.",
        security: [{ bearerAuth: [] }],
        response: { 200: overviewSchema, ...ERRORS },
      },
    },
    async () => buildOverview(collector),
  );

  app.get(
    "/v1/ops/dead-letters",
    {
      preValidation: checkOperator,
      schema: {
        operationId: "opsListDeadLetters",
        tags: [TAG],
        summary: "Danh sách thư chết / List dead letters",
        description:
          "Sự kiện mà một consumer không xử lý được. Không ghi `service`: trang đầu của mọi dịch vụ. / Events a consumer gave up on. Without `service`: the first page of every service.",
        security: [{ bearerAuth: [] }],
        querystring: {
          type: "object",
          properties: {
            service: SERVICE_PARAM,
            consumer: { type: "string", maxLength: 200, description: "e.g. tasks-MEETINGS" },
            stream: { type: "string", maxLength: 100, description: "e.g. MEETINGS" },
            pageSize: { type: "integer", minimum: 0, maximum: 500 },
            pageToken: { type: "string", maxLength: 1000 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              deadLetters: { type: "array", items: deadLetterSchema },
              nextPageToken: { type: "string" },
              totalSize: { type: "integer", description: "-1 when not counted" },
            },
            required: ["deadLetters", "nextPageToken", "totalSize"],
          },
          400: BAD,
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const q = req.query as { service?: OperatedService; consumer?: string; stream?: string; pageSize?: number; pageToken?: string };
      return asOperator(req, async () => {
        const page = { pageSize: q.pageSize ?? 50, pageToken: q.pageToken ?? "" };
        const services = q.service ? [q.service] : [...OPERATED_SERVICES];
        const answers = await Promise.all(
          services.map(async (s) => ({ service: s, res: await deadLetters.list(s, page, { consumer: q.consumer, stream: q.stream }) })),
        );
        return {
          deadLetters: answers.flatMap(({ service, res }) => res.deadLetters.map((d) => deadLetterJson(service, d))),
          nextPageToken: q.service ? (answers[0]?.res.page?.nextPageToken ?? "") : "",
          totalSize: answers.reduce((n, { res }) => {
            const t = Number(res.page?.totalSize ?? -1);
            return n < 0 || t < 0 ? -1 : n + t;
          }, 0),
        };
      });
    },
  );

  app.post(
    "/v1/ops/dead-letters/:service/:id/replay",
    {
      preValidation: checkOperator,
      schema: {
        operationId: "opsReplayDeadLetter",
        tags: [TAG],
        summary: "Xử lý lại thư chết / Replay a dead letter",
        description:
          "Giao lại sự kiện cho consumer đã bỏ nó. Thành công: thư chết được xóa. Thất bại: thư chết còn đó, thêm một lần thử. / Hands the event to the consumer that failed it again. Success removes the dead letter; a failure keeps it and adds the attempt.",
        security: [{ bearerAuth: [] }],
        params: { type: "object", properties: { service: SERVICE_PARAM, id: ID_PARAM }, required: ["service", "id"] },
        response: {
          200: {
            type: "object",
            properties: {
              replayed: { type: "boolean" },
              error: { type: "string", description: "Why the replay failed; empty when replayed" },
            },
            required: ["replayed", "error"],
          },
          400: BAD,
          404: MISSING,
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { service, id } = req.params as { service: OperatedService; id: string };
      return asOperator(req, async () => {
        const res = await deadLetters.replay(service, id);
        return { replayed: res.replayed, error: res.error };
      });
    },
  );

  app.post(
    "/v1/ops/dead-letters/:service/:id/discard",
    {
      preValidation: checkOperator,
      schema: {
        operationId: "opsDiscardDeadLetter",
        tags: [TAG],
        summary: "Hủy thư chết / Discard a dead letter",
        description: "Xóa hẳn thư chết, có ghi nhật ký lý do. / Removes the dead letter for good, audited with the reason.",
        security: [{ bearerAuth: [] }],
        params: { type: "object", properties: { service: SERVICE_PARAM, id: ID_PARAM }, required: ["service", "id"] },
        body: {
          type: "object",
          properties: { reason: { type: "string", minLength: 1, maxLength: 2000, description: "Lý do / Why" } },
          required: ["reason"],
          additionalProperties: false,
        },
        response: {
          200: { type: "object", properties: { discarded: { type: "boolean" } }, required: ["discarded"] },
          400: BAD,
          404: MISSING,
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { service, id } = req.params as { service: OperatedService; id: string };
      const { reason } = req.body as { reason: string };
      return asOperator(req, async () => {
        await deadLetters.discard(service, id, reason);
        return { discarded: true };
      });
    },
  );
}
