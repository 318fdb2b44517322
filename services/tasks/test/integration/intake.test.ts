/**
 * Events in: a concluded meeting's conclusions become tasks (exactly once however often the event
 * arrives), a directive received from the Government Office carries tasks, and a task's document issued
 * submits or completes it.
 */
import type { DocumentReceived } from "@ministry/proto/ministry/documents/v1/events";
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import { TaskCompleted, TaskCreated, TaskSubmitted } from "@ministry/proto/ministry/tasks/v1/events";
import { ListTasksRequest, TaskSource, TaskStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocumentIssuedEvent, DocumentReceivedEvent, MeetingConcludedEvent } from "../../src/events/definitions.js";
import { startTasksHarness, type TasksHarness } from "./harness.js";

let h: TasksHarness;
let office: Awaited<ReturnType<TasksHarness["clients"]>>;

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
});

afterAll(async () => {
  await h?.stop();
});

const deadline = (text: string) => ({ spec: { $case: "text" as const, value: text }, dueAt: undefined, label: undefined });

const briefing: MeetingConcluded = MeetingConcluded.fromPartial({
  meetingId: "gb-2020-q1",
  title: "Giao ban trực tuyến Quý I năm 2020",
  heldAt: new Date("2020-03-30T01:30:00Z"),
  concludedAt: new Date("2020-03-30T04:00:00Z"),
  chair: { userId: "minister", displayName: "Bộ trưởng Lê Vĩnh Tân", roles: ["minister"], unit: undefined },
  actor: undefined,
  items: [
    {
      itemId: "1",
      number: 1,
      content: "Hoàn thiện hồ sơ dự thảo Nghị định về vị trí việc làm, trình Chính phủ",
      leadUnit: { id: "TCBC", name: "Vụ Tổ chức - Biên chế" },
      coordinatingUnits: [{ id: "PC", name: "Vụ Pháp chế" }],
      deadline: deadline("30/04/2020"),
      assignee: "",
      taskKind: "NGHI_DINH",
    },
    {
      itemId: "2",
      number: 2,
      content: "Tổng hợp tình hình thực hiện nhiệm vụ Quý II, báo cáo Bộ trưởng",
      leadUnit: { id: "VP", name: "Văn phòng Bộ" },
      coordinatingUnits: [],
      deadline: deadline("Tháng 6/2020"),
      assignee: "Trần Thị Mai",
      taskKind: "",
    },
    {
      itemId: "3",
      number: 3,
      content: "Rà soát các đề án chậm tiến độ",
      leadUnit: { id: "KHTC", name: "Vụ Kế hoạch - Tài chính" },
      coordinatingUnits: [],
      deadline: undefined,
      assignee: "",
      taskKind: "",
    },
  ],
});

async function tasksOf(sourceType: TaskSource) {
  const res = await office.tasks.listTasks(ListTasksRequest.fromPartial({ source: sourceType, page: { pageSize: 100, pageToken: "" } }));
  return res.tasks;
}

describe("meetings.meeting.concluded", () => {
  it("creates one task per conclusion item, exactly once when the event arrives three times", async () => {
    // The same event three times: re-published by the producer (new ids), and once redelivered as is.
    const first = MeetingConcludedEvent.of(briefing.meetingId, briefing);
    await h.svc.ctx.bus.publish(first);
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of(briefing.meetingId, briefing));
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of(briefing.meetingId, briefing));
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of(briefing.meetingId, briefing, { id: first.id }));

    // All three distinct deliveries are handled (inbox records), and the work was done once.
    const inbox = h.svc.ctx.mongo.db.collection("inbox");
    await h.until(
      async () => ((await inbox.countDocuments({ aggregateId: briefing.meetingId })) >= 3 ? true : undefined),
      "three deliveries handled",
    );
    const tasks = await tasksOf(TaskSource.TASK_SOURCE_MEETING_CONCLUSION);
    expect(tasks).toHaveLength(3);
    expect(tasks.map((t) => t.source!.ref).sort()).toEqual(["gb-2020-q1#1", "gb-2020-q1#2", "gb-2020-q1#3"]);

    const decree = tasks.find((t) => t.source!.ref === "gb-2020-q1#1")!;
    expect(decree).toMatchObject({
      leadUnit: "TCBC",
      coordinatingUnits: ["PC"],
      kind: "NGHI_DINH",
      programmeId: "bnv-2020",
      status: TaskStatus.TASK_STATUS_NOT_STARTED,
    });
    expect(decree.deadline!.dueAt!.toISOString()).toBe("2020-04-30T16:59:59.999Z");
    const report = tasks.find((t) => t.source!.ref === "gb-2020-q1#2")!;
    expect(report).toMatchObject({ leadUnit: "VP", assignee: "Trần Thị Mai", kind: "VAN_BAN_KHAC" });
    expect(report.deadline!.label!.vi).toBe("Tháng 6/2020");
    // No deadline given: 30 days after the meeting concluded (29 April 2020 in Vietnam).
    expect(tasks.find((t) => t.source!.ref === "gb-2020-q1#3")!.deadline!.spec).toEqual({ $case: "date", value: "2020-04-29" });

    // Every delivery committed its effect with its inbox record: one created event per task, no more.
    for (const t of tasks) expect(await h.committed(t.id)).toEqual(["created"]);
    const created = await h.until(() => {
      const found = h.eventsOf("tasks.task.created", TaskCreated).filter((e) => e.data.task!.source!.ref.startsWith("gb-2020-q1#"));
      return found.length === 3 ? found : undefined;
    }, "created events");
    expect(created[0].data.actor!.userId).toBe("minister");
  });

  it("an event with an unknown unit becomes a dead letter and creates none of its tasks", async () => {
    const bad: MeetingConcluded = {
      ...briefing,
      meetingId: "gb-bad",
      items: [briefing.items[0], { ...briefing.items[1], itemId: "x", leadUnit: { id: "NOPE", name: "?" } }],
    };
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of("gb-bad", bad));
    const deadletters = h.svc.ctx.mongo.db.collection("deadletters");
    const letter = await h.until(
      async () => (await deadletters.findOne({ subject: "meetings.meeting.concluded" })) ?? undefined,
      "dead letter",
    );
    expect(String(letter.error)).toContain("items[1].lead_unit");
    const tasks = await tasksOf(TaskSource.TASK_SOURCE_MEETING_CONCLUSION);
    expect(tasks.filter((t) => t.source!.ref.startsWith("gb-bad#"))).toHaveLength(0);
  });
});

