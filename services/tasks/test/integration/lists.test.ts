/**
 * Lists and finding a task, on the seeded 2020 programme: keyset pages that stay whole while tasks
 * change between them, page tokens refused when garbled, foreign or expired, a task found by its
 * programme and code, readable ids for created tasks, search by phrase with ranking, filters that name
 * unknown values, and deadline requests awaiting a decision.
 */
import { ManualClock } from "@ministry/platform";
import { ListTasksRequest, TaskOrder, TaskStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Q1_2020_AS_OF } from "../../src/seed/index.js";
import { refusal as failure, startTasksHarness, type TasksHarness } from "./harness.js";

let h: TasksHarness;
let office: Awaited<ReturnType<TasksHarness["clients"]>>;
let legalStaff: Awaited<ReturnType<TasksHarness["clients"]>>;
let orgStaff: Awaited<ReturnType<TasksHarness["clients"]>>;

beforeAll(async () => {
  h = await startTasksHarness({ clock: new ManualClock(Q1_2020_AS_OF), env: { SEED_DATA: "true" } });
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  legalStaff = await h.clients({ sub: "pc-staff", name: "Chuyên viên Vụ Pháp chế", roles: ["staff"], unit: "PC" });
  orgStaff = await h.clients({ sub: "tcbc-staff", name: "Chuyên viên Vụ Tổ chức - Biên chế", roles: ["staff"], unit: "TCBC" });
});

afterAll(async () => {
  await h?.stop();
});

/** Moves the test clock on, so that every change has a time of its own. */
function tick(minutes = 1): void {
  h.clock.set(new Date(h.clock.now().getTime() + minutes * 60_000));
}

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;

function newTask(extra: Record<string, unknown> = {}) {
  return {
    requestId: "",
    programmeId: "bnv-2020",
    code: "",
    title: "Báo cáo sơ kết công tác thi đua khen thưởng",
    kind: "BAO_CAO",
    authority: "",
    leadUnit: "PC",
    coordinatingUnits: [],
    assignee: "",
    deadline: { spec: { $case: "text" as const, value: "Quý III/2020" }, dueAt: undefined, label: undefined },
    priority: 0,
    source: undefined,
    documentLinks: [],
    ...extra,
  };
}

async function allIds(request: Partial<ListTasksRequest>): Promise<string[]> {
  return (await office.tasks.listTasks(ListTasksRequest.fromPartial({ ...request, page: { pageSize: 500, pageToken: "" } }))).tasks.map(
    (t) => t.id,
  );
}

