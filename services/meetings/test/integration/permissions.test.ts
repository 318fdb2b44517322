/**
 * The permission matrix over every mutating RPC: someone outside the meeting learns nothing (NOT_FOUND,
 * exactly as for a missing meeting); a participant or a site host who sees it but may not do a thing is
 * PERMISSION_DENIED; what they may do (answer, check in, comment, ask to speak) goes through. Each
 * refusal changes nothing: the meeting's version stays.
 */
import { status } from "@grpc/grpc-js";
import * as pb from "@ministry/proto/ministry/meetings/v1/meetings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusal, startMeetingsHarness, type Clients, type MeetingsHarness } from "../harness.js";

let h: MeetingsHarness;
let meetingId = "";
let speakerId = "";
const MISSING = "no-such-meeting";

type Call = (c: Clients, id: string) => Promise<unknown>;

const P = pb;
/** Every mutating RPC, called on meeting `id` with a request that would be valid for a manager. */
const CALLS: Record<string, Call> = {
  UpdateMeeting: (c, id) => c.meetings.updateMeeting(P.UpdateMeetingRequest.fromPartial({ id, title: "Đổi tên" })),
  ScheduleMeeting: (c, id) => c.meetings.scheduleMeeting(P.ScheduleMeetingRequest.fromPartial({ id })),
  RescheduleMeeting: (c, id) =>
    c.meetings.rescheduleMeeting(
      P.RescheduleMeetingRequest.fromPartial({
        id,
        start: new Date("2020-04-10T01:00:00Z"),
        plannedEnd: new Date("2020-04-10T02:00:00Z"),
        reason: "Dời",
      }),
    ),
  CancelMeeting: (c, id) => c.meetings.cancelMeeting(P.CancelMeetingRequest.fromPartial({ id, reason: "Hủy" })),
  StartMeeting: (c, id) => c.meetings.startMeeting(P.StartMeetingRequest.fromPartial({ id })),
  EndMeeting: (c, id) => c.meetings.endMeeting(P.EndMeetingRequest.fromPartial({ id })),
  ConcludeMeeting: (c, id) => c.meetings.concludeMeeting(P.ConcludeMeetingRequest.fromPartial({ id })),
  AddSites: (c, id) =>
    c.meetings.addSites(P.AddSitesRequest.fromPartial({ meetingId: id, sites: [{ name: "Điểm cầu mới", unitId: "TL" }] })),
  UpdateSite: (c, id) => c.meetings.updateSite(P.UpdateSiteRequest.fromPartial({ meetingId: id, siteId: "PC", name: "Điểm cầu đổi tên" })),
  InviteParticipants: (c, id) =>
    c.meetings.inviteParticipants(
      P.InviteParticipantsRequest.fromPartial({ meetingId: id, invitees: [{ who: { $case: "personId", value: "tl-head" } }] }),
    ),
  RespondForAnother: (c, id) =>
    c.meetings.respondToInvitation(
      P.RespondToInvitationRequest.fromPartial({
        meetingId: id,
        personId: "cchc-staff",
        response: P.InvitationResponse.INVITATION_RESPONSE_DECLINED,
        reason: "Bận",
      }),
    ),
  CheckInAnotherElsewhere: (c, id) =>
    c.meetings.checkIn(P.CheckInRequest.fromPartial({ meetingId: id, personId: "deputy-minister-1", siteId: "central" })),
  CheckOutAnother: (c, id) => c.meetings.checkOut(P.CheckOutRequest.fromPartial({ meetingId: id, personId: "deputy-minister-1" })),
  SetAgenda: (c, id) =>
    c.meetings.setAgenda(P.SetAgendaRequest.fromPartial({ meetingId: id, items: [{ title: "Mục mới", plannedMinutes: 10 }] })),
  AttachReportSnapshot: (c, id) =>
    c.meetings.attachReportSnapshot(
      P.AttachReportSnapshotRequest.fromPartial({
        meetingId: id,
        itemId: "1",
        report: { period: { period: { $case: "quarter", value: { year: 2020, quarter: 1 } } } },
      }),
    ),
  SetCurrentItem: (c, id) => c.meetings.setCurrentItem(P.SetCurrentItemRequest.fromPartial({ meetingId: id, itemId: "1" })),
  UpdateSpeaker: (c, id) =>
    c.meetings.updateSpeaker(P.UpdateSpeakerRequest.fromPartial({ meetingId: id, speakerId, status: P.SpeakerStatus.SPEAKER_STATUS_DONE })),
  SetMinutes: (c, id) => c.meetings.setMinutes(P.SetMinutesRequest.fromPartial({ meetingId: id, minutes: "Biên bản" })),
  SetConclusions: (c, id) =>
    c.meetings.setConclusions(
      P.SetConclusionsRequest.fromPartial({
        meetingId: id,
        conclusions: [{ kind: P.ConclusionKind.CONCLUSION_KIND_INFORMATION, content: "Kết luận" }],
      }),
    ),
};

