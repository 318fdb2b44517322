/**
 * A real nats-server with JetStream for tests and the dev stack: its own port and store directory,
 * so it can be stopped, killed and restarted without touching any other server on the machine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface NatsServerHandle {
  url: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  /** Stops it (SIGTERM, or SIGKILL with `kill`); the store directory stays for a restart. */
  stop(opts?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes a store directory it created. */
  dispose(): Promise<void>;
}

export function findNatsServerBinary(): string {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    ...(process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "nats-server")),
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
  ];
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return c;
  }
  throw new Error("nats-server not found: install it (Debian: apt-get install nats-server) or set NATS_SERVER_BIN");
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startNatsServer(
  opts: { port?: number; storeDir?: string; log?: (line: string) => void } = {},
): Promise<NatsServerHandle> {
  const bin = findNatsServerBinary();
  const port = opts.port ?? (await freePort());
  const monitorPort = await freePort();
  const ownsStore = !opts.storeDir;
  const storeDir = opts.storeDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "nats-js-"));
  let child: ChildProcess | undefined;

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort), "-js", "-sd", storeDir], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      child = p;
      let output = "";
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        output += text;
        for (const line of text.split("\n")) if (line) opts.log?.(line);
        if (output.includes("Server is ready")) {
          p.stderr!.off("data", onData);
          p.stderr!.on("data", (c: Buffer) =>
            c
              .toString()
              .split("\n")
              .forEach((l) => {
                if (l) opts.log?.(l);
              }),
          );
          resolve();
        }
      };
      p.stderr!.on("data", onData);
      p.once("exit", (code) => reject(new Error(`nats-server exited with ${code} before it was ready: ${output.slice(-500)}`)));
    });

  const stop = async ({ kill = false } = {}) => {
    const p = child;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once("exit", resolve));
    p.kill(kill ? "SIGKILL" : "SIGTERM");
    await exited;
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    stop,
    restart: launch,
    async dispose() {
      await stop();
      if (ownsStore) fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
