/**
 * What one CreateTask costs in MongoDB commands, counted off the driver's command monitoring: a hot path
 * that grows a round trip does so in this test, not silently. The outbox relay is stopped while a call
 * is counted (its own reads and marks would mix in); the call's events stay in the outbox meanwhile.
 */
import type { CommandStartedEvent } from "mongodb";
import { status as Status } from "@grpc/grpc-js";
import { decodeStatusDetails } from "@ministry/platform";
import { CreateTaskRequest } from "@ministry/proto/ministry/tasks/v1/tasks";
import { InMemorySpanExporter } from "@ministry/platform/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TASK_CODE_COUNTERS } from "../../src/store/indexes.js";
import { approvedProgramme, startTasksHarness, type TasksHarness } from "./harness.js";

type Clients = Awaited<ReturnType<TasksHarness["clients"]>>;

let h: TasksHarness;
let office: Clients;

beforeAll(async () => {
  // With a span exporter, as in production with tracing on: the service then has the driver's command
  // events on (without one it leaves them off), and they are what this test counts.
  h = await startTasksHarness({ spanExporter: new InMemorySpanExporter() });
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  await approvedProgramme(office);
});

afterAll(async () => {
  await h?.stop();
});

const request = (requestId = "") =>
  CreateTaskRequest.fromPartial({
    requestId,
    programmeId: "bnv-2020",
    title: "Nghị định sửa đổi, bổ sung quy định về vị trí việc làm",
    kind: "NGHI_DINH",
    authority: "CHINH_PHU",
    leadUnit: "PC",
    deadline: { spec: { $case: "text", value: "Quý III/2020" } },
  });

/** The commands (name, collection) the driver sends while `call` runs, the outbox relay stopped. */
async function commandsOf(call: () => Promise<unknown>): Promise<string[]> {
  const { client } = h.svc.ctx.mongo;
  const seen: string[] = [];
  const listen = (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    seen.push(typeof target === "string" ? `${e.commandName} ${target}` : e.commandName);
  };
  await h.svc.ctx.outbox.stop();
  client.on("commandStarted", listen);
  try {
    await call();
  } finally {
    client.off("commandStarted", listen);
    h.svc.ctx.outbox.start();
  }
  return seen;
}

async function counter(): Promise<number | undefined> {
  const doc = await h.svc.ctx.mongo.db.collection<{ _id: string; last: number }>(TASK_CODE_COUNTERS).findOne({ _id: "bnv-2020" });
  return doc?.last;
}

/** The transaction's commands after the two fetched before it, concurrently (so in either order). */
const TRANSACTION = ["insert tasks", "insert audit", "findAndModify outbox_sequence", "insert outbox"];

describe("CreateTask round trips", () => {
  it("a code-less CreateTask: the programme and the number together before the transaction, no read before the insert", async () => {
    await office.tasks.createTask(request()); // the programme's counter exists from here on
    const commands = await commandsOf(() => office.tasks.createTask(request()));
    // 7 commands in 6 round trips (there were 8 in 8: the programme read, the counter and a code check in turn)
    expect(commands.slice(0, 2).sort()).toEqual(["find programmes", "findAndModify task_codes"]);
    expect(commands.slice(2)).toEqual([...TRANSACTION, "commitTransaction"]);
  });

  it("with a request id, the log is asked first; a retry is answered from it alone and takes no number", async () => {
    const commands = await commandsOf(() => office.tasks.createTask(request("rt-1")));
    expect(commands[0]).toBe("find requests");
    expect(commands.slice(1, 3).sort()).toEqual(["find programmes", "findAndModify task_codes"]);
    expect(commands.slice(3)).toEqual([...TRANSACTION, "insert requests", "commitTransaction"]);
    const taken = await counter();
    const retry = await commandsOf(() => office.tasks.createTask(request("rt-1")));
    expect(retry).toEqual(["find requests"]);
    expect(await counter()).toBe(taken);
  });
});

describe("CreateTask codes, the insert being the check", () => {
  it("passes over numbers a task already has (ignoring case), each in a new transaction", async () => {
    await office.tasks.createTask(request()); // the counter exists
    const last = (await counter())!;
    const code = (n: number) => `NV-${String(n).padStart(3, "0")}`;
    // the next two numbers taken as given codes, as an import takes them: one by _id (other case), one exactly
    await office.tasks.createTask({ ...request(), code: code(last + 1).toLowerCase() });
    await office.tasks.createTask({ ...request(), code: code(last + 2) });
    const { task } = await office.tasks.createTask(request("rt-skip"));
    expect(task!.code).toBe(code(last + 3));
    expect(await counter()).toBe(last + 3);
  });

  it("a given code a task has is TASK_CODE_EXISTS, with a request id too (not taken for the log's own key)", async () => {
    await office.tasks.createTask({ ...request(), code: "RT-01" });
    for (const requestId of ["", "rt-dup"]) {
      const err = await office.tasks.createTask({ ...request(requestId), code: "rt-01" }).catch((e: unknown) => e);
      expect((err as { code?: number }).code).toBe(Status.ALREADY_EXISTS);
      const info = decodeStatusDetails(err as never)?.errorInfo;
      expect(info?.reason).toBe("TASK_CODE_EXISTS");
      expect(info?.metadata).toEqual({ programme_id: "bnv-2020", code: "rt-01" });
      expect((err as { details?: string }).details).toContain("(ignoring case)");
    }
    // nothing of the refused calls was kept: the same request id still answers as a first call would
    const again = await office.tasks.createTask({ ...request("rt-dup"), code: "rt-01" }).catch((e: unknown) => e);
    expect(decodeStatusDetails(again as never)?.errorInfo?.reason).toBe("TASK_CODE_EXISTS");
  });
});