/** What only a participant (or host) may do for himself or herself: refused to outsiders as NOT_FOUND. */
const OWN_CALLS: Record<string, Call> = {
  RespondToInvitation: (c, id) =>
    c.meetings.respondToInvitation(
      P.RespondToInvitationRequest.fromPartial({ meetingId: id, response: P.InvitationResponse.INVITATION_RESPONSE_ACCEPTED }),
    ),
  CheckIn: (c, id) => c.meetings.checkIn(P.CheckInRequest.fromPartial({ meetingId: id })),
  CheckOut: (c, id) => c.meetings.checkOut(P.CheckOutRequest.fromPartial({ meetingId: id })),
  AddComment: (c, id) => c.meetings.addComment(P.AddCommentRequest.fromPartial({ meetingId: id, itemId: "1", text: "Ý kiến" })),
  RequestToSpeak: (c, id) => c.meetings.requestToSpeak(P.RequestToSpeakRequest.fromPartial({ meetingId: id, itemId: "1" })),
};

beforeAll(async () => {
  h = await startMeetingsHarness();
  const office = await h.as("vp-head");
  const start = new Date(h.clock.now().getTime() + 30 * 60_000);
  const { meeting } = await office.meetings.createMeeting(
    P.CreateMeetingRequest.fromPartial({
      title: "Họp ma trận quyền",
      chairId: "deputy-minister-1",
      start,
      plannedEnd: new Date(start.getTime() + 3600_000),
    }),
  );
  meetingId = meeting?.id as string;
  await office.meetings.addSites(
    P.AddSitesRequest.fromPartial({
      meetingId,
      sites: [
        { name: "Điểm cầu Vụ Pháp chế", unitId: "PC", hostId: "pc-head" },
        { name: "Điểm cầu CCHC", unitId: "CCHC", hostId: "cchc-head" },
      ],
    }),
  );
  await office.meetings.inviteParticipants(
    P.InviteParticipantsRequest.fromPartial({
      meetingId,
      invitees: [
        { who: { $case: "personId", value: "pc-staff" } },
        { who: { $case: "personId", value: "cchc-staff" } },
        { who: { $case: "personId", value: "deputy-minister-1" }, siteId: "central" },
      ],
    }),
  );
  await office.meetings.setAgenda(P.SetAgendaRequest.fromPartial({ meetingId, items: [{ title: "Mục 1", plannedMinutes: 30 }] }));
  await office.meetings.scheduleMeeting(P.ScheduleMeetingRequest.fromPartial({ id: meetingId }));
  const dm = await h.as("deputy-minister-1");
  speakerId = (
    await dm.meetings.requestToSpeak(P.RequestToSpeakRequest.fromPartial({ meetingId, itemId: "1", topic: "Ý kiến của Thứ trưởng" }))
  ).speaker?.id as string;
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

async function version(): Promise<number> {
  const office = await h.as("vp-head");
  return (await office.meetings.getMeeting({ id: meetingId })).meeting?.version as number;
}

describe("permission matrix", () => {
  it("someone outside the meeting gets NOT_FOUND from every call, as for a missing meeting, and the same message", async () => {
    const outsider = await h.as("ttr-staff");
    const before = await version();
    for (const [name, call] of Object.entries({ ...CALLS, ...OWN_CALLS })) {
      const hidden = await refusal(call(outsider, meetingId));
      const missing = await refusal(call(outsider, MISSING));
      expect(hidden.code, name).toBe(status.NOT_FOUND);
      expect(hidden.message, name).toBe(missing.message);
    }
    expect(await version()).toBe(before);
  });

  it("a participant sees the meeting but may change only his or her own part: PERMISSION_DENIED for the rest", async () => {
    const participant = await h.as("pc-staff");
    const before = await version();
    for (const [name, call] of Object.entries(CALLS)) {
      const r = await refusal(call(participant, meetingId));
      expect(r.code, name).toBe(status.PERMISSION_DENIED);
      expect(r.message, name).not.toMatch(/\w+-\w+-\w+-\w+-\w+/); // names no hidden id
    }
    expect(await version()).toBe(before);
  });

  it("a site host checks in the people of his or her site, not anyone elsewhere, and manages nothing else", async () => {
    const host = await h.as("cchc-head");
    const before = await version();
    for (const [name, call] of Object.entries(CALLS)) {
      const r = await refusal(call(host, meetingId));
      expect(r.code, name).toBe(status.PERMISSION_DENIED);
    }
    expect(await version()).toBe(before);
    const ok = await host.meetings.checkIn(P.CheckInRequest.fromPartial({ meetingId, personId: "cchc-staff" }));
    expect(ok.participant?.sessions[0]?.checkedInBy?.userId).toBe("cchc-head");
  });

  it("what participants may do goes through", async () => {
    const participant = await h.as("pc-staff");
    for (const name of ["RespondToInvitation", "CheckIn", "AddComment", "RequestToSpeak", "CheckOut"]) {
      await expect(OWN_CALLS[name]?.(participant, meetingId), name).resolves.toBeDefined();
    }
    // The speaker may withdraw his own request, not someone else's.
    const mine = (await participant.meetings.listSpeakers({ meetingId, itemId: "1" })).speakers.find(
      (s) => s.person?.personId === "pc-staff",
    );
    await participant.meetings.updateSpeaker(
      P.UpdateSpeakerRequest.fromPartial({ meetingId, speakerId: mine?.id, status: P.SpeakerStatus.SPEAKER_STATUS_WITHDRAWN }),
    );
  });

  it("creating meetings and series: the Office, leaders and unit heads; not staff of other units, clerks or operators", async () => {
    for (const who of ["ttr-staff", "vp-clerk", "ops"]) {
      const c = await h.as(who);
      const create = await refusal(c.meetings.createMeeting(P.CreateMeetingRequest.fromPartial({ title: "x" })));
      expect(create.code, who).toBe(status.PERMISSION_DENIED);
      const series = await refusal(c.meetings.createSeries(P.CreateSeriesRequest.fromPartial({ title: "x" })));
      expect(series.code, who).toBe(status.PERMISSION_DENIED);
    }
    // A unit head organises his or her own unit's meetings only.
    const head = await h.as("ttr-head");
    const other = await refusal(
      head.meetings.createMeeting(
        P.CreateMeetingRequest.fromPartial({
          title: "Họp",
          chairId: "ttr-head",
          organizerUnitId: "PC",
          start: new Date("2020-04-01T01:00:00Z"),
          plannedEnd: new Date("2020-04-01T02:00:00Z"),
        }),
      ),
    );
    expect(other.code).toBe(status.PERMISSION_DENIED);
    const own = await head.meetings.createMeeting(
      P.CreateMeetingRequest.fromPartial({
        title: "Giao ban Thanh tra Bộ",
        chairId: "ttr-head",
        start: new Date("2020-04-01T01:00:00Z"),
        plannedEnd: new Date("2020-04-01T02:00:00Z"),
      }),
    );
    expect(own.meeting?.organizerUnit?.id).toBe("TTR");
  });

  it("feed tokens: only their owner revokes them; another person's id answers NOT_FOUND", async () => {
    const pc = await h.as("pc-staff");
    const { token } = await pc.meetings.createFeedToken(P.CreateFeedTokenRequest.fromPartial({ label: "Lịch của tôi" }));
    const other = await h.as("cchc-staff");
    expect((await refusal(other.meetings.revokeFeedToken(P.RevokeFeedTokenRequest.fromPartial({ id: token?.id })))).code).toBe(
      status.NOT_FOUND,
    );
  });
});
