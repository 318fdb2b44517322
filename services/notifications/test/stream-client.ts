/**
 * A live-stream client for tests: collects what StreamNotifications sends until cancelled.
 */
import type { ClientReadableStream } from "@grpc/grpc-js";
import type { NotificationServiceClient, StreamNotificationsResponse } from "@ministry/proto/ministry/notifications/v1/notifications";

export interface StreamCapture {
  received: StreamNotificationsResponse[];
  ids(): string[];
  /** Resolves once `count` messages arrived (fails after the timeout). */
  waitFor(count: number, timeoutMs?: number): Promise<StreamNotificationsResponse[]>;
  cancel(): void;
  ended: Promise<void>;
}

export function openStream(client: NotificationServiceClient, afterId = ""): StreamCapture {
  const received: StreamNotificationsResponse[] = [];
  const call: ClientReadableStream<StreamNotificationsResponse> = client.streamNotifications({ afterId });
  call.on("data", (m: StreamNotificationsResponse) => received.push(m));
  const ended = new Promise<void>((resolve) => {
    call.on("error", () => resolve());
    call.on("end", () => resolve());
  });
  return {
    received,
    ids: () => received.map((m) => m.notification?.id ?? ""),
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`stream: timed out waiting for ${count} messages, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.slice(0, count);
    },
    cancel: () => call.cancel(),
    ended,
  };
}
