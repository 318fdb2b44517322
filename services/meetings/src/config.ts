/**
 * The meetings service's own variables (added to the platform's base ones).
 */
import { env } from "@ministry/platform";
import { z } from "zod";

export const meetingsConfigSchema = z.object({
  /** The Ministry Office's unit: its people organise meetings and manage every meeting. */
  OFFICE_UNIT_ID: z.string().min(1).default("VP"),
  /** The notifications service's gRPC address (its DirectoryService resolves invitees). */
  NOTIFICATIONS_GRPC_ADDR: z.string().min(1).default("127.0.0.1:15052"),
  /** The tasks service's gRPC address (its ReportService freezes a quarter report for the agenda). */
  TASKS_GRPC_ADDR: z.string().min(1).default("127.0.0.1:15051"),
  /** Deadline of a call to another service. */
  PEER_DEADLINE_MS: env.int(10_000, 100),
  /** Check-in opens this many minutes before the start. */
  CHECK_IN_OPENS_BEFORE_MIN: env.int(60, 0),
  /**
   * Check-ins and check-outs in progress at once; more wait their turn (a burst before the opening would
   * otherwise start thousands of transactions that conflict over the same sites).
   */
  CHECK_IN_CONCURRENCY: env.int(32, 1),
  /** The reminder goes out this many minutes before the start. */
  REMINDER_BEFORE_MIN: env.int(60, 1),
  /** How often the reminder watch looks at the clock. */
  REMINDER_WATCH_INTERVAL_MS: env.int(60_000, 10),
  /** The calendar feeds' public base URL (the gateway's, in production), for the path CreateFeedToken returns. */
  CALENDAR_BASE_URL: z.string().default(""),
  /** Load the 30 March 2020 quarterly briefing at start-up when the database lacks it. */
  SEED_DATA: env.bool(false),
});

export type MeetingsConfig = z.infer<typeof meetingsConfigSchema>;
