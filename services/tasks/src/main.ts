import { runService } from "@ministry/platform";
import { tasksService } from "./service.js";

await runService(tasksService());
