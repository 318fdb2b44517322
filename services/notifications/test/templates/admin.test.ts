/**
 * Admins' template overrides against the embedded MongoDB-compatible server (through the official
 * driver): validation, storage, the renderer using an override after refresh, reset, preview, and the
 * fallback when a stored override breaks.
 */
import {
  AuditLog,
  connectMongo,
  createLogger,
  InvalidArgument,
  ManualClock,
  Outbox,
  PermissionDenied,
  RequestLog,
  runInRequestScope,
  type Identity,
  type MongoConnection,
} from "@ministry/platform";
import { Channel } from "@ministry/proto/ministry/notifications/v1/notifications";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppContext } from "../../src/app/context.js";
import { TemplateAdmin, type TemplateInput } from "../../src/app/templates.js";
import { notificationsConfigSchema } from "../../src/config.js";
import { templateAdminHandlers } from "../../src/grpc/template-handlers.js";
import type { TemplateDoc } from "../../src/store/documents.js";
import { TEMPLATES } from "../../src/store/indexes.js";
import { builtinKeys, HandlebarsRenderer, sampleTemplateData } from "../../src/templates/index.js";
import type { RenderContext } from "../../src/templates/types.js";

const admin: Identity = { userId: "admin.he.thong", name: "Quản trị hệ thống", roles: ["admin"] };
const staff: Identity = { userId: "nguyen.van.an", name: "Nguyễn Văn An", roles: ["staff", "unit_head"], unitId: "CTTN" };
const reader: RenderContext = {
  locale: "vi",
  timeZone: "Asia/Ho_Chi_Minh",
  recipientName: "Trần Thị Bình",
  portalUrl: "http://portal.test",
};

let mongo: MongoConnection;
let app: AppContext;
let renderer: HandlebarsRenderer;
let templates: TemplateAdmin;
const clock = new ManualClock("2020-05-20T02:00:00Z");

beforeAll(async () => {
  mongo = await connectMongo({ uri: undefined, dbName: "notifications-templates-test", allowEmbedded: true });
  app = new AppContext({
    client: mongo.client,
    db: mongo.db,
    clock,
    outbox: new Outbox({ db: mongo.db, clock }),
    audit: new AuditLog(mongo.db, { clock }),
    requests: new RequestLog(mongo.client, mongo.db, { clock }),
    config: notificationsConfigSchema.parse({}),
    log: createLogger("notifications-test", "silent"),
  });
  renderer = new HandlebarsRenderer(mongo.db);
  templates = new TemplateAdmin(app, renderer);
});

afterAll(async () => {
  await mongo?.close();
});

beforeEach(async () => {
  await mongo.db.collection(TEMPLATES).deleteMany({});
  await renderer.refresh();
});

function overdueEmail(over: Partial<TemplateInput> = {}): TemplateInput {
  return {
    eventType: "tasks.task.overdue",
    channel: "email",
    locale: "vi",
    subject: "[KHẨN] {{task.code}} quá hạn {{days daysAfter}}",
    text: "Nhiệm vụ {{task.title}} đã quá hạn từ {{date dueAt}}.",
    html: "<p>Nhiệm vụ <strong>{{task.title}}</strong> đã quá hạn từ {{long_date dueAt}}.</p>",
    ...over,
  };
}

async function refused(p: Promise<unknown>): Promise<InvalidArgument> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidArgument);
  return err as InvalidArgument;
}

const overdueData = () => sampleTemplateData("tasks.task.overdue", { officeUnitId: "VP" })!;

describe("who may", () => {
  it("only admins, before anything is checked", async () => {
    await expect(templates.list(staff)).rejects.toBeInstanceOf(PermissionDenied);
    // an invalid request from a non-admin is refused for the role, not for its content
    await expect(templates.upsert(staff, { template: overdueEmail({ subject: "{{#if}}" }) })).rejects.toBeInstanceOf(PermissionDenied);
    await expect(templates.reset(staff, { eventType: "nope", channel: undefined, locale: "xx" })).rejects.toBeInstanceOf(PermissionDenied);
    await expect(templates.preview(staff, { template: overdueEmail() })).rejects.toBeInstanceOf(PermissionDenied);
  });
});

