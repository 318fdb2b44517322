/**
 * `GET /v1/me/events` with a real HTTP client reading the stream (fetch and a streaming reader, parsed
 * with eventsource-parser, as a browser's EventSource would): a new notification arrives as an event
 * whose id is the notification's; a reconnect with Last-Event-ID gets exactly what it missed, in order,
 * then live ones; the token may come in the query; refusals are problem+json; an expiring token ends
 * the stream. Notifications are caused the real way: the Chief of Office assigns a task through
 * `POST /v1/tasks` with a staff member as assignee, and the notifications service tells the assignee.
 * Each test uses its own staff member, who gets nothing from the seed.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type SystemHarness } from "../harness.js";

let sys: SystemHarness;
beforeAll(async () => {
  // Waiting polls the gateway; the limits are not what this file tests.
  sys = await startSystem({ gatewayEnv: { RATE_LIMIT_PER_USER: "100000", RATE_LIMIT_PER_IP: "100000" } });
}, 120_000);
afterAll(async () => sys?.stop());

interface Stream {
  status: number;
  headers: Headers;
  /** The answer's body when it is not an event stream. */
  body: string;
  events: EventSourceMessage[];
  comments: string[];
  ended: boolean;
  close(): void;
}

interface OpenOptions {
  as?: string;
  token?: string;
  /** Sent as the Last-Event-ID header. */
  lastEventId?: string;
  query?: Record<string, string>;
}

/** Opens the stream and reads it in the background until the server ends it or `close()`. */
async function open(o: OpenOptions): Promise<Stream> {
  const url = new URL("/v1/me/events", sys.gateway.url);
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: "text/event-stream" };
  const token = o.token ?? (o.as ? await sys.token(o.as) : undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  if (o.lastEventId !== undefined) headers["last-event-id"] = o.lastEventId;
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const stream: Stream = {
    status: res.status,
    headers: res.headers,
    body: "",
    events: [],
    comments: [],
    ended: false,
    close: () => abort.abort(),
  };
  if (!res.headers.get("content-type")?.startsWith("text/event-stream")) {
    stream.body = await res.text();
    stream.ended = true;
    return stream;
  }
  const parser = createParser({ onEvent: (e) => stream.events.push(e), onComment: (c) => stream.comments.push(c) });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted by close()
    } finally {
      stream.ended = true;
    }
  })();
  return stream;
}

interface Delivered {
  notification: { id: string; recipientId: string; title: string; subject: { type: string; id: string } };
  unreadCount: string;
}

const notifications = (s: Stream) =>
  s.events.filter((e) => e.event === "notification").map((e) => ({ id: e.id, ...(JSON.parse(e.data) as Delivered) }));

/** Waits for the stream to hold at least `n` notification events. */
const received = (s: Stream, n: number, what: string) =>
  sys.until(() => (notifications(s).length >= n ? notifications(s) : undefined), `${n} notification events (${what})`, 30_000);

/** Live streams the notifications service holds open (its gauge): a stream counts once it has its starting point. */
async function liveStreams(): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${sys.services.notifications.admin.port}/metrics`).then((r) => r.text());
  return Number(/^notifications_live_streams\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

const streamsOpen = (n: number) =>
  sys.until(async () => ((await liveStreams()) === n ? true : undefined), `${n} live streams open in the notifications service`, 30_000);

/** A new task assigned by the Chief of Office: its lead unit's head and its assignee are notified. */
async function assignTask(unit: string, assignee: string, code: string): Promise<string> {
  const res = await sys.http("POST", "/v1/tasks", {
    as: "vp-head",
    body: {
      programmeId: "bnv-2020",
      code,
      title: `Nhiệm vụ thử thông báo trực tiếp ${code}`,
      kind: "THONG_TU",
      authority: "BO_TRUONG",
      leadUnit: unit,
      assignee,
      deadline: { text: "Quý III/2020" },
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.task.id as string;
}

/** The person's inbox, newest first, once it holds `n` notifications. */
const inboxOf = (person: string, n: number) =>
  sys.until(
    async () => {
      const r = await sys.http("GET", "/v1/me/notifications", { as: person, query: { view: "all", pageSize: 100 } });
      return r.status === 200 && r.json.notifications.length >= n ? (r.json.notifications as { id: string; title: string }[]) : undefined;
    },
    `${n} notifications in ${person}'s inbox`,
    30_000,
  );

