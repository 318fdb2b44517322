/**
 * The notifications service's admin routes through HTTP against the real system: templates (list,
 * override, reset, preview), webhooks (create, list, disable) and the delivery log. Every route's happy
 * path as `admin`, its validation failure (400 problem+json naming the field in JSON names), and 403 for
 * anyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";
import { expectViolations } from "../problems.js";

let sys: SystemHarness;
beforeAll(async () => {
  // Waiting polls the gateway; the limits are not what this file tests.
  sys = await startSystem({ gatewayEnv: { RATE_LIMIT_PER_USER: "100000", RATE_LIMIT_PER_IP: "100000" } });
}, 120_000);
afterAll(async () => sys?.stop());

const TEMPLATES = "/v1/admin/notification-templates";
const overdueInbox = {
  channel: "CHANNEL_INBOX",
  locale: "vi",
  subject: "[KHẨN] {{task.code}} quá hạn",
  text: "Nhiệm vụ {{task.title}} đã quá hạn từ {{date dueAt}}.",
  html: "",
};

describe("templates", () => {
  it("GET lists every template, or one event type's", async () => {
    const all = await sys.http("GET", TEMPLATES, { as: "admin" });
    expect(all.status).toBe(200);
    expect(all.json.templates.length).toBeGreaterThan(4);
    const one = await sys.http("GET", TEMPLATES, { as: "admin", query: { event: "tasks.task.overdue" } });
    expect(one.json.templates.map((t: { channel: string; locale: string }) => `${t.channel}|${t.locale}`).sort()).toEqual([
      "CHANNEL_EMAIL|en",
      "CHANNEL_EMAIL|vi",
      "CHANNEL_INBOX|en",
      "CHANNEL_INBOX|vi",
    ]);
    expectViolations(await sys.http("GET", TEMPLATES, { as: "admin", query: { eventType: "x".repeat(129) } }), ["eventType"]);
  });

  it("PUT overrides one, POST reset restores the built-in one", async () => {
    const url = `${TEMPLATES}/tasks.task.overdue`;
    const saved = await sys.http("PUT", url, { as: "admin", body: { template: overdueInbox } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.json.template).toMatchObject({
      eventType: "tasks.task.overdue",
      overridden: true,
      version: 1,
      updatedBy: "admin",
      subject: overdueInbox.subject,
    });
    const listed = await sys.http("GET", TEMPLATES, { as: "admin", query: { eventType: "tasks.task.overdue" } });
    expect(listed.json.templates.filter((t: { overridden: boolean }) => t.overridden)).toHaveLength(1);

    expectViolations(
      await sys.http("PUT", url, { as: "admin", body: { template: { ...overdueInbox, subject: "{{#if task.code}}no end" } } }),
      ["template.subject"],
    );
    expectViolations(await sys.http("PUT", url, { as: "admin", body: { template: { ...overdueInbox, channel: "CHANNEL_PIGEON" } } }), [
      "template.channel",
    ]);
    expectViolations(
      await sys.http("PUT", url, { as: "admin", body: { template: { ...overdueInbox, eventType: "tasks.task.created" } } }),
      ["template.eventType"],
    );

    const reset = await sys.http("POST", `${url}/reset`, { as: "admin", body: { channel: "CHANNEL_INBOX", locale: "vi" } });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.json.template).toMatchObject({ eventType: "tasks.task.overdue", overridden: false });
    expect(reset.json.template.subject).not.toBe(overdueInbox.subject);
    expectViolations(await sys.http("POST", `${url}/reset`, { as: "admin", body: { channel: "CHANNEL_INBOX", locale: "fr" } }), ["locale"]);
  });

  it("POST preview renders with sample data and saves nothing", async () => {
    const url = `${TEMPLATES}/tasks.task.overdue/preview`;
    const email = {
      channel: "CHANNEL_EMAIL",
      locale: "vi",
      subject: "Xem trước: {{task.code}}",
      text: "Nhiệm vụ {{task.title}}",
      html: "<p>{{task.title}}</p>",
    };
    const res = await sys.http("POST", url, { as: "admin", body: { template: email } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.subject).toMatch(/^Xem trước: \S+/);
    expect(res.json.html).toContain("<p>");
    const listed = await sys.http("GET", TEMPLATES, { as: "admin", query: { eventType: "tasks.task.overdue" } });
    expect(listed.json.templates.some((t: { subject: string }) => t.subject === email.subject)).toBe(false);
    expectViolations(await sys.http("POST", url, { as: "admin", body: { template: { ...email, html: "<p>{{{task.title}}}</p>" } } }), [
      "template.html",
    ]);
  });
});

describe("webhooks and deliveries", () => {
  it("POST creates (201, with its secret once), GET lists, POST disable", async () => {
    const created = await sys.http("POST", "/v1/admin/webhooks", {
      as: "admin",
      body: { url: "http://127.0.0.1:9/hooks/ministry", eventTypes: ["tasks.task.withdrawn"], description: "Cổng thông tin thử nghiệm" },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_/);
    expect(created.json.webhook).toMatchObject({
      url: "http://127.0.0.1:9/hooks/ministry",
      eventTypes: ["tasks.task.withdrawn"],
      active: true,
      createdBy: "admin",
    });
    const id = created.json.webhook.id as string;

    const listed = await sys.http("GET", "/v1/admin/webhooks", { as: "admin", query: { pageSize: 50 } });
    expect(listed.status).toBe(200);
    const mine = listed.json.webhooks.find((w: { id: string }) => w.id === id);
    expect(mine).toMatchObject({ active: true });
    expect(JSON.stringify(listed.json)).not.toContain(created.json.secret);

    const disabled = await sys.http("POST", `/v1/admin/webhooks/${id}/disable`, { as: "admin", body: {} });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.json.webhook).toMatchObject({ id, active: false });

    expectViolations(await sys.http("POST", "/v1/admin/webhooks", { as: "admin", body: { url: "ftp://example.org/x", eventTypes: [] } }), [
      "url",
      "eventTypes",
    ]);
    expectViolations(
      await sys.http("POST", "/v1/admin/webhooks", { as: "admin", body: { url: "http://example.org/x", eventTypes: "tasks.*" } }),
      ["eventTypes"],
    );
    expectViolations(await sys.http("GET", "/v1/admin/webhooks", { as: "admin", query: { pageSize: "all" } }), ["pageSize"]);
    expectViolations(await sys.http("POST", `/v1/admin/webhooks/${"w".repeat(129)}/disable`, { as: "admin", body: {} }), ["id"]);
  });

  it("GET /v1/admin/deliveries filters the log by recipient, channel and status", async () => {
    // The seed briefing's invitations are emailed to the Chief of Office (dispatched in the background).
    const sent = await sys.until(
      async () => {
        const r = await sys.http("GET", "/v1/admin/deliveries", {
          as: "admin",
          query: { recipient: "vp-head", channel: "email", status: "sent" },
        });
        return r.json?.deliveries?.length ? r : undefined;
      },
      "an email sent to vp-head",
      30_000,
    );
    expect(sent.status).toBe(200);
    for (const d of sent.json.deliveries) {
      expect(d).toMatchObject({
        recipientId: "vp-head",
        delivery: { channel: "CHANNEL_EMAIL", status: "DELIVERY_STATUS_SENT", target: "vp-head@bnv.gov.example" },
      });
    }
    const byEvent = await sys.http("GET", "/v1/admin/deliveries", { as: "admin", query: { event: sent.json.deliveries[0].eventId } });
    expect(byEvent.json.deliveries.every((d: { eventId: string }) => d.eventId === sent.json.deliveries[0].eventId)).toBe(true);

    expectViolations(await sys.http("GET", "/v1/admin/deliveries", { as: "admin", query: { channel: "fax" } }), ["channel"]);
    expectViolations(await sys.http("GET", "/v1/admin/deliveries", { as: "admin", query: { recipient: "r".repeat(129) } }), [
      "recipientId",
    ]);
  });
});

describe("who may", () => {
  it("every admin route answers 403 to a non-admin, before looking at the request", async () => {
    const calls: [string, string, unknown?][] = [
      ["GET", TEMPLATES],
      ["PUT", `${TEMPLATES}/tasks.task.overdue`, { template: overdueInbox }],
      ["POST", `${TEMPLATES}/tasks.task.overdue/reset`, { channel: "CHANNEL_INBOX", locale: "vi" }],
      ["POST", `${TEMPLATES}/tasks.task.overdue/preview`, { template: overdueInbox }],
      ["GET", "/v1/admin/webhooks"],
      ["POST", "/v1/admin/webhooks", { url: "http://example.org/x", eventTypes: ["tasks.*"] }],
      ["POST", "/v1/admin/webhooks/wh-1/disable", {}],
      ["GET", "/v1/admin/deliveries"],
    ];
    for (const as of ["vp-head", "ops"])
      for (const [method, url, body] of calls) {
        const res = await sys.http(method, url, { as, body });
        expect(res.status, `${as}: ${method} ${url}`).toBe(403);
        expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      }
  });
});
