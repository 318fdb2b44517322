/**
 * What every use case works with: the collections, the clock, the outbox and audit, the request log,
 * the access rules, the peers (directory, reports) and the service's settings.
 */
import { UseCaseContext, type Identity, type ResultCodec, type UseCaseDeps } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import type { Meeting } from "../domain/model.js";
import { MeetingsDb } from "../store/collections.js";
import { meetingNotFound, type Access, type Standing } from "./access.js";
import type { Directory, Reports } from "./peers.js";

export interface MeetingsSettings {
  officeUnitId: string;
  checkInOpensBeforeMin: number;
  reminderBeforeMin: number;
  checkInConcurrency: number;
  calendarBaseUrl: string;
}

export interface AppDeps extends UseCaseDeps {
  access: Access;
  directory: Directory;
  reports: Reports;
  settings: MeetingsSettings;
}

export class AppContext extends UseCaseContext<AppDeps> {
  readonly store: MeetingsDb;

  constructor(deps: AppDeps) {
    super(deps);
    this.store = new MeetingsDb(deps.db);
  }

  get access(): Access {
    return this.deps.access;
  }
  get directory(): Directory {
    return this.deps.directory;
  }
  get reports(): Reports {
    return this.deps.reports;
  }
  get settings(): MeetingsSettings {
    return this.deps.settings;
  }

  /** What the caller is to the meeting: manager, overseer, participant, host of which sites. */
  async standing(identity: Identity, meeting: Meeting, session?: ClientSession): Promise<Standing> {
    const [participant, hosted] = await Promise.all([
      this.store.participant(meeting._id, identity.userId, session),
      this.store.sites.find({ meetingId: meeting._id, "host.personId": identity.userId }, { session, projection: { siteId: 1 } }).toArray(),
    ]);
    return {
      manages: this.access.manages(identity, meeting),
      oversees: this.access.oversees(identity),
      participant: participant ?? undefined,
      hostOf: hosted.map((s) => s.siteId),
    };
  }

  /** The meeting and the caller's standing, if the caller may see it; otherwise NOT_FOUND, as for a missing one. */
  async visibleMeeting(identity: Identity, id: string, session?: ClientSession): Promise<{ meeting: Meeting; standing: Standing }> {
    const meeting = await this.store.meeting(id, session);
    if (!meeting) throw meetingNotFound();
    const standing = await this.standing(identity, meeting, session);
    if (!this.access.canSee(standing)) throw meetingNotFound();
    return { meeting, standing };
  }
}

/** Results kept by the request log are plain documents already. */
export function documentCodec<T extends object>(): ResultCodec<T> {
  return { toDocument: (t) => ({ ...t }) as Record<string, unknown>, fromDocument: (d) => d as unknown as T } as ResultCodec<T>;
}

export function actorOf(identity: Identity): Actor {
  const actor: Actor = { userId: identity.userId, displayName: identity.name || identity.userId, roles: [...identity.roles] };
  // Absent, not undefined: MongoDB would keep an undefined unit as null, which no proto message holds.
  if (identity.unitId) actor.unit = { id: identity.unitId, name: identity.unitId };
  return actor;
}

export function systemActor(displayName = "meetings"): Actor {
  return { userId: "system", displayName, roles: [] };
}
