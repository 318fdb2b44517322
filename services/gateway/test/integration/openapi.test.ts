/**
 * The published contract: /openapi.json is a valid OpenAPI 3.1 document by an independent validator
 * (@seriousme/openapi-schema-validator, not the library that wrote it), every $ref in it resolves, and
 * every operation in it is served: called with a token and placeholder parameters, each answers from
 * its route (a result or a problem of its own), never "no such route" and never a server error.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type Loose, type SystemHarness } from "../harness.js";

let sys: SystemHarness;
let doc: Loose;
beforeAll(async () => {
  sys = await startSystem();
  doc = (await sys.http("GET", "/openapi.json")).json;
}, 120_000);
afterAll(async () => sys?.stop());

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

describe("the OpenAPI document", () => {
  it("is served without a token and validates as OpenAPI 3.1", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // Every reference resolves (the validator dereferences the whole document).
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("documents every route the gateway serves, with a summary, a tag, its security and its problem answers", async () => {
    const served = sys.gateway.routes.map((r) => `${r.spec.method.toLowerCase()} ${r.spec.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => METHODS.filter((m) => (ops as Loose)[m]).map((m) => `${m} ${p}`));
    for (const r of served) expect(documented).toContain(r);
    for (const [p, ops] of Object.entries<Loose>(doc.paths)) {
      for (const m of METHODS) {
        const op = ops[m];
        if (!op) continue;
        expect(op.summary, `${m} ${p}`).toBeTruthy();
        expect(op.tags?.length, `${m} ${p}`).toBeGreaterThan(0);
        if (!p.startsWith("/v1/calendar/")) expect(op.security, `${m} ${p}`).toEqual([{ bearerAuth: [] }]);
      }
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("answers every documented operation from its own route", async () => {
    const token = await sys.token("admin");
    const failures: string[] = [];
    let called = 0;
    for (const [p, ops] of Object.entries<Loose>(doc.paths)) {
      for (const m of METHODS) {
        if (!ops[m]) continue;
        if (p === "/v1/me/events") continue; // an endless stream: its own test reads it
        const url = p.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name) => (name === "feed" ? "0123456789abcdef0123.ics" : `probe-${name}`));
        const res = await fetch(`${sys.gateway.url}${url}`, {
          method: m.toUpperCase(),
          headers: { authorization: `Bearer ${token}`, ...(m === "get" || m === "delete" ? {} : { "content-type": "application/json" }) },
          body: m === "get" || m === "delete" ? undefined : "{}",
        });
        called++;
        const type = res.headers.get("content-type") ?? "";
        const body = type.includes("json") ? await res.json() : await res.arrayBuffer();
        if (res.status >= 500 && res.status !== 503) failures.push(`${m} ${p}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        if (res.status === 404 && (body as Loose).reason === "NO_SUCH_ROUTE") failures.push(`${m} ${p}: no such route`);
        if (res.status >= 400 && !type.includes("application/problem+json")) failures.push(`${m} ${p}: ${res.status} without problem+json`);
      }
    }
    expect(failures).toEqual([]);
    expect(called).toBeGreaterThanOrEqual(sys.gateway.routes.length);
  }, 120_000);
});
