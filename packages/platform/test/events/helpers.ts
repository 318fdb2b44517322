/** Shared set-up of the event tests: a real nats-server, the embedded MongoDB, bounded polling. */
import { Actor, UnitRef } from "@ministry/proto/ministry/common/v1/common";
import type { StoredMsg } from "@nats-io/jetstream";
import type { Db } from "mongodb";
import { connectMongo, ensureIndexes, type MongoConnection } from "../../src/mongo.js";
import { startNatsServer, type NatsServerHandle } from "../../src/testing/nats-server.js";
import { EVENTS_INDEXES, EventBus, defineEvent, streamName } from "../../src/events/index.js";

/** Stand-ins for a producing service's events: any ts-proto message will do. */
export const TaskAssigned = defineEvent({ service: "tasks", aggregate: "task", event: "assigned", message: Actor });
export const TaskWithdrawn = defineEvent({ service: "tasks", aggregate: "task", event: "withdrawn", message: UnitRef });

export const actor = (userId: string): Actor => ({
  userId,
  displayName: `User ${userId}`,
  roles: ["staff"],
  unit: { id: "VP", name: "Văn phòng Bộ" },
});

export interface Infra {
  nats: NatsServerHandle;
  mongo: MongoConnection;
  /** A fresh database with the event indexes. */
  db(name: string): Promise<Db>;
  bus(name?: string): Promise<EventBus>;
  dispose(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  const [nats, mongo] = await Promise.all([startNatsServer(), connectMongo({ dbName: "events_test" })]);
  const buses: EventBus[] = [];
  return {
    nats,
    mongo,
    async db(name) {
      const db = mongo.client.db(name);
      await ensureIndexes(db, EVENTS_INDEXES);
      return db;
    },
    async bus(name = "test") {
      const bus = await EventBus.connect({ servers: nats.url, name, requestTimeoutMs: 2_000, reconnectTimeWaitMs: 100 });
      buses.push(bus);
      return bus;
    },
    async dispose() {
      await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
      await mongo.close();
      await nats.dispose();
    },
  };
}

/** Polls `probe` until it returns something other than undefined/null/false; fails with `what` after the bound. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every message the stream holds, in stream order. */
export async function streamMessages(bus: EventBus, service: string): Promise<StoredMsg[]> {
  const jsm = await bus.jsm();
  const info = await jsm.streams.info(streamName(service));
  const out: StoredMsg[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(streamName(service), { seq });
    if (m) out.push(m);
  }
  return out;
}

export function ceIds(messages: StoredMsg[]): string[] {
  return messages.map((m) => m.header.get("ce-id"));
}
