/**
 * Every route of the programmes, tasks and reports through the gateway, against the real tasks service
 * with the 2020 programme seeded: each route's happy path and a refusal of bad input (400 problem+json
 * with the field named), plus what HTTP adds: Idempotency-Key, If-Match (412), 403 across units, files.
 */
import { csv } from "@ministry/tasks/test/import/helpers.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";
import { expectProblem } from "../problems.js";

let sys: SystemHarness;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => sys?.stop());

const OFFICE = "vp-head";

const newTask = (extra: Record<string, unknown> = {}) => ({
  programmeId: "bnv-2020",
  title: "Thông tư hướng dẫn chức năng, nhiệm vụ của Phòng Nội vụ",
  kind: "THONG_TU",
  authority: "BO_TRUONG",
  leadUnit: "TCBC",
  coordinatingUnits: ["PC"],
  deadline: { text: "Quý III/2020" },
  ...extra,
});

describe("programmes", () => {
  it("lists, creates, reads and approves a programme", async () => {
    const list = await sys.http("GET", "/v1/programmes", { as: OFFICE, query: { year: 2020 } });
    expect(list.status).toBe(200);
    expect(list.json.programmes.map((p: { id: string }) => p.id)).toContain("bnv-2020");

    const created = await sys.http("POST", "/v1/programmes", {
      as: OFFICE,
      body: { year: 2021 },
      headers: { "idempotency-key": "prog-2021" },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.programme.id as string;
    expect(created.json.programme).toMatchObject({ year: 2021, status: "PROGRAMME_STATUS_DRAFT" });
    // The same Idempotency-Key answers the same programme, not a second one.
    const again = await sys.http("POST", "/v1/programmes", {
      as: OFFICE,
      body: { year: 2021 },
      headers: { "idempotency-key": "prog-2021" },
    });
    expect(again.json.programme.id).toBe(id);

    const got = await sys.http("GET", `/v1/programmes/${id}`, { as: OFFICE });
    expect(got.status).toBe(200);
    expect(got.json.programme.title).toContain("2021");

    // A stale If-Match is refused with 412 and changes nothing.
    const stale = await sys.http("POST", `/v1/programmes/${id}/status`, {
      as: OFFICE,
      body: { status: "PROGRAMME_STATUS_APPROVED" },
      headers: { "if-match": `"${got.json.programme.version + 5}"` },
    });
    expectProblem(stale, 412);
    expect(stale.json.reason).toBe("VERSION_CONFLICT");
    const approved = await sys.http("POST", `/v1/programmes/${id}/status`, {
      as: OFFICE,
      body: { status: "PROGRAMME_STATUS_APPROVED" },
      headers: { "if-match": `"${got.json.programme.version}"` },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json.programme.status).toBe("PROGRAMME_STATUS_APPROVED");
  });

  it("refuses bad programme input", async () => {
    expectProblem(await sys.http("GET", "/v1/programmes", { as: OFFICE, query: { year: "two thousand" } }), 400, "year");
    expectProblem(await sys.http("POST", "/v1/programmes", { as: OFFICE, body: { year: 1800 } }), 400, "year");
    expectProblem(await sys.http("POST", "/v1/programmes", { as: OFFICE, body: { year: 2023, colour: "red" } }), 400, "colour");
    expectProblem(await sys.http("GET", "/v1/programmes/no-such-programme", { as: OFFICE }), 404);
    expectProblem(
      await sys.http("POST", "/v1/programmes/bnv-2020/status", { as: OFFICE, body: { status: "PROGRAMME_STATUS_SOLD" } }),
      400,
      "status",
    );
  });

  it("imports a CSV (dry run and real) and exports the programme as XLSX", async () => {
    const created = await sys.http("POST", "/v1/programmes", { as: OFFICE, body: { year: 2022 } });
    const id = created.json.programme.id;
    const content = Buffer.from(
      csv(
        "NV-01,Nghị định về vị trí việc làm,Nghị định,Chính phủ,Vụ Tổ chức - Biên chế,Vụ Pháp chế,Quý II/2022,Cao,,",
        "NV-02,Đề án tinh giản biên chế,Đề án,Thủ tướng Chính phủ,Vụ Tổ chức - Biên chế,,Tháng 12/2022,,,",
      ),
    ).toString("base64");
    const dry = await sys.http("POST", `/v1/programmes/${id}/import`, {
      as: OFFICE,
      body: { format: "FILE_FORMAT_CSV", content, dryRun: true },
    });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({ validRows: 2, invalidRows: 0, imported: 0 });
    const real = await sys.http("POST", `/v1/programmes/${id}/import`, { as: OFFICE, body: { format: "FILE_FORMAT_CSV", content } });
    expect(real.json.imported).toBe(2);

    const file = await fetch(`${sys.gateway.url}/v1/programmes/${id}/export?format=FILE_FORMAT_XLSX`, {
      headers: { authorization: `Bearer ${await sys.token(OFFICE)}` },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toContain("spreadsheetml");
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.xlsx"; filename\*=UTF-8''/);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe("PK");

    // A file that is not CSV: the service's own refusal, field "content".
    const bad = await sys.http("POST", `/v1/programmes/${id}/import`, {
      as: OFFICE,
      body: { format: "FILE_FORMAT_CSV", content: Buffer.from("not,a,programme\n1,2,3").toString("base64") },
    });
    expectProblem(bad, 400, "content");
    expectProblem(
      await sys.http("POST", `/v1/programmes/${id}/import`, { as: OFFICE, body: { format: "FILE_FORMAT_CSV", content: 42 } }),
      400,
      "content",
    );
    expectProblem(
      await sys.http("GET", `/v1/programmes/${id}/export`, { as: OFFICE, query: { format: "FILE_FORMAT_MP3" } }),
      400,
      "format",
    );
  });

  it("gives the vocabulary", async () => {
    const res = await sys.http("GET", "/v1/vocabulary", { as: OFFICE });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.json)).toContain("THONG_TU");
    expectProblem(await sys.http("GET", "/v1/vocabulary", { as: OFFICE, query: { lang: "vi" } }), 400, "lang");
  });
});

describe("tasks", () => {
  it("finds tasks with filters: a unit's, by status, overdue, by text, paged", async () => {
    const res = await sys.http("GET", "/v1/tasks", {
      as: OFFICE,
      query: { unit: "TCBC", status: ["not_started", "in_progress"], pageSize: 5 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.tasks.length).toBeGreaterThan(0);
    expect(res.json.tasks.length).toBeLessThanOrEqual(5);
    for (const t of res.json.tasks) {
      expect([t.leadUnit, ...t.coordinatingUnits]).toContain("TCBC");
      expect(["TASK_STATUS_NOT_STARTED", "TASK_STATUS_IN_PROGRESS"]).toContain(t.status);
    }
    if (res.json.page.nextPageToken) {
      const next = await sys.http("GET", "/v1/tasks", {
        as: OFFICE,
        query: { unit: "TCBC", status: ["not_started", "in_progress"], pageSize: 5, pageToken: res.json.page.nextPageToken },
      });
      expect(next.status).toBe(200);
      expect(next.json.tasks.map((t: { id: string }) => t.id)).not.toContain(res.json.tasks[0].id);
    }
    const byText = await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { text: "vị trí việc làm", programme: "bnv-2020" } });
    expect(byText.json.tasks[0].title.toLowerCase()).toContain("vị trí việc làm");
    // On 23 March 2020 nothing of the programme is late yet; by 15 May the April deadlines have passed.
    const none = await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { overdue: true, programme: "bnv-2020" } });
    expect(none.json.tasks).toEqual([]);
    const before = sys.clock.now();
    sys.clock.set("2020-05-15T02:00:00Z");
    try {
      const overdue = await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { overdue: true, programme: "bnv-2020", pageSize: 100 } });
      expect(overdue.status).toBe(200);
      expect(overdue.json.tasks.length).toBeGreaterThan(0);
      for (const t of overdue.json.tasks) {
        expect(["TASK_STATUS_COMPLETED", "TASK_STATUS_WITHDRAWN"]).not.toContain(t.status);
        expect(Date.parse(t.deadline.dueAt)).toBeLessThan(Date.parse("2020-05-15T02:00:00Z"));
      }
    } finally {
      sys.clock.set(before);
    }
  });

  it("refuses bad filters with the field named", async () => {
    expectProblem(await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { status: "overdue-ish" } }), 400, "status[0]");
    expectProblem(await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { pageSize: -3 } }), 400);
    expectProblem(await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { deadlineFrom: "yesterday" } }), 400, "deadlineFrom");
    expectProblem(await sys.http("GET", "/v1/tasks", { as: OFFICE, query: { sort: "title" } }), 400, "sort");
  });

  it("creates a task and takes it through assignment, progress, documents, submission and completion", async () => {
    const created = await sys.http("POST", "/v1/tasks", {
      as: OFFICE,
      body: newTask({ code: "GW-01" }),
      headers: { "idempotency-key": "gw-01" },
    });
    expect(created.status, created.text).toBe(201);
    const task = created.json.task;
    expect(task).toMatchObject({ code: "GW-01", leadUnit: "TCBC", status: "TASK_STATUS_NOT_STARTED" });
    expect((await sys.http("GET", `/v1/tasks/${task.id}`, { as: OFFICE })).json.task.title).toBe(task.title);

    const assigned = await sys.http("POST", `/v1/tasks/${task.id}/assignment`, { as: OFFICE, body: { assignee: "Nguyễn Văn Hùng" } });
    expect(assigned.status, assigned.text).toBe(200);
    expect(assigned.json.task.assignee).toBe("Nguyễn Văn Hùng");

    const progress = await sys.http("POST", `/v1/tasks/${task.id}/progress`, {
      as: "tcbc-head",
      body: { percent: 40, note: "Đã xin ý kiến các Bộ" },
    });
    expect(progress.status, progress.text).toBe(200);
    expect(progress.json.task).toMatchObject({ status: "TASK_STATUS_IN_PROGRESS" });

    const linked = await sys.http("POST", `/v1/tasks/${task.id}/documents`, {
      as: "tcbc-head",
      body: { document: { documentId: "doc-1", number: "12/BNV-TCBC", relation: "DOCUMENT_RELATION_DRAFT" } },
    });
    expect(linked.status, linked.text).toBe(200);
    expect(linked.json.task.documentLinks).toContainEqual(expect.objectContaining({ documentId: "doc-1", number: "12/BNV-TCBC" }));

    const submitted = await sys.http("POST", `/v1/tasks/${task.id}/submission`, { as: "tcbc-head", body: { note: "Trình Bộ trưởng" } });
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.json.task.status).toBe("TASK_STATUS_SUBMITTED");
    const completed = await sys.http("POST", `/v1/tasks/${task.id}/completion`, { as: OFFICE, body: { note: "Đã ban hành" } });
    expect(completed.status, completed.text).toBe(200);
    expect(completed.json.task.status).toBe("TASK_STATUS_COMPLETED");

    const history = await sys.http("GET", `/v1/tasks/${task.id}/history`, { as: OFFICE });
    expect(history.status).toBe(200);
    expect(history.json.entries.length).toBeGreaterThanOrEqual(4);
  });

  it("refuses bad task input, naming the field as the caller sent it", async () => {
    expectProblem(await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ title: "" }) }), 400, "title");
    expectProblem(await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ leadUnit: 7 }) }), 400, "leadUnit");
    expectProblem(await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ deadline: { text: "một ngày nào đó" } }) }), 400);
    expectProblem(await sys.http("POST", "/v1/tasks", { as: OFFICE, body: "{not json" }), 400);
    const t = (await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ code: "GW-02" }) })).json.task;
    expectProblem(await sys.http("POST", `/v1/tasks/${t.id}/progress`, { as: "tcbc-head", body: { percent: 140 } }), 400, "percent");
    expectProblem(await sys.http("POST", `/v1/tasks/${t.id}/progress`, { as: "tcbc-head", body: { percent: "half" } }), 400, "percent");
    expectProblem(
      await sys.http("POST", `/v1/tasks/${t.id}/assignment`, { as: OFFICE, body: { assignee: "x".repeat(201) } }),
      400,
      "assignee",
    );
    expectProblem(
      await sys.http("POST", `/v1/tasks/${t.id}/submission`, { as: "tcbc-head", body: { submittedAt: "soon" } }),
      400,
      "submittedAt",
    );
    expectProblem(await sys.http("POST", `/v1/tasks/${t.id}/completion`, { as: OFFICE, body: { completedAt: 5 } }), 400, "completedAt");
    expectProblem(await sys.http("POST", `/v1/tasks/${t.id}/withdrawal`, { as: OFFICE, body: { reason: ["no"] } }), 400, "reason");
    expectProblem(
      await sys.http("POST", `/v1/tasks/${t.id}/documents`, { as: OFFICE, body: { document: { documentId: 3 } } }),
      400,
      "document.documentId",
    );
    expectProblem(await sys.http("GET", `/v1/tasks/${t.id}/history`, { as: OFFICE, query: { pageSize: "many" } }), 400, "pageSize");
    expectProblem(await sys.http("GET", "/v1/units/TCBC/dashboard", { as: OFFICE, query: { upcomingLimit: "ten" } }), 400, "upcomingLimit");
    // The path wins: a body naming another task is refused rather than silently ignored.
    expectProblem(
      await sys.http("POST", `/v1/tasks/${t.id}/progress`, { as: "tcbc-head", body: { id: "other-task", note: "x" } }),
      400,
      "id",
    );
  });

  it("a unit may not change another unit's task (403), and the task stays as it was", async () => {
    // Led by TCBC, coordinated by PC: PC's staff see the task but may not change it.
    const t = (await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ code: "GW-03" }) })).json.task;
    expect((await sys.http("GET", `/v1/tasks/${t.id}`, { as: "pc-staff" })).status).toBe(200);
    const res = await sys.http("POST", `/v1/tasks/${t.id}/progress`, {
      as: "pc-staff",
      body: { percent: 90, note: "Không phải việc của Vụ Pháp chế" },
    });
    expectProblem(res, 403);
    expect(res.json.grpcStatus).toBe("PERMISSION_DENIED");
    for (const path of ["submission", "completion", "assignment"])
      expectProblem(await sys.http("POST", `/v1/tasks/${t.id}/${path}`, { as: "pc-staff", body: {} }), 403);
    // A unit with nothing to do with the task does not even see it: the same 404 as a missing task.
    const hidden = await sys.http("POST", `/v1/tasks/${t.id}/progress`, { as: "cchc-head", body: { percent: 90 } });
    expectProblem(hidden, 404);
    expect(hidden.json.detail).toBe((await sys.http("GET", "/v1/tasks/bnv-2020-no-such-task", { as: "cchc-head" })).json.detail);
    const after = await sys.http("GET", `/v1/tasks/${t.id}`, { as: OFFICE });
    expect(after.json.task.version).toBe(t.version);
    expect(after.json.task.status).toBe("TASK_STATUS_NOT_STARTED");
  });

  it("withdraws a task", async () => {
    const t = (await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ code: "GW-04" }) })).json.task;
    const res = await sys.http("POST", `/v1/tasks/${t.id}/withdrawal`, { as: "minister", body: { reason: "Không còn phù hợp" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.task.status).toBe("TASK_STATUS_WITHDRAWN");
    // Withdrawing again is a state conflict: 409.
    expectProblem(await sys.http("POST", `/v1/tasks/${t.id}/withdrawal`, { as: "minister", body: { reason: "Lần nữa" } }), 409);
  });

  it("asks for a new deadline and decides it", async () => {
    const t = (await sys.http("POST", "/v1/tasks", { as: OFFICE, body: newTask({ code: "GW-05" }) })).json.task;
    const asked = await sys.http("POST", `/v1/tasks/${t.id}/deadline-requests`, {
      as: "tcbc-head",
      body: { newDeadline: { text: "Quý IV/2020" }, reason: "Chờ ý kiến thẩm định của Bộ Tư pháp" },
    });
    expect(asked.status, asked.text).toBe(201);
    const pending = asked.json.task.deadlineRequests.find((r: { status: string }) => r.status.endsWith("PENDING"));
    const requestId = pending?.id as string;
    expect(requestId).toBeTruthy();
    expectProblem(
      await sys.http("POST", `/v1/tasks/${t.id}/deadline-requests`, {
        as: "tcbc-head",
        body: { newDeadline: { quarter: { year: 2020, quarter: 9 } }, reason: "x" },
      }),
      400,
    );
    const decided = await sys.http("POST", `/v1/tasks/${t.id}/deadline-requests/${requestId}/decision`, {
      as: OFFICE,
      body: { approve: true, note: "Đồng ý" },
    });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.json.task.deadline.label.vi).toContain("IV");
    expectProblem(
      await sys.http("POST", `/v1/tasks/${t.id}/deadline-requests/${requestId}/decision`, { as: OFFICE, body: { approve: "yes" } }),
      400,
      "approve",
    );
  });

  it("gives a unit's dashboard", async () => {
    const res = await sys.http("GET", "/v1/units/TCBC/dashboard", { as: "tcbc-head", query: { programme: "bnv-2020" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.dashboard.unit.id).toBe("TCBC");
    expect(res.json.dashboard.leading).toBeGreaterThan(0);
    const led = res.json.dashboard.byStatus.reduce((n: number, c: { count: number }) => n + c.count, 0);
    expect(led).toBe(res.json.dashboard.leading);
  });
});

