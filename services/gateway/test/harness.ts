/**
 * The whole system for a gateway test: its own nats-server, the four services (each with its own
 * embedded MongoDB, seeded as in the default run: the directory, the 2020 programme, the 30 March 2020
 * briefing, the documents), a real SMTP sink and the exchange simulator, one signing key for every
 * token, one test clock; and the gateway in front of them on a loopback port. Tests talk HTTP to it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, ManualClock, startService, startTelemetry, type IdentityClaims, type RunningService } from "@ministry/platform";
import { startNatsServer, until, type NatsServerHandle } from "@ministry/platform/testing";
import { startMailSink, type MailSink } from "@ministry/mail-sink";
import { documentsService } from "@ministry/documents/src/service.js";
import { startExchangeSimulator } from "@ministry/documents/exchange-simulator/simulator.js";
import { meetingsService } from "@ministry/meetings/src/service.js";
import { notificationsService } from "@ministry/notifications/src/service.js";
import { SEED_PEOPLE } from "@ministry/notifications/src/seed/people.js";
import { tasksService } from "@ministry/tasks/src/service.js";
import { MeetingServiceClient, MeetingStatus } from "@ministry/proto/ministry/meetings/v1/meetings";
import { startGateway, type RunningGateway } from "../src/gateway.js";

/** A JSON answer as a test reads it: as loosely as a portal's JavaScript would. */
// biome-ignore lint/suspicious/noExplicitAny: the one place tests read JSON without a declared type
export type Loose = any;

export interface HttpAnswer<T = Loose> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (problem+json included); undefined for other types. */
  json: T;
  text: string;
}

export interface RequestOptions {
  /** A seeded person's id ("vp-head"), whose token is sent; or `token` for a given one; neither: no token. */
  as?: string;
  token?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | (string | number)[]>;
  headers?: Record<string, string>;
}

export interface SystemHarness {
  gateway: RunningGateway;
  services: { tasks: RunningService; notifications: RunningService; meetings: RunningService; documents: RunningService };
  nats: NatsServerHandle;
  mail: MailSink;
  clock: ManualClock;
  /** A seeded person's claims (as the dev sign-in issues them), changed by `overrides`. */
  claims(person: string, overrides?: Partial<IdentityClaims>): IdentityClaims;
  token(person: string, overrides?: Partial<IdentityClaims>, ttl?: number | string): Promise<string>;
  http<T = Loose>(method: string, url: string, opts?: RequestOptions): Promise<HttpAnswer<T>>;
  /** Another gateway in front of the same services, with other settings (rate limits...); stopped with the system. */
  extraGateway(env: Record<string, string>): Promise<RunningGateway>;
  /** The environment the harness's gateway was started with (addresses of the services, the signing key). */
  gatewayEnv: Record<string, string | undefined>;
  until: typeof until;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** Extra gateway variables (RATE_LIMIT_PER_USER...). */
  gatewayEnv?: Record<string, string>;
  clock?: ManualClock;
}

