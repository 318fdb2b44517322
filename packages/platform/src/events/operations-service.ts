/**
 * OperationsService over the event stores: list, replay and discard dead letters; list, retry and discard
 * parked outbox records; re-publish a time range of the outbox. `createOperations` gives promise-returning functions that throw typed domain errors
 * (`InvalidArgument` for bad input); `operationsServiceServer` adapts them to the grpc-js handlers the
 * generated `OperationsServiceServer` expects, passing errors on for the shared interceptor to map.
 */
import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type {
  DeadLetter,
  DiscardDeadLetterRequest,
  DiscardDeadLetterResponse,
  DiscardParkedEventRequest,
  DiscardParkedEventResponse,
  ListParkedEventsRequest,
  ListParkedEventsResponse,
  ParkedEvent,
  RetryParkedEventRequest,
  RetryParkedEventResponse,
  ListDeadLettersRequest,
  ListDeadLettersResponse,
  OperationsServiceServer,
  ReplayDeadLetterRequest,
  ReplayDeadLetterResponse,
  RepublishOutboxRequest,
  RepublishOutboxResponse,
} from "@ministry/proto/ministry/platform/v1/operations";
import type { Binary, ClientSession, MongoClient } from "mongodb";
import { FailedPrecondition, InvalidArgument, NotFound, type FieldViolation } from "../errors.js";
import { inTransaction } from "../mongo.js";
import { SYSTEM_ACTOR, type AuditLog } from "./audit.js";
import type { EventConsumer } from "./consumer.js";
import { checkReason, parseDeadLetterId, type DeadLetterRecord, type DeadLetterStore } from "./dead-letters.js";
import { publishedSize } from "./bus.js";
import { toEncodedEvent, type Outbox, type ParkedRecord } from "./outbox.js";

export interface OperationsDeps {
  client: MongoClient;
  deadLetters: DeadLetterStore;
  /** The consumers running in this service; a dead letter is replayed by the one (stream, consumer) that failed it. */
  consumers: EventConsumer[];
  outbox: Outbox;
  audit: AuditLog;
}

export interface OperationsApi {
  listDeadLetters(request: ListDeadLettersRequest, actor?: Actor): Promise<ListDeadLettersResponse>;
  replayDeadLetter(request: ReplayDeadLetterRequest, actor?: Actor): Promise<ReplayDeadLetterResponse>;
  discardDeadLetter(request: DiscardDeadLetterRequest, actor?: Actor): Promise<DiscardDeadLetterResponse>;
  republishOutbox(request: RepublishOutboxRequest, actor?: Actor): Promise<RepublishOutboxResponse>;
  listParkedEvents(request: ListParkedEventsRequest, actor?: Actor): Promise<ListParkedEventsResponse>;
  retryParkedEvent(request: RetryParkedEventRequest, actor?: Actor): Promise<RetryParkedEventResponse>;
  discardParkedEvent(request: DiscardParkedEventRequest, actor?: Actor): Promise<DiscardParkedEventResponse>;
}

function consumerKey(stream: string, consumer: string): string {
  return `${stream}/${consumer}`;
}

function toProto(record: DeadLetterRecord & { _id: { toHexString(): string } }): DeadLetter {
  const data = record.data instanceof Uint8Array ? record.data : (record.data as Binary).value();
  return {
    id: record._id.toHexString(),
    consumer: record.consumer,
    stream: record.stream,
    subject: record.subject,
    eventId: record.eventId,
    eventType: record.eventType,
    error: record.error,
    deliveries: record.deliveries,
    failedAt: record.failedAt,
    firstFailedAt: record.firstFailedAt,
    attempts: (record.attempts ?? []).map((a) => ({ at: a.at, error: a.error, replay: a.replay, by: a.by ?? "" })),
    headers: { ...record.headers },
    data: Buffer.from(data),
  };
}

function toProtoParked(record: ParkedRecord): ParkedEvent {
  return {
    id: record._id.toHexString(),
    eventId: record.eventId,
    eventType: record.type,
    subject: record.subject,
    aggregateId: record.aggregateId,
    createdAt: record.createdAt,
    parkedAt: record.parkedAt,
    reason: record.parkReason,
    sizeBytes: String(publishedSize(toEncodedEvent(record))),
  };
}

