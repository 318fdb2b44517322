/**
 * Prints a bearer token of the default run (signed with the dev stack's key in .data/auth), for calling
 * services by hand, e.g. with grpcurl:
 *
 *   node --import tsx scripts/token.ts --role office_chief --unit VP --name "Chánh Văn phòng"
 *   grpcurl -plaintext -H "authorization: Bearer $(…)" 127.0.0.1:15051 ministry.tasks.v1.TaskService/ListTasks
 *
 * Options: --sub (default "dev-<role>"), --name, --role (repeatable), --unit, --ttl (default 8h),
 * --data (the dev stack's DEV_DATA_DIR, default <repo>/.data).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    name: { type: "string", default: "Người dùng thử" },
    role: { type: "string", multiple: true, default: ["office_chief"] },
    unit: { type: "string" },
    ttl: { type: "string", default: "8h" },
    data: { type: "string", default: path.join(root, ".data") },
  },
});
const platform = (await import(
  pathToFileURL(path.join(root, "packages/platform/dist/index.js")).href
)) as typeof import("@ministry/platform");
const authority = await platform.createLocalAuthority({ keyPath: path.join(values.data, "auth", "signing-key.pem") });
const roles = values.role ?? [];
const token = await authority.issueToken(
  { sub: values.sub ?? `dev-${roles[0] ?? "user"}`, name: values.name ?? "", roles, ...(values.unit ? { unit: values.unit } : {}) },
  values.ttl,
);
process.stdout.write(`${token}\n`);
