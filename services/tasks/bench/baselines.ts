/**
 * The two baseline servers of bench/run.ts, each a process of its own, answering TaskService
 * CreateTask/GetTask/ListTasks with the same messages as the service:
 *
 *   tsx bench/baselines.ts bare
 *     (1) bare grpc-js: no interceptors, no database; a fixed Task (and a fixed page of 50 for ListTasks),
 *         so it pays only grpc-js and the message encoding.
 *   tsx bench/baselines.ts driver <mongodb uri> <service db> <baseline db>
 *     (2) bare grpc-js doing the service's database work directly through the driver, against the same
 *         embedded MongoDB process: GetTask one findOne by _id in the service's `tasks`; CreateTask one
 *         transaction inserting the task, an audit record and an outbox record (in a database of its own,
 *         with the same indexes, so the service's relay never sees them); ListTasks the service's find
 *         (programme, lead unit, active and past deadline) in deadline order, limit 50, and the count
 *         of every match its answer's total_size holds, over the same `tasks`. Documents are mapped to the proto Task with the service's own mapping, since any server
 *         answering these messages has to. What the service costs beyond this is the platform's and
 *         the service's own work.
 *
 * Each prints {"ready": {"port": n}} once it listens on 127.0.0.1 and stops on SIGTERM.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { EVENTS_INDEXES, ensureIndexes } from "@ministry/platform";
import {
  type CreateTaskRequest,
  type CreateTaskResponse,
  type GetTaskRequest,
  type GetTaskResponse,
  type ListTasksRequest,
  type ListTasksResponse,
  type Task as ProtoTask,
  TaskServiceService,
} from "@ministry/proto/ministry/tasks/v1/tasks";
import { type Document, MongoClient } from "mongodb";
import { ACTIVE_STATUSES } from "../src/app/task-queries.js";
import { DEFAULT_VOCABULARY } from "../src/domain/task.js";
import { toProtoTask } from "../src/grpc/mapping.js";
import { type TaskDocument, taskFromDocument, taskToDocument } from "../src/store/documents.js";
import { TASKS, TASKS_INDEXES } from "../src/store/indexes.js";
import { bulkTasks, CREATE_REQUESTS, fixedTask, NOW, validatedTask } from "./messages.js";

type Handlers = {
  createTask(req: CreateTaskRequest): Promise<CreateTaskResponse> | CreateTaskResponse;
  getTask(req: GetTaskRequest): Promise<GetTaskResponse> | GetTaskResponse;
  listTasks(req: ListTasksRequest): Promise<ListTasksResponse> | ListTasksResponse;
};

/** grpc-js handlers over promise-returning functions, with nothing in between. */
function serve(h: Handlers): grpc.Server {
  const server = new grpc.Server();
  const unary =
    <Req, Res>(fn: (req: Req) => Promise<Res> | Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => cb(null, res),
          (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message }),
        );
    };
  server.addService(TaskServiceService, {
    createTask: unary(h.createTask),
    getTask: unary(h.getTask),
    listTasks: unary(h.listTasks),
  });
  return server;
}

/** A page of 50 tasks shaped as the service's ListTasks answers: bulk tasks mapped by the service's mapping. */
function fixedPage(): ProtoTask[] {
  return bulkTasks(50).map((d) => toProtoTask(taskFromDocument(d as unknown as Document), DEFAULT_VOCABULARY, NOW));
}

async function bare(): Promise<{ server: grpc.Server; close(): Promise<void> }> {
  const task = fixedTask();
  const page = fixedPage();
  const server = serve({
    createTask: () => ({ task }),
    getTask: () => ({ task }),
    listTasks: () => ({ tasks: page, page: { nextPageToken: "", totalSize: "-1" } }),
  });
  return { server, close: async () => {} };
}

async function driver(uri: string, serviceDb: string, baselineDb: string): Promise<{ server: grpc.Server; close(): Promise<void> }> {
  const client = await MongoClient.connect(uri);
  const tasks = client.db(serviceDb).collection<TaskDocument>(TASKS);
  const own = client.db(baselineDb);
  await ensureIndexes(
    own,
    [...TASKS_INDEXES, ...EVENTS_INDEXES].filter((c) => [TASKS, "audit", "outbox"].includes(c.collection)),
  );
  const ownTasks = own.collection<TaskDocument>(TASKS);
  const audit = own.collection<Document>("audit");
  const outbox = own.collection<Document>("outbox");
  // The service allocates outbox sequence numbers in the database; the baseline's floor is none at all.
  let seq = 0;
  // The requests' tasks as validated documents, copied per call with a new id and code (the service's
  // validation is its own cost, not the database's).
  const templates = CREATE_REQUESTS.map((r, i) =>
    taskToDocument(
      {
        ...validatedTask(r, { id: `template-${i}`, programmeId: "bench-driver-baseline", code: `T-${i}` }),
        version: 1,
      },
      { createdAt: NOW, updatedAt: NOW },
    ),
  );
  let n = 0;
  const server = serve({
    async createTask(req) {
      const i = n++;
      const at = new Date();
      const id = randomUUID();
      const doc: TaskDocument = {
        ...templates[i % templates.length],
        _id: id,
        code: `NV-${i}`,
        title: req.title,
        createdAt: at,
        updatedAt: at,
      };
      await client.withSession((session) =>
        session.withTransaction(async () => {
          await ownTasks.insertOne(doc, { session });
          await audit.insertOne(
            {
              at,
              actor: { userId: "vp-chief", displayName: "Chánh Văn phòng Bộ", roles: ["office_chief"], unit: "VP" },
              action: "task.created",
              target: { type: "task", id },
              change: { code: doc.code, title: doc.title },
            },
            { session },
          );
          await outbox.insertOne(
            {
              seq: ++seq,
              eventId: randomUUID(),
              type: "tasks.task.created",
              subject: "tasks.task.created",
              aggregateId: id,
              headers: {},
              data: Buffer.alloc(400),
              createdAt: at,
              sentAt: null,
              publishCount: 0,
            },
            { session },
          );
        }),
      );
      return { task: toProtoTask(taskFromDocument(doc), DEFAULT_VOCABULARY, at) };
    },
    async getTask(req) {
      const doc = await tasks.findOne({ _id: req.id });
      if (!doc) throw new Error(`no task ${req.id}`);
      return { task: toProtoTask(taskFromDocument(doc), DEFAULT_VOCABULARY, new Date()) };
    },
    async listTasks(req) {
      const now = new Date();
      const filter = { programmeId: req.programmeId, leadUnit: req.unitId, status: { $in: [...ACTIVE_STATUSES] }, deadline: { $lt: now } };
      const [docs, total] = await Promise.all([
        tasks
          .find(filter)
          .sort({ deadline: 1, code: 1, _id: 1 })
          .limit(req.page?.pageSize || 50)
          .toArray(),
        tasks.countDocuments(filter),
      ]);
      return {
        tasks: docs.map((d) => toProtoTask(taskFromDocument(d), DEFAULT_VOCABULARY, now)),
        page: { nextPageToken: "", totalSize: String(total) },
      };
    },
  });
  return { server, close: () => client.close() };
}

const [mode, uri, serviceDb, baselineDb] = process.argv.slice(2);
const { server, close } = mode === "driver" ? await driver(uri, serviceDb, baselineDb) : await bare();
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
process.stdout.write(`${JSON.stringify({ ready: { port } })}\n`);
process.once("SIGTERM", () => {
  server.forceShutdown();
  void close().finally(() => process.exit(0));
});
