/**
 * The load client, a process of its own (run by bench/run.ts): NotificationService calls kept in flight,
 * the same client against the service and against the bare grpc-js baseline (bench/baseline.ts). The
 * protocol and the measuring are the platform's (runLoadWorker): jobs on stdin, one result line each.
 */
import * as grpc from "@grpc/grpc-js";
import { type LoadTiming, runLoadWorker } from "@ministry/platform/testing";
import {
  type GetUnreadCountRequest,
  type GetUnreadCountResponse,
  InboxView,
  type ListNotificationsRequest,
  type ListNotificationsResponse,
  NotificationServiceClient,
} from "@ministry/proto/ministry/notifications/v1/notifications";

export type InboxMethod = "listNotifications" | "getUnreadCount";

export type LoadJob = LoadTiming & {
  address: string;
  method: InboxMethod;
  /** The reader's bearer token (the baseline ignores it, but it travels all the same). */
  token?: string;
  /** ListNotifications: the page size, and the unread count every answer must carry (so both servers answer alike). */
  pageSize: number;
  unread: number;
};

function unary<Req, Res>(
  client: NotificationServiceClient,
  method: (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  md: grpc.Metadata,
): (req: Req) => Promise<Res> {
  return (req) => new Promise((resolve, reject) => method.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))));
}

await runLoadWorker<LoadJob>(async (job) => {
  const client = new NotificationServiceClient(job.address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (job.token) md.set("authorization", `Bearer ${job.token}`);
  const close = () => client.close();
  if (job.method === "getUnreadCount") {
    const count = unary<GetUnreadCountRequest, GetUnreadCountResponse>(client, client.getUnreadCount, md);
    return {
      call: async () => {
        const res = await count({});
        if (Number(res.unreadCount) !== job.unread) throw new Error(`GetUnreadCount answered ${res.unreadCount}, not ${job.unread}`);
      },
      close,
    };
  }
  const list = unary<ListNotificationsRequest, ListNotificationsResponse>(client, client.listNotifications, md);
  const request: ListNotificationsRequest = {
    page: { pageSize: job.pageSize, pageToken: "" },
    view: InboxView.INBOX_VIEW_UNSPECIFIED,
    category: "",
  };
  return {
    call: async () => {
      const res = await list(request);
      // A page that is not full would make the figure cheaper than what it claims to measure.
      if (res.notifications.length !== job.pageSize)
        throw new Error(`ListNotifications answered ${res.notifications.length} notifications`);
    },
    close,
  };
});