describe("reports", () => {
  it("gives the Q1 2020 report, exports it, freezes it and lists the frozen reports", async () => {
    const q1 = await sys.http("GET", "/v1/reports", {
      as: OFFICE,
      query: { programme: "bnv-2020", "quarter.year": 2020, "quarter.quarter": 1 },
    });
    expect(q1.status, q1.text).toBe(200);
    expect(q1.json.report.label.vi).toBe("Quý I năm 2020");
    expect(q1.json.report.totals.total).toBeGreaterThan(0);

    const file = await fetch(`${sys.gateway.url}/v1/reports/export`, {
      method: "POST",
      headers: { authorization: `Bearer ${await sys.token(OFFICE)}`, "content-type": "application/json" },
      body: JSON.stringify({
        report: { period: { quarter: { year: 2020, quarter: 1 } }, programmeId: "bnv-2020" },
        format: "FILE_FORMAT_CSV",
      }),
    });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toContain("attachment");
    expect((await file.text()).split("\r\n").filter(Boolean).length).toBe(1 + q1.json.report.totals.total);

    const frozen = await sys.http("POST", "/v1/report-snapshots", {
      as: OFFICE,
      body: { report: { period: { quarter: { year: 2020, quarter: 1 } }, programmeId: "bnv-2020" }, title: "Báo cáo Quý I/2020 (chốt)" },
    });
    expect(frozen.status, frozen.text).toBe(201);
    const id = frozen.json.snapshot.id;
    expect((await sys.http("GET", `/v1/report-snapshots/${id}`, { as: OFFICE })).json.snapshot.title).toBe("Báo cáo Quý I/2020 (chốt)");
    const list = await sys.http("GET", "/v1/report-snapshots", { as: OFFICE, query: { programme: "bnv-2020" } });
    expect(list.json.snapshots.map((s: { id: string }) => s.id)).toContain(id);
    // The seed briefing's frozen report is among them too.
    const forMeeting = await sys.http("GET", "/v1/report-snapshots", { as: OFFICE, query: { meeting: "gb-2020-q1" } });
    expect(forMeeting.json.snapshots.length).toBeGreaterThan(0);
  });

  it("refuses bad report input", async () => {
    expectProblem(
      await sys.http("GET", "/v1/reports", { as: OFFICE, query: { "quarter.year": 2020, "quarter.quarter": "first" } }),
      400,
      "quarter.quarter",
    );
    expectProblem(await sys.http("GET", "/v1/reports", { as: OFFICE, query: { "quarter.year": 2020, "quarter.quarter": 7 } }), 400);
    expectProblem(await sys.http("POST", "/v1/reports/export", { as: OFFICE, body: { format: "FILE_FORMAT_DOC" } }), 400, "format");
    expectProblem(
      await sys.http("POST", "/v1/report-snapshots", { as: OFFICE, body: { report: { period: { quarter: { year: "x" } } } } }),
      400,
      "report.period.quarter.year",
    );
    expectProblem(await sys.http("GET", "/v1/report-snapshots/nope", { as: OFFICE, query: { maxLines: -1 } }), 400);
    expectProblem(await sys.http("GET", "/v1/report-snapshots", { as: OFFICE, query: { meetingId: ["a", "b"] } }), 400, "meetingId");
  });
});
