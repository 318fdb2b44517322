/**
 * The baseline of bench/run.ts, a process of its own: bare grpc-js (no interceptors, no authentication, no
 * database) answering NotificationService ListNotifications and GetUnreadCount with fixed messages: the
 * very answers the service gave the bench's reader, so both servers put the same bytes on the wire and
 * the baseline pays only grpc-js and the message encoding.
 *
 *   tsx bench/baseline.ts <file with {"list": ListNotificationsResponse JSON, "count": GetUnreadCountResponse JSON}>
 *
 * Prints {"ready": {"port": n}} once it listens on 127.0.0.1 and stops on SIGTERM.
 */
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import {
  GetUnreadCountResponse,
  ListNotificationsResponse,
  NotificationServiceService,
} from "@ministry/proto/ministry/notifications/v1/notifications";

const answers = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as { list: unknown; count: unknown };
const list = ListNotificationsResponse.fromJSON(answers.list);
const count = GetUnreadCountResponse.fromJSON(answers.count);

const server = new grpc.Server();
server.addService(NotificationServiceService, {
  listNotifications: (_call: grpc.ServerUnaryCall<unknown, ListNotificationsResponse>, cb: grpc.sendUnaryData<ListNotificationsResponse>) =>
    cb(null, list),
  getUnreadCount: (_call: grpc.ServerUnaryCall<unknown, GetUnreadCountResponse>, cb: grpc.sendUnaryData<GetUnreadCountResponse>) =>
    cb(null, count),
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
process.stdout.write(`${JSON.stringify({ ready: { port } })}\n`);
process.once("SIGTERM", () => {
  server.forceShutdown();
  process.exit(0);
});
