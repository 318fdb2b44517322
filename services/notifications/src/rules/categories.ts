/**
 * The categories notifications fall into: preferences are set per category, so a person can take task
 * deadlines by email at once and task updates in the daily digest. A plain table: the meetings and
 * documents rules add their rows here.
 */
import type { CategoryDef } from "./types.js";

export const CATEGORIES: CategoryDef[] = [
  {
    id: "task_assignment",
    name: { vi: "Giao nhiệm vụ", en: "Task assignments" },
    defaultEmailMode: "immediate",
    hasCritical: false,
  },
  {
    id: "task_deadline",
    name: { vi: "Thời hạn nhiệm vụ", en: "Task deadlines" },
    defaultEmailMode: "immediate",
    // An overdue task is told even to people who muted the category.
    hasCritical: true,
  },
  {
    id: "deadline_request",
    name: { vi: "Đề nghị lùi thời hạn", en: "Deadline change requests" },
    defaultEmailMode: "immediate",
    hasCritical: false,
  },
  {
    id: "task_update",
    name: { vi: "Cập nhật nhiệm vụ", en: "Task updates" },
    defaultEmailMode: "digest",
    hasCritical: false,
  },
  {
    id: "meeting",
    name: { vi: "Họp, hội nghị", en: "Meetings" },
    defaultEmailMode: "immediate",
    // A meeting cancelled or moved within 24 hours of its start is told even to people who muted the category.
    hasCritical: true,
  },
];
