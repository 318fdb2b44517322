/**
 * Meetings, their connection sites ("điểm cầu"), invitations and attendance, the agenda and the
 * discussion, minutes and conclusions, recurring series and calendar feeds (the meetings service).
 * A meeting's own transitions are verbs under /v1/meetings/:id; everything it holds is a sub-resource
 * under /v1/meetings/:meetingId, the name of the request field it fills.
 */
import type { RouteGroup } from "./route.js";

const M = "ministry.meetings.v1.MeetingService";

export const meetingRoutes: RouteGroup = {
  tag: "meetings",
  description: "Cuộc họp, giao ban và vòng đời của cuộc họp / Meetings and briefings, and their life cycle",
  routes: [
    {
      method: "GET",
      path: "/v1/meetings",
      rpc: `${M}/ListMeetings`,
      summary: "Danh sách cuộc họp / List meetings",
      description:
        "The meetings the caller may see (managers: those they manage; others: those they are invited to). Filters: `status` (repeatable: draft, scheduled, in_progress, ended, concluded, cancelled), `from`/`to` (start, RFC 3339), `series`; pages with `pageSize` and `pageToken`.",
      query: { status: "statuses", series: "seriesId" },
    },
    {
      method: "POST",
      path: "/v1/meetings",
      rpc: `${M}/CreateMeeting`,
      summary: "Tạo cuộc họp (dự thảo) / Create a draft meeting",
      status: 201,
    },
    { method: "GET", path: "/v1/meetings/:id", rpc: `${M}/GetMeeting`, summary: "Xem cuộc họp / Get a meeting" },
    {
      method: "PATCH",
      path: "/v1/meetings/:id",
      rpc: `${M}/UpdateMeeting`,
      summary: "Sửa thông tin cuộc họp / Update a meeting (title, kind, mode, place, chair, secretary, planned end)",
      description: "A draft or scheduled meeting; only the fields given change. Send `If-Match` with the version you read.",
    },
    {
      method: "POST",
      path: "/v1/meetings/:id/schedule",
      rpc: `${M}/ScheduleMeeting`,
      summary: "Chốt lịch và gửi giấy mời / Schedule a meeting (the invitees are told)",
    },
    {
      method: "POST",
      path: "/v1/meetings/:id/reschedule",
      rpc: `${M}/RescheduleMeeting`,
      summary: "Dời lịch họp / Reschedule a meeting",
      description: "A new `start` and `plannedEnd` with a `reason`; the history keeps the previous ones and the participants are told.",
    },
    {
      method: "POST",
      path: "/v1/meetings/:id/cancel",
      rpc: `${M}/CancelMeeting`,
      summary: "Hủy cuộc họp / Cancel a meeting (with a reason)",
    },
    { method: "POST", path: "/v1/meetings/:id/start", rpc: `${M}/StartMeeting`, summary: "Bắt đầu họp / Start a meeting" },
    { method: "POST", path: "/v1/meetings/:id/end", rpc: `${M}/EndMeeting`, summary: "Kết thúc họp / End a meeting" },
    {
      method: "POST",
      path: "/v1/meetings/:id/conclude",
      rpc: `${M}/ConcludeMeeting`,
      summary: "Ban hành kết luận / Conclude a meeting (its conclusions are frozen and directives become tasks)",
    },
  ],
};

export const siteRoutes: RouteGroup = {
  tag: "meeting-sites",
  description: "Điểm cầu của cuộc họp trực tuyến / The connection sites of an online meeting",
  routes: [
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/sites",
      rpc: `${M}/AddSites`,
      summary: "Thêm điểm cầu / Add sites",
      description: "At most 500 per call and 5,000 per meeting.",
      status: 201,
    },
    { method: "GET", path: "/v1/meetings/:meetingId/sites", rpc: `${M}/ListSites`, summary: "Danh sách điểm cầu / List a meeting's sites" },
    {
      method: "PATCH",
      path: "/v1/meetings/:meetingId/sites/:siteId",
      rpc: `${M}/UpdateSite`,
      summary: "Sửa điểm cầu / Update a site (name, host, video link)",
    },
  ],
};

export const participantRoutes: RouteGroup = {
  tag: "meeting-participants",
  description: "Thành phần mời họp và trả lời giấy mời / Invitees and their answers",
  routes: [
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/participants",
      rpc: `${M}/InviteParticipants`,
      summary: "Mời họp / Invite participants",
      description:
        'Each invitee is one of `personId`, `unitHead` (a unit id: its head), `role` ("deputy_minister") or `guest` (someone outside the ministry), with an optional `siteId`.',
    },
    {
      method: "GET",
      path: "/v1/meetings/:meetingId/participants",
      rpc: `${M}/ListParticipants`,
      summary: "Danh sách thành phần / List participants",
      query: { site: "siteId" },
    },
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/invitation/response",
      rpc: `${M}/RespondToInvitation`,
      summary: "Trả lời giấy mời (dự, vắng có phép, cử người dự thay) / Answer an invitation (accept, decline, delegate)",
      description:
        "`response`: INVITATION_RESPONSE_ACCEPTED, _DECLINED (with a `reason`) or _DELEGATED (with a `delegateId`). A manager may answer for a participant with `personId`.",
    },
  ],
};

