import { runService } from "@ministry/platform";
import { notificationsService } from "./service.js";

await runService(notificationsService());
