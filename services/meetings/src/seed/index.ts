/**
 * The seed of the default run: the Ministry of Home Affairs' quarterly online briefing of 30 March 2020
 * (DOMAIN.md, "The situation"), run through the service's own use cases as the people involved would:
 * the Office schedules it, invites the leadership to the central site and every unit's head to his or
 * her own site, freezes the Q1 report from the tasks service into the agenda, the people answer and
 * check in from their computers, phones and tablets, the sites comment, the secretary keeps the minutes,
 * and the Minister concludes: the programme stays unchanged for Q2, and directives to the units (which
 * the tasks service turns into tasks).
 *
 * It needs the directory (the notifications service) and the tasks service, and acts on their behalf
 * with tokens of the default run's signing authority, so it waits for both and runs in the background.
 * Times are those of the day (a clock set to 30 March 2020), so the record reads as it happened.
 */
import { status } from "@grpc/grpc-js";
import { ManualClock, runInRequestScope, type Identity, type LocalAuthority, type Logger, type Role } from "@ministry/platform";
import type { Period } from "@ministry/proto/ministry/tasks/v1/tasks";
import { AppContext } from "../app/context.js";
import { useCases, type UseCases } from "../app/index.js";
import type { DeviceKind } from "../domain/model.js";
import type { MeetingsRuntime } from "../service.js";
import { BRIEFING } from "./briefing-2020.js";

export const SEED_MEETING_ID = BRIEFING.id;

/** Who a seeded person is, as a token of the default run says (roles and unit by the directory's seed conventions). */
export function seededIdentity(id: string, name = id): Identity {
  if (id === "minister") return { userId: id, name, roles: ["minister"] };
  if (id.startsWith("deputy-minister-")) return { userId: id, name, roles: ["deputy_minister"] };
  const dash = id.lastIndexOf("-");
  const unitId = id.slice(0, dash).toUpperCase();
  const kind = id.slice(dash + 1);
  const roles: Role[] =
    kind === "head"
      ? unitId === "VP"
        ? ["office_chief", "unit_head"]
        : ["unit_head"]
      : kind === "deputy"
        ? ["unit_head"]
        : kind === "clerk"
          ? ["clerk"]
          : ["staff"];
  return { userId: id, name, roles, unitId };
}

/** A peer not up yet: gRPC UNAVAILABLE or DEADLINE_EXCEEDED, however it reached us. */
function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}

const at = (hhmm: string) => new Date(`2020-03-30T${hhmm}:00+07:00`);

export async function seedBriefing2020(
  runtime: MeetingsRuntime,
  authority: LocalAuthority | undefined,
  log: Logger,
  opts: { retryMs?: number; giveUpAfterMs?: number } = {},
): Promise<{ seeded: boolean }> {
  const existing = await runtime.app.store.meeting(BRIEFING.id);
  if (existing?.status === "concluded") {
    log.info("the 2020 briefing is already there");
    return { seeded: false };
  }
  if (!authority) {
    log.warn("no local signing authority: the seed briefing needs one to call the directory and the tasks service; skipped");
    return { seeded: false };
  }
  const secretary = seededIdentity(BRIEFING.secretaryId);
  const token = await authority.issueToken(
    { sub: secretary.userId, name: secretary.name, roles: secretary.roles, unit: secretary.unitId },
    "1h",
  );
  const clock = new ManualClock(at("07:30"));
  const app = new AppContext({ ...runtime.app.deps, clock });
  const parts = useCases(app);

  const scope = { identity: secretary, token, deadline: Number.POSITIVE_INFINITY };
  const deadline = Date.now() + (opts.giveUpAfterMs ?? 10 * 60_000);
  // The peers start beside this service. Every step has a fixed request id, so a run cut short (a peer
  // not answering yet, or a crash) is simply run again: the steps done are answered from the request
  // log, and the rest follow.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await runInRequestScope(scope, () => run(parts, clock, secretary, log));
      break;
    } catch (err) {
      if (!isUnavailable(err) || Date.now() > deadline) throw err;
      log.info(
        { attempt, reason: (err as Error).message },
        "the directory or the tasks service is not answering yet: the seed briefing waits",
      );
      await new Promise((r) => setTimeout(r, opts.retryMs ?? 2_000));
    }
  }
  log.info({ meeting: BRIEFING.id }, "seeded the 30 March 2020 quarterly briefing");
  return { seeded: true };
}