function validDate(value: Date | undefined): boolean {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

export function createOperations(deps: OperationsDeps): OperationsApi {
  const consumers = new Map(deps.consumers.map((c) => [consumerKey(c.stream, c.name), c]));
  /** An operator's change to the outbox and its audit record, in one transaction. */
  const audited = <T>(
    actor: Actor,
    action: string,
    id: string,
    work: (session: ClientSession) => Promise<{ result: T; change: Record<string, unknown> }>,
  ): Promise<T> =>
    inTransaction(deps.client, async (session) => {
      const { result, change } = await work(session);
      await deps.audit.record(session, { actor, action, target: { type: "outbox", id }, change });
      return result;
    });
  return {
    async listDeadLetters(request) {
      const page = await deps.deadLetters.list({
        consumer: request.consumer || undefined,
        stream: request.stream || undefined,
        pageSize: request.page?.pageSize ?? 0,
        pageToken: request.page?.pageToken || undefined,
      });
      return { deadLetters: page.items.map(toProto), page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) } };
    },

    async replayDeadLetter(request, actor = SYSTEM_ACTOR) {
      const record = await deps.deadLetters.get(request.id);
      if (!record) throw new NotFound(`Không tìm thấy sự kiện lỗi ${request.id} / Dead letter ${request.id} not found`);
      const consumer = consumers.get(consumerKey(record.stream, record.consumer));
      if (!consumer) {
        throw new FailedPrecondition(
          `Bộ tiếp nhận ${record.consumer} của luồng ${record.stream} không chạy trong dịch vụ này / ` +
            `Consumer ${record.consumer} of stream ${record.stream} does not run in this service`,
          "CONSUMER_NOT_RUNNING",
          { consumer: record.consumer, stream: record.stream },
        );
      }
      const result = await consumer.replayDeadLetter(request.id, actor);
      return { replayed: result.replayed, error: result.error ?? "" };
    },

    async discardDeadLetter(request, actor = SYSTEM_ACTOR) {
      parseDeadLetterId(request.id);
      await deps.deadLetters.discard(deps.client, deps.audit, request.id, request.reason, actor);
      return {};
    },

    async republishOutbox(request, actor = SYSTEM_ACTOR) {
      const violations: FieldViolation[] = [];
      if (!validDate(request.from)) violations.push({ field: "from", description: "Bắt buộc / Required" });
      if (!validDate(request.to)) violations.push({ field: "to", description: "Bắt buộc / Required" });
      if (violations.length === 0 && request.from!.getTime() >= request.to!.getTime())
        violations.push({ field: "to", description: "Phải sau thời điểm bắt đầu / Must be later than from" });
      if (violations.length > 0) throw new InvalidArgument(violations);
      const from = request.from!;
      const to = request.to!;
      const records = await audited(actor, "outbox.republished", `${from.toISOString()}/${to.toISOString()}`, async (session) => {
        const count = await deps.outbox.republish(from, to, session);
        return { result: count, change: { from: from.toISOString(), to: to.toISOString(), records: count } };
      });
      return { records: String(records) };
    },

    async listParkedEvents(request) {
      const page = await deps.outbox.parked({ pageSize: request.page?.pageSize ?? 0, pageToken: request.page?.pageToken || undefined });
      return {
        parkedEvents: page.items.map(toProtoParked),
        page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) },
      };
    },

    async retryParkedEvent(request, actor = SYSTEM_ACTOR) {
      await audited(actor, "outbox.parked_retried", request.id, async (session) => {
        const record = await deps.outbox.retryParked(request.id, session);
        return { result: undefined, change: { eventId: record.eventId, eventType: record.type, parkReason: record.parkReason } };
      });
      return {};
    },

    async discardParkedEvent(request, actor = SYSTEM_ACTOR) {
      checkReason(request.reason);
      await audited(actor, "outbox.parked_discarded", request.id, async (session) => {
        const record = await deps.outbox.discardParked(request.id, session);
        const { eventId, type: eventType, aggregateId, parkReason } = record;
        return { result: undefined, change: { reason: request.reason, eventId, eventType, aggregateId, parkReason } };
      });
      return {};
    },
  };
}

export interface OperationsServerOptions {
  /** Who is calling (from the metadata the auth interceptor verified); the system actor when unknown. */
  actorOf?: (call: ServerUnaryCall<unknown, unknown>) => Actor | undefined;
}

/** grpc-js handlers for `OperationsServiceService`; a thrown domain error is passed to the callback as is. */
export function operationsServiceServer(api: OperationsApi, opts: OperationsServerOptions = {}): OperationsServiceServer {
  const unary =
    <Req, Res>(fn: (request: Req, actor?: Actor) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      let actor: Actor | undefined;
      try {
        actor = opts.actorOf?.(call as ServerUnaryCall<unknown, unknown>);
      } catch (err) {
        callback(err as Error);
        return;
      }
      fn(call.request, actor).then(
        (response) => callback(null, response),
        (err: Error) => callback(err),
      );
    };
  return {
    listDeadLetters: unary((r: ListDeadLettersRequest, a) => api.listDeadLetters(r, a)),
    replayDeadLetter: unary((r: ReplayDeadLetterRequest, a) => api.replayDeadLetter(r, a)),
    discardDeadLetter: unary((r: DiscardDeadLetterRequest, a) => api.discardDeadLetter(r, a)),
    republishOutbox: unary((r: RepublishOutboxRequest, a) => api.republishOutbox(r, a)),
    listParkedEvents: unary((r: ListParkedEventsRequest, a) => api.listParkedEvents(r, a)),
    retryParkedEvent: unary((r: RetryParkedEventRequest, a) => api.retryParkedEvent(r, a)),
    discardParkedEvent: unary((r: DiscardParkedEventRequest, a) => api.discardParkedEvent(r, a)),
  };
}
