/**
 * The agenda handlers' proto ↔ use case mapping, called as grpc-js calls them (a call with its request,
 * inside the caller's request scope) over the app-layer fixture: enum codes, field paths, pages and the
 * caller's permissions on the meeting shown. Transport and error mapping are the service harness's.
 */
import { type Identity, runInRequestScope } from "@ministry/platform";
import { ConclusionKind, MeetingStatus, SpeakerStatus } from "@ministry/proto/ministry/meetings/v1/meetings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agendaHandlers } from "../../src/grpc/agenda-handlers.js";
import { newApp, OFFICE, PARTICIPANT, refusal, startMongo, stopMongo, type TestApp } from "./fixture.js";

beforeAll(startMongo);
afterAll(stopMongo);

type Handlers = ReturnType<typeof agendaHandlers>;

/** A unary handler called as grpc-js would, answering with its response. */
function call<K extends keyof Handlers>(
  h: Handlers,
  name: K,
  identity: Identity,
  request: Parameters<Handlers[K]>[0]["request"],
): Promise<unknown> {
  return runInRequestScope({ identity, deadline: Number.POSITIVE_INFINITY }, async () => {
    const handler = h[name] as unknown as (c: { request: unknown }, cb: () => void) => Promise<unknown>;
    return handler({ request }, () => {});
  });
}

function handlers(t: TestApp): Handlers {
  return agendaHandlers({ agenda: t.agenda, discussion: t.discussion, records: t.records });
}

describe("agendaHandlers", () => {
  it("SetAgenda, SetCurrentItem, AddComment, ListComments, RequestToSpeak, UpdateSpeaker, ListSpeakers map proto to use case and back", async () => {
    const t = newApp();
    const h = handlers(t);
    const m = await t.inProgress();
    const set = (await call(h, "setAgenda", OFFICE, {
      requestId: "",
      meetingId: m._id,
      expectedVersion: m.version,
      items: [
        { id: "", title: "Khai mạc", presenterId: "", plannedMinutes: 10, documents: [], description: "" },
        {
          id: "",
          title: "Báo cáo",
          presenterId: "tk.binh",
          plannedMinutes: 30,
          documents: [{ documentId: "BC-1", title: "Báo cáo 1" }],
          description: "",
        },
      ],
    })) as { meeting: { status: number; agenda: { id: string; plannedStart: Date; elapsedSeconds: string }[]; myPermissions: string[] } };
    expect(set.meeting.status).toBe(MeetingStatus.MEETING_STATUS_IN_PROGRESS);
    expect(set.meeting.agenda.map((i) => [i.id, i.plannedStart.toISOString(), i.elapsedSeconds])).toEqual([
      ["1", "2020-03-30T01:30:00.000Z", "0"],
      ["2", "2020-03-30T01:40:00.000Z", "0"],
    ]);
    expect(set.meeting.myPermissions).toContain("manage");
    const current = (await call(h, "setCurrentItem", OFFICE, { requestId: "", meetingId: m._id, itemId: "2" })) as {
      meeting: { currentItemId: string };
    };
    expect(current.meeting.currentItemId).toBe("2");

    const added = (await call(h, "addComment", PARTICIPANT, {
      requestId: "",
      meetingId: m._id,
      itemId: "2",
      siteId: "",
      text: "Ý kiến",
    })) as {
      comment: { itemId: string; siteId: string; author: { personId: string } };
    };
    expect(added.comment).toMatchObject({ itemId: "2", siteId: "hanoi", author: { personId: PARTICIPANT.userId } });
    const listed = (await call(h, "listComments", OFFICE, { meetingId: m._id, itemId: "", page: { pageSize: 0, pageToken: "" } })) as {
      comments: unknown[];
      page: { nextPageToken: string; totalSize: string };
    };
    expect(listed.comments).toHaveLength(1);
    expect(listed.page).toEqual({ nextPageToken: "", totalSize: "1" });

    const speaker = (await call(h, "requestToSpeak", PARTICIPANT, {
      requestId: "",
      meetingId: m._id,
      itemId: "2",
      siteId: "",
      topic: "Biên chế",
    })) as {
      speaker: { id: string; status: number; position: number };
    };
    expect(speaker.speaker).toMatchObject({ status: SpeakerStatus.SPEAKER_STATUS_REQUESTED, position: 1 });
    const speaking = (await call(h, "updateSpeaker", OFFICE, {
      requestId: "",
      meetingId: m._id,
      speakerId: speaker.speaker.id,
      status: SpeakerStatus.SPEAKER_STATUS_SPEAKING,
      position: 0,
    })) as { speaker: { status: number } };
    expect(speaking.speaker.status).toBe(SpeakerStatus.SPEAKER_STATUS_SPEAKING);
    const unknownStatus = await refusal(
      call(h, "updateSpeaker", OFFICE, {
        requestId: "",
        meetingId: m._id,
        speakerId: speaker.speaker.id,
        status: 42 as SpeakerStatus,
        position: 0,
      }),
    );
    expect(unknownStatus).toMatchObject({ kind: "InvalidArgument", violations: [{ field: "status" }] });
    const order = (await call(h, "listSpeakers", PARTICIPANT, { meetingId: m._id, itemId: "2" })) as { speakers: { id: string }[] };
    expect(order.speakers.map((s) => s.id)).toEqual([speaker.speaker.id]);
  });

  it("SetMinutes and SetConclusions read the enum codes and keep the field paths", async () => {
    const t = newApp();
    const h = handlers(t);
    const m = await t.ended();
    const minutes = (await call(h, "setMinutes", OFFICE, { requestId: "", meetingId: m._id, minutes: "Biên bản" })) as {
      meeting: { minutes: string };
    };
    expect(minutes.meeting.minutes).toBe("Biên bản");
    const base = {
      content: "Hoàn thiện Đề án",
      leadUnitId: "TCBC",
      coordinatingUnitIds: [],
      deadline: undefined,
      assignee: "",
      taskKind: "",
    };
    const set = (await call(h, "setConclusions", OFFICE, {
      requestId: "",
      meetingId: m._id,
      conclusions: [
        { ...base, kind: ConclusionKind.CONCLUSION_KIND_DIRECTIVE },
        { ...base, kind: ConclusionKind.CONCLUSION_KIND_DECISION, leadUnitId: "" },
      ],
    })) as { meeting: { conclusions: { number: number; kind: number; leadUnit?: { id: string } }[] } };
    expect(set.meeting.conclusions.map((c) => [c.number, c.kind, c.leadUnit?.id])).toEqual([
      [1, ConclusionKind.CONCLUSION_KIND_DIRECTIVE, "TCBC"],
      [2, ConclusionKind.CONCLUSION_KIND_DECISION, undefined],
    ]);
    const unspecified = await refusal(
      call(h, "setConclusions", OFFICE, {
        requestId: "",
        meetingId: m._id,
        conclusions: [{ ...base, leadUnitId: "", kind: ConclusionKind.CONCLUSION_KIND_UNSPECIFIED }],
      }),
    );
    expect(unspecified).toMatchObject({ kind: "InvalidArgument", violations: [{ field: "conclusions[0].kind" }] });
    expect(await refusal(call(h, "setMinutes", OFFICE, { requestId: "", meetingId: "", minutes: "" }))).toMatchObject({
      kind: "InvalidArgument",
      violations: [{ field: "meeting_id" }],
    });
  });
});
