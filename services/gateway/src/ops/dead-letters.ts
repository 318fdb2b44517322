/**
 * Dead letters through each service's OperationsService. Every service serves the same contract, so the
 * gateway's package-routed clients cannot reach it: one client per service address here, called as the
 * operator (the caller's token is forwarded by the request scope; the service checks the role again).
 */
import { createClient, type Logger } from "@ministry/platform";
import {
  OperationsServiceClient,
  type DeadLetter,
  type DiscardDeadLetterResponse,
  type ListDeadLettersResponse,
  type ReplayDeadLetterResponse,
} from "@ministry/proto/ministry/platform/v1/operations";
import type { ServiceError } from "@grpc/grpc-js";

export const OPERATED_SERVICES = ["tasks", "notifications", "meetings", "documents"] as const;
export type OperatedService = (typeof OPERATED_SERVICES)[number];

export interface DeadLetterJson {
  id: string;
  service: OperatedService;
  consumer: string;
  stream: string;
  subject: string;
  eventId: string;
  eventType: string;
  error: string;
  deliveries: number;
  firstFailedAt: string | null;
  failedAt: string | null;
  attempts: { at: string | null; error: string; replay: boolean; by: string }[];
  headers: Record<string, string>;
  /** The event's body, base64 (proto3 JSON's bytes). */
  data: string;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

export function deadLetterJson(service: OperatedService, d: DeadLetter): DeadLetterJson {
  return {
    id: d.id,
    service,
    consumer: d.consumer,
    stream: d.stream,
    subject: d.subject,
    eventId: d.eventId,
    eventType: d.eventType,
    error: d.error,
    deliveries: d.deliveries,
    firstFailedAt: iso(d.firstFailedAt),
    failedAt: iso(d.failedAt),
    attempts: d.attempts.map((a) => ({ at: iso(a.at), error: a.error, replay: a.replay, by: a.by })),
    headers: { ...d.headers },
    data: Buffer.from(d.data).toString("base64"),
  };
}

type Callback<T> = (err: ServiceError | null, res: T) => void;

function call<T>(fn: (cb: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

export class DeadLetterClients {
  private readonly clients: Record<OperatedService, OperationsServiceClient>;

  constructor(addresses: Record<OperatedService, string>, log: Logger, deadlineMs: number) {
    const make = (address: string) =>
      createClient(OperationsServiceClient, address, { log, defaultDeadlineMs: deadlineMs, idempotent: ["listDeadLetters"] });
    this.clients = {
      tasks: make(addresses.tasks),
      notifications: make(addresses.notifications),
      meetings: make(addresses.meetings),
      documents: make(addresses.documents),
    };
  }

  list(service: OperatedService, page: { pageSize: number; pageToken: string }, filter: { consumer?: string; stream?: string } = {}) {
    return call<ListDeadLettersResponse>((cb) =>
      this.clients[service].listDeadLetters({ page, consumer: filter.consumer ?? "", stream: filter.stream ?? "" }, cb),
    );
  }

  replay(service: OperatedService, id: string) {
    return call<ReplayDeadLetterResponse>((cb) => this.clients[service].replayDeadLetter({ id }, cb));
  }

  discard(service: OperatedService, id: string, reason: string) {
    return call<DiscardDeadLetterResponse>((cb) => this.clients[service].discardDeadLetter({ id, reason }, cb));
  }

  close(): void {
    for (const c of Object.values(this.clients)) c.close();
  }
}
