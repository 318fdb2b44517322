/**
 * Who the bench's meetings invite and where: the Ministry's briefing (the 17 unit heads of the seeded
 * directory and guests, over 60 sites) and a national online conference (the central site, the 34
 * provinces and the 3,321 communes of the two-tier local government, with guest hosts and guests), as
 * AddSites and InviteParticipants batches within the API's limits. Guests are not in the directory, so
 * an audience of any size needs no directory entries; everything is deterministic, so two runs invite
 * the same people at the same sites.
 */
import type { Invitee, NewSite } from "@ministry/proto/ministry/meetings/v1/meetings";

/** AddSites takes at most 500 sites a call; InviteParticipants at most 1,000 invitees (100 resolved). */
export const SITES_PER_CALL = 500;
export const INVITEES_PER_CALL = 1_000;
export const CENTRAL_SITE = "central";

/** The seeded directory's units (services/notifications/src/seed/people.ts): the Office holds the central site. */
export const UNITS = [
  "VP",
  "TCCB",
  "PC",
  "KHTC",
  "HTQT",
  "TCBC",
  "CQDP",
  "CCVC",
  "DTBD",
  "TL",
  "CCHC",
  "CTTN",
  "TCPCP",
  "TTR",
  "VTLT",
  "TDKT",
  "TGCP",
];

/** A participant as the check-in drivers see him or her: who, at which site. */
export interface Seat {
  personId: string;
  siteId: string;
  /** Directory people sign in with their unit's role; guests with none. */
  unitId?: string;
  fullName: string;
}

export interface Audience {
  sites: NewSite[];
  /** Invitee batches, each within INVITEES_PER_CALL. */
  batches: Invitee[][];
  seats: Seat[];
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

function site(id: string, name: string, hostId: string, hostName: string, unitId = ""): NewSite {
  return { id, name, unitId, unitName: "", hostId, hostName, videoUrl: `https://hop.moha.gov.vn/phong/${id.toLowerCase()}` };
}

function guest(id: string, fullName: string, organisation: string, siteId: string): Invitee {
  return { who: { $case: "guest", value: { id, fullName, position: "Đại biểu", organisation } }, siteId };
}

function batched<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The briefing: the central site (the Office's) plus 59 remote ones: the 16 other units' rooms and 43
 * provinces' rooms. Each unit's head is invited by person id (resolved through the directory) at his or
 * her unit's site; the rest are guests spread over the sites, `participants` in all.
 */
export function briefingAudience(participants: number, siteCount: number): Audience {
  const unitSites = UNITS.filter((u) => u !== "VP").slice(0, Math.max(0, siteCount - 1));
  const sites: NewSite[] = unitSites.map((u) => site(u, `Phòng họp ${u}`, `${u.toLowerCase()}-deputy`, `Phó ${u} (chủ trì điểm cầu)`, u));
  for (let p = 1; sites.length < siteCount - 1; p++)
    sites.push(site(`T${pad(p, 2)}`, `Sở Nội vụ tỉnh ${p}`, `host-t${pad(p, 2)}`, `Giám đốc Sở Nội vụ tỉnh ${p}`));
  const siteIds = [CENTRAL_SITE, ...sites.map((s) => s.id)];
  const seats: Seat[] = [];
  const invitees: Invitee[] = [];
  for (const u of unitSites.slice(0, participants)) {
    const personId = `${u.toLowerCase()}-head`;
    invitees.push({ who: { $case: "personId", value: personId }, siteId: u });
    seats.push({ personId, siteId: u, unitId: u, fullName: `Vụ trưởng ${u}` });
  }
  for (let g = 0; seats.length < participants; g++) {
    const personId = `briefing-guest-${pad(g, 4)}`;
    const siteId = siteIds[g % siteIds.length];
    const fullName = `Đại biểu ${g}`;
    invitees.push(guest(personId, fullName, `Cơ quan ${siteId}`, siteId));
    seats.push({ personId, siteId, fullName });
  }
  return { sites, batches: batched(invitees, INVITEES_PER_CALL), seats };
}

/**
 * The national conference: 34 provincial and 3,321 commune sites, each with a guest host; `participants`
 * guests: 300 at the central site, 100 at each province, the rest spread evenly over the communes.
 */
export function nationalAudience(participants: number, provinces = 34, communes = 3_321): Audience {
  const sites: NewSite[] = [];
  for (let p = 1; p <= provinces; p++)
    sites.push(site(`P${pad(p, 2)}`, `Điểm cầu UBND tỉnh ${p}`, `host-p${pad(p, 2)}`, `Chánh Văn phòng UBND tỉnh ${p}`));
  for (let c = 1; c <= communes; c++)
    sites.push(
      site(`X${pad(c, 4)}`, `Điểm cầu UBND xã ${c} (tỉnh ${((c - 1) % provinces) + 1})`, `host-x${pad(c, 4)}`, `Chủ tịch UBND xã ${c}`),
    );
  const central = Math.min(300, participants);
  const perProvince = Math.min(100, Math.floor((participants - central) / Math.max(1, provinces)));
  const siteOf = (i: number): string => {
    if (i < central) return CENTRAL_SITE;
    const j = i - central;
    if (j < perProvince * provinces) return `P${pad(Math.floor(j / perProvince) + 1, 2)}`;
    return `X${pad(((j - perProvince * provinces) % communes) + 1, 4)}`;
  };
  const seats: Seat[] = [];
  const invitees: Invitee[] = [];
  for (let i = 0; i < participants; i++) {
    const personId = `db-${pad(i, 6)}`;
    const siteId = siteOf(i);
    const fullName = `Đại biểu ${i}`;
    invitees.push(guest(personId, fullName, `Đơn vị ${siteId}`, siteId));
    seats.push({ personId, siteId, fullName });
  }
  return { sites, batches: batched(invitees, INVITEES_PER_CALL), seats };
}

/** A fixed shuffle (mulberry32), so the check-ins arrive from every site mixed, the same in every run. */
export function shuffled<T>(items: readonly T[], seed = 20_250_701): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
