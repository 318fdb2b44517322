import { runService } from "@ministry/platform";
import { documentsService } from "./service.js";

await runService(documentsService());