describe("pages under change", () => {
  for (const orderBy of [TaskOrder.TASK_ORDER_UPDATED_DESC, TaskOrder.TASK_ORDER_DEADLINE_ASC, TaskOrder.TASK_ORDER_CODE]) {
    it(`order ${TaskOrder[orderBy]}: a task updated from page 2 and one created after page 1, every task that existed throughout appears exactly once`, async () => {
      tick();
      const existing = await allIds({ orderBy });
      const first = await office.tasks.listTasks(ListTasksRequest.fromPartial({ orderBy, page: { pageSize: 20, pageToken: "" } }));
      const seen = first.tasks.map((t) => t.id);
      expect(first.page!.totalSize).toBe(String(existing.length));

      tick();
      const onPage2 = existing[25];
      const { task } = await office.tasks.getTask({ id: onPage2 });
      await office.tasks.recordProgress({
        requestId: "",
        id: onPage2,
        expectedVersion: task!.version,
        percent: undefined,
        note: "Đã gửi dự thảo xin ý kiến",
        attachments: [],
      });
      const created = await office.tasks.createTask(newTask({ title: `Nhiệm vụ phát sinh ${TaskOrder[orderBy]}` }));
      tick();

      let token = first.page!.nextPageToken;
      while (token !== "") {
        const page = await office.tasks.listTasks(ListTasksRequest.fromPartial({ orderBy, page: { pageSize: 20, pageToken: token } }));
        seen.push(...page.tasks.map((t) => t.id));
        token = page.page!.nextPageToken;
      }
      const times = new Map<string, number>();
      for (const id of seen) times.set(id, (times.get(id) ?? 0) + 1);
      expect(existing.filter((id) => times.get(id) !== 1)).toEqual([]);
      expect(times.get(created.task!.id) ?? 0).toBeLessThanOrEqual(1);
    });
  }

  it("a garbled, foreign or expired page token is INVALID_ARGUMENT on page.page_token", async () => {
    const first = await office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 5, pageToken: "" } }));
    const token = first.page!.nextPageToken;
    expect(token).not.toBe("");
    const garbled = await failure(office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 5, pageToken: `${token}x` } })));
    expect(garbled).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    const offset = Buffer.from("o:5", "utf8").toString("base64url");
    expect(await failure(office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 5, pageToken: offset } })))).toMatchObject(
      { code: INVALID_ARGUMENT, fields: ["page.page_token"] },
    );
    // The same token with another filter or order, or on another list, is not a page of that list.
    const otherQuery = await failure(
      office.tasks.listTasks(ListTasksRequest.fromPartial({ unitId: "PC", page: { pageSize: 5, pageToken: token } })),
    );
    expect(otherQuery).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    const otherOrder = await failure(
      office.tasks.listTasks(ListTasksRequest.fromPartial({ orderBy: TaskOrder.TASK_ORDER_CODE, page: { pageSize: 5, pageToken: token } })),
    );
    expect(otherOrder).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    const otherList = await failure(office.programmes.listProgrammes({ year: 0, page: { pageSize: 5, pageToken: token } }));
    expect(otherList).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    // Another caller's list is another list (what each may see differs).
    const otherCaller = await failure(
      legalStaff.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 5, pageToken: token } })),
    );
    expect(otherCaller).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    // Still good a while later; refused once it has expired.
    tick(23 * 60);
    await office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 5, pageToken: token } }));
    tick(2 * 60);
    const expired = await failure(office.tasks.listTasks(ListTasksRequest.fromPartial({ page: { pageSize: 5, pageToken: token } })));
    expect(expired).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    h.clock.set(Q1_2020_AS_OF);
  });

  it("a task's history and the programmes page by key too, and refuse a token of another list", async () => {
    const id = (await allIds({}))[0];
    const { task } = await office.tasks.getTask({ id });
    for (let i = 0; i < 3; i += 1) {
      tick();
      const current = await office.tasks.getTask({ id });
      await office.tasks.recordProgress({
        requestId: "",
        id,
        expectedVersion: current.task!.version,
        percent: undefined,
        note: `Ghi chú ${i}`,
        attachments: [],
      });
    }
    expect(task).toBeDefined();
    const entries: string[] = [];
    let token = "";
    do {
      const page = await office.tasks.getTaskHistory({ id, page: { pageSize: 1, pageToken: token } });
      entries.push(...page.entries.map((e) => `${e.at!.toISOString()} ${e.action}`));
      token = page.page!.nextPageToken;
    } while (token !== "");
    const whole = await office.tasks.getTaskHistory({ id, page: { pageSize: 100, pageToken: "" } });
    expect(entries).toEqual(whole.entries.map((e) => `${e.at!.toISOString()} ${e.action}`));
    expect(whole.page!.totalSize).toBe(String(entries.length));
    const historyPage = await office.tasks.getTaskHistory({ id, page: { pageSize: 1, pageToken: "" } });
    const other = (await allIds({}))[1];
    expect(
      await failure(office.tasks.getTaskHistory({ id: other, page: { pageSize: 1, pageToken: historyPage.page!.nextPageToken } })),
    ).toMatchObject({ code: INVALID_ARGUMENT, fields: ["page.page_token"] });
    h.clock.set(Q1_2020_AS_OF);
  });
});

