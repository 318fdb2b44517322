/**
 * The notifications service started for a test file: its own nats-server, the embedded MongoDB (started
 * by the platform when MONGODB_URI is unset), a real SMTP server (the mail sink) it sends to, real gRPC
 * over loopback, a test clock, tokens from the local authority, and a way to publish other services'
 * events onto their streams as they would.
 */
import {
  createClient,
  encodeEvent,
  ManualClock,
  startService,
  type IdentityClaims,
  type OutgoingEvent,
  type RunningService,
} from "@ministry/platform";
import { promised, startNatsServer, until, type NatsServerHandle, type Promised } from "@ministry/platform/testing";
export { refusal, type Refusal } from "@ministry/platform/testing";
import { startMailSink, type MailSink } from "@ministry/mail-sink";
import {
  DirectoryServiceClient,
  NotificationAdminServiceClient,
  NotificationServiceClient,
} from "@ministry/proto/ministry/notifications/v1/notifications";
import { notificationsService, type NotificationsRuntime } from "../src/service.js";

export interface NotificationsHarness {
  svc: RunningService;
  runtime: NotificationsRuntime;
  nats: NatsServerHandle;
  mail: MailSink;
  clock: ManualClock;
  token(claims: Partial<IdentityClaims> & { sub: string }): Promise<string>;
  /** Clients calling as a seeded person (roles, unit and name from the directory's seed unless given). */
  as(claims: Partial<IdentityClaims> & { sub: string }): Promise<{
    directory: Promised<DirectoryServiceClient>;
    notifications: Promised<NotificationServiceClient>;
    admin: Promised<NotificationAdminServiceClient>;
    /** The raw client, for the live stream. */
    raw: NotificationServiceClient;
  }>;
  /**
   * Publishes another service's event on its stream (created on first use), as its outbox relay would.
   * `msgId` other than the event's id gets past the stream's duplicate window: the consumer really
   * receives the same event (same ce-id) again, as after a producer's re-publish from its outbox.
   */
  publish<T>(event: OutgoingEvent<T>, opts?: { msgId?: string }): Promise<void>;
  /** Resolves once `probe` returns a value (polling), or fails after the timeout. */
  until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function startNotificationsHarness(
  opts: { env?: Record<string, string | undefined>; clock?: ManualClock; seed?: boolean } = {},
): Promise<NotificationsHarness> {
  const nats = await startNatsServer();
  const mail = await startMailSink({ port: 0 });
  const clock = opts.clock ?? new ManualClock("2020-03-30T03:00:00Z");
  let runtime: NotificationsRuntime | undefined;
  const svc = await startService(
    notificationsService((r) => {
      runtime = r;
    }),
    {
      clock,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        LOG_LEVEL: "warn",
        MONGODB_URI: undefined,
        GRPC_PORT: "0",
        ADMIN_PORT: "0",
        DEV_MODE: "true",
        SEED_DATA: opts.seed === false ? "false" : "true",
        SMTP_URL: mail.url,
        // Tests drive the digest by hand (runOnce) and retries fast.
        DIGEST_CHECK_INTERVAL_MS: "3600000",
        DISPATCH_POLL_INTERVAL_MS: "50",
        RETRY_BASE_MS: "20",
        RETRY_MAX_MS: "200",
        ...opts.env,
      },
    },
  );
  const authority = svc.ctx.authority!;
  const streams = new Set<string>();
  const open: { close(): void }[] = [];
  const seedPerson = async (sub: string) =>
    (await runtime!.directory.store.getPeople([sub]))[0] as { fullName: string; roles: string[]; unitId: string | null } | undefined;

  const harness: NotificationsHarness = {
    svc,
    runtime: runtime!,
    nats,
    mail,
    clock,
    async token(claims) {
      const person = await seedPerson(claims.sub);
      return authority.issueToken({
        name: person?.fullName ?? "Người dùng thử",
        roles: person?.roles ?? [],
        ...(person?.unitId ? { unit: person.unitId } : {}),
        ...claims,
      });
    },
    async as(claims) {
      const token = await harness.token(claims);
      const options = { log: svc.ctx.log, token: () => token };
      const directory = createClient(DirectoryServiceClient, svc.grpc.address, options);
      const notifications = createClient(NotificationServiceClient, svc.grpc.address, options);
      const admin = createClient(NotificationAdminServiceClient, svc.grpc.address, options);
      open.push(directory, notifications, admin);
      return { directory: promised(directory), notifications: promised(notifications), admin: promised(admin), raw: notifications };
    },
    async publish(event, publishOpts = {}) {
      const producer = event.type.service;
      if (!streams.has(producer)) {
        await svc.ctx.bus.ensureStream({ service: producer });
        streams.add(producer);
      }
      await svc.ctx.bus.publishEncoded(encodeEvent(event, { now: clock.now() }), { msgId: publishOpts.msgId });
    },
    until,
    async stop() {
      for (const c of open) c.close();
      await svc.stop();
      await mail.close();
      await nats.dispose();
    },
  };
  return harness;
}
