/**
 * The built-in messages of the tasks service's events, Vietnamese and English. The data each renders is
 * the rule's (rules/tasks.ts): `task` (code, title, leadUnitName, deadline {vi, en}, dueAt), `actorName`,
 * `link`, and per event daysBefore / daysAfter / dueAt, reason, note, previousDeadline, requestedDeadline,
 * completedAt, onTime.
 */
import type { Detail, EventCopy } from "./compose.js";

const TASK = "{{task.code}} {{task.title}}";
const QUOTED = "{{task.code}} “{{task.title}}”";

const taskDetail: Detail = { label: { vi: "Nhiệm vụ", en: "Task" }, value: "{{task.code}} – {{task.title}}" };
const leadUnitDetail: Detail = {
  label: { vi: "Đơn vị chủ trì", en: "Lead unit" },
  value: "{{task.leadUnitName}}",
  when: "task.leadUnitName",
};
const deadlineDetail: Detail = { label: { vi: "Thời hạn", en: "Deadline" }, value: "{{pick task.deadline}}", when: "(pick task.deadline)" };
const dueAtDetail: Detail = { label: { vi: "Hạn cuối", en: "Due" }, value: "{{datetime dueAt}}", when: "dueAt" };
const noteDetail: Detail = { label: { vi: "Ghi chú", en: "Note" }, value: "{{note}}", when: "note" };
const reasonDetail: Detail = { label: { vi: "Lý do", en: "Reason" }, value: "{{reason}}", when: "reason" };

function actorDetail(vi: string, en: string): Detail {
  return { label: { vi, en }, value: "{{actorName}}", when: "actorName" };
}