describe("finding a task by its code", () => {
  it("GetTask takes a programme and a code, ignoring case; a hidden task answers as a missing one", async () => {
    const [id] = await allIds({ unitId: "PC", unitRole: 2 });
    const { task } = await office.tasks.getTask({ id });
    const byCode = await office.tasks.getTask({ id: "", programmeId: "bnv-2020", code: task!.code.toLowerCase() });
    expect(byCode.task!.id).toBe(id);
    const missing = await failure(office.tasks.getTask({ id: "", programmeId: "bnv-2020", code: "KHONG-CO" }));
    const hidden = await failure(orgStaff.tasks.getTask({ id: "", programmeId: "bnv-2020", code: task!.code }));
    expect(missing.code).toBe(NOT_FOUND);
    expect(hidden.code).toBe(NOT_FOUND);
    // Either an id, or a programme and a code.
    expect(await failure(office.tasks.getTask({ id: "", programmeId: "bnv-2020", code: "" }))).toMatchObject({
      code: INVALID_ARGUMENT,
      fields: ["code"],
    });
    expect(await failure(office.tasks.getTask({ id, programmeId: "bnv-2020", code: task!.code }))).toMatchObject({
      code: INVALID_ARGUMENT,
      fields: ["id"],
    });
  });

  it("CreateTask gives a task an id from its programme and code, and a code of its own when none is given", async () => {
    const named = await office.tasks.createTask(newTask({ code: "PS-01" }));
    expect(named.task!.id).toBe("bnv-2020-ps-01");
    const same = await failure(office.tasks.createTask(newTask({ code: "ps-01" })));
    expect(same).toMatchObject({ code: 6, reason: "TASK_CODE_EXISTS" });
    const first = await office.tasks.createTask(newTask());
    const second = await office.tasks.createTask(newTask());
    expect(first.task!.code).toMatch(/^NV-\d{3,}$/u);
    expect(second.task!.code).not.toBe(first.task!.code);
    expect(first.task!.id).toBe(`bnv-2020-${first.task!.code.toLowerCase()}`);
    const found = await office.tasks.getTask({ id: "", programmeId: "bnv-2020", code: second.task!.code });
    expect(found.task!.id).toBe(second.task!.id);
  });

  it("code-less CreateTasks at once, on a programme without a counter yet, each get a code of their own", async () => {
    // The counter is taken outside the transaction (so the creates do not conflict on it): its first-ever
    // upserts race, and every create must still end with its own code.
    await office.programmes.createProgramme({ requestId: "", year: 2021, issuingBody: "", title: "" });
    const created = await Promise.all(Array.from({ length: 12 }, () => office.tasks.createTask(newTask({ programmeId: "bnv-2021" }))));
    const codes = created.map((c) => c.task!.code);
    expect(new Set(codes).size).toBe(12);
    for (const c of created) expect(c.task!.id).toBe(`bnv-2021-${c.task!.code.toLowerCase()}`);
  });
});

