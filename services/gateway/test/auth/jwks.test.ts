/**
 * Sign-in against an OIDC provider's JWKS, as in production: the gateway alone (no service is needed for
 * GET /v1/me), a local HTTP server playing the provider's JWKS endpoint, tokens signed here. Checks the
 * issuer, the audience, the expiry, the signature, the caching of the key set and a key rotation.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../src/gateway.js";

const ISSUER = "https://sso.moha.gov.vn/realms/bnv";
const AUDIENCE = "ministry-ops";

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateKey: privateKey as CryptoKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

function sign(key: Key, claims: { sub?: string; aud?: string; iss?: string; expIn?: number; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: "Nguyễn Văn A", roles: ["unit_head"], unit: "VP" })
    .setProtectedHeader({ alg: "ES256", kid: claims.kid ?? key.kid, typ: "JWT" })
    .setSubject(claims.sub ?? "vp-head")
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (claims.expIn ?? 600))
    .sign(key.privateKey);
}

let served: JWK[] = [];
let fetches = 0;
let failing = false;
let provider: http.Server;
let gateway: RunningGateway;
let key1: Key;
let key2: Key;

const me = (token?: string, header?: string) =>
  fetch(`${gateway.url}/v1/me`, { headers: header ? { authorization: header } : token ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  key1 = await newKey("key-2026-11");
  key2 = await newKey("key-2026-12");
  served = [key1.jwk];
  provider = http.createServer((_req, res) => {
    fetches++;
    if (failing) return res.writeHead(500).end("down");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((r) => provider.listen(0, "127.0.0.1", r));
  gateway = await startGateway({
    env: {
      ...process.env,
      LOG_LEVEL: "silent",
      DEV_MODE: "false",
      NODE_ENV: "production",
      AUTH_JWKS_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/realms/bnv/protocol/openid-connect/certs`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_COOLDOWN_MS: "0",
      HTTP_PORT: "0",
      ADMIN_PORT: "0",
      OPS_SCRAPE_INTERVAL_MS: "3600000",
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await new Promise((r) => provider?.close(r));
});

describe("bearer tokens verified against the provider's JWKS", () => {
  it("accepts a token the provider signed, and fetches the key set once for many requests", async () => {
    const token = await sign(key1);
    const before = fetches;
    for (let i = 0; i < 5; i++) {
      const res = await me(token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: "vp-head", name: "Nguyễn Văn A", roles: ["unit_head"], unitId: "VP" });
    }
    expect(fetches - before).toBeLessThanOrEqual(1);
  });

  it.each([
    ["no token", undefined, undefined, "TOKEN_MISSING"],
    ["a header that is not Bearer", undefined, "Basic dXNlcjpwYXNz", "TOKEN_INVALID"],
    ["garbage", "abc.def.ghi", undefined, "TOKEN_INVALID"],
  ])("refuses %s with 401 problem+json", async (_what, token, header, reason) => {
    const res = await me(token, header);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="ministry-ops"/);
    const body = await res.json();
    expect(body).toMatchObject({ status: 401, reason });
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it("refuses a bad signature, a wrong audience, a wrong issuer and an expired token", async () => {
    const forged = await newKey(key1.kid); // same key id, another key: the signature does not verify
    const cases: [string, string, string][] = [
      ["bad signature", await sign(forged), "TOKEN_INVALID"],
      ["wrong audience", await sign(key1, { aud: "another-system" }), "TOKEN_INVALID"],
      ["wrong issuer", await sign(key1, { iss: "https://evil.example" }), "TOKEN_INVALID"],
      ["expired", await sign(key1, { expIn: -120 }), "TOKEN_EXPIRED"],
    ];
    for (const [what, token, reason] of cases) {
      const res = await me(token);
      expect(res.status, what).toBe(401);
      const body = await res.json();
      expect(body.reason, what).toBe(reason);
      expect(res.headers.get("www-authenticate"), what).toContain('error="invalid_token"');
    }
  });

  it("follows a key rotation: a token signed with a new key id fetches the key set again", async () => {
    served = [key1.jwk, key2.jwk];
    const res = await me(await sign(key2));
    expect(res.status).toBe(200);
    // The old key withdrawn: a new token signed with it is refused once the set is fetched again.
    served = [key2.jwk];
    const key3 = await newKey("key-2027-01");
    served = [key2.jwk, key3.jwk];
    expect((await me(await sign(key3))).status).toBe(200);
    const withdrawn = await me(await sign(key1, { sub: "someone-new" }));
    expect(withdrawn.status).toBe(401);
  });

  it("answers 503 (not 401) when the provider's key set cannot be fetched", async () => {
    failing = true;
    try {
      const unknown = await newKey("key-unknown");
      const res = await me(await sign(unknown));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect((await res.json()).reason).toBe("KEYS_UNAVAILABLE");
    } finally {
      failing = false;
    }
  });
});
