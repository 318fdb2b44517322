/**
 * What every bench script sends and loads: realistic CreateTask requests, the fixed Task a bare server
 * answers with, and a seeded programme of tasks built through the service's own domain and storage
 * mapping (so the documents have exactly the shape the service writes).
 */
import { randomUUID } from "node:crypto";
import { CreateTaskRequest, type Task as ProtoTask } from "@ministry/proto/ministry/tasks/v1/tasks";
import type { DeadlineSpec } from "../src/domain/deadline.js";
import { recordProgress, transition } from "../src/domain/lifecycle.js";
import { DEFAULT_VOCABULARY, validateNewTask, type Task } from "../src/domain/task.js";
import { DEFAULT_TASK_KINDS, DEFAULT_UNITS, type AuthorityCode } from "../src/domain/vocabulary.js";
import { toProtoTask } from "../src/grpc/mapping.js";
import { taskToDocument, type StoredTask, type TaskDocument } from "../src/store/documents.js";

// The messages

export const NOW = new Date("2020-04-15T03:00:00Z"); // the Office compiles the first quarter's report
export const PROGRAMME_ID = "bnv-2020";

/** Realistic requests, deadlines after NOW (the first quarter's figures come from the bulk load only). */
export const CREATE_REQUESTS: CreateTaskRequest[] = [
  {
    title: "Nghị định quy định về tuyển dụng, sử dụng và quản lý công chức, thay thế Nghị định số 24/2010/NĐ-CP",
    kind: "NGHI_DINH",
    authority: "CHINH_PHU",
    leadUnit: "CCVC",
    coordinatingUnits: ["PC", "TCCB"],
    assignee: "Nguyễn Thị Thu Hương",
    deadline: "Quý III/2020",
  },
  {
    title: "Thông tư hướng dẫn về vị trí việc làm, cơ cấu ngạch công chức trong cơ quan hành chính nhà nước",
    kind: "THONG_TU",
    authority: "BO_TRUONG",
    leadUnit: "TCBC",
    coordinatingUnits: ["PC"],
    assignee: "Trần Văn Minh",
    deadline: "Tháng 6/2020",
  },
  {
    title: "Đề án cải cách chính sách tiền lương đối với cán bộ, công chức, viên chức và lực lượng vũ trang",
    kind: "DE_AN",
    authority: "THU_TUONG",
    leadUnit: "TL",
    coordinatingUnits: ["KHTC", "TCBC", "PC"],
    assignee: "Lê Hoàng Nam",
    deadline: "30/09/2020",
  },
  {
    title: "Báo cáo tổng kết 10 năm thực hiện Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2011-2020",
    kind: "BAO_CAO",
    authority: "CHINH_PHU",
    leadUnit: "CCHC",
    coordinatingUnits: ["VP"],
    assignee: "Phạm Thị Lan",
    deadline: "Quý IV/2020",
  },
].map((t) =>
  CreateTaskRequest.fromPartial({
    programmeId: PROGRAMME_ID,
    title: t.title,
    kind: t.kind,
    authority: t.authority,
    leadUnit: t.leadUnit,
    coordinatingUnits: t.coordinatingUnits,
    assignee: t.assignee,
    deadline: { spec: { $case: "text", value: t.deadline } },
  }),
);

/** The Task the bare server answers with: the first request as the service would store and map it. */
export function fixedTask(code = "NV-7F3A21C4"): ProtoTask {
  const r = CREATE_REQUESTS[0];
  const task = validatedTask(r, { id: randomUUID(), programmeId: r.programmeId, code });
  const stored: StoredTask = { ...task, version: 1, createdAt: NOW, updatedAt: NOW };
  return toProtoTask(stored, DEFAULT_VOCABULARY, NOW);
}

// ---------------------------------------------------------------------------------------------------
// Bulk tasks: valid documents through the service's own domain and storage mapping