describe("search", () => {
  it("a quoted phrase matches its words in order and next to each other; other words anywhere", async () => {
    const words = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ text: "nien thanh", page: { pageSize: 500, pageToken: "" } }),
    );
    const phrase = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ text: '"thanh niên"', page: { pageSize: 500, pageToken: "" } }),
    );
    const reversed = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ text: '"nien thanh"', page: { pageSize: 500, pageToken: "" } }),
    );
    expect(phrase.tasks.length).toBeGreaterThan(0);
    expect(phrase.tasks.every((t) => /thanh niên/iu.test(t.title))).toBe(true);
    expect(reversed.tasks.length).toBeLessThan(words.tasks.length);
    expect(reversed.tasks.every((t) => /nien thanh/iu.test(t.title.normalize("NFD").replace(/\p{M}/gu, "")))).toBe(true);
  });

  it("an unknown unit, kind or status in a filter is INVALID_ARGUMENT naming the field", async () => {
    expect(await failure(office.tasks.listTasks(ListTasksRequest.fromPartial({ unitId: "KHONG" })))).toMatchObject({
      code: INVALID_ARGUMENT,
      fields: ["unit_id"],
    });
    expect(await failure(office.tasks.listTasks(ListTasksRequest.fromPartial({ kinds: ["NGHI_DINH", "KHONG"] })))).toMatchObject({
      code: INVALID_ARGUMENT,
      fields: ["kinds[1]"],
    });
    expect(
      await failure(
        office.tasks.listTasks(ListTasksRequest.fromPartial({ statuses: [TaskStatus.TASK_STATUS_SUBMITTED, 42 as TaskStatus] })),
      ),
    ).toMatchObject({ code: INVALID_ARGUMENT, fields: ["statuses[1]"] });
  });

  it("with text and no order: the exact code first, then phrase matches, then the rest by deadline; pages keep the ranking", async () => {
    const target = (await office.tasks.listTasks(ListTasksRequest.fromPartial({ text: "luat", page: { pageSize: 500, pageToken: "" } })))
      .tasks[0];
    const ranked = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ text: target.code.toLowerCase(), page: { pageSize: 500, pageToken: "" } }),
    );
    expect(ranked.tasks[0].id).toBe(target.id);

    const text = "luat thanh nien";
    const all = (await office.tasks.listTasks(ListTasksRequest.fromPartial({ text, page: { pageSize: 500, pageToken: "" } }))).tasks;
    const plain = (t: { title: string }) => t.title.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/giu, "d").toLowerCase();
    const rankOf = (t: { title: string }) => (plain(t).includes(text) ? 1 : 2);
    expect(all.map(rankOf)).toEqual([...all.map(rankOf)].sort());
    expect(all.map(rankOf)).toContain(1);
    expect(all.map(rankOf)).toContain(2);
    const paged: string[] = [];
    let token = "";
    do {
      const page = await office.tasks.listTasks(ListTasksRequest.fromPartial({ text, page: { pageSize: 2, pageToken: token } }));
      paged.push(...page.tasks.map((t) => t.id));
      token = page.page!.nextPageToken;
    } while (token !== "");
    expect(paged).toEqual(all.map((t) => t.id));
  });
});

describe("deadline requests awaiting a decision", () => {
  it("ListTasks finds the tasks with a pending request; the dashboard lists the requests, oldest first", async () => {
    const ids = await allIds({
      unitId: "PC",
      unitRole: 2,
      statuses: [TaskStatus.TASK_STATUS_NOT_STARTED, TaskStatus.TASK_STATUS_IN_PROGRESS],
    });
    const asked: string[] = [];
    for (const id of ids.slice(0, 2)) {
      tick();
      await legalStaff.tasks.requestDeadlineChange({
        requestId: "",
        id,
        expectedVersion: undefined,
        newDeadline: { spec: { $case: "text", value: "15/01/2021" }, dueAt: undefined, label: undefined },
        reason: "Chờ ý kiến thẩm định",
      });
      asked.push(id);
    }
    const pending = await office.tasks.listTasks(
      ListTasksRequest.fromPartial({ pendingDeadlineRequest: true, page: { pageSize: 500, pageToken: "" } }),
    );
    expect(pending.tasks.map((t) => t.id).sort()).toEqual([...asked].sort());

    const { dashboard } = await legalStaff.tasks.getUnitDashboard({ unitId: "PC", programmeId: "", upcomingLimit: 5 });
    const list = (dashboard as unknown as Record<string, { taskId: string; code: string; reason: string; deadlineRequestId: string }[]>)
      .deadlineRequestsAwaitingDecision;
    expect(dashboard!.pendingDeadlineRequests).toBe(2);
    expect(list.map((r) => r.taskId)).toEqual(asked);
    expect(list[0].reason).toBe("Chờ ý kiến thẩm định");
    expect(list[0].deadlineRequestId).not.toBe("");
    h.clock.set(Q1_2020_AS_OF);
  });
});