const codesOf = (items: { notification: { title: string } }[]) => items.map((x) => /(LIVE-[A-Z0-9-]+)/.exec(x.notification.title)?.[1]);

describe("GET /v1/me/events", () => {
  it("answers an event stream; a new notification arrives as `event: notification` with its id", async () => {
    const s = await open({ as: "pc-staff" });
    expect(s.status).toBe(200);
    expect(s.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(s.headers.get("cache-control")).toBe("no-store");
    expect(s.headers.get("x-request-id")).toBeTruthy();
    // Only once the service holds the stream does "from now" mean after this point.
    await streamsOpen(1);

    const taskId = await assignTask("PC", "pc-staff", "LIVE-1");
    const [first] = await received(s, 1, "the new task");
    expect(s.events[0]).toMatchObject({ event: "notification", id: first!.notification.id });
    expect(first).toMatchObject({
      unreadCount: "1",
      notification: {
        recipientId: "pc-staff",
        subject: { type: "task", id: taskId },
        category: "task_assignment",
        eventType: "tasks.task.created",
      },
    });
    // The same notification the inbox holds.
    const inbox = await inboxOf("pc-staff", 1);
    expect(inbox.map((n) => n.id)).toEqual([first!.notification.id]);

    // Leaving closes the service's stream too.
    s.close();
    await streamsOpen(0);
  });

  it("a reconnect with Last-Event-ID gets exactly what it missed, in order, then live ones", async () => {
    const first = await open({ as: "cchc-staff" });
    await streamsOpen(1);
    await assignTask("CCHC", "cchc-staff", "LIVE-R1");
    const [seen] = await received(first, 1, "before the disconnect");
    first.close();
    await streamsOpen(0);

    // While the client is away.
    for (const code of ["LIVE-R2", "LIVE-R3", "LIVE-R4"]) await assignTask("CCHC", "cchc-staff", code);
    const inbox = await inboxOf("cchc-staff", 4);

    const again = await open({ as: "cchc-staff", lastEventId: seen!.id! });
    expect(again.status).toBe(200);
    const missed = await received(again, 3, "the missed ones");
    expect(codesOf(missed)).toEqual(["LIVE-R2", "LIVE-R3", "LIVE-R4"]);
    expect(missed.map((m) => m.id)).toEqual(
      inbox
        .slice(0, 3)
        .reverse()
        .map((n) => n.id),
    );
    expect(missed.map((m) => m.unreadCount)).toEqual(["4", "4", "4"]);

    // ...and live ones follow on the same stream.
    for (const code of ["LIVE-R5", "LIVE-R6"]) await assignTask("CCHC", "cchc-staff", code);
    const all = await received(again, 5, "the live ones after the missed ones");
    expect(codesOf(all)).toEqual(["LIVE-R2", "LIVE-R3", "LIVE-R4", "LIVE-R5", "LIVE-R6"]);
    expect(new Set([seen!.id, ...all.map((m) => m.id)]).size).toBe(6);
    expect(all.every((m) => m.id === m.notification.id)).toBe(true);
    expect(all.at(-1)!.unreadCount).toBe("6");
    again.close();
    await streamsOpen(0);
  });

  it("takes the token as ?access_token= (EventSource cannot send headers)", async () => {
    const token = await sys.token("tccb-staff");
    const s = await open({ query: { access_token: token } });
    expect(s.status).toBe(200);
    await streamsOpen(1);
    await assignTask("TCCB", "tccb-staff", "LIVE-Q1");
    const [got] = await received(s, 1, "a notification on a stream opened with ?access_token");
    expect(got!.notification.recipientId).toBe("tccb-staff");
    // Last-Event-ID may come in the query as well.
    s.close();
    await streamsOpen(0);
    await assignTask("TCCB", "tccb-staff", "LIVE-Q2");
    const resumed = await open({ query: { access_token: token, lastEventId: got!.id! } });
    expect(codesOf(await received(resumed, 1, "the one missed"))).toEqual(["LIVE-Q2"]);
    resumed.close();
    await streamsOpen(0);
  });

  it("refuses without a token (401), with a bad one (401), and a Last-Event-ID that is not an id (400), as problem+json", async () => {
    const none = await open({});
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(JSON.parse(none.body)).toMatchObject({ status: 401, reason: "TOKEN_MISSING" });

    const forged = await open({ query: { access_token: "abc.def.ghi" } });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toMatchObject({ status: 401 });

    const expired = await open({ token: await sys.token("tccb-staff", {}, -60) });
    expect(expired.status).toBe(401);

    const badHeader = await open({ as: "tccb-staff", lastEventId: "not an id!" });
    expect(badHeader.status).toBe(400);
    expect(badHeader.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(badHeader.body)).toMatchObject({ status: 400, violations: [{ field: "Last-Event-ID" }] });

    const badQuery = await open({ as: "tccb-staff", query: { lastEventId: "<script>" } });
    expect(badQuery.status).toBe(400);
    expect(JSON.parse(badQuery.body).violations.map((v: { field: string }) => v.field)).toEqual(["lastEventId"]);

    // Someone else's notification is not a place to resume from: answered as a missing one, before any stream.
    const [theirs] = await inboxOf("pc-staff", 1);
    const foreign = await open({ as: "tccb-staff", lastEventId: theirs!.id });
    expect(foreign.status).toBe(404);
    expect(JSON.parse(foreign.body)).toMatchObject({ status: 404, grpcStatus: "NOT_FOUND" });
    expect(foreign.body).not.toContain(theirs!.id);
    await streamsOpen(0);
  });

  it("holds at most SSE_MAX_STREAMS_PER_USER streams per person: 429 beyond, a slot again once one closes", async () => {
    const gw = await sys.extraGateway({ SSE_MAX_STREAMS_PER_USER: "2" });
    const token = await sys.token("cchc-staff");
    const openAt = async (t: string) => {
      const abort = new AbortController();
      const res = await fetch(`${gw.url}/v1/me/events`, { headers: { authorization: `Bearer ${t}` }, signal: abort.signal });
      return { res, close: () => abort.abort() };
    };
    const first = await openAt(token);
    const second = await openAt(token);
    expect([first.res.status, second.res.status]).toEqual([200, 200]);
    const third = await openAt(token);
    expect(third.res.status).toBe(429);
    expect(third.res.headers.get("retry-after")).toBe("10");
    expect((await third.res.json()).reason).toBe("TOO_MANY_STREAMS");
    // Someone else is not held back by this person's streams.
    const other = await openAt(await sys.token("cchc-head"));
    expect(other.res.status).toBe(200);
    other.close();
    first.close();
    const again = await sys.until(async () => {
      const attempt = await openAt(token);
      if (attempt.res.status === 200) return attempt;
      await attempt.res.body?.cancel();
      return undefined;
    }, "a slot freed by the closed stream");
    again.close();
    second.close();
  });

  it("ends the stream with `event: token-expired` when the token expires", async () => {
    const s = await open({ token: await sys.token("khtc-staff", {}, 3) });
    expect(s.status).toBe(200);
    await streamsOpen(1);
    await sys.until(() => (s.ended ? true : undefined), "the stream to end when the token expires", 15_000);
    expect(s.events.map((e) => e.event)).toEqual(["token-expired"]);
    await streamsOpen(0);
  });
});