describe("ids of tasks born from events", () => {
  const item = (itemId: string) => ({ ...briefing.items[1], itemId, content: `Kết luận ${itemId}` });
  const meeting = (meetingId: string, itemIds: string[]): MeetingConcluded => ({ ...briefing, meetingId, items: itemIds.map(item) });
  const deadLetterOf = async (meetingId: string) => {
    const letters = h.svc.ctx.mongo.db.collection("deadletters");
    const letter = await h.until(async () => (await letters.findOne({ "headers.ce-subject": meetingId })) ?? undefined, "dead letter");
    return String(letter.error);
  };
  const refsOf = async (prefix: string) =>
    (await tasksOf(TaskSource.TASK_SOURCE_MEETING_CONCLUSION)).map((t) => t.source!.ref).filter((r) => r.startsWith(prefix));

  it("items whose ids differ only in punctuation or in Vietnamese letters become separate tasks", async () => {
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of("gb-ids", meeting("gb-ids", ["1.1", "1-1", "Đ", "D"])));
    const refs = await h.until(async () => {
      const found = await refsOf("gb-ids#");
      return found.length >= 4 ? found : undefined;
    }, "four tasks");
    expect(refs.sort()).toEqual(["gb-ids#1-1", "gb-ids#1.1", "gb-ids#D", "gb-ids#Đ"]);
  });

  it("two items of one event with one id are a dead letter naming both, not one task", async () => {
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of("gb-twice", meeting("gb-twice", ["1", "2", "1"])));
    const error = await deadLetterOf("gb-twice");
    expect(error).toContain("items[2].item_id");
    expect(error).toContain("items[0]");
    expect(await refsOf("gb-twice#")).toEqual([]);
  });

  it("meetings whose ids run into their items' ids get different tasks; a clash of codes is a dead letter naming both", async () => {
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of("gb-x-a", meeting("gb-x-a", ["1"])));
    await h.until(async () => ((await refsOf("gb-x-a#")).length === 1 ? true : undefined), "the first meeting's task");
    // Another meeting, another item: its task id differs, but "KL-gb-x-a-1" is already the first one's code.
    await h.svc.ctx.bus.publish(MeetingConcludedEvent.of("gb-x", meeting("gb-x", ["a-1"])));
    const error = await deadLetterOf("gb-x");
    expect(error).toContain("KL-gb-x-a-1");
    expect(error).toContain("gb-x-a#1");
    expect(await refsOf("gb-x#")).toEqual([]);
  });
});

describe("documents.document.received with directive tasks", () => {
  it("creates the directive's tasks with the directive linked, in the programme of the year received", async () => {
    const directive: DocumentReceived = {
      documentId: "den-2021-0042",
      number: "05/CT-TTg",
      documentType: "CT",
      subject: "Chỉ thị về tăng cường kỷ luật, kỷ cương hành chính",
      sender: { code: "000.00.00.G22", name: "Văn phòng Chính phủ" },
      receivedAt: new Date("2021-02-02T02:00:00Z"),
      directiveTasks: [
        {
          itemId: "2a",
          content: "Hướng dẫn các bộ, ngành rà soát quy chế làm việc",
          leadUnit: { id: "CCHC", name: "" },
          coordinatingUnits: [],
          deadline: deadline("Quý I/2021"),
          taskKind: "",
        },
      ],
      actor: undefined,
    };
    await h.svc.ctx.bus.publish(DocumentReceivedEvent.of(directive.documentId, directive));
    await h.svc.ctx.bus.publish(DocumentReceivedEvent.of(directive.documentId, directive));
    // Both deliveries handled (their inbox records commit with their effects): one task, one event.
    const inbox = h.svc.ctx.mongo.db.collection("inbox");
    await h.until(
      async () => ((await inbox.countDocuments({ aggregateId: directive.documentId })) === 2 ? true : undefined),
      "both deliveries handled",
    );
    const tasks = await tasksOf(TaskSource.TASK_SOURCE_DIRECTIVE);
    expect(tasks).toHaveLength(1);
    expect(await h.committed(tasks[0].id)).toEqual(["created"]);
    expect(tasks[0]).toMatchObject({ programmeId: "bnv-2021", leadUnit: "CCHC", code: "05/CT-TTg-2a" });
    expect(tasks[0].documentLinks).toEqual([{ documentId: "den-2021-0042", relation: 1, number: "05/CT-TTg" }]);
    expect(tasks[0].deadline!.dueAt!.toISOString()).toBe("2021-03-31T16:59:59.999Z");
    // The year's programme did not exist: it was created, approved.
    const { programme } = await office.programmes.getProgramme({ id: "bnv-2021" });
    expect(programme!.taskCount).toBe(1);
  });
});

