import type { CollectionIndexes } from "@ministry/platform";

export const TASKS = "tasks";
export const PROGRAMMES = "programmes";
export const PROGRESS_NOTES = "progress_notes";
export const DEADLINE_ALERTS = "deadline_alerts";
export const REPORT_SNAPSHOTS = "report_snapshots";
/** Per programme, the last `NV-<n>` CreateTask allocated to a task given no code (looked up by `_id` only). */
export const TASK_CODE_COUNTERS = "task_codes";

export const TASKS_INDEXES: CollectionIndexes[] = [
  {
    collection: TASKS,
    indexes: [
      { key: { programmeId: 1, code: 1 }, name: "programme_code_unique", unique: true },
      // reports, deadline ranges, and lists in deadline order (the index gives the order: a page or a
      // report's first lines stop early instead of sorting every match)
      { key: { deadline: 1, code: 1, _id: 1 }, name: "deadline_code" },
      // a report as of a past moment: the tasks done after it
      { key: { doneAt: 1 }, name: "doneAt", sparse: true },
      { key: { programmeId: 1, deadline: 1 }, name: "programme_deadline" },
      // unit lists, the dashboard and the deadline watch
      { key: { leadUnit: 1, status: 1, deadline: 1 }, name: "lead_status_deadline" },
      // a unit's list in a programme (its overdue tasks, say) in deadline order: the index gives the whole
      // order (deadline, code, _id), so a page reads its 50 entries and stops; and it holds every
      // condition of the list's filter, so the list's count reads no task
      {
        key: { programmeId: 1, leadUnit: 1, status: 1, deadline: 1, code: 1, _id: 1 },
        name: "programme_lead_status_deadline",
      },
      { key: { coordinatingUnits: 1, deadline: 1 }, name: "coordinating_deadline" },
      { key: { status: 1, deadline: 1 }, name: "status_deadline" },
      { key: { "documentLinks.documentId": 1 }, name: "document_links" },
      { key: { "source.type": 1, "source.ref": 1 }, name: "source" },
      // lists by last update, and the latest change a list is read as of (the platform's keyset pages)
      { key: { updatedAt: -1, _id: 1 }, name: "updated" },
    ],
  },
  {
    collection: PROGRAMMES,
    indexes: [{ key: { issuingBody: 1, year: 1 }, name: "body_year_unique", unique: true }],
  },
  { collection: PROGRESS_NOTES, indexes: [{ key: { taskId: 1, at: -1 }, name: "task_at" }] },
  { collection: DEADLINE_ALERTS, indexes: [{ key: { taskId: 1 }, name: "task" }] },
  {
    collection: REPORT_SNAPSHOTS,
    indexes: [
      { key: { meetingId: 1, createdAt: -1 }, name: "meeting_created" },
      { key: { "report.programmeId": 1, createdAt: -1 }, name: "programme_created" },
    ],
  },
];