async function run(p: UseCases, clock: ManualClock, secretary: Identity, log: Logger): Promise<void> {
  const id = BRIEFING.id;
  const req = (step: string) => `seed-${id}-${step}`;
  const m = (step: string) => ({ requestId: req(step), id, body: { seed: step } });
  clock.set("2020-03-23T09:00:00+07:00");
  await p.meetings.create(secretary, {
    id,
    requestId: req("create"),
    kind: "quarterly_briefing",
    title: BRIEFING.title,
    chairId: BRIEFING.chairId,
    secretaryId: BRIEFING.secretaryId,
    organizerUnitId: "VP",
    start: at("08:30"),
    plannedEnd: at("11:30"),
    mode: "online",
    place: BRIEFING.place,
    centralSiteName: BRIEFING.centralSiteName,
    centralVideoUrl: BRIEFING.videoUrl("central"),
  });
  await p.sites.addSites(secretary, {
    requestId: req("sites"),
    meetingId: id,
    sites: BRIEFING.remoteUnits.map((u) => ({
      id: u.id,
      name: `Điểm cầu ${u.name}`,
      unitId: u.id,
      unitName: u.name,
      hostId: `${u.id.toLowerCase()}-head`,
      hostName: "",
      videoUrl: BRIEFING.videoUrl(u.id),
    })),
  });
  await p.invitations.invite(secretary, {
    requestId: req("invite-central"),
    meetingId: id,
    invitees: [
      { kind: "person", id: "minister", siteId: "central" },
      { kind: "role", role: "deputy_minister", siteId: "central" },
      { kind: "person", id: "vp-head", siteId: "central" },
      { kind: "person", id: "tccb-head", siteId: "central" },
      { kind: "person", id: BRIEFING.secretaryId, siteId: "central" },
    ],
  });
  await p.invitations.invite(secretary, {
    requestId: req("invite-units"),
    meetingId: id,
    invitees: BRIEFING.remoteUnits.map((u) => ({ kind: "unit_head" as const, unitId: u.id, siteId: u.id })),
  });
  await p.agenda.setAgenda(secretary, m("agenda"), BRIEFING.agenda);
  await p.agenda.attachReportSnapshot(secretary, {
    requestId: req("report"),
    meetingId: id,
    itemId: "2",
    report: {
      period: { period: { $case: "quarter", value: { year: 2020, quarter: 1 } } } as Period,
      programmeId: "bnv-2020",
      unitId: "",
      kind: "",
      kindGroup: 0,
      omitLines: true,
      maxLines: 0,
    },
    title: "Báo cáo kết quả thực hiện Chương trình công tác Quý I năm 2020",
  });
  await p.meetings.schedule(secretary, m("schedule"));

  clock.set("2020-03-24T10:00:00+07:00");
  for (const r of BRIEFING.responses) {
    await p.invitations.respond(seededIdentity(r.personId), {
      requestId: req(`respond-${r.personId}`),
      meetingId: id,
      personId: r.personId,
      response: r.response,
      reason: r.reason ?? "",
      delegateId: r.delegateId ?? "",
    });
  }

  // Check-in opens an hour before the start: the central site's host checks in the people in the room;
  // every unit's leader checks in from his or her own office.
  clock.set(at("08:05"));
  for (const c of BRIEFING.checkIns) {
    clock.advance(20_000);
    const who = c.byHost ? secretary : seededIdentity(c.personId);
    await p.attendance.checkIn(who, {
      requestId: req(`checkin-${c.personId}`),
      meetingId: id,
      personId: c.personId,
      siteId: c.siteId ?? "",
      device: c.device as DeviceKind,
    });
  }
  clock.set(at("08:30"));
  await p.meetings.start(secretary, m("start"));
  for (const item of BRIEFING.agenda) {
    clock.set(at(BRIEFING.itemStarts[item.id] ?? "08:30"));
    await p.agenda.setCurrentItem(secretary, { requestId: req(`item-${item.id}`), meetingId: id, itemId: item.id });
    for (const c of BRIEFING.comments.filter((x) => x.itemId === item.id)) {
      clock.advance(4 * 60_000);
      const author = seededIdentity(c.personId);
      await p.discussion.requestToSpeak(author, {
        requestId: req(`speak-${c.personId}`),
        meetingId: id,
        itemId: item.id,
        siteId: "",
        topic: c.topic,
      });
      await p.discussion.addComment(author, {
        requestId: req(`comment-${c.personId}`),
        meetingId: id,
        itemId: item.id,
        siteId: "",
        text: c.text,
      });
    }
  }
  clock.set(at("10:40"));
  await p.attendance.checkOut(seededIdentity("ttr-head"), {
    requestId: req("checkout-ttr"),
    meetingId: id,
    personId: "ttr-head",
    siteId: "",
  });
  clock.set(at("11:20"));
  await p.agenda.setCurrentItem(secretary, { requestId: req("item-none"), meetingId: id, itemId: "" });
  await p.records.setMinutes(secretary, m("minutes"), BRIEFING.minutes);
  await p.records.setConclusions(seededIdentity(BRIEFING.chairId), m("conclusions"), BRIEFING.conclusions);
  clock.set(at("11:25"));
  await p.meetings.end(secretary, m("end"));
  clock.set(at("11:30"));
  await p.meetings.conclude(seededIdentity(BRIEFING.chairId), m("conclude"));
  log.debug({ meeting: id }, "seed briefing concluded");
}
