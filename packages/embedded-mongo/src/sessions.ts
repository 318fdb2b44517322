/**
 * Logical sessions (`lsid`): the transaction each one runs, and the last retryable write's reply so a
 * driver's retry of the same `txnNumber` is answered without writing twice.
 */
import type { Binary, Document } from "bson";
import type { Transaction } from "./storage/engine.js";

export const SESSION_TIMEOUT_MINUTES = 30;
/** mongod's transactionLifetimeLimitSeconds: a transaction left open longer is aborted. */
export const TRANSACTION_LIFETIME_MS = 60_000;

export interface Session {
  id: string;
  lastUse: number;
  /** Highest txnNumber seen: older ones are refused. */
  txnNumber: number;
  txn?: Transaction;
  retryable?: { txnNumber: number; reply: Document };
}

export function sessionKey(lsid: unknown): string | undefined {
  if (!lsid || typeof lsid !== "object") return undefined;
  const id = (lsid as { id?: Binary }).id;
  if (!id || typeof id !== "object" || typeof (id as Binary).toString !== "function") return undefined;
  return (id as Binary).toString("hex");
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  get(key: string): Session {
    let s = this.sessions.get(key);
    if (!s) {
      s = { id: key, lastUse: Date.now(), txnNumber: -1 };
      this.sessions.set(key, s);
    }
    s.lastUse = Date.now();
    return s;
  }

  end(key: string): Session | undefined {
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    return s;
  }

  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /** Sessions idle past the logical session timeout. */
  expired(now = Date.now()): Session[] {
    const cutoff = now - SESSION_TIMEOUT_MINUTES * 60_000;
    return [...this.sessions.values()].filter((s) => s.lastUse < cutoff);
  }

  get size(): number {
    return this.sessions.size;
  }
}
