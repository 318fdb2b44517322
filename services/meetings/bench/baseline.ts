/**
 * The baseline of bench/run.ts, a process of its own: bare grpc-js (no interceptors, no authentication,
 * no database) answering MeetingService GetMeeting and GetAttendanceSheet with fixed messages: the very
 * answers the service gave the bench's reader (decoded from the bytes it sent), so both servers put the
 * same bytes on the wire and the baseline pays only grpc-js and the message encoding.
 *
 *   tsx bench/baseline.ts <file with {"meeting": base64 GetMeetingResponse, "sheet": base64 GetAttendanceSheetResponse}>
 *
 * Prints {"ready": {"port": n}} once it listens on 127.0.0.1 and stops on SIGTERM.
 */
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { GetAttendanceSheetResponse, GetMeetingResponse, MeetingServiceService } from "@ministry/proto/ministry/meetings/v1/meetings";

const answers = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as { meeting: string; sheet: string };
const meeting = GetMeetingResponse.decode(Buffer.from(answers.meeting, "base64"));
const sheet = GetAttendanceSheetResponse.decode(Buffer.from(answers.sheet, "base64"));

const server = new grpc.Server();
server.addService(MeetingServiceService, {
  getMeeting: (_call: grpc.ServerUnaryCall<unknown, GetMeetingResponse>, cb: grpc.sendUnaryData<GetMeetingResponse>) => cb(null, meeting),
  getAttendanceSheet: (
    _call: grpc.ServerUnaryCall<unknown, GetAttendanceSheetResponse>,
    cb: grpc.sendUnaryData<GetAttendanceSheetResponse>,
  ) => cb(null, sheet),
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
process.stdout.write(`${JSON.stringify({ ready: { port } })}\n`);
process.once("SIGTERM", () => {
  server.forceShutdown();
  process.exit(0);
});
