/**
 * The one way a command changes a meeting: the caller's permission to try (roles only) first, then the
 * meeting if the caller sees it (a hidden one answers as a missing one), then the command's own
 * authorization and rules, then the new meeting, its audit record and its events in one transaction,
 * once per request id.
 */
import { Aborted, type Identity, type OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import type { Meeting } from "../domain/model.js";
import type { Standing } from "./access.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";

export interface MeetingMutation {
  requestId?: string;
  id: string;
  expectedVersion?: number;
  /** The request as given, bound to its request id. */
  body: unknown;
}

export interface MeetingChange {
  meeting: Meeting;
  action: string;
  change: Record<string, unknown>;
  events?: OutgoingEvent<unknown>[];
  /** Other writes of the same change (sites, participants). */
  also?: (session: ClientSession) => Promise<void>;
}

export interface ChangeContext {
  read: Meeting;
  standing: Standing;
  actor: Actor;
  at: Date;
  session: ClientSession;
}

export function versionConflict(current: Meeting): Aborted {
  return new Aborted(
    `Cuộc họp đã được người khác thay đổi (phiên bản ${current.version}); hãy tải lại / The meeting was changed by someone else (version ${current.version}); reload it`,
    "VERSION_CONFLICT",
    { current_version: String(current.version) },
  );
}

export async function changeMeeting(
  app: AppContext,
  method: string,
  identity: Identity,
  m: MeetingMutation,
  apply: (c: ChangeContext) => Promise<MeetingChange> | MeetingChange,
): Promise<Meeting> {
  return app.once(
    method,
    identity,
    { requestId: m.requestId, target: `meeting:${m.id}`, body: m.body },
    documentCodec<Meeting>(),
    async (session) => {
      const { meeting: read, standing } = await app.visibleMeeting(identity, m.id, session);
      if (m.expectedVersion !== undefined && m.expectedVersion !== read.version) throw versionConflict(read);
      const actor = actorOf(identity);
      const at = app.clock.now();
      const c = await apply({ read, standing, actor, at, session });
      const next: Meeting = { ...c.meeting, version: read.version + 1, updatedAt: at };
      await app.store.saveMeeting(next, read.version, session);
      if (c.also) await c.also(session);
      await app.record(session, actor, c.action, { type: "meeting", id: read._id }, c.change, c.events ?? []);
      return next;
    },
  );
}
