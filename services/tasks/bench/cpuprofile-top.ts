/**
 * The top self-time entries of a V8 CPU profile (`node --cpu-prof`, or BENCH_CPU_PROF=<dir> of the
 * bench): function, url:line, self time and its share of the busy time (idle excluded) and of the whole
 * profile. Shares, unlike absolute times, hold up on a machine shared with other work.
 *
 *   tsx bench/cpuprofile-top.ts <file.cpuprofile> [how many, default 25] [figure]
 *
 * The bench writes <file.cpuprofile>.windows.json beside a profile it took: each figure's measured span
 * (e.g. "GetTask"); naming one counts only the samples taken while that load ran.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { frameKey, profileSamples, type CallFrame, type CpuProfile, type ProfileWindow as Window } from "@ministry/platform/testing";

export type { CpuProfile, Window };

export interface SelfTimeEntry {
  functionName: string;
  /** url:line (1-based), the repository's prefix removed. */
  location: string;
  selfMs: number;
  /** Of the profile's time without (idle). */
  busyShare: number;
  /** Of the whole profile. */
  totalShare: number;
}

const root = fileURLToPath(new URL("../../../", import.meta.url));

function location(frame: CallFrame): string {
  if (!frame.url) return "";
  let url = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  if (url.startsWith(root)) url = url.slice(root.length);
  return `${url}:${frame.lineNumber + 1}`;
}

/**
 * Self time per function (same name and place merged: V8 splits one function over several nodes),
 * counting only samples inside `window` when given: a service's profile also holds its start-up and the
 * bench's loading, which would drown the per-call costs.
 */
export function topSelfTime(profile: CpuProfile, window?: Window): SelfTimeEntry[] {
  const byKey = new Map<string, { frame: CallFrame; us: number }>();
  let total = 0;
  let idle = 0;
  for (const { frame, us } of profileSamples(profile, window)) {
    total += us;
    if (frame.functionName === "(idle)") idle += us;
    const key = frameKey(frame);
    const entry = byKey.get(key) ?? { frame, us: 0 };
    entry.us += us;
    byKey.set(key, entry);
  }
  const busy = total - idle;
  return [...byKey.values()]
    .sort((a, b) => b.us - a.us)
    .map(({ frame, us }) => ({
      functionName: frame.functionName || "(anonymous)",
      location: location(frame),
      selfMs: us / 1000,
      busyShare: frame.functionName === "(idle)" || busy === 0 ? 0 : us / busy,
      totalShare: total === 0 ? 0 : us / total,
    }));
}

export function printTop(
  entries: SelfTimeEntry[],
  count: number,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  out("| self % of busy | self % of all | self ms | function | url:line |");
  out("|---|---|---|---|---|");
  for (const e of entries.slice(0, count))
    out(`| ${pct(e.busyShare)} | ${pct(e.totalShare)} | ${e.selfMs.toFixed(0)} | ${e.functionName} | ${e.location} |`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, count, figure] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: tsx bench/cpuprofile-top.ts <file.cpuprofile> [count] [figure, e.g. GetTask]\n");
    process.exit(2);
  }
  const { existsSync, readFileSync } = await import("node:fs");
  let window: Window | undefined;
  if (figure) {
    const sidecar = `${file}.windows.json`;
    const windows = existsSync(sidecar) ? (JSON.parse(readFileSync(sidecar, "utf8")) as Record<string, Window>) : {};
    window = windows[figure];
    if (!window) {
      process.stderr.write(`no window "${figure}" in ${sidecar} (has: ${Object.keys(windows).join(", ") || "none"})\n`);
      process.exit(2);
    }
  }
  printTop(topSelfTime(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, window), Number(count ?? 25));
}
