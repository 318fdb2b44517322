/**
 * The documents service's own variables (added to the platform's base ones).
 */
import { env } from "@ministry/platform";
import { z } from "zod";

export const documentsConfigSchema = z.object({
  /** The ministry as an issuing body: its abbreviation in symbols ("BNV") and its name ("BỘ NỘI VỤ"). */
  ISSUING_BODY: z.string().min(1).default("BNV"),
  ISSUING_BODY_NAME: z.string().min(1).default("BỘ NỘI VỤ"),
  /** Its organ code on the exchange (QCVN 102: ddd.dd.dd.Xdd). The real one is unconfirmed: configuration. */
  ORGAN_ID: z.string().min(1).default("000.00.12.H49"),
  /** The Government Office's organ code on the exchange. */
  GOVERNMENT_OFFICE_ORGAN_ID: z.string().min(1).default("000.00.00.G22"),
  /** Where documents are issued ("Hà Nội, ngày …"). */
  PLACE: z.string().min(1).default("Hà Nội"),
  /** The Ministry Office: its clerks register and number documents. */
  OFFICE_UNIT_ID: z.string().min(1).default("VP"),
  /** The exchange endpoint (the simulator in the default run); empty: no exchange (nothing sent or polled). */
  EXCHANGE_URL: z.string().default(""),
  EXCHANGE_USERNAME: z.string().default(""),
  EXCHANGE_PASSWORD: z.string().default(""),
  EXCHANGE_TOKEN: z.string().default(""),
  EXCHANGE_POLL_INTERVAL_MS: env.int(5_000, 50),
  /** The largest attachment (bytes) an upload or a package may carry. */
  ATTACHMENT_MAX_BYTES: env.int(50 * 1024 * 1024, 1024),
  /** The largest edXML package (bytes) received or imported. */
  PACKAGE_MAX_BYTES: env.int(80 * 1024 * 1024, 1024),
  /** A draft's check-out lasts this long by default (minutes), at most CHECKOUT_MAX_MINUTES. */
  CHECKOUT_DEFAULT_MINUTES: env.int(30, 1),
  CHECKOUT_MAX_MINUTES: env.int(480, 1),
  /** How often the handling reminders look at the clock. */
  HANDLING_WATCH_INTERVAL_MS: env.int(60_000, 10),
  /** Load the seed documents at start-up when the database lacks them. */
  SEED_DATA: env.bool(false),
});

export type DocumentsConfig = z.infer<typeof documentsConfigSchema>;
