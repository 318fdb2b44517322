import { runService } from "@ministry/platform";
import { meetingsService } from "./service.js";

await runService(meetingsService());