describe("validation", () => {
  it("a template that does not compile is refused, naming the part and the Handlebars error", async () => {
    const err = await refused(templates.upsert(admin, { template: overdueEmail({ subject: "{{#if task.code}}no end" }) }));
    expect(err.violations.map((v) => v.field)).toEqual(["template.subject"]);
    expect(err.violations[0]!.description).toMatch(/Mẫu không dùng được: .*Parse error|Expecting/s);
    expect(await mongo.db.collection(TEMPLATES).countDocuments()).toBe(0);
  });

  it("a template that throws with the sample data is refused", async () => {
    const err = await refused(templates.upsert(admin, { template: overdueEmail({ text: "{{missing_helper task.code}}" }) }));
    expect(err.violations).toEqual([{ field: "template.text", description: expect.stringContaining("missing_helper") }]);
  });

  it("a template that renders an empty subject is refused", async () => {
    const err = await refused(templates.upsert(admin, { template: overdueEmail({ subject: "{{nothing_here}}   " }) }));
    expect(err.violations.map((v) => v.field)).toEqual(["template.subject"]);
  });

  it("HTML may not write values unescaped", async () => {
    const err = await refused(templates.upsert(admin, { template: overdueEmail({ html: "<p>{{{task.title}}}</p>" }) }));
    expect(err.violations.map((v) => v.field)).toEqual(["template.html"]);
    const amp = await refused(templates.upsert(admin, { template: overdueEmail({ html: "<p>{{& task.title}}</p>" }) }));
    expect(amp.violations.map((v) => v.field)).toEqual(["template.html"]);
  });

  it("names every problem of the key and the parts at once", async () => {
    const err = await refused(
      templates.upsert(admin, {
        template: { eventType: "tasks.task.unknown", channel: "webhook", locale: "fr", subject: "", text: "x".repeat(20_001), html: "" },
      }),
    );
    expect(err.violations.map((v) => v.field).sort()).toEqual(
      ["template.channel", "template.event_type", "template.locale", "template.subject", "template.text"].sort(),
    );
    expect(err.violations.find((v) => v.field === "template.text")?.description).toContain("20000");
  });

  it("the digest has no inbox template; inbox templates have no HTML; email needs HTML", async () => {
    const digestInbox = await refused(
      templates.upsert(admin, { template: { ...overdueEmail(), eventType: "digest", channel: "inbox", html: "" } }),
    );
    expect(digestInbox.violations.map((v) => v.field)).toEqual(["template.channel"]);
    const inboxHtml = await refused(templates.upsert(admin, { template: overdueEmail({ channel: "inbox" }) }));
    expect(inboxHtml.violations.map((v) => v.field)).toEqual(["template.html"]);
    const noHtml = await refused(templates.upsert(admin, { template: overdueEmail({ html: " " }) }));
    expect(noHtml.violations.map((v) => v.field)).toEqual(["template.html"]);
    const missing = await refused(templates.upsert(admin, { template: undefined }));
    expect(missing.violations.map((v) => v.field)).toEqual(["template"]);
  });
});

