/**
 * The meetings service started for a test file with its real peers: its own nats-server, the
 * notifications service (the directory of people, and the inboxes and mail the meetings' notices
 * reach, through a real SMTP sink), the tasks service (the 2020 programme, whose Q1 report the agenda
 * freezes) and the meetings service, each with its own embedded MongoDB, real gRPC over loopback, one
 * signing key for everyone's tokens, and one test clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, ManualClock, startService, startTelemetry, type IdentityClaims, type RunningService } from "@ministry/platform";
import { promised, startNatsServer, until, type NatsServerHandle, type Promised } from "@ministry/platform/testing";
import { startMailSink, type MailSink } from "@ministry/mail-sink";
import { MeetingServiceClient } from "@ministry/proto/ministry/meetings/v1/meetings";
import { NotificationServiceClient } from "@ministry/proto/ministry/notifications/v1/notifications";
import { ReportServiceClient, TaskServiceClient } from "@ministry/proto/ministry/tasks/v1/tasks";
import { notificationsService } from "@ministry/notifications/src/service.js";
import { tasksService } from "@ministry/tasks/src/service.js";
import { seededIdentity } from "../src/seed/index.js";
import { meetingsService, type MeetingsRuntime } from "../src/service.js";
export { refusal, type Refusal } from "@ministry/platform/testing";

export interface Clients {
  meetings: Promised<MeetingServiceClient>;
  notifications: Promised<NotificationServiceClient>;
  tasks: Promised<TaskServiceClient>;
  reports: Promised<ReportServiceClient>;
}

export interface MeetingsHarness {
  meetings: RunningService;
  notifications: RunningService;
  tasks: RunningService;
  runtime: MeetingsRuntime;
  nats: NatsServerHandle;
  mail: MailSink;
  clock: ManualClock;
  /** Clients calling as a seeded person (`vp-head`, `minister`, `tccb-head`...), or as the claims given. */
  as(person: string | (Partial<IdentityClaims> & { sub: string })): Promise<Clients>;
  token(person: string | (Partial<IdentityClaims> & { sub: string })): Promise<string>;
  /** The admin port's base URL (the calendar feeds). */
  adminUrl: string;
  until: typeof until;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  clock?: ManualClock;
  /** Extra variables of the meetings service (CHECK_IN_OPENS_BEFORE_MIN...). */
  env?: Record<string, string>;
  /** Seed the 30 March 2020 briefing (default false: tests build their own meetings). */
  seedMeeting?: boolean;
}

export async function startMeetingsHarness(opts: HarnessOptions = {}): Promise<MeetingsHarness> {
  const nats = await startNatsServer();
  const mail = await startMailSink({ port: 0 });
  const clock = opts.clock ?? new ManualClock("2020-03-23T02:00:00Z");
  // One process, three services: they share the process's telemetry.
  const telemetry = startTelemetry({ serviceName: "meetings-test" });
  const keyDir = mkdtempSync(path.join(tmpdir(), "meetings-auth-"));
  const common = {
    ...process.env,
    NATS_URL: nats.url,
    LOG_LEVEL: "warn",
    MONGODB_URI: undefined,
    GRPC_PORT: "0",
    ADMIN_PORT: "0",
    DEV_MODE: "true",
    AUTH_LOCAL_KEY_PATH: path.join(keyDir, "signing-key.pem"),
  };
  const notifications = await startService(notificationsService(), {
    clock,
    telemetry,
    env: { ...common, SEED_DATA: "true", SMTP_URL: mail.url, DISPATCH_POLL_INTERVAL_MS: "50", DIGEST_CHECK_INTERVAL_MS: "3600000" },
  });
  const tasks = await startService(tasksService(), {
    clock,
    telemetry,
    env: { ...common, SEED_DATA: "true", DEADLINE_WATCH_INTERVAL_MS: "3600000" },
  });
  let runtime: MeetingsRuntime | undefined;
  const meetings = await startService(
    meetingsService({
      onReady: (r) => {
        runtime = r;
      },
    }),
    {
      clock,
      telemetry,
      env: {
        ...common,
        NOTIFICATIONS_GRPC_ADDR: notifications.grpc.address,
        TASKS_GRPC_ADDR: tasks.grpc.address,
        SEED_DATA: opts.seedMeeting ? "true" : "false",
        REMINDER_WATCH_INTERVAL_MS: "3600000",
        ...opts.env,
      },
    },
  );
  const authority = meetings.ctx.authority!;
  const open: { close(): void }[] = [];
  const claimsOf = (person: string | (Partial<IdentityClaims> & { sub: string })): IdentityClaims => {
    if (typeof person !== "string") {
      const base = seededIdentity(person.sub);
      return { name: person.sub, roles: base.roles, ...(base.unitId ? { unit: base.unitId } : {}), ...person };
    }
    const id = seededIdentity(person);
    return { sub: id.userId, name: id.name, roles: id.roles, ...(id.unitId ? { unit: id.unitId } : {}) };
  };
  const harness: MeetingsHarness = {
    meetings,
    notifications,
    tasks,
    runtime: runtime!,
    nats,
    mail,
    clock,
    adminUrl: `http://127.0.0.1:${meetings.admin.port}`,
    token: (person) => authority.issueToken(claimsOf(person), "8h"),
    async as(person) {
      const token = await harness.token(person);
      const options = { log: meetings.ctx.log, token: () => token };
      const m = createClient(MeetingServiceClient, meetings.grpc.address, options);
      const n = createClient(NotificationServiceClient, notifications.grpc.address, options);
      const t = createClient(TaskServiceClient, tasks.grpc.address, options);
      const r = createClient(ReportServiceClient, tasks.grpc.address, options);
      open.push(m, n, t, r);
      return { meetings: promised(m), notifications: promised(n), tasks: promised(t), reports: promised(r) };
    },
    until,
    async stop() {
      for (const c of open) c.close();
      await meetings.stop();
      await tasks.stop();
      await notifications.stop();
      await mail.close();
      await nats.dispose();
      await telemetry.shutdown();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
  return harness;
}
