/**
 * Connection sites ("điểm cầu"): the central one comes with the meeting; remote ones are added in
 * batches (a national conference has thousands), each with its unit or locality, host and video link.
 */
import { FieldChecks, InvalidArgument, keysetPage, type Identity, type KeysetPage, type PageRequest } from "@ministry/platform";
import type { Document, Filter } from "mongodb";
import { assertPlannable } from "../domain/lifecycle.js";
import {
  FIELDS,
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_SITE_ID_LENGTH,
  MAX_SITE_NAME_LENGTH,
  MAX_SITES,
  MAX_SITES_PER_CALL,
  MAX_URL_LENGTH,
} from "../domain/limits.js";
import type { Meeting, PersonRef, Site } from "../domain/model.js";
import { siteKey } from "../store/collections.js";
import { documentCodec, type AppContext } from "./context.js";
import { changeMeeting } from "./meeting-change.js";
import { checkUrl, oneLine } from "./text.js";

export interface NewSiteInput {
  id: string;
  name: string;
  unitId: string;
  unitName: string;
  hostId: string;
  hostName: string;
  videoUrl: string;
}

export interface SiteUpdateInput {
  requestId?: string;
  meetingId: string;
  siteId: string;
  name?: string;
  hostId?: string;
  hostName?: string;
  videoUrl?: string;
}

const SITE_ID = /^[\p{L}\p{N}._\-/]+$/u;

export class SiteCommands {
  constructor(private readonly app: AppContext) {}

  /**
   * A site's host: a directory person by id (the name from the directory), or a guest host from outside
   * the ministry given by id and name (a province's official).
   */
  private async host(
    checks: FieldChecks,
    field: string,
    id: string,
    name: string,
    known: Map<string, PersonRef | undefined>,
  ): Promise<PersonRef | undefined> {
    const hostId = oneLine(id);
    const hostName = oneLine(name);
    if (hostId === "") {
      if (hostName !== "") checks.add(`${field}_id`, "Cần mã người chủ trì điểm cầu", "The host's id is required");
      return undefined;
    }
    checks.length(`${field}_id`, hostId, MAX_ID_LENGTH, FIELDS.id);
    checks.length(`${field}_name`, hostName, MAX_NAME_LENGTH, FIELDS.name);
    if (!known.has(hostId) && hostName === "") known.set(hostId, await this.app.directory.person(hostId));
    const person = known.get(hostId);
    if (person) return person;
    if (hostName === "")
      checks.add(
        `${field}_id`,
        `Không có người "${hostId}" trong danh bạ; hãy ghi họ tên`,
        `No person "${hostId}" in the directory; give a name`,
      );
    return { personId: hostId, fullName: hostName, position: "" };
  }

