/**
 * The load client of bench/run.ts, a process of its own: GetMeeting and GetAttendanceSheet kept in
 * flight, the same client against the meetings service and against the bare grpc-js baseline
 * (bench/baseline.ts). The protocol and the measuring are the platform's (runLoadWorker): jobs on stdin,
 * one result line each; a failed call (or an answer that is not the one measured) ends it.
 */
import * as grpc from "@grpc/grpc-js";
import { type LoadTiming, runLoadWorker } from "@ministry/platform/testing";
import {
  type GetAttendanceSheetRequest,
  type GetAttendanceSheetResponse,
  type GetMeetingRequest,
  type GetMeetingResponse,
  MeetingServiceClient,
} from "@ministry/proto/ministry/meetings/v1/meetings";

export type ReadMethod = "getMeeting" | "getAttendanceSheet";

export type LoadJob = LoadTiming & {
  address: string;
  method: ReadMethod;
  /** The reader's bearer token (the baseline ignores it, but it travels all the same). */
  token?: string;
  meetingId: string;
  /** GetAttendanceSheet's page size; every answer must carry a full page and every site's figures. */
  pageSize: number;
  sites: number;
  /** The participants every answer must count. */
  invited: number;
};

function unary<Req, Res>(
  client: MeetingServiceClient,
  method: (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  md: grpc.Metadata,
): (req: Req) => Promise<Res> {
  return (req) => new Promise((resolve, reject) => method.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))));
}

await runLoadWorker<LoadJob>(async (job) => {
  // Answers of a few MB: the default 4 MB receive limit must not be what the figure measures.
  const client = new MeetingServiceClient(job.address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
  const md = new grpc.Metadata();
  if (job.token) md.set("authorization", `Bearer ${job.token}`);
  const close = () => client.close();
  if (job.method === "getMeeting") {
    const get = unary<GetMeetingRequest, GetMeetingResponse>(client, client.getMeeting, md);
    return {
      call: async () => {
        const res = await get({ id: job.meetingId });
        if (res.meeting?.participantCount !== job.invited)
          throw new Error(`GetMeeting answered ${res.meeting?.participantCount} participants, not ${job.invited}`);
      },
      close,
    };
  }
  const sheet = unary<GetAttendanceSheetRequest, GetAttendanceSheetResponse>(client, client.getAttendanceSheet, md);
  const request: GetAttendanceSheetRequest = { meetingId: job.meetingId, siteId: "", page: { pageSize: job.pageSize, pageToken: "" } };
  return {
    call: async () => {
      const res = await sheet(request);
      // A smaller answer would make the figure cheaper than what it claims to measure.
      if (res.rows.length !== job.pageSize || res.sites.length !== job.sites || res.total?.invited !== job.invited)
        throw new Error(`GetAttendanceSheet answered ${res.rows.length} rows, ${res.sites.length} sites, ${res.total?.invited} invited`);
    },
    close,
  };
});