/** A small seeded generator, so every run loads the same tasks. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;

const SUBJECTS = [
  "về tuyển dụng, sử dụng và quản lý công chức",
  "về chế độ tiền lương đối với cán bộ, công chức, viên chức",
  "về tổ chức chính quyền đô thị tại thành phố Hà Nội",
  "về vị trí việc làm và cơ cấu ngạch công chức",
  "về công tác thi đua, khen thưởng",
  "về hoạt động tín ngưỡng, tôn giáo",
  "về cải cách hành chính nhà nước giai đoạn 2021-2030",
  "về quản lý văn bản điện tử và lưu trữ số",
  "về tổ chức, hoạt động và quản lý hội",
  "về tổ chức và hoạt động của quỹ xã hội, quỹ từ thiện",
  "về chính sách tinh giản biên chế",
  "về đào tạo, bồi dưỡng cán bộ, công chức, viên chức",
  "về sắp xếp đơn vị hành chính cấp huyện, cấp xã",
  "về thanh niên tình nguyện và phát triển thanh niên",
  "về đánh giá, xếp loại chất lượng cán bộ, công chức, viên chức",
  "về số lượng cấp phó của cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh",
];

const TITLE_PREFIX: Record<string, string> = {
  LUAT: "Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên chức",
  NQ_QH: "Nghị quyết của Quốc hội",
  PHAP_LENH: "Pháp lệnh",
  NQ_UBTVQH: "Nghị quyết của Ủy ban Thường vụ Quốc hội",
  NGHI_DINH: "Nghị định quy định",
  NQ_CP: "Nghị quyết của Chính phủ",
  QD_TTG: "Quyết định của Thủ tướng Chính phủ",
  THONG_TU: "Thông tư hướng dẫn",
  DE_AN: "Đề án",
  BAO_CAO: "Báo cáo tổng kết",
  TO_TRINH: "Tờ trình",
  QD_CA_BIET: "Quyết định phê duyệt",
  CHIEN_LUOC: "Chiến lược",
  KE_HOACH: "Kế hoạch triển khai",
  CHUONG_TRINH: "Chương trình hành động",
  VAN_BAN_KHAC: "Văn bản hướng dẫn",
};

/** Where other documents go in this bench; a VBQPPL tier's authority is in the vocabulary. */
const OTHER_AUTHORITY: Record<string, AuthorityCode | null> = {
  DE_AN: "THU_TUONG",
  BAO_CAO: "CHINH_PHU",
  TO_TRINH: "CHINH_PHU",
  QD_CA_BIET: "BO_TRUONG",
  CHIEN_LUOC: "THU_TUONG",
  KE_HOACH: "BO_TRUONG",
  CHUONG_TRINH: "THU_TUONG",
  VAN_BAN_KHAC: null,
};

/** Kinds weighted as a ministry's programme has them: many circulars, reports and plans, few laws. */
const KIND_WEIGHTS: Record<string, number> = {
  LUAT: 1,
  NQ_QH: 1,
  PHAP_LENH: 1,
  NQ_UBTVQH: 1,
  NGHI_DINH: 6,
  NQ_CP: 2,
  QD_TTG: 4,
  THONG_TU: 10,
  DE_AN: 8,
  BAO_CAO: 14,
  TO_TRINH: 4,
  QD_CA_BIET: 6,
  CHIEN_LUOC: 1,
  KE_HOACH: 10,
  CHUONG_TRINH: 3,
  VAN_BAN_KHAC: 6,
};

const NAMES = [
  "Nguyễn Văn Hùng",
  "Trần Thị Mai",
  "Lê Quang Huy",
  "Phạm Thị Hồng Nhung",
  "Hoàng Văn Đức",
  "Vũ Thị Thanh Hà",
  "Đặng Minh Tuấn",
  "Bùi Thị Ngọc Ánh",
  "Đỗ Văn Long",
  "Ngô Thị Phương",
];

