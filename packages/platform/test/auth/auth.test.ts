import { createPrivateKey, type KeyObject } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLocalAuthority,
  createVerifier,
  currentIdentity,
  hasRole,
  InvalidToken,
  KeysUnavailable,
  requireIdentity,
  requireRole,
  runInRequestScope,
  type LocalAuthority,
} from "../../src/auth/index.js";
import { PermissionDenied, Unauthenticated } from "../../src/errors.js";

const person = { sub: "u-1", name: "Lê Văn C", roles: ["clerk", "superuser"], unit: "VP", clearance: "toi_mat" };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

let authority: LocalAuthority;
/** The authority keeps its private key to itself; loading it from its key file lets a test sign odd claims. */
let privateKey: KeyObject;
const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "authority-"));
beforeAll(async () => {
  const keyPath = path.join(keyDir, "signing.pem");
  authority = await createLocalAuthority({ keyPath });
  privateKey = createPrivateKey(fs.readFileSync(keyPath));
});
afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

describe("local authority and verifier", () => {
  it("issues ES256 tokens by default that its own verifier accepts, keeping known roles only", async () => {
    const token = await authority.issueToken(person);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: authority.kid, typ: "JWT" });
    const verifier = createVerifier({ localAuthority: authority, issuer: "ministry-ops-dev", audience: "ministry-ops" });
    expect(await verifier.verify(token)).toEqual({ userId: "u-1", name: "Lê Văn C", roles: ["clerk"], unitId: "VP", clearance: "toi_mat" });
  });

  it("publishes a public JWKS only", () => {
    const [key] = authority.jwks().keys;
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: authority.kid });
    expect(key).not.toHaveProperty("d");
  });

  it("says why a token is refused: expired, wrong audience or issuer, bad signature, foreign key, unusable claims", async () => {
    const verifier = createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience });
    const other = await createLocalAuthority();
    const good = await authority.issueToken(person);
    const [h, p, sig] = good.split(".");
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "u-2" })).toString("base64url")}.${sig}`;
    // Correctly signed, but without a subject.
    const noSubject = await new SignJWT({ name: "x" })
      .setProtectedHeader({ alg: "ES256", kid: authority.kid })
      .setIssuer(authority.issuer)
      .setAudience(authority.audience)
      .setExpirationTime("1h")
      .sign(privateKey);
    const cases: [string, string, string, RegExp][] = [
      ["expired", await authority.issueToken(person, -300), "TOKEN_EXPIRED", /expired/],
      ["audience", await authority.issueToken(person, 60, { audience: "another-app" }), "TOKEN_INVALID", /aud/],
      ["issuer", await authority.issueToken(person, 60, { issuer: "https://idp.example" }), "TOKEN_INVALID", /iss/],
      ["tampered", tampered, "TOKEN_INVALID", /signature/],
      ["foreign key", await other.issueToken(person), "TOKEN_INVALID", /unknown key/],
      ["garbage", "abc.def", "TOKEN_INVALID", /malformed/],
      ["no subject", noSubject, "TOKEN_INVALID", /sub/],
    ];
    for (const [label, token, reason, message] of cases) {
      const err = await rejection(verifier.verify(token));
      expect(err, label).toBeInstanceOf(InvalidToken);
      expect(err, label).toBeInstanceOf(Unauthenticated);
      expect((err as InvalidToken).reason, label).toBe(reason);
      expect((err as InvalidToken).message, label).toMatch(message);
    }
  });

  it("requires exp, iat and sub, caps a token's lifetime, and refuses tokens that are not access tokens", async () => {
    const verifier = createVerifier({
      localAuthority: authority,
      issuer: authority.issuer,
      audience: authority.audience,
      maxTokenLifetimeSec: 3600,
    });
    const now = Math.floor(Date.now() / 1000);
    /** A token signed with the authority's key, with exactly the claims and header given. */
    const signed = (claims: { iat?: number; exp?: number; sub?: string }, typ?: string) => {
      const jwt = new SignJWT({ name: "x", roles: ["staff"] })
        .setProtectedHeader({ alg: "ES256", kid: authority.kid, ...(typ === undefined ? {} : { typ }) })
        .setIssuer(authority.issuer)
        .setAudience(authority.audience);
      if (claims.sub !== undefined) jwt.setSubject(claims.sub);
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      return jwt.sign(privateKey);
    };
    const cases: [string, string, RegExp][] = [
      ["no exp: would be valid for ever", await signed({ sub: "u-1", iat: now }), /exp/],
      ["no iat", await signed({ sub: "u-1", exp: now + 60 }), /iat/],
      ["no sub", await signed({ iat: now, exp: now + 60 }), /sub/],
      ["a lifetime over the maximum", await signed({ sub: "u-1", iat: now, exp: now + 3601 }), /lifetime/],
      ["issued in the future", await signed({ sub: "u-1", iat: now + 600, exp: now + 900 }), /future/],
      ["an ID token's typ", await signed({ sub: "u-1", iat: now, exp: now + 60 }, "id_token+jwt"), /not an access token/],
      ["a logout token", await signed({ sub: "u-1", iat: now, exp: now + 60 }, "logout+jwt"), /not an access token/],
    ];
    for (const [label, token, message] of cases) {
      const err = await rejection(verifier.verify(token));
      expect(err, label).toBeInstanceOf(InvalidToken);
      expect((err as InvalidToken).reason, label).toBe("TOKEN_INVALID");
      expect((err as InvalidToken).message, label).toMatch(message);
    }
    // What a provider sends: typ JWT, at+jwt (RFC 9068), or none at all; a lifetime at the maximum.
    for (const typ of ["JWT", "at+jwt", "application/at+jwt", undefined]) {
      await expect(verifier.verify(await signed({ sub: "u-1", iat: now, exp: now + 3600 }, typ)), String(typ)).resolves.toMatchObject({
        userId: "u-1",
      });
    }
  });

  it("tolerates small clock skew but not more", async () => {
    const verifier = createVerifier({
      localAuthority: authority,
      issuer: authority.issuer,
      audience: authority.audience,
      clockToleranceSec: 30,
    });
    await expect(verifier.verify(await authority.issueToken(person, -10))).resolves.toMatchObject({ userId: "u-1" });
    await expect(verifier.verify(await authority.issueToken(person, -60))).rejects.toBeInstanceOf(InvalidToken);
  });

  it("remembers a verified token, but never past its expiry", async () => {
    const verifier = createVerifier({
      localAuthority: authority,
      issuer: authority.issuer,
      audience: authority.audience,
      clockToleranceSec: 0,
    });
    // Whole seconds: exp is at least one second away.
    const token = await authority.issueToken(person, 2);
    const exp = (decodeJwt(token).exp as number) * 1000;
    const first = await verifier.verify(token);
    first.roles.push("minister");
    // A handler scribbling on its identity does not change what the next call sees.
    expect((await verifier.verify(token)).roles).toEqual(["clerk"]);
    await new Promise((r) => setTimeout(r, exp - Date.now() + 50));
    const err = await rejection(verifier.verify(token));
    expect((err as InvalidToken).reason).toBe("TOKEN_EXPIRED");
  });

  it("refuses to be built with neither or both key sources", () => {
    expect(() => createVerifier({ issuer: "i", audience: "a" })).toThrow(/exactly one/);
    expect(() => createVerifier({ issuer: "i", audience: "a", jwksUrl: "http://x/jwks", localAuthority: authority })).toThrow(
      /exactly one/,
    );
  });
});

describe("remote JWKS", () => {
  let server: http.Server;
  let url: string;
  let up = true;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      if (!up) {
        res.statusCode = 503;
        res.end();
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(authority.jwks()));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("verifies against a JWKS fetched over HTTP", async () => {
    const verifier = createVerifier({ jwksUrl: url, issuer: authority.issuer, audience: authority.audience });
    await expect(verifier.verify(await authority.issueToken(person))).resolves.toMatchObject({ userId: "u-1", roles: ["clerk"] });
  });

  it("reports keys it cannot fetch as KeysUnavailable, not as a bad token", async () => {
    up = false;
    try {
      const verifier = createVerifier({ jwksUrl: url, issuer: authority.issuer, audience: authority.audience });
      expect(await rejection(verifier.verify(await authority.issueToken(person)))).toBeInstanceOf(KeysUnavailable);
      const nowhere = createVerifier({ jwksUrl: "http://127.0.0.1:1/jwks.json", issuer: authority.issuer, audience: authority.audience });
      expect(await rejection(nowhere.verify(await authority.issueToken(person)))).toBeInstanceOf(KeysUnavailable);
    } finally {
      up = true;
    }
  });
});

describe("key file", () => {
  it("generates a key at keyPath once and loads it afterwards, so tokens survive a restart", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "authority-"));
    try {
      const keyPath = path.join(dir, "keys", "signing.pem");
      const first = await createLocalAuthority({ keyPath, alg: "RS256" });
      expect(fs.statSync(keyPath).mode & 0o777).toBe(0o600);
      const token = await first.issueToken(person);
      const second = await createLocalAuthority({ keyPath });
      expect(second.kid).toBe(first.kid);
      expect(second.alg).toBe("RS256");
      const verifier = createVerifier({ localAuthority: second, issuer: second.issuer, audience: second.audience });
      await expect(verifier.verify(token)).resolves.toMatchObject({ userId: "u-1" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("roles and request scope", () => {
  const identity = { userId: "u-1", name: "A", roles: ["unit_head" as const] };

  it("checks roles", () => {
    expect(hasRole(identity, "unit_head", "minister")).toBe(true);
    expect(() => requireRole(identity, "ops", "admin")).toThrow(PermissionDenied);
  });

  it("carries the identity through async work in a request scope, and nowhere else", async () => {
    expect(currentIdentity()).toBeUndefined();
    expect(() => requireIdentity()).toThrow(Unauthenticated);
    await runInRequestScope({ identity, deadline: Infinity }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      expect(requireIdentity()).toBe(identity);
    });
    expect(currentIdentity()).toBeUndefined();
  });
});
