import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "crash-child.ts");

/** Runs the crash fixture in its own Node process (through tsx) and resolves with how it ended. */
export function runCrashChild(
  args: Record<string, unknown>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, JSON.stringify(args)], {
      cwd: path.resolve(path.dirname(fixture), "../../.."),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    // SIGTERM, so a hung child is not mistaken for one that killed itself
    const timer = setTimeout(() => child.kill("SIGTERM"), 30_000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}
