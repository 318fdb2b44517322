/**
 * The one way a command changes a document: the caller's right to try (roles only) first, then the
 * document if the caller sees it (a hidden one answers as a missing one), then the step's own checks,
 * then the new record, its audit record and its events in one transaction, once per request id.
 */
import type { Identity, OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import { searchText, symbolKey } from "../domain/search-text.js";
import { versionConflict, type DocumentRecord } from "../store/document-store.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";

export interface DocumentMutation {
  requestId?: string;
  id: string;
  expectedVersion?: number;
  /** The request as given, bound to its request id. */
  body: unknown;
}

export interface DocumentChange {
  document: DocumentRecord;
  action: string;
  change: Record<string, unknown>;
  events?: OutgoingEvent<unknown>[];
  /** Other writes of the same change (a number, a queued package). */
  also?: (session: ClientSession) => Promise<void>;
}

export interface ChangeContext {
  read: DocumentRecord;
  actor: Actor;
  at: Date;
  session: ClientSession;
}

/** The search fields follow what they are made of. */
export function withSearchFields(d: DocumentRecord): DocumentRecord {
  const next: DocumentRecord = { ...d, searchText: searchText({ symbol: d.symbol, summary: d.summary, content: d.content }) };
  if (d.symbol) next.symbolKey = symbolKey(d.symbol);
  return next;
}

export async function changeDocument(
  app: AppContext,
  method: string,
  identity: Identity,
  m: DocumentMutation,
  apply: (c: ChangeContext) => Promise<DocumentChange> | DocumentChange,
): Promise<DocumentRecord> {
  return app.once(
    method,
    identity,
    { requestId: m.requestId, target: `document:${m.id}`, body: m.body },
    documentCodec<DocumentRecord>(),
    async (session) => {
      const read = await app.documents.visible(identity, m.id, session);
      if (m.expectedVersion !== undefined && m.expectedVersion !== read.version) throw versionConflict(read);
      const actor = actorOf(identity);
      const at = app.clock.now();
      const c = await apply({ read, actor, at, session });
      const saved = await app.documents.save(read, withSearchFields({ ...c.document, updatedAt: at }), session);
      if (c.also) await c.also(session);
      await app.record(session, actor, c.action, { type: "document", id: read._id }, c.change, c.events ?? []);
      return saved;
    },
  );
}
