import type { Db } from "mongodb";
import { describe, expect, it } from "vitest";
import type { Locale } from "../../src/domain/model.js";
import { ruleEventTypes } from "../../src/rules/index.js";
import { builtinKeys, DIGEST_SAMPLE, HandlebarsRenderer, MAX_TITLE_LENGTH, sampleTemplateData } from "../../src/templates/index.js";
import type { RenderContext } from "../../src/templates/types.js";

const env = { officeUnitId: "VP" };
// render() never touches the database: only refresh() does.
const renderer = new HandlebarsRenderer({} as Db);

function ctx(over: Partial<RenderContext> = {}): RenderContext {
  return {
    locale: "vi",
    timeZone: "Asia/Ho_Chi_Minh",
    recipientName: "Nguyễn Văn An",
    portalUrl: "https://congthongtin.moha.gov.vn/",
    ...over,
  };
}

function data(eventType: string) {
  const d = sampleTemplateData(eventType, env);
  if (!d) throw new Error(`no sample for ${eventType}`);
  return d;
}

/** Vietnamese letters with diacritics: a message that has none lost them somewhere. */
const VIETNAMESE = /[ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]/i;

describe("built-in templates", () => {
  it("exist for every rule's event type × channel × locale, and the digest's email", () => {
    const ids = new Set(builtinKeys().map((k) => `${k.eventType}|${k.channel}|${k.locale}`));
    for (const type of ruleEventTypes())
      for (const channel of ["inbox", "email"])
        for (const locale of ["vi", "en"]) expect(ids.has(`${type}|${channel}|${locale}`), `${type}|${channel}|${locale}`).toBe(true);
    expect(ids.has("digest|email|vi") && ids.has("digest|email|en")).toBe(true);
    expect(ids.has("digest|inbox|vi")).toBe(false);
  });

  const cases = builtinKeys().map((k) => [`${k.eventType} ${k.channel} ${k.locale}`, k] as const);
  it.each(cases)("%s renders a full message from its sample", (_name, key) => {
    const m = renderer.render({ eventType: key.eventType, channel: key.channel }, data(key.eventType), ctx({ locale: key.locale }));
    expect(m.subject.trim()).not.toBe("");
    expect(m.text.trim()).not.toBe("");
    expect(m.subject).not.toMatch(/\n|\{\{|undefined|\[object Object\]/);
    expect(m.text).not.toMatch(/\{\{|undefined|\[object Object\]|NaN/);
    if (key.channel === "inbox") {
      expect(m.html).toBe("");
      expect([...m.subject].length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    } else {
      expect(m.html).toMatch(/^<!DOCTYPE html>/);
      expect(m.html).toContain("BỘ NỘI VỤ");
      expect(m.html).not.toMatch(/\{\{|undefined|\[object Object\]|NaN/);
      // no external resources: the only address is the portal's
      expect(m.html).not.toMatch(/<img|<link|<script|src=/i);
      expect(m.html).toContain('href="https://congthongtin.moha.gov.vn');
    }
    if (key.eventType.startsWith("tasks.")) expect(m.subject).toContain("QP-01");
    if (key.eventType.startsWith("meetings.")) expect(m.subject).toContain("Giao ban công tác tháng 3 năm 2020");
    if (key.locale === "vi") {
      expect(m.text).toMatch(VIETNAMESE);
      expect(m.subject).toMatch(VIETNAMESE);
    }
  });

  it("email: greeting, the message, the link and the footer, in the recipient's language", () => {
    const vi = renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, data("tasks.task.overdue"), ctx());
    expect(vi.subject).toBe("Nhiệm vụ quá hạn: QP-01 Luật Thanh niên (sửa đổi)");
    expect(vi.text).toContain("Kính gửi Nguyễn Văn An,");
    expect(vi.text).toContain("Nhiệm vụ QP-01 “Luật Thanh niên (sửa đổi)” do Vụ Công tác thanh niên chủ trì đã quá hạn 3 ngày");
    expect(vi.text).toContain("https://congthongtin.moha.gov.vn/tasks/t-2020-qp-01");
    expect(vi.text).toContain("Thư gửi tự động từ hệ thống thông báo của Bộ Nội vụ");
    expect(vi.html).toContain('<a href="https://congthongtin.moha.gov.vn/tasks/t-2020-qp-01"');
    expect(vi.html).toContain("Thư gửi tự động từ hệ thống thông báo của Bộ Nội vụ");
    expect(vi.html).toContain('<html lang="vi">');

    const en = renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, data("tasks.task.overdue"), ctx({ locale: "en" }));
    expect(en.subject).toBe("Overdue task: QP-01 Luật Thanh niên (sửa đổi)");
    expect(en.text).toContain("Dear Nguyễn Văn An,");
    expect(en.text).toContain("is 3 days overdue (deadline May 2020, due 23:59 31/05/2020)");
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain("notification system of the Ministry of Home Affairs");
  });

  it("an English reader gets English, one whose language has no template gets Vietnamese", () => {
    const key = { eventType: "tasks.task.completed", channel: "inbox" as const };
    expect(renderer.render(key, data(key.eventType), ctx({ locale: "en" })).text).toContain("has been completed on time");
    const fallback = renderer.render(key, data(key.eventType), ctx({ locale: "fr" as Locale }));
    expect(fallback.subject).toBe("Hoàn thành nhiệm vụ: QP-01 Luật Thanh niên (sửa đổi)");
    expect(fallback.text).toContain("đã hoàn thành đúng hạn");
  });

  it("wording follows the data: overdue on the day, late completion, due in one day", () => {
    const overdue = { ...data("tasks.task.overdue"), daysAfter: 0 };
    expect(renderer.render({ eventType: "tasks.task.overdue", channel: "inbox" }, overdue, ctx()).text).toContain("đã hết thời hạn");
    const late = { ...data("tasks.task.completed"), onTime: false };
    expect(renderer.render({ eventType: "tasks.task.completed", channel: "inbox" }, late, ctx({ locale: "en" })).text).toContain(
      "after its deadline",
    );
    const dueSoon = { ...data("tasks.task.due_soon"), daysBefore: 1 };
    expect(renderer.render({ eventType: "tasks.task.due_soon", channel: "inbox" }, dueSoon, ctx({ locale: "en" })).text).toContain(
      "is due in 1 day,",
    );
  });

  it("cuts a long title for the inbox, never a word of the body", () => {
    const d = data("tasks.task.created");
    const long = { ...d, task: { ...(d.task as object), title: "Nghị định quy định chi tiết ".repeat(10).trim() } };
    const m = renderer.render({ eventType: "tasks.task.created", channel: "inbox" }, long, ctx());
    expect([...m.subject].length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(m.subject.endsWith("…")).toBe(true);
    expect(m.text).toContain("Nghị định quy định chi tiết ".repeat(10).trim());
  });
});

describe("dates in the recipient's time zone", () => {
  const dueSoon = (dueAt: Date) => ({ ...data("tasks.task.due_soon"), dueAt });

  it("the end of a day in Vietnam is that day, 23:59", () => {
    const d = { ...data("tasks.task.overdue"), dueAt: new Date("2020-05-31T16:59:59Z") };
    const m = renderer.render({ eventType: "tasks.task.overdue", channel: "email" }, d, ctx());
    expect(m.text).toContain("Hạn cuối: 23:59 31/05/2020");
  });

  it("just after midnight in Vietnam (still the day before in UTC) shows the Vietnamese day", () => {
    const m = renderer.render({ eventType: "tasks.task.due_soon", channel: "inbox" }, dueSoon(new Date("2020-01-04T17:30:00Z")), ctx());
    expect(m.text).toContain("(ngày 05 tháng 01 năm 2020)");
    const en = renderer.render(
      { eventType: "tasks.task.due_soon", channel: "inbox" },
      dueSoon(new Date("2020-01-04T17:30:00Z")),
      ctx({ locale: "en" }),
    );
    expect(en.text).toContain("on 5 January 2020.");
  });

  it("another zone shows its own day", () => {
    const m = renderer.render(
      { eventType: "tasks.task.due_soon", channel: "inbox" },
      dueSoon(new Date("2020-01-04T17:30:00Z")),
      ctx({ timeZone: "Europe/London" }),
    );
    expect(m.text).toContain("(ngày 04 tháng 01 năm 2020)");
  });

  it("an unknown zone falls back to Vietnam's rather than failing the message", () => {
    const m = renderer.render(
      { eventType: "tasks.task.due_soon", channel: "inbox" },
      dueSoon(new Date("2020-01-04T17:30:00Z")),
      ctx({ timeZone: "Mars/Olympus" }),
    );
    expect(m.text).toContain("(ngày 05 tháng 01 năm 2020)");
  });

  it("the digest lists the day's items with their local times and links", () => {
    const m = renderer.render({ eventType: "digest", channel: "email" }, DIGEST_SAMPLE, ctx());
    expect(m.subject).toBe("Tổng hợp thông báo ngày 25/05/2020 (2 thông báo)");
    expect(m.text).toContain("Hoàn thành nhiệm vụ: QP-02 Nghị định quy định về công tác thanh niên (10:15 24/05/2020)");
    expect(m.text).toContain("https://congthongtin.moha.gov.vn/tasks/t-2020-qp-07");
    expect(m.html.match(/<li /g)?.length).toBe(2);
    const critical = {
      ...DIGEST_SAMPLE,
      items: [{ title: "Quá hạn", body: "", createdAt: new Date(), critical: true, link: "" }],
      count: 1,
    };
    expect(renderer.render({ eventType: "digest", channel: "email" }, critical, ctx({ locale: "en" })).text).toContain(
      "[CRITICAL] Quá hạn",
    );
  });
});

describe("escaping", () => {
  const hostile = () => {
    const d = data("tasks.task.created");
    return { ...d, task: { ...(d.task as object), title: '<script>alert("x")</script> & <b>' }, note: "<img src=x onerror=alert(1)>" };
  };

  it("event text is escaped in HTML, and left as written in the text and subject", () => {
    const m = renderer.render({ eventType: "tasks.task.created", channel: "email" }, hostile(), ctx());
    expect(m.html).not.toContain("<script>");
    expect(m.html).not.toContain("<img");
    expect(m.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;");
    expect(m.text).toContain('<script>alert("x")</script> & <b>');
    expect(m.subject).toContain('<script>alert("x")</script> & <b>');
    expect(m.html).toContain("<title>Nhiệm vụ mới: QP-01 &lt;script&gt;");
  });

  it("the recipient's name and a hostile link are escaped or ignored", () => {
    const d = { ...data("tasks.task.created"), link: "javascript:alert(1)" };
    const m = renderer.render({ eventType: "tasks.task.created", channel: "email" }, d, ctx({ recipientName: "<b>An</b>" }));
    expect(m.html).toContain("Kính gửi &lt;b&gt;An&lt;/b&gt;,");
    expect(m.html).not.toContain("javascript:");
    expect(m.html).toContain('href="https://congthongtin.moha.gov.vn"');
  });
});

describe("an event type without templates", () => {
  it("gets a generic message from its data, never an empty one", () => {
    const d = { title: "Họp giao ban tuần", startsAt: new Date("2020-03-30T01:00:00Z"), room: "Phòng họp số 1", link: "/meetings/m-1" };
    const inbox = renderer.render({ eventType: "meetings.meeting.scheduled", channel: "inbox" }, d, ctx());
    expect(inbox.subject).toBe("Thông báo: Họp giao ban tuần");
    expect(inbox.text).toContain("startsAt: 08:00 30/03/2020");
    const email = renderer.render({ eventType: "meetings.meeting.scheduled", channel: "email" }, d, ctx({ locale: "en" }));
    expect(email.subject).toBe("Notification: Họp giao ban tuần");
    expect(email.html).toContain('href="https://congthongtin.moha.gov.vn/meetings/m-1"');
    const unknownLocale = renderer.render({ eventType: "x.y.z", channel: "email" }, d, ctx({ locale: "fr" as Locale }));
    expect(unknownLocale.text).toContain("Kính gửi Nguyễn Văn An,");
    const bare = renderer.render({ eventType: "x.y.z", channel: "email" }, {}, ctx());
    expect(bare.subject).toBe("Thông báo mới");
    expect(bare.text).toContain("Sự kiện: x.y.z");
    expect(bare.html).toContain("Sự kiện: x.y.z");
  });
});