describe("overrides", () => {
  it("a good one is stored with its version and author, audited, and used after refresh", async () => {
    const before = renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, overdueData(), reader);
    expect(before.subject).toBe("Nhiệm vụ quá hạn: QP-01 Luật Thanh niên (sửa đổi)");

    const saved = await templates.upsert(admin, { requestId: "r-1", template: overdueEmail() });
    expect(saved).toMatchObject({ overridden: true, version: 1, updatedBy: admin.userId, updatedAt: clock.now() });
    const doc = await mongo.db.collection<TemplateDoc>(TEMPLATES).findOne({ _id: "tasks.task.overdue|email|vi" });
    expect(doc).toMatchObject({ version: 1, updatedBy: admin.userId, subject: overdueEmail().subject });
    const audit = await new AuditLog(mongo.db).collection.find({ "target.id": "tasks.task.overdue|email|vi" }).toArray();
    expect(audit.map((a) => a.action)).toEqual(["template.updated"]);

    const after = renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, overdueData(), reader);
    expect(after.subject).toBe("[KHẨN] QP-01 quá hạn 3 ngày");
    expect(after.text).toContain("Nhiệm vụ Luật Thanh niên (sửa đổi) đã quá hạn từ 31/05/2020.");
    expect(after.html).toContain("<strong>Luật Thanh niên (sửa đổi)</strong> đã quá hạn từ ngày 31 tháng 05 năm 2020.");
    // the English template is untouched
    expect(
      renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, overdueData(), { ...reader, locale: "en" }).subject,
    ).toMatch(/^Overdue task:/);

    // a retry answers the first result; a second change bumps the version
    const retried = await templates.upsert(admin, { requestId: "r-1", template: overdueEmail() });
    expect(retried.version).toBe(1);
    const second = await templates.upsert(admin, { template: overdueEmail({ subject: "Quá hạn: {{task.code}}" }) });
    expect(second.version).toBe(2);
    expect(renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, overdueData(), reader).subject).toBe("Quá hạn: QP-01");
  });

  it("an override's HTML still escapes event text", async () => {
    await templates.upsert(admin, { template: overdueEmail() });
    const d = overdueData();
    const hostile = { ...d, task: { ...(d.task as object), title: "<script>x</script>" } };
    const m = renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, hostile, reader);
    expect(m.html).toContain("<strong>&lt;script&gt;x&lt;/script&gt;</strong>");
    expect(m.html).not.toContain("<script>");
  });

  it("list shows every built-in key with its override state; one event type on request", async () => {
    await templates.upsert(admin, { template: overdueEmail() });
    const all = await templates.list(admin);
    expect(all).toHaveLength(builtinKeys().length);
    const overridden = all.filter((t) => t.overridden);
    expect(overridden.map((t) => [t.eventType, t.channel, t.locale, t.version])).toEqual([["tasks.task.overdue", "email", "vi", 1]]);
    const one = await templates.list(admin, { eventType: "tasks.task.overdue" });
    expect(one.map((t) => `${t.channel}|${t.locale}`).sort()).toEqual(["email|en", "email|vi", "inbox|en", "inbox|vi"]);
    expect(one.find((t) => t.channel === "inbox" && t.locale === "vi")).toMatchObject({ overridden: false, version: 0, html: "" });
    expect(await templates.list(admin, { eventType: "no.such.type" })).toEqual([]);
  });

  it("reset brings the built-in template back", async () => {
    await templates.upsert(admin, { template: overdueEmail() });
    const reset = await templates.reset(admin, { eventType: "tasks.task.overdue", channel: "email", locale: "vi" });
    expect(reset).toMatchObject({
      overridden: false,
      version: 0,
      subject: renderer.builtin({ eventType: "tasks.task.overdue", channel: "email", locale: "vi" })!.subject,
    });
    expect(await mongo.db.collection(TEMPLATES).countDocuments()).toBe(0);
    expect(renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, overdueData(), reader).subject).toBe(
      "Nhiệm vụ quá hạn: QP-01 Luật Thanh niên (sửa đổi)",
    );
    const err = await refused(templates.reset(admin, { eventType: "tasks.task.overdue", channel: undefined, locale: "vi" }));
    expect(err.violations.map((v) => v.field)).toEqual(["channel"]);
  });

  it("a stored override that fails on an event falls back to the built-in template", async () => {
    // Written behind the validation's back (by hand, or valid for the sample but not for this event).
    const now = clock.now();
    await mongo.db.collection<TemplateDoc>(TEMPLATES).insertMany([
      {
        _id: "tasks.task.overdue|inbox|vi",
        eventType: "tasks.task.overdue",
        channel: "inbox",
        locale: "vi",
        subject: "{{no_such_helper task.code}}",
        text: "x",
        html: "",
        version: 1,
        updatedAt: now,
        updatedBy: "someone",
      },
      {
        _id: "tasks.task.completed|inbox|vi",
        eventType: "tasks.task.completed",
        channel: "inbox",
        locale: "vi",
        subject: "{{#each}}",
        text: "x",
        html: "",
        version: 1,
        updatedAt: now,
        updatedBy: "someone",
      },
    ]);
    await renderer.refresh();
    const m = renderer.render({ eventType: "tasks.task.overdue", channel: "inbox" }, overdueData(), reader);
    expect(m.subject).toBe("Nhiệm vụ quá hạn: QP-01 Luật Thanh niên (sửa đổi)");
    const completed = sampleTemplateData("tasks.task.completed", { officeUnitId: "VP" })!;
    expect(renderer.render({ eventType: "tasks.task.completed", channel: "inbox" }, completed, reader).subject).toBe(
      "Hoàn thành nhiệm vụ: QP-01 Luật Thanh niên (sửa đổi)",
    );
  });

  it("an English override falls back to Vietnamese only when English has none at all", async () => {
    await templates.upsert(admin, {
      template: overdueEmail({ channel: "inbox", html: "", locale: "en", subject: "EN {{task.code}}", text: "Overdue {{task.code}}" }),
    });
    expect(renderer.render({ eventType: "tasks.task.overdue", channel: "inbox" }, overdueData(), { ...reader, locale: "en" }).subject).toBe(
      "EN QP-01",
    );
    expect(renderer.render({ eventType: "tasks.task.overdue", channel: "inbox" }, overdueData(), reader).subject).toMatch(
      /^Nhiệm vụ quá hạn/,
    );
  });
});

