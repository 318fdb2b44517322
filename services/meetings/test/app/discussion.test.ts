/**
 * Comments and the speaking order at the app layer, against the embedded MongoDB-compatible server:
 * who may take part (a caller who does not see the meeting finds none), from which site, in which
 * states, paging, and the speaking order's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewAgendaItemInput } from "../../src/app/agenda.js";
import { MAX_COMMENT_LENGTH, MAX_TOPIC_LENGTH } from "../../src/domain/limits.js";
import type { Meeting } from "../../src/domain/model.js";
import { participantKey } from "../../src/store/collections.js";
import {
  addSite,
  CHAIR,
  newApp,
  OFFICE,
  OTHER_PARTICIPANT,
  OUTSIDER,
  PARTICIPANT,
  PEOPLE,
  refusal,
  startMongo,
  stopMongo,
  type TestApp,
  violatedFields,
} from "./fixture.js";

beforeAll(startMongo);
afterAll(stopMongo);

const AGENDA: NewAgendaItemInput[] = ["Khai mạc", "Báo cáo quý I", "Thảo luận"].map((title) => ({
  id: "",
  title,
  presenterId: "",
  plannedMinutes: 20,
  documents: [],
  description: "",
}));

async function withAgenda(t: TestApp, m: Meeting): Promise<Meeting> {
  return (await t.agenda.setAgenda(OFFICE, t.mutation(m), AGENDA)).meeting;
}

describe("AddComment", () => {
  it("a participant comments from his or her planned site, line breaks kept; someone checked in, from where he or she is", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.scheduled());
    const c = await t.discussion.addComment(PARTICIPANT, {
      meetingId: m._id,
      itemId: "2",
      siteId: "",
      text: "  Đề nghị bổ sung số liệu.\r\nXin cảm ơn.  ",
    });
    expect(c).toMatchObject({
      meetingId: m._id,
      itemId: "2",
      siteId: "hanoi",
      text: "Đề nghị bổ sung số liệu.\nXin cảm ơn.",
      at: t.clock.now(),
    });
    expect(c.author).toEqual(PEOPLE.find((p) => p.personId === PARTICIPANT.userId));
    await addSite(t.app, m._id, { siteId: "hcm", name: "Điểm cầu TP. Hồ Chí Minh", position: 2 });
    await t.app.store.participants.updateOne(
      { _id: participantKey(m._id, PARTICIPANT.userId) },
      {
        $set: {
          presentNow: true,
          sessions: [
            {
              checkedInAt: t.clock.now(),
              siteId: "hcm",
              device: "computer",
              checkedInBy: { userId: PARTICIPANT.userId, displayName: "", roles: [] },
            },
          ],
        },
      },
    );
    expect((await t.discussion.addComment(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", text: "Ý kiến thứ hai" })).siteId).toBe(
      "hcm",
    );
    // a named site wins; it must exist
    expect((await t.discussion.addComment(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "central", text: "Ý kiến" })).siteId).toBe(
      "central",
    );
    expect(
      await violatedFields(t.discussion.addComment(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "khong-co", text: "Ý kiến" })),
    ).toEqual(["site_id"]);
    expect(await t.app.db.collection("audit").countDocuments({ action: "comment.added" })).toBe(3);
  });

  it("managers who are not invited comment too, as the meeting knows them (the chair) or as their token names them", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.inProgress());
    const byChair = await t.discussion.addComment(CHAIR, {
      meetingId: m._id,
      itemId: "1",
      siteId: "",
      text: "Đề nghị các đơn vị phát biểu ngắn gọn.",
    });
    expect(byChair.author).toEqual(m.chair);
    expect(byChair.siteId).toBe("central");
    const byOffice = await t.discussion.addComment(OFFICE, { meetingId: m._id, itemId: "1", siteId: "", text: "Ghi nhận." });
    expect(byOffice.author).toEqual({ personId: OFFICE.userId, fullName: OFFICE.name, position: "", unit: { id: "VP", name: "VP" } });
  });

  it("a caller who does not see the meeting finds none; a bad item, text or state is refused", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.scheduled());
    const input = { meetingId: m._id, itemId: "2", siteId: "", text: "Ý kiến" };
    expect((await refusal(t.discussion.addComment(OUTSIDER, input))).kind).toBe("NotFound");
    expect((await refusal(t.discussion.listComments(OUTSIDER, { meetingId: m._id, itemId: "", page: {} }))).kind).toBe("NotFound");
    expect(await violatedFields(t.discussion.addComment(PARTICIPANT, { ...input, itemId: "9" }))).toEqual(["item_id"]);
    expect(await violatedFields(t.discussion.addComment(PARTICIPANT, { ...input, itemId: "", text: " \n " }))).toEqual(["item_id", "text"]);
    expect(await violatedFields(t.discussion.addComment(PARTICIPANT, { ...input, text: "x".repeat(MAX_COMMENT_LENGTH + 1) }))).toEqual([
      "text",
    ]);
    const draft = await withAgenda(t, await t.draft());
    expect(await refusal(t.discussion.addComment(OFFICE, { ...input, meetingId: draft._id }))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_NOT_OPEN",
    });
    await t.meetings.start(OFFICE, t.mutation(await t.meeting(m._id)));
    await t.meetings.end(OFFICE, t.mutation(await t.meeting(m._id)));
    expect(await refusal(t.discussion.addComment(PARTICIPANT, input))).toMatchObject({
      kind: "FailedPrecondition",
      reason: "MEETING_NOT_OPEN",
    });
    expect(await t.app.store.comments.countDocuments({})).toBe(0);
  });

  it("a retry with the same request id stores one comment", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.scheduled());
    const input = { requestId: "c-1", meetingId: m._id, itemId: "2", siteId: "", text: "Một lần thôi" };
    const a = await t.discussion.addComment(PARTICIPANT, input);
    const b = await t.discussion.addComment(PARTICIPANT, input);
    expect(b).toEqual(a);
    expect(await t.app.store.comments.countDocuments({ meetingId: m._id })).toBe(1);
  });
});

describe("ListComments", () => {
  it("pages through an item's comments (or all), by item then time, each once", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.scheduled());
    const texts: string[] = [];
    for (const [i, itemId] of ["2", "1", "2", "2", "3"].entries()) {
      t.clock.advance(1000);
      texts.push(`${itemId}:${i}`);
      await t.discussion.addComment(i % 2 === 0 ? PARTICIPANT : OTHER_PARTICIPANT, {
        meetingId: m._id,
        itemId,
        siteId: "",
        text: `${itemId}:${i}`,
      });
    }
    const first = await t.discussion.listComments(CHAIR, { meetingId: m._id, itemId: "2", page: { pageSize: 2 } });
    expect(first.items.map((c) => c.text)).toEqual(["2:0", "2:2"]);
    expect(first.totalSize).toBe(3);
    const second = await t.discussion.listComments(CHAIR, {
      meetingId: m._id,
      itemId: "2",
      page: { pageSize: 2, pageToken: first.nextPageToken },
    });
    expect(second.items.map((c) => c.text)).toEqual(["2:3"]);
    expect(second.nextPageToken).toBe("");
    const all = await t.discussion.listComments(OTHER_PARTICIPANT, { meetingId: m._id, itemId: "", page: {} });
    expect(all.items.map((c) => c.text)).toEqual(["1:1", "2:0", "2:2", "2:3", "3:4"]);
    // a token of another list is refused
    expect(
      await violatedFields(t.discussion.listComments(CHAIR, { meetingId: m._id, itemId: "", page: { pageToken: first.nextPageToken } })),
    ).toEqual(["page.page_token"]);
  });
});

describe("The speaking order", () => {
  it("each request is placed last; asking again answers the standing request; positions stay 1..n when a manager moves someone", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.inProgress());
    const a = await t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "  Về  biên chế  " });
    expect(a).toMatchObject({ position: 1, status: "requested", topic: "Về biên chế", siteId: "hanoi" });
    t.clock.advance(1000);
    const b = await t.discussion.requestToSpeak(OTHER_PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "" });
    const c = await t.discussion.requestToSpeak(CHAIR, { meetingId: m._id, itemId: "2", siteId: "", topic: "" });
    expect([b.position, c.position]).toEqual([2, 3]);
    expect(await t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "Lần nữa" })).toEqual(a);
    // another item has its own order
    expect((await t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "3", siteId: "", topic: "" })).position).toBe(1);

    const moved = await t.discussion.updateSpeaker(OFFICE, { meetingId: m._id, speakerId: c._id, position: 1 });
    expect(moved.position).toBe(1);
    const order = await t.discussion.listSpeakers(PARTICIPANT, { meetingId: m._id, itemId: "2" });
    expect(order.map((s) => [s._id, s.position])).toEqual([
      [c._id, 1],
      [a._id, 2],
      [b._id, 3],
    ]);
    expect(await violatedFields(t.discussion.updateSpeaker(OFFICE, { meetingId: m._id, speakerId: c._id, position: 4 }))).toEqual([
      "position",
    ]);
  });

  it("giving the floor ends the one who had it; done records when", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.inProgress());
    const a = await t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "" });
    const b = await t.discussion.requestToSpeak(OTHER_PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "" });
    await t.discussion.updateSpeaker(CHAIR, { meetingId: m._id, speakerId: a._id, status: "speaking", position: 0 });
    const at = t.clock.advance(180_000);
    const next = await t.discussion.updateSpeaker(CHAIR, { meetingId: m._id, speakerId: b._id, status: "speaking", position: 0 });
    expect(next).toMatchObject({ status: "speaking", position: 2 });
    const [first] = await t.discussion.listSpeakers(CHAIR, { meetingId: m._id, itemId: "2" });
    expect(first).toMatchObject({ _id: a._id, status: "done", doneAt: at });
    const done = await t.discussion.updateSpeaker(CHAIR, { meetingId: m._id, speakerId: b._id, status: "done", position: 0 });
    expect(done.doneAt).toEqual(at);
    // a new request after one's turn is a new place, last
    expect((await t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "" })).position).toBe(3);
  });

  it("the speaker may only withdraw; other participants may not touch it; outsiders find nothing", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.scheduled());
    const a = await t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "" });
    expect(
      (await refusal(t.discussion.updateSpeaker(PARTICIPANT, { meetingId: m._id, speakerId: a._id, status: "done", position: 0 }))).kind,
    ).toBe("PermissionDenied");
    expect((await refusal(t.discussion.updateSpeaker(PARTICIPANT, { meetingId: m._id, speakerId: a._id, position: 1 }))).kind).toBe(
      "PermissionDenied",
    );
    expect(
      (
        await refusal(
          t.discussion.updateSpeaker(OTHER_PARTICIPANT, { meetingId: m._id, speakerId: a._id, status: "withdrawn", position: 0 }),
        )
      ).kind,
    ).toBe("PermissionDenied");
    expect(
      (await refusal(t.discussion.updateSpeaker(OUTSIDER, { meetingId: m._id, speakerId: a._id, status: "withdrawn", position: 0 }))).kind,
    ).toBe("NotFound");
    expect((await refusal(t.discussion.requestToSpeak(OUTSIDER, { meetingId: m._id, itemId: "2", siteId: "", topic: "" }))).kind).toBe(
      "NotFound",
    );
    expect((await refusal(t.discussion.listSpeakers(OUTSIDER, { meetingId: m._id, itemId: "2" }))).kind).toBe("NotFound");
    expect(
      (await refusal(t.discussion.updateSpeaker(OFFICE, { meetingId: m._id, speakerId: "khong-co", status: "done", position: 0 }))).kind,
    ).toBe("NotFound");
    const withdrawn = await t.discussion.updateSpeaker(PARTICIPANT, {
      meetingId: m._id,
      speakerId: a._id,
      status: "withdrawn",
      position: 0,
    });
    expect(withdrawn.status).toBe("withdrawn");
    expect(
      await refusal(t.discussion.updateSpeaker(PARTICIPANT, { meetingId: m._id, speakerId: a._id, status: "withdrawn", position: 0 })),
    ).toMatchObject({ kind: "FailedPrecondition", reason: "SPEAKER_CLOSED" });
    expect(await t.app.db.collection("audit").countDocuments({ action: { $in: ["speaker.requested", "speaker.updated"] } })).toBe(2);
  });

  it("checks its input: topic length, item, status and position", async () => {
    const t = newApp();
    const m = await withAgenda(t, await t.scheduled());
    expect(
      await violatedFields(
        t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "2", siteId: "", topic: "t".repeat(MAX_TOPIC_LENGTH + 1) }),
      ),
    ).toEqual(["topic"]);
    expect(
      await violatedFields(t.discussion.requestToSpeak(PARTICIPANT, { meetingId: m._id, itemId: "8", siteId: "", topic: "" })),
    ).toEqual(["item_id"]);
    expect(
      await violatedFields(t.discussion.updateSpeaker(OFFICE, { meetingId: m._id, speakerId: "", status: "requested", position: -1 })),
    ).toEqual(["position", "speaker_id", "status"]);
    expect(await violatedFields(t.discussion.updateSpeaker(OFFICE, { meetingId: m._id, speakerId: "s", position: 0 }))).toEqual(["status"]);
    expect(await violatedFields(t.discussion.listSpeakers(OFFICE, { meetingId: m._id, itemId: "" }))).toEqual(["item_id"]);
  });
});
