/**
 * The load client, a process of its own (run by bench/run.ts): keeps N calls in flight for S seconds
 * after a warm-up, then prints one JSON line {"result": {calls_per_sec, p50_ms, p99_ms, n}} (the protocol
 * and the measuring are the platform's runLoadWorker). A failed call ends it with exit code 1: a figure
 * over failing calls would mean nothing.
 *
 *   tsx bench/load.ts '<job JSON>'     (the job: LoadJob below)
 *   tsx bench/load.ts                  (jobs on stdin, one JSON a line; a result line for each)
 *
 * Two kinds of job: gRPC calls of TaskService (the same client against the bare server, the driver
 * baseline and the service), and the embedded store's own ceiling through the driver (baseline 3).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { type LoadCalls, type LoadResult, type LoadTiming, runLoadWorker } from "@ministry/platform/testing";
import {
  type CreateTaskRequest,
  type CreateTaskResponse,
  type GetTaskRequest,
  type GetTaskResponse,
  ListTasksRequest,
  type ListTasksResponse,
  TaskServiceClient,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { MongoClient } from "mongodb";
import { CREATE_REQUESTS } from "./messages.js";

export type Timing = LoadTiming;
export type { LoadResult };

export type LoadJob = Timing &
  (
    | {
        kind: "grpc";
        address: string;
        method: "createTask" | "getTask" | "listTasks";
        token?: string;
        /** For getTask: a file with task ids, one a line, read in turn. */
        idsFile?: string;
        /** For listTasks: the request (ListTasksRequest as JSON, proto field names in camelCase). */
        list?: unknown;
      }
    | {
        kind: "driver";
        uri: string;
        db: string;
        op: "ping" | "findOne" | "insertOne" | "transaction";
        idsFile?: string;
      }
  );

/** Documents with string ids, as the service's. */
type Doc = { _id: string; [field: string]: unknown };

function unary<Req, Res>(
  client: TaskServiceClient,
  method: (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  md: grpc.Metadata,
): (req: Req) => Promise<Res> {
  return (req) => new Promise((resolve, reject) => method.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))));
}

const readIds = (file: string | undefined): string[] => {
  const ids = file ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  if (ids.length === 0) throw new Error("the job needs idsFile with at least one id");
  return ids;
};

async function grpcCalls(job: Extract<LoadJob, { kind: "grpc" }>): Promise<LoadCalls> {
  const client = new TaskServiceClient(job.address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (job.token) md.set("authorization", `Bearer ${job.token}`);
  const close = () => client.close();
  switch (job.method) {
    case "createTask": {
      const create = unary<CreateTaskRequest, CreateTaskResponse>(client, client.createTask, md);
      return { call: (i) => create(CREATE_REQUESTS[i % CREATE_REQUESTS.length]), close };
    }
    case "getTask": {
      const ids = readIds(job.idsFile);
      const get = unary<GetTaskRequest, GetTaskResponse>(client, client.getTask, md);
      return { call: (i) => get({ id: ids[i % ids.length] }), close };
    }
    case "listTasks": {
      const request = ListTasksRequest.fromJSON(job.list);
      const list = unary<ListTasksRequest, ListTasksResponse>(client, client.listTasks, md);
      return {
        call: async () => {
          const res = await list(request);
          // A page that is not full would make the figure cheaper than what it claims to measure.
          if (res.tasks.length !== request.page?.pageSize) throw new Error(`ListTasks answered ${res.tasks.length} tasks`);
        },
        close,
      };
    }
  }
}

async function driverCalls(job: Extract<LoadJob, { kind: "driver" }>): Promise<LoadCalls> {
  const client = await MongoClient.connect(job.uri);
  const db = client.db(job.db);
  const close = () => void client.close();
  switch (job.op) {
    case "ping":
      return { call: () => db.command({ ping: 1 }), close };
    case "findOne": {
      const ids = readIds(job.idsFile);
      const tasks = db.collection<Doc>("tasks");
      return {
        call: async (i) => {
          if (!(await tasks.findOne({ _id: ids[i % ids.length] }))) throw new Error("findOne found nothing");
        },
        close,
      };
    }
    case "insertOne": {
      const docs = db.collection<Doc>("ceiling_docs");
      return { call: (i) => docs.insertOne({ _id: randomUUID(), i, at: new Date(), body: "x".repeat(200) }), close };
    }
    case "transaction": {
      const a = db.collection<Doc>("ceiling_a");
      const b = db.collection<Doc>("ceiling_b");
      const c = db.collection<Doc>("ceiling_c");
      return {
        call: (i) =>
          client.withSession((session) =>
            session.withTransaction(async () => {
              const at = new Date();
              await a.insertOne({ _id: randomUUID(), i, at }, { session });
              await b.insertOne({ _id: randomUUID(), i, at }, { session });
              await c.insertOne({ _id: randomUUID(), i, at }, { session });
            }),
          ),
        close,
      };
    }
  }
}

await runLoadWorker<LoadJob>((job) => (job.kind === "grpc" ? grpcCalls(job) : driverCalls(job)));
