/**
 * The default run's sign-in: the directory's seeded people listed from the notifications service, a
 * token issued for the one chosen, accepted by the gateway and the services, handed to the docs page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

describe("dev sign-in", () => {
  it("lists the seeded people: the Minister, the Deputy Ministers, the Chief of Office, heads, staff and clerks", async () => {
    const res = await fetch(`${sys.gateway.url}/dev/sign-in`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    for (const id of ["minister", "deputy-minister-1", "deputy-minister-4", "vp-head", "tcbc-head", "pc-staff", "vp-clerk", "ops"])
      expect(html, id).toContain(`value="${id}"`);
    expect(html).toContain("Bộ trưởng");
    expect(html).toContain("Chánh Văn phòng");
    expect(html).not.toContain("<script>");
    // The Minister comes first, before the units' people.
    expect(html.indexOf('value="minister"')).toBeLessThan(html.indexOf('value="tcbc-head"'));
  });

  it("signs in as the Chief of Office: the token works at the gateway and at the services, and is handed to the docs page", async () => {
    const res = await fetch(`${sys.gateway.url}/dev/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "person=vp-head",
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/dev/sign-in.js"></script>');
    expect(html).toContain('href="/docs"');
    const token = /<textarea id="token"[^>]*>([^<]+)<\/textarea>/.exec(html)![1]!;
    const me = await sys.http("GET", "/v1/me", { token });
    expect(me.json).toMatchObject({ id: "vp-head", roles: ["office_chief", "unit_head"], unitId: "VP" });
    const meeting = await sys.http("GET", "/v1/tasks", { token, query: { pageSize: 1 } });
    expect(meeting.status).toBe(200);
    const script = await fetch(`${sys.gateway.url}/dev/sign-in.js`);
    expect(await script.text()).toContain('localStorage.setItem("authorized"');
  });

  it("answers JSON to a script, and 404 for a person who is not in the directory", async () => {
    const res = await sys.http("POST", "/dev/sign-in", { body: { person: "minister" }, headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ tokenType: "Bearer", person: { id: "minister", roles: ["minister"] } });
    expect((await sys.http("GET", "/v1/me", { token: res.json.accessToken })).json.roles).toEqual(["minister"]);
    const nobody = await sys.http("POST", "/dev/sign-in", { body: { person: "mallory" }, headers: { accept: "application/json" } });
    expect(nobody.status).toBe(404);
    expect(nobody.json.reason).toBe("NO_SUCH_PERSON");
    const empty = await sys.http("POST", "/dev/sign-in", { body: {}, headers: { accept: "application/json" } });
    expect(empty.status).toBe(400);
  });

  it("does not exist when not enabled", async () => {
    const gw = await sys.extraGateway({ DEV_SIGN_IN: "false" });
    expect((await fetch(`${gw.url}/dev/sign-in`)).status).toBe(404);
    expect(
      (
        await fetch(`${gw.url}/dev/sign-in`, {
          method: "POST",
          body: "person=minister",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        })
      ).status,
    ).toBe(404);
  });
});