export async function startSystem(opts: SystemOptions = {}): Promise<SystemHarness> {
  const nats = await startNatsServer();
  const mail = await startMailSink({ port: 0 });
  const simulator = await startExchangeSimulator({ port: 0, credentials: { token: "sim-token" } });
  const clock = opts.clock ?? new ManualClock("2020-03-23T02:00:00Z");
  const telemetry = startTelemetry({ serviceName: "gateway-test" });
  const keyDir = mkdtempSync(path.join(tmpdir(), "gateway-auth-"));
  const keyPath = path.join(keyDir, "signing-key.pem");
  const common = {
    ...process.env,
    NATS_URL: nats.url,
    LOG_LEVEL: "warn",
    MONGODB_URI: undefined,
    GRPC_PORT: "0",
    ADMIN_PORT: "0",
    DEV_MODE: "true",
    AUTH_LOCAL_KEY_PATH: keyPath,
    SEED_DATA: "true",
    SMTP_URL: mail.url,
  };
  const notifications = await startService(notificationsService(), {
    clock,
    telemetry,
    env: { ...common, DISPATCH_POLL_INTERVAL_MS: "50", DIGEST_CHECK_INTERVAL_MS: "3600000" },
  });
  const tasks = await startService(tasksService(), { clock, telemetry, env: { ...common, DEADLINE_WATCH_INTERVAL_MS: "3600000" } });
  const meetings = await startService(meetingsService(), {
    clock,
    telemetry,
    env: {
      ...common,
      NOTIFICATIONS_GRPC_ADDR: notifications.grpc.address,
      TASKS_GRPC_ADDR: tasks.grpc.address,
      REMINDER_WATCH_INTERVAL_MS: "3600000",
    },
  });
  const documents = await startService(documentsService(), {
    clock,
    telemetry,
    env: { ...common, EXCHANGE_URL: simulator.url, EXCHANGE_TOKEN: "sim-token", EXCHANGE_POLL_INTERVAL_MS: "200" },
  });
  const admin = (s: RunningService) => `http://127.0.0.1:${s.admin.port}`;
  const gatewayEnv: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: "warn",
    DEV_MODE: "true",
    DEV_SIGN_IN: "true",
    AUTH_LOCAL_KEY_PATH: keyPath,
    HTTP_PORT: "0",
    ADMIN_PORT: "0",
    TASKS_GRPC_ADDR: tasks.grpc.address,
    NOTIFICATIONS_GRPC_ADDR: notifications.grpc.address,
    MEETINGS_GRPC_ADDR: meetings.grpc.address,
    DOCUMENTS_GRPC_ADDR: documents.grpc.address,
    TASKS_ADMIN_URL: admin(tasks),
    NOTIFICATIONS_ADMIN_URL: admin(notifications),
    MEETINGS_ADMIN_URL: admin(meetings),
    DOCUMENTS_ADMIN_URL: admin(documents),
    OPS_SCRAPE_INTERVAL_MS: "500",
    ...opts.gatewayEnv,
  };
  const gateway = await startGateway({ telemetry, env: gatewayEnv });
  const extra: RunningGateway[] = [];
  const authority = gateway.authority!;
  // The seed briefing is created in the background once the directory and the tasks service answer:
  // wait for it, so tests (and their stop) never race it.
  const meetingsClient = createClient(MeetingServiceClient, meetings.grpc.address, {
    log: meetings.ctx.log,
    token: () => seedReader,
  });
  const seedReader = await authority.issueToken(
    { sub: "vp-head", name: "vp-head", roles: ["office_chief", "unit_head"], unit: "VP" },
    "1h",
  );
  await until(
    () =>
      new Promise<true | undefined>((resolve) =>
        meetingsClient.getMeeting({ id: "gb-2020-q1" }, (err, res) =>
          resolve(!err && res?.meeting?.status === MeetingStatus.MEETING_STATUS_CONCLUDED ? true : undefined),
        ),
      ),
    "the seed briefing",
    60_000,
  );
  meetingsClient.close();
  const claims = (person: string, overrides: Partial<IdentityClaims> = {}): IdentityClaims => {
    const p = SEED_PEOPLE.find((x) => x.id === person);
    const base: IdentityClaims = p
      ? { sub: p.id, name: p.fullName, roles: [...p.roles] as IdentityClaims["roles"], ...(p.unitId ? { unit: p.unitId } : {}) }
      : { sub: person, name: person, roles: [] };
    return { ...base, ...overrides };
  };
  const tokens = new Map<string, string>();
  const harness: SystemHarness = {
    gateway,
    services: { tasks, notifications, meetings, documents },
    nats,
    mail,
    clock,
    claims,
    token: (person, overrides, ttl = "8h") => authority.issueToken(claims(person, overrides), ttl),
    async http(method, url, o = {}) {
      let token = o.token;
      if (!token && o.as) {
        token = tokens.get(o.as) ?? (await harness.token(o.as));
        tokens.set(o.as, token);
      }
      const u = new URL(url, gateway.url);
      for (const [k, v] of Object.entries(o.query ?? {})) {
        if (Array.isArray(v)) for (const x of v) u.searchParams.append(k, String(x));
        else u.searchParams.set(k, String(v));
      }
      const headers: Record<string, string> = { ...o.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(u, { method, headers, body });
      const text = await res.text();
      const type = res.headers.get("content-type") ?? "";
      return { status: res.status, headers: res.headers, text, json: type.includes("json") && text ? JSON.parse(text) : undefined };
    },
    gatewayEnv,
    async extraGateway(env) {
      const g = await startGateway({ telemetry, env: { ...gatewayEnv, ...env } });
      extra.push(g);
      return g;
    },
    until,
    async stop() {
      for (const g of extra) await g.stop();
      await gateway.stop();
      await documents.stop();
      await meetings.stop();
      await tasks.stop();
      await notifications.stop();
      await simulator.stop();
      await mail.close();
      await nats.dispose();
      await telemetry.shutdown();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
  return harness;
}
