/**
 * The live stream: a client that disconnects and reconnects with the last id it saw misses nothing and
 * sees nothing twice, whether notifications arrived while it was away or arrive as it comes back.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assigned, taskSummary } from "../fixtures.js";
import { startNotificationsHarness, type NotificationsHarness } from "../harness.js";
import { openStream } from "../stream-client.js";

let h: NotificationsHarness;

beforeAll(async () => {
  h = await startNotificationsHarness();
});

afterAll(async () => {
  await h?.stop();
});

const titled = (i: number) => assigned(taskSummary({ unit: "CCHC", title: `Nhiệm vụ cải cách hành chính số ${i}` }));

describe("StreamNotifications", () => {
  it("resumes after a reconnect from the last id seen: nothing missed, nothing twice", async () => {
    const head = await h.as({ sub: "cchc-head" });
    const first = openStream(head.raw);
    await h.until(() => (h.runtime.live.size >= 1 ? true : undefined), "the stream to be open");
    await h.publish(titled(1));
    await h.publish(titled(2));
    const seen = await first.waitFor(2);
    first.cancel();
    await first.ended;
    await h.until(() => (h.runtime.live.size === 0 ? true : undefined), "the stream to be closed");

    // While the client is away.
    for (let i = 3; i <= 6; i++) await h.publish(titled(i));
    await h.until(async () => {
      const n = await head.notifications.getUnreadCount({});
      return Number(n.unreadCount) >= 6 ? true : undefined;
    }, "six notifications in the inbox");

    const lastSeen = seen[1]!.notification!.id;
    const second = openStream(head.raw, lastSeen);
    await second.waitFor(4);
    // And while it is back, interleaved with its catching up.
    for (let i = 7; i <= 9; i++) await h.publish(titled(i));
    await second.waitFor(7);

    const titles = [...seen, ...second.received].map((m) => m.notification?.title ?? "");
    const numbers = titles.map((t) => Number(/số (\d+)/.exec(t)?.[1]));
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const ids = [...seen, ...second.received].map((m) => m.notification?.id);
    expect(new Set(ids).size).toBe(9);
    expect(second.received.at(-1)?.unreadCount).toBe("9");
    second.cancel();
  });

  it("refuses to resume after someone else's notification", async () => {
    const head = await h.as({ sub: "cchc-head" });
    const list = await head.notifications.listNotifications({ page: undefined, view: 0, category: "" });
    const other = await h.as({ sub: "pc-head" });
    const stream = other.raw.streamNotifications({ afterId: list.notifications[0]!.id });
    const code = await new Promise<number>((resolve) => {
      stream.on("error", (err: { code: number }) => resolve(err.code));
      stream.on("data", () => resolve(-1));
    });
    expect(code).toBe(status.NOT_FOUND);
  });
});
