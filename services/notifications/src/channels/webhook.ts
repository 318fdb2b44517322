/**
 * Webhooks as the Standard Webhooks specification signs them (https://www.standardwebhooks.com): the JSON
 * body POSTed with `webhook-id` (the delivery id, the same on every attempt, so a receiver drops a
 * repeat), `webhook-timestamp` (Unix seconds, real time, fresh at each attempt so receivers can refuse
 * replays) and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
 * base64-decoded part of the secret after "whsec_".
 *
 * Outcomes for the dispatcher: 2xx sent; 408, 429, 5xx, network errors and timeouts transient; any other
 * 4xx permanent (the receiver says the request itself is wrong). Redirects are not followed: a signed
 * request re-sent elsewhere is not what the subscriber registered, so a 3xx is permanent.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { SendOutcome, WebhookRequest, WebhookSender } from "./types.js";
import { MAX_ERROR_LENGTH, scrubError } from "./email.js";

export const WEBHOOK_SECRET_PREFIX = "whsec_";
export const USER_AGENT = "ministry-notifications";
/** Of a failing answer's body, what the delivery log keeps (the rest is not read). */
const BODY_SNIPPET_BYTES = 300;

/** A new signing secret: "whsec_" and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** The key a secret stands for ("whsec_" is optional, as in the Standard Webhooks libraries). */
export function webhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, "base64");
}

/** The `webhook-signature` header value: "v1,<base64 HMAC-SHA256 of '<id>.<timestamp>.<body>'>". */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", webhookKey(secret)).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

/** Whether an HTTP answer may change on a later attempt. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The first bytes of an answer's body, as text, and the rest cancelled (the connection is freed). */
async function snippet(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body cut short says nothing more
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks)
    .subarray(0, BODY_SNIPPET_BYTES)
    .toString("utf8")
    .replace(/\uFFFD+$/u, "");
}

function networkError(err: unknown, timeoutMs: number): { permanent: boolean; error: string } {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError")
    return { permanent: false, error: `Không có trả lời sau ${timeoutMs} ms / no answer within ${timeoutMs} ms` };
  const cause = e?.cause;
  if (cause?.code === "ERR_INVALID_URL" || /invalid url|unknown scheme|not supported/i.test(cause?.message ?? ""))
    return { permanent: true, error: `${cause?.code ?? "ERR_INVALID_URL"}: ${cause?.message ?? e.message}` };
  const detail = cause ? `${cause.code ? `${cause.code}: ` : ""}${cause.message ?? ""}` : (e?.message ?? String(err));
  return { permanent: false, error: detail || "network error" };
}

export function createWebhookSender(opts: { timeoutMs: number }): WebhookSender {
  return {
    async send(request: WebhookRequest): Promise<SendOutcome> {
      const timestamp = Math.floor(Date.now() / 1000);
      let res: Response;
      try {
        res = await fetch(request.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": request.id,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signWebhook(request.secret, request.id, timestamp, request.body),
          },
          body: request.body,
          redirect: "manual",
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        const { permanent, error } = networkError(err, opts.timeoutMs);
        return { ok: false, permanent, error: scrubError(error) };
      }
      const status = res.status;
      if (status >= 200 && status < 300) {
        await res.body?.cancel().catch(() => {});
        return { ok: true, responseStatus: status, detail: `HTTP ${status}` };
      }
      if (status >= 300 && status < 400) {
        await res.body?.cancel().catch(() => {});
        return {
          ok: false,
          permanent: true,
          responseStatus: status,
          error: `HTTP ${status}: Không theo chuyển hướng / redirects are not followed`,
        };
      }
      const text = await snippet(res);
      const error = scrubError(`HTTP ${status}${res.statusText ? ` ${res.statusText}` : ""}${text ? `: ${text}` : ""}`).slice(
        0,
        MAX_ERROR_LENGTH,
      );
      return { ok: false, permanent: !isTransientStatus(status), responseStatus: status, error };
    },
  };
}
