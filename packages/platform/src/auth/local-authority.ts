/**
 * A local token issuer for the default run and tests, standing in for the ministry's OIDC provider:
 * a signing key pair (generated, or loaded from a PEM file so tokens survive a restart), its JWKS for a
 * JWKS endpoint, and tokens for seeded people.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, SignJWT, type JSONWebKeySet, type JWK } from "jose";
import type { IdentityClaims } from "./identity.js";

export type SigningAlgorithm = "ES256" | "RS256";

export interface LocalAuthorityOptions {
  issuer?: string;
  audience?: string;
  /** Used when generating a key; a loaded key decides its own algorithm. */
  alg?: SigningAlgorithm;
  /** PKCS#8 PEM private key: loaded when the file exists, otherwise generated and written there (mode 0600). */
  keyPath?: string;
}

export interface TokenOverrides {
  issuer?: string;
  audience?: string;
}

export interface LocalAuthority {
  readonly issuer: string;
  readonly audience: string;
  readonly alg: SigningAlgorithm;
  readonly kid: string;
  /** The public key set, for a `/.well-known/jwks.json` endpoint or a verifier. */
  jwks(): JSONWebKeySet;
  /** `ttl`: seconds (negative gives an already expired token, for tests) or a span such as "8h". Default one hour. */
  issueToken(claims: IdentityClaims, ttl?: number | string, overrides?: TokenOverrides): Promise<string>;
}

export async function createLocalAuthority(opts: LocalAuthorityOptions = {}): Promise<LocalAuthority> {
  const issuer = opts.issuer ?? "ministry-ops-dev";
  const audience = opts.audience ?? "ministry-ops";
  const privateKey = opts.keyPath ? loadOrCreateKey(opts.keyPath, opts.alg ?? "ES256") : generateKey(opts.alg ?? "ES256");
  const alg = algorithmOf(privateKey);
  const publicJwk = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg, use: "sig" }] };

  return {
    issuer,
    audience,
    alg,
    kid,
    jwks: () => structuredClone(jwks),
    async issueToken(claims, ttl = 3600, overrides = {}) {
      const payload: Record<string, unknown> = { name: claims.name, roles: claims.roles };
      if (claims.unit !== undefined) payload.unit = claims.unit;
      if (claims.clearance !== undefined) payload.clearance = claims.clearance;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(payload)
        .setProtectedHeader({ alg, kid, typ: "JWT" })
        .setSubject(claims.sub)
        .setIssuer(overrides.issuer ?? issuer)
        .setAudience(overrides.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(typeof ttl === "number" ? now + ttl : ttl)
        .sign(privateKey);
    },
  };
}

function generateKey(alg: SigningAlgorithm): KeyObject {
  return alg === "ES256"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey
    : generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
}

function loadOrCreateKey(keyPath: string, alg: SigningAlgorithm): KeyObject {
  if (fs.existsSync(keyPath)) return createPrivateKey(fs.readFileSync(keyPath));
  const key = generateKey(alg);
  fs.mkdirSync(path.dirname(keyPath), { recursive: true });
  fs.writeFileSync(keyPath, key.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  return key;
}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  throw new Error(`signing key must be RSA or EC P-256, not ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ""}`.trim());
}
