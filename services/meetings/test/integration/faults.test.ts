/**
 * Faults between a command and its publication: the broker killed while the chair concludes. The
 * conclusion commits with its outbox record, waits for the broker, and reaches the stream once; the
 * tasks service makes its directive a task once.
 */
import * as P from "@ministry/proto/ministry/meetings/v1/meetings";
import { ListTasksRequest } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMeetingsHarness, type MeetingsHarness } from "../harness.js";

let h: MeetingsHarness;

beforeAll(async () => {
  h = await startMeetingsHarness();
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe("a broker outage while concluding", () => {
  it("loses nothing and publishes the conclusion once", async () => {
    const office = await h.as("vp-head");
    const start = new Date(h.clock.now().getTime() + 30 * 60_000);
    const { meeting } = await office.meetings.createMeeting(
      P.CreateMeetingRequest.fromPartial({
        title: "Họp giữa lúc mất kết nối",
        chairId: "minister",
        start,
        plannedEnd: new Date(start.getTime() + 3600_000),
      }),
    );
    const id = meeting?.id as string;
    await office.meetings.scheduleMeeting(P.ScheduleMeetingRequest.fromPartial({ id }));
    await office.meetings.startMeeting(P.StartMeetingRequest.fromPartial({ id }));
    await office.meetings.endMeeting(P.EndMeetingRequest.fromPartial({ id }));
    await office.meetings.setConclusions(
      P.SetConclusionsRequest.fromPartial({
        meetingId: id,
        conclusions: [
          {
            kind: P.ConclusionKind.CONCLUSION_KIND_DIRECTIVE,
            content: "Vụ Tiền lương rà soát chế độ phụ cấp trong thời gian phòng, chống dịch",
            leadUnitId: "TL",
            deadline: { spec: { $case: "date", value: "2020-05-31" } },
          },
        ],
      }),
    );

    await h.nats.stop({ kill: true });
    const concluded = await office.meetings.concludeMeeting(P.ConcludeMeetingRequest.fromPartial({ requestId: "fault-1", id }));
    expect(concluded.meeting?.status).toBe(P.MeetingStatus.MEETING_STATUS_CONCLUDED);
    const outbox = h.meetings.ctx.mongo.db.collection("outbox");
    expect(await outbox.countDocuments({ subject: "meetings.meeting.concluded", aggregateId: id, sentAt: null })).toBe(1);
    // The client retries (it never saw an answer, say): the same answer, nothing new.
    const retried = await office.meetings.concludeMeeting(P.ConcludeMeetingRequest.fromPartial({ requestId: "fault-1", id }));
    expect(retried.meeting?.version).toBe(concluded.meeting?.version);
    await h.nats.restart();

    await h.until(
      async () =>
        (await outbox.countDocuments({ subject: "meetings.meeting.concluded", aggregateId: id, sentAt: { $ne: null } })) === 1
          ? true
          : undefined,
      "the conclusion published after the broker came back",
      30_000,
    );
    expect(await outbox.countDocuments({ subject: "meetings.meeting.concluded", aggregateId: id })).toBe(1);
    const tasks = await h.until(
      async () => {
        const r = await office.tasks.listTasks(
          ListTasksRequest.fromPartial({ programmeId: "bnv-2020", text: "phụ cấp", page: { pageSize: 50, pageToken: "" } }),
        );
        const mine = r.tasks.filter((t) => t.source?.ref?.startsWith(`${id}#`));
        return mine.length > 0 ? mine : undefined;
      },
      "the directive's task",
      30_000,
    );
    expect(tasks).toHaveLength(1);
    const jsm = await h.meetings.ctx.bus.jsm();
    const info = await jsm.streams.info("MEETINGS", { subjects_filter: "meetings.meeting.concluded" });
    expect((info.state.subjects as Record<string, number> | undefined)?.["meetings.meeting.concluded"]).toBe(1);
  });
});
