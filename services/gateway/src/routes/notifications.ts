/**
 * The notifications service: the directory of people and units, the caller's own inbox and
 * preferences (under /v1/me, since every call acts on the caller), and the admins' templates, webhooks
 * and delivery log. The live stream is not here: `GET /v1/me/events` (src/events-stream.ts) serves it
 * as server-sent events.
 */
import type { RouteGroup } from "./route.js";

const D = "ministry.notifications.v1.DirectoryService";
const N = "ministry.notifications.v1.NotificationService";
const A = "ministry.notifications.v1.NotificationAdminService";

export const directoryRoutes: RouteGroup = {
  tag: "directory",
  description: "Danh bạ cán bộ và đơn vị của Bộ / The ministry's directory of people and units",
  routes: [
    {
      method: "GET",
      path: "/v1/people",
      rpc: `${D}/ListPeople`,
      summary: "Tìm cán bộ / Find people",
      description:
        "Filters: `unit` (a unit's people), `role` (holders of a platform role, e.g. `deputy_minister`), `q` (words of the name, diacritics-insensitive: `nguyen van`), `includeInactive=true`; in name order, pages with `pageSize` and `pageToken`.",
      query: { unit: "unitId", q: "query" },
    },
    { method: "GET", path: "/v1/people/:id", rpc: `${D}/GetPerson`, summary: "Xem cán bộ / Get a person" },
    {
      method: "PUT",
      path: "/v1/people/:id",
      rpc: `${D}/UpsertPerson`,
      summary: "Tạo hoặc cập nhật cán bộ (quản trị) / Create or replace a person (admins)",
      description:
        'Body: `{ person: {...} }` (the path gives `person.id`). Send `If-Match` with the version you read (0 or `"0"` for a new person) to refuse a lost update (412).',
      params: { id: "person.id" },
    },
    {
      method: "POST",
      path: "/v1/people/:id/deactivation",
      rpc: `${D}/DeactivatePerson`,
      summary: "Cho thôi làm việc (quản trị) / Deactivate a person who left (admins)",
    },
    { method: "GET", path: "/v1/units", rpc: `${D}/ListUnits`, summary: "Danh sách đơn vị / List units with their leaders" },
    { method: "GET", path: "/v1/units/:id", rpc: `${D}/GetUnit`, summary: "Xem đơn vị / Get a unit with its leaders" },
    {
      method: "PUT",
      path: "/v1/units/:id",
      rpc: `${D}/UpsertUnit`,
      summary: "Tạo hoặc đổi tên đơn vị (quản trị) / Create or rename a unit (admins)",
      description: "Body: `{ name, nameEn }`.",
    },
    {
      method: "POST",
      path: "/v1/directory/import",
      rpc: `${D}/ImportDirectory`,
      summary: "Nhập danh bạ từ tệp CSV/XLSX (quản trị) / Import people from a CSV or XLSX file (admins)",
      description:
        "The file goes base64-encoded in `content` (at most 3 MiB, 20,000 rows), its name in `fileName`; `dryRun` checks it row by row without importing. A file with an invalid row imports nothing (400, reason IMPORT_ROWS_INVALID).",
      bodyLimit: 5 * 1_048_576,
      deadlineMs: 60_000,
    },
    {
      method: "POST",
      path: "/v1/directory/recipients",
      rpc: `${D}/ResolveRecipients`,
      summary: "Xác định người nhận / Resolve recipient selectors to people",
      description:
        'Body: `{ selectors: [{ personId }, { unitLeaders: "VP" }, { unitHead }, { role }, { unitMembers }] }` (at most 100). Answers the active people, each once, and the selectors that stand for nobody.',
    },
  ],
};

