/**
 * The default run's sign-in (never in production: the configuration refuses DEV_SIGN_IN without
 * DEV_MODE and the local signing key, and the plugin is only registered with them). `/dev/sign-in`
 * lists the directory's people (Minister, Deputy Ministers, the Chief of Office, each unit's head,
 * deputy, staff and clerk) from the notifications service; choosing one issues that person's token,
 * signed by the local key as the ministry's OIDC provider would sign it, and hands it to the docs page.
 */
import fs from "node:fs";
import { status } from "@grpc/grpc-js";
import { createClient, runInRequestScope, type LocalAuthority, type Logger } from "@ministry/platform";
import { DirectoryServiceClient, type Person } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { FastifyInstance } from "fastify";
import { HttpProblem } from "./http/problem.js";

export interface DevSignInOptions {
  authority: LocalAuthority;
  log: Logger;
  directoryAddress: string;
  /** Lifetime of an issued token. */
  ttl?: string;
}

const ROLE_ORDER = ["minister", "deputy_minister", "office_chief", "unit_head", "staff", "clerk", "admin", "ops"];
const SCRIPT = fs.readFileSync(new URL("../public/dev/sign-in.js", import.meta.url), "utf8");

export function devSignInPlugin(app: FastifyInstance, opts: DevSignInOptions): void {
  const directory = createClient(DirectoryServiceClient, opts.directoryAddress, { log: opts.log });
  app.addHook("onClose", async () => directory.close());
  // The page reads the directory as an administrator; a short-lived token each time, so a long dev run
  // never holds an expired one.
  const asReader = async <T>(call: (done: (err: Error | null, res?: T) => void) => void): Promise<T> => {
    const token = await opts.authority.issueToken({ sub: "dev-sign-in", name: "Dev sign-in", roles: ["admin"] }, 300);
    return runInRequestScope(
      { token, deadline: Date.now() + 10_000 },
      () => new Promise<T>((resolve, reject) => call((err, res) => (err ? reject(err) : resolve(res as T)))),
    );
  };

  const people = async (): Promise<Person[]> => {
    const out: Person[] = [];
    let pageToken = "";
    do {
      const res = await asReader<{ people: Person[]; page?: { nextPageToken: string } }>((done) =>
        directory.listPeople(
          { page: { pageSize: 200, pageToken }, unitId: "", role: "", query: "", includeInactive: false },
          done as never,
        ),
      );
      out.push(...res.people);
      pageToken = res.page?.nextPageToken ?? "";
    } while (pageToken && out.length < 2000);
    const rank = (p: Person) => Math.min(...p.roles.map((r) => (ROLE_ORDER.indexOf(r) + 100) % 100));
    return out.sort((a, b) => rank(a) - rank(b) || (a.unit?.id ?? "").localeCompare(b.unit?.id ?? "") || a.id.localeCompare(b.id));
  };

  app.get("/dev/sign-in.js", { schema: { hide: true }, config: { public: true } }, async (_req, reply) =>
    reply.header("content-type", "text/javascript; charset=utf-8").send(SCRIPT),
  );

  app.get("/dev/sign-in", { schema: { hide: true }, config: { public: true } }, async (_req, reply) => {
    const list = await people();
    const rows = list
      .map(
        (
          p,
        ) => `<tr><td>${esc(p.fullName)}</td><td>${esc(p.position)}</td><td>${esc(p.unit?.name ?? "Lãnh đạo Bộ")}</td><td><code>${esc(p.roles.join(", "))}</code></td>
<td><form method="post" action="/dev/sign-in"><input type="hidden" name="person" value="${esc(p.id)}"><button type="submit" data-person="${esc(p.id)}">Đăng nhập / Sign in</button></form></td></tr>`,
      )
      .join("\n");
    return reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        page(
          "Đăng nhập thử / Dev sign-in",
          `<p>Chỉ có trong bản chạy thử: chọn một người trong danh bạ để nhận mã truy cập của người đó, ký bằng khóa cục bộ. / Default run only: pick a person of the directory to get their token, signed with the local key.</p>
<table><thead><tr><th>Họ tên / Name</th><th>Chức vụ / Position</th><th>Đơn vị / Unit</th><th>Vai trò / Roles</th><th></th></tr></thead><tbody>${rows}</tbody></table>`,
        ),
      );
  });

  app.post(
    "/dev/sign-in",
    {
      schema: {
        hide: true,
        body: { type: "object", properties: { person: { type: "string", minLength: 1, maxLength: 128 } }, required: ["person"] },
      },
      config: { public: true },
    },
    async (req, reply) => {
      const id = (req.body as { person: string }).person;
      const person = await asReader<{ person?: Person }>((done) => directory.getPerson({ id }, done as never)).then(
        (r) => (r.person?.active ? r.person : undefined),
        (err: { code?: number }) => {
          if (err.code === status.NOT_FOUND || err.code === status.INVALID_ARGUMENT) return undefined;
          throw err;
        },
      );
      if (!person)
        throw new HttpProblem(404, "NO_SUCH_PERSON", `Không có người "${id}" trong danh bạ / No person "${id}" in the directory`);
      const ttl = opts.ttl ?? "8h";
      const token = await opts.authority.issueToken(
        { sub: person.id, name: person.fullName, roles: person.roles, ...(person.unit?.id ? { unit: person.unit.id } : {}) },
        ttl,
      );
      if (String(req.headers.accept ?? "").includes("application/json"))
        return {
          accessToken: token,
          tokenType: "Bearer",
          expiresIn: 8 * 3600,
          person: { id: person.id, fullName: person.fullName, roles: person.roles },
        };
      return reply
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .send(
          page(
            `Đã đăng nhập: ${person.fullName}`,
            `<p>Đã đăng nhập là <strong>${esc(person.fullName)}</strong> (${esc(person.position)}). Mã truy cập đã được điền vào trang tài liệu API (nút Authorize). / Signed in as ${esc(person.id)}; the token is filled in on the API docs page.</p>
<p><a id="docs" href="/docs">Mở trang tài liệu API / Open the API docs</a> · <a href="/ops">Trang vận hành / Ops page</a> · <a href="/dev/sign-in">Đổi người / Someone else</a></p>
<textarea id="token" readonly rows="6" cols="100">${esc(token)}</textarea>
<script src="/dev/sign-in.js"></script>`,
          ),
        );
    },
  );
  // The form posts urlencoded.
  if (!app.hasContentTypeParser("application/x-www-form-urlencoded"))
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 4096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}button{cursor:pointer}textarea{width:100%;font-family:monospace}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}
