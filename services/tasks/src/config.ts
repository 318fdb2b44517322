/**
 * The tasks service's own variables (added to the platform's base ones). Lists are comma-separated.
 */
import { env } from "@ministry/platform";
import { z } from "zod";

const dayList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const days = s
        .split(",")
        .map((d) => d.trim())
        .filter((d) => d !== "")
        .map(Number);
      if (days.some((d) => !Number.isInteger(d) || d < 0 || d > 366)) {
        ctx.addIssue({ code: "custom", message: `expected whole numbers of days 0-366, comma-separated, got "${s}"` });
        return z.NEVER;
      }
      return [...new Set(days)].sort((a, b) => a - b);
    });

const roleList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(",")
        .map((r) => r.trim())
        .filter((r) => r !== ""),
    );

export const tasksConfigSchema = z.object({
  /** The body whose programmes these are: "BNV" (Bộ Nội vụ). Programme ids are "<body>-<year>" in lower case. */
  ISSUING_BODY: z.string().min(1).default("BNV"),
  /** The Ministry Office's unit: its people see and manage every task. */
  OFFICE_UNIT_ID: z.string().min(1).default("VP"),
  /** Who may approve or refuse a deadline change ("lùi thời hạn"). */
  DEADLINE_DECIDER_ROLES: roleList("minister,deputy_minister,office_chief"),
  /** Who may withdraw a task from the programme (and so approves the withdrawal). */
  WITHDRAW_ROLES: roleList("minister,deputy_minister"),
  /** Lead times of `tasks.task.due_soon`, in days before the deadline. */
  DUE_SOON_DAYS: dayList("7,1"),
  /** Thresholds of `tasks.task.overdue`, in days after the deadline (0: as soon as it passes). */
  OVERDUE_AFTER_DAYS: dayList("0"),
  /** How often the deadline watch looks at the clock. */
  DEADLINE_WATCH_INTERVAL_MS: env.int(60_000, 10),
  /** Load the 2020 programme of the Ministry of Home Affairs at start-up when the database lacks it. */
  SEED_DATA: env.bool(false),
});

export type TasksConfig = z.infer<typeof tasksConfigSchema>;
