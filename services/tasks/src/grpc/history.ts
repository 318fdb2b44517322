/**
 * A task's history entry as a person reads it (GetTaskHistory's summary): what happened, the dates it
 * names in Vietnam time (the API's own timestamps are UTC; a person in the ministry reads local days),
 * and every reason and note a person wrote, word for word.
 */
import { formatVietnamDate } from "../domain/deadline.js";

interface Text {
  vi: string;
  en: string;
}

type Change = Record<string, unknown>;

const LABELS: Record<string, Text> = {
  "task.created": { vi: "Tạo nhiệm vụ", en: "Task created" },
  "task.added": { vi: "Bổ sung vào chương trình đã phê duyệt", en: "Added to the approved programme" },
  "task.assigned": { vi: "Phân công", en: "Assigned" },
  "task.progressed": { vi: "Cập nhật tiến độ", en: "Progress recorded" },
  "task.submitted": { vi: "Đã trình", en: "Submitted" },
  "task.completed": { vi: "Hoàn thành", en: "Completed" },
  "task.withdrawn": { vi: "Rút khỏi chương trình", en: "Withdrawn" },
  "task.document_linked": { vi: "Gắn văn bản", en: "Document linked" },
  "task.deadline_change_requested": { vi: "Đề nghị lùi thời hạn", en: "Deadline change requested" },
  "task.deadline_changed": { vi: "Lùi thời hạn (đã duyệt)", en: "Deadline change approved" },
  "task.deadline_change_rejected": { vi: "Không đồng ý lùi thời hạn", en: "Deadline change refused" },
  "task.due_soon": { vi: "Sắp đến hạn", en: "Due soon" },
  "task.overdue": { vi: "Quá hạn", en: "Overdue" },
};

const VIETNAM_DATE = /^\d{2}\/\d{2}\/\d{4}$/;

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

/**
 * A day the change records, as dd/MM/yyyy in Vietnam time: an instant (a Date as stored, or ISO text)
 * is converted; a day already written that way (deadline changes record their days so) is kept.
 */
function vietnamDay(value: unknown): string {
  if (typeof value === "string" && VIETNAM_DATE.test(value)) return value;
  const instant = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  return instant && !Number.isNaN(instant.getTime()) ? formatVietnamDate(instant) : "";
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** "Đã trình ngày 01/07/2020, trễ hạn" from the change's instant and on-time flag. */
function doneOn(label: Text, at: unknown, onTime: unknown): Text {
  const day = vietnamDay(at);
  const vi = day ? `${label.vi} ngày ${day}` : label.vi;
  const en = day ? `${label.en} on ${day}` : label.en;
  if (typeof onTime !== "boolean") return { vi, en };
  return onTime ? { vi: `${vi}, đúng hạn`, en: `${en}, on time` } : { vi: `${vi}, trễ hạn`, en: `${en}, late` };
}

/** "Đề nghị lùi thời hạn từ 31/05/2020 đến 30/09/2020". */
function fromTo(label: Text, change: Change): Text {
  const from = vietnamDay(change.from);
  const to = vietnamDay(change.to);
  if (!from || !to) return label;
  return { vi: `${label.vi}: từ ${from} đến ${to}`, en: `${label.en}: from ${from} to ${to}` };
}

function headline(action: string, change: Change): Text {
  const label = LABELS[action] ?? { vi: action, en: action };
  switch (action) {
    case "task.assigned": {
      const assignee = change.assignee as { to?: unknown } | undefined;
      const to = text(assignee?.to);
      return to ? { vi: `${label.vi} cho ${to}`, en: `${label.en} to ${to}` } : label;
    }
    case "task.progressed": {
      const percent = count(change.percent);
      return percent === undefined ? label : { vi: `${label.vi}: ${percent}%`, en: `${label.en}: ${percent}%` };
    }
    case "task.submitted":
      // A command records submittedAt; the documents intake records the issue date as `at`.
      return doneOn(label, change.submittedAt ?? change.at, change.onTime);
    case "task.completed":
      // After a submission, being on time was the submission's (said in its own entry), not this date's.
      return doneOn(label, change.completedAt ?? change.at, change.afterSubmission === true ? undefined : change.onTime);
    case "task.deadline_change_requested":
    case "task.deadline_changed":
    case "task.deadline_change_rejected":
      return fromTo(label, change);
    case "task.due_soon": {
      const days = count(change.days);
      return days ? { vi: `${label.vi} (còn ${days} ngày)`, en: `${label.en} (${days} days left)` } : label;
    }
    case "task.overdue": {
      const days = count(change.days);
      return days ? { vi: `${label.vi} ${days} ngày`, en: `${label.en} by ${days} days` } : label;
    }
    default:
      return label;
  }
}

/**
 * The summary of one audit record of a task. The reason and the note a person wrote (whatever the
 * action: progress, submission, completion, withdrawal, a deadline request and its decision, an
 * imported task's note) follow the headline verbatim, so the history shows every one of them.
 */
export function historySummary(action: string, change: Change): Text {
  const head = headline(action, change);
  const vi = [head.vi];
  const en = [head.en];
  const reason = text(change.reason);
  if (reason) {
    vi.push(`Lý do: ${reason}`);
    en.push(`Reason: ${reason}`);
  }
  const note = text(change.note);
  if (note) {
    vi.push(`Ghi chú: ${note}`);
    en.push(`Note: ${note}`);
  }
  return { vi: vi.join(". "), en: en.join(". ") };
}