export const notificationRoutes: RouteGroup = {
  tag: "notifications",
  description: "Hộp thư thông báo và tuỳ chọn nhận thông báo của người dùng / The caller's notifications and preferences",
  routes: [
    {
      method: "GET",
      path: "/v1/me/notifications",
      rpc: `${N}/ListNotifications`,
      summary: "Thông báo của tôi / My notifications",
      description:
        "Newest first. `view`: (none) the inbox (not archived, not snoozed), `unread`, `archived`, `snoozed`, `all`; `category` (see /v1/notification-categories); pages with `pageSize` and `pageToken`. The answer carries the unread count.",
      query: { filter: "view" },
    },
    {
      method: "GET",
      path: "/v1/me/notifications/unread-count",
      rpc: `${N}/GetUnreadCount`,
      summary: "Số thông báo chưa đọc / My unread count",
    },
    {
      method: "GET",
      path: "/v1/me/notifications/:id",
      rpc: `${N}/GetNotification`,
      summary: "Xem thông báo / Get a notification with its deliveries",
    },
    {
      method: "POST",
      path: "/v1/me/notifications/read-all",
      rpc: `${N}/MarkAllRead`,
      summary: "Đánh dấu tất cả đã đọc / Mark all as read",
      description: "Body (optional): `{ category }` to mark only one category.",
    },
    {
      method: "POST",
      path: "/v1/me/notifications/:id/read",
      rpc: `${N}/MarkRead`,
      summary: "Đánh dấu đã đọc / Mark as read",
      params: { id: "ids" },
    },
    {
      method: "POST",
      path: "/v1/me/notifications/:id/unread",
      rpc: `${N}/MarkUnread`,
      summary: "Đánh dấu chưa đọc / Mark as unread",
      params: { id: "ids" },
    },
    { method: "POST", path: "/v1/me/notifications/:id/archive", rpc: `${N}/Archive`, summary: "Lưu trữ / Archive", params: { id: "ids" } },
    {
      method: "POST",
      path: "/v1/me/notifications/:id/unarchive",
      rpc: `${N}/Unarchive`,
      summary: "Đưa lại vào hộp thư / Unarchive",
      params: { id: "ids" },
    },
    {
      method: "POST",
      path: "/v1/me/notifications/:id/snooze",
      rpc: `${N}/Snooze`,
      summary: "Tạm ẩn đến một thời điểm / Snooze until a moment",
      description: 'Body: `{ until: "2020-03-24T01:00:00Z" }` (later than now, at most 30 days ahead); without `until`, un-snoozes.',
    },
    {
      method: "GET",
      path: "/v1/me/preferences",
      rpc: `${N}/GetPreferences`,
      summary: "Tuỳ chọn nhận thông báo / My notification preferences",
    },
    {
      method: "PUT",
      path: "/v1/me/preferences",
      rpc: `${N}/UpdatePreferences`,
      summary: "Cập nhật tuỳ chọn nhận thông báo / Replace my notification preferences",
      description:
        "Body: `{ preferences: { channels: [{ category, channel, mode }], quietHours: { enabled, start, end } } }`. Send `If-Match` with the version you read to refuse a lost update (412).",
    },
    {
      method: "GET",
      path: "/v1/notification-categories",
      rpc: `${N}/ListCategories`,
      summary: "Các loại thông báo / Notification categories and their defaults",
    },
  ],
};

export const notificationAdminRoutes: RouteGroup = {
  tag: "notification-admin",
  description: "Quản trị mẫu thông báo, webhook và nhật ký gửi (quản trị) / Templates, webhooks and the delivery log (admins)",
  routes: [
    {
      method: "GET",
      path: "/v1/admin/notification-templates",
      rpc: `${A}/ListTemplates`,
      summary: "Danh sách mẫu thông báo / List notification templates",
      description: "Every template (event type × channel × locale), built in or overridden; `eventType` (or `event`) for one event type's.",
      query: { event: "eventType" },
    },
    {
      method: "PUT",
      path: "/v1/admin/notification-templates/:eventType",
      rpc: `${A}/UpsertTemplate`,
      summary: "Sửa mẫu thông báo / Override a template",
      description:
        "Body: `{ template: { channel, locale, subject, text, html } }`; the path gives `template.eventType` (e.g. `tasks.task.overdue`).",
      params: { eventType: "template.eventType" },
    },
    {
      method: "POST",
      path: "/v1/admin/notification-templates/:eventType/reset",
      rpc: `${A}/ResetTemplate`,
      summary: "Khôi phục mẫu mặc định / Reset a template to the built-in one",
      description: "Body: `{ channel, locale }`.",
    },
    {
      method: "POST",
      path: "/v1/admin/notification-templates/:eventType/preview",
      rpc: `${A}/PreviewTemplate`,
      summary: "Xem trước mẫu thông báo / Preview a template with sample data",
      description: "Body: `{ template: { channel, locale, subject, text, html } }`; nothing is saved.",
      params: { eventType: "template.eventType" },
    },
    { method: "GET", path: "/v1/admin/webhooks", rpc: `${A}/ListWebhooks`, summary: "Danh sách webhook / List webhooks" },
    {
      method: "POST",
      path: "/v1/admin/webhooks",
      rpc: `${A}/CreateWebhook`,
      summary: "Đăng ký webhook / Create a webhook",
      description:
        'Body: `{ url, eventTypes: ["tasks.task.*"], description }`. The answer\'s `secret` (the signing key) is shown only here.',
      status: 201,
    },
    { method: "POST", path: "/v1/admin/webhooks/:id/disable", rpc: `${A}/DisableWebhook`, summary: "Tắt webhook / Disable a webhook" },
    {
      method: "GET",
      path: "/v1/admin/deliveries",
      rpc: `${A}/ListDeliveries`,
      summary: "Nhật ký gửi thông báo / The delivery log",
      description:
        "Newest first. Filters: `webhook`, `recipient`, `event` (an event id), `channel` (inbox, email, webhook), `status` (pending, sent, deferred, digest, digested, failed, skipped).",
      query: { webhook: "webhookId", recipient: "recipientId", event: "eventId" },
    },
  ],
};

export const notificationsGroups: RouteGroup[] = [directoryRoutes, notificationRoutes, notificationAdminRoutes];