export function bulkTasks(n: number): TaskDocument[] {
  const rnd = mulberry32(2020);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
  const between = (from: number, to: number) => from + Math.floor(rnd() * (to - from + 1));
  const weighted = DEFAULT_TASK_KINDS.flatMap((k) => Array<string>(KIND_WEIGHTS[k.code] ?? 1).fill(k.code));
  const units = DEFAULT_UNITS.map((u) => u.id);
  const now = NOW.getTime();
  const docs: TaskDocument[] = [];
  for (let i = 0; i < n; i++) {
    const quarter = ((i % 4) + 1) as 1 | 2 | 3 | 4;
    // Every kind and every unit in every quarter, then weighted at random.
    const kind = i < 4 * DEFAULT_TASK_KINDS.length ? DEFAULT_TASK_KINDS[Math.floor(i / 4)].code : pick(weighted);
    const leadUnit = i < 4 * units.length ? units[Math.floor(i / 4)] : pick(units);
    const coordinating = units.filter((u) => u !== leadUnit && rnd() < 0.08).slice(0, 3);
    const month = (quarter - 1) * 3 + between(1, 3);
    const shape = rnd();
    const spec: DeadlineSpec =
      shape < 0.4
        ? {
            kind: "date",
            date: `2020-${String(month).padStart(2, "0")}-${String(between(1, new Date(Date.UTC(2020, month, 0)).getUTCDate())).padStart(2, "0")}`,
          }
        : shape < 0.75
          ? { kind: "month", year: 2020, month }
          : { kind: "quarter", year: 2020, quarter };
    const sourceDraw = rnd();
    const source =
      sourceDraw < 0.85
        ? { type: "programme" }
        : sourceDraw < 0.95
          ? { type: "directive", ref: `${between(1, 40)}/CT-TTg` }
          : { type: "meeting_conclusion", ref: `KL-${between(1, 200)}/2020` };
    let t: Task = validateNewTask({
      id: randomUUID(),
      programmeId: PROGRAMME_ID,
      code: `CT2020-${String(i + 1).padStart(6, "0")}`,
      title: `${TITLE_PREFIX[kind]} ${pick(SUBJECTS)}`,
      kind,
      authority: DEFAULT_TASK_KINDS.find((k) => k.code === kind)?.authority ?? OTHER_AUTHORITY[kind] ?? null,
      leadUnit,
      coordinatingUnits: coordinating,
      assignee: rnd() < 0.7 ? pick(NAMES) : null,
      deadline: spec,
      priority: rnd() < 0.8 ? "normal" : rnd() < 0.75 ? "high" : "urgent",
      source,
      documentLinks: rnd() < 0.2 ? [{ documentId: randomUUID(), relation: "directive", number: `${between(1, 99)}/QĐ-BNV` }] : [],
    });
    const createdAt = new Date(Date.UTC(2020, 0, between(2, 10), 2));
    const by = `u-${leadUnit.toLowerCase()}`;
    const due = t.deadline.getTime();
    let version = 1;
    let updatedAt = createdAt;
    const move = (next: Task, at: Date) => {
      t = next;
      version++;
      updatedAt = at;
    };
    const start = new Date(Math.min(createdAt.getTime() + between(3, 30) * DAY, now - DAY));
    const draw = rnd();
    if (draw < 0.03) {
      const at = new Date(Math.max(createdAt.getTime() + DAY, Math.min(due, now) - between(1, 20) * DAY));
      move(
        transition(t, "withdrawn", { at, by: "minister", reason: "Không còn phù hợp với chỉ đạo của Chính phủ", approvedBy: "minister" })
          .task,
        at,
      );
    } else {
      // Past deadlines: about 60 % done (three in four on time); later ones: some done early.
      const doneShare = due < now ? 0.6 : 0.12;
      let doneAt: number | undefined;
      if (draw < 0.03 + doneShare) {
        doneAt = due < now && rnd() < 0.25 ? due + between(1, 20) * DAY : Math.min(due, now) - between(0, 25) * DAY;
        if (doneAt >= now || doneAt <= start.getTime()) doneAt = undefined;
      }
      if (doneAt === undefined) {
        if (rnd() < 0.65) move(recordProgress(t, between(1, 9) * 10, { at: start, by }).task, start);
      } else {
        move(recordProgress(t, 30, { at: start, by }).task, start);
        const at = new Date(doneAt);
        if (t.authority) {
          move(transition(t, "submitted", { at, by }).task, at);
          const decided = doneAt + between(5, 60) * DAY;
          if (rnd() < 0.4 && decided < now) move(transition(t, "completed", { at: new Date(decided), by }).task, new Date(decided));
        } else move(transition(t, "completed", { at, by }).task, at);
      }
    }
    docs.push(taskToDocument({ ...t, version }, { createdAt, updatedAt }));
  }
  return docs;
}

/** A CreateTask request's task as the service validates it, under the given id, programme and code. */
export function validatedTask(r: CreateTaskRequest, at: { id: string; programmeId: string; code: string }) {
  return validateNewTask({
    ...at,
    title: r.title,
    kind: r.kind,
    authority: r.authority,
    leadUnit: r.leadUnit,
    coordinatingUnits: r.coordinatingUnits,
    assignee: r.assignee,
    deadline: r.deadline?.spec?.$case === "text" ? r.deadline.spec.value : "",
    source: { type: "ad_hoc" },
  });
}