  async addSites(
    identity: Identity,
    input: { requestId?: string; meetingId: string; sites: NewSiteInput[] },
  ): Promise<{ sites: Site[]; siteCount: number }> {
    const checks = new FieldChecks();
    if (input.sites.length === 0) checks.add("sites", "Cần ít nhất một điểm cầu", "At least one site is required");
    checks.count("sites", input.sites, MAX_SITES_PER_CALL, FIELDS.sites);
    checks.check();
    // Hosts named by id only are directory people: resolved in batches, not one call per site.
    const known = new Map<string, PersonRef | undefined>();
    const lookups = [
      ...new Set(input.sites.filter((s) => oneLine(s.hostName) === "" && oneLine(s.hostId) !== "").map((s) => oneLine(s.hostId))),
    ].filter((id) => id.length <= MAX_ID_LENGTH);
    if (lookups.length > 0) {
      const { people } = await this.app.directory.resolve(lookups.map((id) => ({ kind: "person" as const, id })));
      for (const id of lookups) known.set(id, undefined);
      for (const p of people) {
        const { via: _via, ...person } = p;
        known.set(p.personId, person);
      }
    }
    const prepared: Omit<Site, "_id" | "meetingId" | "position">[] = [];
    const ids = new Set<string>();
    for (const [i, s] of input.sites.entries()) {
      const f = `sites[${i}]`;
      const unitId = oneLine(s.unitId);
      const siteId = oneLine(s.id) || unitId;
      if (siteId === "") checks.add(`${f}.id`, "Cần mã điểm cầu (hoặc mã đơn vị)", "A site id (or a unit id) is required");
      else if (siteId.length > MAX_SITE_ID_LENGTH || !SITE_ID.test(siteId))
        checks.add(`${f}.id`, "Mã điểm cầu không hợp lệ", "Invalid site id");
      else if (ids.has(siteId)) checks.add(`${f}.id`, `Mã điểm cầu "${siteId}" trùng`, `Site id "${siteId}" is repeated`);
      ids.add(siteId);
      const name = oneLine(s.name);
      if (name === "") checks.add(`${f}.name`, "Cần tên điểm cầu", "The site's name is required");
      checks.length(`${f}.name`, name, MAX_SITE_NAME_LENGTH, FIELDS.siteName);
      checks.length(`${f}.unit_id`, unitId, MAX_SITE_ID_LENGTH, FIELDS.id);
      const unitName = oneLine(s.unitName);
      checks.length(`${f}.unit_name`, unitName, MAX_SITE_NAME_LENGTH, FIELDS.siteName);
      const host = await this.host(checks, `${f}.host`, s.hostId, s.hostName, known);
      const videoUrl = checkUrl(checks, `${f}.video_url`, s.videoUrl, MAX_URL_LENGTH);
      const site: Omit<Site, "_id" | "meetingId" | "position"> = {
        siteId,
        name,
        videoUrl,
        central: false,
        participantCount: 0,
        presentCount: 0,
      };
      if (unitId) site.unit = { id: unitId, name: unitName || unitId };
      if (host) site.host = host;
      prepared.push(site);
    }
    checks.check();
    let added: Site[] = [];
    const meeting = await changeMeeting(
      this.app,
      "AddSites",
      identity,
      { requestId: input.requestId, id: input.meetingId, body: input },
      async ({ read, standing, session }) => {
        this.app.access.assertManage(standing);
        assertPlannable(read, { vi: "điểm cầu", en: "the sites" });
        if (read.siteCount + prepared.length > MAX_SITES)
          throw new InvalidArgument([
            { field: "sites", description: `Một cuộc họp có tối đa ${MAX_SITES} điểm cầu / A meeting has at most ${MAX_SITES} sites` },
          ]);
        const existing = await this.app.store.sites
          .find({ _id: { $in: prepared.map((s) => siteKey(read._id, s.siteId)) } }, { session, projection: { siteId: 1 } })
          .toArray();
        if (existing.length > 0) {
          const taken = new Set(existing.map((s) => s.siteId));
          throw new InvalidArgument(
            prepared.flatMap((s, i) =>
              taken.has(s.siteId)
                ? [{ field: `sites[${i}].id`, description: `Điểm cầu "${s.siteId}" đã có / Site "${s.siteId}" exists already` }]
                : [],
            ),
          );
        }
        added = prepared.map((s, i) => ({ ...s, _id: siteKey(read._id, s.siteId), meetingId: read._id, position: read.siteCount + i }));
        const next: Meeting = { ...read, siteCount: read.siteCount + added.length };
        return {
          meeting: next,
          action: "meeting.sites_added",
          change: { sites: added.map((s) => s.siteId).slice(0, 50), count: added.length },
          also: async (s) => {
            await this.app.store.sites.insertMany(added, { session: s });
          },
        };
      },
    );
    // A retry answered from the request log: read the sites it added.
    if (added.length === 0)
      added = await this.app.store.sites.find({ meetingId: meeting._id, siteId: { $in: prepared.map((s) => s.siteId) } }).toArray();
    return { sites: added, siteCount: meeting.siteCount };
  }

  async updateSite(identity: Identity, input: SiteUpdateInput): Promise<Site> {
    const checks = new FieldChecks();
    const name = input.name === undefined ? undefined : oneLine(input.name);
    if (name !== undefined) {
      if (name === "") checks.add("name", "Cần tên điểm cầu", "The site's name is required");
      checks.length("name", name, MAX_SITE_NAME_LENGTH, FIELDS.siteName);
    }
    const video = input.videoUrl === undefined ? undefined : checkUrl(checks, "video_url", input.videoUrl, MAX_URL_LENGTH);
    const host = input.hostId === undefined ? undefined : await this.host(checks, "host", input.hostId, input.hostName ?? "", new Map());
    checks.check();
    return this.app.once(
      "UpdateSite",
      identity,
      { requestId: input.requestId, target: `site:${input.meetingId}/${input.siteId}`, body: input },
      documentCodec<Site>(),
      async (session) => {
        const { meeting, standing } = await this.app.visibleMeeting(identity, input.meetingId, session);
        const site = await this.app.store.site(meeting._id, input.siteId, session);
        if (!site) throw new InvalidArgument([{ field: "site_id", description: "Không có điểm cầu này / No such site" }]);
        // A site's host keeps his or her own site's link current; the rest is the organisers'.
        const ownSite = standing.hostOf.includes(site.siteId);
        if (!(ownSite && name === undefined && host === undefined)) this.app.access.assertManage(standing);
        assertPlannable(meeting, { vi: "điểm cầu", en: "the site" });
        const next: Site = { ...site };
        if (name !== undefined) next.name = name;
        if (video !== undefined) next.videoUrl = video;
        if (host) next.host = host;
        else if (input.hostId === "") delete next.host;
        await this.app.store.sites.replaceOne({ _id: site._id }, next, { session });
        await this.app.record(
          session,
          { userId: identity.userId, displayName: identity.name, roles: [...identity.roles] },
          "meeting.site_updated",
          { type: "meeting", id: meeting._id },
          {
            site: site.siteId,
            name,
            host: host?.personId,
            videoUrl: video,
          },
        );
        return next;
      },
    );
  }

  async listSites(identity: Identity, meetingId: string, page: PageRequest): Promise<KeysetPage<Site>> {
    const { meeting } = await this.app.visibleMeeting(identity, meetingId);
    return keysetPage(
      this.app.store.sites,
      { list: `sites:${meeting._id}`, filter: { meetingId: meeting._id } as Filter<Document>, sort: [["position", 1]] },
      page,
      { now: this.app.clock.now(), maxSize: 500 },
    );
  }
}
