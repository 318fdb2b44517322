/** Every route of the HTTP/JSON API, by service. */
import { documentsGroups } from "./documents.js";
import { meetingsGroups } from "./meetings.js";
import { notificationsGroups } from "./notifications.js";
import type { RouteGroup } from "./route.js";
import { tasksGroups } from "./tasks.js";

export const allGroups: RouteGroup[] = [...tasksGroups, ...meetingsGroups, ...documentsGroups, ...notificationsGroups];
