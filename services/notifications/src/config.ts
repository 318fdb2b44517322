/**
 * The notifications service's own variables (added to the platform's base ones).
 */
import { env } from "@ministry/platform";
import { z } from "zod";

const localTime = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((s) => /^([01]\d|2[0-3]):[0-5]\d$/.test(s), { message: 'expected a local time "HH:mm", e.g. "07:30"' });

export const notificationsConfigSchema = z.object({
  /** The Ministry Office's unit: overdue tasks are told to its leaders too. */
  OFFICE_UNIT_ID: z.string().min(1).default("VP"),
  /**
   * The SMTP server mail goes through, e.g. "smtp://127.0.0.1:2525" or "smtps://user:pass@mail.example:465".
   * Unset: no email is sent (email deliveries are recorded as skipped), and the service says so as it starts.
   */
  SMTP_URL: z.string().url().optional(),
  /** The sender of every email. */
  MAIL_FROM: z.string().min(3).default('"Bộ Nội vụ - Hệ thống thông báo" <thongbao@moha.gov.vn>'),
  /** Simultaneous SMTP connections (nodemailer's pool). */
  SMTP_MAX_CONNECTIONS: env.int(4, 1),
  /** Where links in messages point: the portal's address. */
  PORTAL_URL: z.string().url().default("http://127.0.0.1:18080"),
  /** The local time of the daily digest, in each person's time zone. */
  DIGEST_TIME: localTime("07:30"),
  /** How often the digest job looks at the clock. */
  DIGEST_CHECK_INTERVAL_MS: env.int(60_000, 10),
  /** Deliveries sent at the same time. */
  DISPATCH_CONCURRENCY: env.int(16, 1),
  /** How often the dispatcher looks for due deliveries besides being nudged (deferred ones, retries, a crashed peer's). */
  DISPATCH_POLL_INTERVAL_MS: env.int(1_000, 10),
  /** Attempts of one delivery before it fails for good. */
  DELIVERY_MAX_ATTEMPTS: env.int(8, 1),
  /** Back-off after a transient failure: doubling from the base to the maximum, with full jitter. */
  RETRY_BASE_MS: env.int(1_000, 1),
  RETRY_MAX_MS: env.int(300_000, 1),
  /** A webhook receiver's time to answer. */
  WEBHOOK_TIMEOUT_MS: env.int(10_000, 100),
  /** Load the seeded directory (the ministry's leadership and the 17 units' people) when it is empty. */
  SEED_DATA: env.bool(false),
});

export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;
