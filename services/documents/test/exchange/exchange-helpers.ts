/** Packages and connectors for the exchange tests (connector and simulator). */
import { type ExchangeConnectorOptions, ExchangeConnector, type RetryEvent } from "../../src/exchange/connector.js";
import { buildPackage, documentIdOf, type EdxmlPackage } from "../../src/exchange/edxml/index.js";
import { samplePackage } from "./edxml-samples.js";

export const GOVERNMENT_OFFICE = "000.00.00.G22";
/** The ministry (Bộ Nội vụ) in the sample package. */
export const MINISTRY = "000.00.00.G06";
export const CREDENTIALS = { username: "bnv-voffice", password: "mật-khẩu-thử" };

/** The sample package renumbered, so each test document has its own DocumentId. */
export function numberedPackage(number: number, from = GOVERNMENT_OFFICE): EdxmlPackage {
  const pkg = samplePackage();
  const notation = pkg.header.code.codeNotation;
  const date = pkg.header.promulgationInfo.promulgationDate;
  pkg.header.from = { ...pkg.header.from, organId: from };
  // Sent by the ministry: to the Government Office and the province instead of to itself.
  if (from !== GOVERNMENT_OFFICE) {
    pkg.header.to = [{ organId: GOVERNMENT_OFFICE, organName: "Văn phòng Chính phủ" }, ...pkg.header.to.filter((o) => o.organId !== from)];
  }
  pkg.header.code = { codeNumber: String(number), codeNotation: notation };
  pkg.header.documentId = documentIdOf(from, date, String(number), notation);
  return pkg;
}

export function packageBytes(number: number, from = GOVERNMENT_OFFICE): { bytes: Buffer; documentId: string; to: string[] } {
  const pkg = numberedPackage(number, from);
  return { bytes: buildPackage(pkg), documentId: pkg.header.documentId, to: pkg.header.to.map((o) => o.organId) };
}

/**
 * A connector whose waits between attempts are recorded and not slept (the back-off is asserted on the
 * delays asked for, never on time passed); `onSleep` runs at each wait (a test restarts its simulator there).
 */
export function recordingConnector(
  baseUrl: string,
  options: Partial<ExchangeConnectorOptions> & { onSleep?: (ms: number) => Promise<void> | void } = {},
) {
  const delays: number[] = [];
  const retries: RetryEvent[] = [];
  const { onSleep, ...rest } = options;
  const connector = new ExchangeConnector({
    baseUrl,
    credentials: CREDENTIALS,
    requestTimeoutMs: 10_000,
    onRetry: (e) => retries.push(e),
    sleep: async (ms) => {
      delays.push(ms);
      await onSleep?.(ms);
    },
    ...rest,
  });
  return { connector, delays, retries };
}
