/**
 * How tests wait: poll a condition until it yields a value, never a fixed sleep. A timeout fails the
 * test naming what did not happen.
 */

/** How long `until` waits by default: generous on a shared, busy machine; a passing test never waits it out. */
export const UNTIL_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 25;

/** Resolves with `probe`'s first defined value (polled), or fails after `timeoutMs` naming `what`. */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = UNTIL_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}
