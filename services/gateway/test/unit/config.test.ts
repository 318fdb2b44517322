/** The dev sign-in can never be turned on by a production configuration. */
import { ConfigError } from "@ministry/platform";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../../src/config.js";

const problemsOf = (env: Record<string, string>) => {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.variable);
    throw err;
  }
  return [];
};

describe("gateway configuration", () => {
  it("allows the dev sign-in only with DEV_MODE and the local signing key", () => {
    expect(problemsOf({ DEV_MODE: "true", DEV_SIGN_IN: "true" })).toEqual([]);
    expect(loadGatewayConfig({ DEV_MODE: "true", DEV_SIGN_IN: "true" }).DEV_SIGN_IN).toBe(true);
  });

  it.each([
    ["production", { NODE_ENV: "production", DEV_MODE: "true", DEV_SIGN_IN: "true" }, ["DEV_MODE", "DEV_SIGN_IN"]],
    ["no DEV_MODE", { DEV_SIGN_IN: "true", AUTH_JWKS_URL: "https://sso.moha.gov.vn/certs" }, ["DEV_SIGN_IN"]],
    ["the provider's JWKS", { DEV_MODE: "true", DEV_SIGN_IN: "true", AUTH_JWKS_URL: "https://sso.moha.gov.vn/certs" }, ["DEV_SIGN_IN"]],
    [
      "production without the flag",
      { NODE_ENV: "production", DEV_SIGN_IN: "true", AUTH_JWKS_URL: "https://sso.moha.gov.vn/certs" },
      ["DEV_SIGN_IN"],
    ],
  ])("refuses DEV_SIGN_IN with %s", (_what, env, variables) => {
    expect(problemsOf(env as Record<string, string>)).toEqual(variables);
  });

  it("requires the provider's JWKS outside DEV_MODE and refuses a local key there", () => {
    expect(problemsOf({})).toEqual(["AUTH_JWKS_URL"]);
    expect(problemsOf({ AUTH_JWKS_URL: "https://sso.moha.gov.vn/certs", AUTH_LOCAL_KEY_PATH: "/tmp/k.pem" })).toEqual([
      "AUTH_LOCAL_KEY_PATH",
    ]);
  });

  it("reads the portal origins as a list", () => {
    const c = loadGatewayConfig({ DEV_MODE: "true", CORS_ORIGINS: " https://portal.moha.gov.vn , https://ops.moha.gov.vn" });
    expect(c.CORS_ORIGINS).toEqual(["https://portal.moha.gov.vn", "https://ops.moha.gov.vn"]);
    expect(loadGatewayConfig({ DEV_MODE: "true" }).CORS_ORIGINS).toEqual([]);
  });
});
