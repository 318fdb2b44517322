/**
 * What the bench measures over, made through the tasks service's own API as the Office would make it:
 * a 2020 programme with tasks of several units, approved, the lead unit's tasks mostly under way. Also
 * the direct gRPC client (ts-proto's TaskServiceClient through the platform's createClient, as a
 * service calling another does) and the read-back of the tasks' versions for the progress check.
 */
import * as grpc from "@grpc/grpc-js";
import { createClient, type Logger } from "@ministry/platform";
import {
  CreateTaskRequest,
  ListTasksRequest,
  ProgrammeServiceClient,
  ProgrammeStatus,
  type RecordProgressRequest,
  TaskServiceClient,
  TaskStatus,
} from "@ministry/proto/ministry/tasks/v1/tasks";

/** The unit whose tasks the bench lists and progresses. */
export const LIST_UNIT = "CCHC";
export const PAGE_SIZE = 20;
/** The HTTP query of GET /v1/tasks, and the same request for ListTasks. */
export const LIST_QUERY = `unit=${LIST_UNIT}&status=in_progress&pageSize=${PAGE_SIZE}`;
export const LIST_REQUEST = ListTasksRequest.fromPartial({
  unitId: LIST_UNIT,
  statuses: [TaskStatus.TASK_STATUS_IN_PROGRESS],
  page: { pageSize: PAGE_SIZE, pageToken: "" },
});

const OTHER_UNITS = ["PC", "TCCB", "CCVC", "TL", "VP"];
const KINDS = [
  { kind: "NGHI_DINH", authority: "CHINH_PHU", title: "Nghị định sửa đổi, bổ sung quy định về" },
  { kind: "THONG_TU", authority: "BO_TRUONG", title: "Thông tư hướng dẫn" },
  { kind: "DE_AN", authority: "THU_TUONG", title: "Đề án" },
  { kind: "BAO_CAO", authority: "CHINH_PHU", title: "Báo cáo tổng kết" },
  { kind: "KE_HOACH", authority: "", title: "Kế hoạch triển khai" },
];
const SUBJECTS = [
  "cải cách thủ tục hành chính trong cơ quan hành chính nhà nước",
  "chính quyền điện tử và chuyển đổi số",
  "đánh giá chỉ số cải cách hành chính cấp tỉnh (PAR Index)",
  "đo lường sự hài lòng của người dân đối với dịch vụ hành chính công",
  "cơ chế một cửa, một cửa liên thông",
  "vị trí việc làm trong đơn vị sự nghiệp công lập",
];
const ASSIGNEES = ["Nguyễn Thị Thu Hương", "Trần Văn Minh", "Lê Hoàng Nam", "Phạm Thị Lan", "Đỗ Quang Huy"];

export type Unary<Req, Res> = (req: Req) => Promise<Res>;

/**
 * A ts-proto method as a promise (its last overload: request, metadata, options, callback); the token
 * and the deadline come from createClient's interceptor.
 */
export function unary<C extends grpc.Client, Req, Res>(
  client: C,
  method: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
): Unary<Req, Res> {
  return (req) =>
    new Promise((resolve, reject) => method.call(client, req, new grpc.Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res))));
}

export function taskClient(address: string, token: string, log: Logger): TaskServiceClient {
  return createClient(TaskServiceClient, address, { log, token: () => token });
}

/** `n` calls of `fn` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

export interface BenchTasks {
  programmeId: string;
  /** The lead unit's tasks under way: those RecordProgress is spread over. */
  progressIds: string[];
}

/**
 * `total` tasks: two thirds led by LIST_UNIT, the rest by other units; after approval, 80 % of each
 * set moved to in_progress by a first progress note, the others left not started (so the filters
 * filter).
 */
export async function createBenchTasks(address: string, token: string, log: Logger, total: number): Promise<BenchTasks> {
  const programmes = createClient(ProgrammeServiceClient, address, { log, token: () => token });
  const tasks = taskClient(address, token, log);
  try {
    const created = await unary(programmes, programmes.createProgramme)({ requestId: "", year: 2020, issuingBody: "", title: "" });
    const programmeId = created.programme!.id;
    const createTask = unary(tasks, tasks.createTask);
    const requests = Array.from({ length: total }, (_, i) => {
      const k = KINDS[i % KINDS.length]!;
      const day = String(1 + (i % 28)).padStart(2, "0");
      const month = String(1 + (Math.floor(i / 28) % 12)).padStart(2, "0");
      const lead = i % 3 === 2 ? OTHER_UNITS[i % OTHER_UNITS.length]! : LIST_UNIT;
      return CreateTaskRequest.fromPartial({
        programmeId,
        title: `${k.title} ${SUBJECTS[i % SUBJECTS.length]} (${i + 1})`,
        kind: k.kind,
        authority: k.authority,
        leadUnit: lead,
        coordinatingUnits: ["PC", "VP"].filter((u) => u !== lead),
        assignee: ASSIGNEES[i % ASSIGNEES.length],
        deadline: { spec: { $case: "text", value: `${day}/${month}/2020` } },
      });
    });
    const ids: { id: string; unit: string }[] = [];
    await inParallel(requests, 16, async (r) => {
      const res = await createTask(r);
      ids.push({ id: res.task!.id, unit: r.leadUnit });
    });
    await unary(
      programmes,
      programmes.changeProgrammeStatus,
    )({
      requestId: "",
      id: programmeId,
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
    });
    const started = ids.filter((_, i) => i % 5 !== 4);
    const record = unary(tasks, tasks.recordProgress);
    await inParallel(started, 16, (t) => record(progressRequest(t.id, 0)));
    return { programmeId, progressIds: started.filter((t) => t.unit === LIST_UNIT).map((t) => t.id) };
  } finally {
    programmes.close();
    tasks.close();
  }
}

/** The n-th progress note: a percentage under 100 (the task stays in_progress) and a line of text. */
export function progressBody(n: number): { note: string; percent: number } {
  return {
    note: `Đã hoàn thành dự thảo lần ${n + 1}, đang lấy ý kiến các đơn vị / Draft ${n + 1} done, units consulted`,
    percent: 5 + (n % 90),
  };
}

export function progressRequest(id: string, n: number): RecordProgressRequest {
  return { requestId: "", id, attachments: [], ...progressBody(n) };
}

/** The sum of the tasks' versions: each RecordProgress that succeeded adds exactly one. */
export async function versionSum(address: string, token: string, log: Logger, ids: string[]): Promise<number> {
  const client = taskClient(address, token, log);
  try {
    const get = unary(client, client.getTask);
    let sum = 0;
    await inParallel(ids, 16, async (id) => {
      // Read first, then added: `sum += await …` would read sum before the await and lose the others' additions.
      const version = (await get({ id })).task!.version;
      sum += version;
    });
    return sum;
  } finally {
    client.close();
  }
}