export const TASK_TEMPLATES: Record<string, EventCopy> = {
  "tasks.task.created": {
    headline: { vi: `Nhiệm vụ mới: ${TASK}`, en: `New task: ${TASK}` },
    sentence: {
      vi: `Nhiệm vụ ${QUOTED} đã được giao cho {{task.leadUnitName}} chủ trì{{#if (pick task.deadline)}}, thời hạn {{pick task.deadline}}{{/if}}.`,
      en: `Task ${QUOTED} has been assigned to {{task.leadUnitName}} as the lead unit{{#if (pick task.deadline)}}, due {{pick task.deadline}}{{/if}}.`,
    },
    details: [taskDetail, leadUnitDetail, deadlineDetail, actorDetail("Người giao", "Assigned by"), noteDetail],
  },
  "tasks.task.assigned": {
    headline: { vi: `Phân công nhiệm vụ: ${TASK}`, en: `Task assigned: ${TASK}` },
    sentence: {
      vi: `Nhiệm vụ ${QUOTED} đã được phân công: {{task.leadUnitName}} chủ trì{{#if (pick task.deadline)}}, thời hạn {{pick task.deadline}}{{/if}}.`,
      en: `Task ${QUOTED} has been assigned: {{task.leadUnitName}} leads it{{#if (pick task.deadline)}}, due {{pick task.deadline}}{{/if}}.`,
    },
    details: [taskDetail, leadUnitDetail, deadlineDetail, actorDetail("Người phân công", "Assigned by")],
  },
  "tasks.task.due_soon": {
    headline: { vi: `Sắp đến hạn: ${TASK}`, en: `Due soon: ${TASK}` },
    sentence: {
      vi: `Nhiệm vụ ${QUOTED} do {{task.leadUnitName}} chủ trì còn {{days daysBefore}} nữa là đến hạn ({{long_date dueAt}}).`,
      en: `Task ${QUOTED}, led by {{task.leadUnitName}}, is due in {{days daysBefore}}, on {{long_date dueAt}}.`,
    },
    details: [taskDetail, leadUnitDetail, deadlineDetail, dueAtDetail],
  },
  "tasks.task.overdue": {
    headline: { vi: `Nhiệm vụ quá hạn: ${TASK}`, en: `Overdue task: ${TASK}` },
    sentence: {
      vi: `Nhiệm vụ ${QUOTED} do {{task.leadUnitName}} chủ trì {{#if (gt daysAfter 0)}}đã quá hạn {{days daysAfter}}{{else}}đã hết thời hạn{{/if}} (thời hạn {{pick task.deadline}}, hạn cuối {{datetime dueAt}}).`,
      en: `Task ${QUOTED}, led by {{task.leadUnitName}}, {{#if (gt daysAfter 0)}}is {{days daysAfter}} overdue{{else}}has passed its deadline{{/if}} (deadline {{pick task.deadline}}, due {{datetime dueAt}}).`,
    },
    details: [taskDetail, leadUnitDetail, deadlineDetail, dueAtDetail],
  },
  "tasks.task.deadline_change_requested": {
    headline: { vi: `Đề nghị lùi thời hạn: ${TASK}`, en: `Deadline change requested: ${TASK}` },
    sentence: {
      vi: `{{task.leadUnitName}} đề nghị lùi thời hạn nhiệm vụ ${QUOTED} từ {{pick currentDeadline}} sang {{pick requestedDeadline}}. Đề nghị đang chờ quyết định.`,
      en: `{{task.leadUnitName}} asks to move the deadline of task ${QUOTED} from {{pick currentDeadline}} to {{pick requestedDeadline}}. The request awaits a decision.`,
    },
    details: [
      taskDetail,
      leadUnitDetail,
      { label: { vi: "Thời hạn hiện tại", en: "Current deadline" }, value: "{{pick currentDeadline}}" },
      { label: { vi: "Thời hạn đề nghị", en: "Requested deadline" }, value: "{{pick requestedDeadline}}" },
      reasonDetail,
      actorDetail("Người đề nghị", "Requested by"),
      { label: { vi: "Ngày đề nghị", en: "Requested on" }, value: "{{datetime requestedAt}}", when: "requestedAt" },
    ],
  },
  "tasks.task.deadline_changed": {
    headline: { vi: `Đã lùi thời hạn: ${TASK}`, en: `Deadline moved: ${TASK}` },
    sentence: {
      vi: `Thời hạn nhiệm vụ ${QUOTED} đã được điều chỉnh từ {{pick previousDeadline}} sang {{pick task.deadline}}.`,
      en: `The deadline of task ${QUOTED} has been moved from {{pick previousDeadline}} to {{pick task.deadline}}.`,
    },
    details: [
      taskDetail,
      leadUnitDetail,
      { label: { vi: "Thời hạn cũ", en: "Previous deadline" }, value: "{{pick previousDeadline}}", when: "(pick previousDeadline)" },
      { label: { vi: "Thời hạn mới", en: "New deadline" }, value: "{{pick task.deadline}}", when: "(pick task.deadline)" },
      reasonDetail,
      actorDetail("Người phê duyệt", "Approved by"),
      { label: { vi: "Ý kiến", en: "Decision note" }, value: "{{note}}", when: "note" },
    ],
  },
  "tasks.task.deadline_change_rejected": {
    headline: { vi: `Không chấp thuận lùi thời hạn: ${TASK}`, en: `Deadline change refused: ${TASK}` },
    sentence: {
      vi: `Đề nghị lùi thời hạn nhiệm vụ ${QUOTED} sang {{pick requestedDeadline}} không được chấp thuận; thời hạn vẫn là {{pick task.deadline}}.`,
      en: `The request to move the deadline of task ${QUOTED} to {{pick requestedDeadline}} was refused; the deadline stays {{pick task.deadline}}.`,
    },
    details: [
      taskDetail,
      { label: { vi: "Thời hạn đề nghị", en: "Requested deadline" }, value: "{{pick requestedDeadline}}" },
      deadlineDetail,
      reasonDetail,
      actorDetail("Người quyết định", "Decided by"),
      { label: { vi: "Ý kiến", en: "Decision note" }, value: "{{note}}", when: "note" },
    ],
  },
  "tasks.task.completed": {
    headline: { vi: `Hoàn thành nhiệm vụ: ${TASK}`, en: `Task completed: ${TASK}` },
    sentence: {
      vi: `Nhiệm vụ ${QUOTED} do {{task.leadUnitName}} chủ trì đã hoàn thành{{#if onTime}} đúng hạn{{else}} sau thời hạn{{/if}}.`,
      en: `Task ${QUOTED}, led by {{task.leadUnitName}}, has been completed{{#if onTime}} on time{{else}} after its deadline{{/if}}.`,
    },
    details: [
      taskDetail,
      leadUnitDetail,
      deadlineDetail,
      { label: { vi: "Hoàn thành lúc", en: "Completed at" }, value: "{{datetime completedAt}}", when: "completedAt" },
      actorDetail("Người cập nhật", "Recorded by"),
      noteDetail,
    ],
  },
  "tasks.task.withdrawn": {
    headline: { vi: `Rút nhiệm vụ: ${TASK}`, en: `Task withdrawn: ${TASK}` },
    sentence: {
      vi: `Nhiệm vụ ${QUOTED} do {{task.leadUnitName}} chủ trì đã được rút khỏi chương trình công tác.`,
      en: `Task ${QUOTED}, led by {{task.leadUnitName}}, has been withdrawn from the work programme.`,
    },
    details: [taskDetail, leadUnitDetail, deadlineDetail, reasonDetail, actorDetail("Người thực hiện", "Withdrawn by")],
  },
};
