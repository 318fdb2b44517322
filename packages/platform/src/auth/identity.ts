/**
 * Who is calling: the verified claims of a bearer token, in the shape use cases work with. Services
 * authorize on roles, unit scope and clearance; they never see the token itself.
 */
import { z } from "zod";
import { PermissionDenied } from "../errors.js";

export const ROLES = ["minister", "deputy_minister", "office_chief", "unit_head", "staff", "clerk", "admin", "ops"] as const;
export type Role = (typeof ROLES)[number];

/** What a role is called in a message to a person: Vietnamese first, English after, never the code. */
export const ROLE_TITLES: Record<Role, { vi: string; en: string }> = {
  minister: { vi: "Bộ trưởng", en: "the Minister" },
  deputy_minister: { vi: "Thứ trưởng", en: "a Deputy Minister" },
  office_chief: { vi: "Chánh Văn phòng", en: "the Chief of the Office" },
  unit_head: { vi: "Lãnh đạo đơn vị", en: "a head of unit" },
  staff: { vi: "Chuyên viên", en: "staff" },
  clerk: { vi: "Văn thư", en: "a clerk" },
  admin: { vi: "Quản trị hệ thống", en: "an administrator" },
  ops: { vi: "Vận hành", en: "an operator" },
};

/**
 * Roles listed for a person ("Bộ trưởng, Thứ trưởng" / "the Minister, a Deputy Minister"); a role this
 * platform does not know (a configured one) is shown as it is written.
 */
export function roleTitles(roles: readonly string[]): { vi: string; en: string } {
  const titles = roles.map((r) => ROLE_TITLES[r as Role] ?? { vi: r, en: r });
  return { vi: titles.map((t) => t.vi).join(", "), en: titles.map((t) => t.en).join(", ") };
}

export interface Identity {
  /** The token's `sub`. */
  userId: string;
  name: string;
  /** Known roles only: a role the ministry's provider adds for other systems is dropped, never guessed at. */
  roles: Role[];
  /** The organisational unit the person belongs to (claim `unit`), e.g. "VP". */
  unitId?: string;
  /** Secrecy clearance for classified documents (claim `clearance`), as the provider spells it. */
  clearance?: string;
}

/** The claims a token carries for an identity; `issueToken` takes the same shape. */
export interface IdentityClaims {
  sub: string;
  name: string;
  roles: string[];
  unit?: string;
  clearance?: string;
}

const knownRoles = new Set<string>(ROLES);

const claimsSchema = z.object({
  sub: z.string().min(1),
  name: z.string().default(""),
  roles: z.union([z.array(z.string()), z.string().transform((r) => r.split(/[\s,]+/).filter(Boolean))]).default([]),
  unit: z.string().min(1).optional(),
  clearance: z.union([z.string(), z.number().transform(String)]).optional(),
});

/** Throws a zod error when `sub` is missing or a claim has the wrong type. */
export function identityFromClaims(claims: Record<string, unknown>): Identity {
  const c = claimsSchema.parse(claims);
  const identity: Identity = { userId: c.sub, name: c.name, roles: c.roles.filter((r): r is Role => knownRoles.has(r)) };
  if (c.unit !== undefined) identity.unitId = c.unit;
  if (c.clearance !== undefined) identity.clearance = c.clearance;
  return identity;
}

export function hasRole(identity: Identity, ...roles: Role[]): boolean {
  return roles.some((r) => identity.roles.includes(r));
}

/** Throws PermissionDenied unless the identity holds at least one of `roles`. */
export function requireRole(identity: Identity, ...roles: Role[]): void {
  if (!hasRole(identity, ...roles)) {
    const titles = roleTitles(roles);
    throw new PermissionDenied(`Chỉ ${titles.vi} được làm việc này / Only ${titles.en} may do this`);
  }
}
