/**
 * The load client of bench/run.ts, a process of its own: SearchDocuments (one query mix) or GetDocument
 * kept in flight, the same client against the documents service and against the bare grpc-js baseline
 * (bench/baseline.ts). The protocol and the measuring are the platform's (runLoadWorker): jobs on stdin,
 * one result line each; a failed call, or an answer that is not the one measured, ends it.
 */
import * as grpc from "@grpc/grpc-js";
import { type LoadTiming, runLoadWorker } from "@ministry/platform/testing";
import {
  DocumentServiceClient,
  type GetDocumentRequest,
  type GetDocumentResponse,
  type SearchDocumentsRequest,
  type SearchDocumentsResponse,
} from "@ministry/proto/ministry/documents/v1/documents";

export type LoadJob = LoadTiming & {
  address: string;
  /** The clerk's bearer token (the baseline ignores it, but it travels all the same). */
  token: string;
} & (
    | { method: "getDocument"; id: string; summary: string }
    | { method: "searchDocuments"; text: string; from?: string; to?: string; pageSize: number; expectedTotal: number }
  );

function unary<Req, Res>(
  client: DocumentServiceClient,
  method: (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  md: grpc.Metadata,
): (req: Req) => Promise<Res> {
  return (req) => new Promise((resolve, reject) => method.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))));
}

await runLoadWorker<LoadJob>(async (job) => {
  const client = new DocumentServiceClient(job.address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${job.token}`);
  const close = () => client.close();
  if (job.method === "getDocument") {
    const get = unary<GetDocumentRequest, GetDocumentResponse>(client, client.getDocument, md);
    return {
      call: async () => {
        const res = await get({ id: job.id });
        if (res.document?.summary !== job.summary) throw new Error(`GetDocument answered another document (${res.document?.id})`);
      },
      close,
    };
  }
  const search = unary<SearchDocumentsRequest, SearchDocumentsResponse>(client, client.searchDocuments, md);
  const request: SearchDocumentsRequest = {
    page: { pageSize: job.pageSize, pageToken: "" },
    text: job.text,
    direction: 0,
    types: [],
    issuingBody: "",
    from: job.from ? new Date(job.from) : undefined,
    to: job.to ? new Date(job.to) : undefined,
    statuses: [],
    unitId: "",
  };
  const page = Math.min(job.pageSize, job.expectedTotal);
  return {
    call: async () => {
      const res = await search(request);
      // A smaller answer would make the figure cheaper than what it claims to measure.
      if (Number(res.page?.totalSize) !== job.expectedTotal || res.documents.length !== page)
        throw new Error(
          `SearchDocuments "${job.text}" answered ${res.documents.length} of ${res.page?.totalSize}, not ${page} of ${job.expectedTotal}`,
        );
    },
    close,
  };
});