describe("preview", () => {
  it("renders candidate sources with the sample data, saving nothing", async () => {
    const m = await templates.preview(admin, { template: overdueEmail() });
    expect(m.subject).toBe("[KHẨN] QP-01 quá hạn 3 ngày");
    expect(m.html).toContain("BỘ NỘI VỤ");
    expect(await mongo.db.collection(TEMPLATES).countDocuments()).toBe(0);
    const err = await refused(templates.preview(admin, { template: overdueEmail({ html: "{{#each}}" }) }));
    expect(err.violations.map((v) => v.field)).toEqual(["template.html"]);
  });

  it("without sources, previews what applies now; the digest with its sample", async () => {
    const builtin = await templates.preview(admin, {
      template: { eventType: "tasks.task.due_soon", channel: "inbox", locale: "en", subject: "", text: "", html: "" },
    });
    expect(builtin.subject).toBe("Due soon: QP-01 Luật Thanh niên (sửa đổi)");
    const digest = await templates.preview(admin, {
      template: { eventType: "digest", channel: "email", locale: "vi", subject: "", text: "", html: "" },
    });
    expect(digest.subject).toContain("Tổng hợp thông báo");
  });
});

describe("gRPC handlers", () => {
  const handlers = () => templateAdminHandlers(templates);
  const call = <T>(identity: Identity, fn: () => Promise<T>) => runInRequestScope({ identity, deadline: Number.POSITIVE_INFINITY }, fn);

  it("map proto templates and channels both ways", async () => {
    const h = handlers();
    const upserted = await call(admin, () =>
      (h.upsertTemplate as unknown as (c: unknown) => Promise<{ template: { channel: Channel; overridden: boolean; version: number } }>)({
        request: {
          requestId: "",
          template: { ...overdueEmail(), channel: Channel.CHANNEL_EMAIL, overridden: false, version: 0, updatedBy: "" },
        },
      }),
    );
    expect(upserted.template).toMatchObject({ channel: Channel.CHANNEL_EMAIL, overridden: true, version: 1 });
    const listed = await call(admin, () =>
      (h.listTemplates as unknown as (c: unknown) => Promise<{ templates: { channel: Channel; locale: string; overridden: boolean }[] }>)({
        request: { eventType: "tasks.task.overdue" },
      }),
    );
    expect(listed.templates.filter((t) => t.overridden)).toEqual([
      expect.objectContaining({ channel: Channel.CHANNEL_EMAIL, locale: "vi" }),
    ]);
    const refusedChannel = await call(admin, () =>
      (h.resetTemplate as unknown as (c: unknown) => Promise<unknown>)({
        request: { requestId: "", eventType: "tasks.task.overdue", channel: Channel.CHANNEL_WEBHOOK, locale: "vi" },
      }),
    ).catch((e: unknown) => e);
    expect(refusedChannel).toBeInstanceOf(InvalidArgument);
    await expect(
      call(staff, () => (h.previewTemplate as unknown as (c: unknown) => Promise<unknown>)({ request: { template: undefined } })),
    ).rejects.toBeInstanceOf(PermissionDenied);
  });
});