export const attendanceRoutes: RouteGroup = {
  tag: "attendance",
  description: "Điểm danh và bảng tổng hợp dự họp / Check-in, check-out and the attendance sheet",
  routes: [
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/check-ins",
      rpc: `${M}/CheckIn`,
      summary: "Điểm danh / Check in",
      description:
        "The caller, or (`personId`) someone the caller hosts or manages. Opens an hour before the start, closes when the meeting ends.",
    },
    { method: "POST", path: "/v1/meetings/:meetingId/check-outs", rpc: `${M}/CheckOut`, summary: "Rời cuộc họp / Check out" },
    {
      method: "GET",
      path: "/v1/meetings/:meetingId/attendance",
      rpc: `${M}/GetAttendanceSheet`,
      summary: "Bảng tổng hợp dự họp / The attendance sheet",
      description:
        "Overall or for one `site`: present, absent with or without leave, delegated; rows page with `pageSize` and `pageToken`.",
      query: { site: "siteId" },
    },
    {
      method: "GET",
      path: "/v1/meetings/:meetingId/attendance/export",
      rpc: `${M}/ExportAttendanceSheet`,
      summary: "Xuất bảng điểm danh (XLSX/PDF) / Export the attendance sheet (XLSX or PDF)",
      description: "`format=xlsx` or `format=pdf`; `site` for one site; `locale` vi (default) or en.",
      query: { site: "siteId" },
      download: { content: "content", filename: "fileName", contentType: "contentType" },
    },
  ],
};

export const agendaRoutes: RouteGroup = {
  tag: "agenda",
  description: "Chương trình cuộc họp, báo cáo kèm theo và nội dung đang thảo luận / The agenda, frozen reports and the current item",
  routes: [
    {
      method: "PUT",
      path: "/v1/meetings/:meetingId/agenda",
      rpc: `${M}/SetAgenda`,
      summary: "Đặt chương trình họp / Set the agenda (replaced as a whole)",
      description: "At most 50 items; an item keeps its frozen report and timing when its id stays.",
    },
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/agenda/:itemId/report-snapshot",
      rpc: `${M}/AttachReportSnapshot`,
      summary: "Chốt báo cáo chương trình công tác vào nội dung họp / Freeze a programme report into an agenda item",
      description: 'E.g. the first quarter of 2020: `{"report": {"period": {"quarter": {"year": 2020, "quarter": 1}}}}`.',
    },
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/agenda/current-item",
      rpc: `${M}/SetCurrentItem`,
      summary: "Chuyển nội dung đang thảo luận / Set the item under discussion",
      description: '`{"itemId": "2"}`; an empty `itemId`: none.',
    },
  ],
};

export const discussionRoutes: RouteGroup = {
  tag: "discussion",
  description: "Ý kiến, đăng ký phát biểu, biên bản và kết luận / Comments, speakers, minutes and conclusions",
  routes: [
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/comments",
      rpc: `${M}/AddComment`,
      summary: "Góp ý kiến / Add a comment",
      status: 201,
    },
    {
      method: "GET",
      path: "/v1/meetings/:meetingId/comments",
      rpc: `${M}/ListComments`,
      summary: "Các ý kiến / List comments",
      query: { item: "itemId" },
    },
    {
      method: "POST",
      path: "/v1/meetings/:meetingId/speakers",
      rpc: `${M}/RequestToSpeak`,
      summary: "Đăng ký phát biểu / Ask to speak",
      status: 201,
    },
    {
      method: "GET",
      path: "/v1/meetings/:meetingId/speakers",
      rpc: `${M}/ListSpeakers`,
      summary: "Danh sách phát biểu / The speakers, in order",
      query: { item: "itemId" },
    },
    {
      method: "PATCH",
      path: "/v1/meetings/:meetingId/speakers/:speakerId",
      rpc: `${M}/UpdateSpeaker`,
      summary: "Sắp xếp, kết thúc hoặc rút phát biểu / Reorder, finish or withdraw a speaker",
    },
    { method: "PUT", path: "/v1/meetings/:meetingId/minutes", rpc: `${M}/SetMinutes`, summary: "Ghi biên bản / Set the minutes" },
    {
      method: "PUT",
      path: "/v1/meetings/:meetingId/conclusions",
      rpc: `${M}/SetConclusions`,
      summary: "Ghi kết luận / Set the conclusions (replaced as a whole)",
      description:
        "A directive (`CONCLUSION_KIND_DIRECTIVE`) needs a `leadUnitId` and a `deadline`; it becomes a task when the meeting is concluded.",
    },
  ],
};

export const seriesRoutes: RouteGroup = {
  tag: "meeting-series",
  description: "Họp định kỳ và lịch iCalendar / Recurring series and calendar feeds",
  routes: [
    {
      method: "POST",
      path: "/v1/meeting-series",
      rpc: `${M}/CreateSeries`,
      summary: "Tạo lịch họp định kỳ / Create a recurring series (its meetings are drafts)",
      status: 201,
    },
    { method: "GET", path: "/v1/meeting-series/:id", rpc: `${M}/GetSeries`, summary: "Xem lịch họp định kỳ / Get a series" },
    {
      method: "POST",
      path: "/v1/me/calendar-feeds",
      rpc: `${M}/CreateFeedToken`,
      summary: "Tạo đường dẫn lịch iCalendar / Create a calendar feed",
      description:
        "The caller's own meetings, or (`seriesId`) a series the caller manages. The answer's `secret` is shown once: subscribe to `/v1/calendar/<secret>.ics`.",
      status: 201,
    },
    { method: "GET", path: "/v1/me/calendar-feeds", rpc: `${M}/ListFeedTokens`, summary: "Các đường dẫn lịch của tôi / My calendar feeds" },
    {
      method: "DELETE",
      path: "/v1/me/calendar-feeds/:id",
      rpc: `${M}/RevokeFeedToken`,
      summary: "Thu hồi đường dẫn lịch / Revoke a calendar feed",
    },
  ],
};

export const meetingsGroups: RouteGroup[] = [
  meetingRoutes,
  siteRoutes,
  participantRoutes,
  attendanceRoutes,
  agendaRoutes,
  discussionRoutes,
  seriesRoutes,
];
