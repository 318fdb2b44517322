/** The gateway process: start, and stop cleanly on SIGTERM/SIGINT. */
import { ConfigError } from "@ministry/platform";
import { startGateway } from "./gateway.js";

try {
  const gateway = await startGateway();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.log.info({ signal }, "stopping");
    const timer = setTimeout(() => process.exit(1), gateway.config.SHUTDOWN_TIMEOUT_MS).unref();
    gateway.stop().then(
      () => {
        clearTimeout(timer);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`gateway: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
}
