/** The work programme, its tasks and the quarterly reports (the tasks service). */
import type { RouteGroup } from "./route.js";

const P = "ministry.tasks.v1.ProgrammeService";
const T = "ministry.tasks.v1.TaskService";
const R = "ministry.tasks.v1.ReportService";

export const programmeRoutes: RouteGroup = {
  tag: "programmes",
  description: "Chương trình công tác năm / The annual work programmes",
  routes: [
    { method: "GET", path: "/v1/programmes", rpc: `${P}/ListProgrammes`, summary: "Danh sách chương trình / List programmes" },
    { method: "POST", path: "/v1/programmes", rpc: `${P}/CreateProgramme`, summary: "Tạo chương trình / Create a programme", status: 201 },
    { method: "GET", path: "/v1/programmes/:id", rpc: `${P}/GetProgramme`, summary: "Xem chương trình / Get a programme" },
    {
      method: "POST",
      path: "/v1/programmes/:id/status",
      rpc: `${P}/ChangeProgrammeStatus`,
      summary: "Đổi trạng thái chương trình / Change a programme's status",
    },
    {
      method: "POST",
      path: "/v1/programmes/:programmeId/import",
      rpc: `${P}/ImportProgramme`,
      summary: "Nhập nhiệm vụ từ tệp XLSX/CSV / Import tasks from an XLSX or CSV file",
      description: "The file goes base64-encoded in `content`; `dryRun` checks it row by row without importing.",
      bodyLimit: 30 * 1_048_576,
      deadlineMs: 60_000,
    },
    {
      method: "GET",
      path: "/v1/programmes/:programmeId/export",
      rpc: `${P}/ExportProgramme`,
      summary: "Xuất chương trình (XLSX/CSV) / Export a programme (XLSX or CSV)",
      download: { content: "file.content", filename: "file.fileName", contentType: "file.contentType" },
    },
    {
      method: "GET",
      path: "/v1/vocabulary",
      rpc: `${P}/GetVocabulary`,
      summary: "Danh mục loại nhiệm vụ, đơn vị, cấp trình / Task kinds, units and authorities",
    },
  ],
};

export const taskRoutes: RouteGroup = {
  tag: "tasks",
  description: "Nhiệm vụ, tiến độ, hạn và đề nghị gia hạn / Tasks, progress, deadlines and extension requests",
  routes: [
    {
      method: "GET",
      path: "/v1/tasks",
      rpc: `${T}/ListTasks`,
      summary: "Tìm nhiệm vụ / Find tasks",
      description:
        "Filters: `unit` (a unit's tasks; `unitRole` lead or coordinating), `status` (repeatable: not_started, in_progress, submitted, completed, withdrawn), `overdue=true`, `programme`, `kind`, `text`, `deadlineFrom`/`deadlineTo`; pages with `pageSize` and `pageToken`.",
      query: { unit: "unitId", programme: "programmeId", status: "statuses", kind: "kinds", overdue: "overdueOnly" },
    },
    { method: "POST", path: "/v1/tasks", rpc: `${T}/CreateTask`, summary: "Giao nhiệm vụ mới / Create a task", status: 201 },
    { method: "GET", path: "/v1/tasks/:id", rpc: `${T}/GetTask`, summary: "Xem nhiệm vụ / Get a task" },
    {
      method: "POST",
      path: "/v1/tasks/:id/assignment",
      rpc: `${T}/AssignTask`,
      summary: "Phân công / Assign a task (assignee, lead and coordinating units)",
    },
    { method: "POST", path: "/v1/tasks/:id/progress", rpc: `${T}/RecordProgress`, summary: "Cập nhật tiến độ / Record progress" },
    { method: "POST", path: "/v1/tasks/:id/submission", rpc: `${T}/SubmitTask`, summary: "Trình / Submit a task's result" },
    { method: "POST", path: "/v1/tasks/:id/completion", rpc: `${T}/CompleteTask`, summary: "Hoàn thành / Complete a task" },
    {
      method: "POST",
      path: "/v1/tasks/:id/withdrawal",
      rpc: `${T}/WithdrawTask`,
      summary: "Rút nhiệm vụ khỏi chương trình / Withdraw a task",
    },
    { method: "POST", path: "/v1/tasks/:id/documents", rpc: `${T}/LinkDocument`, summary: "Gắn văn bản / Link a document to a task" },
    {
      method: "POST",
      path: "/v1/tasks/:id/deadline-requests",
      rpc: `${T}/RequestDeadlineChange`,
      summary: "Đề nghị gia hạn / Ask for a new deadline",
      status: 201,
    },
    {
      method: "POST",
      path: "/v1/tasks/:id/deadline-requests/:deadlineRequestId/decision",
      rpc: `${T}/DecideDeadlineChange`,
      summary: "Quyết định gia hạn / Approve or refuse a deadline request",
    },
    { method: "GET", path: "/v1/tasks/:id/history", rpc: `${T}/GetTaskHistory`, summary: "Lịch sử nhiệm vụ / A task's history" },
    {
      method: "GET",
      path: "/v1/units/:unitId/dashboard",
      rpc: `${T}/GetUnitDashboard`,
      summary: "Bảng theo dõi của đơn vị / A unit's dashboard",
      query: { programme: "programmeId" },
    },
  ],
};

export const reportRoutes: RouteGroup = {
  tag: "reports",
  description: "Báo cáo kết quả thực hiện chương trình theo kỳ / Programme reports by period",
  routes: [
    {
      method: "GET",
      path: "/v1/reports",
      rpc: `${R}/GetReport`,
      summary: "Báo cáo theo kỳ / A report for a period",
      description:
        "E.g. the first quarter of 2020: `?programme=<id>&quarter.year=2020&quarter.quarter=1` (or `year=2020` for the whole year, `month.year`/`month.month` for a month).",
      query: {
        programme: "programmeId",
        unit: "unitId",
        "quarter.year": "period.quarter.year",
        "quarter.quarter": "period.quarter.quarter",
        year: "period.year",
        "month.year": "period.month.year",
        "month.month": "period.month.month",
      },
    },
    {
      method: "POST",
      path: "/v1/reports/export",
      rpc: `${R}/ExportReport`,
      summary: "Xuất báo cáo (XLSX/DOCX/PDF) / Export a report",
      download: { content: "file.content", filename: "file.fileName", contentType: "file.contentType" },
    },
    {
      method: "GET",
      path: "/v1/report-snapshots",
      rpc: `${R}/ListReportSnapshots`,
      summary: "Các báo cáo đã chốt / Frozen reports",
      query: { meeting: "meetingId", programme: "programmeId" },
    },
    {
      method: "POST",
      path: "/v1/report-snapshots",
      rpc: `${R}/CreateReportSnapshot`,
      summary: "Chốt số liệu báo cáo / Freeze a report",
      status: 201,
    },
    {
      method: "GET",
      path: "/v1/report-snapshots/:id",
      rpc: `${R}/GetReportSnapshot`,
      summary: "Xem báo cáo đã chốt / Get a frozen report",
    },
  ],
};

export const tasksGroups = [programmeRoutes, taskRoutes, reportRoutes];