describe("documents.document.issued for a task's document", () => {
  it("submits a task for the Government (on time or not, as of the issue date) and completes one the ministry finishes itself", async () => {
    const make = (code: string, authority: string, kind: string) =>
      office.tasks.createTask({
        requestId: "",
        programmeId: "bnv-2020",
        code,
        title: `Nhiệm vụ ${code}`,
        kind,
        authority,
        leadUnit: "PC",
        coordinatingUnits: [],
        assignee: "",
        deadline: deadline("15/05/2020"),
        priority: 0,
        source: undefined,
        documentLinks: code === "DI-2" ? [{ documentId: "di-doc-2", relation: 2, number: "" }] : [],
      });
    const forGovernment = (await make("DI-1", "CHINH_PHU", "NGHI_DINH")).task!;
    const circular = (await make("DI-2", "BO_TRUONG", "THONG_TU")).task!;
    const report = (await make("DI-3", "", "BAO_CAO")).task!;

    // The submission names the task; the circular is found by its linked draft; the report is late.
    await h.svc.ctx.bus.publish(
      DocumentIssuedEvent.of("di-doc-1", {
        documentId: "di-doc-1",
        number: "88/TTr-BNV",
        documentType: "TTr",
        subject: "Tờ trình dự thảo Nghị định",
        issuedAt: new Date("2020-05-10T03:00:00Z"),
        signer: { userId: "deputy", displayName: "Thứ trưởng", roles: [], unit: undefined },
        draftingUnit: undefined,
        recipients: [],
        taskIds: [forGovernment.id],
      }),
    );
    await h.svc.ctx.bus.publish(
      DocumentIssuedEvent.of("di-doc-2", {
        documentId: "di-doc-2",
        number: "12/2020/TT-BNV",
        documentType: "TT",
        subject: "Thông tư",
        issuedAt: new Date("2020-05-15T09:00:00Z"),
        signer: undefined,
        draftingUnit: undefined,
        recipients: [],
        taskIds: [],
      }),
    );
    await h.svc.ctx.bus.publish(
      DocumentIssuedEvent.of("di-doc-3", {
        documentId: "di-doc-3",
        number: "101/BC-BNV",
        documentType: "BC",
        subject: "Báo cáo",
        issuedAt: new Date("2020-05-16T03:00:00Z"),
        signer: undefined,
        draftingUnit: undefined,
        recipients: [],
        taskIds: [report.id],
      }),
    );
    const get = async (id: string) => (await office.tasks.getTask({ id })).task!;
    const submitted = await h.until(async () => {
      const t = await get(forGovernment.id);
      return t.status === TaskStatus.TASK_STATUS_SUBMITTED ? t : undefined;
    }, "submitted");
    expect(submitted.onTime).toBe(true);
    expect(submitted.submittedAt!.toISOString()).toBe("2020-05-10T03:00:00.000Z");
    expect(submitted.documentLinks).toContainEqual({ documentId: "di-doc-1", relation: 3, number: "88/TTr-BNV" });

    const done = await h.until(async () => {
      const t = await get(circular.id);
      return t.status === TaskStatus.TASK_STATUS_COMPLETED ? t : undefined;
    }, "circular completed");
    // Issued at 16:00 on the deadline day in Vietnam: on time.
    expect(done.onTime).toBe(true);
    const late = await h.until(async () => {
      const t = await get(report.id);
      return t.status === TaskStatus.TASK_STATUS_COMPLETED ? t : undefined;
    }, "report completed");
    expect(late.onTime).toBe(false);

    await h.until(() => h.eventsOf("tasks.task.completed", TaskCompleted).find((e) => e.aggregateId === report.id), "completed event");
    expect(h.eventsOf("tasks.task.submitted", TaskSubmitted).find((e) => e.aggregateId === forGovernment.id)!.data.documentId).toBe(
      "di-doc-1",
    );
    expect(h.eventsOf("tasks.task.completed", TaskCompleted).find((e) => e.aggregateId === forGovernment.id)).toBeUndefined();
  });
});
