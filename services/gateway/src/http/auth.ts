/**
 * Who is calling: the bearer JWT verified here (issuer, audience, lifetime, signature against the
 * OIDC provider's JWKS, cached and refetched on an unknown key id, by the platform's verifier) and then
 * forwarded unchanged to the services, which verify it again and authorize.
 */
import { InvalidToken, KeysUnavailable, type Identity, type Verifier } from "@ministry/platform";
import type { FastifyRequest } from "fastify";
import { HttpProblem } from "./problem.js";

export interface Caller {
  identity: Identity;
  token: string;
}

declare module "fastify" {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** Routes anyone may call (docs, dev sign-in, calendar feeds with their secret). */
    public?: boolean;
    rpc?: string;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=+/]*)$/;

/** The bearer token of a request: the Authorization header, or (for EventSource, which cannot set headers) `access_token` in the query of an SSE route. */
export function bearerOf(req: FastifyRequest, allowQuery: boolean): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = BEARER.exec(header.trim());
    if (!m) throw unauthenticated("TOKEN_INVALID", "Tiêu đề Authorization phải là 'Bearer <JWT>' / Authorization must be 'Bearer <JWT>'");
    return m[1];
  }
  if (allowQuery) {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === "string" && q.length > 0 && q.length < 8192) return q;
  }
  return undefined;
}

export async function authenticate(req: FastifyRequest, verifier: Verifier, allowQuery = false): Promise<Caller> {
  const token = bearerOf(req, allowQuery);
  if (!token) throw unauthenticated("TOKEN_MISSING", "Cần đăng nhập: thiếu mã truy cập / Sign-in required: no bearer token");
  if (token.length > 8192) throw unauthenticated("TOKEN_INVALID", "Mã truy cập quá dài / Token too long");
  try {
    return { identity: await verifier.verify(token), token };
  } catch (err) {
    if (err instanceof InvalidToken) throw unauthenticated(err.reason, err.message);
    if (err instanceof KeysUnavailable)
      throw new HttpProblem(
        503,
        "KEYS_UNAVAILABLE",
        "Không lấy được khóa xác thực / Token signing keys are unavailable",
        {},
        { "retry-after": "5" },
      );
    throw err;
  }
}

function unauthenticated(reason: string, message: string): HttpProblem {
  const error = reason === "TOKEN_MISSING" ? "" : ` error="invalid_token", error_description="${reason}"`;
  return new HttpProblem(401, reason, message, {}, { "www-authenticate": `Bearer realm="ministry-ops"${error ? `,${error}` : ""}` });
}
