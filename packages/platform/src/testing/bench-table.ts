/**
 * How benchmarks print what they measured: one JSON line per figure (for machines and for comparing
 * runs), then Markdown tables and the machine they ran on (for people).
 */
import os from "node:os";
import type { LoadResult } from "./bench-load.js";

/** A figure as one JSON line on stdout: `{"bench": <bench>, ...figure}`. */
export function emitFigure(bench: string, figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench, ...figure })}\n`);
}

export const roundTo = (n: number, digits = 3) => Number(n.toFixed(digits));

/** 12,345 */
export const formatCount = (v: number) => v.toLocaleString("en");

/** Milliseconds with one decimal below 10. */
export const formatMs = (v: number) => (v < 10 ? v.toFixed(1) : v.toFixed(0));

/** "1,234 calls/s, p50 3.1 ms, p99 12 ms", or a dash for a figure not measured. */
export function throughputCell(r: LoadResult | undefined): string {
  return r ? `${formatCount(r.calls_per_sec)} calls/s, p50 ${formatMs(r.p50_ms)} ms, p99 ${formatMs(r.p99_ms)} ms` : "–";
}

/** a's calls/s over b's, two decimals, or a dash. */
export function throughputRatio(a: LoadResult | undefined, b: LoadResult | undefined): string {
  return a && b && b.calls_per_sec > 0 ? (a.calls_per_sec / b.calls_per_sec).toFixed(2) : "–";
}

/** A Markdown table's lines. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)];
}

/**
 * "Machine: 2 cores, <CPU>, Node v22…, linux 6.…, load average 1.52; 81.2 s." (since `startedMs`, a
 * performance.now()). The load average says whether other work shared the machine with the run.
 */
export function machineLine(startedMs: number): string {
  const cpus = os.cpus();
  return `Machine: ${cpus.length} cores, ${cpus[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}, ${os.platform()} ${os.release()}, load average ${os.loadavg()[0].toFixed(2)}; ${roundTo((performance.now() - startedMs) / 1000, 1)} s.`;
}
