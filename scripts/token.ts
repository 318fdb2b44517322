/**
 * Prints a bearer token of the default run (signed with the dev stack's key in .data/auth), for calling
 * services by hand, e.g. with grpcurl:
 *
 *   node --import tsx scripts/token.ts --role office_chief --unit VP --name "Chánh Văn phòng"
 *   grpcurl -plaintext -H "authorization: Bearer $(…)" 127.0.0.1:15051 ministry.tasks.v1.TaskService/ListTasks
 *
 * A seeded person of the notifications directory (sub, name, roles and unit from the seed):
 *
 *   node --import tsx scripts/token.ts --person vp-head
 *   node --import tsx scripts/token.ts --list
 *
 * Options: --person <id> (a seeded person; needs services/notifications built), --list (the seeded
 * people), --sub (default "dev-<role>"), --name, --role (repeatable), --unit, --ttl (default 8h),
 * --data (the dev stack's DEV_DATA_DIR, default <repo>/.data). With --person, --name, --role and
 * --unit given as well override the seed's.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    person: { type: "string" },
    list: { type: "boolean", default: false },
    sub: { type: "string" },
    name: { type: "string" },
    role: { type: "string", multiple: true },
    unit: { type: "string" },
    ttl: { type: "string", default: "8h" },
    data: { type: "string", default: path.join(root, ".data") },
  },
});
interface SeedPerson {
  id: string;
  fullName: string;
  position: string;
  unitId: string | null;
  roles: string[];
}

/** The notifications service's seeded directory, from its build (as the platform is loaded below). */
async function seedPeople(): Promise<readonly SeedPerson[]> {
  const file = path.join(root, "services/notifications/dist/seed/people.js");
  try {
    return ((await import(pathToFileURL(file).href)) as { SEED_PEOPLE: readonly SeedPerson[] }).SEED_PEOPLE;
  } catch (err) {
    process.stderr.write(`cannot load ${file} (build it: pnpm --filter @ministry/notifications build): ${String(err)}\n`);
    process.exit(2);
  }
}

if (values.list) {
  for (const p of await seedPeople())
    process.stdout.write(`${[p.id, p.fullName, p.position, p.unitId ?? "-", p.roles.join(",")].join("\t")}\n`);
  process.exit(0);
}

let seeded: SeedPerson | undefined;
if (values.person !== undefined) {
  seeded = (await seedPeople()).find((p) => p.id === values.person);
  if (!seeded) {
    process.stderr.write(`no seeded person "${values.person}"; --list shows them\n`);
    process.exit(2);
  }
}

const platform = (await import(
  pathToFileURL(path.join(root, "packages/platform/dist/index.js")).href
)) as typeof import("@ministry/platform");
const authority = await platform.createLocalAuthority({ keyPath: path.join(values.data, "auth", "signing-key.pem") });
const roles = values.role ?? seeded?.roles ?? ["office_chief"];
const unit = values.unit ?? seeded?.unitId ?? undefined;
const token = await authority.issueToken(
  {
    sub: seeded?.id ?? values.sub ?? `dev-${roles[0] ?? "user"}`,
    name: values.name ?? seeded?.fullName ?? "Người dùng thử",
    roles,
    ...(unit ? { unit } : {}),
  },
  values.ttl,
);
process.stdout.write(`${token}\n`);
