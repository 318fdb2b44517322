/**
 * Verifies bearer tokens (JWT, RS256/ES256) against the ministry's OIDC provider's JWKS in production,
 * or against a local authority's keys in the default run and tests. Issuer, audience, signature and
 * lifetime are always checked: a token must say who it is for (`sub`), when it was issued (`iat`) and
 * when it expires (`exp`), may not live longer than the configured maximum, and, where the issuer sets
 * a `typ`, must be a JWT access token (not an ID, logout or other token signed with the same keys).
 * Used by the gRPC server and the HTTP gateway alike.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { Unauthenticated } from "../errors.js";
import { identityFromClaims, type Identity } from "./identity.js";
import type { LocalAuthority } from "./local-authority.js";

export type TokenProblem = "TOKEN_MISSING" | "TOKEN_EXPIRED" | "TOKEN_INVALID";

/** The caller's token is missing or not acceptable; `reason` is stable for clients to switch on. */
export class InvalidToken extends Unauthenticated {
  constructor(
    message: string,
    readonly reason: TokenProblem,
  ) {
    super(message);
  }
}

/** The keys could not be fetched: not the caller's fault, so not UNAUTHENTICATED (the gRPC server answers UNAVAILABLE). */
export class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super("token signing keys are unavailable", { cause });
  }
}

export interface Verifier {
  /** Resolves to the caller's identity; rejects with InvalidToken or KeysUnavailable. */
  verify(token: string): Promise<Identity>;
}

export interface VerifierOptions {
  /** The OIDC provider's JWKS (production). */
  jwksUrl?: string;
  /** Local keys (default run, tests). Exactly one of `jwksUrl` and `localAuthority`. */
  localAuthority?: LocalAuthority;
  issuer: string;
  audience: string | string[];
  algorithms?: string[];
  /** Allowed clock skew between the provider and this host. */
  clockToleranceSec?: number;
  /**
   * Verified tokens remembered (by their exact text) so a caller's every call does not pay for a
   * signature check (~0.5 ms for ES256 here). 0 turns the cache off.
   */
  cacheSize?: number;
  /** How long a verified token is trusted without checking again (never past its `exp`); bounds the effect of a key withdrawn from the JWKS. */
  cacheTtlMs?: number;
  /** The longest `exp - iat` accepted, in seconds. Default 12 hours. */
  maxTokenLifetimeSec?: number;
  /**
   * After a JWKS fetch, how long a token with an unknown key id is refused without fetching again
   * (bounds the requests a stream of forged key ids can cause). A rotated key is picked up after it.
   * Default 30 s.
   */
  jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes. */
  jwksMaxAgeMs?: number;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SEC = 12 * 3600;

/** `typ` values of an access token: plain JWT (most providers) and RFC 9068's `at+jwt`. */
const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt", "application/jwt", "application/at+jwt"]);

export function createVerifier(opts: VerifierOptions): Verifier {
  if (Boolean(opts.jwksUrl) === Boolean(opts.localAuthority))
    throw new Error("createVerifier: give exactly one of jwksUrl and localAuthority");
  const keys: JWTVerifyGetKey = opts.jwksUrl
    ? createRemoteJWKSet(new URL(opts.jwksUrl), {
        timeoutDuration: 5_000,
        cooldownDuration: opts.jwksCooldownMs ?? 30_000,
        cacheMaxAge: opts.jwksMaxAgeMs ?? 10 * 60_000,
      })
    : createLocalJWKSet(opts.localAuthority!.jwks());
  const verifyOptions = {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: opts.algorithms ?? ["RS256", "ES256"],
    clockTolerance: opts.clockToleranceSec ?? 30,
    requiredClaims: ["exp", "iat", "sub"],
  };
  const maxLifetimeSec = opts.maxTokenLifetimeSec ?? DEFAULT_MAX_TOKEN_LIFETIME_SEC;
  const cacheSize = opts.cacheSize ?? 10_000;
  const cacheTtlMs = opts.cacheTtlMs ?? 60_000;
  const toleranceMs = verifyOptions.clockTolerance * 1000;
  // Insertion-ordered: the first key is the oldest, evicted when full.
  const cache = new Map<string, { identity: Identity; trustedUntil: number; expiresAt: number }>();
  return {
    async verify(token) {
      const cached = cache.get(token);
      if (cached) {
        const now = Date.now();
        if (now <= cached.trustedUntil) return copyIdentity(cached.identity);
        cache.delete(token);
        if (now > cached.expiresAt) throw new InvalidToken("Mã truy cập đã hết hạn / Token expired", "TOKEN_EXPIRED");
      }
      let payload: Record<string, unknown>;
      try {
        const verified = await jwtVerify(token, keys, verifyOptions);
        payload = verified.payload;
        const typ = verified.protectedHeader.typ;
        if (typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))
          throw new InvalidToken(`Mã truy cập không đúng loại / Token type "${typ}" is not an access token`, "TOKEN_INVALID");
      } catch (err) {
        throw toTokenError(err);
      }
      const iat = payload.iat as number;
      const exp = payload.exp as number;
      if (iat * 1000 > Date.now() + toleranceMs)
        throw new InvalidToken("Mã truy cập có thời điểm cấp ở tương lai / Token issued in the future", "TOKEN_INVALID");
      if (exp - iat > maxLifetimeSec)
        throw new InvalidToken(
          `Mã truy cập có hiệu lực quá ${maxLifetimeSec} giây / Token lifetime exceeds the maximum of ${maxLifetimeSec} s`,
          "TOKEN_INVALID",
        );
      let identity: Identity;
      try {
        identity = identityFromClaims(payload);
      } catch {
        throw new InvalidToken(
          "Thông tin người dùng trong mã truy cập không dùng được / Token claims are not usable (sub, name, roles, unit, clearance)",
          "TOKEN_INVALID",
        );
      }
      if (cacheSize > 0) {
        const expiresAt = exp * 1000 + toleranceMs;
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(token, { identity: copyIdentity(identity), trustedUntil: Math.min(Date.now() + cacheTtlMs, expiresAt), expiresAt });
      }
      return identity;
    },
  };
}

function toTokenError(err: unknown): Error {
  if (err instanceof InvalidToken) return err;
  if (err instanceof errors.JWTExpired) return new InvalidToken("Mã truy cập đã hết hạn / Token expired", "TOKEN_EXPIRED");
  if (err instanceof errors.JWTClaimValidationFailed)
    return new InvalidToken(`Mã truy cập không hợp lệ / Token rejected: ${err.claim} claim check failed`, "TOKEN_INVALID");
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new InvalidToken("Chữ ký của mã truy cập không đúng / Token signature verification failed", "TOKEN_INVALID");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new InvalidToken("Mã truy cập được ký bằng khóa không xác định / Token signed with an unknown key", "TOKEN_INVALID");
  }
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSEAlgNotAllowed ||
    err instanceof errors.JOSENotSupported ||
    err instanceof errors.JWKInvalid
  ) {
    return new InvalidToken("Mã truy cập sai định dạng / Token is malformed or uses an algorithm not allowed", "TOKEN_INVALID");
  }
  // JWKS timeouts, a JWKS that is not one, a provider answering other than 200, network failures.
  return new KeysUnavailable(err);
}

/**
 * A copy the caller may change without changing the cache: an identity is flat but for its roles.
 * (structuredClone did the same at several times the cost, on every call of a cached token.)
 */
function copyIdentity(identity: Identity): Identity {
  return { ...identity, roles: [...identity.roles] };
}
