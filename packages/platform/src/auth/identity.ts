/**
 * Who is calling: the verified claims of a bearer token, in the shape use cases work with. Services
 * authorize on roles, unit scope and clearance; they never see the token itself.
 */
import { z } from "zod";
import { PermissionDenied } from "../errors.js";

export const ROLES = ["minister", "deputy_minister", "office_chief", "unit_head", "staff", "clerk", "admin", "ops"] as const;
export type Role = (typeof ROLES)[number];

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
  if (!hasRole(identity, ...roles)) throw new PermissionDenied(`requires one of the roles: ${roles.join(", ")}`);
}
