/**
 * Where the gateway's time goes, from its V8 CPU profile (BENCH_CPU_PROF=<dir>: the gateway runs with
 * --cpu-prof): self time per function and per package (fastify, ajv, @bufbuild/protobuf, grpc-js, the
 * gateway's own src/...), counting only samples inside a phase's measured span, so start-up and the
 * other phases do not drown the per-request costs. Shares of the busy time, not absolute times, hold
 * up on a machine shared with other work.
 *
 *   tsx bench/profile.ts <file.cpuprofile> [from_us to_us]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { frameKey, profileSamples, type CallFrame, type CpuProfile, type ProfileWindow as Window } from "@ministry/platform/testing";

export type { CpuProfile, Window };

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** "fastify", "@grpc/grpc-js", "gateway src/http/bridge.ts", "node:internal", "(garbage collector)"... */
export function packageOf(frame: CallFrame): string {
  const url = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const rel = url.startsWith(root) ? url.slice(root.length) : url;
  const m = /^(services\/[^/]+|packages\/[^/]+)\/(?:src|dist)\/(.*)$/.exec(rel);
  return m ? `${m[1]} ${m[2]}` : rel;
}

function where(frame: CallFrame): string {
  if (!frame.url) return "";
  let url = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) url = url.slice(nm + "/node_modules/".length);
  else if (url.startsWith(root)) url = url.slice(root.length);
  return `${url}:${frame.lineNumber + 1}`;
}

export interface Top {
  busyMs: number;
  functions: { name: string; where: string; ms: number; share: number }[];
  packages: { name: string; ms: number; share: number }[];
}

export function topOf(profile: CpuProfile, window?: Window): Top {
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const pkgs = new Map<string, number>();
  let busy = 0;
  for (const { frame, us } of profileSamples(profile, window)) {
    if (frame.functionName === "(idle)") continue;
    busy += us;
    const key = frameKey(frame);
    const f = fns.get(key) ?? { name: frame.functionName || "(anonymous)", where: where(frame), us: 0 };
    f.us += us;
    fns.set(key, f);
    const pkg = packageOf(frame);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const share = (us: number) => (busy === 0 ? 0 : us / busy);
  return {
    busyMs: busy / 1000,
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, share: share(f.us) })),
    packages: [...pkgs.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: share(us) })),
  };
}

/** Markdown: the top packages and functions by self time. */
export function formatTop(top: Top, count = 20): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return [
    `busy ${top.busyMs.toFixed(0)} ms (idle left out)`,
    "",
    "| self % | self ms | package / module |",
    "|---|---|---|",
    ...top.packages.slice(0, count).map((p) => `| ${pct(p.share)} | ${p.ms.toFixed(0)} | ${p.name} |`),
    "",
    "| self % | self ms | function | where |",
    "|---|---|---|---|",
    ...top.functions.slice(0, count).map((f) => `| ${pct(f.share)} | ${f.ms.toFixed(0)} | ${f.name} | ${f.where} |`),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, from, to] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: tsx bench/profile.ts <file.cpuprofile> [from_us to_us]\n");
    process.exit(2);
  }
  const window = from && to ? { from_us: Number(from), to_us: Number(to) } : undefined;
  const lines = formatTop(topOf(JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile, window), 30);
  process.stdout.write(`${lines.join("\n")}\n`);
}
